"""The kernel step (design(kernel_units=...)): every lot re-cut at once over the LP's centres."""

from __future__ import annotations

import pytest

from lotdesign.checks import check_plan
from lotdesign.datasets.synthetic import grid_units
from lotdesign.errors import ValidationError
from lotdesign.lots import LotRules, design, lower_bound

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
    assert plan.stats["kernel_centres"] >= len(plan.lots)
    assert plan.stats["kernel_pieces"] >= 1
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
    # A limit of work, not time: the same seed gives the same plan however loaded the machine.
    units = grid_units(60, seed=3)
    monkeypatch.setattr("lotdesign.settings.LOT_KERNEL_MIP_NODES", 1)
    first = design(units, rules=SMALL, seed=3, kernel_units=60)
    assert first.stats["kernel"] == "better, node limit"
    assert first.lots["valid"].all() and first.lots["contiguous"].all()
    again = design(units, rules=SMALL, seed=3, kernel_units=60)
    assert again.assignment.equals(first.assignment)


def test_a_window_that_cannot_make_a_lot_whole_leaves_its_centre_piece(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No time for the windows: each broken lot keeps only its centre's piece (or goes), and
    # the boundary moves place the rest; whatever comes back is whole and within the rules.
    units = grid_units(40, seed=11)
    monkeypatch.setattr("lotdesign.settings.LOT_KERNEL_WINDOW_SECONDS", 1e-9)
    plan = design(units, rules=SMALL, seed=11, kernel_units=40)
    assert plan.stats["kernel_pieces"] >= 1 and plan.stats["kernel"].endswith("time limit")
    assert plan.lots["valid"].all() and plan.lots["contiguous"].all()
    table, summary = check_plan(units, plan.assignment, rules=SMALL, centres=plan.lots)
    assert summary["rule_breaches"] == 0
