"""District names for the report: ONS codes (``E07000226``) shown as names (``Crawley``).

Names come from the run (``ReportInputs.district_names``) first, then from a small packaged
table of ONS names for every district of England and Wales (``data/lad_names.csv``, 2021
codes plus the April 2023 changes, Open Government Licence v3.0); a code found in neither is
shown as it is, and the report says so.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Mapping
from importlib import resources

#: Where the packaged names come from, for the report's data sources.
NAMES_SOURCE = (
    "ONS Lower Tier to Upper Tier Local Authority lookup (December 2021) with the April 2023 "
    "changes, district names, OGL v3.0"
)


@functools.cache
def _packaged() -> dict[str, str]:
    text = resources.files("lotdesign.report").joinpath("data/lad_names.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["code"].strip(): row["name"].strip() for row in rows}


def district_name(code: object, names: Mapping[str, str] | None = None) -> str:
    """The district's name for an ONS code, or the code itself when no name is known.

    Examples
    --------
    >>> district_name("E07000226"), district_name("E99999999")
    ('Crawley', 'E99999999')
    """
    text = str(code).strip()
    if names and text in names:
        return names[text]
    return _packaged().get(text, text)


def unnamed(codes: Iterable[object], names: Mapping[str, str] | None = None) -> list[str]:
    """The codes among ``codes`` that have no name (shown as codes)."""
    out = []
    for code in codes:
        text = str(code).strip()
        if _looks_like_code(text) and district_name(text, names) == text:
            out.append(text)
    return sorted(set(out))


def _looks_like_code(text: str) -> bool:
    return len(text) == 9 and text[0] in "EWSN" and text[1:].isdigit()
