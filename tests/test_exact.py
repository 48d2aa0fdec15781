"""Exact design of small pools (design(exact_units=...)): the proven optimum under the rules."""

from __future__ import annotations

from lotdesign.checks import check_plan
from lotdesign.datasets.synthetic import grid_units
from lotdesign.lots import LotRules, design, lower_bound

SMALL = LotRules(
    min_hours=150, max_hours=320, min_customers=10, max_customers=30,
    max_radius_miles=3.0, max_drive_minutes=12.0,
)  # fmt: skip


def test_exact_design_reaches_the_proven_contiguous_optimum() -> None:
    # On this grid the thorough search stops 1.7% above the optimum, and the optimum of the
    # relaxed problem has a lot in pieces, so only contiguity held exactly reaches it.
    units = grid_units(40, seed=11)
    bound = lower_bound(units, rules=SMALL, method="pmedian", time_limit=60)
    assert bound["status"] == "Optimal" and bound["contiguity_rows"] > 0
    searched = design(units, rules=SMALL, seed=11, search="thorough", exact_units=0)
    exact = design(units, rules=SMALL, seed=11, search="thorough")
    assert searched.stats["exact"] == "off"
    assert searched.objective["value"] > bound["bound"] * 1.01
    assert exact.stats["exact"] == "optimal" and exact.stats["exact_solves"] >= 1
    assert abs(exact.objective["value"] - bound["bound"]) <= 1e-6 * bound["bound"]
    assert exact.lots["valid"].all() and exact.lots["contiguous"].all()
    table, summary = check_plan(units, exact.assignment, rules=SMALL, centres=exact.lots)
    tier1 = table[table["tier"].eq(1)]
    assert len(tier1) == len(exact.lots) and tier1["passes"].all()
    again = design(units, rules=SMALL, seed=11, search="thorough")
    assert again.assignment.equals(exact.assignment)


def test_exact_design_leaves_larger_pools_to_the_search() -> None:
    units = grid_units(40, seed=11)
    plan = design(units, rules=SMALL, seed=11, exact_units=39)
    assert plan.stats["exact"] == "off"
