"""Tools for pushing hostile input through the app: the lines, what a view reads, what a page offers, how to send it.

Nothing here knows a route: everything is found from `app.url_map`, from recording what views read, and from the
forms and links on the app's own pages.
"""

import ast
import contextlib
import json
import re
import traceback
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

from werkzeug.datastructures import EnvironHeaders, ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

DATA = Path(__file__).parent / "data" / "hostile_inputs.txt"
LONG = "x" * 10_000


def hostile_lines() -> list[str]:
    """The hostile inputs file (one Python string literal a line), then a 10,000-character value and an empty one."""
    lines = [ast.literal_eval(line) for line in DATA.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return [*lines, LONG, ""]


def show(value: str, limit: int = 60) -> str:
    """A value as a short, printable literal for a failure message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…({len(value)} chars)'"


def wire(value: str) -> bytes:
    """What a browser would send for a value (a lone surrogate goes as the bytes Python would write for it)."""
    return value.encode("utf-8", "surrogatepass")


def header_value(value: str) -> str | None:
    """A value as a WSGI server presents a header (UTF-8 bytes read as Latin-1), or None when no HTTP client
    could send it (line breaks and NUL end or break the header on the wire)."""
    if any(c in value for c in "\r\n\x00"):
        return None
    return wire(value).decode("latin-1")


def query_string(pairs: list[tuple[str, str]]) -> str:
    return urlencode([(wire(k), wire(v)) for k, v in pairs])


def path_segment(value: str) -> str:
    return quote(wire(value), safe="")


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body written by hand (the test client's encoder refuses lone surrogates)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + wire(value))
    for name, content in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="hostile.csv"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + wire(content))
    body = b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def body(response) -> str:
    """What a response says: its text (PDFs and CSV too), or an endless event stream's opening events."""
    if response.mimetype == "text/event-stream":  # its opening events, then hang up
        chunks = []
        try:
            for chunk in response.response:
                chunks.append(chunk.decode() if isinstance(chunk, bytes) else chunk)
                if "event:" in chunks[-1] or len(chunks) > 3:
                    break
        finally:
            response.close()
        return "".join(chunks)
    text = response.get_data().decode("utf-8", "replace")
    response.close()
    return text


# --- what a view reads ----------------------------------------------------------------------------------------

class RecordingDict(ImmutableMultiDict):
    """A request's args, form, files or cookies that note every key a view asks for."""

    def __init__(self, data, seen: set[str]):
        self.seen = seen
        super().__init__(data)

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        self.seen.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.seen.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        self.seen.add(key)
        return super().__contains__(key)


class RecordingHeaders(EnvironHeaders):
    """A request's headers that note every header a view asks for."""

    def __init__(self, environ, seen: set[str]):
        super().__init__(environ)
        self.seen = seen

    def _get_key(self, key):
        if isinstance(key, str):
            self.seen.add(key.lower())
        return super()._get_key(key)

    def getlist(self, key, type=None):
        if isinstance(key, str):
            self.seen.add(key.lower())
        return super().getlist(key, type)


@dataclass
class Reads:
    """The keys views asked for, per part of the request."""

    args: set[str] = field(default_factory=set)
    form: set[str] = field(default_factory=set)
    headers: set[str] = field(default_factory=set)
    cookies: set[str] = field(default_factory=set)

    def install(self, request) -> None:
        """(In a before_request hook.) Swap the request's dictionaries for recording ones."""
        request.args = RecordingDict(request.args, self.args)
        request.form = RecordingDict(request.form, self.form)
        request.files = RecordingDict(request.files, self.form)
        request.cookies = RecordingDict(request.cookies, self.cookies)
        request.headers = RecordingHeaders(request.environ, self.headers)


def off_site(location: str) -> bool:
    """Whether a redirect sends the browser to another host (as browsers read it: tabs and newlines dropped,
    a backslash taken for a slash)."""
    parts = urlsplit(re.sub(r"[\t\n\r]", "", location).replace("\\", "/"))
    return parts.netloc not in ("", "localhost") or parts.scheme not in ("", "http", "https")


def disposition_problem(value: str | None) -> str | None:
    """A Content-Disposition whose parameters the input changed (a second filename, an injected parameter)."""
    if not value:
        return None
    names = re.findall(r";\s*([\w*]+)=", value)
    if len(names) != len(set(names)) or not set(names) <= {"filename", "filename*"}:
        return f"Content-Disposition carries input: {value[:120]!r}"
    return None


def exception_summary(exc: BaseException) -> str:
    """The exception's last line and where in the app it was raised."""
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if "/rcbingo/" in frame.filename:
            where = f" at {frame.filename.split('/rcbingo/')[-1]}:{frame.lineno} in {frame.name}"
    line = traceback.format_exception_only(type(exc), exc)[-1].strip().splitlines()[0]  # not SQLAlchemy's SQL
    return (line[:200] + "…" if len(line) > 200 else line) + where


# --- what a page shows ----------------------------------------------------------------------------------------

# Where a value could make the browser run or fetch something.
ACTIVE_ATTRIBUTES = {"src", "href", "action", "formaction", "style", "srcdoc", "xlink:href", "data", "background",
                     "poster", "content", "sse-connect", "hx-get", "hx-post", "ping", "manifest", "srcset"}
MARKERS = ("javascript:", "127.0.0.1", "file:", "evil.example", "alert(", "@import")
NEVER = {"iframe", "object", "embed", "base", "frame", "applet"}
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


class Page(HTMLParser):
    """An HTML page's text, and whatever in it looks like markup or an address that came from input."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, isolates bidi text)
        self._raw_text_of: str | None = None
        self.feed(html)
        self.close()
        self.text = " ".join(" ".join(self.parts).split())

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): v or "" for k, v in attrs}
        for name, value in a.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler attribute")
            elif (name in ACTIVE_ATTRIBUTES and any(m in value.lower() for m in MARKERS)
                  and (name in ("style", "content") or off_site(value))):  # a local path may name anything
                self.problems.append(f"<{tag} {name}={value[:60]!r}> points where the input said")
        if tag in NEVER:
            self.problems.append(f"<{tag}> element")
        elif tag == "script" and not a.get("src", "").startswith("/static/"):
            self.problems.append(f"<script {a}> not one of the app's own scripts")
        elif tag == "img" and not a.get("src", "").startswith(("data:", "/static/")):
            self.problems.append(f"<img src={a.get('src', '')[:60]!r}> not the app's own picture")
        elif tag == "link" and not a.get("href", "").startswith(("/static/", "data:")):
            self.problems.append(f"<link href={a.get('href', '')[:60]!r}> not the app's own stylesheet")
        if tag in ("script", "style"):
            self._raw_text_of = tag
        if tag not in ("br", "img", "input", "meta", "link", "hr", "wbr", "source", "area", "col", "embed"):
            self._stack.append((tag, tag == "bdi" or "dir" in a))

    def handle_endtag(self, tag):
        self._raw_text_of = None
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if self._raw_text_of:
            if any(m in data for m in MARKERS):
                self.problems.append(f"<{self._raw_text_of}> holding {data.strip()[:60]!r}")
            return
        if BIDI_CONTROLS.search(data) and not any(isolated for _tag, isolated in self._stack):
            self.problems.append(f"bidi control outside <bdi> or dir: {data.strip()[:60]!r}")
        self.parts.append(data)


def live_markup(html: str) -> list[str]:
    """What in a page looks like markup or an address that came from input (a quick look first: most pages
    carry no trace of a hostile line at all)."""
    if not any(m in html for m in MARKERS) and not BIDI_CONTROLS.search(html) and "<img src=x" not in html:
        return []
    return list(dict.fromkeys(Page(html).problems))


# --- what a page offers ---------------------------------------------------------------------------------------

TEXT, HIDDEN, CHOICE, FILE, EMAIL, PASSWORD = "text", "hidden", "choice", "file", "email", "password"


@dataclass
class Field:
    name: str
    kind: str
    options: list[str] = field(default_factory=list)
    value: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)
    submits: list[tuple[str, str]] = field(default_factory=list)

    def signature(self) -> tuple:
        return (tuple((f.name, f.kind) for f in self.fields.values()), tuple(self.submits))


class PageParser(HTMLParser):
    """Every form (its fields and submit buttons) and every link (href, src, hx-get, with hx-vals) on a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        for attr in ("href", "src", "hx-get"):
            if a.get(attr) and not a[attr].startswith(("data:", "#", "mailto:")):
                self.links.append(self._with_vals(a[attr], a, tag))
        if tag == "form":
            post = a.get("hx-post") or (a.get("action", "") if a.get("method", "get").lower() == "post" else None)
            self._form = Form(action=post if post is not None else a.get("action", ""),
                              method="post" if post is not None else "get")
            self.forms.append(self._form)
            return
        if tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            return
        name = a.get("name")
        if not name or self._form is None or tag not in ("input", "select", "textarea", "button"):
            return
        kind = a.get("type", "submit" if tag == "button" else "text").lower()
        if kind in ("submit", "image") or tag == "button":
            if kind == "submit":
                self._form.submits.append((name, a.get("value", "")))
            return
        fields = self._form.fields
        if tag == "select":
            self._select = fields.setdefault(name, Field(name, CHOICE))
        elif kind in ("checkbox", "radio"):
            fields.setdefault(name, Field(name, CHOICE)).options.append(a.get("value", "on"))
        elif kind == "hidden":
            fields.setdefault(name, Field(name, HIDDEN, value=a.get("value", "")))
        elif kind in ("file", "email", "password"):
            fields.setdefault(name, Field(name, kind))
        else:
            fields.setdefault(name, Field(name, TEXT, value=a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None

    @staticmethod
    def _with_vals(url: str, a: dict, tag: str) -> str:
        """An htmx request's URL with what htmx adds: hx-vals, and the element's own value when it is a field."""
        extra = []
        if a.get("hx-vals", "").startswith("{"):
            with contextlib.suppress(ValueError):
                extra += [(k, str(v)) for k, v in json.loads(a["hx-vals"]).items()]
        if tag in ("input", "select", "textarea") and a.get("name"):
            extra.append((a["name"], a.get("value", "")))
        if not extra or "hx-get" not in a:
            return url
        return url + ("&" if "?" in url else "?") + urlencode(extra)


@dataclass
class Offered:
    """What the app's pages offer an endpoint: example query values and forms, found by crawling."""

    queries: dict[str, dict[str, str]] = field(default_factory=dict)
    forms: dict[str, list[Form]] = field(default_factory=dict)

    def add_page(self, adapter, page_url: str, html: str) -> None:
        parser = PageParser()
        parser.feed(html)
        for link in parser.links:
            self._add_query(adapter, urljoin(page_url, link), "GET")
        for form in parser.forms:
            url = urljoin(page_url, form.action)
            if form.method == "get":
                self._add_query(adapter, url, "GET", {f.name: f.value or next(iter(f.options), "")
                                                      for f in form.fields.values()})
                continue
            endpoint = match(adapter, url, "POST")
            if endpoint:
                known = self.forms.setdefault(endpoint, [])
                if form.signature() not in {f.signature() for f in known}:
                    known.append(form)

    def _add_query(self, adapter, url: str, method: str, extra: dict | None = None) -> None:
        endpoint = match(adapter, url, method)
        if endpoint:
            examples = self.queries.setdefault(endpoint, {})
            for key, value in [*parse_qsl(urlsplit(url).query, keep_blank_values=True), *(extra or {}).items()]:
                examples.setdefault(key, value)


def match(adapter, url: str, method: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return None
    try:
        endpoint, _args = adapter.match(parts.path, method=method)
    except (HTTPException, RequestRedirect):
        return None
    return endpoint


def fresh_nonce(value: str) -> str:
    """A per-page nonce (such as a card's submission id) is replaced so each request is a new submission."""
    return uuid.uuid4().hex if re.fullmatch(r"[0-9a-f]{32}", value) else value


# --- JSON bodies from the OpenAPI document --------------------------------------------------------------------

def json_instance(schema: dict, spec: dict, line: str, typed: bool, index: int = 0):
    """A body shaped by `schema` with the hostile line in it: in every leaf, or (typed) in every free-text string
    while enums, booleans and numbers keep valid values."""
    if "$ref" in schema:
        target = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return json_instance(target, spec, line, typed, index)
    kind = schema.get("type")
    if kind == "object":
        return {name: json_instance(sub, spec, line, typed, index + i)
                for i, (name, sub) in enumerate(schema.get("properties", {}).items())}
    if kind == "array":
        count = max(1, schema.get("minItems", 1))
        return [json_instance(schema.get("items", {}), spec, line, typed, index + i) for i in range(count)]
    if not typed:
        return line
    if "enum" in schema:
        return schema["enum"][index % len(schema["enum"])]
    if kind == "boolean":
        return bool(index % 2)
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    return line


def spec_operation(spec: dict, rule, method: str) -> dict | None:
    """The OpenAPI operation for a URL rule, matched with every path variable as a wildcard."""
    shape = re.sub(r"<[^>]+>", "{}", rule.rule)
    for path, operations in spec.get("paths", {}).items():
        if re.sub(r"\{[^}]+\}", "{}", path) == shape and method.lower() in operations:
            return operations[method.lower()]
    return None


def stored_unscreenable(session, metadata) -> list[str]:
    """Every stored text holding an invisible character the normalisation removes (rcbingo/text.py): text that reached
    storage without passing the edge's one normalisation, which the screen and the pages would read differently."""
    from sqlalchemy import String, select

    from rcbingo.text import has_invisible

    found = []
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            found += [f"{table.name}.{c.name}: {show(v)}" for c, v in zip(columns, row, strict=True)
                      if isinstance(v, str) and has_invisible(v)]
    return found
