"""The report as one self-contained HTML file: styles and charts inline, no external URL."""

from __future__ import annotations

import base64
import html

from lotdesign.report.content import _Block, _Bullets, _Figure, _Heading, _Para
from lotdesign.report.display import _Display
from lotdesign.report.inputs import SYNTHETIC_LABEL, ReportInputs, _dates

_CSS = """
body { font-family: "Segoe UI", Arial, sans-serif; color: #1a1a1a; max-width: 60rem;
  margin: 0 auto; padding: 1rem 1.5rem 3rem; line-height: 1.45; }
h1 { font-size: 1.9rem; margin-top: 0.5rem; }
h2 { font-size: 1.4rem; border-bottom: 2px solid #0072B2; padding-bottom: 0.2rem;
  margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
.meta { color: #555; }
.data-label { background: #B00020; color: #fff; font-weight: bold; text-align: center;
  padding: 0.3rem; letter-spacing: 0.05em; }
.banner { position: sticky; top: 0; z-index: 10; }
.wrap { overflow-x: auto; margin: 0.5rem 0 1.2rem; }
table { border-collapse: collapse; font-size: 0.8rem; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; caption-side: top; }
th, td { border: 1px solid #bbb; padding: 0.2rem 0.45rem; vertical-align: top; }
th { background: #D9E2F3; text-align: left; }
td.pass { background: #C6EFCE; } td.fail { background: #FFC7CE; } td.warn { background: #FFEB9C; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #444; }
footer { margin-top: 3rem; font-size: 0.8rem; color: #555; border-top: 1px solid #ccc; }
@media print { .banner { position: fixed; top: 0; left: 0; right: 0; }
  body { max-width: none; } .wrap { overflow: visible; } }
"""
_PAGE_CSS = """
@page { size: A4; margin: 2cm 1.6cm;
  @top-center { content: "%s"; color: #B00020; font-weight: bold; font-size: 9pt; }
  @bottom-center { content: "%s \\00B7 page " counter(page); font-size: 8pt; } }
"""


def _html_table(table: _Display) -> str:
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in table.headers)
    rows = []
    for texts, marks in zip(table.cells, table.status, strict=True):
        cells = "".join(
            f'<td class="{m}">{esc(t)}</td>' if m else f"<td>{esc(t)}</td>"
            for t, m in zip(texts, marks, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="wrap"><table><caption>{esc(table.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _css_string(text: str) -> str:
    """Text for a CSS ``content: "..."`` string inside <style> (escapes quotes and tags)."""
    return "".join(c if c.isalnum() or c in " .,:;()-'" else f"\\{ord(c):X} " for c in text)


def _html(inputs: ReportInputs, blocks: list[_Block]) -> str:
    esc = html.escape
    label = SYNTHETIC_LABEL if inputs.synthetic else ""
    page = _PAGE_CSS % (_css_string(label), _css_string(label or inputs.title))
    body: list[str] = []
    if inputs.synthetic:
        body.append(f'<div class="data-label banner" role="note">{esc(SYNTHETIC_LABEL)}</div>')
    body.append(f"<header><h1>{esc(inputs.title)}</h1>")
    if inputs.synthetic:
        body.append(f'<p class="data-label">{esc(SYNTHETIC_LABEL)}</p>')
    body.append(f'<p class="meta">{esc(_dates(inputs))}</p></header><main>')
    for block in blocks:
        if isinstance(block, _Heading):
            level = block.level + 1
            body.append(f"<h{level}>{esc(block.text)}</h{level}>")
        elif isinstance(block, _Para):
            text = (
                f"<strong>{esc(block.text)}</strong>" if block.kind == "strong" else esc(block.text)
            )
            body.append(f"<p>{text}</p>")
        elif isinstance(block, _Bullets):
            body.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, _Figure):
            data = base64.b64encode(block.png).decode("ascii")
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{esc(block.caption)}">'
                f"<figcaption>{esc(block.caption)}</figcaption></figure>"
            )
        else:
            body.append(_html_table(block))
    body.append("</main><footer><p>")
    if inputs.synthetic:
        body.append(f"<strong>{esc(SYNTHETIC_LABEL)}</strong> \u00b7 ")
    body.append(f"{esc(_dates(inputs))}</p></footer>")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(inputs.title)}</title><style>{_CSS}{page}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
