"""Tests for the fast paths of candidate growth and selection (lotdesign.lots.candidates).

The pool matrix, the per-ball adjacency lists, the early stop of a growth and the clash
index of the LP dive are speed-ups only: each is checked here against the slower path it
replaced, which must give the very same columns and choices (plans stay identical).
"""

from __future__ import annotations

import numpy as np
import pytest

from lotdesign.datasets.synthetic import grid_units
from lotdesign.lots import LotRules
from lotdesign.lots import candidates as cand
from lotdesign.lots.engine import _instance
from lotdesign.lots.selection import _select


@pytest.fixture(scope="module")
def inst():
    units = grid_units(400, seed=11)
    found, _ = _instance(units, LotRules(), centres=None, matrix=None)
    return found


def _columns(inst, pool, seed=3):
    cols = cand._candidates(
        inst, np.flatnonzero(pool), pool, np.random.default_rng(seed), variants=3, fixed=False
    )
    return {c.members.tobytes(): (c.centre, c.travel, c.hours) for c in cols}


def test_pool_matrix_gives_the_per_ball_columns(inst, monkeypatch):
    pool = np.zeros(inst.n, dtype=bool)
    pool[: inst.n // 2] = True
    fast = _columns(inst, pool)
    assert len(fast) > 50
    # Above the size limit the per-ball drive-time matrices are used instead.
    monkeypatch.setattr(cand, "_POOL_MATRIX_MAX", 0)
    slow = _columns(inst, pool)
    assert fast == slow  # same members, centres and travel to the last bit


def test_every_column_meets_the_rules(inst):
    pool = np.ones(inst.n, dtype=bool)
    cols = cand._candidates(
        inst, np.flatnonzero(pool), pool, np.random.default_rng(0), variants=2, fixed=False
    )
    for c in cols[::25]:
        assert not inst.breaches(inst.measure(c.members, c.centre))
        mins = inst.travel.minutes(c.centre, c.members)
        assert c.travel == pytest.approx(float(mins @ inst.h[c.members]), rel=1e-12)


def _grow_without_stop(inst, ball, key, start, rules):
    """The growth as first written: pop the whole ball, skip what breaks a ceiling."""
    import heapq

    hs, ks = inst.h[ball].tolist(), inst.k[ball].tolist()
    local = {int(u): i for i, u in enumerate(ball)}
    added, tot_h, tot_k, valid = [start], hs[start], ks[start], []
    if tot_h >= rules.min_hours and tot_k >= rules.min_customers:
        valid.append((1, tot_h))
    seen, heap = {start}, []
    for v in inst.adj[int(ball[start])]:
        if v in local and local[v] not in seen:
            seen.add(local[v])
            heapq.heappush(heap, (key[local[v]], local[v]))
    while heap:
        _, li = heapq.heappop(heap)
        if tot_h + hs[li] > rules.max_hours + 1e-9 or tot_k + ks[li] > rules.max_customers + 1e-9:
            continue
        added.append(li)
        tot_h += hs[li]
        tot_k += ks[li]
        for v in inst.adj[int(ball[li])]:
            if v in local and local[v] not in seen:
                seen.add(local[v])
                heapq.heappush(heap, (key[local[v]], local[v]))
        if tot_h >= rules.min_hours - 1e-9 and tot_k >= rules.min_customers - 1e-9:
            valid.append((len(added), tot_h))
    return added, valid


def test_growth_stops_early_with_the_same_lot(inst):
    rules = inst.rules
    rng = np.random.default_rng(5)
    pool = np.ones(inst.n, dtype=bool)
    for c in rng.choice(inst.n, size=40, replace=False).tolist():
        ball, mins = inst.reachable(c, pool)
        start = int(np.flatnonzero(ball == c)[0])
        key = mins * rng.uniform(0.85, 1.15, len(ball))
        ladj = cand._local_adjacency(inst, ball)
        got = cand._grow(inst, ball, key, start, rules, contiguous=True, ladj=ladj)
        assert got == _grow_without_stop(inst, ball, key, start, rules)
        assert got == cand._grow(inst, ball, key, start, rules, contiguous=True)


def test_local_adjacency_matches_the_unit_adjacency(inst):
    ball, _ = inst.reachable(17, np.ones(inst.n, dtype=bool))
    ladj = cand._local_adjacency(inst, ball)
    inside = set(ball.tolist())
    for li, u in enumerate(ball.tolist()):
        want = sorted(int(np.flatnonzero(ball == v)[0]) for v in inst.adj[u] if v in inside)
        assert sorted(v for v in ladj[li] if v >= 0) == want
        assert ladj[li].count(-1) == sum(v not in inside for v in inst.adj[u])


def test_dive_choices_are_disjoint_and_kill_every_clash(inst):
    pool = np.ones(inst.n, dtype=bool)
    cols = cand._candidates(
        inst, np.flatnonzero(pool), pool, np.random.default_rng(1), variants=2, fixed=False
    )
    chosen, info = _select(inst, cols, count=None, time_limit=60.0, seed=0)
    assert info["status"] == "dive"
    held = np.concatenate([cols[j].members for j in chosen])
    assert len(held) == len(set(held.tolist()))
    # The dive and greedy leave no column that still fits the units left free.
    free = np.ones(inst.n, dtype=bool)
    free[held] = False
    assert not any(free[c.members].all() for c in cols)


def test_dive_gives_every_lp_run_its_time_though_highs_counts_time_over_runs(inst, monkeypatch):
    # HiGHS's time limit covers all runs of a model. A model whose runs so far took 100 s
    # (simulated) must still get the dive's time for its next run, not stop at once.
    import lotdesign.lots.selection as selection

    limits: list[float] = []

    class Slow:
        def __init__(self, h):
            self.h = h

        def __getattr__(self, name):
            return getattr(self.h, name)

        def getRunTime(self):
            return self.h.getRunTime() + 100.0

        def setOptionValue(self, name, value):
            if name == "time_limit":
                limits.append(value - self.getRunTime())
                value -= 100.0
            return self.h.setOptionValue(name, value)

    real = selection.new_highs
    monkeypatch.setattr(selection, "new_highs", lambda **o: Slow(real(**o)))
    pool = np.ones(inst.n, dtype=bool)
    cols = cand._candidates(
        inst, np.flatnonzero(pool), pool, np.random.default_rng(1), variants=2, fixed=False
    )
    _, info = _select(inst, cols, count=None, time_limit=60.0, seed=0)
    assert info["status"] == "dive" and info["lp_rounds"] == len(limits) > 1
    assert min(limits) >= 1.0
