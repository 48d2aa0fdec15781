"""A value written in any supported form reads back as the same number (or date, or postcode);
a value that could mean two numbers is refused, never read as the wrong one."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lotdesign import ValidationError
from lotdesign.io.lookups import read_postcode_lookup
from lotdesign.io.packages import read_packages
from lotdesign.io.values import (
    ValueProblem,
    clean_postcode,
    decimal_mark_evidence,
    parse_date,
    parse_end_date,
    parse_hours,
    parse_number,
    postcode_corrections,
    show,
)

# --- numbers and money --------------------------------------------------------------------------

_pence = st.integers(min_value=0, max_value=99_999_999)  # £0.00 to £999,999.99


def _grouped(whole: int, sep: str) -> str:
    return f"{whole:,}".replace(",", sep)


def _forms(pence: int, mark: str) -> list[str]:
    """Every way a council's file may write an amount of pence, with decimal mark ``mark``."""
    whole, frac = divmod(pence, 100)
    sep = "," if mark == "." else "."
    plain = f"{whole}{mark}{frac:02d}"
    grouped = f"{_grouped(whole, sep)}{mark}{frac:02d}"
    spaced = f"{_grouped(whole, ' ')}{mark}{frac:02d}"
    return [plain, grouped, spaced, f"£{plain}", f"£{grouped}", f"GBP {grouped}", f" £ {plain} "]


@given(pence=_pence, mark=st.sampled_from([".", ","]))
def test_amounts_read_back_the_same(pence, mark):
    value = float(Decimal(pence) / 100)
    for form in _forms(pence, mark):
        assert parse_number(form, decimal_mark=mark) == value, form
    for form in _forms(pence, mark)[:3]:
        for negative in (f"({form})", f"-{form}", f"{form}-", f"-£{form}", f"£-{form}"):
            assert parse_number(negative, decimal_mark=mark) == -value, negative


@given(pence=st.integers(min_value=1, max_value=99_999_999), mark=st.sampled_from([".", ","]))
def test_the_other_decimal_mark_is_refused_never_misread(pence, mark):
    whole, frac = divmod(pence, 100)
    other = "," if mark == "." else "."
    text = f"{whole}{other}{frac:02d}"  # two decimals: never a thousands group
    with pytest.raises(ValueProblem, match=f"the extract's decimal mark is '{re.escape(mark)}'"):
        parse_number(text, decimal_mark=mark)
    assert decimal_mark_evidence(text) == other


def test_number_edge_cases():
    assert parse_number("£ -") == 0.0 and parse_number("-") == 0.0
    assert parse_number("1,234") == 1234.0 and parse_number("1.234", decimal_mark=",") == 1234.0
    assert parse_number("1.5E+03") == 1500.0
    assert parse_number(None) is None and parse_number("  ") is None
    for bad, why in (
        ("7,5", "decimal comma"),
        ("283,50", "decimal comma"),
        ("1,23,4", "not a number"),
        ("$12", "not in pounds"),
        ("ten", "not a number"),
        (dt.time(10, 30), "date or time"),
    ):
        with pytest.raises(ValueProblem, match=why):
            parse_number(bad)
    assert decimal_mark_evidence("1,234") == "either"
    assert decimal_mark_evidence("7") is None and decimal_mark_evidence(7.5) is None


# --- hours --------------------------------------------------------------------------------------

_minutes = st.integers(min_value=1, max_value=336 * 60)


@given(minutes=_minutes)
def test_hours_read_back_the_same_in_every_form(minutes):
    hours = minutes / 60
    h, m = divmod(minutes, 60)
    as_hours = [f"{h}:{m:02d}", f"{h}:{m:02d}:00", f"{minutes} mins", f"{h}h {m}m"]
    as_hours += [
        dt.timedelta(minutes=minutes),
        dt.datetime(1899, 12, 30) + dt.timedelta(hours=hours),
    ]
    if h < 24:
        as_hours.append(dt.time(h, m))
    for unit in ("hours", "minutes", "hh:mm"):
        for form in as_hours:
            assert parse_hours(form, unit=unit) == pytest.approx(hours, rel=1e-12), (form, unit)
    for form in (minutes, str(minutes), f"{minutes:,}", float(minutes)):
        assert parse_hours(form, unit="minutes") == pytest.approx(hours, rel=1e-12)


@given(quarters=st.integers(min_value=1, max_value=336 * 4), mark=st.sampled_from([".", ","]))
def test_decimal_hours_read_back_the_same(quarters, mark):
    hours = quarters / 4
    text = f"{hours:g}".replace(".", mark)
    for form in (text, f"{text} hrs", f"{text}h", f"{text} hours"):
        assert parse_hours(form, decimal_mark=mark) == hours, form
    whole, part = divmod(quarters, 4)
    if part:
        sign = {1: "¼", 2: "½", 3: "¾"}[part]
        slash = {1: "1/4", 2: "1/2", 3: "3/4"}[part]
        for form in (f"{whole}{sign}" if whole else sign, f"{whole} {slash}"):
            assert parse_hours(form, decimal_mark=mark) == hours, form
    if hours != int(hours):
        with pytest.raises(ValueProblem, match="not in hh:mm form"):
            parse_hours(text, unit="hh:mm", decimal_mark=mark)


def test_hours_that_are_not_time():
    with pytest.raises(ValueProblem, match="is a date"):
        parse_hours(dt.datetime(2025, 4, 1))
    with pytest.raises(ValueProblem, match="not a number"):
        parse_hours("each")
    assert show(dt.timedelta(days=2, hours=18, minutes=30)) == "66:30"  # never '2 days, 18:30'


# --- dates --------------------------------------------------------------------------------------

_dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31))


@given(day=_dates)
def test_dates_read_back_the_same_in_every_form(day):
    month = day.strftime("%b")
    forms = [
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day.strftime("%d-%m-%Y"),
        day.strftime("%d.%m.%Y"),
        day.strftime("%Y-%m-%d"),
        day.strftime("%Y/%m/%d"),
        day.strftime("%Y%m%d"),
        f"{day.day:02d}-{month}-{day.year}",
        f"{day.day:02d}-{month.upper()}-{day.year}",
        f"{day.day} {day.strftime('%B')} {day.year}",
        f"{day.strftime('%B')} {day.day}, {day.year}",
        day.strftime("%d/%m/%Y 09:30"),
        day.strftime("%Y-%m-%dT00:00:00.000Z"),
        dt.datetime(day.year, day.month, day.day),
        day,
        (day - dt.date(1899, 12, 30)).days,  # an Excel serial
    ]
    if 2000 <= day.year <= 2068:
        forms.append(f"{day.day:02d}-{month.upper()}-{day.year % 100:02d}")  # Oracle
        forms.append(day.strftime("%d/%m/%y"))
    for form in forms:
        assert parse_date(form) == day, form
    us = day.strftime("%m/%d/%Y")
    assert parse_date(us, order="month_first") == day
    if day.day > 12:
        with pytest.raises(ValueProblem, match="only fits month-first"):
            parse_date(us)


def test_open_end_dates():
    for form in ("Ongoing", "31/12/9999", "31-DEC-99", "9999-12-31", "open", "", None):
        assert parse_end_date(form) is None, form
    assert parse_end_date("31/12/2099") == dt.date(2099, 12, 31)
    with pytest.raises(ValueProblem):
        parse_date("Ongoing")  # a start date cannot be open
    with pytest.raises(ValueProblem, match="not a date"):
        parse_date("31/02/2024")


# --- postcodes ----------------------------------------------------------------------------------


@given(
    postcode=st.sampled_from(["LS6 1AA", "NR1 3AA", "W1M 0AA", "NPT 0AD", "EC1A 1BB", "M1 1AE"]),
    style=st.sampled_from(["lower", "compact", "spaced", "dot", "comma", "hyphen", "pad"]),
)
def test_postcodes_read_back_the_same(postcode, style):
    written = {
        "lower": postcode.lower(),
        "compact": postcode.replace(" ", ""),
        "spaced": postcode.replace(" ", "   "),
        "dot": postcode + ".",
        "comma": postcode + ",",
        "hyphen": postcode.replace(" ", "-"),
        "pad": f"  {postcode}\t",
    }[style]
    assert clean_postcode(written) == postcode


def test_postcode_corrections_only_where_one_reading_is_valid():
    assert postcode_corrections("LS6 IAA") == ["LS6 1AA"]  # only a digit fits there
    assert postcode_corrections("LSO 1AA") == ["LS0 1AA"]
    assert postcode_corrections("0X1 1AA") == ["OX1 1AA"]  # only a letter fits there
    assert postcode_corrections("RH12 4A8") == []  # 8 for B is not a slip that is corrected


# --- whole files: random extracts written in random shapes read back exactly --------------------

_POSTCODES = ["LS6 1AA", "LS6 1AB", "LS6 1AD", "LS6 2AA", "LS6 2AB", "LS7 3AA"]


@pytest.fixture(scope="module")
def leeds():
    return read_postcode_lookup("packaged", postcodes=_POSTCODES)


_line = st.tuples(
    st.integers(min_value=1, max_value=60 * 4),  # quarter hours
    st.integers(min_value=15, max_value=40 * 100),  # pence per hour, £0.15-£40.00
    st.sampled_from(_POSTCODES),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(_line, min_size=1, max_size=12),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    mark=st.sampled_from([".", ","]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    unit=st.sampled_from(["hours", "minutes", "hh:mm"]),
    titles=st.integers(min_value=0, max_value=3),
    money=st.sampled_from(["plain", "pound", "grouped"]),
)
def test_extracts_in_any_shape_read_back_exactly(
    leeds, tmp_path_factory, lines, delimiter, mark, encoding, unit, titles, money
):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for k in range(titles):
        writer.writerow([f"Report line {k + 1}"])
    writer.writerow(["Person ID", "Post Code", "Planned", "Weekly Cost"])
    total_hours, total_cost = 0, 0
    for k, (quarters, rate, postcode) in enumerate(lines):
        minutes = quarters * 15
        pence = minutes * rate // 60
        total_hours += minutes
        total_cost += pence
        whole, frac = divmod(minutes, 60)
        hours = {
            "hours": f"{minutes / 60:g}".replace(".", mark),
            "minutes": str(minutes),
            "hh:mm": f"{whole}:{frac:02d}",
        }[unit]
        amount = _forms(pence, mark)[{"plain": 0, "pound": 3, "grouped": 4}[money]]
        # Two decimals always, so the decimal mark is there to be found.
        writer.writerow([f"P{k}", postcode, hours, amount])
    path = tmp_path_factory.mktemp("shape") / "extract.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    columns = {
        "customer_id": "Person ID",
        "postcode": "Post Code",
        "weekly_hours": "Planned",
        "weekly_cost": "Weekly Cost",
    }
    try:
        ex = read_packages(
            path, columns=columns, lookup=leeds, hours_unit=unit, cost_meaning="weekly"
        )
    except ValidationError as exc:
        # Only a file whose numbers give no decimal mark away may stop, and it says the key.
        assert "inputs.decimal_mark" in str(exc)
        return
    assert ex.rejected.empty and ex.set_aside.empty
    assert ex.packages["weekly_hours"].sum() == pytest.approx(total_hours / 60, abs=1e-9)
    assert ex.packages["weekly_cost"].sum() == pytest.approx(total_cost / 100, abs=1e-9)
    assert ex.detected["decimal mark"].startswith(f"'{mark}'")
    assert ex.detected["delimiter"].startswith(repr(delimiter))
    assert ex.detected["header row"].startswith(str(titles + 1))
