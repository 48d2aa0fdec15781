"""The recommendation report (Word, HTML, PDF) and its Excel tables.

A consultant's report on a lot design, laid out as a cabinet paper: summary and
recommendations on one page (key figures and the decisions asked for, from the numbers),
contents, findings (tiers and lots by district, cost as a range with its policy and timing,
market concentration before and after, workforce, the lot-size policies compared), the lot
table's key columns, the map, risks and caveats from the numbers, then appendices (method,
the parameters used with their sources, data and vintages). Councils edit the Word file; the
HTML file (jinja2 templates, autoescaped) opens offline (styles and charts inlined, no
external URL), and the PDF is printed from it by WeasyPrint, with contents and page numbers.
``tables.xlsx`` holds the same tables in full, one sheet each.

Everything here leaves the analyst's machine, so every table, sentence and caption comes
from :func:`~lotdesign.report.tables.controlled_inputs` first: the NHS Digital rule (counts
of 1 to :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT` people shown as ``"1–7"``, other counts
rounded to the nearest 5, every figure over a suppressed count blanked) and, in a run, the
secondary suppression of :func:`lotdesign.disclosure.protect` (``"[c]"``). What a column is
(its label and format, whether it counts people, whether it may be shared at all) comes
from the column registry, :mod:`lotdesign.columns`: a column it does not know is left out
with a warning, and one whose name looks personal is refused. Where a stage
was not run its table is None and the report says so rather than showing a number.

The report content is built once as a list of blocks (headings, paragraphs, tables, figures)
and rendered to each format, so the Word and HTML files always say the same thing.

Modules: :mod:`~lotdesign.report.inputs` (what a report shows),
:mod:`~lotdesign.report.parameters` (the parameters table from the settings),
:mod:`~lotdesign.report.tables` (the shareable tables), :mod:`~lotdesign.report.text` (the
words from the numbers), :mod:`~lotdesign.report.summary` (key figures, decisions and risks
from the numbers), :mod:`~lotdesign.report.places` (district names),
:mod:`~lotdesign.report.display` (cell texts and labels),
:mod:`~lotdesign.report.charts`, :mod:`~lotdesign.report.content` (the blocks),
:mod:`~lotdesign.report.docx` (Word), :mod:`~lotdesign.report.html` (HTML) and
:mod:`~lotdesign.report.writers` (the files) and :mod:`~lotdesign.report.dictionary` (the
data dictionary, and rounding by unit for shared tables).
"""

from __future__ import annotations

from lotdesign.report.dictionary import read_tables, round_for_sharing, write_dictionary
from lotdesign.report.inputs import SYNTHETIC_LABEL, ReportInputs
from lotdesign.report.parameters import parameters_from_settings
from lotdesign.report.tables import controlled_inputs, report_tables, shareable_table
from lotdesign.report.text import executive_summary, risks_and_caveats
from lotdesign.report.writers import write_report, write_tables

__all__ = [
    "SYNTHETIC_LABEL",
    "ReportInputs",
    "controlled_inputs",
    "executive_summary",
    "parameters_from_settings",
    "read_tables",
    "report_tables",
    "risks_and_caveats",
    "round_for_sharing",
    "shareable_table",
    "write_dictionary",
    "write_report",
    "write_tables",
]
