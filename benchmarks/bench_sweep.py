"""Time ``lotdesign sweep`` on the demo county: a 2 x 2 grid cold, then again from the cache.

Writes the demo county into a temporary folder, runs the grid (hours band x drive limit) on
a Dask LocalCluster of 2 worker processes, then runs it again: the second run finds every
scenario in the cache and starts no cluster. Prints the timings (check, cluster start,
compute, outputs) and each scenario's compute seconds.

    nice -n 10 .venv/bin/python benchmarks/bench_sweep.py [--workers 2]

This is a benchmark, not a timed test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lotdesign.datasets.demo import make_demo
from lotdesign.sweep import run_sweep

GRID = {
    "name": "Demo: band x drive limit",
    "grid": {
        "band": {
            "600-1,200": {"rules.min_hours": 600, "rules.max_hours": 1200},
            "700-1,300": {"rules.min_hours": 700, "rules.max_hours": 1300},
        },
        "rules.max_drive_minutes": [12, 15],
    },
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = make_demo(
            Path(tmp) / "raw", processed_dir=str(Path(tmp) / "processed"),
            reports_dir=str(Path(tmp) / "reports"),
        )  # fmt: skip
        for label in ("cold", "cached"):
            r = run_sweep(files.config, GRID, workers=args.workers, quiet=True)
            t = r.timings
            print(
                f"{label}: total {t['total']:.1f} s (check {t['check']:.1f}, cluster "
                f"{t['cluster']:.1f}, compute {t['compute']:.1f}, outputs {t['outputs']:.1f}); "
                f"{int(t['computed'])} computed, {int(t['cached'])} cached"
            )
            for row in r.table.itertuples():
                print(f"  {row.scenario}: {row.lots} lots, {row.tier1_share:.1%} Tier 1, "
                      f"{row.seconds:.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
