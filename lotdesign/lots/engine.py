"""The public engine: :func:`design`, written as its phases.

``design`` checks its inputs, runs the pre-phases (locked units, oversize units, a starting
plan), constructs the free lots (restarts of tiles, candidates, the LP dive and boundary
moves, the best kept), improves them (large-neighbourhood search, then exact polishing) and
finishes (measure, re-check, name, explain). Each phase is a function below.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.errors import InfeasibleRulesError, ValidationError
from lotdesign.lots.balance import _balanced_lots
from lotdesign.lots.construct import _design_pool
from lotdesign.lots.diagnostics import _explain_uncovered
from lotdesign.lots.instance import _check_units, _Instance
from lotdesign.lots.kernel import _kernel
from lotdesign.lots.plan import LotPlan, _build_plan
from lotdesign.lots.prephases import (
    _as_mapping,
    _centre_points,
    _lock_lots,
    _oversize_lots,
    _Setup,
    _start_plan_lots,
)
from lotdesign.lots.regions import _STREAM, _map, _n_regions, _region_labels, _seam_lots, _workers
from lotdesign.lots.rules import LotRules
from lotdesign.lots.search import (
    _copy_lot,
    _improve,
    _Lot,
    _lot_key,
    _members_of,
    _plan_value,
    _reoptimise,
    _searchable,
    _try_window,
    search_options,
)

__all__ = ["POLICIES", "design"]

#: Lot-size policies of :func:`design`: what the objective prefers besides coverage.
POLICIES: tuple[str, ...] = ("compact", "viable", "target")

#: Safety time limit (seconds) of one large-neighbourhood window's LP dive; a greedy pass
#: completes a dive it stops (:func:`lotdesign.lots.selection._select`).
_LNS_WINDOW_SECONDS = 5.0
#: Spawn key of a whole search's seed after the first: ``default_rng([seed, _SEARCHES, r])``.
_SEARCHES = 104_729


def design(
    units: pd.DataFrame,
    *,
    rules: LotRules | None = None,
    seed: int = 0,
    centres: pd.DataFrame | None = None,
    target_lots: int | None = None,
    target_tolerance: float | None = None,
    locked: Mapping[str, str] | pd.Series | pd.DataFrame | None = None,
    start: Mapping[str, str] | pd.Series | pd.DataFrame | None = None,
    matrix: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    within: Mapping[str, str] | pd.Series | None = None,
    policy: str | None = None,
    search: str | None = None,
    variants: int | None = None,
    tile_size: int | None = None,
    time_limit: float | None = None,
    improve_passes: int | None = None,
    lns_rounds: int | None = None,
    restarts: int | None = None,
    polish_rounds: int | None = None,
    polish_units: int | None = None,
    exact_units: int | None = None,
    kernel_units: int | None = None,
    balanced_units: int | None = None,
    search_restarts: int | None = None,
    workers: int | None = None,
    prefix: str = "L",
) -> LotPlan:
    """Partition demand units into lots; every lot marked valid meets every rule.

    Settings are read when ``design`` is called, not when it is imported. A search option
    left as None comes from the ``search`` level if one is named, else from its setting.

    Parameters
    ----------
    units
        Demand units (the units contract; EPSG:27700).
    rules
        Hard rules; default :class:`~lotdesign.lots.LotRules` (settings ``LOT_*``).
    seed
        Random seed: the same inputs and seed give the same plan (provided the MIP finishes
        within ``time_limit``; ``plan.stats`` says if it did not).
    centres
        Fixed centres (towns, GP practices): points with ``x``, ``y`` (or point geometry)
        and an optional ``name``. Lots are then built only round these, one lot per centre,
        and rules are checked from the point.
    target_lots
        About how many lots to make; the count is held within ``target_tolerance`` of it.
    target_tolerance
        Allowed relative deviation from ``target_lots`` (default:
        settings.LOT_TARGET_TOLERANCE).
    locked
        Unit -> lot label. Units sharing a label end up in one lot with that label; they never
        move. The lot is grown to validity round them; if no valid lot contains them it is
        kept as given, flagged ``locked_invalid`` with the reason.
    start
        A starting plan, unit -> area (mapping, Series, or DataFrame with ``unit_id`` and
        ``lot_id``/``area``). Valid areas are kept; broken ones are repaired with the fewest
        changed hours; what cannot be repaired is redesigned.
    matrix
        Travel-time matrix (``origin``, ``destination``, ``minutes``), used where given; a
        road matrix (:func:`lotdesign.roads.road_matrix`) also says which pairs are beyond
        its cut-off.
    customers
        The customers (``unit_id``, ``postcode``, ``easting``, ``northing``; ``Run.customers``).
        Given, the radius and drive limit are checked from a lot's centre to every customer's
        postcode (up to ``rules.reach_tolerance``), not to unit points.
    within
        Unit -> area (district, locality, PCN): every lot nests inside one area.
    policy
        Lot-size policy (default: settings.LOT_POLICY): ``"compact"`` minimises travel (lots
        crowd the floor); ``"viable"`` adds a cost per lot
        (settings.LOT_VIABLE_LOT_COST x the cost of leaving a floor-sized lot uncovered), so
        fewer, fuller lots are made; ``"target"`` holds the count to ``target_lots``.
    search
        A named search effort, ``"standard"`` or ``"thorough"``
        (:func:`~lotdesign.lots.search_options`): it sets the search options below that the
        call leaves as None. None: each option from its own setting.
    variants
        Growth orders tried per centre, 1 = nearest-first only (default:
        settings.LOT_GROWTH_VARIANTS).
    tile_size
        Units per spatial tile for large instances (default: settings.LOT_TILE_SIZE).
    time_limit
        Seconds per tile for the HiGHS LP dive; the greedy pass finishes what is left
        (default: settings.LOT_MIP_TIME_LIMIT).
    improve_passes
        Passes of boundary moves after selection (default: settings.LOT_IMPROVE_PASSES).
    lns_rounds
        Sweeps of large-neighbourhood search (each lot re-solved with its nearest lots);
        0 turns it off. Not used with fixed centres or a lot-count target (default:
        settings.LOT_LNS_ROUNDS).
    restarts
        Independent constructions (tiles, candidates, LP dive, boundary moves), each with its
        own stream from ``seed``; the best goes on to the search below. 1 builds one
        (default: settings.LOT_RESTARTS).
    polish_rounds
        Sweeps of exact polishing after the search: windows of a few lots
        (:data:`lotdesign.settings.LOT_POLISH_WINDOW`) re-solved to optimality as HiGHS
        p-median models, until no window improves; 0 turns it off. Windows stop on HiGHS's
        own work, not the clock, so results stay deterministic; a safety time limit per
        window (:data:`lotdesign.settings.LOT_POLISH_WINDOW_SECONDS`) is counted in
        ``plan.stats["polish_time_limited"]`` when it bites. Not used with fixed centres or
        a lot-count target, nor on pools of more than settings.LOT_POLISH_MAX_UNITS free
        units (``plan.stats["polish"]`` says so; default: settings.LOT_POLISH_ROUNDS).
    polish_units
        Largest polishing window solved, in units (its lots' and the uncovered units touching
        them); larger windows are skipped, counted in ``plan.stats["polish_skipped"]``.
        0 = any size (default: settings.LOT_POLISH_UNITS).
    exact_units
        A pool of up to this many free units is then re-solved whole as one HiGHS MIP
        (warm-started from the search's plan, contiguity held exactly), which proves the plan
        optimal under the rules unless the safety limit settings.LOT_EXACT_SECONDS stops it;
        ``plan.stats["exact"]`` says which (``"optimal"``, ``"time limit"``, ``"not solved"``,
        ``"off"``). 0 turns it off. Not used with fixed centres or a lot-count target
        (default: settings.LOT_EXACT_UNITS).
    kernel_units
        A pool of more than ``exact_units`` and up to this many free units is re-cut whole
        over a kernel of centres (:mod:`lotdesign.lots.kernel`): the p-median LP over the
        pool picks the centres, the MIP over them re-cuts every lot at once (contiguity
        relaxed; solved from scratch and again from the current lots, their centres added),
        and exact windows make each lot whole again. The better plan replaces the search's
        when it is better; ``plan.stats["kernel"]`` says what happened. 0 turns it off. Not used
        with fixed centres or a lot-count target (default: settings.LOT_KERNEL_UNITS).
    balanced_units
        A pool of up to this many free units is also built by the balanced construction
        (:mod:`lotdesign.lots.balance`): the most lots the floors allow, packed by an
        assignment LP over k-means centres, in the first search only. It competes with
        the growth constructions (the lower objective after boundary moves is searched).
        0 turns it off. Not used with fixed centres or a lot-count target (default:
        settings.LOT_BALANCED_UNITS). ``plan.stats``, when the kept search made it:
        ``balanced`` (per lot count and k-means start, the LP's objective,
        the hours it left short of the floors and its Lloyd rounds), ``balanced_to_beat``
        (the growth plan's objective), ``balanced_value`` (its plan's objective after
        boundary moves, when it made lots), ``balanced_kept``, ``balanced_seconds``, and
        ``balanced_skipped`` when its lots would hold too few units
        (settings.LOT_BALANCED_MIN_UNITS_PER_LOT).
    search_restarts
        Whole searches (construction, neighbourhood search, polishing, exact step) made
        from independent streams of ``seed``, the lowest objective kept; the first is the
        search ``search_restarts=1`` makes. Only on pools of up to
        settings.LOT_SEARCH_RESTART_MAX_UNITS free units, and not for large instances'
        regions. ``plan.stats``: ``search_restarts`` (searches made), ``search_kept`` (the
        one kept, whose timings the other stats are) and ``search_seconds`` (each one's);
        default: settings.LOT_SEARCH_RESTARTS.
    workers
        Processes for a large instance's regions (above 2 x settings.LOT_REGION_UNITS free
        units, each region is designed on its own, then the seams are stitched:
        :mod:`lotdesign.lots.regions`); 0 = one per core. The plan does not depend on it
        (default: settings.LOT_WORKERS).
    prefix
        Letter(s) of new lot ids (``L01``...).

    Returns
    -------
    LotPlan

    Raises
    ------
    ValidationError
        If the units or options are malformed, or ``search`` names no level.
    InfeasibleRulesError
        If a band is empty, or the lot-count target cannot be met.

    Examples
    --------
    >>> from lotdesign.datasets.synthetic import grid_units
    >>> plan = design(grid_units(300, seed=1), seed=1)
    >>> bool(plan.lots.loc[plan.lots["valid"], "hours"].between(700, 1300).all())
    True
    """
    t0 = time.perf_counter()
    opts = _options(
        search,
        target_tolerance=target_tolerance,
        variants=variants,
        tile_size=tile_size,
        time_limit=time_limit,
        improve_passes=improve_passes,
        lns_rounds=lns_rounds,
        restarts=restarts,
        polish_rounds=polish_rounds,
        polish_units=polish_units,
        exact_units=exact_units,
        kernel_units=kernel_units,
        balanced_units=balanced_units,
        search_restarts=search_restarts,
    )
    rules = _check_inputs(units, rules, opts, target_lots)
    policy = settings.LOT_POLICY if policy is None else policy
    if policy not in POLICIES:
        raise ValidationError(f"policy must be one of {', '.join(POLICIES)}; got {policy!r}")
    if policy == "target" and target_lots is None:
        raise ValidationError("policy 'target' needs target_lots (the number of lots wanted)")
    inst, centre_frame = _instance(
        units, rules, centres=centres, matrix=matrix, customers=customers, within=within
    )
    if policy == "viable":
        inst.lot_cost = settings.LOT_VIABLE_LOT_COST * inst.penalty * inst.rules.min_hours
    setup = _prephases(inst, locked=locked, start=start)
    count = _lot_count(target_lots, opts.target_tolerance, setup)
    fixed = centre_frame is not None
    rng = np.random.default_rng(seed)
    labels = None
    # Regions only for free lots: no count to share out, no fixed centres or kept lots.
    if not fixed and count is None and all(lot.origin == "oversize" for lot in setup.lots):
        labels = _region_labels(inst, setup.pool, seed=seed, size=settings.LOT_REGION_UNITS)
    # Windows re-solve free lots with no count to hold and no fixed points to keep.
    windows = not fixed and count is None
    if labels is not None and _n_regions(labels) > 1:
        lots, stats, moves_seconds, settled = _regional(
            inst, setup, labels, rng, seed=seed, opts=opts, workers=_workers(workers)
        )
        _search(inst, lots, setup, rng, seed=seed, opts=opts, stats=stats, settled=settled,
                windows=windows)  # fmt: skip
        stats["improve_seconds"] = moves_seconds + stats["lns_seconds"]
        stats["search_restarts"] = 1
    else:
        lots, stats = _best_search(
            inst, setup, rng, seed=seed, opts=opts, fixed=fixed, count=count,
            target_lots=target_lots, windows=windows,
        )  # fmt: skip
    plan = _finish(inst, lots, setup, stats, prefix=prefix, centre_frame=centre_frame)
    plan.stats["policy"] = policy
    stats["seconds"] = time.perf_counter() - t0
    return plan


# --- options and inputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    """:func:`design`'s search options, resolved: given > search level > setting."""

    target_tolerance: float
    variants: int
    tile_size: int
    time_limit: float
    improve_passes: int
    lns_rounds: int
    restarts: int
    polish_rounds: int
    polish_units: int
    exact_units: int
    kernel_units: int
    balanced_units: int
    search_restarts: int


def _options(search: str | None, **given: Any) -> _Options:
    """Each option from the call if given, else from the ``search`` level, else its setting."""
    level = {} if search is None else search_options(search)
    # Read here, at call time, so a setting changed after import is the one used.
    defaults = {
        "target_tolerance": settings.LOT_TARGET_TOLERANCE,
        "variants": settings.LOT_GROWTH_VARIANTS,
        "tile_size": settings.LOT_TILE_SIZE,
        "time_limit": settings.LOT_MIP_TIME_LIMIT,
        "improve_passes": settings.LOT_IMPROVE_PASSES,
        "lns_rounds": settings.LOT_LNS_ROUNDS,
        "restarts": settings.LOT_RESTARTS,
        "polish_rounds": settings.LOT_POLISH_ROUNDS,
        "polish_units": settings.LOT_POLISH_UNITS,
        "exact_units": settings.LOT_EXACT_UNITS,
        "kernel_units": settings.LOT_KERNEL_UNITS,
        "balanced_units": settings.LOT_BALANCED_UNITS,
        "search_restarts": settings.LOT_SEARCH_RESTARTS,
    }
    values = {
        name: given[name] if given[name] is not None else level.get(name, default)
        for name, default in defaults.items()
    }
    return _Options(**values)


def _check_inputs(
    units: pd.DataFrame, rules: LotRules | None, opts: _Options, target_lots: int | None
) -> LotRules:
    """The rules to design to (default :class:`LotRules`), once rules, options and units pass."""
    rules = LotRules() if rules is None else rules
    if not isinstance(rules, LotRules):
        raise ValidationError("rules must be a LotRules")
    if (
        min(opts.variants, opts.restarts, opts.search_restarts) < 1
        or opts.tile_size < 50
        or opts.time_limit <= 0
        or min(
            opts.improve_passes, opts.lns_rounds, opts.polish_rounds, opts.polish_units,
            opts.exact_units, opts.kernel_units, opts.balanced_units,
        ) < 0
    ):  # fmt: skip
        raise ValidationError(
            "variants, restarts and search_restarts >= 1, tile_size >= 50, time_limit > 0, "
            "and improve_passes, lns_rounds, polish_rounds, polish_units, exact_units, "
            "kernel_units and balanced_units >= 0 are needed"
        )
    if target_lots is not None and (int(target_lots) < 1 or not 0 <= opts.target_tolerance < 1):
        raise ValidationError("target_lots must be >= 1 and target_tolerance in [0, 1)")
    _check_units(units)
    return rules


def _instance(
    units: pd.DataFrame,
    rules: LotRules,
    *,
    centres: Any,
    matrix: pd.DataFrame | None,
    customers: pd.DataFrame | None = None,
    within: Any = None,
) -> tuple[_Instance, pd.DataFrame | None]:
    """The instance over the units (and any fixed centres), and the centres as points."""
    frame = units.reset_index(drop=True)
    centre_frame = _centre_points(centres, frame)
    if within is not None and not isinstance(within, pd.Series):
        within = pd.Series(dict(within))
    inst = _Instance(
        frame, rules, matrix=matrix, centres=centre_frame, customers=customers, within=within
    )
    return inst, centre_frame


# --- the phases --------------------------------------------------------------------------------


def _prephases(inst: _Instance, *, locked: Any, start: Any) -> _Setup:
    """Locked lots, then oversize units, then a starting plan: what construction starts from."""
    lock_map = _as_mapping(locked, "locked", ("lot_id", "lot", "label"))
    start_map = _as_mapping(start, "start", ("lot_id", "area", "lot", "label"))
    position = {u: i for i, u in enumerate(inst.ids)}
    unknown = sorted((set(lock_map) | set(start_map)) - set(position))
    if unknown:
        raise ValidationError(
            f"locked/start name unit(s) not in units: {unknown[:5]}; check the unit ids"
        )
    setup = _Setup.empty(inst.n)
    # Locked lots first: their units are spoken for before anything else is grown.
    _lock_lots(inst, setup, lock_map, position)
    _oversize_lots(inst, setup)
    if start_map:
        _start_plan_lots(inst, setup, start_map, position)
    return setup


def _lot_count(target_lots: int | None, tolerance: float, setup: _Setup) -> tuple[int, int] | None:
    """Allowed new lots (fewest, most) for a lot-count target, less the lots already made."""
    if target_lots is None:
        return None
    done = sum(1 for lot in setup.lots if lot.origin not in ("oversize",))
    lo = max(0, math.floor(target_lots * (1 - tolerance)) - done)
    hi = math.ceil(target_lots * (1 + tolerance)) - done
    if hi < 0:
        raise InfeasibleRulesError(
            f"target of about {target_lots} lots cannot be met: {done} locked or kept lots "
            "already exceed it. Raise target_lots or unlock areas."
        )
    return lo, hi


def _construct(
    inst: _Instance,
    setup: _Setup,
    rng: np.random.Generator,
    *,
    seed: int,
    opts: _Options,
    fixed: bool,
    count: tuple[int, int] | None,
    target_lots: int | None,
    balanced: bool = True,
) -> tuple[list[_Lot], dict[str, Any], float]:
    """Build ``opts.restarts`` plans of the free units and keep the best.

    Each restart is one construction (tiles, candidates, LP dive, refill) plus boundary moves;
    with ``balanced``, the balanced construction's plan (:func:`_balanced`) competes too.
    Restart 0 draws from ``rng`` (which the search goes on to use); restart ``r`` from its own
    stream ``[seed, r]``. Returns the best plan's lots (pre-phase lots copied in), its stats
    and the seconds spent in boundary moves.

    Raises
    ------
    InfeasibleRulesError
        If no restart meets the lot-count target.
    """
    # Restarts: the LP dive's rounding and the tiles decide much of the final plan (measured
    # on a 500-unit grid: 59,300 to 95,000 across seeds), so build several and keep the best.
    # On large pools one construction is enough: a tile's draw matters less among hundreds.
    restarts = opts.restarts if setup.pool.sum() <= settings.LOT_RESTART_MAX_UNITS else 1
    moves_seconds = 0.0
    best: tuple[float, list[_Lot], dict[str, Any]] | None = None
    found_counts = []
    for r in range(restarts):
        run_stats: dict[str, Any] = {"tiles": []}
        free_lots = _design_pool(
            inst,
            setup.pool,
            rng if r == 0 else np.random.default_rng([seed, r]),
            seed=seed + r,
            fixed=fixed,
            variants=opts.variants,
            tile_size=opts.tile_size,
            time_limit=opts.time_limit,
            count=count,
            stats=run_stats,
        )
        found_counts.append(len(free_lots))
        if count is not None and not count[0] <= len(free_lots) <= count[1]:
            continue
        trial = [_copy_lot(lot, inst) for lot in setup.lots] + free_lots
        t_moves = time.perf_counter()
        _boundary_moves(inst, trial, setup, passes=opts.improve_passes, fixed_centres=fixed)
        moves_seconds += time.perf_counter() - t_moves
        value = _plan_value(inst, trial)
        if best is None or value < best[0] - 1e-9:
            best = (value, trial, run_stats)
    packed = None
    if best is not None and balanced and not fixed and count is None:
        grown = len(best[1]) - len(setup.lots)
        packed = _balanced(inst, setup, seed=seed, opts=opts, to_beat=best[0], above=grown)
    if best is not None and packed is not None:
        trial, more = packed
        more["balanced_kept"] = False
        if trial is not None:
            value = _plan_value(inst, trial)
            more["balanced_value"] = value + inst.penalty * float(inst.h.sum())
            more["balanced_kept"] = value < best[0] - 1e-9
            if more["balanced_kept"]:
                best = (value, trial, {"tiles": []})
        best[2].update(more)
    if best is None:
        assert count is not None
        raise InfeasibleRulesError(
            f"target of about {target_lots} lots (allowed {count[0]}-{count[1]} new lots) cannot "
            f"be met with these rules: {'/'.join(map(str, found_counts))} disjoint valid lots "
            "were found. Change target_lots or its tolerance, or the bands."
        )
    return best[1], {**best[2], "restarts": restarts}, moves_seconds


def _balanced(
    inst: _Instance, setup: _Setup, *, seed: int, opts: _Options, to_beat: float, above: int
) -> tuple[list[_Lot] | None, dict[str, Any]] | None:
    """The balanced construction's plan after boundary moves (None if it made no lots) and
    its stats; None if it is off for this pool.

    ``to_beat`` is the objective (less its constant) of the plan it competes with, ``above``
    its number of free lots (:func:`~lotdesign.lots.balance._balanced_lots`).
    """
    if not 0 < setup.pool.sum() <= opts.balanced_units:
        return None
    t0 = time.perf_counter()
    stats: dict[str, Any] = {"balanced_to_beat": to_beat + inst.penalty * float(inst.h.sum())}
    # On the LP's scale: the free lots' travel plus the penalty on the pool's uncovered hours.
    pool_beat = to_beat - _plan_value(inst, setup.lots)
    pool_beat += inst.penalty * float(inst.h[setup.pool].sum())
    free_lots = _balanced_lots(
        inst, setup.pool, seed=seed, stats=stats, to_beat=pool_beat, above=above
    )
    trial = None
    if free_lots:
        trial = [_copy_lot(lot, inst) for lot in setup.lots] + free_lots
        _boundary_moves(inst, trial, setup, passes=opts.improve_passes, fixed_centres=False)
    stats["balanced_seconds"] = time.perf_counter() - t0  # with its boundary moves
    return trial, stats


def _regional(
    inst: _Instance,
    setup: _Setup,
    labels: np.ndarray,
    rng: np.random.Generator,
    *,
    seed: int,
    opts: _Options,
    workers: int,
) -> tuple[list[_Lot], dict[str, Any], float, set[Any]]:
    """Each region designed on its own (:func:`_design_region`), then stitched at the seams.

    Stitching: lots over the units the regions left free (by the same construction), then
    boundary moves over every lot. Returns the lots, stats, the seconds in boundary moves and
    the lots the search after need not window again: those no seam touches, searched in
    their region already.
    """
    n_regions = _n_regions(labels)
    tasks = [(inst, setup, labels == r, seed, r, opts) for r in range(n_regions)]
    t0 = time.perf_counter()
    results = _map(_design_region, tasks, workers=workers)
    region_seconds = time.perf_counter() - t0
    lots = [_copy_lot(lot, inst) for lot in setup.lots]
    stats: dict[str, Any] = {"tiles": [], "regions": n_regions, "workers": workers}
    for r, (found, region_stats, detours) in enumerate(results):
        inst.travel.add_detours(detours)
        lots += [_Lot(set(members.tolist()), centre, inst) for members, centre in found]
        stats["tiles"] += [{**tile, "region": r} for tile in region_stats.pop("tiles")]
        stats["restarts"] = max(stats.get("restarts", 0), region_stats.pop("restarts"))
        for key, value in region_stats.items():  # seconds: summed over the regions
            stats[key] = stats.get(key, 0) + value
    seams = _seam_lots(inst, lots, labels)
    inside = {_lot_key(lot) for lot, seam in zip(lots, seams, strict=True) if not seam}
    free = setup.pool & ~_members_of(lots, frozen_only=False, n=inst.n)
    seam_stats: dict[str, Any] = {"tiles": []}
    lots += _design_pool(
        inst, free, rng, seed=seed, fixed=False, variants=opts.variants,
        tile_size=opts.tile_size, time_limit=opts.time_limit, count=None, stats=seam_stats,
    )  # fmt: skip
    stats["seam_lots"] = len(lots) - sum(len(found) for found, *_ in results) - len(setup.lots)
    stats["tiles"] += [{**tile, "region": "seams"} for tile in seam_stats["tiles"]]
    t_moves = time.perf_counter()
    _boundary_moves(inst, lots, setup, passes=opts.improve_passes, fixed_centres=False)
    moves_seconds = time.perf_counter() - t_moves
    stats["region_seconds"] = region_seconds
    return lots, stats, moves_seconds, inside  # keys of lots since changed match nothing


def _design_region(
    inst: _Instance, setup: _Setup, region: np.ndarray, seed: int, index: int, opts: _Options
) -> tuple[list[tuple[np.ndarray, int]], dict[str, Any], dict[int, Any]]:
    """One region's lots (members, centre), built and searched as a whole design would be.

    Units outside the region are neither taken nor moved; the region draws from its own
    stream, so it comes out the same in any process.
    """
    sub = _Setup(
        lots=[],
        pool=setup.pool & region,
        fixed_units=setup.fixed_units | ~region,
        over=setup.over,
        reasons=[],
    )
    rng = np.random.default_rng([seed, _STREAM, index])
    lots, stats, moves_seconds = _construct(
        inst, sub, rng, seed=seed, opts=opts, fixed=False, count=None, target_lots=None
    )
    t0 = time.perf_counter()
    _improve_plan(inst, lots, sub, rng, seed=seed, opts=opts, stats=stats)
    found = [(np.fromiter(sorted(lot.members), np.int64), lot.centre) for lot in lots]
    keep = {"tiles", "restarts", "candidate_seconds"}
    out = {key: value for key, value in stats.items() if key in keep}
    out["region_lns_seconds"] = time.perf_counter() - t0
    out["region_moves_seconds"] = moves_seconds
    # The paths over land searched here are the stitching's too: handed back, not re-searched.
    return found, out, inst.travel.detours()


def _best_search(
    inst: _Instance,
    setup: _Setup,
    rng: np.random.Generator,
    *,
    seed: int,
    opts: _Options,
    fixed: bool,
    count: tuple[int, int] | None,
    target_lots: int | None,
    windows: bool,
) -> tuple[list[_Lot], dict[str, Any]]:
    """``opts.search_restarts`` whole searches (construction, then :func:`_search`); the best.

    The first is the search a single one makes (``rng``, ``seed``); search ``r`` has its own
    seed from ``[seed, _SEARCHES, r]``. Pools of more than
    settings.LOT_SEARCH_RESTART_MAX_UNITS free units get one. A search that cannot meet the
    lot-count target is passed over; the first one's error is raised if none can. Stats:
    the kept search's, with ``search_kept`` (its index) and ``search_seconds`` (each one's).
    """
    searches = opts.search_restarts
    if setup.pool.sum() > settings.LOT_SEARCH_RESTART_MAX_UNITS:
        searches = 1
    best: tuple[float, list[_Lot], dict[str, Any]] | None = None
    seconds: list[float] = []
    kept = 0
    failed: InfeasibleRulesError | None = None
    for r in range(searches):
        t0 = time.perf_counter()
        seed_r = (
            seed if r == 0 else int(np.random.default_rng([seed, _SEARCHES, r]).integers(2**31))
        )
        rng_r = rng if r == 0 else np.random.default_rng(seed_r)
        try:
            # The balanced construction in the first search only: measured on the demo county
            # it never won a search and cost 0.6 s in each (before it was tried only for
            # counts above the growth plan's).
            lots, stats, moves_seconds = _construct(
                inst, setup, rng_r, seed=seed_r, opts=opts, fixed=fixed, count=count,
                target_lots=target_lots, balanced=r == 0,
            )  # fmt: skip
        except InfeasibleRulesError as err:  # another search may still meet the target
            failed = failed or err
            seconds.append(time.perf_counter() - t0)
            continue
        _search(inst, lots, setup, rng_r, seed=seed_r, opts=opts, stats=stats, settled=None,
                windows=windows)  # fmt: skip
        stats["improve_seconds"] = moves_seconds + stats["lns_seconds"]
        seconds.append(time.perf_counter() - t0)
        value = _plan_value(inst, lots)
        if best is None or value < best[0] - 1e-9:
            best, kept = (value, lots, stats), r
    if best is None:
        assert failed is not None
        raise failed
    # The kept search's own timings stay in stats; these cover every search made.
    best[2].update(search_restarts=searches, search_kept=kept, search_seconds=seconds)
    return best[1], best[2]


def _search(
    inst: _Instance,
    lots: list[_Lot],
    setup: _Setup,
    rng: np.random.Generator,
    *,
    seed: int,
    opts: _Options,
    stats: dict[str, Any],
    settled: set[Any] | None,
    windows: bool,
) -> None:
    """The search after construction (if ``windows``): windows, kernel, polishing, exact step."""
    t_search = time.perf_counter()
    stats["polish_windows"] = stats["polish_time_limited"] = stats["polish_skipped"] = 0
    stats["polish"] = stats["kernel"] = "off"
    if windows:
        _improve_plan(inst, lots, setup, rng, seed=seed, opts=opts, stats=stats, settled=settled)
        if opts.exact_units < setup.pool.sum() <= opts.kernel_units:
            _kernel(inst, lots, setup, seed=seed, passes=opts.improve_passes, stats=stats)
        _polish(inst, lots, setup, rng, seed=seed, opts=opts, stats=stats)
        _exact(inst, lots, setup, rng, seed=seed, opts=opts, stats=stats)
    stats["lns_seconds"] = time.perf_counter() - t_search


def _improve_plan(
    inst: _Instance,
    lots: list[_Lot],
    setup: _Setup,
    rng: np.random.Generator,
    *,
    seed: int,
    opts: _Options,
    stats: dict[str, Any],
    settled: set[Any] | None = None,
) -> None:
    """Large-neighbourhood search: ``opts.lns_rounds`` sweeps, until a sweep replaces nothing.

    A sweep after the first re-solves only windows with a lot the sweep before changed (its
    own windows or the boundary moves after it): a window of lots that all came through a
    sweep untouched was tried then, and re-trying it rarely pays (measured on the 35,000-unit
    grid: most of the second sweep's time for a small share of its gain). ``settled`` lots
    (e.g. a region's, searched there already) are treated so from the first sweep.
    """
    for _ in range(opts.lns_rounds):
        before = {_lot_key(lot) for lot in lots}
        replaced = _reoptimise(
            inst, lots, setup.pool, rng, exact=False, window=settings.LOT_LNS_WINDOW,
            variants=opts.variants, window_seconds=_LNS_WINDOW_SECONDS, seed=seed, tried=None,
            stats=stats, settled=settled,
        )  # fmt: skip
        _boundary_moves(inst, lots, setup, passes=opts.improve_passes, fixed_centres=False)
        settled = before & {_lot_key(lot) for lot in lots}
        if not replaced:
            break


def _polish(
    inst: _Instance,
    lots: list[_Lot],
    setup: _Setup,
    rng: np.random.Generator,
    *,
    seed: int,
    opts: _Options,
    stats: dict[str, Any],
) -> None:
    """Exact polishing: ``opts.polish_rounds`` sweeps of windows solved as HiGHS MIPs.

    Not on pools of more than settings.LOT_POLISH_MAX_UNITS free units
    (``stats["polish"]`` says so): there it buys little for its time.
    """
    if not opts.polish_rounds:
        return  # stats["polish"] stays "off"
    if setup.pool.sum() > settings.LOT_POLISH_MAX_UNITS:
        stats["polish"] = f"off: more than {settings.LOT_POLISH_MAX_UNITS:,} free units"
        return
    stats["polish"] = "on"
    tried: set[Any] = set()  # exact windows already solved without gain: not solved again
    for _ in range(opts.polish_rounds):
        replaced = _reoptimise(
            inst, lots, setup.pool, rng, exact=True, window=settings.LOT_POLISH_WINDOW,
            variants=opts.variants, window_seconds=settings.LOT_POLISH_WINDOW_SECONDS,
            seed=seed, tried=tried, stats=stats, max_units=opts.polish_units,
        )  # fmt: skip
        _boundary_moves(inst, lots, setup, passes=opts.improve_passes, fixed_centres=False)
        if not replaced:
            break


def _exact(
    inst: _Instance,
    lots: list[_Lot],
    setup: _Setup,
    rng: np.random.Generator,
    *,
    seed: int,
    opts: _Options,
    stats: dict[str, Any],
) -> None:
    """A small pool re-solved whole, exactly (:func:`_window_mip` with separator rows).

    The searched lots and every uncovered unit of the pool form one window; its optimum
    replaces the lots when it is lower and every lot of it passes the rule check (as in the
    polishing windows). ``stats["exact"]``: ``"optimal"``, ``"time limit"`` (the safety
    limit stopped a solve; the best plan found is kept), ``"not solved"`` (no model could be
    built round the current lots) or ``"off"``.
    """
    stats["exact"] = "off"
    live = [i for i, lot in enumerate(lots) if _searchable(lot)]
    if not live or int(setup.pool.sum()) > opts.exact_units:
        return
    t0 = time.perf_counter()
    window = [lots[i] for i in live]
    solves: dict[str, Any] = {}
    replaced = _try_window(
        inst, window, list(range(len(window))), _members_of(lots, frozen_only=False, n=inst.n),
        setup.pool, rng, exact=True, variants=opts.variants,
        window_seconds=settings.LOT_EXACT_SECONDS, seed=seed, tried=None, stats=solves,
        whole=True,
    )  # fmt: skip
    if not solves.get("polish_windows"):
        stats["exact"] = "not solved"
    else:
        stats["exact"] = "time limit" if solves.get("polish_time_limited") else "optimal"
    stats["exact_solves"] = solves.get("polish_windows", 0)
    stats["exact_seconds"] = time.perf_counter() - t0
    if replaced is not None:
        gone = set(live)
        kept = [lot for i, lot in enumerate(lots) if i not in gone]
        lots[:] = kept + [_Lot(set(m.tolist()), c, inst) for c, m in replaced]


def _finish(
    inst: _Instance,
    lots: list[_Lot],
    setup: _Setup,
    stats: dict[str, Any],
    *,
    prefix: str,
    centre_frame: pd.DataFrame | None,
) -> LotPlan:
    """The plan: every lot measured, re-checked and named; uncovered units explained."""
    plan = _build_plan(
        inst, lots, inst.given_rules, setup.reasons, stats, prefix=prefix,
        centre_frame=centre_frame,
    )  # fmt: skip
    covered = plan.assignment["tier"].eq(1).to_numpy()
    plan.reasons.extend(_explain_uncovered(inst, np.ones(inst.n, bool) & ~setup.over, covered))
    return plan


def _boundary_moves(
    inst: _Instance, lots: list[_Lot], setup: _Setup, *, passes: int, fixed_centres: bool
) -> None:
    """Boundary moves over ``lots``: never oversize lots, units of frozen lots or fixed units."""
    _improve(
        inst,
        [lot for lot in lots if lot.origin != "oversize"],
        setup.fixed_units,
        ~setup.over & ~_members_of(lots, frozen_only=True, n=inst.n),
        passes=passes,
        fixed_centres=fixed_centres,
    )
