"""Time and size a 200,000-row extract: the reader alone, and ``lotdesign run`` end to end.

Target (issue 13): 200,000 rows through ``lotdesign run`` in under 90 s and under 1.5 GB on
2 cores. Not a timed test: run it by hand.

The extract is built on the live, gridded postcodes of Norfolk's seven districts in the
packaged ONS directory: 200,000 package lines (about 1.6 lines a customer), hours from a
log-normal around 12.6 a week, costs at £24-£32 an hour, 300 providers, dates in the forms
councils' systems write (DD/MM/YYYY, ISO, 01-Apr-2025), 8% of lines ended before the analysis
date, and a few hundred faults of each common kind. Each measurement runs in a fresh process,
so the peak resident memory it reports is that step's own.

    python benchmarks/bench_extract.py [--rows 200000] [--xlsx] [--run [--until cost]]
                                       [--profile] [--json]

Measured on the project machine (2 cores shared with three other sessions, load 2.5-3.8, so
wall times wander; CPU seconds are steadier), 29 November 2026:

=================================  =======  =====  =======  ================================
measurement                        wall s   CPU s  peak GB  note
=================================  =======  =====  =======  ================================
reader before issue 13, CSV        13.7-17  9.0    0.67     rejects 10,941 rows: 9,741 good
                                                            lines dated 01-Apr-2025
reader now, CSV                    6.0-12   7.5    0.66     rejects exactly the 1,200 faults
reader now, XLSX (openpyxl)        26       27     0.69     read_extract 21 s of it
lotdesign run --until cost, CSV    209      124    2.41     market analysis 180 s of it
=================================  =======  =====  =======  ================================

What moved the reader: each distinct cell is parsed once (``pd.factorize``, not a dict per
cell); duplicates are found on factorised codes grouped with ``ngroup`` rather than on row
tuples; totals rows are looked for only among rows with no customer ID and postcode; blank
rows are told by ``list.count(None)``; providers are joined over sorted slices rather than a
groupby lambda. On the same file ``validate_extract`` took 11.8-14.0 s before issue 13 and
takes 3.7-8.5 s now (first version of the new reader: 10.5 s), while doing more (decimal mark,
date order, totals, normalised duplicates, postcodes by lookup).

What the target still misses (not the reader's): ``market.market_summary`` takes ~180 s and
the 2.4 GB peak. ``_overlap_depth`` asks an STRtree which provider hulls hold every line, at
the county, district and lot levels: with 300 providers spread over the county that is tens of
millions of (line, hull) pairs (~120 s and ~1 GB of index arrays); ``_criss_cross`` builds a
minimum spanning tree per provider per area (~65 s). Counting per distinct point (postcode)
with ``shapely.contains_xy`` per hull, and the MSTs per distinct point, would bound both by the
number of postcodes rather than lines. The cost model takes 14 s.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

NORFOLK = [f"E0700014{i}" for i in range(3, 10)]
TARGET_SECONDS, TARGET_GB = 90.0, 1.5
COLUMNS = {
    "customer_id": "Person ID",
    "postcode": "Post Code",
    "weekly_hours": "Planned Hrs/Wk",
    "weekly_cost": "Weekly Cost",
    "provider": "Provider Name",
    "service_type": "Service Type",
    "start_date": "Start Date",
    "end_date": "End Date",
}


def make_extract(folder: Path, rows: int, seed: int = 13, xlsx: bool = False) -> Path:
    """Write the benchmark extract (CSV, or XLSX) and its config into ``folder``."""
    from lotdesign.io.lookups import read_postcode_lookup

    rng = np.random.default_rng(seed)
    lookup = read_postcode_lookup("packaged", districts=NORFOLK)
    live = lookup[~lookup["terminated"] & lookup["easting"].notna()]["postcode"].to_numpy()
    n_customers = int(rows / 1.6)
    person = rng.integers(0, n_customers, rows)
    home = rng.choice(live, n_customers)
    hours = np.clip(np.round(rng.lognormal(np.log(10), 0.8, rows) * 4) / 4, 0.25, 160)
    rate = rng.uniform(24, 32, 300)
    provider = rng.integers(0, 300, rows)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 2400, rows), unit="D")
    ended = rng.random(rows) < 0.08
    end = start + pd.to_timedelta(rng.integers(30, 600, rows), unit="D")
    form = rng.choice(["%d/%m/%Y", "%Y-%m-%d", "%d-%b-%Y"], rows, p=[0.8, 0.15, 0.05])
    frame = pd.DataFrame(
        {
            "Person ID": [f"NF{p:07d}" for p in person],
            "Post Code": home[person],
            "Planned Hrs/Wk": hours,
            "Weekly Cost": np.round(hours * rate[provider], 2),
            "Provider Name": [f"Provider {p:03d} Homecare" for p in provider],
            "Service Type": rng.choice(["Personal care", "Domestic", "Sitting"], rows),
            "Start Date": [d.strftime(f) for d, f in zip(start, form, strict=True)],
            "End Date": [
                d.strftime(f) if e else "" for d, f, e in zip(end, form, ended, strict=True)
            ],
        }
    )
    frame = frame.astype(object)
    faults = rng.choice(rows, 1200, replace=False)
    for k, i in enumerate(faults):
        column, value = [
            ("Post Code", "NR1 3A"),
            ("Planned Hrs/Wk", "tbc"),
            ("Weekly Cost", "see notes"),
            ("Start Date", "31/02/2024"),
            ("Person ID", ""),
            ("Planned Hrs/Wk", -2.0),
        ][k % 6]
        frame.at[i, column] = value
    frame["Weekly Cost"] = [
        f"£{v:,.2f}" if isinstance(v, float) and k % 10 == 0 else v
        for k, v in enumerate(frame["Weekly Cost"])
    ]
    if xlsx:
        from openpyxl import Workbook

        path = folder / "extract.xlsx"
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Packages")
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([None if v == "" else v for v in row])
        book.save(path)
    else:
        path = folder / "extract.csv"
        frame.to_csv(path, index=False)
    config = {
        "name": f"Norfolk benchmark, {rows:,} rows",
        "inputs": {"packages": path.name, "columns": COLUMNS, "as_of": "2026-11-01"},
    }
    import yaml

    (folder / "lotdesign.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder / "lotdesign.yaml"


def _child(step: str, config: str, profile: bool, until: str | None) -> None:
    """Run one step in this (fresh) process and print its seconds and peak memory."""
    from lotdesign.io.lookups import read_postcode_lookup
    from lotdesign.io.packages import candidate_postcodes, read_extract, validate_extract
    from lotdesign.pipeline import run
    from lotdesign.spec import load_spec

    spec = load_spec(config)
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    timings: dict[str, float] = {}
    if step == "reader":
        raw = read_extract(spec.inputs.packages, columns=spec.inputs.columns.given())
        timings["read_extract"] = time.perf_counter() - start
        lookup = read_postcode_lookup("packaged", postcodes=candidate_postcodes(raw))
        timings["postcode lookup"] = time.perf_counter() - start - sum(timings.values())
        ex = validate_extract(raw, lookup=lookup, as_of=spec.inputs.as_of)
        timings["validate_extract"] = time.perf_counter() - start - sum(timings.values())
        rec = ex.reconciliation.set_index("stage")
        timings["rows read"] = float(rec.loc["read", "rows"])
    else:
        result = run(spec, quiet=True, until=until, write=until is None)
        timings.update(result.timings)
    if profiler:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue(), file=sys.stderr)
    total = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "seconds": total,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_gb": usage.ru_maxrss / 1024**2,
                "steps": timings,
            }
        )
    )


def measure(step: str, config: Path, profile: bool = False, until: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", step, "--config", str(config)]
    if profile:
        cmd.append("--profile")
    if until:
        cmd += ["--until", until]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stderr[-4000:]}")
    if profile:
        print(done.stderr, file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--xlsx", action="store_true", help="also time an XLSX extract")
    parser.add_argument("--run", action="store_true", help="also time lotdesign run")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each step")
    parser.add_argument(
        "--until", default=None, help="stop lotdesign run after this stage (units, lots, cost)"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--config", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.config, args.profile, args.until)
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        kinds = ["csv", "xlsx"] if args.xlsx else ["csv"]
        for kind in kinds:
            folder = Path(tmp) / kind
            folder.mkdir()
            start = time.perf_counter()
            config = make_extract(folder, args.rows, xlsx=kind == "xlsx")
            results[f"write {kind}"] = {"seconds": time.perf_counter() - start}
            results[f"reader, {kind}"] = measure("reader", config, args.profile)
            if args.run and kind == "csv":
                label = "lotdesign run" + (f" (to {args.until})" if args.until else "")
                results[label] = measure("run", config, args.profile, args.until)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{args.rows:,}-row extract (Norfolk postcodes)")
    print(f"{'measurement':<28}{'seconds':>9}{'CPU s':>8}{'peak GB':>9}  steps")
    for name, r in results.items():
        steps = ", ".join(
            f"{k} {v:,.1f}" for k, v in r.get("steps", {}).items() if k != "rows read"
        )
        peak = f"{r['peak_gb']:.2f}" if "peak_gb" in r else ""
        cpu = f"{r['cpu_seconds']:.1f}" if "cpu_seconds" in r else ""
        print(f"{name:<28}{r['seconds']:>9.1f}{cpu:>8}{peak:>9}  {steps}")
    if "lotdesign run" in results:
        r = results["lotdesign run"]
        ok = r["seconds"] <= TARGET_SECONDS and r["peak_gb"] <= TARGET_GB
        print(
            f"Target {TARGET_SECONDS:g} s and {TARGET_GB:g} GB: {'met' if ok else 'MISSED'} "
            f"({r['seconds']:.0f} s, {r['peak_gb']:.2f} GB)"
        )


if __name__ == "__main__":
    main()
