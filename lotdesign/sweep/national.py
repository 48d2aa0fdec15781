"""The national run: every English local authority in one sweep, on a public demand proxy.

Customer data never leaves a council, so a national run cannot use real extracts. Demand is
a documented public proxy instead: each authority gets customers in proportion to its live
postcodes in the packaged ONS Postcode Directory (OGL v3.0), at West Sussex's rate
(settings.NATIONAL_CUSTOMERS_PER_POSTCODE: WSCC MPS 2024's ~2,400 council-funded customers
over the 39,842 live postcodes of its seven districts, 0.060 a postcode), placed and sized by
the synthetic demo generator (:func:`lotdesign.datasets.demo.make_demo`: real postcodes of
the district, towns holding most customers, the WSCC 2024 mean package). Each authority is
one task on the Dask cluster: generate its proxy extract, build postcode-sector units, design
lots (and tiers and checks) with the standard search, and return its figures and seconds; the
table of authorities, with each task's measured seconds, gives the projection to N workers.
"""

from __future__ import annotations

import contextlib
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from lotdesign import settings
from lotdesign.errors import ValidationError

__all__ = ["english_districts", "run_national"]

#: District codes of English local authorities (unitary, non-metropolitan, metropolitan,
#: London boroughs and the City) in the ONS Postcode Directory.
ENGLISH_DISTRICT = r"^E0[6-9]"
#: The fewest customers the demo generator places (its own check).
_MIN_CUSTOMERS = 100


def english_districts(districts: list[str] | None = None) -> pd.DataFrame:
    """Each English district's live postcodes and proxy customers (the packaged lookup)."""
    from lotdesign.io.lookups import read_packaged

    lookup = read_packaged(districts=districts)
    live = lookup[~lookup["terminated"]].dropna(subset=["easting"])
    live = live[live["district"].astype(str).str.match(ENGLISH_DISTRICT)]
    table = live.groupby("district").size().rename("postcodes").reset_index()
    rate = settings.NATIONAL_CUSTOMERS_PER_POSTCODE
    table["proxy_customers"] = (table["postcodes"] * rate).round().astype(int)
    # The demo generator places at least DEMO_MIN_CUSTOMERS (100); smaller proxies are raised.
    table["customers"] = table["proxy_customers"].clip(lower=_MIN_CUSTOMERS)
    if districts is not None:
        missing = sorted(set(districts) - set(table["district"]))
        if missing:
            raise ValidationError(f"no live English postcodes for district(s) {missing}")
    return table


def _authority(district: str, customers: int, seed: int, until: str) -> dict[str, Any]:
    """One authority: proxy extract, units, lots (and cost); its figures and seconds."""
    from lotdesign.datasets.demo import make_demo
    from lotdesign.pipeline import continue_run, run
    from lotdesign.spec import load_spec
    from lotdesign.sweep.runner import scenario_figures

    t0 = time.perf_counter()
    out: dict[str, Any] = {"district": district, "customers": customers}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            files = make_demo(
                Path(tmp) / "raw", seed=seed, districts=[district], n_customers=customers,
                processed_dir=str(Path(tmp) / "processed"), reports_dir=str(Path(tmp) / "rep"),
                n_providers=max(3, customers // 25), n_practices=max(2, customers // 60),
            )  # fmt: skip
            spec = load_spec(files.config)
            t1 = time.perf_counter()
            base = run(spec, quiet=True, until="units", write=False)
            t2 = time.perf_counter()
            result = continue_run(base, spec, until=until, compare_policies=False)
            out.update(scenario_figures(result))
            out["units"] = len(base.units)
            out["hours"] = float(base.units["hours"].sum())
            out["generate_seconds"] = t1 - t0
            out["units_seconds"] = t2 - t1
            out["design_seconds"] = time.perf_counter() - t2
    except Exception as exc:  # one authority's failure is a row, not a crash
        out["reason"] = f"{type(exc).__name__}: {exc}"
    out["seconds"] = time.perf_counter() - t0
    return out


def run_national(
    *,
    districts: list[str] | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    seed: int = 0,
    until: str = "lots",
    sample: int | None = None,
    out: str | Path | None = None,
    quiet: bool = False,
    stream: Any = None,
) -> pd.DataFrame:
    """Design lots for every English local authority (or ``districts``) on Dask.

    Returns one row per authority (proxy customers, units, lots, Tier 1 share, seconds by
    step, ``reason`` if it failed) with ``attrs["timings"]``: wall seconds, the sum of task
    seconds and the projection to N workers (task seconds / N, longest task as the floor).
    ``sample``: only this many authorities, drawn with ``seed`` (to measure task times); the
    projection is then scaled to every English authority.
    Written to ``OUT/national.csv`` when ``out`` is given.
    """
    from lotdesign.sweep.runner import _client

    stream = stream or sys.stderr

    def say(text: str) -> None:
        if not quiet:
            print(text, file=stream, flush=True)

    t0 = time.perf_counter()
    table = english_districts(districts)
    if sample is not None and sample < len(table):
        table = table.sample(n=sample, random_state=seed).sort_values("district")
    say(
        f"lotdesign national run: {len(table)} authorities, {int(table['customers'].sum()):,} "
        f"proxy customers ({settings.NATIONAL_CUSTOMERS_PER_POSTCODE:.4f} a live postcode)"
    )
    n_workers = workers or settings.SWEEP_WORKERS
    rows = []
    with _client(scheduler, n_workers, settings.SWEEP_THREADS_PER_WORKER, True) as client:
        from distributed import as_completed

        t_ready = time.perf_counter()
        futures = [
            client.submit(_authority, d, int(c), seed, until, key=f"lotdesign-national-{d}")
            for d, c in zip(table["district"], table["customers"], strict=True)
        ]
        for i, fut in enumerate(as_completed(futures), start=1):
            row = fut.result()
            rows.append(row)
            what = row.get("reason") or f"{row.get('lots', 0)} lots"
            say(f"  [{i}/{len(futures)}] {row['district']}: {what} ({row['seconds']:.1f} s)")
    wall = time.perf_counter() - t_ready
    frame = pd.DataFrame(rows).sort_values("district", ignore_index=True)
    task = float(frame["seconds"].sum())
    if sample is not None:  # scale the measured mean task to every English authority
        task = float(frame["seconds"].mean()) * len(english_districts())
    longest = float(frame["seconds"].max())
    frame.attrs["timings"] = {
        "wall_seconds": wall,
        "cluster_seconds": t_ready - t0,
        "task_seconds": task,
        "workers": n_workers,
        "projection": {n: max(task / n, longest) for n in (2, 4, 8, 16, 32, 64) if n >= 1},
    }
    say(
        f"National run: {wall:.0f} s on {n_workers} workers for {task:.0f} task-seconds; "
        + ", ".join(
            f"{n} workers ~{math.ceil(s)} s"
            for n, s in frame.attrs["timings"]["projection"].items()
        )
    )
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            _rounded(frame).to_csv(folder / "national.csv", index=False)
    return frame


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """The national table as written: figures by their units, seconds to 0.1."""
    from lotdesign import report

    out = report.round_for_sharing(frame)
    seconds = [c for c in out.columns if str(c).endswith("seconds")]
    out[seconds] = out[seconds].round(1)
    return out
