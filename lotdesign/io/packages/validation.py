"""Validate, filter to the analysis date and geocode a raw extract: one ordered pass.

The order of the checks decides each row's single reason (:data:`REASONS` lists them in that
order): rows that are not package lines are set aside first; a row is then rejected for the
first problem found (cells shifted by a delimiter, a duplicate, identifiers, postcode format,
hours, cost, dates); inactive lines are excluded; and only then are postcodes looked up, so
an inactive line is never rejected for its postcode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lotdesign import postcodes as pc
from lotdesign import rurality, settings
from lotdesign.errors import ValidationError
from lotdesign.io import sniff
from lotdesign.io.lookups import geocode, read_postcode_lookup
from lotdesign.io.packages.cells import (
    _canonical,
    _id_text,
    _omap,
    _parse_cells,
    _resolve_postcodes,
    _series,
    _text,
)
from lotdesign.io.packages.customers import summarise_customers
from lotdesign.io.packages.declarations import (
    _check_declarations,
    _check_medians,
    _hint_errors,
    _weekly_money,
    settle_forms,
)
from lotdesign.io.packages.duplicates import _normalised_keys
from lotdesign.io.packages.extract import Extract
from lotdesign.io.packages.reconciliation import reconcile
from lotdesign.io.packages.rejections import Reasons
from lotdesign.io.packages.schema import _SCIENTIFIC_ID, REASONS, REQUIRED_COLUMNS
from lotdesign.io.packages.totals import set_aside_rows
from lotdesign.io.values import (
    MonthFirstDate,
    clean_postcode,
    is_blank,
    parse_date,
    parse_end_date,
    parse_hours,
    parse_number,
    postcode_corrections,
    show,
)

__all__ = ["validate_extract"]


def validate_extract(
    raw: pd.DataFrame,
    *,
    lookup: str | Path | list | pd.DataFrame = "packaged",
    as_of: dt.date | str | None = None,
    max_weekly_hours: float | None = None,
    hours_unit: str | None = None,
    hours_per: str | None = None,
    decimal_mark: str | None = None,
    cost_meaning: str | None = None,
    date_order: str | None = None,
) -> Extract:
    """Validate, filter to ``as_of`` and geocode a raw extract from :func:`read_extract`.

    Parameters
    ----------
    raw
        The frame :func:`read_extract` returns.
    lookup
        A postcode lookup frame (from :func:`lotdesign.io.read_postcode_lookup`) or what to
        pass to it (``"packaged"``, a path, a list of paths).
    as_of
        Analysis date: only packages active on it (start on or before, end blank or on or
        after) are used; the others are excluded and counted. None uses every valid row.
    max_weekly_hours
        Hours above this are implausible and rejected; default
        ``settings.MAX_WEEKLY_HOURS`` (:data:`lotdesign.settings.MAX_WEEKLY_HOURS`).
    hours_unit
        What a plain number in the hours column is: ``"hours"``, ``"minutes"`` or
        ``"hh:mm"`` (see :func:`lotdesign.io.values.parse_hours`). None: hours, but a header
        that says minutes or hh:mm, or a median line over
        ``settings.UNDECLARED_MAX_MEDIAN_HOURS``, stops the read.
    hours_per
        ``"week"`` or ``"visit"`` (then ``visits_per_week`` must be mapped, and weekly hours
        are hours a visit times visits a week). None: week, but a header that says visits
        stops the read.
    decimal_mark
        ``"."`` or ``","``. None: detected from the numeric columns' text; mixed marks stop
        the read.
    cost_meaning
        What ``columns.weekly_cost`` holds: one of :data:`COST_MEANINGS`. None: weekly, but
        a header that says otherwise, or a median implied rate outside
        ``settings.UNDECLARED_RATE_BAND``, stops the read.
    date_order
        ``"day_first"`` or ``"month_first"`` for numeric dates. None: day first, but a date
        column whose dates only fit month-first stops the read.

    Returns
    -------
    Extract

    Raises
    ------
    lotdesign.ValidationError
        No row is usable, a declaration is missing or ambiguous, or the values contradict
        what is assumed.
    """
    if max_weekly_hours is None:
        max_weekly_hours = settings.MAX_WEEKLY_HOURS
    mapping: dict[str, str] = raw.attrs.get("mapping") or {n: n for n in REQUIRED_COLUMNS}
    source = str(raw.attrs.get("path", "extract"))
    detected: dict[str, str] = dict(raw.attrs.get("detected") or {})
    overflow: dict[int, int] = dict(raw.attrs.get("overflow") or {})
    if isinstance(as_of, str):
        try:
            as_of = parse_date(as_of)
        except ValueError as exc:
            raise ValidationError(
                f"as_of '{as_of}' is not a date; write it as YYYY-MM-DD."
            ) from exc
    _check_declarations(
        source, mapping, hours_unit, hours_per, decimal_mark, cost_meaning, date_order
    )
    _hint_errors(source, mapping, hours_unit, hours_per, cost_meaning)
    unit = hours_unit or "hours"
    per = hours_per or "week"
    meaning = cost_meaning or ("hourly_rate" if "weekly_cost" not in mapping else "weekly")
    originals = [c for c in raw.columns if c != "source_row"]

    def header(name: str) -> str:
        return f"{mapping[name]} ({name})" if mapping[name] != name else name

    mark, order = settle_forms(
        raw,
        mapping,
        detected,
        decimal_mark=decimal_mark,
        date_order=date_order,
        hours_unit=hours_unit,
        hours_per=hours_per,
        cost_meaning=cost_meaning,
        unit=unit,
        per=per,
        meaning=meaning,
    )
    # Hours first: they are needed to spot totals rows.
    hours = _Hours.read(raw, mapping, unit=unit, per=per, mark=mark)

    # --- rows that are not package lines --------------------------------------------------------
    aside, set_aside, aside_hours, notes = set_aside_rows(raw, mapping, originals, hours.weekly)
    keep = ~aside
    raw = raw[keep]
    hours = hours.subset(keep)
    weekly = hours.weekly
    if raw.empty:
        raise ValidationError(
            f"{source}: every row below the header is a totals or header row; no package "
            "lines to read."
        )
    index = raw.index
    n = len(raw)
    reasons = Reasons(index)
    flag = reasons.flag

    # --- cells shifted by an unquoted delimiter ---------------------------------------------------
    if overflow:
        char = raw.attrs.get("delimiter") or ","
        delim = f"{sniff.DELIMITERS.get(char, repr(char))} ({char!r})"
        shifted = raw["source_row"].isin(list(overflow))
        row_of = dict(zip(index, raw["source_row"], strict=True))
        flag(
            shifted,
            "row_misaligned",
            "(whole row)",
            lambda i: REASONS["row_misaligned"].format(
                n=overflow[int(row_of[i])], width=len(originals), delimiter=delim
            ),
        )

    # --- identifiers ---------------------------------------------------------------------------
    cid_raw = _omap(raw[mapping["customer_id"]], _id_text)
    scientific = _omap(
        cid_raw, lambda v: isinstance(v, str) and bool(_SCIENTIFIC_ID.match(v))
    ).astype(bool)
    cid, merged_ids = _canonical(cid_raw)
    pcol = mapping["postcode"]
    cleaned = _omap(raw[pcol], clean_postcode)

    # --- the postcode lookup (a postcode in it is valid whatever its format era) ----------------
    wanted = set(cleaned.dropna())
    for p in {p for p in wanted if not pc.is_valid(p)}:
        wanted.update(postcode_corrections(p))
    if isinstance(lookup, pd.DataFrame):
        lk = lookup
    else:
        lk = read_postcode_lookup(lookup, postcodes=sorted(wanted))
    lookup_source = lk.attrs.get("source", "postcode lookup")
    known = set(lk["postcode"])
    postcode, corrected = _resolve_postcodes(cleaned, known)

    # --- numbers and dates ----------------------------------------------------------------------
    money, money_problem = _read_money(raw, mapping, mark)
    dates, date_problem, open_ended = _read_dates(raw, mapping, order)

    # --- duplicates, after normalising every cell -------------------------------------------------
    keys = _normalised_keys(
        raw, mapping, originals, cid, postcode, weekly, money, dates, mark, hours.problem
    )
    dup = keys.duplicated(keep="first")
    first_row = raw["source_row"].groupby(keys, sort=False).transform("first")
    flag(dup, "duplicate_row", None, lambda i: REASONS["duplicate_row"].format(dup_of=first_row[i]))

    flag(
        cid.isna(),
        "customer_id_missing",
        header("customer_id"),
        lambda i: REASONS["customer_id_missing"],
    )
    flag(
        scientific,
        "customer_id_invalid",
        header("customer_id"),
        lambda i: REASONS["customer_id_invalid"].format(value=cid_raw[i]),
    )
    flag(
        cleaned.isna(),
        "postcode_missing",
        header("postcode"),
        lambda i: REASONS["postcode_missing"],
    )
    flag(
        postcode.isna(),
        "postcode_invalid",
        header("postcode"),
        lambda i: REASONS["postcode_invalid"].format(value=show(raw.at[i, pcol])),
    )
    _flag_hours(reasons, hours, max_weekly_hours, header)
    _flag_money(reasons, money, money_problem, header)
    start, end = dates["start_date"], dates["end_date"]
    _flag_dates(reasons, mapping, date_problem, start, end, header)

    # --- values that contradict what was assumed stop the read ------------------------------------
    _check_medians(
        source, mapping, weekly, money, reasons.none(), hours_unit, hours_per, cost_meaning
    )

    # Exclusion by date happens before geocoding: an inactive package is not analysed.
    exclusion = pd.Series([None] * n, index=index, dtype=object)
    if as_of is not None:
        valid = reasons.none()
        ended = valid & _omap(end, lambda d: d is not None and d < as_of).astype(bool)
        future = valid & _omap(start, lambda d: d is not None and d > as_of).astype(bool)
        exclusion[ended] = f"ended before {as_of.isoformat()}"
        exclusion[future & exclusion.isna()] = f"starts after {as_of.isoformat()}"

    to_geocode = reasons.none() & exclusion.isna()
    coords = geocode(postcode, lk)
    found = coords["in_lookup"]
    flag(
        to_geocode & ~found,
        "postcode_not_found",
        header("postcode"),
        lambda i: REASONS["postcode_not_found"].format(value=postcode[i], lookup=lookup_source),
    )
    no_grid = to_geocode & found & coords["easting"].isna()
    flag(
        no_grid,
        "postcode_no_grid",
        header("postcode"),
        lambda i: REASONS["postcode_no_grid"].format(value=postcode[i]),
    )

    # --- partition --------------------------------------------------------------------------------
    rejected_mask = reasons.code.notna()
    excluded_mask = ~rejected_mask & exclusion.notna()
    used_mask = ~rejected_mask & ~excluded_mask
    rejected, excluded = _partition(raw, originals, reasons, exclusion, excluded_mask)
    used, merged_names = _used_lines(
        raw, mapping, cid, postcode, weekly, money, meaning, start, end, coords, used_mask
    )
    if used.empty:
        top = rejected["reason_code"].value_counts().head(3)
        why = ", ".join(f"{k} ({v})" for k, v in top.items()) or "every row excluded by date"
        raise ValidationError(
            f"{source}: no usable rows ({len(rejected)} rejected, {len(excluded)} excluded; "
            f"main reasons: {why}). Check the column mapping, the postcode lookup and as_of."
        )

    rec = reconcile(
        weekly=weekly,
        used_mask=used_mask,
        excluded_mask=excluded_mask,
        rejected_mask=rejected_mask,
        set_aside_rows=len(set_aside),
        set_aside_hours=aside_hours,
        customer_id=cid,
        used_customers=used["customer_id"],
    )
    notes += _notes(
        hours=hours.hours,
        corrected_rows=[int(raw.at[i, "source_row"]) for i in corrected],
        merged_ids=merged_ids,
        merged_names=merged_names,
        open_ended=open_ended,
        used=used,
        costed="weekly_cost" in mapping or "hourly_rate" in mapping,
    )
    customers = summarise_customers(used)
    multi_pc = int((used.groupby("customer_id")["postcode"].nunique() > 1).sum())
    if multi_pc:
        notes.append(
            f"{multi_pc} customer(s) have lines at different postcodes; the postcode of the "
            "line with most hours is used"
        )
    return Extract(
        packages=used,
        customers=customers,
        rejected=rejected,
        excluded=excluded,
        reconciliation=rec,
        source=source,
        as_of=as_of,
        lookup_source=lookup_source,
        notes=notes,
        set_aside=set_aside,
        detected=detected,
    )


@dataclass
class _Hours:
    """The hours column read: hours (a week, or a visit), visits a week when per visit, and
    weekly hours; with the problem that stopped each unreadable cell being read."""

    hours: pd.Series
    problem: pd.Series
    weekly: pd.Series
    per: str
    visits: pd.Series | None = None
    visits_problem: pd.Series | None = None

    @classmethod
    def read(
        cls, raw: pd.DataFrame, mapping: Mapping[str, str], *, unit: str, per: str, mark: str
    ) -> _Hours:
        index = raw.index
        h_vals, h_bad = _parse_cells(
            raw[mapping["weekly_hours"]], lambda v: parse_hours(v, unit=unit, decimal_mark=mark)
        )
        hours = pd.to_numeric(_series(h_vals, index), errors="coerce").astype(float)
        problem = _series(h_bad, index)
        if per != "visit":
            return cls(hours, problem, hours, per)
        v_vals, v_bad = _parse_cells(
            raw[mapping["visits_per_week"]], lambda v: parse_number(v, decimal_mark=mark)
        )
        visits = pd.to_numeric(_series(v_vals, index), errors="coerce").astype(float)
        return cls(hours, problem, hours * visits, per, visits, _series(v_bad, index))

    def subset(self, keep: pd.Series) -> _Hours:
        def cut(s: pd.Series | None) -> pd.Series | None:
            return None if s is None else s[keep]

        return _Hours(
            self.hours[keep],
            self.problem[keep],
            self.weekly[keep],
            self.per,
            cut(self.visits),
            cut(self.visits_problem),
        )


def _read_money(
    raw: pd.DataFrame, mapping: Mapping[str, str], mark: str
) -> tuple[dict[str, pd.Series], dict[str, pd.Series]]:
    """The cost and rate columns as numbers, and each unreadable cell's problem."""
    money: dict[str, pd.Series] = {}
    money_problem: dict[str, pd.Series] = {}
    for name in ("weekly_cost", "hourly_rate"):
        if name not in mapping:
            continue
        vals, bad = _parse_cells(raw[mapping[name]], lambda v: parse_number(v, decimal_mark=mark))
        money[name] = pd.to_numeric(_series(vals, raw.index), errors="coerce").astype(float)
        money_problem[name] = _series(bad, raw.index)
    return money, money_problem


def _read_dates(
    raw: pd.DataFrame, mapping: Mapping[str, str], order: str
) -> tuple[dict[str, pd.Series], dict[str, pd.Series], int]:
    """Start and end dates (None where the column is absent), each unreadable cell's problem,
    and how many end dates are written as open-ended ("Ongoing", 31/12/9999)."""
    index, n = raw.index, len(raw)
    dates: dict[str, pd.Series] = {}
    date_problem: dict[str, pd.Series] = {}
    open_ended = 0
    for name in ("start_date", "end_date"):
        if name not in mapping:
            dates[name] = _series([None] * n, index)
            date_problem[name] = _series([None] * n, index)
            continue
        parser = parse_end_date if name == "end_date" else parse_date
        vals, bad = _parse_cells(raw[mapping[name]], lambda v, p=parser: p(v, order=order))
        dates[name] = _series(vals, index)
        date_problem[name] = _series(bad, index)
        if name == "end_date":
            open_ended = int(
                (dates[name].isna() & ~_omap(raw[mapping[name]], is_blank).astype(bool)).sum()
                - date_problem[name].notna().sum()
            )
    return dates, date_problem, open_ended


def _flag_hours(
    reasons: Reasons, hours: _Hours, max_weekly_hours: float, header: Callable[[str], str]
) -> None:
    flag, weekly, problem = reasons.flag, hours.weekly, hours.problem
    what = "weekly hours" if hours.per == "week" else "hours per visit"
    flag(
        hours.hours.isna() & problem.isna(),
        "hours_missing",
        header("weekly_hours"),
        lambda i: REASONS["hours_missing"].format(what=what),
    )
    flag(
        problem.notna(),
        "hours_not_numeric",
        header("weekly_hours"),
        lambda i: REASONS["hours_not_numeric"].format(what=what, why=problem[i]),
    )
    if hours.per == "visit":
        visits, visits_problem = hours.visits, hours.visits_problem
        vh = header("visits_per_week")
        flag(
            visits.isna() & visits_problem.isna(),
            "visits_missing",
            vh,
            lambda i: REASONS["visits_missing"],
        )
        flag(
            visits_problem.notna(),
            "visits_not_numeric",
            vh,
            lambda i: REASONS["visits_not_numeric"].format(why=visits_problem[i]),
        )
        flag(
            visits <= 0,
            "visits_not_positive",
            vh,
            lambda i: REASONS["visits_not_positive"].format(value=f"{visits[i]:g}"),
        )
    flag(
        weekly <= 0,
        "hours_not_positive",
        header("weekly_hours"),
        lambda i: REASONS["hours_not_positive"].format(value=f"{weekly[i]:g}"),
    )
    flag(
        weekly > max_weekly_hours,
        "hours_implausible",
        header("weekly_hours"),
        lambda i: REASONS["hours_implausible"].format(
            value=f"{weekly[i]:g}", limit=max_weekly_hours
        ),
    )


def _flag_money(
    reasons: Reasons,
    money: Mapping[str, pd.Series],
    money_problem: Mapping[str, pd.Series],
    header: Callable[[str], str],
) -> None:
    for name, vals in money.items():
        problem = money_problem[name]
        reasons.flag(
            problem.notna(),
            "cost_not_numeric",
            header(name),
            lambda i, name=name, problem=problem: REASONS["cost_not_numeric"].format(
                column=header(name), why=problem[i]
            ),
        )
        reasons.flag(
            vals < 0,
            "cost_negative",
            header(name),
            lambda i, vals=vals, name=name: REASONS["cost_negative"].format(
                column=header(name), value=f"{vals[i]:g}"
            ),
        )


def _flag_dates(
    reasons: Reasons,
    mapping: Mapping[str, str],
    date_problem: Mapping[str, pd.Series],
    start: pd.Series,
    end: pd.Series,
    header: Callable[[str], str],
) -> None:
    for name in ("start_date", "end_date"):
        if name not in mapping:
            continue
        problem = date_problem[name]
        month_first = _omap(problem, lambda p: isinstance(p, MonthFirstDate)).astype(bool)
        reasons.flag(
            problem.notna() & ~month_first,
            "date_invalid",
            header(name),
            lambda i, name=name, problem=problem: REASONS["date_invalid"].format(
                column=header(name), why=problem[i]
            ),
        )
        reasons.flag(
            month_first,
            "date_month_first",
            header(name),
            lambda i, name=name, problem=problem: REASONS["date_month_first"].format(
                column=header(name), why=problem[i]
            ),
        )
    before = pd.Series(
        [s is not None and e is not None and e < s for s, e in zip(start, end, strict=True)],
        index=start.index,
        dtype=bool,
    )
    reasons.flag(
        before,
        "end_before_start",
        header("end_date") if "end_date" in mapping else None,
        lambda i: REASONS["end_before_start"].format(end=show(end[i]), start=show(start[i])),
    )


def _used_lines(
    raw: pd.DataFrame,
    mapping: Mapping[str, str],
    cid: pd.Series,
    postcode: pd.Series,
    weekly: pd.Series,
    money: Mapping[str, pd.Series],
    meaning: str,
    start: pd.Series,
    end: pd.Series,
    coords: pd.DataFrame,
    used_mask: pd.Series,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The used lines in the customers contract's columns, and how many provider, practice
    and service names were written more than one way."""
    used = pd.DataFrame(
        {
            "source_row": raw["source_row"],
            "customer_id": cid,
            "postcode": postcode,
            "weekly_hours": weekly,
        }
    )
    weekly_cost, hourly_rate = _weekly_money(money, weekly, meaning)
    used["weekly_cost"] = weekly_cost
    used["hourly_rate"] = hourly_rate
    # A missing cost is worked out from the rate, and the rate from the cost.
    used["weekly_cost"] = used["weekly_cost"].fillna(used["weekly_hours"] * used["hourly_rate"])
    used["hourly_rate"] = used["hourly_rate"].fillna(used["weekly_cost"] / used["weekly_hours"])
    merged_names: dict[str, int] = {}
    for name in ("provider", "gp_practice", "service_type"):
        if name in mapping:
            text = _omap(raw[mapping[name]], _text)
            used[name], merged_names[name] = _canonical(text)
        else:
            used[name] = None
    if "gp_practice" in mapping:
        used["gp_practice"] = _omap(
            used["gp_practice"], lambda v: v.upper() if isinstance(v, str) else v
        )
    used["start_date"] = start
    used["end_date"] = end
    for col in ("easting", "northing", "district", "lsoa", "ruc", "imd_decile", "terminated"):
        used[col] = coords[col]
    used = used[used_mask].reset_index(drop=True)
    used["terminated"] = used["terminated"].fillna(False).astype(bool)
    used["rurality"] = rurality.from_ruc_series(used["ruc"])
    used["postcode_sector"] = pc.sector_series(used["postcode"])
    used["postcode_district"] = pc.district_series(used["postcode"])
    return used, merged_names


def _partition(
    raw: pd.DataFrame,
    originals: list[str],
    reasons: Reasons,
    exclusion: pd.Series,
    excluded_mask: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``rejected_rows.csv`` and ``excluded_rows.csv`` frames: each row's number, reason
    and original cells."""
    rejected = pd.concat(
        [
            pd.DataFrame(
                {
                    "source_row": raw["source_row"],
                    "column": reasons.column,
                    "reason_code": reasons.code,
                    "reason": reasons.detail,
                }
            ),
            raw[originals],
        ],
        axis=1,
    )[reasons.code.notna()].reset_index(drop=True)
    excluded = pd.concat(
        [pd.DataFrame({"source_row": raw["source_row"], "exclusion": exclusion}), raw[originals]],
        axis=1,
    )[excluded_mask].reset_index(drop=True)
    return rejected, excluded


def _notes(
    *,
    hours: pd.Series,
    corrected_rows: list[int],
    merged_ids: int,
    merged_names: Mapping[str, int],
    open_ended: int,
    used: pd.DataFrame,
    costed: bool,
) -> list[str]:
    """Plain-English notes on soft problems: read, but worth a word."""
    notes: list[str] = []
    unreadable = int((hours.isna()).sum())
    if unreadable:
        notes.append(f"{unreadable} row(s) had blank or unreadable hours, counted as 0 hours")
    if corrected_rows:
        rows = ", ".join(str(r) for r in corrected_rows[:5])
        more = " ..." if len(corrected_rows) > 5 else ""
        notes.append(
            f"{len(corrected_rows)} postcode(s) had O/0 or I/1 typed for each other and were "
            f"corrected where only one reading is a valid postcode (rows {rows}{more})"
        )
    if merged_ids:
        notes.append(
            f"{merged_ids} customer ID(s) are written in more than one case (e.g. 'ab12' and "
            "'AB12'); each is taken as one customer"
        )
    for name, k in merged_names.items():
        if k:
            notes.append(
                f"{k} {name.replace('_', ' ')} name(s) are written in more than one way (case "
                "or spacing); each is taken as one, in its first spelling"
            )
    if open_ended:
        notes.append(f"{open_ended} end date(s) such as 31/12/9999 or 'Ongoing' mean no end date")
    n_term = int(used["terminated"].sum())
    if n_term:
        notes.append(f"{n_term} used line(s) have terminated postcodes (still geocoded)")
    imputed = int(used["weekly_cost"].isna().sum())
    if imputed and costed:
        notes.append(f"{imputed} used line(s) have no weekly cost or hourly rate")
    return notes
