"""Newsletter PDFs: WeasyPrint, reading nothing but `data:` URIs and the app's own static files.

The server runs this file as a script in a child process (HTML on standard input, PDF on standard
output), so a slow render never holds up a worker; command-line tasks import `write_pdf`. It imports
nothing of the app, so the child starts quickly.
"""

import sys
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import URLFetcher

STATIC = Path(__file__).resolve().parents[2] / "static"


class OwnFilesOnly(URLFetcher):
    """Refuses every address but a `data:` URI or a file under static/: no local file, no request out."""

    def __init__(self):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        if not (url.startswith("data:") or _is_static(url)):
            raise ValueError("the newsletter reads only data: URIs and the app's static files")
        return super().fetch(url, headers)


def _is_static(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    return Path(url2pathname(parts.path)).resolve().is_relative_to(STATIC)


def write_pdf(html: str) -> bytes:
    return HTML(string=html, url_fetcher=OwnFilesOnly()).write_pdf()


if __name__ == "__main__":
    sys.stdout.buffer.write(write_pdf(sys.stdin.buffer.read().decode()))
