"""What the numbers and dates mean: declared in the config, or detected from the values and
said; a header or a median that contradicts what is assumed stops the read."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.io.packages.schema import (
    _COST_FACTOR,
    _COST_WORDS,
    _HINTS,
    _HOURS_WORDS,
    COST_MEANINGS,
    HOURS_PER,
)
from lotdesign.io.values import (
    DATE_ORDERS,
    DECIMAL_MARKS,
    HOURS_UNITS,
    date_order_evidence,
    decimal_mark_evidence,
)


def _first_evidence(
    raw: pd.DataFrame, columns: list[str], judge: Callable[[object], str | None]
) -> dict[str, tuple[int, str, str]]:
    """For each verdict ``judge`` gives some cell: its first (row, column, text)."""
    first: dict[str, tuple[int, str, str]] = {}
    for col in columns:
        values = raw[col]
        verdicts = {}
        for v in pd.unique(values.to_numpy(dtype=object)):
            try:
                verdicts[v] = judge(v)
            except TypeError:
                continue
        for verdict in {x for x in verdicts.values() if x is not None}:
            cells = {v for v, x in verdicts.items() if x == verdict}
            at = np.flatnonzero(values.isin(cells).to_numpy())
            if at.size:
                row = int(raw["source_row"].iloc[at[0]])
                candidate = (row, col, str(values.iloc[at[0]]).strip())
                if verdict not in first or row < first[verdict][0]:
                    first[verdict] = candidate
    return first


def _sniff_decimal_mark(raw: pd.DataFrame, columns: list[str]) -> tuple[str, str]:
    """The decimal mark the numeric columns' text can only have been written with."""
    first = _first_evidence(raw, columns, decimal_mark_evidence)
    if "," in first and "." in first:
        (r1, c1, v1), (r2, c2, v2) = first[","], first["."]
        raise ValidationError(
            f"{raw.attrs.get('path', 'extract')}: the numbers mix decimal marks: '{v1}' (row "
            f"{r1}, {c1}) only reads with a decimal comma and '{v2}' (row {r2}, {c2}) only "
            "with a decimal point. Set inputs.decimal_mark to ',' or '.' (values written the "
            "other way are then rejected with a reason), or fix the file."
        )
    if "," in first:
        r, c, v = first[","]
        return ",", f"',' (found: '{v}' in row {r}, {c}, reads only with a decimal comma)"
    if "." in first:
        r, c, v = first["."]
        return ".", f"'.' (found: '{v}' in row {r}, {c}, reads only with a decimal point)"
    if "either" in first:
        r, c, v = first["either"]
        raise ValidationError(
            f"{raw.attrs.get('path', 'extract')}: '{v}' (row {r}, {c}) is a different number "
            "with a decimal point than with a decimal comma, and no value in the file says "
            "which the file uses. Set inputs.decimal_mark to '.' or ','."
        )
    return ".", "'.' (default; no value is written with a decimal mark)"


def _sniff_date_order(raw: pd.DataFrame, columns: list[str]) -> tuple[str, str]:
    first = _first_evidence(raw, columns, date_order_evidence)
    if "month_first" in first and "day_first" not in first:
        r, c, v = first["month_first"]
        raise ValidationError(
            f"{raw.attrs.get('path', 'extract')}: dates look month-first: '{v}' (row {r}, "
            f"{c}) only fits MM/DD/YYYY and no date needs DD/MM/YYYY, so dates such as "
            "03/04/2025 would be read the wrong way round. Set inputs.date_order: "
            "month_first (or day_first, if that date is a one-off typo)."
        )
    if "day_first" in first:
        r, c, v = first["day_first"]
        return "day_first", f"day first (found: '{v}' in row {r}, {c})"
    return "day_first", "day first (default; no date says otherwise)"


def _declared(value: object) -> str:
    return "declared" if value is not None else "default"


def _hint_errors(
    source: str,
    mapping: Mapping[str, str],
    hours_unit: str | None,
    hours_per: str | None,
    cost_meaning: str | None,
) -> None:
    """Headers that say the values are in another unit than the one assumed: stop."""
    header = mapping["weekly_hours"]
    if hours_unit is None:
        for unit in ("minutes", "hh:mm"):
            if _HINTS[unit].search(header):
                raise ValidationError(
                    f"{source}: the hours column '{header}' looks like {_HOURS_WORDS[unit]}, "
                    "but inputs.hours_unit is not set, so plain numbers in it would be read as "
                    f"hours. Set inputs.hours_unit: {unit} (or hours, if it really holds hours)."
                )
    if hours_per is None and _HINTS["visit"].search(header):
        raise ValidationError(
            f"{source}: the hours column '{header}' looks like hours per visit, but "
            "inputs.hours_per is not set, so its values would be read as hours a week. Set "
            "inputs.hours_per: visit and map columns.visits_per_week (or hours_per: week)."
        )
    cost = mapping.get("weekly_cost")
    if cost is not None and cost_meaning is None:
        for meaning in ("hourly_rate", "four_weekly", "monthly", "annual"):
            if _HINTS[meaning].search(cost):
                raise ValidationError(
                    f"{source}: the cost column '{cost}' (mapped as weekly_cost) looks like "
                    f"{_COST_WORDS[meaning].split(',')[0]}, but inputs.cost_meaning is not set, "
                    f"so it would be read as a cost a week. Set inputs.cost_meaning: {meaning} "
                    "(or weekly, if it really is a weekly cost)."
                )


def _check_declarations(
    source: str,
    mapping: Mapping[str, str],
    hours_unit: str | None,
    hours_per: str | None,
    decimal_mark: str | None,
    cost_meaning: str | None,
    date_order: str | None,
) -> None:
    for key, value, allowed in (
        ("hours_unit", hours_unit, HOURS_UNITS),
        ("hours_per", hours_per, HOURS_PER),
        ("decimal_mark", decimal_mark, DECIMAL_MARKS),
        ("cost_meaning", cost_meaning, COST_MEANINGS),
        ("date_order", date_order, DATE_ORDERS),
    ):
        if value is not None and value not in allowed:
            raise ValidationError(
                f"inputs.{key} {value!r} is not one of {', '.join(repr(a) for a in allowed)}."
            )
    if hours_per == "visit" and "visits_per_week" not in mapping:
        raise ValidationError(
            f"{source}: inputs.hours_per is 'visit', so the visits a week are needed: map "
            'columns.visits_per_week to their column (e.g. visits_per_week: "Visits/Wk").'
        )
    rate_only = cost_meaning == "hourly_rate" and "hourly_rate" in mapping
    if cost_meaning is not None and "weekly_cost" not in mapping and not rate_only:
        raise ValidationError(
            f"{source}: inputs.cost_meaning describes columns.weekly_cost, which is not "
            "mapped. Map the cost column as weekly_cost, or remove inputs.cost_meaning."
        )
    if cost_meaning == "hourly_rate" and {"weekly_cost", "hourly_rate"} <= set(mapping):
        raise ValidationError(
            f"{source}: inputs.cost_meaning is 'hourly_rate' but columns.hourly_rate is mapped "
            "too. Map the rate as columns.hourly_rate and remove inputs.cost_meaning."
        )


def _check_medians(
    source: str,
    mapping: Mapping[str, str],
    weekly: pd.Series,
    money: Mapping[str, pd.Series],
    ok: pd.Series,
    hours_unit: str | None,
    hours_per: str | None,
    cost_meaning: str | None,
) -> None:
    good = weekly[weekly > 0]  # every row with readable hours, rejected or not
    if good.empty:
        return
    if hours_unit is None and hours_per is None:
        median = float(good.median())
        if median > settings.UNDECLARED_MAX_MEDIAN_HOURS:
            raise ValidationError(
                f"{source}: the median line of '{mapping['weekly_hours']}' is {median:g} hours "
                f"a week, far above a home-care package (WSCC 2024: 12.6 hours on average). "
                "Are the numbers minutes, or hours per month? Set inputs.hours_unit: minutes "
                "(or hours, if these really are hours a week)."
            )
    if cost_meaning is not None or not money:
        return
    if "weekly_cost" in money:
        rates = (money["weekly_cost"] / weekly).where(ok & (weekly > 0))
        what = f"'{mapping['weekly_cost']}' (mapped as weekly_cost) divided by the weekly hours"
    else:
        rates = money["hourly_rate"][ok]
        what = f"'{mapping['hourly_rate']}' (mapped as hourly_rate)"
    rates = rates[rates > 0].dropna()
    if rates.empty:
        return
    low, high = settings.UNDECLARED_RATE_BAND
    median = float(rates.median())
    if not low <= median <= high:
        raise ValidationError(
            f"{source}: {what} gives a median of £{median:,.2f} per contact hour, outside "
            f"£{low:g}-£{high:g}. Is the cost column an hourly rate, or a cost per four weeks, "
            "month or year? Set inputs.cost_meaning (weekly, four_weekly, monthly, annual or "
            "hourly_rate); setting it to weekly accepts the values as they are."
        )


def _weekly_money(
    money: Mapping[str, pd.Series], weekly: pd.Series, meaning: str
) -> tuple[pd.Series, pd.Series]:
    """Weekly cost and hourly rate from the cost columns and what they mean."""
    nan = pd.Series(np.nan, index=weekly.index, dtype=float)
    cost = money.get("weekly_cost")
    rate = money.get("hourly_rate", nan.copy())
    if cost is None:
        return nan.copy(), rate
    if meaning == "hourly_rate":
        return nan.copy(), cost
    factor = _COST_FACTOR[meaning]
    if meaning == "monthly":
        factor = 12.0 / settings.WEEKS_PER_YEAR
    elif meaning == "annual":
        factor = 1.0 / settings.WEEKS_PER_YEAR
    return cost * factor, rate


def settle_forms(
    raw: pd.DataFrame,
    mapping: Mapping[str, str],
    detected: dict[str, str],
    *,
    decimal_mark: str | None,
    date_order: str | None,
    hours_unit: str | None,
    hours_per: str | None,
    cost_meaning: str | None,
    unit: str,
    per: str,
    meaning: str,
) -> tuple[str, str]:
    """The decimal mark and date order (declared, or detected), each said in ``detected``
    with the hours unit and the cost meaning. Returns ``(decimal mark, date order)``."""
    numeric_cols = [
        mapping[n]
        for n in ("weekly_hours", "visits_per_week", "weekly_cost", "hourly_rate")
        if n in mapping
    ]
    if decimal_mark is None:
        mark, said = _sniff_decimal_mark(raw, numeric_cols)
    else:
        mark, said = decimal_mark, f"'{decimal_mark}' (declared)"
    detected["decimal mark"] = said
    date_cols = [mapping[n] for n in ("start_date", "end_date") if n in mapping]
    if date_order is None:
        order, said = _sniff_date_order(raw, date_cols)
    else:
        order, said = date_order, f"{date_order.replace('_', ' ')} (declared)"
    if date_cols:
        detected["dates"] = said
    per_words = "a week" if per == "week" else "a visit, times visits a week"
    detected["hours"] = f"{_HOURS_WORDS[unit]} {per_words} ({_declared(hours_unit or hours_per)})"
    if "weekly_cost" in mapping or "hourly_rate" in mapping:
        detected["cost"] = f"{_COST_WORDS[meaning]} ({_declared(cost_meaning)})"
    return mark, order
