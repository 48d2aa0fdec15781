"""Lower bounds on the engine's objective by HiGHS: column generation or a p-median MIP.

Used to measure how far a plan is from optimal (benchmarks/bench_lots.py), never by
:func:`~lotdesign.lots.design` itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
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
    plans: Sequence[Any] = (),
    customers: pd.DataFrame | None = None,
    within: pd.Series | None = None,
    tolerance: float = 1e-4,
) -> dict[str, Any]:
    """A certified lower bound on :func:`~lotdesign.lots.design`'s ``plan.objective["value"]``.

    Every model relaxes contiguity (and nothing else), so it bounds contiguous and
    non-contiguous plans alike. A lot is a centre unit plus members within the radius and
    drive limit of it (to every customer, when ``customers`` are given), meeting both bands;
    the objective is the engine's (hours x minutes to the centre + penalty x uncovered hours,
    + the ``viable`` policy's cost per lot is not modelled: use it with ``compact`` plans).

    ``method="colgen"`` (default): the set-packing LP over *all* such lots, by column
    generation with exact pricing. A HiGHS LP master over the lots found so far gives unit
    duals; each centre's cheapest lot at those duals is a two-band knapsack over the units
    within its reach (hours and customers each in band, the centre in), solved exactly as a
    small HiGHS MIP. At every round the Lagrangian (Lasdon) bound ``sum(duals) + sum of the
    k most negative centres' least reduced costs`` (``k``: the most lots the floors allow;
    each centre's value a lower bound, the MIP's dual bound) is valid, whatever the duals, so
    the best one is kept; it meets the LP optimum when no lot prices out. A cheap bound per
    centre (fractional knapsacks under each ceiling) decides which centres need the exact
    solve (only those that can enter the ``k`` most negative), and box-step stabilisation
    (duals held near the best bound's) stops the duals oscillating. ``plans`` (e.g. the
    engine's) seed the master with their lots and the first duals with their lots' costs.
    The LP relaxes integrality, so on instances where fractional lots cover sparse units
    more cheaply than whole ones it can sit several per cent below the integer optimum.

    ``method="pmedian"``: a capacitated p-median MIP (x[unit, centre], y[centre]) given to
    HiGHS whole; its dual bound when the time limit stops it (or its optimum). Integral, so
    on small instances it proves the relaxed optimum; on large ones HiGHS's bound grows slowly.

    ``method="best"``: both, each with ``time_limit``; the higher bound (``parts`` holds
    both results).

    Parameters
    ----------
    units
        Demand units.
    rules
        Rules (default :class:`~lotdesign.lots.LotRules`).
    matrix
        Travel-time matrix, as for :func:`~lotdesign.lots.design`.
    method
        ``"colgen"``, ``"pmedian"`` or ``"best"``.
    time_limit
        Seconds; the best bound so far is returned when it runs out.
    seed
        Random seed (initial columns and HiGHS).
    plans
        Plans of these units (:class:`~lotdesign.lots.LotPlan`) for colgen's first columns
        and duals; the best one's gap to the bound is reported.
    customers, within
        As for :func:`~lotdesign.lots.design` (colgen only).
    tolerance
        Colgen stops when the LP master is within this share of the bound.

    Returns
    -------
    dict
        ``bound``, ``method``, ``status``, ``seconds`` and method facts (``rounds``,
        ``columns``, ``pricing_mips``, ``lp_value``, ``history`` of (seconds, LP, bound),
        ``primal`` and ``gap`` of the best plan given, for colgen; ``incumbent``, ``gap``,
        ``pairs`` for pmedian).
    """
    rules = LotRules() if rules is None else rules
    if method == "colgen":
        return _colgen_bound(
            units, rules, matrix=matrix, time_limit=time_limit, seed=seed, plans=plans,
            customers=customers, within=within, tolerance=tolerance,
        )  # fmt: skip
    if method == "best":
        parts = [
            lower_bound(units, rules=rules, matrix=matrix, method=m, time_limit=time_limit,
                        seed=seed, plans=plans, customers=customers, within=within,
                        tolerance=tolerance)
            for m in ("colgen", "pmedian")
        ]  # fmt: skip
        best = max(parts, key=lambda r: r["bound"])
        return {**best, "method": f"best ({best['method']})", "parts": parts}
    if method != "pmedian":
        raise ValidationError(f"method must be 'colgen', 'pmedian' or 'best'; got {method!r}")
    return _pmedian_bound(units, rules, matrix=matrix, time_limit=time_limit, seed=seed)


def _colgen_bound(
    units: pd.DataFrame,
    rules: LotRules,
    *,
    matrix: pd.DataFrame | None,
    time_limit: float,
    seed: int,
    plans: Sequence[Any] = (),
    customers: pd.DataFrame | None = None,
    within: pd.Series | None = None,
    tolerance: float = 1e-4,
) -> dict[str, Any]:
    """Column-generation bound with exact pricing (see :func:`lower_bound`)."""
    t0 = time.perf_counter()
    inst = _Instance(
        units.reset_index(drop=True), rules, matrix=matrix, customers=customers, within=within
    )
    rules = inst.rules
    n = inst.n
    offset = inst.penalty * float(inst.h.sum())
    pool = ~((inst.h > rules.max_hours + _EPS) | (inst.k > rules.max_customers + _EPS))
    pricers: dict[int, _Pricer] = {}
    for c in np.flatnonzero(pool).tolist():
        ball, mins = inst.reachable(c, pool)
        if inst.h[ball].sum() >= rules.min_hours - _EPS and inst.k[ball].sum() >= (
            rules.min_customers - _EPS
        ):
            pricers[c] = _Pricer(inst, c, ball, mins, rules)
    # No plan has more lots than the floors allow: a valid cut on the lot count that keeps
    # the Lagrangian bound to the most negative few centres instead of all of them.
    max_lots = int(
        min(
            inst.h[pool].sum() / max(rules.min_hours, _EPS),
            inst.k[pool].sum() / max(rules.min_customers, _EPS),
            len(pricers),
        )
    )
    # Rows: each unit in at most one lot, and the lot count. (A row per centre would be
    # redundant in the master, each centre being in its own lot, and its dual would soak up
    # the lots' costs that pricing needs on the units; the bound uses it all the same.)
    count_row = n
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
    primal = math.inf  # best plan given (``plans``), for the gap

    def add(members: np.ndarray, centre: int) -> bool:
        members = np.unique(np.asarray(members, dtype=np.int64))
        key = members.tobytes() + np.int64(centre).tobytes()
        if key in seen or centre not in pricers:
            return False
        seen.add(key)
        mins = inst.travel.minutes(centre, members)
        cost = float(inst.h[members] @ mins - inst.penalty * inst.h[members].sum())
        rows = np.append(members, count_row).astype(np.int32)
        master.addCol(cost, 0.0, 1.0, len(rows), rows, np.ones(len(rows)))
        return True

    rng = np.random.default_rng(seed)
    for col in _candidates(
        inst, np.asarray(sorted(pricers), np.int64), pool, rng, variants=2, fixed=False
    ):
        add(col.members, col.centre)
    position = {u: i for i, u in enumerate(inst.ids)}
    # The best plan given also gives the first duals to price at: each unit's share of its
    # lot's cost (h x (minutes to the centre - penalty)), 0 outside lots. Every lot of the
    # plan then has reduced cost 0, and the duals start near the LP optimum's, not at 0.
    guess: np.ndarray | None = None
    for plan in sorted(plans, key=lambda p: float(p.objective["value"])):
        value = float(plan.objective["value"])
        a = plan.assignment
        in_lot = a[a["tier"].eq(1) & a["lot_id"].notna()]
        share = np.zeros(n)
        for _, lot in in_lot.groupby("lot_id", sort=True):
            members = np.array([position[u] for u in lot["unit_id"].astype(str)], np.int64)
            centre = lot.loc[lot["is_centre"].astype(bool), "unit_id"].astype(str)
            if len(centre):
                c = position[centre.iloc[0]]
                add(members, c)
                mins = inst.travel.minutes(c, members)
                share[members] = inst.h[members] * (mins - inst.penalty)
                share[c] += inst.lot_cost
        if value < primal:
            primal, guess = value, np.minimum(share, 0.0)
    best_bound, lp_value, rounds, status = -math.inf, math.nan, 0, "time limit"
    history: list[tuple[float, float, float]] = []  # (seconds, lp value, bound)
    solved_mips = 0
    # Box-step stabilisation: the master's unit duals are held within +-delta of a stability
    # centre (the duals of the best bound so far) by two artificial columns per unit, +e_i
    # at cost centre + delta (so dual_i <= centre + delta) and -e_i at cost
    # -(centre - delta) (so dual_i >= centre - delta). The box keeps the duals from jumping
    # about, which is what makes plain column generation tail off; it widens when the
    # duals press on it and narrows when a step does not raise the bound. Any duals <= 0
    # give a valid bound, so the box never costs validity.
    art = np.arange(n_cols_before := master.getNumCol(), n_cols_before + 2 * n, dtype=np.int32)
    master.addCols(
        2 * n, np.zeros(2 * n), np.zeros(2 * n), np.ones(2 * n), 2 * n,
        np.arange(2 * n, dtype=np.int32), np.concatenate([np.arange(n), np.arange(n)]).astype(
            np.int32), np.concatenate([np.ones(n), -np.ones(n)]),
    )  # fmt: skip
    centre_duals = guess if guess is not None else np.zeros(n)
    scale = np.maximum(inst.h, _EPS)
    width = _BOX_MINUTES

    def set_box() -> None:
        delta = width * scale
        hi = np.minimum(centre_duals + delta, 0.0)
        lo = centre_duals - delta
        master.changeColsCost(2 * n, art, np.concatenate([hi, -lo]))

    set_box()
    while time.perf_counter() - t0 < time_limit:
        master.run()
        rounds += 1
        lp_value = float(master.getInfo().objective_function_value)
        sol = master.getSolution()
        duals = np.minimum(np.asarray(sol.row_dual)[:n], 0.0)
        in_box = float(np.abs(np.asarray(sol.col_value)[art]).sum()) < 1e-9
        # A cheap bound per centre first (fractional knapsack, floors dropped); only centres
        # that may price out are solved exactly, most promising first.
        lb: dict[int, float] = {}
        added, finished = 0, True
        for c, p in pricers.items():
            lb[c], greedy = p.relaxed(duals)
            if greedy is not None:
                true_rc = float(p.cost(greedy) - duals[greedy].sum())
                if true_rc < -_RC_TOL and add(greedy, c):
                    added += 1
        # Only the max_lots most negative centres count in the bound: solve exactly in order
        # of the cheap bound, and stop once no centre left can enter that top group.
        todo = sorted((c for c in pricers if lb[c] < -_RC_TOL), key=lambda c: lb[c])
        top: list[float] = []  # exact values so far, kept sorted, the max_lots smallest
        for c in todo:
            if len(top) >= max_lots and lb[c] >= top[max_lots - 1]:
                break
            if time.perf_counter() - t0 > time_limit:
                finished = False  # the centres not priced keep their cheap bound: still valid
                break
            exact, members = pricers[c].exact(duals)
            solved_mips += 1
            lb[c] = max(lb[c], exact)
            top = sorted([*top, lb[c]])[:max_lots]
            if members is not None:
                true_rc = float(pricers[c].cost(members) - duals[members].sum())
                if true_rc < -_RC_TOL and add(members, c):
                    added += 1
        contributions = np.sort(np.minimum(0.0, np.fromiter(lb.values(), float)))[:max_lots]
        lagrange = float(duals.sum()) + float(contributions.sum())
        improved = not math.isfinite(best_bound) or lagrange > best_bound + 1e-9 * max(
            1.0, abs(best_bound)
        )
        if improved:
            best_bound = lagrange
        history.append((time.perf_counter() - t0, lp_value + offset, best_bound + offset))
        if not finished:
            break
        if added == 0 and in_box:
            status = "optimal (no lot prices out)"
            break
        rel = (lp_value - best_bound) / max(abs(lp_value + offset), 1.0)
        if in_box and rel <= tolerance:
            status = f"converged (LP within {tolerance:.2%} of the bound)"
            break
        if improved:
            centre_duals = duals.copy()  # a serious step: the box moves to these duals
            if added == 0:
                width *= 2.0  # nothing prices out inside the box: let the duals go further
        else:
            width = max(width * 0.5, _BOX_MIN_MINUTES)  # a null step: look closer to home
        set_box()
    if rounds and not in_box:
        # The master's value with the box's artificial columns is no LP value: solve it once
        # without them for the restricted master's own (an upper bound on the LP optimum).
        master.changeColsBounds(2 * n, art, np.zeros(2 * n), np.zeros(2 * n))
        master.run()
        lp_value = float(master.getInfo().objective_function_value)
    bound = best_bound + offset
    return {
        "bound": bound,
        "method": "colgen",
        "status": status,
        "lp_value": lp_value + offset,
        "rounds": rounds,
        "columns": len(seen),
        "pricing_mips": solved_mips,
        "centres": len(pricers),
        "max_lots": max_lots,
        "primal": primal,
        "gap": (primal - bound) / abs(bound) if math.isfinite(primal) else math.nan,
        "history": history,
        "seconds": time.perf_counter() - t0,
    }


#: Box-step stabilisation: the first half-width of the box round the stability centre, in
#: minutes per weekly hour of the unit, and the narrowest it gets.
_BOX_MINUTES = 4.0
_BOX_MIN_MINUTES = 0.05
#: A reduced cost below this (hour-minutes) prices a lot out.
_RC_TOL = 1e-6


class _Pricer:
    """Exact pricing at one centre: the cheapest lot at given duals, contiguity relaxed.

    A two-band knapsack over the units within reach of the centre (the centre itself always
    in): ``min sum(w_i z_i)`` with ``w_i = h_i t_ci - penalty h_i - dual_i``, hours and
    customers each within their band. The HiGHS model is built once and re-solved with new
    costs each round; :meth:`relaxed` is a cheap lower bound (a fractional knapsack under
    each ceiling, floors dropped) that says whether the exact solve can find anything.
    """

    __slots__ = (
        "ball", "base", "centre_local", "h", "k", "cap_h", "cap_k", "model", "idx", "rules",
    )  # fmt: skip

    def __init__(
        self, inst: _Instance, centre: int, ball: np.ndarray, mins: np.ndarray, rules: LotRules
    ) -> None:
        self.ball = ball
        self.h = inst.h[ball]
        self.k = inst.k[ball]
        self.base = self.h * mins - inst.penalty * self.h + inst.lot_cost * (ball == centre)
        self.centre_local = int(np.flatnonzero(ball == centre)[0])
        self.cap_h = rules.max_hours - self.h[self.centre_local]
        self.cap_k = rules.max_customers - self.k[self.centre_local]
        self.model: highspy.Highs | None = None
        self.idx = np.arange(len(ball), dtype=np.int32)
        self.rules = rules

    def cost(self, members: np.ndarray) -> float:
        pos = np.searchsorted(self.ball, members)
        return float(self.base[pos].sum())

    def relaxed(self, duals: np.ndarray) -> tuple[float, np.ndarray | None]:
        """A lower bound on the least reduced cost, and a lot found on the way (or None).

        The bound: the better of two fractional knapsacks (under the hours ceiling, under
        the customers ceiling), floors dropped. The lot: the units the hours knapsack takes
        whole, while the customers ceiling holds, if that meets both floors.
        """
        w = self.base - duals[self.ball]
        c = self.centre_local
        keep = np.ones(len(w), dtype=bool)
        keep[c] = False
        rest, hr, kr = w[keep], self.h[keep], self.k[keep]
        by_h, taken = _fractional(rest, hr, self.cap_h, taken=True)
        by_k, _ = _fractional(rest, kr, self.cap_k)
        lot = None
        if taken is not None and len(taken):
            kk = np.cumsum(kr[taken])
            taken = taken[kk <= self.cap_k + _EPS]
            r = self.rules
            hours = self.h[c] + hr[taken].sum()
            cust = self.k[c] + kr[taken].sum()
            if hours >= r.min_hours - _EPS and cust >= r.min_customers - _EPS:
                local = np.flatnonzero(keep)[taken]
                lot = np.sort(self.ball[np.append(local, c)])
        return float(w[c]) + max(by_h, by_k), lot

    def _build(self) -> highspy.Highs:
        rules = self.rules
        m = len(self.ball)
        h = new_highs(mip_rel_gap=1e-7, threads=1, presolve="on")
        lower = np.zeros(m)
        lower[self.centre_local] = 1.0
        h.addVars(m, lower, np.ones(m))
        h.changeColsIntegrality(m, self.idx, np.array([highspy.HighsVarType.kInteger] * m))
        h.addRow(rules.min_hours - 1e-9, rules.max_hours + 1e-9, m, self.idx, self.h)
        h.addRow(rules.min_customers - 1e-9, rules.max_customers + 1e-9, m, self.idx, self.k)
        return h

    def exact(self, duals: np.ndarray) -> tuple[float, np.ndarray | None]:
        """(a lower bound on the least reduced cost, the best lot found or None)."""
        if self.model is None:
            self.model = self._build()
        h = self.model
        m = len(self.ball)
        h.changeColsCost(m, self.idx, self.base - duals[self.ball])
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
            return math.inf, None
        info = h.getInfo()
        lb = float(info.mip_dual_bound)
        if info.primal_solution_status < 2:
            return lb, None
        z = np.asarray(h.getSolution().col_value) > 0.5
        return lb, np.sort(self.ball[z])


def _fractional(
    w: np.ndarray, weight: np.ndarray, cap: float, *, taken: bool = False
) -> tuple[float, np.ndarray | None]:
    """Least ``sum(w z)`` with ``sum(weight z) <= cap``, ``0 <= z <= 1`` (greedy by ratio).

    With ``taken``, also the positions taken whole (in the greedy's order).
    """
    neg = np.flatnonzero(w < 0)
    if not len(neg):
        return 0.0, (neg if taken else None)
    tn = weight[neg]
    free = tn <= 0
    value = float(w[neg[free]].sum())
    rest = neg[~free]
    if not len(rest) or cap <= 0:
        return value, (neg[free] if taken else None)
    ratio = w[rest] / weight[rest]
    rest = rest[np.argsort(ratio, kind="stable")]
    wn, tn = w[rest], weight[rest]
    cum = np.cumsum(tn)
    full = int(np.searchsorted(cum, cap, side="right"))
    value += float(wn[:full].sum())
    if full < len(wn):
        used = float(cum[full - 1]) if full else 0.0
        value += float(wn[full]) * max(cap - used, 0.0) / float(tn[full])
    return value, (np.concatenate([neg[free], rest[:full]]) if taken else None)


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
