"""The certified bound: column generation with exact pricing (lotdesign.lots.lower_bound)."""

from __future__ import annotations

import numpy as np

from lotdesign.datasets.synthetic import grid_units
from lotdesign.lots import LotRules, design, lower_bound
from lotdesign.lots.bounds import _fractional

SMALL = LotRules(
    min_hours=150, max_hours=320, min_customers=10, max_customers=30,
    max_radius_miles=3.0, max_drive_minutes=12.0,
)  # fmt: skip


def test_fractional_knapsack_bounds_the_integer_one() -> None:
    w = np.array([-10.0, -6.0, -4.0, 3.0])
    weight = np.array([5.0, 2.0, 4.0, 1.0])
    value, taken = _fractional(w, weight, 6.0, taken=True)
    # Greedy by value per weight: item 1 (-3/unit) whole, then 4 of item 0's 5 (-2/unit).
    assert value == -6.0 - 8.0
    assert taken.tolist() == [1]
    best_integer = min(-10.0, -6.0 - 4.0, -6.0)  # {0}, {1, 2} and {1} fit in 6
    assert value <= best_integer


def test_colgen_converges_to_a_valid_bound_below_every_plan() -> None:
    units = grid_units(60, seed=11)
    plans = [design(units, rules=SMALL, seed=s) for s in (11, 12)]
    best = lower_bound(units, rules=SMALL, method="best", time_limit=30, plans=plans)
    b, pm = best["parts"]
    assert best["bound"] == max(b["bound"], pm["bound"])
    assert b["method"] == "colgen" and b["status"].startswith(("optimal", "converged"))
    assert b["bound"] <= min(p.objective["value"] for p in plans) + 1e-6
    assert b["bound"] <= b["lp_value"] + 1e-6
    assert b["primal"] == min(p.objective["value"] for p in plans)
    bounds = [h[2] for h in b["history"]]
    assert bounds == sorted(bounds)  # the best bound so far never falls
    # The LP over every lot is at or below the relaxed problem's integer optimum.
    if pm["status"] == "Optimal":
        assert b["bound"] <= pm["bound"] + 1e-6 * abs(pm["bound"])
