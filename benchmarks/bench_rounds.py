"""Validate the travel model's *change* on rounds a home-care scheduler would recognise.

The cost effect of zoning rests on one prediction: how much travel per visit falls when each
lot's customers go to one lead and one secondary provider instead of many providers
criss-crossing the area. This benchmark simulates both patterns on the same customers and
checks the model's predicted level and change against them.

Customers sit on **real postcodes** from the packaged ONS lookup, in four areas of two
counties: urban (Crawley, West Sussex), a market town and its villages (Horsham town, RH12 and
RH13), the villages of Horsham district (Billingshurst, Pulborough, Storrington, Henfield,
Steyning: RH14, RH20, BN5, BN44) and a rural county (Rutland). Each customer has 1-4 calls a
day in the usual slots
(07:00-10:00, 12:00-14:00, 16:30-18:30, 19:30-22:00), each call's length drawn from Torbay's
2022 visit-length mix (15/30/45/60 minutes), and about 12% of customers need two carers at
every call (the two carers arrive together: synchronised, on different rounds). Care workers
work split shifts (07:00-14:00 and 16:30-22:00, at most 7 hours); each worker's first drive
of a shift (from home) is unpaid, as in the model. Drive times come from the same travel
model as lots and cost: straight line x circuity / speed by rurality (density proxy).

* **Today**: providers with offices in and around the area take customers with a preference
  for near ones (sizes lognormal, distance decay 15 km, as the demo county's generator), so
  several providers' rounds cross the same streets.
* **Zoned**: the area cut into lots of about 80 customers (k-means), each lot's lead provider
  holding 70% of its customers and the secondary 30% (the model's default split).

Every provider's shift is solved as a vehicle-routing problem with time windows (OR-Tools),
minimising workers first (a fixed cost per worker) and drive time second. The model's
prediction for the same customers is :func:`lotdesign.cost.patch_travel` by provider (today)
and the cost model's lot travel (zoned), with the run's settings.

Run from the repository root (needs ``ortools``, the ``bench`` extra)::

    nice -n 10 .venv/bin/python benchmarks/bench_rounds.py            # table (~25 min)
    nice -n 10 .venv/bin/python benchmarks/bench_rounds.py --json     # machine-readable
    nice -n 10 .venv/bin/python benchmarks/bench_rounds.py --quick    # one seed, short solves
    nice -n 10 .venv/bin/python benchmarks/bench_rounds.py --areas rural --seeds 0 1
    .venv/bin/python benchmarks/bench_rounds.py --rescore runs.json   # a saved --json run

``--areas`` takes area types (``urban``, ``market``, ``villages``, ``rural``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from lotdesign import cost, settings
from lotdesign.io.lookups import read_postcode_lookup
from lotdesign.rurality import density_proxy

#: Areas: (name, area type, ONS district codes, postcode districts or None for all).
AREAS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...] | None], ...] = (
    ("Crawley", "urban", ("E07000226",), None),
    ("Horsham town and villages", "market town", ("E07000227",), ("RH12", "RH13")),
    ("Horsham district villages", "villages", ("E07000227",), ("RH14", "RH20", "BN5", "BN44")),
    ("Rutland", "rural", ("E06000017",), None),
)
#: Call slots (minutes after midnight) and the shift that covers each.
SLOTS: dict[str, tuple[int, int, str]] = {
    "morning": (7 * 60, 10 * 60, "day"),
    "lunch": (12 * 60, 14 * 60, "day"),
    "tea": (16 * 60 + 30, 18 * 60 + 30, "evening"),
    "bed": (19 * 60 + 30, 22 * 60, "evening"),
}
SHIFTS: dict[str, tuple[int, int]] = {"day": (7 * 60, 14 * 60), "evening": (16 * 60 + 30, 22 * 60)}
MAX_SHIFT_MINUTES = 7 * 60
#: Calls a day by how many customers have them (mean 2.95 calls: ~21 visits a week, the mean
#: package of 12.6 h at the Torbay mix's 35-minute mean visit).
CALLS_A_DAY = {1: 0.15, 2: 0.20, 3: 0.20, 4: 0.45}
SLOTS_BY_CALLS = {
    1: ("morning",),
    2: ("morning", "tea"),
    3: ("morning", "lunch", "bed"),
    4: ("morning", "lunch", "tea", "bed"),
}
DOUBLE_HANDED_SHARE = 0.12
#: A worker costs this many minutes of driving in the objective: schedulers fill rounds.
WORKER_COST_MINUTES = 120
LOT_CUSTOMERS = 80
PROVIDER_DECAY_KM = 15.0


@dataclass
class Area:
    name: str
    kind: str
    postcodes: pd.DataFrame  # postcode, easting, northing, rurality


def load_area(name: str, kind: str, districts, prefixes) -> Area:
    lookup = read_postcode_lookup("packaged", districts=list(districts))
    live = lookup[~lookup["terminated"]].dropna(subset=["easting"]).copy()
    xy_all = live[["easting", "northing"]].to_numpy(float)
    if prefixes:
        outward = live["postcode"].str.split(" ").str[0]
        live = live[outward.isin(prefixes)]
    xy = live[["easting", "northing"]].to_numpy(float)
    live["rurality"] = density_proxy(xy, xy_all)
    return Area(
        name, kind, live[["postcode", "easting", "northing", "rurality"]].reset_index(drop=True)
    )


def make_customers(area: Area, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Customers on real postcodes of the area, with calls, lengths and double-ups."""
    pick = rng.choice(len(area.postcodes), size=n, replace=False)
    c = area.postcodes.iloc[pick].reset_index(drop=True).copy()
    c["customer_id"] = [f"C{i:03d}" for i in range(n)]
    k = rng.choice(list(CALLS_A_DAY), size=n, p=list(CALLS_A_DAY.values()))
    c["calls"] = k
    double = rng.choice(n, size=round(DOUBLE_HANDED_SHARE * n), replace=False)
    c["carers"] = 1
    c.loc[double, "carers"] = 2
    mix = settings.VISIT_LENGTH_MIX
    lengths, weights = np.array(list(mix)), np.array(list(mix.values()), float)
    c["lengths"] = [
        rng.choice(lengths, size=int(kk), p=weights / weights.sum()).tolist() for kk in k
    ]
    carer_minutes = np.array([sum(ls) for ls in c["lengths"]]) * c["carers"]
    c["weekly_hours"] = carer_minutes * 7 / 60.0
    return c


def assign_today(c: pd.DataFrame, area: Area, rng: np.random.Generator) -> np.ndarray:
    """Spot market: providers around the area, each taking customers near and far."""
    n = len(c)
    providers = max(8, round(n / 15))
    lo = area.postcodes[["easting", "northing"]].min().to_numpy() - 10_000
    hi = area.postcodes[["easting", "northing"]].max().to_numpy() + 10_000
    offices = rng.uniform(lo, hi, (providers, 2))
    size = rng.lognormal(0.0, 0.8, providers)
    xy = c[["easting", "northing"]].to_numpy(float)
    d = np.linalg.norm(xy[:, None, :] - offices[None, :, :], axis=2) / 1000.0
    w = size[None, :] * np.exp(-d / PROVIDER_DECAY_KM)
    w /= w.sum(axis=1, keepdims=True)
    return np.array([f"P{rng.choice(providers, p=row):02d}" for row in w])


def assign_zoned(c: pd.DataFrame, rng: np.random.Generator, lead_share: float) -> pd.DataFrame:
    """Lots of about LOT_CUSTOMERS customers (k-means), lead / secondary split in each."""
    from scipy.cluster.vq import kmeans2

    xy = c[["easting", "northing"]].to_numpy(float)
    k = max(1, round(len(c) / LOT_CUSTOMERS))
    _, lot = kmeans2(xy, k, seed=int(rng.integers(1 << 31)), minit="++")
    out = pd.DataFrame({"lot_id": [f"L{x}" for x in lot]})
    role = np.empty(len(c), dtype=object)
    for idx in out.groupby("lot_id").groups.values():
        idx = np.array(list(idx))
        lead = rng.random(len(idx)) < lead_share
        role[idx] = np.where(lead, "lead", "secondary")
    out["provider"] = out["lot_id"] + "-" + role
    return out


def drive_minutes(xy: np.ndarray, mpm: np.ndarray, travel: cost.TravelParams) -> np.ndarray:
    """Road miles and minutes between points: straight line x circuity, speed by rurality."""
    straight = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    miles = straight * travel.circuity / settings.METRES_PER_MILE
    minutes = miles * 0.5 * (mpm[:, None] + mpm[None, :])
    return miles, minutes


def solve_shift(calls: pd.DataFrame, travel: cost.TravelParams, seconds: float) -> dict:
    """Rounds for one provider's shift: workers first, drive time second. Open rounds."""
    n = len(calls)
    xy = calls[["easting", "northing"]].to_numpy(float)
    mpm = calls["rurality"].map(lambda r: 60.0 / travel.speed_mph[r]).to_numpy(float)
    miles, minutes = drive_minutes(xy, mpm, travel)
    # Node 0 is a dummy depot at no distance from anyone: a worker starts at the first call
    # (the drive from home is unpaid) and goes home from the last.
    scale = 60  # seconds
    drive = np.zeros((n + 1, n + 1), dtype=np.int64)
    drive[1:, 1:] = np.rint(minutes * scale).astype(np.int64)
    service = np.concatenate([[0], calls["length"].to_numpy(int) * scale])
    start, end = SHIFTS[calls["shift"].iloc[0]]
    peak = calls.groupby("slot")["length"].sum().max()
    window = max(b - a for a, b, _ in SLOTS.values())
    workers = int(math.ceil(peak / window * 1.6)) + 2 + int(calls["pair"].notna().sum() > 0)
    workers = min(workers, n)
    manager = pywrapcp.RoutingIndexManager(n + 1, workers, 0)
    routing = pywrapcp.RoutingModel(manager)

    def arc(i, j):
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(drive[a, b])

    def transit(i, j):
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(service[a] + drive[a, b])

    arc_cb = routing.RegisterTransitCallback(arc)
    time_cb = routing.RegisterTransitCallback(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(arc_cb)
    routing.SetFixedCostOfAllVehicles(WORKER_COST_MINUTES * scale)
    routing.AddDimension(time_cb, 3 * 60 * scale, end * scale, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    for node in range(1, n + 1):
        a, b = calls["open"].iloc[node - 1], calls["close"].iloc[node - 1]
        tdim.CumulVar(manager.NodeToIndex(node)).SetRange(int(a * scale), int(b * scale))
    for v in range(workers):
        tdim.CumulVar(routing.Start(v)).SetRange(start * scale, end * scale)
        tdim.CumulVar(routing.End(v)).SetRange(start * scale, end * scale)
        tdim.SetSpanUpperBoundForVehicle(MAX_SHIFT_MINUTES * scale, v)
    solver = routing.solver()
    for _, pair in calls.dropna(subset=["pair"]).groupby("pair"):
        if len(pair) != 2:
            continue
        i, j = (manager.NodeToIndex(int(k) + 1) for k in pair["row"])
        solver.Add(tdim.CumulVar(i) == tdim.CumulVar(j))
        solver.Add(routing.VehicleVar(i) != routing.VehicleVar(j))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    sol = routing.SolveWithParameters(params)
    if sol is None:
        return {"solved": False}
    total_miles = total_minutes = 0.0
    used = legs = 0
    for v in range(workers):
        idx = sol.Value(routing.NextVar(routing.Start(v)))
        if routing.IsEnd(idx):
            continue
        used += 1
        prev = None
        while not routing.IsEnd(idx):
            node = manager.IndexToNode(idx)
            if prev is not None:
                total_miles += miles[prev - 1, node - 1]
                total_minutes += minutes[prev - 1, node - 1]
                legs += 1
            prev = node
            idx = sol.Value(routing.NextVar(idx))
    return {
        "solved": True,
        "miles": total_miles,
        "minutes": total_minutes,
        "visits": n,
        "workers": used,
        "legs": legs,
    }


def call_table(c: pd.DataFrame, provider: np.ndarray) -> pd.DataFrame:
    """One row per carer-visit: two rows (a synchronised pair) for a double-handed call."""
    rows = []
    for i, cust in c.iterrows():
        for slot, length in zip(SLOTS_BY_CALLS[int(cust["calls"])], cust["lengths"], strict=True):
            a, b, shift = SLOTS[slot]
            pair = f"{cust['customer_id']}-{slot}" if cust["carers"] == 2 else None
            for _ in range(int(cust["carers"])):
                rows.append(
                    (cust["customer_id"], provider[i], slot, shift, a, b, int(length), pair,
                     cust["easting"], cust["northing"], cust["rurality"])
                )  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=["customer_id", "provider", "slot", "shift", "open", "close", "length", "pair",
                 "easting", "northing", "rurality"],
    )  # fmt: skip


def simulate(c: pd.DataFrame, provider: np.ndarray, travel, seconds: float) -> dict:
    calls = call_table(c, provider)
    out = {"miles": 0.0, "minutes": 0.0, "visits": 0, "workers": 0, "failed": 0}
    for (_, _), g in calls.groupby(["provider", "shift"], sort=True):
        g = g.reset_index(drop=True)
        g["row"] = np.arange(len(g))
        budget = seconds * (2 if len(g) > 60 else 1)
        r = solve_shift(g, travel, budget)
        if not r["solved"]:  # unsynchronised as a fallback, counted
            out["failed"] += 1
            r = solve_shift(g.assign(pair=None), travel, budget)
        # On a loaded machine the time limit (wall clock) can pass before a first solution.
        for more in (2, 4):
            if r["solved"]:
                break
            r = solve_shift(g.assign(pair=None), travel, budget * more)
        if not r["solved"]:
            raise RuntimeError(
                f"No rounds found for {g['provider'].iloc[0]} ({g['shift'].iloc[0]} shift, "
                f"{len(g)} calls) in {budget * 7:.0f} s; rerun with a larger --seconds."
            )
        for k in ("miles", "minutes", "visits", "workers"):
            out[k] += r[k]
    return out


def modelled(c, today, zoned, travel, price, scenario) -> dict:
    """The model's miles and minutes per visit for the same customers, both patterns."""
    from lotdesign.cost.scenarios import _lot_travel

    lines = c[["customer_id", "weekly_hours", "easting", "northing", "rurality"]].copy()
    lines["provider"] = today
    t = cost.patch_travel(lines, by="provider", params=travel, price_params=price)
    t["w"] = t["visits_week"]
    miles_now = np.average(t["miles_per_visit"], weights=t["w"])
    mins_now = np.average(t["minutes_per_visit"], weights=t["w"])
    lot_lines = lines.assign(lot_id=zoned["lot_id"].to_numpy(), tier=1)
    z = _lot_travel(lot_lines, travel, price, scenario)
    hours = lot_lines.groupby("lot_id")["weekly_hours"].sum()
    w = z["lot_id"].map(hours)
    return {
        "miles_now": float(miles_now),
        "minutes_now": float(mins_now),
        "miles_zoned": float(np.average(z["miles_per_visit"], weights=w)),
        "minutes_zoned": float(np.average(z["minutes_per_visit"], weights=w)),
    }


def run(
    customers: int, seeds: list[int], seconds: float, *, kinds: list[str] | None = None
) -> list[dict]:
    travel, price, scenario = cost.TravelParams(), cost.PriceParams(), cost.ScenarioParams()
    rows = []
    for name, kind, districts, prefixes in AREAS:
        if kinds and kind.split()[0] not in kinds:
            continue
        area = load_area(name, kind, districts, prefixes)
        for seed in seeds:
            start = time.perf_counter()
            c, today, zoned = instance(area, customers, seed, scenario.lead_share)
            now = simulate(c, today, travel, seconds)
            then = simulate(c, zoned["provider"].to_numpy(), travel, seconds)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = modelled(c, today, zoned, travel, price, scenario)
            row = {
                "area": name,
                "kind": kind,
                "seed": seed,
                "customers": customers,
                "providers_today": int(len(set(today))),
                "lots": int(zoned["lot_id"].nunique()),
                "visits_day": now["visits"],
                "double_handed_share": float((c["carers"] == 2).mean()),
                "sim_miles_now": now["miles"] / now["visits"],
                "sim_miles_zoned": then["miles"] / then["visits"],
                "sim_minutes_now": now["minutes"] / now["visits"],
                "sim_minutes_zoned": then["minutes"] / then["visits"],
                "workers_now": now["workers"],
                "workers_zoned": then["workers"],
                "unsynchronised_solves": now["failed"] + then["failed"],
                **{f"model_{k}": v for k, v in m.items()},
                "seconds": time.perf_counter() - start,
            }
            row["sim_change"] = row["sim_miles_zoned"] / row["sim_miles_now"] - 1
            row["model_change"] = row["model_miles_zoned"] / row["model_miles_now"] - 1
            rows.append(row)
            print(
                f"  {name:26s} seed {seed}: sim {row['sim_miles_now']:.2f} -> "
                f"{row['sim_miles_zoned']:.2f} mi/visit ({row['sim_change']:+.0%}); model "
                f"{row['model_miles_now']:.2f} -> {row['model_miles_zoned']:.2f} "
                f"({row['model_change']:+.0%}) [{row['seconds']:.0f} s]",
                file=sys.stderr,
                flush=True,
            )
    return rows


def instance(
    area: Area, customers: int, seed: int, lead_share: float
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """The customers, today's providers and the zoned lots of one run (seeded)."""
    rng = np.random.default_rng(seed)
    c = make_customers(area, customers, rng)
    today = assign_today(c, area, rng)
    zoned = assign_zoned(c, rng, lead_share)
    return c, today, zoned


def rescore(rows: list[dict]) -> list[dict]:
    """The current model's prediction for saved runs' customers; the simulated side is kept.

    A model change is scored on the same simulated rounds without solving them again (the
    customers, providers and lots are rebuilt from each run's seed).
    """
    travel, price, scenario = cost.TravelParams(), cost.PriceParams(), cost.ScenarioParams()
    areas = {kind: (name, kind, districts, prefixes) for name, kind, districts, prefixes in AREAS}
    loaded: dict[str, Area] = {}
    out = []
    for row in rows:
        if row["kind"] not in loaded:
            loaded[row["kind"]] = load_area(*areas[row["kind"]])
        c, today, zoned = instance(
            loaded[row["kind"]], int(row["customers"]), int(row["seed"]), scenario.lead_share
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = modelled(c, today, zoned, travel, price, scenario)
        new = {**row, **{f"model_{k}": v for k, v in m.items()}}
        new["model_change"] = new["model_miles_zoned"] / new["model_miles_now"] - 1
        out.append(new)
    return out


def summarise(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    g = frame.groupby("kind", sort=False)
    out = g.agg(
        runs=("seed", "size"),
        sim_now=("sim_miles_now", "mean"),
        sim_zoned=("sim_miles_zoned", "mean"),
        model_now=("model_miles_now", "mean"),
        model_zoned=("model_miles_zoned", "mean"),
    )
    out["sim_change"] = out["sim_zoned"] / out["sim_now"] - 1
    out["model_change"] = out["model_zoned"] / out["model_now"] - 1
    out["change_error"] = out["model_change"] / out["sim_change"] - 1
    out["level_error_now"] = out["model_now"] / out["sim_now"] - 1
    out["level_error_zoned"] = out["model_zoned"] / out["sim_zoned"] - 1
    return out.reset_index()


def fitted_scheduling_factor(rows: list[dict]) -> float:
    """The scheduling factor that matches the simulated level (travel scales with it)."""
    frame = pd.DataFrame(rows)
    ratios = np.concatenate(
        [
            frame["sim_miles_now"] / frame["model_miles_now"],
            frame["sim_miles_zoned"] / frame["model_miles_zoned"],
        ]
    )
    return float(cost.TravelParams().scheduling_factor * np.exp(np.log(ratios).mean()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--quick", action="store_true", help="one seed, short solves")
    ap.add_argument("--customers", type=int, default=200)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--seconds", type=float, default=3.0, help="OR-Tools time per solve")
    ap.add_argument("--areas", nargs="+", default=None, help="area types to run (default all)")
    ap.add_argument(
        "--rescore",
        type=Path,
        default=None,
        help="a saved --json output: score the current model on its simulated rounds",
    )
    args = ap.parse_args(argv)
    seeds, seconds = ([0], 0.5) if args.quick else (args.seeds, args.seconds)
    if args.rescore is not None:
        rows = rescore(json.loads(args.rescore.read_text())["runs"])
    else:
        rows = run(args.customers, seeds, seconds, kinds=args.areas)
    table = summarise(rows)
    fitted = fitted_scheduling_factor(rows)
    if args.json:
        out = {"runs": rows, "by_kind": table.to_dict("records"), "fitted_scheduling": fitted}
        print(json.dumps(out, indent=2))
        return 0
    print(
        "| area type | runs | simulated mi/visit today | zoned | change | model today | zoned "
        "| change | change error | level error today | zoned |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for r in table.itertuples():
        print(
            f"| {r.kind} | {r.runs} | {r.sim_now:.2f} | {r.sim_zoned:.2f} | {r.sim_change:+.0%} "
            f"| {r.model_now:.2f} | {r.model_zoned:.2f} | {r.model_change:+.0%} "
            f"| {r.change_error:+.0%} | {r.level_error_now:+.0%} | {r.level_error_zoned:+.0%} |"
        )
    print(
        f"\nScheduling factor that matches the simulated level: {fitted:.2f} (the model ran with "
        f"{cost.TravelParams().scheduling_factor:.2f})."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
