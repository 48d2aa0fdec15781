"""Benchmark the lot-design engine against PySAL spopt's MaxPHeuristic and a HiGHS bound.

Instances: synthetic county grids (``lotdesign.datasets.synthetic.grid_units``; 1.5 km cells,
lognormal hours clustered round towns) of the sizes asked for, and the demo county
(``lotdesign.pipeline.build_demo_units``). Every plan is judged by the same code,
:func:`lotdesign.checks.check_plan`, against the default Tier 1 rules (700-1300 h, 50-110
customers, 7 miles, 15 minutes, contiguous).

Columns: wall and CPU seconds, lots, share of hours in valid lots, lots breaking a rule and
rule breaches, the objective (hour-minutes of travel in valid lots + penalty x hours outside
them; lower is better), the gap to the HiGHS lower bound, speed-up against spopt (CPU
seconds; wall in brackets), and peak memory.

Run from the repository root::

    nice -n 10 .venv/bin/python benchmarks/bench_lots.py                  # 500 and 2,000
    nice -n 10 .venv/bin/python benchmarks/bench_lots.py --sizes 500 --skip-spopt
    nice -n 10 .venv/bin/python benchmarks/bench_lots.py --sizes 35000 --skip-spopt --json
    # the engine's own speed, straight-line drive times, one tool:
    nice -n 10 /usr/bin/time -v .venv/bin/python benchmarks/bench_lots.py --sizes 35000 \
        --no-demo --skip-spopt --bound-max 0 --no-land --tools standard --json

This is a benchmark, not a timed test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lotdesign.checks import check_plan
from lotdesign.datasets.synthetic import grid_units
from lotdesign.lots import SEARCH_LEVELS, LotRules, design, lower_bound
from lotdesign.pipeline import build_demo_units


class _Peak:
    """Peak resident memory of this process and its worker processes while a block runs.

    Sampled every 50 ms, summed over the process tree (a large instance's regions run in
    worker processes: lotdesign.lots.regions).
    """

    def __enter__(self) -> _Peak:
        self.proc = psutil.Process()
        self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _rss(self) -> int:
        total = self.proc.memory_info().rss
        for child in self.proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def _children_cpu() -> dict[int, float]:
    """CPU seconds so far of each live worker process of this one."""
    out = {}
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times = child.cpu_times()
            out[child.pid] = times.user + times.system
    return out


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """(result, wall s, CPU s of this process and its workers, peak GB of them together)."""
    with _Peak() as peak:
        before = _children_cpu()
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        # Worker processes outlive the call (joblib keeps them for the next one).
        cpu += sum(t - before.get(pid, 0.0) for pid, t in _children_cpu().items())
    return out, wall, cpu, peak.peak / 1e9


def run_lotdesign(units: pd.DataFrame, rules: LotRules, seed: int, **options: Any) -> pd.DataFrame:
    plan = design(units, rules=rules, seed=seed, **options)
    # Only valid (Tier 1) lots count; oversize units and units outside lots are not in a lot.
    a = plan.assignment[["unit_id", "lot_id", "is_centre"]].copy()
    a.loc[plan.assignment["tier"].ne(1), "lot_id"] = None
    return a


def run_spopt(units: pd.DataFrame, rules: LotRules, seed: int) -> pd.DataFrame:
    import libpysal
    from spopt.region import MaxPHeuristic

    np.random.seed(seed)  # noqa: NPY002 - spopt draws from numpy's global generator
    frame = units.reset_index(drop=True)
    pos = {u: i for i, u in enumerate(frame["unit_id"])}
    nbrs = {
        i: [pos[v] for v in str(s).split(";") if v in pos]
        for i, s in enumerate(frame["neighbours"])
    }
    w = libpysal.weights.W(nbrs, silence_warnings=True)
    model = MaxPHeuristic(frame, w, ["hours"], "hours", rules.min_hours, top_n=2)
    model.solve()
    labels = np.asarray(model.labels_)
    # spopt leaves units it cannot place in a region with label 0 or below.
    lot = np.where(labels > 0, [f"P{v}" for v in labels], None)
    return pd.DataFrame({"unit_id": frame["unit_id"], "lot_id": lot})


def judge(units: pd.DataFrame, assignment: pd.DataFrame, rules: LotRules) -> dict[str, Any]:
    a = assignment.copy()
    a["tier"] = 1
    table, summary = check_plan(units, a, rules=rules)
    return {
        "lots": len(table),
        "valid_lots": int(table["passes"].sum()),
        "share_valid": float(summary["share_in_passing_tier1"]),
        "lots_breaking": int((~table["passes"]).sum()),
        "rule_breaches": int(summary["rule_breaches"]),
        "max_lot_hours": float(table["hours"].max()) if len(table) else 0.0,
        "objective": float(summary["objective"]),
    }


def instances(
    sizes: list[int], seed: int, demo: bool, *, land: bool = True
) -> list[tuple[str, pd.DataFrame]]:
    out = [(f"grid {n:,}", grid_units(n, seed=n + seed)) for n in sizes]
    if demo:
        units = build_demo_units()
        out.append((f"demo county ({len(units):,})", units))
    if not land:
        # Without polygons there is no land to go round: straight-line drive-time estimates
        # everywhere (lotdesign.travel.land_of_units), as the engine measured before paths
        # over land, so its own speed can be compared across versions.
        out = [(f"{name}, no land paths", pd.DataFrame(u.drop(columns="geometry", errors="ignore")))
               for name, u in out]  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[500, 2000],
        help="grid sizes (none: the demo county alone)",
    )
    p.add_argument("--seed", type=int, default=0, help="added to each grid's seed")
    p.add_argument("--skip-spopt", action="store_true", help="do not run spopt MaxP")
    p.add_argument("--no-demo", action="store_true", help="skip the demo county")
    p.add_argument(
        "--bound-max", type=int, default=500, help="largest instance given a HiGHS bound"
    )
    p.add_argument(
        "--bound-seconds",
        type=float,
        nargs=2,
        default=[300.0, 0.0],
        metavar=("PMEDIAN", "COLGEN"),
        help="seconds for the p-median and column-generation bounds (0 skips; colgen is "
        "off here: benchmarks/bench_bounds.py gives both bounds and the certified gaps)",
    )
    p.add_argument(
        "--no-thorough",
        action="store_true",
        help="skip lotdesign's thorough search (minutes) on the instances given a bound",
    )
    p.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[0],
        help="design seeds; each tool runs once per seed (spread of results across seeds)",
    )
    p.add_argument(
        "--no-land",
        action="store_true",
        help="units without polygons: straight-line drive times (no paths over land)",
    )
    p.add_argument(
        "--tools",
        nargs="+",
        choices=("defaults", "standard", "thorough", "spopt"),
        default=None,
        help="run only these tools (default: all that apply)",
    )
    p.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    args = p.parse_args(argv)
    rules = LotRules()
    rows: list[dict[str, Any]] = []
    for name, units in instances(args.sizes, args.seed, not args.no_demo, land=not args.no_land):
        hours = float(units["hours"].sum())
        print(f"[{name}] {len(units):,} units, {hours:,.0f} h", file=sys.stderr)
        bound = math.nan
        if len(units) <= args.bound_max:
            for method, seconds in zip(("pmedian", "colgen"), args.bound_seconds, strict=True):
                if seconds <= 0:
                    continue
                b, wall, cpu, mem = _timed(
                    lambda u=units, m=method, t=seconds: lower_bound(
                        u, rules=rules, method=m, time_limit=t
                    )
                )
                # Both bounds are valid; the gap is taken to the better (higher) one.
                bound = b["bound"] if math.isnan(bound) else max(bound, b["bound"])
                rows.append(
                    {"instance": name, "tool": f"HiGHS bound ({method})", "seconds": wall,
                     "cpu_seconds": cpu, "objective": b["bound"], "status": b["status"],
                     "peak_gb": mem}
                )  # fmt: skip
                print(f"  {method} bound {b['bound']:,.0f} ({wall:.0f} s)", file=sys.stderr)
        tools: list[tuple[str, Callable[..., pd.DataFrame]]] = [
            ("lotdesign (engine defaults)", run_lotdesign),
            (
                "lotdesign run (search: standard)",
                lambda u, r, s: run_lotdesign(u, r, s, **SEARCH_LEVELS["standard"]),
            ),
        ]
        if not args.no_thorough and len(units) <= args.bound_max:
            tools.append(
                (
                    "lotdesign run (search: thorough)",
                    lambda u, r, s: run_lotdesign(u, r, s, **SEARCH_LEVELS["thorough"]),
                )
            )
        if not args.skip_spopt:
            tools.append(("spopt MaxPHeuristic", run_spopt))
        if args.tools is not None:
            keys = {"defaults": "engine defaults", "standard": "search: standard",
                    "thorough": "search: thorough", "spopt": "spopt"}  # fmt: skip
            tools = [t for t in tools if any(keys[k] in t[0] for k in args.tools)]
        for seed in args.seeds:
            results = {}
            for tool, fn in tools:
                a, wall, cpu, mem = _timed(lambda f=fn, u=units, s=seed: f(u, rules, s))
                label = tool if len(args.seeds) == 1 else f"{tool}, seed {seed}"
                row = {"instance": name, "tool": label, "seed": seed, "units": len(units),
                       "seconds": wall, "cpu_seconds": cpu, "peak_gb": mem,
                       **judge(units, a, rules)}  # fmt: skip
                if math.isfinite(bound):
                    row["gap_to_bound"] = (row["objective"] - bound) / abs(bound)
                results[tool] = row
                rows.append(row)
                print(f"  {label}: {wall:.1f} s, share {row['share_valid']:.1%}", file=sys.stderr)
            if "spopt MaxPHeuristic" in results:
                ref = results["spopt MaxPHeuristic"]
                for row in results.values():
                    row["speedup_cpu"] = ref["cpu_seconds"] / row["cpu_seconds"]
                    row["speedup_wall"] = ref["seconds"] / row["seconds"]
    if args.json:
        print(json.dumps(rows, indent=2, default=float))
    else:
        print(format_table(rows))
    return 0


def _ratio(x: float) -> str:
    return f"{x:.0f}x" if x >= 10 else f"{x:.2g}x"


def format_table(rows: list[dict[str, Any]]) -> str:
    """Markdown table of benchmark rows."""
    head = (
        "| instance | tool | seconds (CPU) | lots (valid) | hours in valid lots | lots breaking "
        "a rule (breaches) | objective | gap to bound | speed-up vs spopt CPU (wall) | peak GB |"
    )
    lines = [head, "|" + "---|" * 10]

    def f(row: dict[str, Any], key: str, fmt: str) -> str:
        v = row.get(key)
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)

    for r in rows:
        lots = f"{r['lots']} ({r['valid_lots']})" if "lots" in r else ""
        breaking = f"{r['lots_breaking']} ({r['rule_breaches']})" if "lots" in r else ""
        speed = ""
        if "speedup_cpu" in r:
            speed = f"{_ratio(r['speedup_cpu'])} ({_ratio(r['speedup_wall'])})"
        tool = r["tool"] + (f" [{r['status']}]" if "status" in r else "")
        lines.append(
            f"| {r['instance']} | {tool} | {r['seconds']:.1f} ({r['cpu_seconds']:.1f}) | {lots} | "
            f"{f(r, 'share_valid', '.1%')} | {breaking} | {f(r, 'objective', ',.0f')} | "
            f"{f(r, 'gap_to_bound', '.1%')} | {speed} | {f(r, 'peak_gb', '.2f')} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
