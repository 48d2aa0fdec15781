"""The kernel step: every lot of a pool re-cut at once, over the centres the LP opens.

Window moves re-cut a few lots at a time, so they keep the lot count they start with. On a
pool of lumpy units (a town-centre sector can be most of a lot) a plan of fewer, fuller lots
is a deep local optimum: adding one lot at the 700 h floor means re-cutting six or more lots
at once. The capacitated p-median MIP over the whole pool can do that, but with every unit
a possible centre it is far too slow beyond about 250 units (:func:`_window_mip`, the exact
step). Its LP relaxation is not: it opens a few dozen centres fractionally, and the MIP
restricted to those centres (a *kernel*), stopped by a node limit, is small enough to solve;
it is solved from scratch and again with the current lots' centres added, started from the
current lots, and the better plan is kept; while a round betters the plan, the MIP is
solved again, started from the better plan (settings.LOT_KERNEL_ROUNDS rounds at most).
Contiguity is relaxed in the LP and the MIP, so each lot the MIP leaves in pieces is then
made whole by an exact window (:func:`_make_whole`: the lot and the lots round its stray
pieces, solved with separator rows).
"""

from __future__ import annotations

import time
from typing import Any

import highspy
import numpy as np

from lotdesign import settings
from lotdesign.highs import new_highs
from lotdesign.lots.instance import _Instance
from lotdesign.lots.prephases import _Setup
from lotdesign.lots.search import (
    _improve,
    _Lot,
    _lower,
    _members_of,
    _plan_value,
    _searchable,
    _tally,
    _window_mip,
    _window_model,
)


def _kernel(
    inst: _Instance,
    lots: list[_Lot],
    setup: _Setup,
    *,
    seed: int,
    passes: int,
    stats: dict[str, Any],
) -> None:
    """Re-cut the searchable ``lots`` (and the uncovered pool units) over an LP kernel.

    The MIP is solved twice: over the LP's centres alone, from scratch, and over those and
    the current lots' centres, started from the current lots (so it never ends worse than
    they are, even when the node limit stops it); then, while the last round bettered the
    plan and settings.LOT_KERNEL_ROUNDS allows, once more started from the best plan so
    far, with its centres added. Each plan is made whole and given
    ``passes`` of boundary moves (never of ``setup.fixed_units``); the better replaces the
    lots when its objective is lower and every lot passes the rule check. ``stats``:
    ``kernel`` (``"better"``, ``"not better"`` or ``"not solved"``; with ``", node limit"``
    when a MIP stopped at settings.LOT_KERNEL_MIP_NODES, a limit of work that keeps the plan
    deterministic, and ``", time limit"`` when a safety time limit stopped a solve
    (settings.LOT_KERNEL_SECONDS for the LP or a MIP, settings.LOT_KERNEL_WINDOW_SECONDS for
    a window), which does not; the best plan found is compared either way),
    ``kernel_start`` (``"LP centres"``, ``"current lots"`` or ``"kernel plan"``: the MIP
    whose plan was kept), ``kernel_rounds`` (rounds made),
    ``kernel_centres`` (centres the LP opened), ``kernel_pieces`` (lots each MIP left in
    pieces, each then made whole by a window or cut to its centre's piece) and
    ``kernel_seconds``.
    """
    t0 = time.perf_counter()
    live = [lot for lot in lots if _searchable(lot)]
    wpool = setup.pool & ~_members_of(lots, frozen_only=False, n=inst.n)
    for lot in live:
        wpool[list(lot.members)] = True
    solves: dict[str, Any] = {}
    stats["kernel_centres"], stats["kernel_pieces"] = 0, []
    centres = _kernel_centres(inst, wpool, seed=seed, stats=solves)
    best: tuple[float, list[_Lot], str] | None = None
    if centres is not None and len(centres):
        stats["kernel_centres"] = len(centres)
        current = _pairs(live)
        # Both, because neither wins everywhere. Measured on grid_units(500, seed=500),
        # design seeds 0, 1, 3: from the LP's centres alone 0.9%, 3.1% and 5.0% above the
        # certified bound, from the current lots 1.1%, 1.6% and 0.9%; on West Sussex's 487
        # LSOAs only the first bettered the search's plan.
        for start, given, kernel in (
            ("LP centres", [], centres),
            ("current lots", current, np.union1d(centres, [c for c, _ in current])),
        ):
            recut = _recut(
                inst, wpool, given, kernel, setup, seed=seed, passes=passes, stats=solves
            )
            if recut is None:
                continue
            stats["kernel_pieces"].append(solves.pop("pieces"))
            value = _plan_value(inst, recut)
            if best is None or _lower(value, best[0]):
                best = (value, recut, start)
    old_value = _plan_value(inst, live)
    # A better plan is a better start: the warm MIP again from it, while that improves it.
    previous, rounds = old_value, int(best is not None)
    while best is not None and rounds < settings.LOT_KERNEL_ROUNDS and _lower(best[0], previous):
        previous, rounds = best[0], rounds + 1
        current = _pairs(best[1])
        kernel = np.union1d(centres, [c for c, _ in current])
        recut = _recut(inst, wpool, current, kernel, setup, seed=seed, passes=passes, stats=solves)
        if recut is not None:
            stats["kernel_pieces"].append(solves.pop("pieces"))
            value = _plan_value(inst, recut)
            if _lower(value, best[0]):
                best = (value, recut, "kernel plan")
    stats["kernel_rounds"] = rounds
    status = "not solved"
    if best is not None:
        better = _lower(best[0], old_value)
        status = "better" if better else "not better"
        if better:
            lots[:] = [lot for lot in lots if not _searchable(lot)] + best[1]
            stats["kernel_start"] = best[2]
    if solves.get("polish_node_limited"):
        status = f"{status}, node limit"
    if solves.get("polish_time_limited"):
        status = f"{status}, time limit"
    stats["kernel"] = status
    stats["kernel_seconds"] = time.perf_counter() - t0


def _recut(
    inst: _Instance,
    wpool: np.ndarray,
    current: list[tuple[int, np.ndarray]],
    centres: np.ndarray,
    setup: _Setup,
    *,
    seed: int,
    passes: int,
    stats: dict[str, Any],
) -> list[_Lot] | None:
    """The kernel MIP's plan over ``centres``, made whole and moved; None if none passes.

    ``stats["pieces"]`` counts the lots the MIP left in pieces.
    """
    solved = _window_mip(
        inst, wpool, current, time_limit=settings.LOT_KERNEL_SECONDS, seed=seed, stats=stats,
        nearer=False, centres=centres, max_nodes=settings.LOT_KERNEL_MIP_NODES,
    )  # fmt: skip
    if solved is None:
        return None
    new = solved[1]
    stats["pieces"] = 0
    if inst.rules.contiguous:
        stats["pieces"] = sum(inst.parts(m) > 1 for _, m in new)
        new = _make_whole(inst, new, seed=seed, stats=stats)
    recut = [_Lot(set(m.tolist()), c, inst) for c, m in new]
    # Units a window could not place (see _make_whole) join lots where the rules allow.
    _improve(inst, recut, setup.fixed_units, wpool, passes=passes, fixed_centres=False)
    for lot in recut:
        if inst.breaches(inst.measure(np.fromiter(sorted(lot.members), np.int64), lot.centre)):
            return None
    return recut


def _kernel_centres(
    inst: _Instance, wpool: np.ndarray, *, seed: int, stats: dict[str, Any]
) -> np.ndarray | None:
    """Units the p-median LP over ``wpool`` opens by at least settings.LOT_KERNEL_MIN_SHARE.

    None when HiGHS does not solve the LP (counted as a time-limited solve if the safety
    limit stopped it). Interior point: on the 500-unit grid's 47,000 pairs it took 21 s
    against 29 s by simplex, to the same LP.
    """
    model = _window_model(inst, wpool, [], nearer=False)
    if model is None:
        return None
    model.lp.integrality_ = [highspy.HighsVarType.kContinuous] * model.lp.num_col_
    h = new_highs(
        time_limit=settings.LOT_KERNEL_SECONDS, random_seed=int(seed) % 2_147_483_647,
        threads=1, solver="ipm",
    )  # fmt: skip
    h.passModel(model.lp)
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
        _tally(stats, "polish_time_limited")
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    y = np.asarray(h.getSolution().col_value)[len(model.ii) :]
    return np.asarray(model.centres)[y >= settings.LOT_KERNEL_MIN_SHARE]


def _make_whole(
    inst: _Instance,
    lots: list[tuple[int, np.ndarray]],
    *,
    seed: int,
    stats: dict[str, Any],
) -> list[tuple[int, np.ndarray]]:
    """Each lot in pieces re-solved with the lots round its stray pieces, contiguity held.

    A window is the broken lot and every lot touching a piece without its centre, solved by
    :func:`_window_mip` with separator rows, warm-started from the window's lots. Windows
    round the stray pieces only, not round the whole lot: measured on the 500-unit grid's
    kernel plan (5 lots in pieces), 36 s against 75 s, for a plan 0.2% higher. A window
    that finds no whole plan within settings.LOT_KERNEL_WINDOW_SECONDS leaves the lot its
    centre's piece (the stray pieces uncovered, for the boundary moves to place), or no lot
    at all when that piece breaks a rule. Every lot returned is whole.
    """
    lots = list(lots)
    owner = np.full(inst.n, -1, dtype=np.int64)

    def own() -> None:
        owner[:] = -1
        for i, (_, m) in enumerate(lots):
            owner[m] = i

    own()
    while True:  # each pass makes at least one lot whole, and none breaks another
        broken = [i for i, (_, m) in enumerate(lots) if inst.parts(m) > 1]
        if not broken:
            return lots
        b = broken[0]
        c, m = lots[b]
        pieces = inst.pieces(m)
        stray = [u for piece in pieces if c not in piece for u in piece]
        win = sorted({int(owner[v]) for u in stray for v in inst.adj[u]} - {-1} | {b})
        wpool = np.zeros(inst.n, dtype=bool)
        for i in win:
            wpool[lots[i][1]] = True
        solved = _window_mip(
            inst, wpool, [lots[i] for i in win], time_limit=settings.LOT_KERNEL_WINDOW_SECONDS,
            seed=seed, stats=stats, nearer=False, separate=True,
        )  # fmt: skip
        core = np.sort(np.fromiter(next(p for p in pieces if c in p), dtype=np.int64))
        cut = [] if inst.breaches(inst.measure(core, c)) else [(c, core)]
        # A window stopped short may end on a whole plan worse than the cut (its warm start
        # breaks the separator rows, so its incumbent is whatever HiGHS found since).
        if (
            solved is not None
            and all(inst.parts(mm) == 1 for _, mm in solved[1])
            and _pairs_value(inst, solved[1])
            <= _pairs_value(inst, [lots[i] for i in win if i != b] + cut)
        ):
            lots = [lot for i, lot in enumerate(lots) if i not in win] + solved[1]
        else:
            lots = [lot for i, lot in enumerate(lots) if i != b] + cut
        own()


def _pairs(lots: list[_Lot]) -> list[tuple[int, np.ndarray]]:
    """Lots as (centre, sorted members) pairs, the form the window MIP takes and gives."""
    return [(lot.centre, np.fromiter(sorted(lot.members), np.int64)) for lot in lots]


def _pairs_value(inst: _Instance, lots: list[tuple[int, np.ndarray]]) -> float:
    """:func:`_plan_value` of (centre, members) pairs."""
    return _plan_value(inst, [_Lot(set(m.tolist()), c, inst) for c, m in lots])
