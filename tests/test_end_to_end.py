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
