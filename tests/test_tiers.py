"""Tests for lotdesign.tiers: Tier 1-4 labels, Tier 2 rural zones, the Tier 4 reserve."""

from __future__ import annotations

import pandas as pd
import pytest

from lotdesign import settings as cfg
from lotdesign.checks import check_plan
from lotdesign.datasets.synthetic import grid_units
from lotdesign.errors import ValidationError
from lotdesign.lots import LotRules, design
from lotdesign.tiers import assign_tiers, summarise_tiers

T1 = LotRules(
    min_hours=300,
    max_hours=600,
    min_customers=20,
    max_customers=60,
    max_radius_miles=3.0,
    max_drive_minutes=8.0,
)
T2 = LotRules.tier2(
    min_hours=60,
    max_hours=600,
    min_customers=4,
    max_customers=60,
    max_radius_miles=5.0,
    max_drive_minutes=14.0,
)


@pytest.fixture(scope="module")
def tiered():
    units = grid_units(225, seed=31, mean_hours=12.0, towns=2, oversize=1)
    # A hamlet 100 km off with 2 hours a week: below every floor, so Tier 3 for certain.
    hamlet = units.iloc[[0]].copy()
    hamlet[["unit_id", "neighbours", "hours", "customers"]] = ["HAMLET", "", 2.0, 1]
    hamlet["x"] += 100_000.0
    hamlet = hamlet.set_geometry(hamlet.geometry.translate(100_000.0))
    units = pd.concat([units, hamlet], ignore_index=True)
    plan = design(units, rules=T1, seed=31)
    return units, plan, assign_tiers(units, plan, tier2_rules=T2, seed=31)


def test_every_unit_has_one_tier_and_tiers_follow_lots(tiered) -> None:
    units, plan, tp = tiered
    a = tp.assignment
    assert list(a["unit_id"]) == list(units["unit_id"])
    assert set(a["tier"]) <= {1, 2, 3, 4}
    # Tier 1 is exactly the engine's valid lots.
    t1 = plan.assignment[plan.assignment["tier"].eq(1)]
    assert a.set_index("unit_id").loc[t1["unit_id"], "tier"].eq(1).all()
    assert a.loc[a["tier"].eq(2), "lot_id"].str.startswith("R").all()
    assert a.loc[a["tier"].eq(3), "lot_id"].isna().all()
    assert a.loc[a["tier"].eq(4), "lot_id"].str.startswith("X").all()
    assert (a["tier"] == 2).any() and (a["tier"] == 4).any()
    assert a.set_index("unit_id").loc["HAMLET", "tier"] == 3


def test_tier2_zones_meet_tier2_rules(tiered) -> None:
    units, _, tp = tiered
    table, _ = check_plan(units, tp.assignment, rules=T1, tier2_rules=T2, centres=tp.lots)
    assert table.loc[table["tier"].eq(1), "passes"].all()
    zones = table[table["tier"].eq(2)]
    assert len(zones) > 0 and zones["passes"].all()
    assert not table.loc[table["tier"].eq(4), "passes"].any()  # oversize fails the ceiling


def test_summary_adds_up_and_reserve_is_sized(tiered) -> None:
    units, _, tp = tiered
    s = tp.summary
    assert s.loc["total", "hours"] == pytest.approx(units["hours"].sum())
    assert s.loc[[1, 2, 3, 4], "hours"].sum() == pytest.approx(units["hours"].sum())
    assert s.loc[[1, 2, 3, 4], "share_hours"].sum() == pytest.approx(1.0)
    expected = cfg.TIER4_RESERVE_SHARE * (s.loc[1, "hours"] + s.loc[2, "hours"]) + s.loc[4, "hours"]
    assert s.loc[4, "reserve_hours"] == pytest.approx(expected)
    assert tp.reserve["reserve_hours"].sum() == pytest.approx(expected)
    assert s.loc[1, "care_workers"] == pytest.approx(s.loc[1, "hours"] / cfg.HOURS_PER_CARE_WORKER)
    assert tp.checks["tier1_share"] == pytest.approx(s.loc[1, "share_hours"])
    assert tp.checks["meets_seed_share"] == (s.loc[1, "share_hours"] >= cfg.SEED_TIER1_SHARE)
    assert "not a target" in tp.checks["note"]


def test_summarise_tiers_directly_and_inputs_checked(tiered) -> None:
    units, plan, tp = tiered
    again = summarise_tiers(tp.assignment, reserve_share=0.0)
    assert again.loc[4, "reserve_hours"] == pytest.approx(tp.summary.loc[4, "hours"])
    with pytest.raises(ValidationError, match="reserve_share"):
        assign_tiers(units, plan, reserve_share=1.5)
    with pytest.raises(ValidationError, match="does not match"):
        assign_tiers(units.iloc[:10], plan)
