"""Disclosure control for anything that leaves the analyst's machine.

A care-package extract is personal, special-category data. Maps, reports and tables for
elected members and providers may show areas and organisations, never a person: no customer
ID, name or full postcode, and no exact count of 1 to :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT`
people in an area. Three tools enforce that:

- :func:`safe_frame` keeps only allow-listed columns, refuses columns whose names look
  personal, and suppresses small counts (and the rates computed over them);
- :func:`suppress_count` / :func:`suppress_counts` do the suppression on their own;
- :func:`scan_for_personal_data` reads every file in a reports folder and lists any customer
  ID, input postcode or unsuppressed small count it finds, so a pipeline can refuse to
  publish.

The code lives in two submodules, and everything public is imported here:
:mod:`lotdesign.disclosure.suppression` (column-name rules, small-count suppression,
:func:`safe_frame`) and :mod:`lotdesign.disclosure.scan` (:func:`scan_for_personal_data`).
"""

from __future__ import annotations

from lotdesign.disclosure.scan import scan_for_personal_data
from lotdesign.disclosure.suppression import (
    is_count_column,
    looks_personal,
    safe_frame,
    small_count_mask,
    suppress_count,
    suppress_counts,
    suppressed_label,
)

__all__ = [
    "is_count_column",
    "looks_personal",
    "safe_frame",
    "scan_for_personal_data",
    "small_count_mask",
    "suppress_count",
    "suppress_counts",
    "suppressed_label",
]
