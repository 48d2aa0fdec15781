"""The certified bound: column generation with exact pricing (lotdesign.lots.lower_bound)."""

from __future__ import annotations

from dataclasses import replace

import highspy
import numpy as np

from lotdesign.datasets.synthetic import grid_units
from lotdesign.highs import new_highs
from lotdesign.lots import LotRules, design, lower_bound
from lotdesign.lots.bounds import _fractional, _separate

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


def test_separation_finds_the_violated_triple_only() -> None:
    # Three lots pairwise sharing one unit of {0, 1, 2}, each at 1/2: every lot holds two of
    # the triple, so the subset-row cut reads 3/2 <= 1, violated. At 1/3 each it holds.
    members = [np.array([0, 1, 5]), np.array([1, 2]), np.array([0, 2, 6]), np.array([3, 4])]
    half = np.array([0.5, 0.5, 0.5, 1.0])
    cuts = _separate(members, half, 7, [])
    assert [c.tolist() for c in cuts] == [[0, 1, 2]]
    assert _separate(members, half, 7, cuts) == []  # a known cut is not added again
    assert _separate(members, np.array([1 / 3, 1 / 3, 1 / 3, 1.0]), 7, []) == []


def test_subset_row_cuts_raise_the_bound_and_stay_below_the_optimum() -> None:
    units = grid_units(40, seed=3)
    pm = lower_bound(units, rules=SMALL, method="pmedian", time_limit=30, contiguous=False)
    assert pm["status"] == "Optimal"  # the relaxed problem's integer optimum, proven
    plain = lower_bound(units, rules=SMALL, time_limit=60, cuts=0)
    cut = lower_bound(units, rules=SMALL, time_limit=60, cuts=5)
    for r in (plain, cut):
        assert r["status"].startswith(("optimal", "converged"))
    assert plain["cuts"] == 0 and cut["cuts"] > 0
    assert cut["bound_plain"] == plain["bound"]  # the same run until the first cuts
    # Valid: at or below the integer optimum, whatever the cuts' duals did to pricing ...
    assert cut["bound"] <= pm["bound"] + 1e-6 * abs(pm["bound"])
    # ... and stronger than the LP over every lot, which on this grid it is not alone.
    assert plain["bound"] < pm["bound"] - 1.0
    assert cut["bound"] > plain["bound"] + 1.0
    assert cut["lp_value"] >= cut["lp_value_plain"] - 1e-6 * abs(plain["lp_value"])
    assert cut["bound"] <= pm["incumbent"] + 1e-6 * abs(pm["incumbent"])


def test_pricing_survives_a_thread_scheduler_set_elsewhere() -> None:
    # HiGHS refuses a threads=1 pricing MIP once another model set a 2-thread scheduler in
    # this process; its info then reads 0, which as a pricing bound was silently invalid.
    units = grid_units(40, seed=3)
    plain = lower_bound(units, rules=SMALL, time_limit=60)
    highspy.Highs.resetThreadScheduler(True)
    other = new_highs(threads=2)
    other.addVars(1, np.zeros(1), np.ones(1))
    assert other.run() == highspy.HighsStatus.kOk
    after = lower_bound(units, rules=SMALL, time_limit=60)
    # Both at the LP optimum, within colgen's tolerance (1e-4) of it: the same bound.
    for r in (plain, after):
        assert r["status"].startswith(("optimal", "converged")) and r["pricing_mips"] > 0
    assert abs(after["bound"] - plain["bound"]) <= 2e-4 * abs(plain["bound"])


def test_separators_cut_off_a_lot_in_pieces_and_no_connected_lot() -> None:
    from lotdesign.lots.instance import _Instance

    units = grid_units(40, seed=9)
    inst = _Instance(units.reset_index(drop=True), SMALL)
    centre = 0
    near = inst.adj[centre][0]
    lot = {centre, near}
    far = next(u for u in range(inst.n) if u not in lot and not lot & set(inst.adj[u]))
    assert inst.separators([centre, near], centre) == []
    cuts = inst.separators([centre, near, far], centre)
    assert [i for i, _ in cuts] == [far]
    ((_, edge),) = cuts
    assert edge == sorted(inst.adj[far]) and centre not in edge and near not in edge


def test_pmedian_holds_contiguity_a_bound_on_contiguous_plans_and_its_optimum() -> None:
    # On this grid the relaxed optimum has a lot in pieces; with separator rows the MIP
    # proves the best contiguous plan, which the thorough search finds.
    units = grid_units(40, seed=9)
    relaxed = lower_bound(units, rules=SMALL, method="pmedian", time_limit=60, contiguous=False)
    held = lower_bound(units, rules=SMALL, method="pmedian", time_limit=60)
    assert relaxed["contiguity_rows"] == 0 and relaxed["status"] == "Optimal"
    assert held["status"] == "Optimal" and held["contiguity_rows"] > 0 and held["solves"] > 1
    assert held["bound_relaxed"] == relaxed["bound"]
    assert held["bound"] > relaxed["bound"] + 1.0
    assert held["incumbent"] == held["bound"]  # proven: every lot of it in one piece
    plans = [design(units, rules=SMALL, seed=9, search=level) for level in ("standard", "thorough")]
    for plan in plans:
        assert plan.lots["contiguous"].all()
        assert held["bound"] <= plan.objective["value"] + 1e-6 * abs(held["bound"])
    assert abs(plans[1].objective["value"] - held["bound"]) <= 1e-6 * held["bound"]
    # Rules that do not ask for contiguity get the relaxed bound.
    loose = lower_bound(
        units, rules=replace(SMALL, contiguous=False), method="pmedian", time_limit=60
    )
    assert loose["bound"] == relaxed["bound"] and not loose["contiguous"]


def test_a_stalled_master_solve_is_solved_afresh_and_the_bound_stands(monkeypatch) -> None:
    # HiGHS's primal clean-up stalled in one master solve on the 500-unit grid; a solve past
    # the cap is solved again from scratch by interior point. With a cap of ~0 every solve
    # takes that path, and the run still reaches the same LP bound.
    units = grid_units(40, seed=3)
    plain = lower_bound(units, rules=SMALL, time_limit=60)
    monkeypatch.setattr("lotdesign.lots.bounds._MASTER_SOLVE_SECONDS", 1e-9)
    fresh = lower_bound(units, rules=SMALL, time_limit=60)
    assert plain["master_restarts"] == 0 and fresh["master_restarts"] > 0
    assert fresh["status"].startswith(("optimal", "converged"))
    assert abs(fresh["bound"] - plain["bound"]) <= 2e-4 * abs(plain["bound"])
