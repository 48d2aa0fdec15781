"""The kernel step (design(kernel_units=...)): every lot re-cut at once over the LP's centres."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from lotdesign.checks import check_plan
from lotdesign.datasets.synthetic import grid_units
from lotdesign.errors import ValidationError
from lotdesign.lots import LotRules, design, lower_bound
from lotdesign.lots.instance import _Instance
from lotdesign.lots.kernel import _kernel_centres, _make_whole
from lotdesign.lots.search import _window_mip

SMALL = LotRules(
    min_hours=150, max_hours=320, min_customers=10, max_customers=30,
    max_radius_miles=3.0, max_drive_minutes=12.0,
)  # fmt: skip


def test_kernel_recuts_every_lot_and_makes_each_one_whole() -> None:
    # The engine's defaults stop 10% above this grid's optimum, and the kernel's MIP
    # (contiguity relaxed) leaves lots in pieces, so the windows that make them whole are used.
    units = grid_units(40, seed=11)
    plain = design(units, rules=SMALL, seed=11, kernel_units=0)
    plan = design(units, rules=SMALL, seed=11, kernel_units=40)
    assert plain.stats["kernel"] == "off"
    assert plan.stats["kernel"] == "better"
    assert plan.stats["kernel_start"] in ("LP centres", "current lots", "kernel plan")
    # Both MIPs solved, and one more per later round.
    assert len(plan.stats["kernel_pieces"]) == plan.stats["kernel_rounds"] + 1
    assert plan.stats["kernel_centres"] >= len(plan.lots)
    assert sum(plan.stats["kernel_pieces"]) >= 1
    assert plan.objective["value"] < plain.objective["value"] * 0.95
    bound = lower_bound(units, rules=SMALL, method="pmedian", time_limit=60)
    assert plan.objective["value"] >= bound["bound"] - 1e-6 * bound["bound"]
    assert plan.lots["valid"].all() and plan.lots["contiguous"].all()
    table, summary = check_plan(units, plan.assignment, rules=SMALL, centres=plan.lots)
    tier1 = table[table["tier"].eq(1)]
    assert len(tier1) == len(plan.lots) and tier1["passes"].all()
    assert summary["rule_breaches"] == 0
    again = design(units, rules=SMALL, seed=11, kernel_units=40)
    assert again.assignment.equals(plan.assignment)


def test_kernel_changes_the_lot_count_where_windows_do_not() -> None:
    units = grid_units(60, seed=3)
    searched = design(units, rules=SMALL, seed=3, search="thorough", exact_units=0, kernel_units=0)
    kernel = design(units, rules=SMALL, seed=3, search="thorough", exact_units=0)
    assert kernel.stats["kernel"] == "better"
    assert kernel.objective["value"] < searched.objective["value"] * 0.97
    assert kernel.lots["valid"].all() and kernel.lots["contiguous"].all()


def test_kernel_keeps_a_plan_it_cannot_better() -> None:
    units = grid_units(40, seed=11)
    searched = design(units, rules=SMALL, seed=11, search="thorough", exact_units=0, kernel_units=0)
    kernel = design(units, rules=SMALL, seed=11, search="thorough", exact_units=0)
    assert kernel.stats["kernel"] == "not better"
    assert kernel.assignment.equals(searched.assignment)


def test_kernel_runs_only_between_the_exact_step_and_its_cap() -> None:
    units = grid_units(40, seed=11)
    exact = design(units, rules=SMALL, seed=11, exact_units=40, kernel_units=600)
    assert exact.stats["kernel"] == "off" and exact.stats["exact"] != "off"
    capped = design(units, rules=SMALL, seed=11, kernel_units=39)
    assert capped.stats["kernel"] == "off"
    with pytest.raises(ValidationError, match="kernel_units"):
        design(units, rules=SMALL, seed=11, kernel_units=-1)


def test_kernel_mip_stops_at_its_node_limit_deterministically(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A limit of work, not time: where it ends the MIP, the clock plays no part in the plan.
    units = grid_units(60, seed=3)
    monkeypatch.setattr("lotdesign.settings.LOT_KERNEL_MIP_NODES", 1)
    first = design(units, rules=SMALL, seed=3, kernel_units=60)
    assert first.stats["kernel"] == "better, node limit"
    assert first.lots["valid"].all() and first.lots["contiguous"].all()
    again = design(units, rules=SMALL, seed=3, kernel_units=60)
    assert again.assignment.equals(first.assignment)


def _kernel_mip_lots(units: pd.DataFrame, rules: LotRules) -> tuple[_Instance, list]:
    """The kernel MIP's lots on ``units``, contiguity relaxed, and the instance."""
    pool = np.ones(len(units), dtype=bool)
    inst = _Instance(units.reset_index(drop=True), rules)
    centres = _kernel_centres(inst, pool, seed=0, stats={})
    solved = _window_mip(inst, pool, [], time_limit=60, seed=0, nearer=False, centres=centres)
    return inst, solved[1]


@pytest.mark.parametrize("window_seconds", [60.0, 1e-9])
def test_make_whole_returns_whole_lots_from_the_kernels_pieces(
    monkeypatch: pytest.MonkeyPatch, window_seconds: float
) -> None:
    # With time, windows re-solve the broken lots; without, each keeps its centre's piece.
    inst, lots = _kernel_mip_lots(grid_units(40, seed=11), SMALL)
    assert sum(inst.parts(m) > 1 for _, m in lots) >= 1
    monkeypatch.setattr("lotdesign.settings.LOT_KERNEL_WINDOW_SECONDS", window_seconds)
    stats: dict = {}
    whole = _make_whole(inst, lots, seed=0, stats=stats)
    assert all(inst.parts(m) == 1 for _, m in whole)
    units = np.concatenate([m for _, m in whole])
    assert len(units) == len(set(units.tolist()))  # no unit in two lots
    assert set(units.tolist()) <= set(np.concatenate([m for _, m in lots]).tolist())
    assert all(not inst.breaches(inst.measure(m, c)) for c, m in whole)
    if window_seconds < 1:
        given = {c: set(m.tolist()) for c, m in lots}
        assert all(c in given and set(m.tolist()) <= given[c] for c, m in whole)
        assert stats.get("polish_time_limited")


def test_make_whole_keeps_the_cut_over_a_window_that_lost_lots(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A window stopped short can end on a whole plan worse than the cut; here the extreme,
    # the empty plan. The broken lot is cut to its centre's piece instead; the others stay.
    inst, lots = _kernel_mip_lots(grid_units(40, seed=11), SMALL)
    monkeypatch.setattr("lotdesign.lots.kernel._window_mip", lambda *args, **kwargs: (0.0, []))
    whole = _make_whole(inst, lots, seed=0, stats={})
    given = {c: set(m.tolist()) for c, m in lots}
    broken = [c for c, m in lots if inst.parts(m) > 1]
    assert broken and all(inst.parts(m) == 1 for _, m in whole)
    kept = {c: set(m.tolist()) for c, m in whole}
    assert all(kept[c] == given[c] for c, m in lots if c not in broken)
    assert all(kept[c] < given[c] for c in broken if c in kept)


def test_kernel_rounds_start_again_from_a_better_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    units = grid_units(60, seed=3)
    monkeypatch.setattr("lotdesign.settings.LOT_KERNEL_ROUNDS", 1)
    one = design(units, rules=SMALL, seed=3, kernel_units=60)
    monkeypatch.setattr("lotdesign.settings.LOT_KERNEL_ROUNDS", 3)
    more = design(units, rules=SMALL, seed=3, kernel_units=60)
    assert one.stats["kernel_rounds"] == 1 and len(one.stats["kernel_pieces"]) == 2
    # A later round runs only after one that bettered the plan, and never makes it worse.
    assert 2 <= more.stats["kernel_rounds"] <= 3
    assert len(more.stats["kernel_pieces"]) == more.stats["kernel_rounds"] + 1
    assert more.objective["value"] <= one.objective["value"] + 1e-9
    assert more.lots["valid"].all() and more.lots["contiguous"].all()


def test_kernel_without_contiguity_needs_no_windows() -> None:
    rules = dataclasses.replace(SMALL, contiguous=False)
    units = grid_units(40, seed=11)
    plain = design(units, rules=rules, seed=11, kernel_units=0)
    plan = design(units, rules=rules, seed=11, kernel_units=40)
    assert plan.stats["kernel"] == "better" and not any(plan.stats["kernel_pieces"])
    assert plan.objective["value"] < plain.objective["value"]
    assert plan.lots["valid"].all()


def test_kernel_that_opens_no_centre_leaves_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    units = grid_units(40, seed=11)
    plain = design(units, rules=SMALL, seed=11, kernel_units=0)
    monkeypatch.setattr("lotdesign.settings.LOT_KERNEL_MIN_SHARE", 1.1)
    plan = design(units, rules=SMALL, seed=11, kernel_units=40)
    assert plan.stats["kernel"] == "not solved" and plan.stats["kernel_centres"] == 0
    assert plan.assignment.equals(plain.assignment)
