"""What an extract holds: lotdesign's column names, the declarations' allowed values, and
the reason codes a row is rejected or set aside with, in the order rows are checked."""

from __future__ import annotations

import re

REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "postcode", "weekly_hours")

OPTIONAL_COLUMNS: tuple[str, ...] = (
    "weekly_cost",
    "hourly_rate",
    "provider",
    "gp_practice",
    "start_date",
    "end_date",
    "service_type",
    "visits_per_week",
)

#: What the hours column counts: hours a week, or hours a visit (times visits a week).
HOURS_PER: tuple[str, ...] = ("week", "visit")

#: What the cost column (``columns.weekly_cost``) holds, and the factor that makes it weekly.
#: ``hourly_rate`` means the column is a rate per contact hour (cost = rate x hours).
COST_MEANINGS: tuple[str, ...] = ("weekly", "four_weekly", "monthly", "annual", "hourly_rate")

#: Reason codes, in the order rows are checked, with the plain-English reason shown.
#: A row gets the first reason that applies.
REASONS: dict[str, str] = {
    "row_misaligned": "the row has {n} cells where the header has {width}: a value probably "
    "holds an unquoted {delimiter} (as '£1,234.50' does in a comma-separated file), which "
    "shifts every cell after it; quote the value or export the file again",
    "duplicate_row": "the same line as row {dup_of} once case, spacing and the way postcodes, "
    "numbers, money and dates are written are set aside; counted once, from row {dup_of}",
    "customer_id_missing": "customer ID is blank",
    "customer_id_invalid": "customer ID '{value}' was turned into a rounded number by Excel "
    "(scientific notation), so it no longer names one person; export the ID column as text",
    "postcode_missing": "postcode is blank",
    "postcode_invalid": "'{value}' is not a valid UK postcode format and is not in the "
    "postcode lookup",
    "hours_missing": "{what} are blank",
    "hours_not_numeric": "{what}: {why}",
    "visits_missing": "visits a week are blank (the hours are per visit: inputs.hours_per)",
    "visits_not_numeric": "visits a week: {why}",
    "visits_not_positive": "visits a week must be more than zero (got {value})",
    "hours_not_positive": "weekly hours must be more than zero (got {value})",
    "hours_implausible": "{value} weekly hours is more than the plausible maximum of {limit:g} "
    "(two carers round the clock); check the extract",
    "cost_not_numeric": "{column}: {why}",
    "cost_negative": "{column} is negative ({value})",
    "date_invalid": "{column}: {why}",
    "date_month_first": "{column}: {why}",
    "end_before_start": "end date {end} is before start date {start}",
    "postcode_not_found": "postcode {value} has a valid format but is not in the postcode "
    "lookup ({lookup}); check it for typos or use a newer lookup",
    "postcode_no_grid": "postcode {value} is in the lookup but has no grid reference",
}

#: Rows that are not package lines: set aside with their own count, not read.
SET_ASIDE_REASONS: dict[str, str] = {
    "total_row": "a totals row ('{label}'), not a package line",
    "header_repeat": "the header row again (reports repeat it on each page), not a package line",
}

_COST_FACTOR: dict[str, float | None] = {
    "weekly": 1.0,
    "four_weekly": 0.25,
    "monthly": None,  # 12 / WEEKS_PER_YEAR, read when called
    "annual": None,  # 1 / WEEKS_PER_YEAR
    "hourly_rate": None,
}

_COST_WORDS = {
    "weekly": "a cost a week",
    "four_weekly": "a cost per four weeks, divided by 4",
    "monthly": "a cost a month, times 12 / weeks a year",
    "annual": "a cost a year, divided by weeks a year",
    "hourly_rate": "an hourly rate, times the weekly hours",
}

_HOURS_WORDS = {"hours": "hours", "minutes": "minutes", "hh:mm": "hours:minutes"}

_TOTAL_LABEL = re.compile(
    r"^\s*(?:grand\s+|sub[\s-]?)?totals?\b|\btotals?\s*:?\s*$|^\s*sum\s*:?\s*$", re.IGNORECASE
)

_SCIENTIFIC_ID = re.compile(r"^\d(?:\.\d+)?[eE]\+\d+$")

_HINTS: dict[str, re.Pattern[str]] = {
    "minutes": re.compile(r"\bmins?\b|minute", re.IGNORECASE),
    "hh:mm": re.compile(r"\bh{1,2}\s*[:.]\s*mm\b", re.IGNORECASE),
    "visit": re.compile(r"visit|\bcalls?\b", re.IGNORECASE),
    "hourly_rate": re.compile(r"\brate\b|per\s*h(?:ou)?r|/\s*h(?:ou)?r\b|hourly", re.IGNORECASE),
    "annual": re.compile(r"annual|yearly|per\s*annum|\byear", re.IGNORECASE),
    "four_weekly": re.compile(r"\b(?:4|four)[\s-]*(?:weeks?|wks?|weekly)\b|28[\s-]*days?", re.I),
    "monthly": re.compile(r"month|\bpcm\b", re.IGNORECASE),
}
