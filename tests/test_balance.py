"""The balanced construction (design(balanced_units=...)): lots packed to the floors by an LP."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lotdesign import settings
from lotdesign.checks import check_plan
from lotdesign.datasets.synthetic import grid_units
from lotdesign.errors import ValidationError
from lotdesign.lots import LotRules, design
from lotdesign.lots.balance import _assignment_lp, _balanced_lots, _kmeans_centres
from lotdesign.lots.instance import _Instance
from lotdesign.lots.search import _window_mip

SMALL = LotRules(
    min_hours=150, max_hours=320, min_customers=10, max_customers=30,
    max_radius_miles=3.0, max_drive_minutes=12.0,
)  # fmt: skip


def _instance(n: int = 100, seed: int = 7) -> tuple[_Instance, np.ndarray]:
    inst = _Instance(grid_units(n, seed=seed).reset_index(drop=True), SMALL)
    return inst, np.ones(inst.n, dtype=bool)


@pytest.fixture
def any_lot_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lots of a few units each (as on these small grids) are not skipped."""
    monkeypatch.setattr(settings, "LOT_BALANCED_MIN_UNITS_PER_LOT", 0.0)


def test_balanced_construction_packs_the_lots_growth_leaves_out() -> None:
    # 1,427 h over 150 small units (8 h on average, 19 a lot): growth stops each lot once it
    # meets the floors and the windows keep what it made.
    units = grid_units(150, seed=7, mean_hours=8.0)
    plain = design(units, rules=SMALL, seed=0)
    plan = design(units, rules=SMALL, seed=0, balanced_units=150)
    assert "balanced" not in plain.stats
    assert plan.stats["balanced_kept"] is True
    assert plan.objective["value"] < 0.95 * plain.objective["value"]
    assert plan.lots["valid"].all() and plan.lots["contiguous"].all()
    table, summary = check_plan(units, plan.assignment, rules=SMALL, centres=plan.lots)
    assert table[table["tier"].eq(1)]["passes"].all() and summary["rule_breaches"] == 0
    again = design(units, rules=SMALL, seed=0, balanced_units=150)
    assert again.assignment.equals(plan.assignment)


def test_lots_of_few_units_are_left_to_growth() -> None:
    inst, pool = _instance()  # 100 units, at most 17 lots: 6 units a lot
    stats: dict = {}
    assert _balanced_lots(inst, pool, seed=3, stats=stats) == []
    assert stats["balanced"] == [] and stats["balanced_skipped"] == "5.9 units a lot"


@pytest.mark.usefixtures("any_lot_size")
def test_balanced_lots_are_valid_disjoint_and_the_same_for_a_seed() -> None:
    inst, pool = _instance()
    stats: dict = {}
    lots = _balanced_lots(inst, pool, seed=3, stats=stats)
    assert lots and stats["balanced_lots"] == len(lots) and stats["balanced_mips"] >= 1
    seen: set[int] = set()
    for lot in lots:
        members = np.array(sorted(lot.members))
        assert not inst.breaches(inst.measure(members, lot.centre))
        assert not seen & lot.members
        seen |= lot.members
    # Counts tried: the most lots that leave a mean unit of room above each floor, and fewer.
    most = math.floor(
        min(inst.h.sum() / (150 + inst.h.mean()), inst.k.sum() / (10 + inst.k.mean()))
    )
    counts = {entry["count"] for entry in stats["balanced"]}
    assert max(counts) == most and len(counts) == settings.LOT_BALANCED_COUNTS
    assert len(stats["balanced"]) <= settings.LOT_BALANCED_COUNTS * settings.LOT_BALANCED_STARTS
    assert len(lots) <= most
    again = _balanced_lots(inst, pool, seed=3, stats={})
    assert [(lot.centre, lot.members) for lot in again] == [
        (lot.centre, lot.members) for lot in lots
    ]


@pytest.mark.usefixtures("any_lot_size")
def test_no_lots_are_made_when_no_lp_beats_the_plan_to_beat() -> None:
    inst, pool = _instance()
    stats: dict = {}
    assert _balanced_lots(inst, pool, seed=3, stats=stats, to_beat=0.0) == []
    assert stats["balanced"] and "balanced_mips" not in stats


@pytest.mark.usefixtures("any_lot_size")
def test_only_counts_above_the_competing_plans_are_tried() -> None:
    inst, pool = _instance()
    stats: dict = {}
    _balanced_lots(inst, pool, seed=3, stats=stats)
    most = max(entry["count"] for entry in stats["balanced"])
    one: dict = {}
    _balanced_lots(inst, pool, seed=3, stats=one, above=most - 1)
    assert {entry["count"] for entry in one["balanced"]} == {most}
    none: dict = {}
    assert _balanced_lots(inst, pool, seed=3, stats=none, above=most) == []
    assert none["balanced"] == [] and "balanced_mips" not in none


def test_assignment_lp_holds_the_ceilings_and_prices_a_missed_floor() -> None:
    inst, pool = _instance()
    centres = _kmeans_centres(inst, np.flatnonzero(pool), 17, seed=0)
    value, short, ii, jj, x = _assignment_lp(inst, pool, centres)
    assert short == pytest.approx(0.0, abs=1e-6)
    assert np.bincount(ii, weights=x, minlength=inst.n).max() <= 1 + 1e-6
    hours = np.bincount(jj, weights=x * inst.h[ii], minlength=len(centres))
    assert hours.max() <= SMALL.max_hours + 1e-6 and hours.min() >= SMALL.min_hours - 1e-6
    travel = float((x * inst.h[ii] * inst.travel.minutes(centres[jj], ii)).sum())
    uncovered = inst.h.sum() - float((x * inst.h[ii]).sum())
    assert value == pytest.approx(travel + inst.penalty * uncovered, rel=1e-6)
    # Under the viable policy each lot costs: the LP's value carries it, as a plan's does.
    inst.lot_cost = 100.0
    assert _assignment_lp(inst, pool, centres)[0] == pytest.approx(value + 100.0 * len(centres))
    inst.lot_cost = 0.0
    # More lots than the hours allow: the LP stays feasible, and says how far short it is.
    crowded = _kmeans_centres(inst, np.flatnonzero(pool), 24, seed=0)
    _, short, *_ = _assignment_lp(inst, pool, crowded)
    assert short >= len(crowded) * SMALL.min_hours - inst.h.sum() - 1e-6 > 0


def test_window_mip_holds_fixed_units_to_their_centre() -> None:
    inst, pool = _instance(60, 3)
    centres = _kmeans_centres(inst, np.flatnonzero(pool), 8, seed=0)
    free = _window_mip(inst, pool, [], time_limit=30, seed=0, centres=centres, max_nodes=200)
    assert free is not None
    home = {int(i): c for c, members in free[1] for i in members.tolist()}
    # Hold a unit to another centre it can reach: the solution must follow.
    unit, centre = next(
        (i, int(c))
        for i in sorted(home)
        if i not in centres
        for c in centres
        if c != home[i] and inst.reach_ok(int(c), np.array([i])).all()
    )
    held = _window_mip(
        inst, pool, [], time_limit=30, seed=0, centres=centres, max_nodes=200,
        fixed={unit: centre},
    )  # fmt: skip
    assert held is not None
    lots_of_unit = [c for c, members in held[1] if unit in members.tolist()]
    assert lots_of_unit == [centre]


def test_balanced_is_off_with_a_lot_count_target_and_checked() -> None:
    units = grid_units(60, seed=3)
    plan = design(units, rules=SMALL, seed=0, balanced_units=60, target_lots=9)
    assert "balanced" not in plan.stats
    with pytest.raises(ValidationError, match="balanced_units"):
        design(units, rules=SMALL, seed=0, balanced_units=-1)
