"""The HTTP edge, one home for each rule about what comes in and what goes out.

- Text: every parameter, form field and JSON string arrives normalised (`clean_text`: NFKC, without control
  characters, bidi overrides, lone surrogates or invisible characters), so no view, form, screen or database ever
  sees two spellings of what looks the same (`Request`; uploads and the CLI call `clean_text` themselves).
- Ids: one bounded integer converter for every `<int:…>` route, and `db_id` for ids in parameters.
- Redirects: `safe_next` is the only reader of a `next` address.
- Downloads: `attachment` is the only writer of Content-Disposition; `csv_download` the only CSV writer.
"""

import csv
import io
import re
from urllib.parse import urlsplit

import cmarkgfm
import nh3
from flask import Request as FlaskRequest
from flask import make_response, url_for
from markupsafe import Markup
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

from .text import SECRET_FIELDS, normalise, strip_controls

# The largest id a table holds (PostgreSQL's integer); a larger one names nothing.
MAX_ID = 2**31 - 1

# The one normalisation of text (rcbingo/text.py), under the names the views know.
clean_text = normalise
clean_secret = strip_controls


def clean_json(value):
    """Every string of a decoded JSON document (keys too) cleaned like form text."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): clean_secret(v) if k in SECRET_FIELDS and isinstance(v, str) else clean_json(v)
                for k, v in value.items()}
    return value


class CleanMultiDict(ImmutableMultiDict):
    """Query and form parameters, their text values cleaned as they are parsed."""

    def __init__(self, mapping=None):
        pairs = MultiDict(mapping).items(multi=True)
        super().__init__([(clean_text(k), (clean_secret if k in SECRET_FIELDS else clean_text)(v)
                           if isinstance(v, str) else v) for k, v in pairs])


class Request(FlaskRequest):
    """Flask's request, with every text a client sends cleaned before anything reads it."""

    parameter_storage_class = CleanMultiDict

    def get_json(self, force=False, silent=False, cache=True):
        try:
            return clean_json(super().get_json(force=force, silent=silent, cache=cache))
        except RecursionError:  # nested deeper than any card or answer could be
            if silent:
                return None
            raise BadRequest("The JSON document is nested too deeply.") from None


class TextConverter(UnicodeConverter):
    """`<key>` path parts: a part holding characters that text may not hold names nothing (404)."""

    def to_python(self, value: str) -> str:
        if clean_text(value) != value:
            raise ValidationError()
        return value


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` for ids: 1 to MAX_ID, so an id out of the database's range is a 404 like any unknown id."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def db_id(value: str) -> int:
    """An id given as a parameter (`request.args.get("x", type=db_id)`); a ValueError for anything else."""
    number = int(value)
    if not 1 <= number <= MAX_ID or not (value.isascii() and value.isdigit()):
        raise ValueError(value)
    return number


def safe_next(target: str | None, default_endpoint: str = "desk.manage") -> str:
    """Where to go after signing in: a path on this site, or the default page. Never another host."""
    if target and _is_local_path(target):
        return target
    return url_for(default_endpoint)


def _is_local_path(target: str) -> bool:
    # Browsers drop tabs and newlines from addresses and read a backslash as a slash,
    # so "/\t/evil.example" and "/\\evil.example" are other hosts to them.
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target) or "\\" in target:
        return False
    parts = urlsplit(target)
    return target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc


def attachment(response, filename: str, inline: bool = False):
    """Name a download, quoted by werkzeug (a quote or a semicolon in the name cannot add a parameter)."""
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", filename=filename)
    return response


# A spreadsheet runs a cell that begins with one of these (OWASP's list: = + - @ tab and carriage
# return; | and % start DDE and macros in some programs). defusedcsv, the usual library, lets a leading
# tab or carriage return through, hence this rule of our own.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def csv_cell(value):
    """A value as a spreadsheet may open it: text that would start a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_download(header, rows, filename: str):
    """A CSV file to download, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return attachment(response, filename)


def markdown_html(text: str, tags: set[str]) -> Markup:
    """Markdown as HTML with anything but `tags` and plain links removed: the one place typed Markdown becomes
    markup (a newsletter's introduction, the API's descriptions). Headings take the nearest level `tags` allow,
    nothing nests more than MAX_NESTING deep, no more than MAX_ELEMENTS elements are made, and a link whose address
    was removed is its text alone."""
    # cmark (CommonMark's reference parser, in C) takes time in proportion to the text, whatever it holds: the
    # pure-Python renderer before it spent over a second on a 5,000-character line of links. Its safe default also
    # leaves out raw HTML and javascript: links before the sanitiser sees them. (Lone surrogates cannot be UTF-8.)
    html = cmarkgfm.markdown_to_html((text or "").encode("utf-8", "replace").decode())
    html = nh3.clean(_shaped(html, tags), tags=tags, attributes={"a": {"href"}},
                     url_schemes={"http", "https", "mailto"})
    if sum(1 for tag in _TAG.finditer(html) if not tag[1]) > MAX_ELEMENTS:
        return Markup("<p>{}</p>").format(" ".join(text.split()))  # its words, as one paragraph of plain text
    return Markup(_without_empty_links(html))  # noqa: S704 - sanitized


# How deep quotes and lists may nest in each other, and inline formatting in itself: WeasyPrint lays out every
# level by recursion (">" * 5000 or "1. " * 1666 failed the PDF; 70 nested lists took 14 s), and no reader
# follows a ninth level anyway.
MAX_NESTING = 8
# How many elements typed Markdown may make: WeasyPrint spends seconds laying out thousands of them (an introduction of
# 5,000 characters made 1,666 emphases, or paragraphs, and its PDF took 30 s of a PDF turn). Beyond, the text is shown
# as it was typed, in one paragraph: a person writing an introduction never comes near.
MAX_ELEMENTS = 300
_NESTS = {"blockquote", "ul", "ol"}
_HEADINGS = {f"h{level}" for level in range(1, 7)}
_VOID = {"br", "hr", "img"}
# A tag as cmark and nh3 write them: lower case, attribute values in double quotes (text never holds a raw "<").
_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:\s+[^\s"\'<>/=]+(?:="[^"]*")?)*)\s*/?>')


def _shaped(html: str, tags: set[str]) -> str:
    """cmark's HTML with headings renamed to the nearest level `tags` allow (a paragraph if none) and every quote,
    list or inline element deeper than MAX_NESTING of its kind unwrapped (its text kept, in its parent)."""
    levels = sorted(int(tag[1]) for tag in tags & _HEADINGS)
    out, position, stack, depth = [], 0, [], {True: 0, False: 0}
    for tag in _TAG.finditer(html):
        out.append(html[position:tag.start()])
        position = tag.end()
        closing, name = tag[1], tag[2]
        if name in _VOID:
            out.append(tag[0])
        elif closing:
            kept, nest = stack.pop() if stack else (name, None)
            if kept:
                out.append(f"</{kept}>")
                if nest is not None:
                    depth[nest] -= 1
        elif name == "li":  # an item goes where its list goes
            kept = "li" if stack and stack[-1][0] in ("ul", "ol") else None
            stack.append((kept, None))
            out.append(tag[0] if kept else " ")
        else:
            nest = name in _NESTS
            kept = _heading(int(name[1]), levels, tags) if name in _HEADINGS else name
            if depth[nest] >= MAX_NESTING:
                kept = None
            stack.append((kept, nest))
            if kept:
                depth[nest] += 1
                out.append(f"<{kept}{tag[3]}>")
    out.append(html[position:])
    return "".join(out)


def _heading(level: int, levels: list[int], tags: set[str]) -> str:
    """The heading tag for a heading of `level`: the first allowed level at or below it in rank, else the smallest
    allowed, else a paragraph."""
    if not levels:
        return "p" if "p" in tags else ""
    return f"h{next((allowed for allowed in levels if allowed >= level), levels[-1])}"


def _without_empty_links(html: str) -> str:
    """nh3's HTML with each link whose address was removed (cmark's for `javascript:`, nh3's for another scheme)
    replaced by its text: an anchor without an address looks like a link and goes nowhere."""
    out, position, anchors = [], 0, []
    for tag in _TAG.finditer(html):
        if tag[2] != "a":
            continue
        out.append(html[position:tag.start()])
        position = tag.end()
        if tag[1]:
            if anchors.pop() if anchors else True:
                out.append(tag[0])
        else:
            kept = bool(re.search(r'\shref="[^"]', tag[3]))
            anchors.append(kept)
            if kept:
                out.append(tag[0])
    out.append(html[position:])
    return "".join(out)
