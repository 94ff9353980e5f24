"""Typed Markdown (a newsletter's introduction, the API's descriptions) as markup: bounded nesting, headings that
keep their place, links that go somewhere or are text."""

import re
import time
import uuid
from datetime import date

import cmarkgfm
import pytest

from rcbingo.api.openapi import DOC_TAGS
from rcbingo.cards import service as cards
from rcbingo.cards.rules import Draft, Entry
from rcbingo.newsletter import service as newsletter
from rcbingo.org.service import save_unit_settings, unit_by_key
from rcbingo.web import MAX_ELEMENTS, MAX_NESTING, markdown_html

from .conftest import fresh

# Introductions nested thousands deep: each made WeasyPrint fail the PDF (a 500) or spend seconds on it.
NESTED = {"quotes": ">" * 4999 + "a", "numbered lists": "1. " * 1666,
          "lists, 70 deep": "".join("  " * level + "- a\n" for level in range(70)),
          "quotes in lists": "> - " * 1000 + "a", "emphasis": "*a " * 1000 + "b*" * 1000,
          "underscores": "_a " * 800 + "b" + "_" * 800}


def depth(html: str, names: set[str]) -> int:
    """How many of `names` the deepest point of `html` is inside."""
    level = deepest = 0
    for closing, name in re.findall(r"<(/?)([a-z0-9]+)", html):
        if name in names:
            level += -1 if closing else 1
            deepest = max(deepest, level)
    return deepest


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>|\s", "", html)


@pytest.mark.parametrize("intro", NESTED.values(), ids=NESTED.keys())
def test_nesting_is_bounded_and_every_word_kept(intro):
    started = time.process_time()
    html = markdown_html(intro, newsletter.INTRO_TAGS)
    assert time.process_time() - started < 0.2
    assert depth(html, {"blockquote", "ul", "ol"}) <= MAX_NESTING
    assert depth(html, {"em", "strong"}) <= MAX_NESTING
    assert html.count("<li") == html.count("</li>") and html.count("<em>") == html.count("</em>")
    assert text_of(html) == text_of(cmarkgfm.markdown_to_html(intro))  # unwrapped, not lost


def test_a_shallow_list_keeps_its_levels():
    html = markdown_html("- one\n  - two\n    > three", newsletter.INTRO_TAGS)
    assert "<ul>\n<li>one\n<ul>\n<li>two\n<blockquote>\n<p>three</p>\n</blockquote>" in html


def test_headings_take_the_nearest_level_the_caller_allows():
    html = markdown_html("# A month of connections\n\n## Our winners\n\n### Thanks\n\n##### Small print",
                         newsletter.INTRO_TAGS)
    assert html == ("<h3>A month of connections</h3>\n<h3>Our winners</h3>\n<h3>Thanks</h3>\n"
                    "<h4>Small print</h4>\n")
    assert markdown_html("## Paging", DOC_TAGS) == "<p>Paging</p>\n"


@pytest.mark.parametrize("link", ["javascript:alert(1)", "vbscript:x", "data:text/html,x", "ftp://example.org/x",
                                  "JaVaScRiPt:alert(1)", ""])
def test_a_link_whose_address_was_removed_is_its_text(link):
    html = markdown_html(f"Please [click here]({link}) today, or [write](mailto:ed@example.org).",
                         newsletter.INTRO_TAGS)
    assert html.startswith("<p>Please click here today, or <a href=\"mailto:ed@example.org\"")
    assert html.count("<a ") == html.count("</a>") == 1


@pytest.fixture
def published_issue(app, roster, make_account):
    """A published issue of this month holding one story, and its editor signed in on `client`."""
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    draft = Draft(nominator=Entry("Nora Nurse", "nurses", "icu"),
                  nominees=(Entry("Phil Pharma", "pharmacists", "icu"),), dimensions=frozenset({"timely"}),
                  story="Phil rang back within minutes.")
    cards.submit(draft, icu, uuid.uuid4().hex)
    editor = make_account("ed@example.org", roles=[("icu", "editor")])

    def publish(intro):
        issue = newsletter.draft(icu, date.today().replace(day=1))
        # (an editor ticks "I checked" where the screen marks a made-up introduction)
        newsletter.update_issue(issue, title="Our month", intro=intro, grouping="dimension", actor=editor, checked=True)
        newsletter.publish(issue, actor=editor)
        fresh()
        return issue.id

    return publish


@pytest.mark.parametrize("intro", NESTED.values(), ids=NESTED.keys())
def test_a_published_issue_with_any_introduction_exports_as_a_pdf_in_time(published_issue, client, auth, intro):
    issue_id = published_issue(intro)
    auth.sign_in("ed@example.org")
    started = time.monotonic()
    pdf = client.get(f"/newsletter/{issue_id}/issue.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert time.monotonic() - started < 20
    assert client.get(f"/newsletter/{issue_id}/issue.html").status_code == 200


def test_a_second_level_heading_in_the_introduction_is_a_heading_of_the_issue(published_issue, client, auth):
    issue_id = published_issue("## A month of connections\n\nThank you all.")
    auth.sign_in("ed@example.org")
    exported = client.get(f"/newsletter/{issue_id}/issue.html").get_data(as_text=True)
    assert "<h3>A month of connections</h3>" in exported


# Introductions of 5,000 characters that made thousands of elements, each PDF taking 17 to 50 s of a PDF turn.
CROWDED = {"emphases": "*_" * 1249 + "a" + "_*" * 1249, "paragraphs": "a\n\n" * 1666, "line breaks": "a  \n" * 1249,
           "links": "[a](https://example.org) " * 400}


@pytest.mark.parametrize("intro", CROWDED.values(), ids=CROWDED.keys())
def test_markdown_making_thousands_of_elements_is_shown_as_its_plain_text(intro):
    html = markdown_html(intro, newsletter.INTRO_TAGS)
    assert len(re.findall(r"<[a-z]", html)) <= MAX_ELEMENTS
    assert html == f"<p>{' '.join(intro.split())}</p>"  # every character typed, none of it markup


def test_an_ordinary_introduction_keeps_its_formatting():
    intro = "\n\n".join(f"Thank you, **team {n}**, for [the rota](https://example.org/{n})." for n in range(40))
    html = markdown_html(intro, newsletter.INTRO_TAGS)
    assert html.count("<p>") == 40 and html.count("<strong>") == 40 and html.count('<a href="https://') == 40
