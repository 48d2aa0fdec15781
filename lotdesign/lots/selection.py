"""Selection: a disjoint set of candidate lots, by a HiGHS LP dive and then a greedy pass.

The set-packing LP relaxation (each unit, and each fixed centre, in at most one chosen lot)
is solved with HiGHS; lots the LP all but chooses are fixed and the LP re-solved warm until
nothing fractional is left. A greedy pass (hardest-to-cover unit first) completes it.
"""

from __future__ import annotations

import math
import time
from typing import Any

import highspy
import numpy as np

from lotdesign import settings
from lotdesign.highs import new_highs
from lotdesign.lots.candidates import _Column
from lotdesign.lots.instance import _EPS, _Instance


def _packing_lp(
    inst: _Instance, columns: list[_Column], count: tuple[int, int] | None
) -> highspy.HighsLp:
    """Set-packing LP: each unit (and each fixed centre) in at most one chosen column."""
    cost = np.array([c.travel - inst.penalty * c.hours + inst.lot_cost for c in columns])
    # A row per unit of the instance, held or not. Rows for the held units only are the same
    # LP, but HiGHS's path (and so the dive's plans) depends on the row count: measured, they
    # cut the 35,000-unit standard search from 559 to 500 CPU seconds, and moved its
    # objective +0.45% (and the 5,000-unit one -0.31%), so plans are kept as they were.
    members = [col.members for col in columns]
    n_units = inst.n
    groups = sorted({c.group for c in columns if c.group >= 0})
    row_of = {g: n_units + i for i, g in enumerate(groups)}
    n_rows = n_units + len(groups)
    if not groups and count is None:
        segments = members
    else:
        segments = []
        for col, seg in zip(columns, members, strict=True):
            if col.group >= 0:
                seg = np.append(seg, row_of[col.group])
            if count is not None:
                seg = np.append(seg, n_rows)
            segments.append(seg)
    lengths = np.fromiter(map(len, segments), np.int64, len(segments))
    row_lower = np.full(n_rows, -highspy.kHighsInf)
    row_upper = np.ones(n_rows)
    if count is not None:
        row_lower = np.append(row_lower, float(count[0]))
        row_upper = np.append(row_upper, float(count[1]))
        n_rows += 1
    starts = np.zeros(len(columns) + 1, dtype=np.int32)
    starts[1:] = np.cumsum(lengths)
    index = np.concatenate(segments).astype(np.int32)
    lp = highspy.HighsLp()
    lp.num_col_ = len(columns)
    lp.num_row_ = n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(len(columns))
    lp.col_upper_ = np.ones(len(columns))
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = np.ones(len(index))
    return lp


def _select(
    inst: _Instance,
    columns: list[_Column],
    *,
    count: tuple[int, int] | None,
    time_limit: float,
    seed: int,
) -> tuple[list[int], dict[str, Any]]:
    """Disjoint columns minimising travel + penalty x uncovered hours.

    An LP dive: solve the set-packing LP relaxation with HiGHS, fix every column at more
    than one half (they cannot overlap) or else the largest, drop the columns that now
    clash, and re-solve warm until nothing fractional is left. Exact set packing over tens
    of thousands of overlapping columns stalls HiGHS's MIP heuristics (measured: no useful
    incumbent in 30 s on 500 units), while the dive lands within a few per cent of the LP
    bound in seconds. The time limit stops diving early; the greedy pass then completes it.
    """
    t0 = time.perf_counter()
    if not columns:
        return [], {"status": "no candidates", "columns": 0, "lp_bound": math.nan}
    h = new_highs(random_seed=int(seed) % 2_147_483_647, threads=1)
    h.passModel(_packing_lp(inst, columns, count))
    # Columns of each unit (CSR), so a pick kills the columns it clashes with directly.
    flat = np.concatenate([c.members for c in columns])
    lengths = np.fromiter((len(c.members) for c in columns), np.int64, len(columns))
    held, inverse = np.unique(flat, return_inverse=True)
    by_unit = np.repeat(np.arange(len(columns)), lengths)[np.argsort(inverse, kind="stable")]
    unit_start = np.zeros(len(held) + 1, dtype=np.int64)
    np.cumsum(np.bincount(inverse, minlength=len(held)), out=unit_start[1:])
    has_groups = any(c.group >= 0 for c in columns)
    alive = np.ones(len(columns), dtype=bool)
    free = np.ones(inst.n, dtype=bool)
    groups_used: set[int] = set()
    chosen: list[int] = []
    lp_bound, rounds, status = math.nan, 0, "dive"
    while alive.any():
        if time.perf_counter() - t0 > time_limit or rounds >= settings.LOT_DIVE_ROUNDS:
            status = "dive stopped at its limit; greedy finished"
            break
        # HiGHS counts a model's time limit over all its runs: set it past the time run.
        left = max(1.0, time_limit - (time.perf_counter() - t0))
        h.setOptionValue("time_limit", h.getRunTime() + left)
        h.run()
        rounds += 1
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            status = h.modelStatusToString(h.getModelStatus())
            break
        x = np.asarray(h.getSolution().col_value)
        if rounds == 1:
            lp_bound = float(h.getInfo().objective_function_value)
        x = np.where(alive, x, 0.0)
        pick = np.flatnonzero(x > 0.5 + 1e-7)
        if not len(pick):
            if x.max() <= 1e-7:
                break
            pick = np.array([int(np.argmax(x))])
        for j in pick.tolist():
            chosen.append(j)
            free[columns[j].members] = False
            if columns[j].group >= 0:
                groups_used.add(columns[j].group)
        alive[pick] = False
        taken = np.searchsorted(held, np.concatenate([columns[j].members for j in pick.tolist()]))
        clash = np.zeros(len(columns), dtype=bool)
        for a, b in zip(unit_start[taken].tolist(), unit_start[taken + 1].tolist(), strict=True):
            clash[by_unit[a:b]] = True
        if has_groups and groups_used:
            clash |= np.fromiter(
                (c.group in groups_used for c in columns), dtype=bool, count=len(columns)
            )
        dead = np.flatnonzero(alive & clash).tolist()
        alive[dead] = False
        fix = np.asarray(pick, dtype=np.int32)
        h.changeColsBounds(len(fix), fix, np.ones(len(fix)), np.ones(len(fix)))
        if dead:
            kill = np.asarray(dead, dtype=np.int32)
            h.changeColsBounds(len(kill), kill, np.zeros(len(kill)), np.zeros(len(kill)))
    limit = None if count is None else max(0, count[1] - len(chosen))
    chosen += _greedy(inst, columns, alive, free, groups_used, limit=limit)
    return chosen, {
        "status": status,
        "columns": len(columns),
        "lp_rounds": rounds,
        "lp_bound": lp_bound + inst.penalty * float(inst.h.sum()),  # lot costs included
        "seconds": time.perf_counter() - t0,
    }


def _greedy(
    inst: _Instance,
    columns: list[_Column],
    alive: np.ndarray,
    free: np.ndarray,
    groups_used: set[int],
    *,
    limit: int | None = None,
) -> list[int]:
    """Hardest unit first: take the cheapest-per-hour column covering it, until none fit."""
    alive = alive.copy()
    for j in np.flatnonzero(alive).tolist():
        if not free[columns[j].members].all() or columns[j].group in groups_used:
            alive[j] = False
    if not alive.any():
        return []
    cols_of: dict[int, list[int]] = {}
    for j in np.flatnonzero(alive).tolist():
        for i in columns[j].members.tolist():
            cols_of.setdefault(i, []).append(j)
    cover = np.zeros(inst.n, dtype=np.int64)
    for i, js in cols_of.items():
        cover[i] = len(js)
    per_hour = np.array([(c.travel + inst.lot_cost) / max(c.hours, _EPS) for c in columns])
    chosen: list[int] = []
    while limit is None or len(chosen) < limit:
        open_units = np.flatnonzero(free & (cover > 0))
        if not len(open_units):
            break
        s = int(open_units[np.lexsort((open_units, cover[open_units]))[0]])
        j = min((j for j in cols_of[s] if alive[j]), key=lambda j: (per_hour[j], j))
        chosen.append(j)
        free[columns[j].members] = False
        killed = {jj for i in columns[j].members.tolist() for jj in cols_of[i] if alive[jj]}
        if columns[j].group >= 0:
            groups_used.add(columns[j].group)
            killed |= {
                jj for jj in np.flatnonzero(alive).tolist() if columns[jj].group == columns[j].group
            }
        for jj in sorted(killed):
            alive[jj] = False
            cover[columns[jj].members] -= 1
    return chosen
