"""Time the demo end to end: generate the synthetic county, then run every stage.

Target (issue 5): under 2 minutes on 2 cores, installation excluded. Prints one row per step
and the total; ``--json`` for machines. Not a timed test: run it by hand or with ``make bench``.

    python benchmarks/bench_demo.py [--seed N] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from lotdesign.datasets import settings as demo_settings
from lotdesign.datasets.demo import make_demo
from lotdesign.pipeline import run

TARGET_SECONDS = 120.0


def once(seed: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        files = make_demo(
            root / "raw", seed=seed, processed_dir=root / "processed", reports_dir=root / "reports"
        )
        generated = time.perf_counter() - start
        result = run(files.config, quiet=True)
        total = time.perf_counter() - start
    return {"Generate the demo inputs": generated, **result.timings, "Total": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=demo_settings.DEMO_SEED)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs = [once(args.seed) for _ in range(args.repeat)]
    steps = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    if args.json:
        print(json.dumps({"median_seconds": steps, "target_seconds": TARGET_SECONDS}, indent=2))
        return
    print(f"Demo end to end, median of {args.repeat} run(s), seed {args.seed}")
    print(f"{'step':<62}{'seconds':>9}")
    for k, v in steps.items():
        print(f"{k:<62}{v:>9.1f}")
    ratio = steps["Total"] / TARGET_SECONDS
    print(f"Total / 2-minute target: {ratio:.2f} ({'met' if ratio <= 1 else 'MISSED'})")


if __name__ == "__main__":
    main()
