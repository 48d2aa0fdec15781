"""The demo's report as a reader sees it: HTML printed to PDF by WeasyPrint, the Word file
laid out by LibreOffice (when installed), page counts, the contents and its page numbers, no
number broken across lines, and the same headings and figures in every format.

The demo is generated and run once per session (``demo_run`` in conftest.py); each PDF is
read once per module.
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document

pdfplumber = pytest.importorskip("pdfplumber")

# The Done-when of issue 15: at most ~15 pages before the appendices.
MAX_PAGES_BEFORE_APPENDICES = 15
MAX_PAGES = 30
SECTIONS = (
    "1 Summary and recommendations",
    "2 Findings",
    "2.1 Tiers and lots",
    "2.2 Cost",
    "2.3 Market and provider concentration",
    "2.4 Workforce",
    "2.5 Lot-size policies compared",
    "3 The lots",
    "4 Maps",
    "5 Risks and caveats",
    "Appendix A Method",
    "Appendix B Parameters used",
    "Appendix C Data and vintages",
)
_CONTENTS_LINE = re.compile(r"^(?P<title>.+?)\s*\.{4,}\s*(?P<page>\d+)$")
_NUMBER = re.compile(r"[-+]?£?\d[\d,]*(?:\.\d+)?%?")


class _Report(HTMLParser):
    """Headings, numeric table cells and the key-figures table of the HTML report."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[str] = []
        self.numbers: list[str] = []
        self.key_figures: list[str] = []
        self._in: str | None = None
        self._text: list[str] = []
        self._key = False
        self._column = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._key = "key" in (attrs.get("class") or "")
        if tag == "tr":
            self._column = 0
        if tag in ("h2", "h3") or (tag == "td"):
            self._in, self._text = tag, []
            self._class = attrs.get("class") or ""

    def handle_endtag(self, tag):
        if tag != self._in:
            return
        text = " ".join("".join(self._text).split())
        if tag in ("h2", "h3"):
            self.headings.append(text)
        elif tag == "td":
            if "num" in self._class.split():
                self.numbers.append(text)
            if self._key and self._column == 1:
                self.key_figures.append(text)
            self._column += 1
        self._in = None

    def handle_data(self, data):
        if self._in:
            self._text.append(data)


@pytest.fixture(scope="module")
def reports(demo_run) -> dict[str, Path]:
    _, result = demo_run
    paths = {k.removeprefix("report_"): v for k, v in result.paths.items() if "report_" in k}
    assert {"docx", "html", "pdf"} <= set(paths), sorted(result.paths)
    return paths


@pytest.fixture(scope="module")
def html(reports) -> _Report:
    parsed = _Report()
    parsed.feed(reports["html"].read_text(encoding="utf-8"))
    return parsed


def _pages(path: Path) -> list[dict]:
    with pdfplumber.open(path) as pdf:
        return [
            {
                "text": page.extract_text() or "",
                "words": [w["text"] for w in page.extract_words()],
            }
            for page in pdf.pages
        ]


@pytest.fixture(scope="module")
def weasy_pages(reports) -> list[dict]:
    return _pages(reports["pdf"])


@pytest.fixture(scope="module")
def office_pages(reports, tmp_path_factory) -> list[dict]:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed, so the Word file cannot be laid out here")
    out = tmp_path_factory.mktemp("office")
    # A profile of its own, so that a LibreOffice already running elsewhere is not in the way.
    profile = (out / "profile").as_uri()
    subprocess.run(
        [
            office,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(reports["docx"]),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return _pages(out / "report.pdf")


def _heading_page(pages: list[dict], heading: str) -> int:
    """The 1-based page on which a line starts with the heading (the contents excepted)."""
    for number, page in enumerate(pages, start=1):
        lines = [" ".join(line.split()) for line in page["text"].splitlines()]
        if any(line == heading for line in lines) and "Contents" not in lines[:3]:
            return number
    raise AssertionError(f"heading {heading!r} is on no page")


def _contents(pages: list[dict]) -> dict[str, int]:
    page = next(p for p in pages if "Contents" in p["text"].splitlines()[:3])
    found = {}
    for line in page["text"].splitlines():
        match = _CONTENTS_LINE.match(" ".join(line.split()))
        if match:
            found[match["title"].strip()] = int(match["page"])
    return found


def _check_layout(pages: list[dict]) -> None:
    assert 5 <= len(pages) <= MAX_PAGES, len(pages)
    first = pages[0]["text"]
    assert "1 Summary and recommendations" in first
    assert "The council is asked to decide" in first
    assert "Key figures" in first
    contents = _contents(pages)
    for section in SECTIONS[1:]:
        assert section in contents, (section, contents)
        # The contents' page number is the page the heading is on.
        assert contents[section] == _heading_page(pages, section), section
    appendices = _heading_page(pages, "Appendix A Method")
    assert appendices - 1 <= MAX_PAGES_BEFORE_APPENDICES, appendices
    # Page numbers in the footer.
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"\bPage {number}\b", page["text"]), number


def test_weasyprint_pdf_has_contents_page_numbers_and_bounded_length(weasy_pages):
    _check_layout(weasy_pages)
    last = weasy_pages[-1]["text"]
    assert f"Page {len(weasy_pages)} of {len(weasy_pages)}" in last


def test_word_file_laid_out_by_libreoffice(office_pages):
    _check_layout(office_pages)


def _unbroken(pages: list[dict], numbers: list[str]) -> list[str]:
    """Numbers of table cells that do not appear whole, as often, among the PDF's words: a
    number wrapped across lines (``1,13`` / ``8``) is two words, and neither is it."""
    words = collections.Counter(w for page in pages for w in page["words"])
    wanted = collections.Counter(n for n in numbers if " " not in n)
    return sorted(n for n, count in wanted.items() if words[n] < count)


def test_no_table_cell_wraps_a_number_in_the_pdf(html, weasy_pages):
    assert len(html.numbers) > 200  # the lot table alone has ~37 rows of numbers
    assert _unbroken(weasy_pages, html.numbers) == []


def test_no_table_cell_wraps_a_number_in_word(html, office_pages):
    assert _unbroken(office_pages, html.numbers) == []


def test_the_check_finds_a_wrapped_number():
    # The control for the two tests above: a number split over two lines is caught.
    pages = [{"words": ["1,13", "8", "2,400"], "text": ""}]
    assert _unbroken(pages, ["1,138", "2,400"]) == ["1,138"]


def _docx_headings(path: Path) -> list[str]:
    doc = Document(path)
    return [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]


def _docx_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


def test_every_format_has_the_same_headings_and_key_figures(
    reports, html, weasy_pages, office_pages
):
    headings = [h for h in html.headings if h != "Contents"]
    assert headings[0] == SECTIONS[0] and set(SECTIONS) <= set(headings)
    assert [h for h in _docx_headings(reports["docx"]) if h != "Contents"] == headings
    for pages in (weasy_pages, office_pages):
        for heading in headings:
            _heading_page(pages, heading)
    numbers = [n for text in html.key_figures for n in _NUMBER.findall(text)]
    assert len(numbers) > 15, html.key_figures
    docx_text = _docx_text(reports["docx"])
    for pages in (weasy_pages, office_pages):
        pdf_text = " ".join(" ".join(p["text"] for p in pages).split())
        for figure in html.key_figures:
            assert figure in docx_text, figure
            for number in _NUMBER.findall(figure):
                assert number in pdf_text, (figure, number)


def test_word_file_has_page_and_pageref_fields(reports):
    doc = Document(reports["docx"])
    footer = doc.sections[0].footer._element.xml
    assert "PAGE" in footer and "fldChar" in footer
    body = doc.element.body.xml
    refs = re.findall(r"PAGEREF (_Toc\w+)", body)
    marks = set(re.findall(r'w:bookmarkStart w:id="\d+" w:name="(_Toc\w+)"', body))
    assert len(refs) >= len(SECTIONS) - 1 and set(refs) <= marks


def test_district_names_not_codes(html, reports):
    text = reports["html"].read_text(encoding="utf-8")
    for name in ("Adur", "Arun", "Chichester", "Crawley", "Horsham", "Mid Sussex", "Worthing"):
        assert f"<td>{name}" in text, name
    assert not re.search(r"<td>E0700022\d", text)


def test_council_run_parameters_leave_out_software_and_demo_settings(reports):
    text = reports["html"].read_text(encoding="utf-8")
    appendix = text[text.index("Appendix B Parameters used") :]
    assert "LOT_MIN_HOURS" in appendix and "PRICE_POLICY" in appendix
    for hidden in ("RUN_LOT_RESTARTS", "REPORT_MAX_CHART_BARS", "DEMO_", "notes.demo", "CRS_BNG"):
        assert hidden not in appendix, hidden
    assert "/work/" not in text and "/tmp/" not in text  # file names, never paths
