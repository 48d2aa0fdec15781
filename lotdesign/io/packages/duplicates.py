"""Duplicate lines: the same line once case, spacing and the way postcodes, numbers, money
and dates are written are set aside."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from lotdesign.io.packages.cells import _omap
from lotdesign.io.values import ValueProblem, is_blank, parse_number


def _normalised_keys(
    raw: pd.DataFrame,
    mapping: Mapping[str, str],
    originals: list[str],
    cid: pd.Series,
    postcode: pd.Series,
    weekly: pd.Series,
    money: Mapping[str, pd.Series],
    dates: Mapping[str, pd.Series],
    mark: str,
    hours_problem: pd.Series,
) -> pd.Series:
    """One key per row (a group number): its cells with case, spacing and number, money and
    date forms normalised, so lines that say the same thing get the same key."""

    def where(parsed_values: pd.Series, ok: pd.Series, column: str) -> pd.Series:
        out = parsed_values.astype(object)
        if not ok.all():
            out = out.copy()
            out[~ok] = _omap(raw.loc[~ok, column], _generic)
        return out

    parsed: dict[str, pd.Series] = {}
    parsed[mapping["customer_id"]] = _omap(cid, lambda v: v.casefold() if isinstance(v, str) else v)
    pcol = mapping["postcode"]
    parsed[pcol] = where(postcode, postcode.notna(), pcol)
    hcol = mapping["weekly_hours"]
    parsed[hcol] = where(weekly.round(9), hours_problem.isna() & weekly.notna(), hcol)
    for name, vals in money.items():
        parsed[mapping[name]] = where(vals.round(9), vals.notna(), mapping[name])
    for name, vals in dates.items():
        if name in mapping:
            parsed[mapping[name]] = where(vals, vals.notna(), mapping[name])
    codes = []
    for c in originals:
        column = parsed[c] if c in parsed else _omap(raw[c], lambda v: _generic(v, mark))
        codes.append(pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)[0])
    matrix = pd.DataFrame(np.column_stack(codes), index=raw.index)
    return matrix.groupby(list(matrix.columns), sort=False).ngroup()


def _generic(value: object, mark: str = ".") -> object:
    """A cell in a form that ignores how it was written: case, spacing, number format."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return round(float(value), 9)
    if isinstance(value, str):
        text = re.sub(r"\s+", " ", value).strip().casefold()
        try:
            number = parse_number(text, decimal_mark=mark)
            return round(number, 9) if number is not None else None
        except ValueProblem:
            return text
    return value
