"""Road drive times on real OpenStreetMap data, and the lot-size policies side by side.

1. **Road matrix** (``lotdesign.roads``): parse Rutland's ``.osm.pbf`` (pyrosm) and route on
   it (scipy Dijkstra with a 30-minute cut-off), for the shapes a run needs: Rutland's 9
   postcode sectors to its 1,619 postcodes (what ``lotdesign run`` routes) and every postcode
   to every postcode (an upper bound: 1,619 origins). Wall and CPU seconds; pairs kept.
2. **Road against straight line**: for postcode pairs 2-7 miles apart, the road time against
   the straight-line estimate (x ``ROAD_CIRCUITY`` at each rurality speed of ``SPEED_MPH``),
   and the straight-line speed the roads imply.
3. **Policies**: ``lots.policy_tradeoff`` (compact, viable, target 20) on the demo county and
   on West Sussex built from the census (2019 and 2024 scales), reach checked to every
   customer, the ``standard`` search that ``lotdesign run`` uses.

Run from the repository root (needs ``../shared/data/roads`` and, for the West Sussex rows,
``../shared/data/westsussex``)::

    nice -n 10 .venv/bin/python benchmarks/bench_roads.py [--json] [--no-policies]

Road data © OpenStreetMap contributors (ODbL 1.0).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lotdesign import lots, roads, settings  # noqa: E402
from lotdesign.io.lookups import read_postcode_lookup  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
RUTLAND = SHARED / "roads" / "rutland-latest.osm.pbf"


def _timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def road_matrix_rows() -> tuple[list[dict], pd.DataFrame]:
    lookup = read_postcode_lookup("packaged", districts=["E06000017"]).dropna(subset=["easting"])
    lookup = lookup.drop_duplicates("postcode")
    pts = pd.DataFrame({"id": lookup["postcode"], "x": lookup["easting"], "y": lookup["northing"]})
    sector = lookup["postcode"].str[:-2].str.strip()
    sectors = (
        pts.assign(s=sector.to_numpy())
        .groupby("s")[["x", "y"]]
        .mean()
        .reset_index()
        .rename(columns={"s": "id"})
    )
    with tempfile.TemporaryDirectory() as tmp:
        net, w, c = _timed(lambda: roads.read_network(RUTLAND, cache_dir=tmp))
        rows = [
            {"step": "parse .osm.pbf (pyrosm) and build the graph", "origins": "", "dest": "",
             "pairs": f"{net.n_nodes:,} nodes, {net.n_edges:,} arcs", "wall_s": w, "cpu_s": c},
        ]  # fmt: skip
        _, w, c = _timed(lambda: roads.read_network(RUTLAND, cache_dir=tmp))
        rows.append({"step": "read the cached graph", "origins": "", "dest": "", "pairs": "",
                     "wall_s": w, "cpu_s": c})  # fmt: skip
    for label, origins in (("9 sectors -> every postcode", sectors), ("every postcode", pts)):
        m, w, c = _timed(lambda o=origins: roads.build_matrix(net, o, pts, cutoff_minutes=30))
        rows.append({"step": label, "origins": len(origins), "dest": len(pts),
                     "pairs": f"{len(m):,}", "wall_s": w, "cpu_s": c})  # fmt: skip
        full = m
    return rows, (full, pts)


def road_vs_straight(full: pd.DataFrame, pts: pd.DataFrame) -> list[dict]:
    xy = pts.set_index("id")
    a = xy.loc[full["origin"]].to_numpy()
    b = xy.loc[full["destination"]].to_numpy()
    miles = np.hypot(*(a - b).T) / settings.METRES_PER_MILE
    band = (miles > 2) & (miles < 7)
    road = full["minutes"].to_numpy()[band]
    rows = [
        {
            "what": "straight-line mph the roads imply",
            "median": float(np.median(miles[band] / (road / 60))),
            "p25": float(np.quantile(miles[band] / (road / 60), 0.25)),
            "p75": float(np.quantile(miles[band] / (road / 60), 0.75)),
        }
    ]
    for cls, mph in settings.SPEED_MPH.items():
        est = miles[band] * settings.ROAD_CIRCUITY / mph * 60
        r = road / est
        rows.append(
            {
                "what": f"road / estimate at {cls} ({mph:g} mph x {settings.ROAD_CIRCUITY})",
                "median": float(np.median(r)),
                "p25": float(np.quantile(r, 0.25)),
                "p75": float(np.quantile(r, 0.75)),
            }
        )
    rows.append({"what": "pairs 2-7 miles apart", "median": int(band.sum()), "p25": "",
                 "p75": ""})  # fmt: skip
    return rows


def _units_and_customers(config: Path):
    from lotdesign.pipeline import run

    r = run(config, quiet=True, until="units", write=False)
    return r.units, r.customers


def census_units(
    scale: str, folder: Path, *, unit_type: str = "postcode_sector", seed: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """West Sussex demand from the census (``census_extract`` at ``scale``), as units and
    customers: written to ``folder`` with a config and read back by ``lotdesign run``."""
    import yaml

    from lotdesign.datasets.census import CENSUS_SCALES, census_extract

    ws = SHARED / "westsussex"
    n, h = CENSUS_SCALES[scale]
    census_extract(ws, customers=n, hours=h, seed=seed).to_csv(
        folder / f"ws{scale}.csv", index=False
    )
    cfg = {
        "name": "ws",
        "units": unit_type,
        "inputs": {
            "packages": f"ws{scale}.csv",
            "columns": {k: k for k in ("customer_id", "postcode", "weekly_hours")},
            "postcode_lookup": [
                str(ws / "codepoint_open_2025_04_westsussex.csv"),
                str(ws / "pcd_oa11_lsoa11_msoa11_lad_2022_05.csv"),
            ],
        },
    }
    (folder / f"ws{scale}.yaml").write_text(yaml.safe_dump(cfg))
    return _units_and_customers(folder / f"ws{scale}.yaml")


def policy_rows() -> list[dict]:
    from lotdesign.datasets.demo import make_demo

    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = make_demo(tmp / "demo", processed_dir=tmp / "p", reports_dir=tmp / "r")
        cases.append(("demo county (2,400 customers)", *_units_and_customers(files.config)))
        if (SHARED / "westsussex" / "postcodes_enriched.csv").exists():
            from lotdesign.datasets.census import CENSUS_SCALES

            for scale in ("2019", "2024"):
                n, h = CENSUS_SCALES[scale]
                cases.append(
                    (f"West Sussex census {scale} ({n:,} customers, {h:,.0f} h)",
                     *census_units(scale, tmp))
                )  # fmt: skip
    rows = []
    for name, units, customers in cases:
        for headroom in (0.0, 5.0):
            rules = lots.LotRules(headroom_years=headroom)
            t0 = time.perf_counter()
            table = lots.policy_tradeoff(
                units, rules=rules, customers=customers, search="standard", seed=0,
                target_lots=20, target_tolerance=0.0,
            )  # fmt: skip
            seconds = time.perf_counter() - t0
            for row in table.to_dict(orient="records"):
                rows.append({"case": name, "headroom_years": headroom, **row,
                             "seconds_all_policies": seconds})  # fmt: skip
    return rows


def _markdown(rows: list[dict]) -> str:
    if not rows:
        return ""
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, float) and c == "tier1_share":
                v = f"{v:.1%}"
            elif isinstance(v, float):
                v = f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
            cells.append(str(v))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-policies", action="store_true")
    args = parser.parse_args()
    if not RUTLAND.exists():
        sys.exit(f"{RUTLAND} not found (../shared/data/roads)")
    matrix_rows, (full, pts) = road_matrix_rows()
    straight = road_vs_straight(full, pts)
    policies = [] if args.no_policies else policy_rows()
    if args.json:
        print(json.dumps({"matrix": matrix_rows, "straight": straight, "policies": policies},
                         default=str, indent=1))  # fmt: skip
        return
    print("Road matrix, Rutland\n" + _markdown(matrix_rows))
    print("\nRoad against straight line, postcode pairs 2-7 miles apart\n" + _markdown(straight))
    if policies:
        print("\nLot-size policies\n" + _markdown(policies))
    print(f"\nRoad data {settings.OSM_ATTRIBUTION}")


if __name__ == "__main__":
    main()
