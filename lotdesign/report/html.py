"""The report as one self-contained HTML file, from jinja2 templates, and as a PDF.

Styles and charts are inline and nothing refers to an external URL, so the file opens
offline. The same page, printed by WeasyPrint, is the PDF: its print styles give page
numbers in the footer, a contents with page numbers (CSS ``target-counter``) and a landscape
page only for a table too wide for portrait. Autoescaping is on for every value.
"""

from __future__ import annotations

import base64
import functools
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
from lotdesign.report.inputs import SYNTHETIC_LABEL, ReportInputs, _dates


@functools.cache
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("lotdesign.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )


def _css_string(text: str) -> str:
    """Text for a CSS ``content: "..."`` string inside <style> (escapes quotes and tags)."""
    return "".join(c if c.isalnum() or c in " .,:;()-'" else f"\\{ord(c):X} " for c in text)


def _contents(blocks: list[_Block]) -> list[dict[str, Any]]:
    """Numbered headings of levels 1 and 2 after the contents block, nested."""
    entries: list[dict[str, Any]] = []
    after = False
    for block in blocks:
        if isinstance(block, _Contents):
            after = True
        elif after and isinstance(block, _Heading) and block.number:
            entry = {"anchor": block.anchor, "text": block.full, "children": []}
            if block.level == 1 or not entries:
                entries.append(entry)
            else:
                entries[-1]["children"].append(entry)
    return entries


def _view(block: _Block) -> dict[str, Any]:
    """A block as plain values for the template."""
    if isinstance(block, _Heading):
        return {
            "kind": "heading",
            "level": block.level,
            "anchor": block.anchor,
            "text": block.full,
        }
    if isinstance(block, _Para):
        return {"kind": "para", "text": block.text, "style": block.kind}
    if isinstance(block, _Bullets):
        return {"kind": "bullets", "items": block.items, "numbered": block.numbered}
    if isinstance(block, _Figure):
        return {
            "kind": "figure",
            "caption": block.caption,
            "data": base64.b64encode(block.png).decode("ascii"),
            "percent": round(100 * block.width),
        }
    if isinstance(block, _PageBreak):
        return {"kind": "break"}
    if isinstance(block, _Contents):
        return {"kind": "contents"}
    assert isinstance(block, _Display)
    rows = []
    for texts, marks in zip(block.cells, block.status, strict=True):
        rows.append(
            [
                {"text": t, "cls": " ".join(c for c in (m, "num" if num else None) if c)}
                for t, m, num in zip(texts, marks, block.numeric, strict=True)
            ]
        )
    return {
        "kind": "table",
        "caption": block.caption,
        "headers": block.headers,
        "numeric": block.numeric,
        "rows": rows,
        "wide": block.wide,
        "style": block.kind,
    }


def _html(inputs: ReportInputs, blocks: list[_Block]) -> str:
    from markupsafe import Markup

    env = _environment()
    label = SYNTHETIC_LABEL if inputs.synthetic else ""
    css = env.loader.get_source(env, "report.css")[0]
    return env.get_template("report.html.j2").render(
        title=inputs.title,
        synthetic=inputs.synthetic,
        label=SYNTHETIC_LABEL,
        dates=_dates(inputs),
        # Trusted text: the package's own style sheet, and strings escaped for CSS above.
        css=Markup(css),
        header_css=Markup(_css_string(label)),
        footer_css=Markup(_css_string(label or inputs.title)),
        blocks=[_view(b) for b in blocks],
        contents=_contents(blocks),
    )


def _pdf(page: str, path: Any) -> None:
    """Print the HTML page to a PDF with WeasyPrint."""
    import weasyprint  # type: ignore[import-not-found]

    weasyprint.HTML(string=page).write_pdf(str(path))
