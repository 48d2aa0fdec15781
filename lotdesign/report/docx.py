"""The report as a Word file (python-docx): real tables with header rows, charts and map."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from lotdesign.report.content import _Block, _Bullets, _Figure, _Heading, _Para
from lotdesign.report.display import _Display
from lotdesign.report.inputs import SYNTHETIC_LABEL, ReportInputs, _dates

_FILLS = {"pass": "C6EFCE", "fail": "FFC7CE", "warn": "FFEB9C"}


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _docx_table(doc: Any, table: _Display) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc.add_paragraph(table.caption, style="Caption")
    size = Pt(7 if table.wide else 8.5)
    grid = doc.add_table(rows=1 + len(table.cells), cols=len(table.headers))
    grid.style = "Table Grid"
    # Repeat the header row on every page the table runs onto.
    header_flag = OxmlElement("w:tblHeader")
    header_flag.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(header_flag)
    rows = [(table.headers, [None] * len(table.headers))]
    rows += list(zip(table.cells, table.status, strict=True))
    # Row by row: Table.cell(r, c) rescans the whole table each call (quadratic).
    for r, (row, (texts, marks)) in enumerate(zip(grid.rows, rows, strict=True)):
        for cell, text, mark in zip(row.cells, texts, marks, strict=True):
            run = cell.paragraphs[0].add_run(text)
            run.font.size = size
            run.bold = r == 0
            if r == 0:
                _shade(cell, "D9E2F3")
            elif mark is not None:
                _shade(cell, _FILLS[mark])


def _write_docx(inputs: ReportInputs, blocks: list[_Block], path: Path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
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
    for block in blocks:
        wide = isinstance(block, _Display) and block.wide
        if wide != landscape:
            # Wide tables get a landscape page of their own; headers carry over.
            set_page(doc.add_section(WD_SECTION.NEW_PAGE), wide)
            landscape = wide
        if isinstance(block, _Heading):
            doc.add_heading(block.text, block.level)
        elif isinstance(block, _Para):
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(block.text)
            run.bold = block.kind == "strong"
        elif isinstance(block, _Bullets):
            for item in block.items:
                doc.add_paragraph(item, style="List Bullet")
        elif isinstance(block, _Figure):
            doc.add_picture(io.BytesIO(block.png), width=Cm(16.5))
            doc.add_paragraph(block.caption, style="Caption")
        else:
            _docx_table(doc, block)
    doc.save(str(path))
