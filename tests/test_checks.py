"""Tests for lotdesign.checks: rule-by-rule tables for engine and hand-drawn plans."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lotdesign.checks import RULES, check_plan, lot_polygons
from lotdesign.datasets.synthetic import grid_units
from lotdesign.errors import ValidationError
from lotdesign.lots import LotRules, design

SMALL = LotRules(
    min_hours=150,
    max_hours=320,
    min_customers=10,
    max_customers=30,
    max_radius_miles=3.0,
    max_drive_minutes=10.0,
)


@pytest.fixture(scope="module")
def units():
    return grid_units(144, seed=21)  # a 12 x 12 grid of 1.5 km cells


def _block(units, rows, cols, side=12):
    """Unit ids of a rectangle of grid cells."""
    return [f"S{r * side + c:05d}" for r in rows for c in cols]


def test_engine_plan_passes_every_check(units) -> None:
    plan = design(units, rules=SMALL, seed=1)
    table, summary = check_plan(units, plan.assignment, rules=SMALL, centres=plan.lots)
    tier1 = table[table["tier"].eq(1)]
    assert len(tier1) == int(plan.lots["valid"].sum()) > 0
    assert tier1["passes"].all() and (tier1["rag"] == "green").all()
    assert summary["tier1_lots_passing"] == summary["tier1_lots"]
    # Only oversize units (own lots, Tier 4) can breach: their hours exceed the ceiling.
    others = table[~table["tier"].eq(1)]
    assert (others["tier"] == 4).all() and not others["hours_ok"].any()
    assert summary["rule_breaches"] == int((~others[[f"{r}_ok" for r in RULES]]).to_numpy().sum())
    assert summary["hours_in_passing_tier1"] == pytest.approx(plan.objective["covered_hours"])
    assert summary["objective"] == pytest.approx(plan.objective["value"])
    # The centres the engine chose are the units the checks report.
    assert set(tier1["centre_id"]) == set(plan.lots.loc[plan.lots["valid"], "centre_id"])


def test_bad_hand_drawn_plan_is_flagged_with_reasons(units) -> None:
    big = _block(units, range(0, 12), range(0, 6))  # half the county: far too much
    split = ["S00140", "S00011"]  # two opposite corners: wide and in two parts
    small = ["S00066"]  # one unit: below both floors
    rows = [(u, "BIG") for u in big] + [(u, "SPLIT") for u in split] + [(u, "SMALL") for u in small]
    assignment = pd.DataFrame(rows, columns=["unit_id", "lot_id"])
    table, summary = check_plan(units, assignment, rules=SMALL)
    t = table.set_index("lot_id")
    assert not t["passes"].any() and (t["rag"] == "red").all()
    assert not t.loc["BIG", "hours_ok"] and "above the 320 h ceiling" in t.loc["BIG", "reasons"]
    assert not t.loc["BIG", "radius_ok"] and "miles from the centre" in t.loc["BIG", "reasons"]
    assert not t.loc["SPLIT", "contiguity_ok"] and "2 separate parts" in t.loc["SPLIT", "reasons"]
    assert not t.loc["SPLIT", "drive_ok"] and "min from the" in t.loc["SPLIT", "reasons"]
    assert not t.loc["SMALL", "hours_ok"] and "below the 150 h floor" in t.loc["SMALL", "reasons"]
    assert not t.loc["SMALL", "customers_ok"]
    assert t.loc["SMALL", "contiguous"] and t.loc["SMALL", "radius_ok"]
    assert summary["lots_failing"] == 3 and summary["lots_passing"] == 0
    assert summary["contiguity_breaches"] == 1
    assert summary["rule_breaches"] == int((~table[[f"{r}_ok" for r in RULES]]).to_numpy().sum())
    assert summary["hours_outside_lots"] == pytest.approx(
        units.loc[~units["unit_id"].isin(big + split + small), "hours"].sum()
    )


def test_near_miss_is_amber(units) -> None:
    plan = design(units, rules=SMALL, seed=1)
    lot = plan.lots[plan.lots["valid"]].iloc[0]
    ceiling = lot["hours"] / 1.05  # the lot is 5% over this ceiling
    rules = SMALL.replace(max_hours=ceiling, min_hours=min(SMALL.min_hours, ceiling))
    table, _ = check_plan(units, plan.assignment, rules=rules, centres=plan.lots)
    row = table.set_index("lot_id").loc[lot["lot_id"]]
    assert not row["hours_ok"] and row["rag"] == "amber"


def test_columns_workforce_mix_and_providers(units) -> None:
    ids = _block(units, range(0, 3), range(0, 3))
    assignment = pd.DataFrame({"unit_id": ids, "lot_id": "A"})
    rng = np.random.default_rng(0)
    customers = pd.DataFrame(
        {
            "unit_id": np.repeat(ids, 2),
            "provider": rng.choice(["P1", "P2", "P3"], 2 * len(ids)),
        }
    )
    table, _ = check_plan(units, assignment, rules=SMALL, customers=customers)
    row = table.iloc[0]
    hours = units.set_index("unit_id").loc[ids, "hours"].sum()
    assert row["hours"] == pytest.approx(hours)
    assert row["care_workers"] == pytest.approx(hours / 30.0)
    assert row["share_hours"] == pytest.approx(hours / units["hours"].sum())
    mix = row[["urban_share", "town_fringe_share", "village_dispersed_share"]].sum()
    assert mix == pytest.approx(1.0)
    assert row["providers"] == customers["provider"].nunique()
    assert row["p90_miles"] <= row["max_miles"]


def test_lot_polygons_dissolve_units(units) -> None:
    plan = design(units, rules=SMALL, seed=1)
    table, _ = check_plan(units, plan.assignment, rules=SMALL, centres=plan.lots)
    polys = lot_polygons(units, plan.assignment, table)
    assert len(polys) == len(table) and polys.crs.to_epsg() == 27700
    assert set(polys.columns) >= set(table.columns)
    area = units.merge(plan.assignment[["unit_id", "lot_id"]], on="unit_id")
    expected = (
        area.dropna(subset=["lot_id"]).groupby("lot_id").geometry.apply(lambda g: g.area.sum())
    )
    got = polys.set_index("lot_id").geometry.area
    assert np.allclose(got.loc[expected.index], expected.to_numpy())


def test_assignment_is_validated(units) -> None:
    with pytest.raises(ValidationError, match="lot_id"):
        check_plan(units, pd.DataFrame({"unit_id": ["S00001"]}))
    with pytest.raises(ValidationError, match="not in units"):
        check_plan(units, pd.DataFrame({"unit_id": ["nope"], "lot_id": ["A"]}))
    with pytest.raises(ValidationError, match="more than once"):
        check_plan(units, pd.DataFrame({"unit_id": ["S00001", "S00001"], "lot_id": ["A", "B"]}))
