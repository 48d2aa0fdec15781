"""Tests for lotdesign.columns: the one registry of shared columns, and its users.

The registry says what each shared column is (label, unit, format, whether it counts people,
what count a figure is computed over, whether it may be shared); the report, the maps and
the disclosure control read it instead of guessing from names. The last tests run on the demo
county: every column of every shared table it writes is registered, and the counts of people
among them are suppressed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lotdesign import columns, maps
from lotdesign.columns import Column, UnknownColumnError, UnregisteredColumnWarning
from lotdesign.disclosure import (
    is_count_column,
    safe_frame,
    scan_for_personal_data,
    suppress_counts,
    suppressed_label,
)
from lotdesign.errors import ValidationError
from lotdesign.report import ReportInputs, read_tables, report_tables, shareable_table

LABEL = suppressed_label(7)


@pytest.fixture
def scratch_registry(monkeypatch):
    """Register test columns without leaving them behind."""
    monkeypatch.setattr(columns, "_REGISTRY", dict(columns._REGISTRY))
    monkeypatch.setattr(columns, "_LABELS", {})


# --- The registry itself -----------------------------------------------------------------------


def test_every_entry_is_consistent():
    entries = [columns.column(n) for n in columns.names()]
    assert len(entries) > 100
    for entry in entries:
        assert entry.label.strip() and not entry.label[0].islower(), entry
        if entry.rate_of is not None:
            assert columns.column(entry.rate_of).counts_people, entry
        if entry.format is not None:
            assert entry.fmt(1234.5) != columns.MISSING
        assert entry.fmt(None) == columns.MISSING
        if entry.counts_people:
            assert entry.format is not None and entry.shareable, entry
    # A label read back from a written table means one thing for disclosure control.
    for entry in entries:
        same = columns.by_label(entry.label)
        assert len({(c.counts_people, c.rate_of, c.rule) for c in same}) == 1, same


def test_unknown_names_are_never_guessed():
    assert columns.get("customer") is None
    with pytest.raises(UnknownColumnError, match="customers") as error:
        columns.column("customer")
    assert isinstance(error.value, ValidationError)
    assert "register" in str(error.value)
    with pytest.raises(UnknownColumnError):
        columns.fmt("no_such_column", 5)
    with pytest.raises(UnknownColumnError):
        columns.label("no_such_column")


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("hours", 900.5, "900"),
        ("hours", 1234.0, "1,234"),
        ("customers", 70, "70"),
        ("customers", LABEL, LABEL),
        ("customers", None, "\u2013"),
        ("customers", np.nan, "\u2013"),
        ("customers", pd.NA, "\u2013"),
        ("annual_spend_current", 3688644.3, "\u00a33,688,644"),
        ("change_annual", -165000.0, "-\u00a3165,000"),
        ("change_annual", -0.2, "\u00a30"),
        ("cost_per_customer_week_proposed", 371.236, "\u00a3371.24"),
        ("share_hours", 0.9123, "91.2%"),
        ("change_pct", -4.495, "-4.5%"),
        ("provider_income_at_risk", 0.8, "80%"),
        ("tier", 1.0, "1"),
        ("tier", "total", "total"),
        ("lot_id", "L01", "L01"),
        ("passes", True, "Pass"),
        ("hours_ok", np.False_, "Fail"),
        ("contiguous", True, "Yes"),
        ("base_value", 11.44, "11.44"),
        ("max_miles", 5.1, "5.1"),
        ("year", 3, "3"),
    ],
)
def test_values_render_in_their_columns_format(name, value, text):
    assert columns.fmt(name, value) == text


def test_labels_and_units():
    assert columns.label("cost_per_customer_week_current") == "Cost per customer-week, current"
    assert columns.column("hours").unit == "hours a week"
    assert columns.column("cost_per_customer_week_current").unit == "\u00a3 per customer-week"
    assert columns.column("max_miles").unit == "miles"
    assert columns.by_label("CUSTOMERS") == (columns.column("customers"),)
    assert columns.by_label("share customers") == (columns.column("share_customers"),)


def test_excel_formats_follow_the_column_formats():
    assert columns.excel_format("hours") == "#,##0"
    assert columns.excel_format("cost_per_customer_week_current") == '"\u00a3"#,##0.00'
    assert columns.excel_format("share_hours") == "0.0%"
    assert columns.excel_format("change_pct") == '0.0"%"'
    assert columns.excel_format("lot_id") is None
    assert columns.excel_format("base_value") is None  # significant figures: General


def test_what_counts_people_and_what_may_be_shared():
    assert columns.column("customers").counts_people
    for name in ("customers_ok", "share_customers", "care_workers", "customers_breaches"):
        assert not columns.column(name).counts_people, name
    assert columns.column("share_customers").rate_of == "customers"
    assert columns.column("cost_per_customer_week_now").rate_of == "customers"
    for name in ("centre_x", "centre_y", "centre_id", "geometry", "easting"):
        assert not columns.column(name).shareable, name
    assert "centre_x" not in columns.names(shareable=True)


def test_register_a_column_of_ones_own(scratch_registry):
    columns.register(Column("carers_on_call", "Carers on call", "count", "{:,.0f}"))
    assert columns.fmt("carers_on_call", 12.0) == "12"
    with pytest.raises(ValidationError, match="already registered"):
        columns.register(Column("carers_on_call", "Carers", "count", "{:,.0f}"))
    columns.register(Column("carers_on_call", "Carers", "count", "{:,.0f}"), replace=True)
    assert columns.by_label("Carers")[0].name == "carers_on_call"
    with pytest.raises(ValidationError, match="rate_of"):
        columns.register(Column("spend_per_carer", "Spend per carer", rate_of="hours"))
    with pytest.raises(ValidationError, match="format"):
        Column("bad", "Bad", format="{:q}")


# --- Its users ---------------------------------------------------------------------------------


def test_disclosure_reads_the_registry_before_the_name():
    # Names that look like counts but are not, by the registry.
    assert not is_count_column("customers_ok")
    assert not is_count_column("share_customers")
    assert is_count_column("customers")
    # An unregistered name still meets the heuristics (a safety net).
    assert is_count_column("n_clients")
    frame = pd.DataFrame(
        {
            "customers": [5, 60],
            "customers_ok": [True, True],
            "share_customers": [0.04, 0.96],
            "customers_per_provider": [5.0, 6.0],
        }
    )
    out = suppress_counts(frame)
    assert out["customers"].tolist() == [LABEL, 60]
    assert out["customers_ok"].tolist() == [True, True]  # a rule check, not a count
    assert out["share_customers"].tolist() == [None, 0.96]  # blanked with its count
    assert out["customers_per_provider"].tolist() == [None, 6.0]


def test_safe_frame_refuses_what_the_registry_will_not_share():
    frame = pd.DataFrame({"lot_id": ["A"], "centre_x": [512000.0], "customers": [40]})
    with pytest.raises(ValidationError, match="centre_x"):
        safe_frame(frame, ["lot_id", "centre_x"])


def test_scanner_reads_registered_headers_by_label(tmp_path):
    (tmp_path / "t.html").write_text(
        "<table><tr><th>Area</th><th>Customers per provider</th><th>Share of customers</th>"
        "<th>Customers</th></tr><tr><td>A</td><td>5</td><td>1</td><td>4</td></tr></table>",
        encoding="utf-8",
    )
    findings = scan_for_personal_data(tmp_path)
    assert findings["value"].tolist() == ["Customers: 4"]


def test_shared_tables_keep_registered_columns_only():
    frame = pd.DataFrame(
        {
            "lot_id": ["A", "B"],
            "customers": [3, 40],
            "centre_x": [1.0, 2.0],
            "my_own_score": [0.5, 0.7],
        }
    )
    with pytest.warns(UnregisteredColumnWarning, match="my_own_score"):
        out = shareable_table(frame, "test")
    assert list(out.columns) == ["lot_id", "customers"]
    assert out["customers"].tolist() == [LABEL, 40]  # 40 is already a multiple of 5
    with pytest.raises(ValidationError, match="customer_id"):
        shareable_table(frame.assign(customer_id="C1"), "test")
    with pytest.raises(ValidationError, match="customers"):
        shareable_table(pd.DataFrame({"cost_per_customer_week_current": [200.0]}), "test")


def test_report_plan_summary_items_are_registered_columns():
    inputs = ReportInputs(
        "t",
        generated=dt.date(2025, 1, 2),
        plan_summary={"customers_outside_lots": 5, "customers_breaches": 2, "covered_share": 0.9},
    )
    table = report_tables(inputs)["plan_summary"]
    values = dict(zip(table["item"], table["value"], strict=True))
    assert values == {
        "customers_outside_lots": LABEL,  # people
        "customers_breaches": 2,  # lots, not people
        "covered_share": 0.9,
    }


def test_map_labels_come_from_the_registry():
    for fields in (maps.LOT_FIELDS, maps.UNIT_FIELDS):
        for name, text in fields.items():
            assert text == columns.label(name)
            assert columns.column(name).shareable


# --- The demo county ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports(demo_run) -> Path:
    _, result = demo_run
    return Path(result.paths["tables"]).parent


def _shared_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Every table written to the reports folder: the CSVs and each sheet of tables.xlsx."""
    tables = {
        path.name: pd.read_csv(path, dtype=object, keep_default_na=False)
        for path in sorted(folder.glob("*.csv"))
    }
    # The workbook's headings (with units) read back to column names by its Dictionary.
    for sheet, table in read_tables(folder / "tables.xlsx").items():
        tables[f"tables.xlsx:{sheet}"] = table
    return tables


def test_demo_writes_the_shared_tables(reports):
    tables = _shared_tables(reports)
    for name in ("lot_summary.csv", "cost_summary.csv", "market_summary.csv"):
        assert name in tables
    for sheet in ("lots", "tier_summary", "cost_summary", "projection", "market_summary"):
        assert f"tables.xlsx:{sheet}" in tables


def test_every_shared_column_of_the_demo_is_registered(reports):
    unknown = {}
    for name, table in _shared_tables(reports).items():
        names = list(table.columns)
        if list(table.columns) == ["item", "value"]:
            names += list(table["item"])  # a key-value table's items are columns too
        missing = [c for c in names if columns.get(str(c)) is None]
        hidden = [c for c in names if c not in missing and not columns.column(str(c)).shareable]
        if missing or hidden:
            unknown[name] = {"unregistered": missing, "not shareable": hidden}
    assert not unknown, unknown


def test_every_column_the_demo_run_gives_the_report_is_registered(demo_run):
    # The shared tables leave unregistered columns out, so look at what the run produced.
    _, result = demo_run
    frames = {
        "lot table": result.checks.table,
        "tier summary": result.tiers.summary.rename_axis("tier").reset_index(),
        "cost summary": result.cost.summary,
        "projection": result.cost.projection,
        "tornado": result.cost.tornado,
        "payment models": result.cost.payments,
        "market summary": result.market,
        "reconciliation": result.extract.reconciliation,
        "lot polygons": pd.DataFrame(result.checks.polygons),
    }
    plan = result.checks.summary
    items = list(plan.index) if isinstance(plan, pd.Series) else list(plan.columns)
    if list(getattr(plan, "columns", [])) == ["item", "value"]:
        items = list(plan["item"])
    missing = {
        name: [c for c in frame.columns if columns.get(str(c)) is None]
        for name, frame in {**frames, "plan summary": pd.DataFrame(columns=items)}.items()
    }
    assert not {k: v for k, v in missing.items() if v}, missing


def _number(cell) -> float | None:
    if cell is None or isinstance(cell, bool):
        return None
    try:
        number = float(str(cell).replace(",", ""))
    except ValueError:
        return None
    return None if np.isnan(number) else number


def _check_suppressed(tables: dict[str, pd.DataFrame], max_count: int) -> tuple[int, int]:
    """Assert no count of 1..max_count people and no figure over one is shown; return how
    many counts were suppressed and how many figures blanked."""
    label = suppressed_label(max_count)
    suppressed = blanked = 0
    for name, table in tables.items():
        for column in table.columns:
            entry = columns.get(str(column))
            if entry is None:
                continue
            if entry.counts_people:
                for cell in table[column]:
                    number = _number(cell)
                    assert number is None or not 0 < number <= max_count, (name, column, cell)
                    suppressed += cell == label
            if entry.rate_of is not None and entry.rate_of in table.columns:
                hidden = table.loc[table[entry.rate_of] == label, column]
                assert all(_number(v) is None for v in hidden), (name, column)
                blanked += len(hidden)
    return suppressed, blanked


def test_demo_shares_no_small_count_of_people(reports):
    _check_suppressed(_shared_tables(reports), 7)


@pytest.fixture(scope="module")
def demo_inputs(demo_run) -> ReportInputs:
    _, result = demo_run
    return ReportInputs(
        "Demo",
        synthetic=True,
        generated=dt.date(2025, 1, 2),
        tier_summary=result.tiers.summary,
        lot_table=result.checks.table,
        plan_summary=result.checks.summary,
        cost_summary=result.cost.summary,
        projection=result.cost.projection,
        tornado=result.cost.tornado,
        payment_models=result.cost.payments,
        market_summary=result.market,
        reconciliation=result.extract.reconciliation,
    )


def test_demo_counts_of_people_are_suppressed_and_rates_blanked(demo_inputs, tmp_path):
    # The demo's areas are too big for counts of 1-7, so suppress up to 100 to see the
    # control work on the real tables: counts, and the figures computed over them.
    from lotdesign.report import write_tables

    with warnings.catch_warnings():
        warnings.simplefilter("error", UnregisteredColumnWarning)
        path = write_tables(demo_inputs, tmp_path / "tables.xlsx", max_count=100)
    tables = read_tables(path)
    suppressed, blanked = _check_suppressed(tables, 100)
    assert suppressed > 10 and blanked > 10
    lots = tables["lots"]
    small = lots["customers"] == suppressed_label(100)
    assert small.any() and lots.loc[small, "share_customers"].isna().all()
    # Shares and rule checks are never shown as if they were counts: they are real values
    # where the lot's count is shown, and blank only where it is suppressed.
    for column in ("customers_ok", "share_customers", "hours_ok"):
        assert not lots[column].isin([suppressed_label(100), "[c]"]).any()
        assert lots.loc[small, column].isna().all()
    assert lots.loc[~small, "customers_ok"].isin([True, False]).all()
    assert lots.loc[~small, "share_customers"].notna().all()


def test_demo_map_shows_registered_columns_as_formatted_text(reports):
    page = (reports / "lots_map.html").read_text(encoding="utf-8")
    features = []
    for match in re.finditer(r"_add\((\{\"features\".*?\})\);\n", page):
        features.extend(json.loads(match.group(1))["features"])
    assert features
    for feature in features:
        for name, value in feature["properties"].items():
            assert columns.get(name) is not None and columns.column(name).shareable, name
            assert isinstance(value, str), (name, value)  # display text, never a raw figure
