"""Printables: the paper card and the unit poster as PDFs, and QR pages that print on one sheet."""

import shutil
import subprocess

import pytest

from rcbingo.org.service import save_unit_settings, unit_by_key
from rcbingo.qr import qr_data_uri
from rcbingo.rc import DIMENSIONS

KIOSK_LINK = "http://localhost/u/icu/card"


@pytest.fixture
def coordinator(app, roster, make_account, auth):
    make_account("icu@example.org", roles=[("icu", "coordinator")])
    assert auth.sign_in("icu@example.org").status_code == 302
    return auth


def pdf_text(tmp_path, pdf: bytes) -> str:
    """The PDF's text (pdftotext), after checking that every page renders (pdftoppm)."""
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.skip("poppler-utils is not installed")
    path = tmp_path / "printed.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pdf_pages(tmp_path, pdf: bytes) -> tuple[int, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    return pages, size


@pytest.mark.parametrize(("paper", "sheet"), [("a4", "841.89 x 595.276 pts (A4)"),
                                              ("letter", "792 x 612 pts (letter)")])
def test_the_paper_card_prints_two_to_a_landscape_sheet_like_the_original(client, coordinator, tmp_path, paper,
                                                                           sheet):
    response = client.get(f"/u/icu/print/paper-cards.pdf?paper={paper}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert f"paper-cards-icu-{paper}.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(tmp_path, response.data)
    for dimension in DIMENSIONS:
        assert text.count(dimension.card_label) == 2, dimension.key  # two cards on the sheet
    for part in ("Relationships", "Communication", "Your name / position / unit:",
                 "The names / positions / units of others involved:", "Which practice impressed you most:",
                 "The details of your story:", "Tell us about your Ward Connections experience."):
        assert text.lower().count(part.lower()) == 2, part
    assert pdf_pages(tmp_path, response.data) == (1, f"Page size:       {sheet}")


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_poster_prints_on_one_page_with_the_cards_qr_code_and_its_address(client, coordinator, tmp_path,
                                                                                paper):
    response = client.get(f"/u/icu/print/poster.pdf?paper={paper}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(tmp_path, response.data).split())
    assert "Recognise a colleague" in text and "Intensive Care" in text
    assert KIOSK_LINK in text  # the QR code's target, printed under it for those who type it
    for dimension in DIMENSIONS:
        assert dimension.card_label in text, dimension.key
    assert pdf_pages(tmp_path, response.data)[0] == 1


def test_the_print_page_offers_both_and_its_qr_code_leads_to_the_units_card(client, coordinator):
    html = client.get("/u/icu/print").get_data(as_text=True)
    for url in ("/u/icu/print/paper-cards.pdf?paper=a4", "/u/icu/print/paper-cards.pdf?paper=letter",
                "/u/icu/print/poster.pdf?paper=a4", "/u/icu/print/poster.pdf?paper=letter"):
        assert f'href="{url}"' in html
    assert qr_data_uri(KIOSK_LINK) in html and KIOSK_LINK in html
    assert 'href="/u/icu/print"' in client.get("/u/icu/review").get_data(as_text=True)  # the unit's tabs


def test_a_unit_for_enrolled_tablets_only_is_warned_that_phones_cannot_use_the_poster(client, coordinator):
    save_unit_settings(unit_by_key("icu"), review_first=True, require_enrolled_tablets=True, actor=None)
    assert "not on phones" in client.get("/u/icu/print").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/u/icu/print/paper-cards.pdf?paper=a3", "/u/icu/print/poster.pdf?paper=tabloid"])
def test_other_paper_sizes_are_not_found(client, coordinator, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("page", "field"), [("/u/icu/displays", "Break room"), ("/u/icu/tablets", "Station 2")])
def test_a_new_display_or_tablet_link_prints_alone_on_one_sheet(client, coordinator, page, field):
    response = client.post(page, data={"csrf_token": coordinator.csrf(page), "name": field})
    html = response.get_data(as_text=True)
    assert '<body class="link-page"' in html and "data-print" in html and 'class="qr"' in html
    css = client.get("/static/app.css").get_data(as_text=True)
    rules = css.split(".link-page .topbar")[1].split("}")[0]
    assert all(part in rules for part in (".tabs", ".columns", ".flashes"))
    assert '<body class="link-page"' not in client.get(page).get_data(as_text=True)
