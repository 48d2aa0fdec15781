"""lotdesign sweep: grids checked by the strict spec, Dask runs, the cache and the outputs."""

from __future__ import annotations

import copy
import io

import pandas as pd
import pytest
import yaml

from lotdesign import columns
from lotdesign.cli import main
from lotdesign.errors import ValidationError
from lotdesign.sweep import expand_grid, run_sweep
from lotdesign.sweep.grid import input_key, result_key, set_path
from lotdesign.sweep.runner import TABLE_COLUMNS

GRID = {
    "name": "Tiny bands",
    "grid": {
        "band": {
            "600-1,200": {"rules.min_hours": 600, "rules.max_hours": 1200},
            "700-1,300": {"rules.min_hours": 700, "rules.max_hours": 1300},
        },
        "rules.max_drive_minutes": [12, 15],
    },
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny synthetic county (one district, 500 customers, ~30 postcode sectors)."""
    from lotdesign.datasets.demo import make_demo

    root = tmp_path_factory.mktemp("tiny")
    files = make_demo(
        root / "raw",
        districts=["E07000227"],
        n_customers=500,
        processed_dir=str(root / "processed"),
        reports_dir=str(root / "reports"),
    )
    return files.config


def _config(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_set_path_makes_sections_and_refuses_values():
    data = {"rules": {"min_hours": 700}, "units": "postcode_sector"}
    set_path(data, "rules.tier2.min_hours", 200)
    set_path(data, "travel.speed_mph.urban", 18)
    assert data["rules"] == {"min_hours": 700, "tier2": {"min_hours": 200}}
    assert data["travel"] == {"speed_mph": {"urban": 18}}
    with pytest.raises(ValidationError, match="'units' is a value"):
        set_path(data, "units.kind", 1)


def test_grid_expands_axes_and_scenarios_in_order(tiny):
    grid = copy.deepcopy(GRID)
    grid["scenarios"] = [{"name": "viable", "set": {"rules.policy": "viable"}}]
    grid["set"] = {"rules.search": "standard"}
    found = expand_grid(_config(tiny), grid, base=tiny.parent)
    assert [s.name for s in found] == [
        "600-1,200, max_drive_minutes=12",
        "600-1,200, max_drive_minutes=15",
        "700-1,300, max_drive_minutes=12",
        "700-1,300, max_drive_minutes=15",
        "viable",
    ]
    first = found[0]
    assert first.spec.lot_rules().min_hours == 600
    assert first.spec.lot_rules().max_drive_minutes == 12
    assert first.changes["rules.search"] == "standard"
    assert found[-1].spec.rules.policy == "viable"
    # Same inputs, one shared read; different rules, different results.
    assert len({input_key(s.spec) for s in found}) == 1
    keys = {result_key(s.spec, until="cost", compare_policies=False) for s in found}
    assert len(keys) == 5


def test_a_typo_fails_before_any_work_with_did_you_mean(tiny):
    grid = {"grid": {"rules.min_hour": [600, 700], "rule.max_hours": [1200]}}
    with pytest.raises(ValidationError) as info:
        expand_grid(_config(tiny), grid, base=tiny.parent)
    text = str(info.value)
    assert "did you mean 'rules.min_hours'?" in text
    assert "did you mean 'rules'?" in text
    assert "scenario 'min_hour=600, max_hours=1200'" in text
    # Values are checked by the spec too, and keys of the sweep itself are refused.
    with pytest.raises(ValidationError, match=r"min_hours 900 is above max_hours 800"):
        expand_grid(
            _config(tiny), {"scenarios": [{"name": "x", "set": {
                "rules.min_hours": 900, "rules.max_hours": 800}}]}, base=tiny.parent,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="belongs to the sweep"):
        expand_grid(_config(tiny), {"grid": {"sweep.workers": [1, 2]}}, base=tiny.parent)
    with pytest.raises(ValidationError, match="did you mean 'scenarios'"):
        expand_grid(_config(tiny), {"scenario": []}, base=tiny.parent)


def test_cli_refuses_a_bad_grid_before_starting_a_cluster(tiny, tmp_path, capsys):
    grid = tmp_path / "grid.yaml"
    grid.write_text("grid:\n  rules.max_hour: [1200, 1300]\n", encoding="utf-8")
    assert main(["sweep", str(tiny), "--grid", str(grid), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'rules.max_hours'?" in err


def test_sweep_on_a_local_cluster_caches_and_compares(tiny, tmp_path):
    out = tmp_path / "out"
    first = run_sweep(tiny, GRID, workers=2, out=out, quiet=True)
    table = first.table
    assert list(table["scenario"]) == [s.name for s in first.scenarios]
    assert first.timings["computed"] == 4 and first.timings["inputs"] == 1
    assert (table["cached"] == "no").all()
    assert table["lots"].ge(1).all() and table["tier1_share"].between(0, 1).all()
    assert table["mean_hours"].between(600, 1300).all()
    assert table["months_to_viable_median"].notna().all()
    # A wider band never leaves less in Tier 1 here; the shorter drive never more.
    by = table.set_index("scenario")
    assert (
        by.loc["600-1,200, max_drive_minutes=15", "lots"]
        >= by.loc["700-1,300, max_drive_minutes=15", "lots"]
    )
    for path in first.paths.values():
        assert path.exists() and path.stat().st_size > 0
    shared = pd.read_csv(first.paths["comparison"])
    assert set(shared.columns) <= set(TABLE_COLUMNS)
    assert all(columns.get(c) is not None for c in TABLE_COLUMNS)
    assert set(first.lots) == set(table["scenario"])

    # A re-run computes nothing; changing one axis value computes only the new scenarios.
    again = run_sweep(tiny, GRID, out=out, quiet=True, write=False)
    assert again.timings["computed"] == 0 and (again.table["cached"] == "yes").all()
    pd.testing.assert_frame_equal(
        again.table.drop(columns=["cached", "seconds"]),
        table.drop(columns=["cached", "seconds"]),
        check_dtype=False,
    )
    changed = copy.deepcopy(GRID)
    changed["grid"]["rules.max_drive_minutes"] = [15, 18]
    third = run_sweep(tiny, changed, processes=False, out=out, quiet=True, write=False)
    assert third.timings["computed"] == 2 and third.timings["cached"] == 2


def test_a_sweep_comparison_becomes_the_reports_scenarios_section(tiny, tmp_path):
    from lotdesign.pipeline import run

    out = tmp_path / "sweep"
    swept = run_sweep(tiny, GRID, processes=False, out=out, quiet=True)
    config = _config(tiny)
    config.setdefault("report", {})["sweep"] = str(swept.paths["comparison"])
    config["report"]["formats"] = ["html"]
    config["outputs"] = {"processed": str(tmp_path / "processed"), "reports": str(tmp_path / "r")}
    path = tiny.parent / "with_sweep.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = run(path, quiet=True)
    html = result.paths["report_html"].read_text(encoding="utf-8")
    assert "Scenarios compared" in html
    for scenario in swept.table["scenario"]:
        assert scenario in html

    bad = tmp_path / "not_a_sweep.csv"
    bad.write_text("lot,hours\nL01,700\n", encoding="utf-8")
    config["report"]["sweep"] = str(bad)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(ValidationError, match="report.sweep: not_a_sweep.csv has no 'scenario'"):
        run(path, quiet=True, until="report")


def test_a_national_authority_with_only_rural_zones_runs():
    # E07000009 (East Cambridgeshire) has too few proxy customers for a Tier 1 lot: its
    # plan is Tier 2 zones only, whose centres once reached the checks as object columns.
    from lotdesign.sweep.national import _authority

    row = _authority("E07000009", 180, 0, "lots")
    assert "reason" not in row, row.get("reason")
    assert row["tier2_zones"] >= 1 and row["lots"] == 0
    # national.csv is written rounded by unit: no 17-digit hours or seconds.
    from lotdesign.sweep.national import _rounded

    written = _rounded(pd.DataFrame([row])).to_csv(index=False)
    frame = pd.read_csv(io.StringIO(written))
    for column in ("hours", "seconds", "design_seconds"):
        assert frame[column].iloc[0] == round(row[column], 1), column
    floats = frame.select_dtypes("float").to_numpy()
    assert (floats[~pd.isna(floats)] == floats[~pd.isna(floats)].round(3)).all()
