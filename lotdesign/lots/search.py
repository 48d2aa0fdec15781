"""The lot state, local improvement, neighbourhood search and exact polishing; search levels.

After selection, :func:`_improve` moves units between neighbouring lots (and uncovered units
into lots) while every rule holds and the objective falls, then re-chooses centres.
:func:`_reoptimise` re-solves windows of nearby lots: by fresh candidates and the LP dive
(large-neighbourhood search) or exactly, as a HiGHS p-median MIP (:func:`_window_mip`,
polishing). :func:`search_options` says how hard :func:`lotdesign.lots.design` searches at
each named level (``standard``, ``thorough``), read from settings at call time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from scipy.sparse import csc_matrix
from scipy.spatial import cKDTree

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.highs import lp_from_csc, new_highs
from lotdesign.lots.candidates import _candidates, _Column
from lotdesign.lots.instance import _EPS, _Instance
from lotdesign.lots.selection import _select

__all__ = ["SEARCH_LEVELS", "search_options"]


# --- the lot state -------------------------------------------------------------------------------


class _Lot:
    """A lot being built: members, centre, running totals and where it came from."""

    __slots__ = ("members", "centre", "hours", "customers", "origin", "label", "frozen", "group")

    def __init__(
        self,
        members: set[int],
        centre: int,
        inst: _Instance,
        *,
        origin: str = "new",
        label: str | None = None,
        frozen: bool = False,
        group: int = -1,
    ) -> None:
        self.members = set(members)
        self.centre = centre
        self.hours = float(inst.h[list(members)].sum())
        self.customers = float(inst.k[list(members)].sum())
        self.origin = origin
        self.label = label
        self.frozen = frozen
        self.group = group


def _copy_lot(lot: _Lot, inst: _Instance) -> _Lot:
    """A copy whose member set can change without touching the original."""
    return _Lot(
        lot.members, lot.centre, inst, origin=lot.origin, label=lot.label, frozen=lot.frozen,
        group=lot.group,
    )  # fmt: skip


def _plan_value(inst: _Instance, lots: list[_Lot]) -> float:
    """The objective less its constant: travel - penalty x hours over the lots that pass."""
    value = 0.0
    for lot in lots:
        if lot.origin == "oversize":
            continue
        m = inst.measure(np.fromiter(sorted(lot.members), dtype=np.int64), lot.centre)
        if not inst.breaches(m):
            value += m.travel - inst.penalty * m.hours + inst.lot_cost
    return value


def _lower(value: float, than: float) -> bool:
    """Whether objective ``value`` is lower than ``than`` by more than round-off."""
    return value < than - 1e-6 * max(1.0, abs(than))


def _searchable(lot: _Lot) -> bool:
    """Whether the search may re-solve a lot: a new one, not frozen, in no ``within`` area."""
    return not lot.frozen and lot.origin == "new" and lot.group < 0


def _tally(stats: dict[str, Any] | None, name: str) -> None:
    """Count one more ``name`` in ``stats`` (if kept)."""
    if stats is not None:
        stats[name] = stats.get(name, 0) + 1


def _members_of(lots: list[_Lot], *, frozen_only: bool, n: int) -> np.ndarray:
    """Mask of units in ``lots`` (only in frozen lots with ``frozen_only``)."""
    out = np.zeros(n, dtype=bool)
    for lot in lots:
        if lot.frozen or not frozen_only:
            out[list(lot.members)] = True
    return out


# --- local improvement and neighbourhood search ---------------------------------------------------


def _improve(
    inst: _Instance,
    lots: list[_Lot],
    fixed_units: np.ndarray,
    pool: np.ndarray,
    *,
    passes: int,
    fixed_centres: bool,
) -> None:
    """Move units between lots (and uncovered units into lots) while every rule holds."""
    rules = inst.rules
    lot_of = np.full(inst.n, -1, dtype=np.int64)
    for li, lot in enumerate(lots):
        lot_of[list(lot.members)] = li
    h, k = inst.h, inst.k
    max_h, max_k = rules.max_hours + _EPS, rules.max_customers + _EPS
    min_h, min_k = rules.min_hours - _EPS, rules.min_customers - _EPS
    movable = pool & ~fixed_units
    if not rules.contiguous:
        near_k = min(settings.LOT_MOVE_NEIGHBOURS, inst.n)
        # Units only: the travel model's tree also holds centres and customers' postcodes.
        _, near = cKDTree(np.column_stack([inst.x, inst.y])).query(
            np.column_stack([inst.x, inst.y]), k=near_k if near_k > 1 else 1
        )
        near = np.atleast_2d(near.T).T if near_k > 1 else near[:, None]
    for _ in range(passes):
        changed = False
        for i in np.flatnonzero(movable).tolist():
            a = int(lot_of[i])
            if a >= 0 and (lots[a].frozen or lots[a].centre == i):
                continue
            if rules.contiguous:
                cand = {int(lot_of[j]) for j in inst.adj[i]}
            else:
                cand = {int(lot_of[j]) for j in near[i].tolist() if j < inst.n}
            cand.discard(-1)
            cand.discard(a)
            if not cand:
                continue
            if a >= 0:
                la = lots[a]
                if la.hours - h[i] < min_h or la.customers - k[i] < min_k:
                    continue
                t_a = float(inst.travel.minutes(la.centre, i))
                here = h[i] * t_a
            else:
                here = inst.penalty * h[i]
            best, best_gain = -1, 1e-9
            for b in sorted(cand):
                lb = lots[b]
                if lb.frozen or lb.hours + h[i] > max_h or lb.customers + k[i] > max_k:
                    continue
                if not inst.reach_ok(lb.centre, np.array([i]))[0]:
                    continue
                t_b = float(inst.travel.minutes(lb.centre, i))
                gain = here - h[i] * t_b
                if gain > best_gain:
                    best, best_gain = b, gain
            if best < 0:
                continue
            if a >= 0 and rules.contiguous and inst.parts(lots[a].members - {i}) > 1:
                continue
            if a >= 0:
                lots[a].members.discard(i)
                lots[a].hours -= h[i]
                lots[a].customers -= k[i]
            lb = lots[best]
            lb.members.add(i)
            lb.hours += h[i]
            lb.customers += k[i]
            lot_of[i] = best
            changed = True
        if not fixed_centres:
            for lot in lots:
                if lot.frozen or lot.origin == "locked":
                    continue
                members = np.fromiter(sorted(lot.members), dtype=np.int64)
                found = inst.best_centre(members)
                if found is not None and found[0] != lot.centre:
                    old = float(inst.travel.minutes(lot.centre, members) @ h[members])
                    if found[1] < old - 1e-9:
                        lot.centre = found[0]
                        changed = True
        if not changed:
            break


def _reoptimise(
    inst: _Instance,
    lots: list[_Lot],
    pool: np.ndarray,
    rng: np.random.Generator,
    *,
    exact: bool,
    window: int,
    variants: int,
    window_seconds: float,
    seed: int,
    tried: set[Any] | None = None,
    stats: dict[str, Any] | None = None,
    settled: set[Any] | None = None,
    max_units: int = 0,
) -> int:
    """Large-neighbourhood search: re-solve each lot with its nearest lots; keep improvements.

    The units of a window (a lot, its ``window - 1`` nearest lots and the uncovered units
    touching them; for exact pairs, the lot with each lot it touches in turn) are pooled and
    re-solved: with ``exact`` by :func:`_window_mip` (HiGHS, warm-started from the current
    lots), else by growing fresh candidates over the pool and re-running the LP dive with the
    current lots among the candidates. A window is replaced only when its objective falls and
    every new lot passes the rule check. Windows in ``tried`` (the exact ones already solved
    without gain) are skipped, and so are windows whose lots are all in ``settled``
    (:func:`_lot_key`: lots no window of the last sweep changed), and so are exact windows
    of more than ``max_units`` units (0: any size; counted in ``stats["polish_skipped"]``).
    Returns the number of windows replaced.
    """
    live = [lot for lot in lots if _searchable(lot)]
    if len(live) < 2:
        return 0
    in_lot = np.zeros(inst.n, dtype=bool)
    for lot in lots:
        in_lot[list(lot.members)] = True
    improved = 0
    order = sorted(range(len(live)), key=lambda i: -inst.travel.y[live[i].centre])
    alive = [True] * len(live)  # may still be windowed in this sweep
    gone = [False] * len(live)  # replaced
    owner = np.full(inst.n, -1, dtype=np.int64)  # live lot of each unit
    for i, lot in enumerate(live):
        owner[list(lot.members)] = i

    def windows(a: int) -> list[list[int]]:
        idx = [i for i in range(len(live)) if not gone[i]]
        cxy = np.array(
            [[inst.travel.x[live[i].centre], inst.travel.y[live[i].centre]] for i in idx]
        )
        here = np.array([inst.travel.x[live[a].centre], inst.travel.y[live[a].centre]])
        dist = np.hypot(*(cxy - here).T)
        near = np.argsort(dist, kind="stable")
        if not (exact and window == 2):
            return [[idx[j] for j in near[:window].tolist()]]
        # Exact pairs: the lot with each lot it touches (nearest first), not only the
        # nearest one; a lot has several neighbours and the best trade may be with any.
        touching = {int(owner[v]) for u in live[a].members for v in inst.adj[u]}
        partners = [idx[j] for j in near[1:].tolist() if idx[j] in touching and alive[idx[j]]]
        if not partners and len(near) > 1:
            partners = [idx[int(near[1])]]
        return [[a, b] for b in partners]

    for a in order:
        if not alive[a]:
            continue
        for win in windows(a):
            if settled is not None and all(_lot_key(live[i]) in settled for i in win):
                continue
            replaced = _try_window(
                inst, live, win, in_lot, pool, rng, exact=exact, variants=variants,
                window_seconds=window_seconds, seed=seed, tried=tried, stats=stats,
                max_units=max_units,
            )  # fmt: skip
            if replaced is None:
                continue
            for i in win:
                alive[i] = False
                gone[i] = True
                in_lot[list(live[i].members)] = False
                owner[list(live[i].members)] = -1
            for c, m in replaced:
                live.append(_Lot(set(m.tolist()), c, inst))
                alive.append(False)
                gone.append(False)
                in_lot[m] = True
                owner[m] = len(live) - 1
            improved += 1
            break
    kept = [lot for lot in lots if not _searchable(lot)]
    lots[:] = kept + [lot for lot, dead in zip(live, gone, strict=True) if not dead]
    return improved


def _lot_key(lot: _Lot) -> tuple[frozenset[int], int]:
    """A lot's members and centre: the same key means the same lot."""
    return frozenset(lot.members), lot.centre


def _try_window(
    inst: _Instance,
    live: list[_Lot],
    win: list[int],
    in_lot: np.ndarray,
    pool: np.ndarray,
    rng: np.random.Generator,
    *,
    exact: bool,
    variants: int,
    window_seconds: float,
    seed: int,
    tried: set[Any] | None,
    stats: dict[str, Any] | None,
    whole: bool = False,
    max_units: int = 0,
) -> list[tuple[int, np.ndarray]] | None:
    """Re-solve the lots ``win`` (and uncovered units touching them); the new lots if better.

    With ``exact`` and ``whole`` (the exact step over a whole pool), every uncovered pool unit
    joins the window, and contiguity is held exactly by separator rows
    (:func:`_window_mip`) instead of the nearer-neighbour rule. An exact window of more than
    ``max_units`` units (0: any size) is not solved.
    """
    members = set().union(*(live[i].members for i in win))
    if whole:
        uncovered = set(np.flatnonzero(pool & ~in_lot).tolist())
    else:
        edge = {v for u in members for v in inst.adj[u]}
        uncovered = {v for v in edge if pool[v] and not in_lot[v]}
    if exact:
        # Keyed by its lots and free units, so a window reached from either lot, or again in
        # a later sweep, is solved (or skipped) once.
        key = (tuple(sorted(tuple(sorted(live[i].members)) for i in win)), tuple(sorted(uncovered)))
        if tried is not None:
            if key in tried:
                return None
            tried.add(key)
        if 0 < max_units < len(members) + len(uncovered):
            _tally(stats, "polish_skipped")
            return None
    wpool = np.zeros(inst.n, dtype=bool)
    wpool[list(members | uncovered)] = True
    old = []
    current = 0.0
    for i in win:
        m = np.fromiter(sorted(live[i].members), dtype=np.int64)
        t = float(inst.travel.minutes(live[i].centre, m) @ inst.h[m])
        current += t - inst.penalty * float(inst.h[m].sum()) + inst.lot_cost
        old.append(_Column(m, live[i].centre, t, float(inst.h[m].sum()), -1))
    if exact:
        # Solved first without the contiguity rows (smaller and, measured, contiguous anyway
        # almost always); with them only when a lot comes back in pieces.
        solved = None
        tries = (False, True) if inst.rules.contiguous and not whole else (False,)
        for nearer in tries:
            solved = _window_mip(
                inst, wpool, [(c.centre, c.members) for c in old],
                time_limit=window_seconds, seed=seed, stats=stats, nearer=nearer,
                separate=whole,
            )  # fmt: skip
            if solved is None or not any(inst.breaches(inst.measure(m, c)) for c, m in solved[1]):
                break
        if solved is None:
            return None
        value, new_lots = solved
    else:
        cols = old + _candidates(
            inst, np.flatnonzero(wpool), wpool, rng, variants=variants, fixed=False
        )
        chosen, _ = _select(inst, cols, count=None, time_limit=window_seconds, seed=seed)
        value = sum(cols[j].travel - inst.penalty * cols[j].hours + inst.lot_cost for j in chosen)
        new_lots = [(cols[j].centre, cols[j].members) for j in chosen]
    if not _lower(value, current):
        return None
    if any(inst.breaches(inst.measure(m, c)) for c, m in new_lots):
        return None  # cannot happen by construction; never let a broken lot through
    return new_lots


@dataclass(frozen=True, slots=True)
class _WindowModel:
    """A window's capacitated p-median model (:func:`_window_model`) and its column index."""

    lp: highspy.HighsLp
    ii: np.ndarray  # the unit of each assignment column
    cc: np.ndarray  # the centre of each assignment column
    centres: list[int]
    y_of: dict[int, int]  # centre -> its opening column
    pair: dict[tuple[int, int], int]  # (unit, centre) -> its assignment column

    def lots(self, x: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """The lots (centre, sorted members) of a 0/1 solution ``x``."""
        n_x = len(self.ii)
        out = []
        for c in self.centres:
            if x[self.y_of[c]]:
                members = np.sort(np.append(self.ii[x[:n_x] & (self.cc == c)], c))
                out.append((c, members))
        return out

    def start(self, current: list[tuple[int, np.ndarray]]) -> np.ndarray | None:
        """The 0/1 column values of ``current`` lots, or None if a pair is not in the model."""
        start = np.zeros(self.lp.num_col_)
        for c, members in current:
            if c not in self.y_of:
                return None
            start[self.y_of[c]] = 1.0
            for i in members.tolist():
                if i != c:
                    if (i, c) not in self.pair:
                        return None
                    start[self.pair[(i, c)]] = 1.0
        return start


def _window_model(
    inst: _Instance,
    wpool: np.ndarray,
    current: list[tuple[int, np.ndarray]],
    *,
    nearer: bool,
    centres: np.ndarray | None = None,
    fixed: Mapping[int, int] | None = None,
) -> _WindowModel | None:
    """The capacitated p-median MIP of a window (see :func:`_window_mip`); None if no centre.

    ``centres`` (unit indices, in the window) restricts the units that may open as a centre;
    by default any window unit whose reach can meet both floors may. ``fixed`` (unit ->
    centre) holds units to a centre: their other pairs are dropped and that one is set.
    """
    rules = inst.rules
    units = np.flatnonzero(wpool)
    if centres is not None and not wpool[centres].all():
        raise ValueError("every centre of a window model must be a unit of the window")
    xi, xc, xt = [], [], []
    opened = []
    for c in units.tolist() if centres is None else np.unique(centres).tolist():
        ball, mins = inst.reachable(c, wpool)
        if not inst.meets_floors(ball):
            continue
        keep = ball != c
        opened.append(c)
        xi.append(ball[keep])
        xc.append(np.full(int(keep.sum()), c))
        xt.append(mins[keep])
    if not opened:
        return None
    ii = np.concatenate(xi)
    cc = np.concatenate(xc)
    tt = np.concatenate(xt)
    n_x = len(ii)
    y_of = {c: n_x + r for r, c in enumerate(opened)}
    n_col = n_x + len(opened)
    pair = {
        (int(i), int(c)): k for k, (i, c) in enumerate(zip(ii.tolist(), cc.tolist(), strict=True))
    }
    rows_r, rows_c, rows_v, lo, hi = [], [], [], [], []
    r = 0

    def row(cols: list[int], vals: list[float], low: float, high: float) -> None:
        nonlocal r
        rows_r.extend([r] * len(cols))
        rows_c.extend(cols)
        rows_v.extend(vals)
        lo.append(low)
        hi.append(high)
        r += 1

    inf = highspy.kHighsInf
    by_unit: dict[int, list[int]] = {}
    for k, i in enumerate(ii.tolist()):
        by_unit.setdefault(i, []).append(k)
    for i in units.tolist():
        cols = by_unit.get(i, []) + ([y_of[i]] if i in y_of else [])
        if len(cols) > 1:
            row(cols, [1.0] * len(cols), -inf, 1.0)
    upper = np.ones(n_col)
    lower = np.zeros(n_col)
    adj_sets = [set(a) for a in inst.adj] if rules.contiguous and nearer else None
    # Pairs of the current lots are exempt from the nearer-neighbour rule so that the warm
    # start stays feasible (a connected lot need not be connected along falling drive times);
    # the caller re-checks contiguity of whatever comes back.
    now = {(int(i), c) for c, members in current for i in members.tolist()}
    for k, (i, c, t) in enumerate(zip(ii.tolist(), cc.tolist(), tt.tolist(), strict=True)):
        row([k, y_of[c]], [1.0, -1.0], -inf, 0.0)
        if adj_sets is not None and c not in adj_sets[i] and (i, c) not in now:
            closer = [pair[(j, c)] for j in inst.adj[i] if (j, c) in pair and tt[pair[(j, c)]] < t]
            if closer:
                row([k, *closer], [1.0] + [-1.0] * len(closer), -inf, 0.0)
            else:
                upper[k] = 0.0
    for i, c in (fixed or {}).items():
        if i == c and c in y_of:  # a centre held to itself stays open
            lower[y_of[c]] = 1.0
        for k in by_unit.get(i, []):
            if cc[k] == c:
                lower[k] = upper[k] = 1.0
            else:
                upper[k] = 0.0
    order = np.argsort(cc, kind="stable")
    bounds = np.searchsorted(cc[order], np.asarray(opened))
    ends = np.append(bounds[1:], n_x)
    for c, b0, b1 in zip(opened, bounds.tolist(), ends.tolist(), strict=True):
        ks = order[b0:b1].tolist()
        for w, low, high in (
            (inst.h, rules.min_hours, rules.max_hours),
            (inst.k, rules.min_customers, rules.max_customers),
        ):
            vals = [float(w[ii[k]]) for k in ks]
            row(ks + [y_of[c]], vals + [float(w[c]) - high], -inf, _EPS)
            row(ks + [y_of[c]], vals + [float(w[c]) - low], -_EPS, inf)
    lp = lp_from_csc(
        csc_matrix((rows_v, (rows_r, rows_c)), shape=(r, n_col)),
        cost=np.concatenate(
            [
                inst.h[ii] * tt - inst.penalty * inst.h[ii],
                inst.lot_cost - inst.penalty * inst.h[opened],
            ]
        ),
        col_lower=lower,
        col_upper=upper,
        row_lower=np.asarray(lo),
        row_upper=np.asarray(hi),
    )
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_col
    return _WindowModel(lp, ii, cc, opened, y_of, pair)


def _window_mip(
    inst: _Instance,
    wpool: np.ndarray,
    current: list[tuple[int, np.ndarray]],
    *,
    time_limit: float,
    seed: int,
    stats: dict[str, Any] | None = None,
    nearer: bool = True,
    separate: bool = False,
    centres: np.ndarray | None = None,
    max_nodes: int | None = None,
    fixed: Mapping[int, int] | None = None,
    max_solves: int | None = None,
) -> tuple[float, list[tuple[int, np.ndarray]]] | None:
    """Exact re-solve of a window as a capacitated p-median MIP (HiGHS), warm-started.

    Any window unit may open as a centre (or only ``centres``, if given); units join an open
    centre within the radius and drive limit; both bands hold per centre. With ``nearer``
    (and contiguity in the rules), a unit may join a centre only if a neighbour nearer that
    centre (or the centre itself) joins it too, so new lots are connected along paths of
    falling drive time. With ``separate`` (and contiguity in the rules) contiguity is held
    exactly instead: while the optimum has a lot in pieces, separator rows cut it off
    (:meth:`~lotdesign.lots.instance._Instance.separators`; every connected lot meets them)
    and HiGHS solves again, warm-started from the current lots, within ``time_limit`` in
    all. Returns (objective, lots) when HiGHS finds a solution, else None; ``stats`` counts
    solves (``polish_windows``) and solves stopped by the time limit
    (``polish_time_limited``) or by ``max_nodes`` branch-and-bound nodes
    (``polish_node_limited``: a limit of work, so the result stays deterministic).
    ``fixed`` (unit -> centre) holds units to a centre (:func:`_window_model`).
    ``max_solves`` stops the separator rounds after that many solves, a limit of work
    (``polish_round_limited``): the lots come back as the last solve left them.
    """
    model = _window_model(inst, wpool, current, nearer=nearer, centres=centres, fixed=fixed)
    if model is None:
        return None
    start = model.start(current)
    if start is None:
        return None
    limits = {} if max_nodes is None else {"mip_max_nodes": int(max_nodes)}
    h = new_highs(
        time_limit=float(time_limit), random_seed=int(seed) % 2_147_483_647, threads=1, **limits
    )
    h.passModel(model.lp)
    sol = highspy.HighsSolution()
    sol.col_value = list(start)
    sol.value_valid = True
    t0 = time.perf_counter()
    inf = highspy.kHighsInf
    lots: list[tuple[int, np.ndarray]] = []
    solves = 0
    while True:
        h.setSolution(sol)
        h.run()
        solves += 1
        _tally(stats, "polish_windows")
        if h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
            _tally(stats, "polish_time_limited")
        elif h.getModelStatus() == highspy.HighsModelStatus.kSolutionLimit:
            _tally(stats, "polish_node_limited")
        if h.getInfo().primal_solution_status < 2:
            return None
        lots = model.lots(np.asarray(h.getSolution().col_value) > 0.5)
        optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        if not (separate and inst.rules.contiguous and optimal):
            break
        cuts = inst.separator_rows(lots, model.pair)
        if not cuts:
            break
        if max_solves is not None and solves >= max_solves:
            _tally(stats, "polish_round_limited")
            break
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0:  # a lot still in pieces: the caller's check rejects it
            _tally(stats, "polish_time_limited")
            break
        for cols in cuts:
            h.addRow(-inf, 0.0, len(cols), cols, np.append(1.0, -np.ones(len(cols) - 1)))
        h.setOptionValue("time_limit", h.getRunTime() + left)  # HiGHS's limit is cumulative
    return float(h.getInfo().objective_function_value), lots


# --- search levels: how hard design() searches --------------------------------------------------

#: Keywords of :func:`lotdesign.lots.design` a search level may set: effort, not rules.
SEARCH_KEYS: tuple[str, ...] = (
    "variants",
    "tile_size",
    "time_limit",
    "improve_passes",
    "lns_rounds",
    "restarts",
    "polish_rounds",
    "polish_units",
    "exact_units",
    "kernel_units",
    "balanced_units",
    "search_restarts",
)


def _standard() -> dict[str, int]:
    return {
        "variants": settings.RUN_LOT_VARIANTS,
        "lns_rounds": settings.RUN_LOT_LNS_ROUNDS,
        "restarts": settings.RUN_LOT_RESTARTS,
        "polish_rounds": settings.RUN_LOT_POLISH_ROUNDS,
        "polish_units": settings.RUN_LOT_POLISH_UNITS,
        "balanced_units": settings.RUN_LOT_BALANCED_UNITS,
        "search_restarts": settings.RUN_LOT_SEARCH_RESTARTS,
    }


def _thorough() -> dict[str, int]:
    return dict(settings.RUN_LOT_THOROUGH)


# Functions, not values: a level is read from settings each time it is asked for, so a
# setting changed after import (a test, a notebook, a run's overrides) is the one used.
_LEVELS: dict[str, Callable[[], dict[str, int]]] = {
    "standard": _standard,
    "thorough": _thorough,
}


def search_options(level: str) -> dict[str, int]:
    """The :func:`~lotdesign.lots.design` options of a named search level, read now.

    Parameters
    ----------
    level
        ``"standard"`` (settings.RUN_LOT_VARIANTS, settings.RUN_LOT_LNS_ROUNDS,
        settings.RUN_LOT_RESTARTS, the balanced construction on pools of up to
        settings.RUN_LOT_BALANCED_UNITS, and exact polishing of small windows only:
        settings.RUN_LOT_POLISH_ROUNDS, settings.RUN_LOT_POLISH_UNITS; what ``lotdesign run``
        uses by default) or ``"thorough"`` (settings.RUN_LOT_THOROUGH: minutes, with exact
        polishing of every window, the exact step on small pools and the kernel step on
        larger ones).

    Returns
    -------
    dict
        Keyword -> value for :func:`~lotdesign.lots.design` (a fresh dict each call).

    Raises
    ------
    ValidationError
        If the level is unknown (the message names the allowed ones), or its settings name
        an option that is not a search option.

    Examples
    --------
    >>> sorted(search_options("standard"))  # doctest: +NORMALIZE_WHITESPACE
    ['balanced_units', 'lns_rounds', 'polish_rounds', 'polish_units', 'restarts',
     'search_restarts', 'variants']
    """
    read = _LEVELS.get(level) if isinstance(level, str) else None
    if read is None:
        raise ValidationError(
            f"search level {level!r} is unknown; use one of: {', '.join(_LEVELS)}."
        )
    options = read()
    unknown = sorted(set(options) - set(SEARCH_KEYS))
    if unknown:
        raise ValidationError(
            f"search level {level!r} sets {unknown}, which are not search options; "
            f"a level may set {', '.join(SEARCH_KEYS)}."
        )
    return options


class _SearchLevels(Mapping[str, dict[str, int]]):
    """The search levels by name; each value is :func:`search_options` at look-up time."""

    def __getitem__(self, level: str) -> dict[str, int]:
        if level not in _LEVELS:
            raise KeyError(level)
        return search_options(level)

    def __iter__(self) -> Iterator[str]:
        return iter(_LEVELS)

    def __len__(self) -> int:
        return len(_LEVELS)

    def __repr__(self) -> str:
        return f"SEARCH_LEVELS({dict(self)!r})"


#: Search levels by name (``standard``, ``thorough``) -> design options. A read-only mapping
#: whose values are read from settings when looked up, never frozen at import.
SEARCH_LEVELS: Mapping[str, dict[str, int]] = _SearchLevels()
