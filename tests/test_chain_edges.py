"""Valid extracts never stop after the reader: the whole chain on edge-case extracts.

Each extract here is valid data a council could hand over, on real postcodes of the packaged
lookup: one with no lot at all (87 hours in all), one whose every customer but one joins a
lot (one spot-purchased customer left, far from the rest), and the same written in minutes.
They run from the reader through units, lots, tiers, checks, cost and market, and their maps
draw; the hours reconcile from the extract to the cost model.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from lotdesign import cost
from lotdesign.io.lookups import read_postcode_lookup
from lotdesign.pipeline import run
from lotdesign.spec import spec_from_dict
from tests.conftest import DATA

COLUMNS = {
    "customer_id": "Person ID",
    "postcode": "Post Code",
    "weekly_hours": "Planned Hrs/Wk",
    "weekly_cost": "Weekly Cost",
    "provider": "Provider Name",
}
N_LOT = 60  # customers in two Leeds sectors: one Tier 1 lot of 795 hours


def _leeds_postcodes() -> list[str]:
    """Sixty real postcodes: the first thirty of sectors LS6 1 and LS6 2 that have a grid."""
    wanted = [f"LS6 {s}{a}{b}" for s in "12" for a in "ABDEFGHJ" for b in "ABDEFGHJLNPQRSTUWXYZ"]
    lookup = read_postcode_lookup("packaged", postcodes=wanted).dropna(subset=["easting"])
    found = sorted(lookup["postcode"])
    picked = [p for p in found if p.startswith("LS6 1")][:30]
    picked += [p for p in found if p.startswith("LS6 2")][:30]
    assert len(picked) == N_LOT
    return picked


def _lines(minutes: bool) -> list[str]:
    header = "Planned Mins/Wk" if minutes else "Planned Hrs/Wk"
    lines = [f"Person ID,Post Code,{header},Weekly Cost,Provider Name"]
    for i, postcode in enumerate(_leeds_postcodes()):
        hours = 13.0 if i % 2 else 13.5
        amount = f"{hours * 60:g}" if minutes else f"{hours:g}"
        provider = "Aire Care" if i % 3 else "Wharfe Homecare"
        lines.append(f"P{i:03d},{postcode},{amount},{hours * 28.75:.2f},{provider}")
    # One customer in Norwich, 230 km away: no lot can take them, so they stay spot-purchased.
    lines.append(f"P999,NR1 3AA,{600 if minutes else 10},287.50,Broadland Care")
    return lines


def _run(tmp_path, name: str, text: str, **inputs):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "extract.csv").write_text(text)
    config = {
        "name": name,
        "inputs": {"packages": "extract.csv", "as_of": "2026-11-01", **inputs},
    }
    config["inputs"].setdefault("columns", COLUMNS)
    spec = spec_from_dict(config, base=folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return run(spec, quiet=True, until="cost", write=False)


def _reconciles_to_cost(result, hours: float) -> None:
    rec = result.extract.reconciliation.set_index("stage")
    assert rec.loc["used", "hours"] == pytest.approx(hours, abs=1e-9)
    assert result.units["hours"].sum() == pytest.approx(hours, abs=1e-9)
    assert result.tiers.assignment["hours"].sum() == pytest.approx(hours, abs=1e-9)
    county = result.cost.summary.query("level == 'county'").iloc[0]
    assert county["weekly_spend_current"] == pytest.approx(
        result.extract.packages["weekly_cost"].sum(), abs=0.01
    )


def test_one_spot_purchased_customer_left(tmp_path):
    result = _run(tmp_path, "one_spot", "\n".join(_lines(minutes=False)) + "\n")
    tiers = result.tiers.assignment.set_index("unit_id")["tier"]
    assert tiers.to_dict() == {"LS6 1": 1, "LS6 2": 1, "NR1 3": 3}
    _reconciles_to_cost(result, 30 * 13.5 + 30 * 13.0 + 10)
    spot = result.cost.scenario.query("arrangement == 'spot'")
    assert spot["customer_id"].tolist() == ["P999"]
    assert np.isfinite(spot["model_price_proposed"]).all()


def test_minutes_give_the_same_chain_as_hours(tmp_path):
    hours = _run(tmp_path, "hours", "\n".join(_lines(minutes=False)) + "\n")
    minutes = _run(
        tmp_path,
        "minutes",
        "\n".join(_lines(minutes=True)) + "\n",
        columns={**COLUMNS, "weekly_hours": "Planned Mins/Wk"},
        hours_unit="minutes",
    )
    _reconciles_to_cost(minutes, 805.0)
    pd.testing.assert_frame_equal(
        hours.tiers.assignment.reset_index(drop=True),
        minutes.tiers.assignment.reset_index(drop=True),
    )
    assert set(minutes.checks.table.columns) >= {"lot_id", "passes"}


def test_no_lot_at_all_runs_and_maps(tmp_path):
    text = (DATA / "extracts" / "plain.csv").read_text()
    columns = {**COLUMNS, "weekly_hours": "Planned Hrs/Wk"}
    result = _run(tmp_path, "tiny", text, columns=columns)
    assert result.plan.lots.empty
    assert (result.tiers.assignment["tier"] == 3).all()
    _reconciles_to_cost(result, 87.0)
    # The plan's empty lot table has the columns of a plan with lots.
    lots_run = _run(tmp_path, "lots", "\n".join(_lines(minutes=False)) + "\n")
    assert list(result.plan.lots.columns) == list(lots_run.plan.lots.columns)
    assert result.checks.table.empty and result.checks.polygons.empty

    from lotdesign import maps

    unit_polys = result.units[["unit_id", "geometry"]].merge(
        result.tiers.assignment[["unit_id", "lot_id", "tier"]], on="unit_id"
    )
    lots = gpd.GeoDataFrame(result.checks.polygons, geometry="geometry", crs="EPSG:27700")
    out = tmp_path / "maps"
    out.mkdir()
    maps.lots_map(lots, unit_polys, path=out / "lots_map.html", title="No lots")
    assert (out / "lots_map.html").stat().st_size > 1000
    written = maps.static_map(lots, unit_polys, path=out / "lots.png", title="No lots")
    assert all(p.stat().st_size > 1000 for p in written)


def test_patch_travel_with_every_customer_on_one_point():
    lines = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "weekly_hours": [10.0, 5.0],
            "easting": [430000.0, 430000.0],
            "northing": [435000.0, 435000.0],
            "rurality": ["urban", "urban"],
            "lot_id": ["L1", "L1"],
        }
    )
    out = cost.patch_travel(lines, by="lot_id")
    assert out["area_source"].tolist() == ["typical"]
    assert np.isfinite(out["price_per_hour"]).all() and (out["price_per_hour"] > 0).all()
    one = cost.patch_travel(lines.iloc[:1], by="lot_id")
    assert np.isfinite(one["price_per_hour"]).all()
