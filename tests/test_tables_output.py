"""Tables an analyst can use: rounded CSVs, a data dictionary, a formatted workbook."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from lotdesign import columns
from lotdesign.disclosure import scan_for_personal_data, suppressed_label
from lotdesign.report import (
    ReportInputs,
    read_tables,
    round_for_sharing,
    write_dictionary,
    write_tables,
)
from lotdesign.report.dictionary import DICTIONARY_COLUMNS, data_dictionary, round_value

SUPPRESSED = suppressed_label()
# A number written with more decimals than anything shared keeps (6 is the most: degrees).
_OVER_PRECISE = re.compile(r"^-?\d*\.\d{7,}$")


# --- The registry ------------------------------------------------------------------------------


def test_every_built_in_column_says_what_it_means_and_where_it_comes_from():
    missing = [
        name
        for name in columns.names()
        if not (columns.column(name).meaning and columns.column(name).source)
    ]
    assert not missing


@pytest.mark.parametrize(
    ("name", "places"),
    [
        ("hours", 1),
        ("start_hours_month", 1),
        ("annual_spend_current", 2),
        ("cost_per_customer_week_current", 2),
        ("price_per_hour_current", 2),
        ("customers", 0),
        ("observed_starts", 0),
        ("lots", 0),
        ("share_hours", 3),
        ("provider_income_at_risk", 3),
        ("change_pct", 1),
        ("max_miles", 1),
        ("miles_per_visit_current", 2),
        ("max_minutes", 1),
        ("months_to_viable", 0),
        ("hhi", 1),
        ("lot_id", None),
        ("base_value", None),
    ],
)
def test_decimals_follow_the_unit(name, places):
    assert columns.decimals(name) == places


def test_a_column_can_set_its_own_decimals_and_bad_ones_are_refused():
    entry = columns.Column("bank_hours", "Bank hours", "hours a week", "{:,.0f}", decimals=0)
    assert entry.decimals == 0
    with pytest.raises(columns.ValidationError, match="decimals"):
        columns.Column("bad", "Bad", "hours a week", "{:,.0f}", decimals=-1)


def test_headings_carry_the_unit_once():
    assert columns.heading("hours") == "Weekly hours (hours a week)"
    assert columns.heading("annual_spend_proposed") == "Annual spend, proposed (£ a year)"
    assert columns.heading("customers") == "Customers"  # a plain count needs no unit
    assert columns.heading("max_miles") == "Max distance (miles)"  # already in the label
    assert columns.heading("lot_id") == "Lot"
    # The disclosure scan reads a workbook heading back to its column.
    assert [c.name for c in columns.by_label("Weekly hours (hours a week)")] == ["hours"]


# --- Rounding ----------------------------------------------------------------------------------


def test_rounding_by_unit_keeps_suppressed_counts_and_writes_no_fraction_of_a_person():
    frame = pd.DataFrame(
        {
            "lot_id": ["L01", "L02", "L03"],
            "customers": pd.Series([SUPPRESSED, 70.0, "[c]"], dtype=object),
            "hours": [936.75, 1018.7500000000002, 12.04999],
            "annual_spend_current": [45263030.4159, 0.005, -1.234],
            "share_hours": [0.030922985508203216, 0.5, None],
            "care_workers": [31.225, 33.958333333333336, 0.0],
            "base_value": [28.65697306308388, 0.0125, 123456789.0],
        }
    )
    out = round_for_sharing(frame)
    assert list(out["customers"]) == [SUPPRESSED, 70, "[c]"]  # never un-suppressed
    assert isinstance(out["customers"].iloc[1], int)
    assert list(out["hours"]) == [936.8, 1018.8, 12.0]  # halves away from zero
    assert list(out["annual_spend_current"]) == [45263030.42, 0.01, -1.23]
    assert out["share_hours"].iloc[0] == 0.031 and pd.isna(out["share_hours"].iloc[2])
    assert list(out["care_workers"]) == [31.2, 34.0, 0.0]
    assert list(out["base_value"]) == [28.657, 0.0125, 123457000.0]
    text = out.to_csv(index=False)
    assert not any(
        _OVER_PRECISE.match(cell) for line in text.splitlines() for cell in line.split(",")
    )
    # The input is not changed.
    assert frame["hours"].iloc[0] == 936.75


def test_whole_number_columns_are_written_without_a_decimal_point():
    frame = pd.DataFrame({"customers": [70.0, None], "months_to_viable": [28.0, 24.4]})
    text = round_for_sharing(frame).to_csv(index=False)
    assert text.splitlines() == ["customers,months_to_viable", "70,28", ",24"]


def test_key_value_tables_round_by_item_and_ranges_by_metric():
    plan = pd.DataFrame(
        {
            "item": ["hours_total", "customers_total", "covered_share", "unknown_item"],
            "value": pd.Series([30293.04, 2400.0, 0.89844, 1.23456789], dtype=object),
        }
    )
    out = round_for_sharing(plan)
    assert list(out["value"]) == [30293.0, 2400, 0.898, 1.23456789]
    ranges = pd.DataFrame(
        {
            "metric": ["change_pct", "miles_saved_week", "change_year1"],
            "base": [0.123456, 41039.81378512056, 1234.5678],
            "p10": [0.1, 39922.9637879639, 1.005],
        }
    )
    out = round_for_sharing(ranges)
    assert list(out["base"]) == [0.1, 41039.8, 1234.57]  # % points, miles, then £ (its own)
    assert list(out["p10"]) == [0.1, 39923.0, 1.01]


def test_round_value_leaves_text_and_missing_alone():
    assert round_value("1\u20137", 0) == "1\u20137"
    assert round_value(None, 1) is None
    assert round_value(True, 0) is True
    assert round_value(-0.04, 1) == 0.0 and str(round_value(-0.04, 1)) == "0.0"


# --- The workbook ------------------------------------------------------------------------------


def _inputs() -> ReportInputs:
    lots = pd.DataFrame(
        {
            "lot_id": ["L01", "L02", "T301"],
            "tier": [1, 1, 2],
            "hours": [936.75, 1018.7500000000002, 160.2],
            "customers": [70, 85, 5],
            "max_miles": [3.9655567083905323, 1.89, 6.2],
            "share_hours": [0.030922985508203216, 0.0336, 0.005],
            "passes": [True, False, True],
            "reasons": ["", "hours above 1,300", ""],
        }
    )
    cost = pd.DataFrame(
        {
            "level": ["county", "lot", "lot", "lot"],
            "area": ["county", "L01", "L02", "T301"],
            "customers": [160, 70, 85, 5],
            "hours": [2115.7, 936.75, 1018.75, 160.2],
            "weekly_spend_current": [60000.123, 26000.5, 29000.456, 4999.1],
            "cost_per_customer_week_current": [375.0, 371.4357, 341.1818, 999.82],
            "change_pct": [-1.23456, -2.5, 0.0, 1.0],
        }
    )
    return ReportInputs(
        "Test lots",
        synthetic=True,
        generated=dt.date(2025, 1, 2),
        lot_table=lots,
        cost_summary=cost,
        plan_summary={"hours_total": 2115.7, "customers_total": 160, "covered_share": 0.92511},
        data_sources=[("ONS Postcode Directory", "Feb 2025, OGL v3")],
    )


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tables")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no run, so no secondary suppression
        return write_tables(_inputs(), folder / "tables.xlsx")


def _table_sheets(book) -> list:
    return [s for s in book.worksheets if s.title not in ("README", "Dictionary")]


def test_workbook_has_a_dictionary_second_and_frozen_filtered_sheets(workbook):
    book = load_workbook(workbook)
    assert book.sheetnames[:2] == ["README", "Dictionary"]
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes is not None and sheet.freeze_panes.endswith("2"), sheet.title
        width = sheet.max_column
        letter = sheet.cell(row=1, column=width).column_letter
        assert sheet.auto_filter.ref == f"A1:{letter}{max(sheet.max_row, 2)}", sheet.title
        for c in range(1, width + 1):
            dimension = sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter]
            assert 9 <= dimension.width <= 102, (sheet.title, c)
        assert sheet.cell(row=1, column=1).font.bold
        assert sheet.page_setup.orientation == "landscape"
    # The lot table keeps its identifiers (lot, tier) in view when scrolling right.
    assert book["lots"].freeze_panes == "C2"
    readme = [row[0] for row in book["README"].iter_rows(values_only=True)]
    assert any(text and "Dictionary" in text for text in readme)
    assert any(text and "rounded by unit" in text for text in readme)


def test_workbook_headings_have_units_and_numbers_have_registered_formats(workbook):
    book = load_workbook(workbook)
    lots = book["lots"]
    header = [c.value for c in lots[1]]
    assert header == [
        "Lot",
        "Tier",
        "Weekly hours (hours a week)",
        "Customers",
        "Max distance (miles)",
        "Share of hours (%)",
        "Passes every rule",
        "Reasons",
    ]
    row = {h: cell for h, cell in zip(header, lots[2], strict=True)}
    assert row["Weekly hours (hours a week)"].value == 936.8
    assert row["Weekly hours (hours a week)"].number_format == "#,##0.0"
    assert row["Customers"].number_format == "#,##0" and row["Customers"].value == 70
    assert row["Share of hours (%)"].value == 0.031
    assert row["Share of hours (%)"].number_format == "0.0%"
    assert row["Max distance (miles)"].number_format == "#,##0.0"
    cost = book["cost_summary"]
    header = [c.value for c in cost[1]]
    first = {h: cell for h, cell in zip(header, cost[2], strict=True)}
    spend = first["Weekly spend, current (£ a week)"]
    assert spend.value == 60000.12 and spend.number_format == '"£"#,##0.00'
    per_customer = first["Cost per customer-week, current (£ per customer-week)"]
    assert per_customer.number_format == '"£"#,##0.00'
    assert first["Change (%)"].number_format == '0.0"%"' and first["Change (%)"].value == -1.2
    # Every number in a registered column is formatted, none is left General.
    for sheet in _table_sheets(book):
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    assert cell.number_format != "General", (sheet.title, cell.coordinate)


def test_workbook_keeps_suppression_and_reads_back_to_column_names(workbook):
    tables = read_tables(workbook)
    lots = tables["lots"]
    assert list(lots.columns[:4]) == ["lot_id", "tier", "hours", "customers"]
    t3 = lots[lots["lot_id"] == "T301"].iloc[0]
    assert t3["customers"] == SUPPRESSED
    by_lot = tables["cost_summary"]
    t3 = by_lot[by_lot["area"] == "T301"].iloc[0]
    assert t3["customers"] == SUPPRESSED and t3["cost_per_customer_week_current"] is None
    plan = dict(tables["plan_summary"].itertuples(index=False, name=None))
    assert plan["covered_share"] == 0.925 and plan["hours_total"] == 2115.7


def test_workbook_dictionary_covers_every_column_and_item(workbook):
    book = load_workbook(workbook, read_only=True)
    rows = list(book["Dictionary"].iter_rows(values_only=True))
    written = {}
    for sheet in _table_sheets(book):
        written[sheet.title] = [c for c in next(sheet.iter_rows(values_only=True))]
    book.close()
    dictionary = pd.DataFrame(rows[1:], columns=rows[0])
    assert list(dictionary.columns) == [
        "Column (CSV name)",
        "Heading in tables.xlsx",
        "Meaning",
        "Unit",
        "Rounded to",
        "Source / derivation",
        "Appears in",
    ]
    assert dictionary["Meaning"].map(bool).all() and dictionary["Source / derivation"].all()
    headings = set(dictionary["Heading in tables.xlsx"])
    for sheet, header in written.items():
        assert set(header) <= headings, sheet
    names = set(dictionary["Column (CSV name)"])
    assert {"hours_total", "customers_total", "covered_share"} <= names  # plan items
    hours = dictionary.set_index("Column (CSV name)").loc["hours"]
    assert hours["Unit"] == "hours a week" and hours["Rounded to"] == "0.1"
    assert "lots" in hours["Appears in"].split("; ")
    share = dictionary.set_index("Column (CSV name)").loc["share_hours"]
    assert share["Unit"].startswith("share from 0 to 1") and share["Rounded to"] == "0.001"


def test_dictionary_csv_covers_the_csvs_and_the_workbook(workbook, tmp_path):
    folder = workbook.parent
    round_for_sharing(pd.DataFrame({"lot_id": ["L01"], "miles_saved_week": [4.04]})).to_csv(
        folder / "travel.csv", index=False
    )
    path = write_dictionary(folder)
    assert path.name == "dictionary.csv"
    dictionary = pd.read_csv(path, keep_default_na=False)
    assert tuple(dictionary.columns) == DICTIONARY_COLUMNS
    places = dictionary.set_index("column")["appears_in"]
    assert "travel.csv" in places["lot_id"] and "tables.xlsx:lots" in places["lot_id"]
    assert places["miles_saved_week"] == "travel.csv"
    assert (dictionary["meaning"] != "").all()
    # The dictionaries are shared too: they hold nothing the privacy scan objects to.
    findings = scan_for_personal_data(folder, customer_ids=["CUST000123"], postcodes=["RH12 4AB"])
    assert findings[findings["kind"] != "not_scanned"].empty, findings.to_dict("records")
    with pytest.raises(columns.ValidationError, match="folder"):
        write_dictionary(path)


def test_dictionary_csv_leaves_out_a_workbook_it_cannot_read(tmp_path):
    pd.DataFrame({"lot_id": ["L01"], "hours": [900.5]}).to_csv(tmp_path / "a.csv", index=False)
    (tmp_path / "tables.xlsx").write_bytes(b"not a workbook")
    with pytest.warns(UserWarning, match="tables.xlsx cannot be read"):
        path = write_dictionary(tmp_path)
    assert list(pd.read_csv(path)["column"]) == ["lot_id", "hours"]


def test_dictionary_says_when_a_column_is_not_registered():
    table = data_dictionary({"x.csv": ["hours", "my_own_column"]})
    row = table.set_index("column").loc["my_own_column"]
    assert "Not in the column registry" in row["meaning"]


# --- The demo's shared files ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_reports(demo_run) -> Path:
    _, result = demo_run
    return Path(result.paths["tables"]).parent


def _places_of(name: str) -> int | None:
    entry = columns.get(name)
    return None if entry is None or entry.format is None else columns.decimals(name)


def test_demo_csvs_have_no_over_precise_figure_and_no_fraction_of_a_person(demo_reports):
    csvs = sorted(demo_reports.glob("*.csv"))
    assert {"lot_summary.csv", "cost_summary.csv", "dictionary.csv"} <= {p.name for p in csvs}
    bad = []
    for path in csvs:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for name in table.columns:
            places = _places_of(name)
            people = columns.get(name) is not None and columns.column(name).counts_people
            for value in table[name]:
                if _OVER_PRECISE.match(value):
                    bad.append((path.name, name, value))
                    continue
                if not re.fullmatch(r"-?\d+(\.\d+)?", value):
                    continue  # text, blank or a suppressed count ("1–7", "[c]")
                decimals = len(value.split(".")[1]) if "." in value else 0
                if people and decimals or places is not None and decimals > places:
                    bad.append((path.name, name, value))
    assert not bad, bad[:20]


def test_demo_dictionary_covers_every_column_written(demo_reports):
    dictionary = pd.read_csv(demo_reports / "dictionary.csv", keep_default_na=False)
    described = dictionary.set_index("column")
    assert (dictionary["meaning"] != "").all() and (dictionary["source"] != "").all()
    missing = []
    for path in sorted(demo_reports.glob("*.csv")):
        if path.name == "dictionary.csv":
            continue
        for name in pd.read_csv(path, nrows=0).columns:
            if name not in described.index or path.name not in described.loc[name, "appears_in"]:
                missing.append((path.name, name))
    for sheet, table in read_tables(demo_reports / "tables.xlsx").items():
        names = list(table.columns)
        if names == ["item", "value"]:
            names += list(table["item"])
        for name in names:
            if name not in described.index:
                missing.append((f"tables.xlsx:{sheet}", name))
    assert not missing, missing


def test_demo_workbook_is_formatted(demo_reports):
    book = load_workbook(demo_reports / "tables.xlsx")
    assert book.sheetnames[1] == "Dictionary"
    general = []
    for sheet in _table_sheets(book):
        assert sheet.freeze_panes is not None and sheet.auto_filter.ref, sheet.title
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, float) and cell.number_format == "General":
                    general.append((sheet.title, cell.coordinate))
    # Only figures whose unit varies by row (a parameter's value) keep General.
    assert all(title in ("parameters", "tornado") for title, _ in general), general[:10]
    lots = [c.value for c in book["lots"][1]]
    assert "Weekly hours (hours a week)" in lots and "Customers" in lots
