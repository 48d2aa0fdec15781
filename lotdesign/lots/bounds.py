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
    cuts: int = 0,
    contiguous: bool = True,
) -> dict[str, Any]:
    """A certified lower bound on :func:`~lotdesign.lots.design`'s ``plan.objective["value"]``.

    Column generation relaxes contiguity (and nothing else), so it bounds contiguous and
    non-contiguous plans alike; the p-median MIP holds it (see ``contiguous``), so it bounds
    every plan whose valid lots are contiguous, as ``design``'s are when
    ``rules.contiguous`` (the objective counts valid lots only). A lot is a centre unit plus
    members within the radius and drive limit of it (to every customer, when ``customers``
    are given), meeting both bands;
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

    With ``cuts`` rounds, once that LP is solved colgen adds subset-row cuts (Jepsen,
    Petersen, Spoorendonk and Pisinger, 2008) violated by its solution: for a triple S of
    units, the lots holding two or more of S sum to at most 1 (two such lots would share a
    unit), so every plan meets them. Each round adds up to 100 of the most violated (a unit
    in at most two of a round's), then column generation resumes with the cuts' duals
    priced exactly (each centre's MIP pays ``-dual_S >= 0`` through a ``y_S >= z_i + z_j -
    1`` per pair of S in reach) and in the Lagrangian bound (``+ sum(cut duals)``), which so
    stays valid at every round. The bound rises from the LP over all lots towards the
    integer optimum (contiguity still relaxed); each round makes pricing slower.

    ``method="pmedian"``: a capacitated p-median MIP (x[unit, centre], y[centre]) given to
    HiGHS whole; its dual bound when the time limit stops it (or its optimum). Integral, so
    on small instances it proves the optimum; on large ones HiGHS's bound grows slowly. With
    ``contiguous`` (and ``rules.contiguous``), contiguity is added lazily: while the optimum
    has a lot in pieces, each unit ``i`` of a piece without the centre ``c`` gets a separator
    row ``x_ic <= sum of x_jc`` over the units ``j`` next to its piece (a connected lot
    reaches ``c`` from ``i`` through one of them), and HiGHS solves again. Every solve's dual
    bound is valid for contiguous plans, so the best is kept; the last optimum with no lot
    in pieces is the optimal contiguous plan (``incumbent``; on the demo county, after two
    rounds of rows).

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
        Colgen stops when the LP master is within this share of the bound (and, with
        ``cuts``, then separates the next round's cuts).
    cuts
        Rounds of subset-row cuts (colgen only); 0 for the LP over all lots alone.
    contiguous
        Hold contiguity in the p-median MIP when ``rules.contiguous`` (pmedian only); False
        relaxes it, a bound on non-contiguous plans too.

    Returns
    -------
    dict
        ``bound``, ``method``, ``status``, ``seconds`` and method facts (``rounds``,
        ``columns``, ``pricing_mips``, ``lp_value``, ``history`` of (seconds, LP, bound),
        ``primal`` and ``gap`` of the best plan given, ``cuts`` and ``cut_rounds`` added,
        ``lp_value_plain`` and ``bound_plain`` when the LP without cuts was solved (NaN if
        never), ``master_restarts`` (master solves that stalled past
        ``_MASTER_SOLVE_SECONDS`` and were solved afresh by interior point), for colgen;
        ``incumbent`` (NaN unless every lot of it is in one piece), ``gap``, ``pairs``,
        ``contiguous``, ``bound_relaxed`` (the first solve's, contiguity relaxed),
        ``contiguity_rows`` and ``solves`` for pmedian).

    Raises
    ------
    ValidationError
        If ``method`` is not one of the three.
    RuntimeError
        If HiGHS fails on a model (no bound can be read from it).
    """
    rules = LotRules() if rules is None else rules
    if method == "colgen":
        return _colgen_bound(
            units, rules, matrix=matrix, time_limit=time_limit, seed=seed, plans=plans,
            customers=customers, within=within, tolerance=tolerance, cuts=cuts,
        )  # fmt: skip
    if method == "best":
        parts = [
            lower_bound(units, rules=rules, matrix=matrix, method=m, time_limit=time_limit,
                        seed=seed, plans=plans, customers=customers, within=within,
                        tolerance=tolerance, cuts=cuts, contiguous=contiguous)
            for m in ("colgen", "pmedian")
        ]  # fmt: skip
        best = max(parts, key=lambda r: r["bound"])
        return {**best, "method": f"best ({best['method']})", "parts": parts}
    if method != "pmedian":
        raise ValidationError(f"method must be 'colgen', 'pmedian' or 'best'; got {method!r}")
    return _pmedian_bound(
        units, rules, matrix=matrix, time_limit=time_limit, seed=seed, contiguous=contiguous
    )


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
    cuts: int = 0,
    trace: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Column-generation bound with exact pricing (see :func:`lower_bound`).

    ``trace``, when given, receives the columns (members, centre, cost with the offset
    dropped) and the master's column values at the first LP optimum (``"lp"``) and at the
    end (``"end"``), for diagnosis.
    """
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
        if inst.meets_floors(ball):
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
    # Rows: each unit in at most one lot, and the lot count; subset-row cuts come after.
    # (A row per centre would be redundant in the master, each centre being in its own lot,
    # and its dual would soak up the lots' costs that pricing needs on the units; the bound
    # uses it all the same.)
    count_row = n
    n_rows = count_row + 1
    # One thread, as every other HiGHS model in lotdesign: HiGHS keeps one thread scheduler
    # per process, and a model asking for another thread count fails (see _run).
    master = new_highs(random_seed=int(seed), threads=1)
    inf = highspy.kHighsInf
    upper = np.ones(n_rows)
    upper[count_row] = max_lots
    master.addRows(
        n_rows, np.full(n_rows, -inf), upper, 0, np.zeros(0, np.int32),
        np.zeros(0, np.int32), np.zeros(0),
    )  # fmt: skip
    seen: set[bytes] = set()
    primal = math.inf  # best plan given (``plans``), for the gap
    # The lots in the master, in order: members, centre, cost, master column index.
    col_members: list[np.ndarray] = []
    col_centre: list[int] = []
    col_cost: list[float] = []
    col_index: list[int] = []
    triples: list[np.ndarray] = []  # subset-row cuts, row n_rows + j
    cuts_of_unit: dict[int, list[int]] = {}

    def hit_cuts(members: np.ndarray) -> list[int]:
        """The cuts a lot with these members has a 1 in (two or three of the triple)."""
        count: dict[int, int] = {}
        for u in members.tolist():
            for j in cuts_of_unit.get(u, ()):
                count[j] = count.get(j, 0) + 1
        return [j for j, m in count.items() if m >= 2]

    def add(members: np.ndarray, centre: int) -> bool:
        members = np.unique(np.asarray(members, dtype=np.int64))
        key = members.tobytes() + np.int64(centre).tobytes()
        if key in seen or centre not in pricers:
            return False
        seen.add(key)
        mins = inst.travel.minutes(centre, members)
        cost = float(inst.h[members] @ mins - inst.penalty * inst.h[members].sum())
        rows = np.concatenate(
            [members, [count_row], n_rows + np.asarray(hit_cuts(members), np.int64)]
        ).astype(np.int32)
        col_index.append(master.getNumCol())
        master.addCol(cost, 0.0, 1.0, len(rows), rows, np.ones(len(rows)))
        col_members.append(members)
        col_centre.append(int(centre))
        col_cost.append(cost)
        return True

    def reduced(c: int, members: np.ndarray, duals: np.ndarray, cut_duals: np.ndarray) -> float:
        hit = hit_cuts(members)
        return float(pricers[c].cost(members) - duals[members].sum() - cut_duals[hit].sum())

    def column_values() -> np.ndarray:
        # Lots priced after the last solve are not in its solution: they sit at 0.
        value = np.asarray(master.getSolution().col_value)
        index = np.asarray(col_index, np.int64)
        return np.where(index < len(value), value[np.minimum(index, len(value) - 1)], 0.0)

    def snapshot(x: np.ndarray) -> dict[str, Any]:
        return {
            "members": list(col_members), "centre": list(col_centre),
            "cost": np.asarray(col_cost), "x": x, "triples": list(triples),
        }  # fmt: skip

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
    # give a valid bound, so the box never costs validity. (Cut duals are left free.)
    art = np.arange(n_cols_before := master.getNumCol(), n_cols_before + 2 * n, dtype=np.int32)
    master.addCols(
        2 * n, np.zeros(2 * n), np.zeros(2 * n), np.ones(2 * n), 2 * n,
        np.arange(2 * n, dtype=np.int32), np.concatenate([np.arange(n), np.arange(n)]).astype(
            np.int32), np.concatenate([np.ones(n), -np.ones(n)]),
    )  # fmt: skip
    centre_duals = guess if guess is not None else np.zeros(n)
    scale = np.maximum(inst.h, _EPS)
    width = _BOX_MINUTES
    phase_bound = -math.inf  # the best bound since the last cuts: the box's reference
    lp_plain, bound_plain, cut_rounds = math.nan, math.nan, 0

    box_cost = np.zeros(2 * n)

    def set_box() -> None:
        delta = width * scale
        hi = np.minimum(centre_duals + delta, 0.0)
        lo = centre_duals - delta
        box_cost[:] = np.concatenate([hi, -lo])
        master.changeColsCost(2 * n, art, box_cost)

    set_box()

    restarts = 0  # master solves that stalled and were solved afresh by interior point

    def solve_master(at_least: float = 1.0) -> bool:
        # A time limit on every master solve: measured on the 500-unit grid, HiGHS's primal
        # clean-up after a box change can stall in one solve far past the run's limit.
        # HiGHS counts its time limit over every run of a model, so each limit is set past
        # the time the master has run so far.
        nonlocal restarts
        left = max(at_least, time_limit - (time.perf_counter() - t0))
        master.setOptionValue("time_limit", master.getRunTime() + min(left, _MASTER_SOLVE_SECONDS))
        _run(master, "the column-generation master")
        stalled = master.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
        if stalled and left > _MASTER_SOLVE_SECONDS:
            # Drop the stalled basis and solve afresh by interior point (crossover on, so the
            # next solves warm-start from a basis again).
            restarts += 1
            master.clearSolver()
            master.setOptionValue("solver", "ipm")
            left = max(at_least, time_limit - (time.perf_counter() - t0))
            master.setOptionValue("time_limit", master.getRunTime() + left)
            _run(master, "the column-generation master (interior point)")
            master.setOptionValue("solver", "choose")
        return master.getModelStatus() == highspy.HighsModelStatus.kOptimal

    while time.perf_counter() - t0 < time_limit:
        if not solve_master():
            break  # the time ran out inside an LP solve: the best bound so far stands
        rounds += 1
        lp_value = float(master.getInfo().objective_function_value)
        sol = master.getSolution()
        row_dual = np.asarray(sol.row_dual)
        duals = np.minimum(row_dual[:n], 0.0)
        cut_duals = np.minimum(row_dual[n_rows:], 0.0)
        # The box binds when an artificial column with a cost is used (a +e_i at cost 0
        # only restates dual_i <= 0, and may sit anywhere in a slack row).
        in_box = float(np.abs(np.asarray(sol.col_value)[art])[box_cost != 0].sum()) < 1e-9
        # A cheap bound per centre first (fractional knapsack, floors and cuts dropped: the
        # cuts only add -cut dual >= 0 to a lot's reduced cost, so it stays a lower bound);
        # only centres that may price out are solved exactly, most promising first.
        lb: dict[int, float] = {}
        added, finished = 0, True
        for c, p in pricers.items():
            lb[c], greedy = p.relaxed(duals)
            if greedy is not None and reduced(c, greedy, duals, cut_duals) < -_RC_TOL:
                added += add(greedy, c)
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
            exact, members = pricers[c].exact(duals, cut_duals)
            solved_mips += 1
            lb[c] = max(lb[c], exact)
            top = sorted([*top, lb[c]])[:max_lots]
            if members is not None and reduced(c, members, duals, cut_duals) < -_RC_TOL:
                added += add(members, c)
        # The Lagrangian (Lasdon) bound. Dualise the unit rows (duals pi <= 0) and the
        # subset-row cuts (duals sigma <= 0; each cut is valid for every integer plan: two
        # lots with two units of one triple would share a unit) and keep, in the
        # subproblem, x in {0, 1}, at most one lot per centre and at most max_lots lots:
        #   L(pi, sigma) = sum(pi) + sum(sigma)
        #                  + min over such x of sum_lots (cost - pi.a - sigma.f) x,
        # f the lot's cut coefficients. For any x of a plan, sum(pi (1 - a x)) >= 0 and
        # sum(sigma (1 - f x)) >= 0, so L is at most the plan's value: a valid bound for
        # any such duals. The min takes each centre's least reduced cost (lb[c], a lower
        # bound on it: the MIP's dual bound, or the cheap bound without cuts), negative
        # ones only, the max_lots most negative.
        contributions = np.sort(np.minimum(0.0, np.fromiter(lb.values(), float)))[:max_lots]
        lagrange = float(duals.sum() + cut_duals.sum()) + float(contributions.sum())
        best_bound = max(best_bound, lagrange)
        improved = not math.isfinite(phase_bound) or lagrange > phase_bound + 1e-9 * max(
            1.0, abs(phase_bound)
        )
        if improved:
            phase_bound = lagrange
        history.append((time.perf_counter() - t0, lp_value + offset, best_bound + offset))
        if not finished:
            break
        rel = (lp_value - phase_bound) / max(abs(lp_value + offset), 1.0)
        done = in_box and (added == 0 or rel <= tolerance)
        x_now = column_values() if done else None
        if not in_box and (added == 0 or rel <= tolerance):
            # The box holds the duals, and the boxed master is at the bound: is the
            # restricted master's own LP (box off, an upper bound on the LP optimum) too?
            master.changeColsBounds(2 * n, art, np.zeros(2 * n), np.zeros(2 * n))
            solved = solve_master()
            own = float(master.getInfo().objective_function_value) if solved else math.inf
            if (own - phase_bound) / max(abs(own + offset), 1.0) <= tolerance:
                done, lp_value, x_now = True, own, column_values()
            master.changeColsBounds(2 * n, art, np.zeros(2 * n), np.ones(2 * n))
        if done:
            status = (
                "optimal (no lot prices out)"
                if added == 0 and in_box
                else f"converged (LP within {tolerance:.2%} of the bound)"
            )
            if cut_rounds == 0:
                lp_plain, bound_plain = lp_value + offset, best_bound + offset
                if trace is not None:
                    trace["lp"] = snapshot(x_now)
            if cut_rounds >= cuts or time.perf_counter() - t0 > time_limit:
                break
            new = _separate(col_members, x_now, n, triples)
            if not new:
                break
            cut_rounds += 1
            for s in new:
                j = len(triples)
                triples.append(s)
                for u in s.tolist():
                    cuts_of_unit.setdefault(u, []).append(j)
                for p in pricers.values():
                    p.add_cut(j, s)
            _add_cut_rows(master, new, col_members, col_index)
            # A new phase: the duals move to make room for the cuts' duals.
            phase_bound, width = -math.inf, _BOX_MINUTES
            set_box()
            continue
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
        solved = solve_master(at_least=_FINAL_LP_SECONDS)
        lp_value = float(master.getInfo().objective_function_value) if solved else math.nan
    if trace is not None:
        trace["end"] = snapshot(column_values())
    bound = best_bound + offset
    return {
        "bound": bound,
        "method": "colgen",
        "status": status,
        "lp_value": lp_value + offset,
        "rounds": rounds,
        "columns": len(seen),
        "pricing_mips": solved_mips,
        "master_restarts": restarts,
        "centres": len(pricers),
        "max_lots": max_lots,
        "cuts": len(triples),
        "cut_rounds": cut_rounds,
        "lp_value_plain": lp_plain,
        "bound_plain": bound_plain,
        "primal": primal,
        "gap": (primal - bound) / abs(bound) if math.isfinite(primal) else math.nan,
        "history": history,
        "seconds": time.perf_counter() - t0,
    }


def _separate(
    members: list[np.ndarray], x: np.ndarray, n: int, known: list[np.ndarray]
) -> list[np.ndarray]:
    """Violated subset-row cuts on triples of units at a master solution ``x``.

    For a triple S, ``sum over lots of x * [lot has >= 2 of S] <= 1`` holds for every
    plan. With W[i, j] the LP weight of lots holding both i and j, a lot's term is
    ``W_ij + W_ik + W_jk - 2 W_ijk``, so only triples with ``W_ij + W_ik + W_jk > 1`` can be
    violated; those are checked exactly, and the most violated taken, each unit in at most
    :data:`_CUTS_PER_UNIT` of them, at most :data:`_CUTS_PER_ROUND` in all.
    """
    frac = np.flatnonzero(x > 1e-6)
    if not len(frac):
        return []
    a = np.zeros((len(frac), n))
    for r, col in enumerate(frac.tolist()):
        a[r, members[col]] = 1.0
    xf = x[frac]
    active = np.flatnonzero(a.sum(axis=0) > 0)
    a = a[:, active]
    w = a.T @ (a * xf[:, None])
    np.fill_diagonal(w, 0.0)
    m = len(active)
    have = {tuple(sorted(t.tolist())) for t in known}
    found: list[tuple[float, int, int, int]] = []
    upper = np.triu(np.ones((m, m), dtype=bool), k=1)
    for i in range(m - 2):
        wi = w[i, i + 1 :]
        s = wi[:, None] + wi[None, :] + w[i + 1 :, i + 1 :]
        jj, kk = np.nonzero((s > 1.0 + _CUT_VIOLATION) & upper[: m - i - 1, : m - i - 1])
        if not len(jj):
            continue
        jj, kk = jj + i + 1, kk + i + 1
        count = a[:, [i]] + a[:, jj] + a[:, kk]
        lhs = xf @ (count >= 2)
        for t in np.flatnonzero(lhs > 1.0 + _CUT_VIOLATION).tolist():
            found.append((float(lhs[t]), i, int(jj[t]), int(kk[t])))
    found.sort(key=lambda f: (-f[0], f[1], f[2], f[3]))
    uses = np.zeros(m, dtype=np.int64)
    out: list[np.ndarray] = []
    for _, i, j, k in found:
        if len(out) >= _CUTS_PER_ROUND:
            break
        if max(uses[i], uses[j], uses[k]) >= _CUTS_PER_UNIT:
            continue
        triple = np.sort(active[[i, j, k]])
        if tuple(triple.tolist()) in have:
            continue
        uses[[i, j, k]] += 1
        out.append(triple)
    return out


def _add_cut_rows(
    master: highspy.Highs,
    new: list[np.ndarray],
    members: list[np.ndarray],
    index: list[int],
) -> None:
    """Add the cuts ``new`` as rows of the master, over the lots already in it."""
    inf = highspy.kHighsInf
    holds: dict[int, list[int]] = {}
    for s in new:
        for u in s.tolist():
            holds.setdefault(u, [])
    for col, mem in enumerate(members):
        for u in mem.tolist():
            if u in holds:
                holds[u].append(col)
    for s in new:
        count: dict[int, int] = {}
        for u in s.tolist():
            for col in holds[u]:
                count[col] = count.get(col, 0) + 1
        cols = np.array(sorted(index[c] for c, m in count.items() if m >= 2), np.int32)
        master.addRow(-inf, 1.0, len(cols), cols, np.ones(len(cols)))


#: Box-step stabilisation: the first half-width of the box round the stability centre, in
#: minutes per weekly hour of the unit, and the narrowest it gets.
_BOX_MINUTES = 4.0
_BOX_MIN_MINUTES = 0.05
#: Seconds one master LP solve may take before it is solved afresh by interior point: on the
#: 500-unit grid a solve takes well under a second, but HiGHS's primal clean-up stalled twice
#: in one (7 minutes and more) after a change of the stabilisation box.
_MASTER_SOLVE_SECONDS = 60.0
#: Seconds the restricted master's own LP may take once the run's time is up (its value is
#: reported, not used in the bound).
_FINAL_LP_SECONDS = 60.0
#: A reduced cost below this (hour-minutes) prices a lot out.
_RC_TOL = 1e-6
#: Subset-row cut separation: the least violation taken, the most cuts one round adds, and
#: the most new cuts on one unit in a round (spread out, they raise the bound more per cut
#: and keep each centre's pricing MIP small).
_CUT_VIOLATION = 1e-3
_CUTS_PER_ROUND = 100
_CUTS_PER_UNIT = 2


class _Pricer:
    """Exact pricing at one centre: the cheapest lot at given duals, contiguity relaxed.

    A two-band knapsack over the units within reach of the centre (the centre itself always
    in): ``min sum(w_i z_i) + sum(-sigma_S y_S)`` with ``w_i = h_i t_ci - penalty h_i -
    dual_i``, hours and customers each within their band, and for each subset-row cut S
    (dual ``sigma_S <= 0``) with two or more units in reach a ``y_S >= z_i + z_j - 1`` per
    pair of them (so ``y_S`` is 1 when the lot holds two of S). The HiGHS model is built once
    and re-solved with new costs each round; :meth:`relaxed` is a cheap lower bound (a
    fractional knapsack under each ceiling, floors and cuts dropped) that says whether the
    exact solve can find anything.
    """

    __slots__ = (
        "ball", "base", "centre_local", "h", "k", "cap_h", "cap_k", "model", "idx", "rules",
        "cut_ids", "cut_local",
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
        self.cut_ids: list[int] = []  # the cuts this centre's model holds, in column order
        self.cut_local: list[np.ndarray] = []  # their units' positions in the ball

    def cost(self, members: np.ndarray) -> float:
        pos = np.searchsorted(self.ball, members)
        return float(self.base[pos].sum())

    def add_cut(self, j: int, triple: np.ndarray) -> None:
        """Hold cut ``j`` (a triple of unit indices) if two or more of it are in reach."""
        pos = np.searchsorted(self.ball, triple)
        inside = (pos < len(self.ball)) & (self.ball[np.minimum(pos, len(self.ball) - 1)] == triple)
        if inside.sum() < 2:
            return
        local = pos[inside].astype(np.int32)
        self.cut_ids.append(j)
        self.cut_local.append(local)
        if self.model is not None:
            self._add_cut_to_model(self.model, local)

    def _add_cut_to_model(self, h: highspy.Highs, local: np.ndarray) -> None:
        y = h.getNumCol()
        h.addVar(0.0, 1.0)
        for a in range(len(local)):
            for b in range(a + 1, len(local)):
                # y - z_a - z_b >= -1
                h.addRow(
                    -1.0, highspy.kHighsInf, 3,
                    np.array([y, local[a], local[b]], np.int32), np.array([1.0, -1.0, -1.0]),
                )  # fmt: skip

    def relaxed(self, duals: np.ndarray) -> tuple[float, np.ndarray | None]:
        """A lower bound on the least reduced cost, and a lot found on the way (or None).

        The bound: the better of two fractional knapsacks (under the hours ceiling, under
        the customers ceiling), floors and cuts dropped. The lot: the units the hours
        knapsack takes whole, while the customers ceiling holds, if that meets both floors.
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
        # One thread: these MIPs are small, and more threads only spin (see _run).
        h = new_highs(mip_rel_gap=1e-7, threads=1, presolve="on")
        lower = np.zeros(m)
        lower[self.centre_local] = 1.0
        h.addVars(m, lower, np.ones(m))
        h.changeColsIntegrality(m, self.idx, np.array([highspy.HighsVarType.kInteger] * m))
        h.addRow(rules.min_hours - 1e-9, rules.max_hours + 1e-9, m, self.idx, self.h)
        h.addRow(rules.min_customers - 1e-9, rules.max_customers + 1e-9, m, self.idx, self.k)
        for local in self.cut_local:
            self._add_cut_to_model(h, local)
        return h

    def exact(
        self, duals: np.ndarray, cut_duals: np.ndarray | None = None
    ) -> tuple[float, np.ndarray | None]:
        """(a lower bound on the least reduced cost, the best lot found or None)."""
        if self.model is None:
            self.model = self._build()
        h = self.model
        m = len(self.ball)
        h.changeColsCost(m, self.idx, self.base - duals[self.ball])
        if self.cut_ids:
            ys = np.arange(m, m + len(self.cut_ids), dtype=np.int32)
            sigma = np.zeros(len(ys)) if cut_duals is None else cut_duals[self.cut_ids]
            h.changeColsCost(len(ys), ys, -np.minimum(sigma, 0.0))
        _run(h, "a pricing MIP")
        if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
            return math.inf, None
        info = h.getInfo()
        lb = float(info.mip_dual_bound)
        if info.primal_solution_status < 2:
            return lb, None
        z = np.asarray(h.getSolution().col_value)[:m] > 0.5
        return lb, np.sort(self.ball[z])


def _run(h: highspy.Highs, what: str) -> None:
    """Run HiGHS; an error (nothing solved, so no bound to read) raises, never reads as 0.

    HiGHS refuses to run a model whose ``threads`` option differs from the process's thread
    scheduler, set by whichever model ran first (the master's default, or another module's
    ``threads=1``): the run errors and every info value reads 0, which as a pricing bound
    would be invalid. So on an error the scheduler is reset and the run tried once more.
    """
    if h.run() != highspy.HighsStatus.kError:
        return
    highspy.Highs.resetThreadScheduler(True)
    if h.run() == highspy.HighsStatus.kError:
        raise RuntimeError(
            f"HiGHS failed on {what} (model status "
            f"{h.modelStatusToString(h.getModelStatus())!r}); no bound can be read from it"
        )


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
    contiguous: bool = True,
) -> dict[str, Any]:
    """Capacitated p-median MIP bound (see :func:`lower_bound`)."""
    inst = _Instance(units.reset_index(drop=True), rules, matrix=matrix)
    contiguous = contiguous and inst.rules.contiguous
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
    # Gap 0, so that "Optimal" is the optimum, not within HiGHS's default share of the
    # offset objective (penalty x all hours, far larger than the gaps measured).
    h = new_highs(time_limit=float(time_limit), random_seed=int(seed), threads=1, mip_rel_gap=0.0)
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
    t0 = time.perf_counter()
    _run(h, "the p-median MIP")
    offset = inst.penalty * float(inst.h.sum())
    relaxed = bound = float(h.getInfo().mip_dual_bound)
    rows_added, solves, whole = 0, 1, True
    pairs = zip(ii.tolist(), cc.tolist(), strict=True)
    col_of = {(i, c): k for k, (i, c) in enumerate(pairs)}

    def separator_rows() -> list[np.ndarray]:
        x = np.asarray(h.getSolution().col_value) > 0.5
        lots = [(c, np.append(ii[x[:n_x] & (cc == c)], c)) for c in centres[x[n_x:]].tolist()]
        return inst.separator_rows(lots, col_of)

    # Contiguity, lazily: while the optimum has a lot in pieces, cut it off (a separator row
    # per unit of each piece without the centre; every contiguous lot meets them) and solve
    # again. Each solve's dual bound bounds every plan whose valid lots are contiguous.
    while contiguous and h.getInfo().primal_solution_status >= 2:
        rows = separator_rows()
        whole = not rows
        left = time_limit - (time.perf_counter() - t0)
        if whole or h.getModelStatus() != highspy.HighsModelStatus.kOptimal or left <= 0:
            break
        for idx in rows:
            h.addRow(-inf, 0.0, len(idx), idx, np.append(1.0, -np.ones(len(idx) - 1)))
        rows_added += len(rows)
        h.setOptionValue("time_limit", h.getRunTime() + left)  # HiGHS's limit is cumulative
        _run(h, "the p-median MIP with contiguity rows")
        solves += 1
        bound = max(bound, float(h.getInfo().mip_dual_bound))
    info = h.getInfo()
    has_sol = info.primal_solution_status >= 2 and whole
    status = h.modelStatusToString(h.getModelStatus())
    if not whole:
        status = f"{status}, a lot in pieces (time limit)"
    return {
        "bound": bound + offset,
        "method": "pmedian",
        "incumbent": float(info.objective_function_value) + offset if has_sol else math.nan,
        "status": status,
        "gap": float(info.mip_gap),
        "seconds": time.perf_counter() - t0,
        "pairs": n_x,
        "contiguous": contiguous,
        "bound_relaxed": relaxed + offset,
        "contiguity_rows": rows_added,
        "solves": solves,
    }
