"""Disclosure control for anything that leaves the analyst's machine.

A care-package extract is personal, special-category data. Maps, reports and tables for
elected members and providers may show areas and organisations, never a person, and must
survive a motivated intruder (ICO anonymisation code), not only a text search:

- **the NHS Digital rule**: counts of 1 to :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT`
  people are shown as ``"1–7"``, every other count of people is rounded to the nearest
  :data:`~lotdesign.settings.SUPPRESS_ROUNDING_BASE`, and every figure computed over a hidden
  count (hours, spend, rates, means, shares, concentration, its rule checks; the column
  registry's :attr:`~lotdesign.columns.Column.over_people`) is hidden with it
  (:func:`suppress_count`, :func:`control_frame`);
- **secondary suppression** (:func:`plan_areas`, :func:`protect`): the cell suppression
  problem over every area a run shares, solved with HiGHS, so that no hidden figure can be
  worked out by adding or subtracting published ones (``"[c]"``), with a local audit;
- **words** (:func:`control_text`, :func:`strip_paths`): counts in sentences follow the
  tables, a sentence about a hidden area loses its figures, paths become file names;
- **the last line** (:func:`scan_for_personal_data`, :func:`scan_and_quarantine`): every
  customer ID and postcode of the extract and the lookup in any spacing, counts that break
  the rule, paths, Office parts, SVG and PDF text; anything unreadable is a finding, and a
  reports folder with a finding is moved to quarantine.

Shared maps must also draw public geography only: see
:func:`lotdesign.units.public_unit_polygons`.

Submodules: :mod:`~lotdesign.disclosure.suppression` (column-name rules, the rule for one
count, :func:`safe_frame`), :mod:`~lotdesign.disclosure.control` (areas and the cell
suppression problem), :mod:`~lotdesign.disclosure.shared` (tables, words, provider shares,
paths) and :mod:`~lotdesign.disclosure.scan` (the scan and the quarantine).
"""

from __future__ import annotations

from lotdesign.disclosure.control import Area, Protection, plan_areas, protect
from lotdesign.disclosure.scan import quarantine, scan_and_quarantine, scan_for_personal_data
from lotdesign.disclosure.shared import (
    SECONDARY_LABEL,
    area_keys,
    control_frame,
    control_text,
    mask_provider_shares,
    strip_paths,
)
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
    "SECONDARY_LABEL",
    "Area",
    "Protection",
    "area_keys",
    "control_frame",
    "control_text",
    "is_count_column",
    "looks_personal",
    "mask_provider_shares",
    "plan_areas",
    "protect",
    "quarantine",
    "safe_frame",
    "scan_and_quarantine",
    "scan_for_personal_data",
    "small_count_mask",
    "strip_paths",
    "suppress_count",
    "suppress_counts",
    "suppressed_label",
]
