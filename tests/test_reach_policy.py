"""Reach to every customer, lot-size policies, growth headroom, nesting and rural Tier 2."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lotdesign import checks, lots, settings, tiers
from lotdesign.datasets.synthetic import grid_units
from lotdesign.errors import InfeasibleRulesError, ValidationError
from lotdesign.lots import LotRules


@pytest.fixture(scope="module")
def units():
    return grid_units(240, seed=3)


def _customers(units: pd.DataFrame, *, spread_m: float, seed: int = 0) -> pd.DataFrame:
    """Customers scattered round their unit's point, one postcode each."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in units.itertuples():
        for j in range(int(u.customers)):
            rows.append(
                {
                    "customer_id": f"{u.unit_id}-{j}",
                    "unit_id": u.unit_id,
                    "postcode": f"PC {u.unit_id} {j}",
                    "easting": u.x + rng.normal(0, spread_m),
                    "northing": u.y + rng.normal(0, spread_m),
                }
            )
    return pd.DataFrame(rows)


def _far_customers(plan, units, customers):
    """Largest straight-line miles from a valid lot's centre to one of its customers."""
    lots_ = plan.lots[plan.lots["valid"]].set_index("lot_id")
    a = plan.assignment[plan.assignment["tier"].eq(1)][["unit_id", "lot_id"]]
    c = customers.merge(a, on="unit_id")
    d = np.hypot(
        c["easting"] - c["lot_id"].map(lots_["centre_x"]),
        c["northing"] - c["lot_id"].map(lots_["centre_y"]),
    )
    return float(d.max() / settings.METRES_PER_MILE)


def test_reach_is_checked_to_every_customer(units):
    customers = _customers(units, spread_m=2500)
    by_units = lots.design(units, seed=0)
    by_customers = lots.design(units, seed=0, customers=customers)
    # Unit points alone let customers past the radius; the customer check never does.
    assert _far_customers(by_customers, units, customers) <= 7 + 1e-9
    assert _far_customers(by_units, units, customers) > _far_customers(
        by_customers, units, customers
    )
    valid = by_customers.lots[by_customers.lots["valid"]]
    assert (valid["reach_to"] == "customers").all() and (valid["customers_beyond"] == 0).all()
    # The checks agree, lot by lot, and report the farthest customer.
    table, summary = checks.check_plan(
        units, by_customers.assignment, customers=customers, centres=by_customers.lots
    )
    assert summary["radius_breaches"] == summary["drive_breaches"] == 0
    assert (table["customers_beyond"] == 0).all()
    # Judged to customers, the unit-point plan breaks the reach rule somewhere.
    table_u, summary_u = checks.check_plan(
        units, by_units.assignment, customers=customers, centres=by_units.lots
    )
    assert summary_u["radius_breaches"] + summary_u["drive_breaches"] > 0
    broken = table_u[~table_u["radius_ok"] | ~table_u["drive_ok"]]
    assert broken["reasons"].str.contains("customer").all()
    assert (broken["customers_beyond"] > 0).all()


def test_reach_tolerance_allows_a_share_of_customers_beyond(units):
    customers = _customers(units, spread_m=1500, seed=2)
    strict = lots.design(units, seed=0, customers=customers)
    loose_rules = LotRules(reach_tolerance=0.05)
    loose = lots.design(units, seed=0, customers=customers, rules=loose_rules)
    assert loose.objective["covered_share"] >= strict.objective["covered_share"] - 1e-9
    table, _ = checks.check_plan(
        units, loose.assignment, rules=loose_rules, customers=customers, centres=loose.lots
    )
    t1 = table[table["passes"]]
    assert (t1["customers_beyond"] <= 0.05 * t1["customers"] + 1e-9).all()
    with pytest.raises(ValidationError, match="reach_tolerance"):
        LotRules(reach_tolerance=1.5)


def test_viable_policy_makes_fewer_fuller_lots(units):
    compact = lots.design(units, seed=0, policy="compact")
    viable = lots.design(units, seed=0, policy="viable")
    v = viable.lots[viable.lots["valid"]]
    c = compact.lots[compact.lots["valid"]]
    assert len(v) < len(c) and v["hours"].mean() > c["hours"].mean()
    assert viable.objective["covered_share"] > 0.8
    assert viable.stats["policy"] == "viable" and viable.objective["lot_cost"] > 0


def test_target_policy_holds_an_exact_count(units):
    plan = lots.design(units, seed=0, policy="target", target_lots=7, target_tolerance=0.0)
    assert int(plan.lots["valid"].sum()) == 7
    with pytest.raises(ValidationError, match="target_lots"):
        lots.design(units, policy="target")
    with pytest.raises(ValidationError, match="policy"):
        lots.design(units, policy="biggest")


def test_policy_tradeoff_table(units):
    table = lots.policy_tradeoff(units, seed=0, target_lots=7, target_tolerance=0.0)
    assert list(table["policy"]) == ["compact", "viable", "target"]
    assert table.set_index("policy").loc["target", "lots"] == 7
    from lotdesign import columns

    for name in table.columns:
        columns.column(name)  # every column is registered, so shared tables keep it


def test_growth_headroom_keeps_lots_in_band(units):
    rules = LotRules(headroom_years=5, headroom_growth=0.03)
    plan = lots.design(units, seed=0, rules=rules)
    valid = plan.lots[plan.lots["valid"]]
    grown = valid["hours"] * 1.03**5
    assert (grown <= 1300 + 1e-6).all() and (valid["customers"] * 1.03**5 <= 110 + 1e-6).all()
    assert plan.rules == rules  # the plan records the rules as given
    table, _ = checks.check_plan(units, plan.assignment, rules=rules, centres=plan.lots)
    assert table["passes"].all()
    with pytest.raises(InfeasibleRulesError, match="growth"):
        LotRules(headroom_years=30, headroom_growth=0.05)


def test_lots_nest_within_areas(units):
    area = pd.Series(
        np.where(units["x"] < units["x"].median(), "west", "east"), index=units["unit_id"]
    )
    plan = lots.design(units, seed=0, within=area)
    a = plan.assignment[plan.assignment["tier"].eq(1)]
    assert (a.groupby("lot_id")["unit_id"].agg(lambda u: area[list(u)].nunique()) == 1).all()
    table, summary = checks.check_plan(units, plan.assignment, centres=plan.lots, within=area)
    assert summary["within_breaches"] == 0
    # A plan that ignores the areas is caught by the check.
    free = lots.design(units, seed=0)
    _, s2 = checks.check_plan(units, free.assignment, centres=free.lots, within=area)
    assert s2["within_breaches"] > 0


def test_within_areas_from_a_file(units, tmp_path):
    path = tmp_path / "areas.csv"
    pd.DataFrame({"unit_id": units["unit_id"], "pcn": "PCN " + units["district"]}).to_csv(
        path, index=False
    )
    area = lots.within_areas(units, path)
    assert area.index.tolist() == units["unit_id"].tolist() and area.str.startswith("PCN").all()
    assert lots.within_areas(units, "district").equals(
        units.set_index("unit_id")["district"].rename("area").astype(str)
    )
    with pytest.raises(ValidationError, match="no column"):
        lots.within_areas(units.assign(unit_id=units["unit_id"] + "x"), path)


def test_tier2_takes_only_rural_units(units):
    # Make every unit urban but a few: urban leftovers must not become rural zones.
    u = units.copy()
    u["rurality"] = "urban"
    rural_ids = set(u["unit_id"].iloc[::7])
    u.loc[u["unit_id"].isin(rural_ids), "rurality"] = "village_dispersed"
    plan = lots.design(u, seed=0, policy="target", target_lots=5, target_tolerance=0.0)
    tp = tiers.assign_tiers(u, plan)
    a = tp.assignment.merge(u[["unit_id", "rurality"]], on="unit_id")
    assert not a.loc[a["tier"].eq(2), "rurality"].eq("urban").any()
    urban3 = a[a["tier"].eq(3) & a["rurality"].eq("urban")]
    assert len(urban3) and urban3["tier_reason"].str.contains("rural areas only").all()
    assert any("urban unit" in r for r in tp.reasons)


def test_spec_keys_for_policy_reach_nesting_and_roads(tmp_path):
    from lotdesign.spec import spec_from_dict

    (tmp_path / "x.csv").write_text("Person,Postcode,Hours\n")
    base = {
        "inputs": {
            "packages": "x.csv",
            "columns": {"customer_id": "Person", "postcode": "Postcode", "weekly_hours": "Hours"},
        }
    }
    spec = spec_from_dict(
        {**base, "rules": {"policy": "viable", "reach_tolerance": 0.02, "headroom_years": 5,
                           "within": "district"}},
        base=tmp_path,
    )  # fmt: skip
    rules = spec.lot_rules()
    assert rules.reach_tolerance == 0.02 and rules.headroom_years == 5
    assert spec.design_options()["policy"] == "viable"
    with pytest.raises(ValidationError, match="target_lots"):
        spec_from_dict({**base, "rules": {"policy": "target"}}, base=tmp_path)
    with pytest.raises(ValidationError, match="rules.within"):
        spec_from_dict({**base, "rules": {"within": "pcn.csv"}}, base=tmp_path)
    with pytest.raises(ValidationError, match="travel.roads"):
        spec_from_dict({**base, "travel": {"roads": "county.osm.pbf"}}, base=tmp_path)
    with pytest.raises(ValidationError, match="did you mean 'rules.policy'"):
        spec_from_dict({**base, "rules": {"polcy": "viable"}}, base=tmp_path)
