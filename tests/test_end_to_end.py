"""The demo county through the real readers: every planted bad row caught, nothing else."""

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest

from lotdesign.cli import main


def test_planted_rows_rejected_with_right_reason(demo_run):
    files, result = demo_run
    planted = pd.read_csv(files.planted)
    rejected = pd.read_csv(result.paths["rejected_rows"])
    got = dict(zip(rejected["source_row"], rejected["reason_code"], strict=True))
    want = dict(zip(planted["source_row"], planted["reason_code"], strict=True))
    assert got == want  # every planted row, with its reason, and no clean row
    assert len(set(planted["reason_code"])) >= 12


def test_demo_reconciles_exactly(demo_run):
    files, result = demo_run
    rec = pd.read_csv(result.paths["reconciliation"]).set_index("stage")
    parts = ["used", "excluded", "rejected"]
    assert rec.loc["read", "rows"] == rec.loc[parts, "rows"].sum()
    assert rec.loc["read", "hours"] == pytest.approx(rec.loc[parts, "hours"].sum(), abs=1e-6)
    raw = pd.read_excel(files.extract, sheet_name="Packages")
    assert rec.loc["read", "rows"] == len(raw)
    numeric = pd.to_numeric(raw["Planned Hrs/Wk"], errors="coerce").fillna(0).sum()
    assert rec.loc["read", "hours"] == pytest.approx(numeric)
    assert rec.loc["excluded", "rows"] > 0
    assert result.units["hours"].sum() == pytest.approx(rec.loc["used", "hours"])


def test_demo_units(demo_run):
    _, result = demo_run
    units = gpd.read_file(result.paths["units"], layer="units")
    assert 100 < len(units) < 250
    assert units["customers"].sum() == pytest.approx(2400, rel=0.05)
    assert units["neighbours"].ne("").all()
    assert set(units["rurality"]) <= {"urban", "town_fringe", "village_dispersed"}
    assert units["rurality"].nunique() == 3


def test_cli_errors_are_clear(tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_python_m_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "lotdesign", "--help"], capture_output=True, text=True, check=True
    )
    assert "demo" in out.stdout and "run" in out.stdout


def test_lots_gpkg_and_every_tier1_lot_passes(demo_run):
    _, result = demo_run
    lots = gpd.read_file(result.paths["lots"], layer="lots")
    units = gpd.read_file(result.paths["lots"], layer="units")
    assert {"unit_id", "lot_id", "tier", "hours", "customers"} <= set(units.columns)
    assert len(units) == len(result.units)
    assert units["hours"].sum() == pytest.approx(result.units["hours"].sum())
    tier1 = lots[lots["tier"] == 1]
    assert len(tier1) >= 15
    rules = ["hours_ok", "customers_ok", "radius_ok", "drive_ok"]
    assert tier1[rules].all().all()
    assert tier1["passes"].all()
    assert tier1["hours"].between(700, 1300).all()
    assert tier1["customers"].between(50, 110).all()
    assert (tier1["max_miles"] <= 7.0 + 1e-9).all()
    assert (tier1["max_minutes"] <= 15.0 + 1e-9).all()
    summary = pd.read_csv(result.paths["lot_summary"])
    assert set(summary["lot_id"]) == set(lots["lot_id"])


def test_cost_reconciles_with_extract(demo_run):
    _, result = demo_run
    scenario = result.cost.scenario
    county = result.cost.summary.query("level == 'county'").iloc[0]
    extract_cost = result.extract.packages["weekly_cost"].sum()
    assert scenario.attrs["extract_weekly_cost"] == pytest.approx(extract_cost)
    assert county["weekly_spend_current"] == pytest.approx(
        extract_cost + scenario.attrs["imputed_weekly_cost"]
    )
    lots = result.cost.summary.query("level == 'lot'")
    assert lots["weekly_spend_proposed"].sum() == pytest.approx(county["weekly_spend_proposed"])
    for name in ("cost_summary", "market_summary"):
        assert result.paths[name].exists()


def test_reports_folder_is_complete_offline_and_private(demo_run):
    import docx

    from lotdesign.disclosure import scan_for_personal_data
    from lotdesign.maps import find_external_resources

    _, result = demo_run
    out = result.spec.outputs.reports
    for name in ("lots_map.html", "report.docx", "report.html", "tables.xlsx", "lots.png"):
        assert (out / name).exists(), name
    html = (out / "lots_map.html").read_text(encoding="utf-8")
    assert find_external_resources(html) == []
    assert (out / "lots_map.html").stat().st_size < 5_000_000
    assert "SYNTHETIC" in html
    doc = docx.Document(out / "report.docx")
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert any(t.startswith("L01") for t in cells)
    assert "synthetic" in "\n".join(p.text for p in doc.paragraphs).lower()
    findings = scan_for_personal_data(
        out,
        customer_ids=result.extract.packages["customer_id"].unique(),
        postcodes=result.extract.packages["postcode"].unique(),
    )
    assert findings[findings["kind"] != "not_scanned"].empty, findings


def test_checks_flag_a_bad_hand_drawn_plan(demo_run):
    from lotdesign.checks import check_plan

    _, result = demo_run
    units = result.units
    # One "lot" per postcode district: some far too big, some far too small.
    hand_drawn = units[["unit_id"]].assign(lot_id=units["unit_id"].str.split(" ").str[0], tier=1)
    table, summary = check_plan(units, hand_drawn, customers=result.customers)
    failing = table[~table["passes"]]
    assert len(failing) > len(table) / 2
    assert summary["hours_breaches"] > 0 and summary["customers_breaches"] > 0
    assert failing["reasons"].map(lambda r: len(str(r)) > 10).all()
    assert (failing["rag"] != "green").all()
