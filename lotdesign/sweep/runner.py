"""Running a sweep on Dask distributed: shared inputs once, scenarios in parallel, a cache.

:func:`run_sweep` checks every scenario's spec first (nothing starts while one is wrong),
looks each scenario up in the cache by its result key (:func:`~lotdesign.sweep.grid.result_key`:
the spec less names and outputs, the files it reads, the settings and lotdesign's version),
and sends only the others to the cluster. Scenarios that read the same inputs share one task
that reads the extract, builds the units and the drive-time matrix
(:func:`~lotdesign.sweep.grid.input_key`); its result stays in the cluster's memory and is
passed to each of their scenario tasks, so the expensive part runs once per input, not once
per scenario. A scenario task runs the lots (and cost) stage with
:func:`lotdesign.pipeline.continue_run` and returns a few figures and its lot outlines, which
the client writes to the cache (``processed/sweep_cache/<key>``) as they arrive.

The cluster is a :class:`distributed.LocalCluster` of ``sweep.workers`` processes
(settings.SWEEP_WORKERS) unless a scheduler address is given (config ``sweep.scheduler`` or
``lotdesign sweep --scheduler``); the same code then runs on that cluster, whose workers must
be able to read the config's input files (a shared filesystem).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lotdesign import settings
from lotdesign.errors import LotDesignError, ValidationError
from lotdesign.pipeline import continue_run, run
from lotdesign.results import Run
from lotdesign.spec import RunSpec, load_spec
from lotdesign.sweep.grid import Scenario, expand_grid, input_key, read_grid, result_key

__all__ = ["SweepResult", "run_sweep", "scenario_figures"]

#: Columns of the comparison table, in order (each registered in :mod:`lotdesign.columns`).
TABLE_COLUMNS: tuple[str, ...] = (
    "scenario",
    "changes",
    "lots",
    "tier1_share",
    "mean_hours",
    "tier2_zones",
    "travel",
    "travel_per_hour",
    "objective",
    "change_pct",
    "change_annual",
    "change_per_customer_week_p10",
    "change_per_customer_week_p90",
    "months_to_viable_median",
    "months_to_viable_max",
    "lots_never_viable",
    "seconds",
    "cached",
    "reason",
)
CACHE_FOLDER = "sweep_cache"


@dataclass
class SweepResult:
    """A sweep's scenarios, comparison table, lot outlines, files and timings.

    Attributes
    ----------
    scenarios
        The scenarios, in the grid's order.
    table
        One row per scenario (:data:`TABLE_COLUMNS`).
    lots
        Scenario name -> its lot and zone outlines (``lot_id``, ``tier``, geometry).
    paths
        Files written, by label.
    timings
        Seconds: ``check`` (specs and cache), ``cluster`` (starting it), ``compute``,
        ``outputs``, ``total``; ``inputs`` (shared-input tasks run) and ``computed``,
        ``cached`` (scenarios).
    """

    scenarios: list[Scenario]
    table: pd.DataFrame
    lots: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


# --- on the workers -----------------------------------------------------------------------------


def _shared_inputs(spec: RunSpec, matrix_spec: RunSpec | None) -> tuple[Run, pd.DataFrame | None]:
    """Read the extract and build the units once (and the drive-time matrix, if any)."""
    base = run(spec, quiet=True, until="units", write=False)
    base.lookup = None  # large, and no later stage of a scenario reads it
    matrix = None
    if matrix_spec is not None and matrix_spec.travel.roads is not None:
        matrix = matrix_spec.road_matrix(base)
    elif spec.rules.travel_matrix is not None:
        from lotdesign.roads import read_matrix

        matrix = read_matrix(spec.rules.travel_matrix)
    return base, matrix


def _scenario_task(
    shared: tuple[Run, pd.DataFrame | None],
    spec: RunSpec,
    until: str,
    compare_policies: bool,
) -> dict[str, Any]:
    """One scenario on the shared inputs: its figures and lot outlines (or why it failed)."""
    t0 = time.perf_counter()
    base, matrix = shared
    try:
        result = continue_run(
            base, spec, until=until, matrix=matrix, compare_policies=compare_policies
        )
    except LotDesignError as exc:
        return {"figures": {"reason": str(exc)}, "lots": None, "seconds": time.perf_counter() - t0}
    figures = scenario_figures(result)
    outlines = result.checks.polygons[["lot_id", "tier", "geometry"]].copy()
    seconds = time.perf_counter() - t0
    figures["seconds"] = seconds
    return {"figures": figures, "lots": outlines, "seconds": seconds}


def scenario_figures(result: Run) -> dict[str, Any]:
    """The comparison-table figures of one run (a scenario), county level only."""
    summary = result.tiers.summary
    table = result.checks.table
    t1 = table[table["tier"] == 1]
    objective = result.plan.objective
    out: dict[str, Any] = {
        "lots": int(summary.loc[1, "lots"]) if 1 in summary.index else 0,
        "tier1_share": float(summary.loc[1, "share_hours"]) if 1 in summary.index else 0.0,
        "mean_hours": float(t1["hours"].mean()) if len(t1) else math.nan,
        "tier2_zones": int(summary.loc[2, "lots"]) if 2 in summary.index else 0,
        "travel": float(objective["travel"]),
        "travel_per_hour": float(objective["travel"]) / objective["covered_hours"]
        if objective["covered_hours"]
        else math.nan,
        "objective": float(objective["value"]),
    }
    cost = result.cost
    if cost is not None:
        county = cost.summary.query("level == 'county'").iloc[0]
        out["change_pct"] = float(county["change_pct"])
        out["change_annual"] = float(county["change_annual"])
        if cost.ranges is not None:
            ranges = cost.ranges.set_index("metric")
            if "change_per_customer_week" in ranges.index:
                row = ranges.loc["change_per_customer_week"]
                out["change_per_customer_week_p10"] = _num(row.get("p10"))
                out["change_per_customer_week_p90"] = _num(row.get("p90"))
        if cost.flow is not None and "months_to_viable" in cost.flow.columns:
            months = pd.to_numeric(
                cost.flow.loc[cost.flow["tier"] == 1, "months_to_viable"], errors="coerce"
            )
            if len(months):
                out["months_to_viable_median"] = _num(months.median())
                out["months_to_viable_max"] = _num(months.max())
                out["lots_never_viable"] = int(months.isna().sum())
    return out


def _num(value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value


# --- on the client ------------------------------------------------------------------------------


def _matrix_spec(group: list[Scenario]) -> RunSpec | None:
    """The scenario whose road matrix serves the whole group: the one routed farthest."""
    with_roads = [s.spec for s in group if s.spec.travel.roads is not None]
    if not with_roads:
        return None

    def cutoff(spec: RunSpec) -> float:
        limits = [spec.lot_rules().max_drive_minutes, spec.tier2_rules().max_drive_minutes]
        given = spec.travel.road_cutoff_minutes or settings.ROAD_CUTOFF_MINUTES
        return max(given, max(limits) * (1 + settings.CHECK_AMBER_MARGIN))

    return max(with_roads, key=cutoff)


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int, threads: int, processes: bool) -> Iterator[Any]:
    """A Dask client: to the scheduler given, else to a LocalCluster started (and stopped) here."""
    from distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=threads,
        processes=processes,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _cache_dir(spec: RunSpec, cache: str | Path | None) -> Path:
    return Path(cache) if cache is not None else spec.outputs.processed / CACHE_FOLDER


def _read_cached(folder: Path) -> dict[str, Any] | None:
    figures = folder / "figures.json"
    if not figures.exists():
        return None
    try:
        data = json.loads(figures.read_text(encoding="utf-8"))
        lots = gpd.read_parquet(folder / "lots.parquet")
    except (OSError, ValueError):
        return None
    return {"figures": data, "lots": lots, "seconds": data.get("seconds", math.nan)}


def _write_cached(folder: Path, outcome: dict[str, Any]) -> None:
    if outcome.get("lots") is None:
        return  # a failed scenario is tried again next time
    folder.mkdir(parents=True, exist_ok=True)
    outcome["lots"].to_parquet(folder / "lots.parquet")
    clean = {
        k: (None if isinstance(v, float) and math.isnan(v) else v)
        for k, v in outcome["figures"].items()
    }
    (folder / "figures.json").write_text(json.dumps(clean, indent=1), encoding="utf-8")


def run_sweep(
    config: str | Path,
    grid: str | Path | dict[str, Any],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    processes: bool = True,
    client: Any = None,
    out: str | Path | None = None,
    cache: str | Path | None = None,
    write: bool = True,
    quiet: bool = False,
    stream: Any = None,
) -> SweepResult:
    """Run every scenario of a grid against a config on Dask; compare them.

    Parameters
    ----------
    config
        The run's YAML config (its ``sweep:`` section says how to run).
    grid
        A grid file (YAML) or the same as a mapping (:mod:`lotdesign.sweep.grid`).
    scheduler
        Address of a running Dask scheduler; overrides ``sweep.scheduler``. None and no
        config address: a LocalCluster of ``workers`` processes.
    workers
        LocalCluster workers (default ``sweep.workers``, else settings.SWEEP_WORKERS).
    processes
        LocalCluster workers as processes (True) or threads of this process.
    client
        A ``distributed.Client`` to use as it is (then no cluster is started or stopped).
    out
        Folder for the comparison table, chart and map (default ``<reports>/sweep``).
    cache
        Cache folder (default ``<processed>/sweep_cache``).
    write
        Write the table, chart and map (the cache is written whenever ``sweep.cache`` holds).
    quiet, stream
        Print nothing; where progress goes (default standard error).

    Returns
    -------
    SweepResult

    Raises
    ------
    lotdesign.ValidationError
        A bad config or grid: every scenario's problems at once, before any work starts.
    """
    t0 = time.perf_counter()
    stream = stream or sys.stderr

    def say(text: str) -> None:
        if not quiet:
            print(text, file=stream, flush=True)

    config = Path(config)
    base = load_spec(config)
    raw = read_grid(grid) if not isinstance(grid, dict) else grid
    where = str(grid) if not isinstance(grid, dict) else "grid"
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    scenarios = expand_grid(
        data, raw, base=config.resolve().parent, where=where, config_path=config
    )
    opts = base.sweep
    until, compare = opts.until, opts.compare_policies
    keys = [result_key(s.spec, until=until, compare_policies=compare) for s in scenarios]
    cache_root = _cache_dir(base, cache)
    outcomes: dict[int, dict[str, Any]] = {}
    if opts.cache:
        for i, key in enumerate(keys):
            found = _read_cached(cache_root / key)
            if found is not None:
                outcomes[i] = {**found, "cached": True}
    todo = [i for i in range(len(scenarios)) if i not in outcomes]
    groups: dict[str, list[int]] = {}
    for i in todo:
        groups.setdefault(input_key(scenarios[i].spec), []).append(i)
    title = raw.get("name") or base.name
    say(
        f"lotdesign sweep: {title}: {len(scenarios)} scenarios, {len(outcomes)} from the cache, "
        f"{len(todo)} to compute on {len(groups)} distinct input(s)"
    )
    timings: dict[str, float] = {"check": time.perf_counter() - t0, "cluster": 0.0}
    t_compute = time.perf_counter()
    if todo:
        address = scheduler or opts.scheduler
        n_workers = workers or opts.workers or settings.SWEEP_WORKERS
        threads = opts.threads_per_worker or settings.SWEEP_THREADS_PER_WORKER
        owned = (
            contextlib.nullcontext(client)
            if client is not None
            else _client(address, n_workers, threads, processes)
        )
        with owned as c:
            timings["cluster"] = time.perf_counter() - t_compute
            where_text = (
                f"scheduler {address}"
                if address
                else (f"LocalCluster, {n_workers} worker {'processes' if processes else 'threads'}")
            )
            if client is None:
                say(f"  Dask: {where_text} ready in {timings['cluster']:.1f} s")
            _compute(c, scenarios, keys, groups, until, compare, outcomes, opts.cache,
                     cache_root, say)  # fmt: skip
    timings["compute"] = time.perf_counter() - t_compute - timings["cluster"]
    timings["inputs"] = float(len(groups))
    timings["computed"] = float(len(todo))
    timings["cached"] = float(len(scenarios) - len(todo))
    rows, lots = [], {}
    for i, s in enumerate(scenarios):
        o = outcomes[i]
        row = {"scenario": s.name, "changes": s.changes_text, **o["figures"]}
        row["seconds"] = o.get("seconds", math.nan)
        row["cached"] = "yes" if o.get("cached") else "no"
        rows.append(row)
        if o.get("lots") is not None:
            lots[s.name] = o["lots"]
    table = pd.DataFrame(rows)
    table = table.reindex(columns=[c for c in TABLE_COLUMNS if c in table.columns or c != "reason"])
    result = SweepResult(scenarios=scenarios, table=table, lots=lots, timings=timings)
    t_out = time.perf_counter()
    if write:
        from lotdesign.sweep.outputs import write_outputs

        folder = Path(out) if out is not None else base.outputs.reports / "sweep"
        result.paths = write_outputs(result, folder, title=title, synthetic=base.synthetic,
                                     max_count=base.disclosure.suppress_max_count)  # fmt: skip
    timings["outputs"] = time.perf_counter() - t_out
    timings["total"] = time.perf_counter() - t0
    say(
        f"Sweep done in {timings['total']:.1f} s: {int(timings['computed'])} computed, "
        f"{int(timings['cached'])} from the cache"
    )
    for label, path in result.paths.items():
        say(f"  {label:<12} {path}")
    return result


def _compute(
    client: Any,
    scenarios: list[Scenario],
    keys: list[str],
    groups: dict[str, list[int]],
    until: str,
    compare: bool,
    outcomes: dict[int, dict[str, Any]],
    use_cache: bool,
    cache_root: Path,
    say: Any,
) -> None:
    """Submit the shared inputs and the scenarios; collect them as they finish."""
    from distributed import as_completed

    futures = {}
    for ikey, members in groups.items():
        group = [scenarios[i] for i in members]
        shared = client.submit(
            _shared_inputs, group[0].spec, _matrix_spec(group), key=f"lotdesign-inputs-{ikey}"
        )
        for i in members:
            fut = client.submit(
                _scenario_task, shared, scenarios[i].spec, until, compare,
                key=f"lotdesign-scenario-{keys[i]}",
            )  # fmt: skip
            futures[fut] = i
    total = len(futures)
    for done, fut in enumerate(as_completed(list(futures)), start=1):
        i = futures[fut]
        outcome = fut.result()
        outcomes[i] = {**outcome, "cached": False}
        if use_cache:
            _write_cached(cache_root / keys[i], outcome)
        f = outcome["figures"]
        what = (
            f"failed: {f['reason']}"
            if "reason" in f
            else f"{f['lots']} lots, {f['tier1_share']:.1%} of hours in Tier 1"
        )
        say(f"  [{done}/{total}] {scenarios[i].name}: {what} ({outcome['seconds']:.1f} s)")


def sweep_from_cli(
    config: str, grid: str, *, scheduler: str | None, workers: int | None, out: str | None,
    quiet: bool,
) -> SweepResult:  # fmt: skip
    """What ``lotdesign sweep`` calls."""
    if workers is not None and workers < 1:
        raise ValidationError("--workers must be at least 1")
    return run_sweep(config, grid, scheduler=scheduler, workers=workers, out=out, quiet=quiet)
