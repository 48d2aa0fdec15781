"""Validate the travel model against simulated care rounds.

For random customers at several densities and in three area shapes (a square, a 6:1
rectangle, four clustered towns), solve care rounds with OR-Tools -- every customer visited
once, each round at most ``VISITS_PER_ROUND`` calls, rounds open-ended (the drive from home is
unpaid) -- and compare the optimal straight-line travel per visit with the model's
(:func:`lotdesign.cost.travel_per_visit`, area from :func:`lotdesign.cost.patch_area`, no
circuity or scheduling factor, since both scale model and simulation alike). The table also
shows the model with the Ripley-Rasson hull area and with the true area of the shape.

Run from the repository root::

    nice -n 10 .venv/bin/python benchmarks/bench_travel.py            # table
    nice -n 10 .venv/bin/python benchmarks/bench_travel.py --json     # machine-readable
    nice -n 10 .venv/bin/python benchmarks/bench_travel.py --quick    # fewer repeats

Needs ``ortools`` (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from lotdesign import cost, settings

AREA_M2 = 100e6  # a 10 km x 10 km lot, about the seed's 5-7 mile areas
CUSTOMERS = (10, 20, 40, 80, 160)
SHAPES = ("square", "rectangle", "clustered")


def customers(shape: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` customer points (metres) in an area of AREA_M2."""
    side = math.sqrt(AREA_M2)
    if shape == "square":
        return rng.uniform(0, side, (n, 2))
    if shape == "rectangle":
        width = math.sqrt(AREA_M2 / 6)
        return np.column_stack([rng.uniform(0, 6 * width, n), rng.uniform(0, width, n)])
    if shape == "clustered":
        towns = rng.uniform(0.15 * side, 0.85 * side, (4, 2))
        return towns[rng.integers(0, 4, n)] + rng.normal(0, 0.06 * side, (n, 2))
    raise ValueError(f"unknown shape {shape!r}")


def solve_rounds(points: np.ndarray, visits_per_round: int, seconds: float) -> float:
    """Total straight-line length (m) of the best open rounds OR-Tools finds in ``seconds``."""
    n = len(points)
    rounds = math.ceil(n / visits_per_round)
    dist = np.rint(np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)).astype(int)
    # Node 0 is a dummy depot at zero distance from everyone: rounds start and end anywhere.
    matrix = np.zeros((n + 1, n + 1), dtype=np.int64)
    matrix[1:, 1:] = dist
    manager = pywrapcp.RoutingIndexManager(n + 1, rounds, 0)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitMatrix(matrix.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    demand = routing.RegisterUnaryTransitVector([0] + [1] * n)
    routing.AddDimensionWithVehicleCapacity(demand, 0, [visits_per_round] * rounds, True, "calls")
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    search.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(search)
    if solution is None:
        raise RuntimeError("OR-Tools found no rounds")
    return float(solution.ObjectiveValue())


def modelled_per_visit(points: np.ndarray, area: float, visits_per_round: int) -> float:
    """The model's straight-line metres per visit for customers in a patch of ``area``."""
    n = len(points)
    params = cost.TravelParams(
        circuity=1.0, scheduling_factor=1.0, visits_per_round=visits_per_round
    )
    # One call a slot for every customer, as simulated: the round sees all n, n calls a slot
    # (so the model's whole rounds match the simulation's ceil(n / c)).
    hours_each = 7 * params.slots_per_day * params.mean_visit_minutes / 60.0
    t = cost.travel_per_visit(n, area, weekly_hours=n * hours_each, params=params)
    return float(t["miles_per_visit"]) * settings.METRES_PER_MILE


def run(repeats: int, seed: int, seconds: float) -> list[dict]:
    rng = np.random.default_rng(seed)
    c = settings.VISITS_PER_ROUND
    rows = []
    for shape in SHAPES:
        for n in CUSTOMERS:
            sim, model, hull, model_true = [], [], [], []
            start = time.perf_counter()
            for _ in range(repeats):
                pts = customers(shape, n, rng)
                sim.append(solve_rounds(pts, c, seconds * (2 if n > 80 else 1)) / n)
                x, y = pts[:, 0], pts[:, 1]
                model.append(modelled_per_visit(pts, cost.patch_area(x, y), c))
                hull.append(modelled_per_visit(pts, cost.patch_area(x, y, method="hull"), c))
                model_true.append(modelled_per_visit(pts, AREA_M2, c))
            s, m = float(np.mean(sim)), float(np.mean(model))
            rows.append(
                {
                    "shape": shape,
                    "customers": n,
                    "density_per_km2": n / (AREA_M2 / 1e6),
                    "repeats": repeats,
                    "simulated_m_per_visit": s,
                    "modelled_m_per_visit": m,
                    "error_pct": 100.0 * (m / s - 1.0),
                    "hull_m_per_visit": float(np.mean(hull)),
                    "hull_error_pct": 100.0 * (float(np.mean(hull)) / s - 1.0),
                    "modelled_true_area_m_per_visit": float(np.mean(model_true)),
                    "true_area_error_pct": 100.0 * (float(np.mean(model_true)) / s - 1.0),
                    "seconds": time.perf_counter() - start,
                }
            )
            print(
                f"  {shape:9s} n={n:3d} sim {s:6.0f} m  model {m:6.0f} m  "
                f"({rows[-1]['error_pct']:+.1f}%)",
                file=sys.stderr,
                flush=True,
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--quick", action="store_true", help="2 repeats, shorter solves")
    ap.add_argument("--repeats", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=1.0, help="OR-Tools time per solve")
    ap.add_argument("--seed", type=int, default=20240)
    args = ap.parse_args(argv)
    repeats, seconds = (2, 0.5) if args.quick else (args.repeats, args.seconds)
    rows = run(repeats, args.seed, seconds)
    worst = max(abs(r["error_pct"]) for r in rows)
    if args.json:
        print(json.dumps({"rows": rows, "max_abs_error_pct": worst}, indent=2))
        return 0
    print(
        "| shape | customers | per km² | simulated m/visit | modelled (MST area) | error "
        "| hull area: error | true area: error |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    for r in rows:
        print(
            f"| {r['shape']} | {r['customers']} | {r['density_per_km2']:.1f} | "
            f"{r['simulated_m_per_visit']:.0f} | {r['modelled_m_per_visit']:.0f} | "
            f"{r['error_pct']:+.1f}% | {r['hull_error_pct']:+.1f}% | "
            f"{r['true_area_error_pct']:+.1f}% |"
        )
    mean_abs = np.mean([abs(r["error_pct"]) for r in rows])
    hull_worst = max(abs(r["hull_error_pct"]) for r in rows)
    print(
        f"\nMST area: mean |error| {mean_abs:.1f}%, max |error| {worst:.1f}%; "
        f"hull area: max |error| {hull_worst:.1f}%"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
