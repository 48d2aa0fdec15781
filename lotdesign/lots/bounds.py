"""Lower bounds on the engine's objective by HiGHS: column generation or a p-median MIP.

Used to measure how far a plan is from optimal (benchmarks/bench_lots.py), never by
:func:`~lotdesign.lots.design` itself.
"""

from __future__ import annotations

import math
import time
from typing import Any

import highspy
import numpy as np
import pandas as pd

from lotdesign.errors import ValidationError
from lotdesign.highs import new_highs
from lotdesign.lots.candidates import _candidates
from lotdesign.lots.instance import _EPS, _Instance
from lotdesign.lots.rules import LotRules

__all__ = ["lower_bound"]


def lower_bound(
    units: pd.DataFrame,
    *,
    rules: LotRules | None = None,
    matrix: pd.DataFrame | None = None,
    method: str = "colgen",
    time_limit: float = 60.0,
    seed: int = 0,
) -> dict[str, Any]:
    """A HiGHS lower bound on :func:`~lotdesign.lots.design`'s ``plan.objective["value"]``.

    Both models relax contiguity, so they bound contiguous and non-contiguous plans alike.
    A lot is a centre unit plus members within the radius and drive limit of it, meeting both
    bands; the objective is the engine's (hours x minutes to the centre + penalty x
    uncovered hours).

    ``method="colgen"`` (default): set partitioning over *all* such lots, bounded by column
    generation. A HiGHS LP master over the lots found so far gives unit duals; for each
    centre a small HiGHS MIP (a two-band knapsack over the units within reach) prices the
    best lot. The Lagrangian bound ``sum(duals) + sum over centres of min(0, best reduced
    cost)`` (only the ``k`` most negative, where ``k`` is the most lots the floors allow) is
    valid at every round (the pricing MIPs' dual bounds are used), and meets the LP optimum
    when no lot prices out.

    ``method="pmedian"``: a capacitated p-median MIP (x[unit, centre], y[centre]) given to
    HiGHS whole; its dual bound when the time limit stops it. Weaker in practice.

    Parameters
    ----------
    units
        Demand units.
    rules
        Rules (default :class:`~lotdesign.lots.LotRules`).
    matrix
        Travel-time matrix, as for :func:`~lotdesign.lots.design`.
    method
        ``"colgen"`` or ``"pmedian"``.
    time_limit
        Seconds; the best bound so far is returned when it runs out.
    seed
        Random seed (initial columns and HiGHS).

    Returns
    -------
    dict
        ``bound``, ``method``, ``status``, ``seconds`` and method facts (``rounds``,
        ``columns``, ``lp_value`` for colgen; ``incumbent``, ``gap``, ``pairs`` for pmedian).
    """
    rules = LotRules() if rules is None else rules
    if method == "colgen":
        return _colgen_bound(units, rules, matrix=matrix, time_limit=time_limit, seed=seed)
    if method != "pmedian":
        raise ValidationError(f"method must be 'colgen' or 'pmedian'; got {method!r}")
    return _pmedian_bound(units, rules, matrix=matrix, time_limit=time_limit, seed=seed)


def _colgen_bound(
    units: pd.DataFrame,
    rules: LotRules,
    *,
    matrix: pd.DataFrame | None,
    time_limit: float,
    seed: int,
) -> dict[str, Any]:
    """Column-generation bound (see :func:`lower_bound`)."""
    t0 = time.perf_counter()
    inst = _Instance(units.reset_index(drop=True), rules, matrix=matrix)
    n = inst.n
    offset = inst.penalty * float(inst.h.sum())
    pool = ~((inst.h > rules.max_hours + _EPS) | (inst.k > rules.max_customers + _EPS))
    centres = np.flatnonzero(pool)
    reach = {}
    for c in centres.tolist():
        ball, mins = inst.reachable(c, pool)
        if inst.h[ball].sum() >= rules.min_hours - _EPS and inst.k[ball].sum() >= (
            rules.min_customers - _EPS
        ):
            reach[c] = (ball, mins)
    centre_row = {c: n + r for r, c in enumerate(sorted(reach))}
    # No plan has more lots than the floors allow: a valid cut on the lot count that keeps
    # the Lagrangian bound to the most negative few centres instead of all of them.
    max_lots = int(
        min(
            inst.h[pool].sum() / max(rules.min_hours, _EPS),
            inst.k[pool].sum() / max(rules.min_customers, _EPS),
            len(reach),
        )
    )
    count_row = n + len(centre_row)
    n_rows = count_row + 1
    master = new_highs(random_seed=int(seed))
    inf = highspy.kHighsInf
    upper = np.ones(n_rows)
    upper[count_row] = max_lots
    master.addRows(
        n_rows, np.full(n_rows, -inf), upper, 0, np.zeros(0, np.int32),
        np.zeros(0, np.int32), np.zeros(0),
    )  # fmt: skip
    seen: set[bytes] = set()

    def add(members: np.ndarray, centre: int) -> bool:
        key = members.tobytes() + np.int64(centre).tobytes()
        if key in seen or centre not in centre_row:
            return False
        seen.add(key)
        mins = inst.travel.minutes(centre, members)
        cost = float(inst.h[members] @ mins - inst.penalty * inst.h[members].sum())
        rows = np.append(members, [centre_row[centre], count_row]).astype(np.int32)
        master.addCol(cost, 0.0, 1.0, len(rows), rows, np.ones(len(rows)))
        return True

    rng = np.random.default_rng(seed)
    for col in _candidates(
        inst, np.asarray(sorted(reach), np.int64), pool, rng, variants=2, fixed=False
    ):
        add(col.members, col.centre)
    best_bound, lp_value, rounds, status = -math.inf, math.nan, 0, "time limit"
    stable: np.ndarray | None = None  # duals of the best bound so far (Wentges smoothing)
    while time.perf_counter() - t0 < time_limit:
        master.run()
        rounds += 1
        lp_value = float(master.getInfo().objective_function_value)
        duals = np.minimum(np.asarray(master.getSolution().row_dual)[:n], 0.0)
        # Price at duals pulled towards the best-bound duals: damps the oscillation that
        # makes plain column generation tail off, and any duals <= 0 give a valid bound.
        price_at = duals if stable is None else 0.5 * stable + 0.5 * duals
        added, finished, best_rc = 0, True, []
        for c, (ball, mins) in reach.items():
            if time.perf_counter() - t0 > time_limit:
                finished = False  # pricing unfinished: this round gives no bound
                break
            base = inst.h[ball] * mins - inst.penalty * inst.h[ball]
            value, lb, members = _price(inst, ball, base - price_at[ball], c, rules)
            best_rc.append(min(0.0, lb))
            if members is not None:
                pos = np.searchsorted(ball, members)
                true_rc = float((base[pos] - duals[members]).sum())
                if true_rc < -1e-6 and add(members, c):
                    added += 1
        if not finished:
            break
        lagrange = float(price_at.sum()) + float(np.sort(best_rc)[:max_lots].sum())
        if lagrange > best_bound:
            best_bound, stable = lagrange, price_at.copy()
        if added == 0 and stable is not None and np.array_equal(price_at, duals):
            status = "optimal (no lot prices out)"
            break
        if added == 0:
            stable = duals.copy()  # mis-priced round: price at the master's duals next
    return {
        "bound": best_bound + offset,
        "method": "colgen",
        "status": status,
        "lp_value": lp_value + offset,
        "rounds": rounds,
        "columns": len(seen),
        "seconds": time.perf_counter() - t0,
    }


def _price(
    inst: _Instance, ball: np.ndarray, coef: np.ndarray, centre: int, rules: LotRules
) -> tuple[float, float, np.ndarray | None]:
    """Best lot at ``centre`` for reduced costs ``coef`` (a two-band knapsack, HiGHS MIP)."""
    m = len(ball)
    h = new_highs(mip_rel_gap=1e-6, time_limit=10.0)
    lower = np.zeros(m)
    lower[ball == centre] = 1.0
    h.addVars(m, lower, np.ones(m))
    idx = np.arange(m, dtype=np.int32)
    h.changeColsCost(m, idx, coef)
    h.changeColsIntegrality(m, idx, np.array([highspy.HighsVarType.kInteger] * m))
    h.addRow(rules.min_hours - 1e-9, rules.max_hours + 1e-9, m, idx, inst.h[ball])
    h.addRow(rules.min_customers - 1e-9, rules.max_customers + 1e-9, m, idx, inst.k[ball])
    h.run()
    info = h.getInfo()
    if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        return math.inf, math.inf, None
    lb = float(info.mip_dual_bound)
    if info.primal_solution_status < 2:
        return math.inf, lb, None
    z = np.asarray(h.getSolution().col_value) > 0.5
    return float(info.objective_function_value), lb, np.sort(ball[z])


def _pmedian_bound(
    units: pd.DataFrame,
    rules: LotRules,
    *,
    matrix: pd.DataFrame | None,
    time_limit: float,
    seed: int,
) -> dict[str, Any]:
    """Capacitated p-median MIP bound (see :func:`lower_bound`)."""
    inst = _Instance(units.reset_index(drop=True), rules, matrix=matrix)
    n = inst.n
    pool = np.ones(n, dtype=bool)
    big = (inst.h > rules.max_hours + _EPS) | (inst.k > rules.max_customers + _EPS)
    pool &= ~big
    pair_i, pair_c, pair_t = [], [], []
    for c in np.flatnonzero(pool).tolist():
        ball, mins = inst.reachable(c, pool)
        pair_i.append(ball)
        pair_c.append(np.full(len(ball), c))
        pair_t.append(mins)
    ii = np.concatenate(pair_i) if pair_i else np.empty(0, np.int64)
    cc = np.concatenate(pair_c) if pair_c else np.empty(0, np.int64)
    tt = np.concatenate(pair_t) if pair_t else np.empty(0)
    keep = ii != cc  # the centre's own unit is carried by its y variable
    ii, cc, tt = ii[keep], cc[keep], tt[keep]
    n_x = len(ii)
    centres = np.flatnonzero(pool)
    y_of = {int(c): n_x + j for j, c in enumerate(centres.tolist())}
    n_col = n_x + len(centres)
    # Columns: x (unit i to centre c), then y (centre c open, its own unit included).
    cost = np.concatenate(
        [inst.h[ii] * tt - inst.penalty * inst.h[ii], -inst.penalty * inst.h[centres]]
    )
    h = new_highs(time_limit=float(time_limit), random_seed=int(seed), threads=1)
    inf = highspy.kHighsInf
    h.addVars(n_col, np.zeros(n_col), np.ones(n_col))
    h.changeColsCost(n_col, np.arange(n_col, dtype=np.int32), cost)
    h.changeColsIntegrality(
        n_col,
        np.arange(n_col, dtype=np.int32),
        np.array([highspy.HighsVarType.kInteger] * n_col),
    )
    ycol = np.array([y_of[int(c)] for c in cc], dtype=np.int32)
    xcol = np.arange(n_x, dtype=np.int32)
    # Each unit in at most one lot (as member or as centre).
    order = np.argsort(ii, kind="stable")
    by_unit = np.split(xcol[order], np.searchsorted(ii[order], np.arange(1, n)))
    for u in range(n):
        cols = by_unit[u]
        if u in y_of:
            cols = np.append(cols, y_of[u])
        if len(cols) > 1:
            h.addRow(-inf, 1.0, len(cols), cols.astype(np.int32), np.ones(len(cols)))
    # Linking x_ic <= y_c.
    for j in range(n_x):
        h.addRow(-inf, 0.0, 2, np.array([j, ycol[j]], np.int32), np.array([1.0, -1.0]))
    # Bands per centre.
    order = np.argsort(cc, kind="stable")
    by_centre = np.split(xcol[order], np.searchsorted(cc[order], centres[1:]))
    for c, cols in zip(centres.tolist(), by_centre, strict=True):
        yc = y_of[c]
        idx = np.append(cols, yc).astype(np.int32)
        for weights, lo, hi, own in (
            (inst.h, rules.min_hours, rules.max_hours, inst.h[c]),
            (inst.k, rules.min_customers, rules.max_customers, inst.k[c]),
        ):
            w = weights[ii[cols]]
            h.addRow(-inf, 0.0, len(idx), idx, np.append(w, own - hi))
            h.addRow(0.0, inf, len(idx), idx, np.append(w, own - lo))
    h.run()
    info = h.getInfo()
    offset = inst.penalty * float(inst.h.sum())
    has_sol = info.primal_solution_status >= 2
    return {
        "bound": float(info.mip_dual_bound) + offset,
        "method": "pmedian",
        "incumbent": float(info.objective_function_value) + offset if has_sol else math.nan,
        "status": h.modelStatusToString(h.getModelStatus()),
        "gap": float(info.mip_gap),
        "seconds": float(h.getRunTime()),
        "pairs": n_x,
    }
