"""The report as a Word file (python-docx): contents, page numbers, real tables, charts, map.

The contents lists every numbered heading, each linked to a bookmark on its heading with a
PAGEREF field to it: Word and LibreOffice work out the page numbers when they lay the
document out (Word offers to update the fields when the file opens). The footer carries a
PAGE field. Table columns get fixed widths from their longest number, so
Word never breaks a number across lines.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from lotdesign.report.content import (
    _Block,
    _Bullets,
    _Contents,
    _Figure,
    _Heading,
    _PageBreak,
    _Para,
)
from lotdesign.report.display import _Display
from lotdesign.report.html import _contents
from lotdesign.report.inputs import SYNTHETIC_LABEL, ReportInputs, _dates

_FILLS = {"pass": "C6EFCE", "fail": "FFC7CE", "warn": "FFEB9C"}
# Text width of an A4 page with 2 cm margins, in cm, portrait and landscape.
_TEXT_CM = {False: 17.0, True: 25.7}
# Average width of a character at the table's font size, in cm (digits are ~0.5 em).
_CHAR_CM = {7.0: 0.15, 8.0: 0.17}


def _el(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _shade(cell: Any, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(_el("w:shd", val="clear", color="auto", fill=fill))


def _field(paragraph: Any, instruction: str, shown: str = "", *, size: Any = None) -> None:
    """A complex field (begin, instruction, separate, shown result, end) in a paragraph."""
    run = paragraph.add_run()
    run._r.append(_el("w:fldChar", fldCharType="begin"))
    run = paragraph.add_run()
    text = _el("w:instrText")
    text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    paragraph.add_run()._r.append(_el("w:fldChar", fldCharType="separate"))
    result = paragraph.add_run(shown)
    if size is not None:
        result.font.size = size
    paragraph.add_run()._r.append(_el("w:fldChar", fldCharType="end"))


def _bookmark(paragraph: Any, name: str, number: int) -> None:
    start = _el("w:bookmarkStart", id=str(number), name=name)
    end = _el("w:bookmarkEnd", id=str(number))
    paragraph._p.insert(0, start)
    paragraph._p.append(end)


def _bookmark_name(anchor: str) -> str:
    # Word bookmarks: letters, digits and underscores, starting with a letter, <= 40 chars.
    return ("_Toc" + "".join(c if c.isalnum() else "_" for c in anchor))[:40]


def _toc(doc: Any, blocks: list[_Block]) -> None:
    """The contents: one line per heading of levels 1-2, linked to a bookmark on the heading,
    with a PAGEREF field to it. Word and LibreOffice both lay PAGEREF fields out live, so the
    page numbers are real; a TOC field is not used because LibreOffice shows a TOC field's
    stored text when it converts a file, without laying it out again."""
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Cm

    entries = []
    for entry in _contents(blocks):
        entries.append((entry, 1))
        entries += [(child, 2) for child in entry["children"]]
    for entry, level in entries:
        style = f"toc {level}"
        paragraph = doc.add_paragraph(style=style if _has_style(doc, style) else None)
        paragraph.paragraph_format.tab_stops.add_tab_stop(
            Cm(_TEXT_CM[False]), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
        )
        paragraph.paragraph_format.left_indent = Cm(0 if level == 1 else 0.8)
        paragraph.paragraph_format.space_after = Cm(0.05)
        name = _bookmark_name(entry["anchor"])
        link = _el("w:hyperlink", anchor=name, history="1")
        paragraph._p.append(link)
        run = paragraph.add_run(entry["text"])
        run.bold = level == 1
        link.append(run._r)
        paragraph.add_run("\t")
        _field(paragraph, f"PAGEREF {name} \\h", "")


def _has_style(doc: Any, name: str) -> bool:
    try:
        doc.styles[name]
    except KeyError:
        return False
    return True


def _widths(table: _Display, size: float, page_cm: float) -> list[float]:
    """Column widths (cm) filling the text width: a number column fits its longest text and
    its header's longest word on one line; text columns share what is left in proportion to
    their length, each at least its longest word (up to 30 characters)."""
    char = _CHAR_CM[size]
    # Word's default cell margins (0.19 cm a side) plus a little air.
    pad = 0.55
    need, want = [], []
    for c, header in enumerate(table.headers):
        texts = [row[c] for row in table.cells]
        header_word = max((len(w) for w in header.split()), default=1) * 1.1  # bold
        if table.numeric[c]:
            longest = max((len(t) for t in texts), default=1)
            need.append(max(longest, header_word) * char + pad)
            # A share of what is left, so that long headers wrap less.
            want.append(0.5 * len(header) * char)
        else:
            word = max((len(w) for t in texts for w in t.split()), default=1)
            need.append(min(max(word, header_word), 30) * char + pad)
            # Headers may wrap at their spaces; the cells' text sets the share.
            want.append(min(max((len(t) for t in texts), default=1), 80) * char)
    spare = max(page_cm - sum(need), 0.0)
    if not any(want):
        want = need
    total_want = sum(want)
    return [n + spare * w / total_want for n, w in zip(need, want, strict=True)]


def _docx_table(doc: Any, table: _Display, page_cm: float) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    if table.caption:
        caption = doc.add_paragraph(table.caption, style="Caption")
        caption.paragraph_format.keep_with_next = True
    size = 7.0 if table.wide else 8.0
    grid = doc.add_table(rows=1 + len(table.cells), cols=len(table.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    grid.autofit = False  # a fixed layout: Word keeps the widths below
    widths = _widths(table, size, page_cm)
    # Repeat the header row on every page the table runs onto; never split a row.
    grid.rows[0]._tr.get_or_add_trPr().append(_el("w:tblHeader", val="true"))
    rows = [(table.headers, [None] * len(table.headers))]
    rows += list(zip(table.cells, table.status, strict=True))
    # Row by row: Table.cell(r, c) rescans the whole table each call (quadratic).
    for r, (row, (texts, marks)) in enumerate(zip(grid.rows, rows, strict=True)):
        row._tr.get_or_add_trPr().append(_el("w:cantSplit", val="true"))
        for c, (cell, text, mark) in enumerate(zip(row.cells, texts, marks, strict=True)):
            cell.width = Cm(widths[c])
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_before = Pt(1)
            paragraph.paragraph_format.space_after = Pt(1)
            if table.numeric[c]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(text)
            run.font.size = Pt(size)
            run.bold = r == 0
            if r == 0:
                _shade(cell, "D9E2F3")
            elif mark is not None:
                _shade(cell, _FILLS[mark])
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Cm(width)
    doc.add_paragraph()


def _write_docx(inputs: ReportInputs, blocks: list[_Block], path: Path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    props = doc.core_properties
    props.title = inputs.title
    props.author = "lotdesign"
    props.comments = SYNTHETIC_LABEL if inputs.synthetic else ""
    stamp = dt.datetime.combine(inputs.generated, dt.time())
    props.created = props.modified = stamp
    props.last_modified_by = "lotdesign"
    props.revision = 1
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    # Word offers to update every field (the contents) when the file is opened.
    doc.settings.element.append(_el("w:updateFields", val="true"))

    def set_page(section: Any, landscape: bool) -> None:
        long, short = Cm(29.7), Cm(21.0)
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (long, short) if landscape else (short, long)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.0))

    section = doc.sections[0]
    set_page(section, False)
    header = section.header.paragraphs[0]
    header.text = SYNTHETIC_LABEL if inputs.synthetic else inputs.title
    footer = section.footer.paragraphs[0]
    footer.text = (SYNTHETIC_LABEL + " \u00b7 " if inputs.synthetic else "") + _dates(inputs)
    footer.add_run(" \u00b7 Page ")
    _field(footer, "PAGE", "1")
    for paragraph in (header, footer):
        for run in paragraph.runs:
            run.font.size = Pt(8)
            if inputs.synthetic:
                run.bold = True
                run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)

    doc.add_heading(inputs.title, 0)
    if inputs.synthetic:
        run = doc.add_paragraph().add_run(SYNTHETIC_LABEL)
        run.bold = True
        run.font.size = Pt(14)
        run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
    doc.add_paragraph(_dates(inputs))

    landscape = False
    bookmarks = 0
    new_page = False
    for i, block in enumerate(blocks):
        if new_page and not isinstance(block, _Heading):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            new_page = False
        wide = isinstance(block, _Display) and block.wide
        if wide != landscape:
            # A wide table gets a landscape page of its own; headers and footers carry over.
            set_page(doc.add_section(WD_SECTION.NEW_PAGE), wide)
            landscape = wide
        if isinstance(block, _Heading):
            heading = doc.add_heading(block.full, block.level)
            heading.paragraph_format.keep_with_next = True
            # A new page starts at the heading itself: a page-break paragraph of its own
            # would spill onto a blank page when the page before is full.
            heading.paragraph_format.page_break_before = new_page
            new_page = False
            if block.number:
                bookmarks += 1
                _bookmark(heading, _bookmark_name(block.anchor), bookmarks)
        elif isinstance(block, _Para):
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(block.text)
            run.bold = block.kind == "strong"
            if block.kind == "note":
                run.italic = True
                run.font.size = Pt(9)
            # A sentence that introduces a table stays on the table's page.
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            paragraph.paragraph_format.keep_with_next = isinstance(following, _Display)
        elif isinstance(block, _Bullets):
            style = "List Number" if block.numbered else "List Bullet"
            for item in block.items:
                doc.add_paragraph(item, style=style)
        elif isinstance(block, _Figure):
            doc.add_picture(io.BytesIO(block.png), width=Cm(_TEXT_CM[landscape] * block.width))
            doc.add_paragraph(block.caption, style="Caption")
        elif isinstance(block, _PageBreak):
            new_page = True
        elif isinstance(block, _Contents):
            _toc(doc, blocks)
        else:
            _docx_table(doc, block, _TEXT_CM[landscape])
    doc.save(str(path))
