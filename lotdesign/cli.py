"""Command line: ``lotdesign demo``, ``run``, ``check``, ``sweep``, ``travel build``, ``schema``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import lotdesign
from lotdesign.errors import LotDesignError, ValidationError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lotdesign",
        description="Design home-care contract lots from a council's care-package extract.",
    )
    parser.add_argument("--version", action="version", version=f"lotdesign {lotdesign.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo",
        help="write the synthetic demo county into data/demo and run it",
        description="Generate a synthetic county on real postcodes (an XLSX extract, an "
        "epraccur practice file, a provider list and a config) in its own folder and run "
        "lotdesign on it. It never writes where a real extract goes (data/raw).",
    )
    demo.add_argument("--out", default="data/demo", help="folder for the demo inputs (data/demo)")
    demo.add_argument("--processed", default=None, help="folder for processed data (OUT/processed)")
    demo.add_argument("--reports", default="reports/demo", help="folder for reports")
    demo.add_argument("--seed", type=int, default=None, help="random seed of the generator")
    demo.add_argument(
        "--districts",
        default=None,
        help="comma-separated district codes (default: the seven West Sussex districts)",
    )
    demo.add_argument("--customers", type=int, default=None, help="how many customers")
    demo.add_argument("--no-run", action="store_true", help="only write the demo inputs")
    demo.add_argument("--quiet", action="store_true", help="print nothing but errors")

    run = sub.add_parser("run", help="run lotdesign on a config file")
    run.add_argument("config", help="the run's YAML config")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")

    check = sub.add_parser(
        "check",
        help="check a config and its input files without running",
        description="Report every problem in the config at once, then read, validate and "
        "geocode the extract and print how its rows and hours reconcile.",
    )
    check.add_argument("config", help="the run's YAML config")
    check.add_argument("--quiet", action="store_true", help="print nothing but errors")

    travel = sub.add_parser(
        "travel",
        help="road drive times from an OpenStreetMap extract",
        description="Build drive times on real roads, offline, from an .osm.pbf extract "
        "(e.g. Geofabrik's county extracts): unit to unit and unit to every customer's "
        "postcode, in the travel-matrix format (origin,destination,minutes) with a JSON "
        "sidecar. Derived from OpenStreetMap: © OpenStreetMap contributors (ODbL 1.0).",
    )
    travel_sub = travel.add_subparsers(dest="travel_command", required=True)
    build = travel_sub.add_parser("build", help="route an extract and write the matrix")
    build.add_argument("config", nargs="?", help="a run's YAML config: its units and customers")
    build.add_argument("--osm", required=True, help="the OpenStreetMap .osm.pbf extract")
    build.add_argument(
        "--points", default=None, help="instead of a config: a CSV of points (id, x, y in BNG)"
    )
    build.add_argument(
        "--out", default=None, help="matrix CSV (default: the config's processed/travel_matrix.csv)"
    )
    build.add_argument("--cutoff", type=float, default=None, help="minutes to route (30)")
    build.add_argument("--quiet", action="store_true", help="print nothing but errors")

    sweep = sub.add_parser(
        "sweep",
        help="run a grid of scenarios of a config in parallel (Dask) and compare them",
        description="Run every scenario of a grid (dotted-key changes of the config, e.g. "
        "rules.min_hours: [600, 700]) on a Dask LocalCluster, or on the cluster of --scheduler; "
        "shared inputs are built once, results are cached by spec, and a comparison table, "
        "chart and small-multiples map go to the reports folder (reports/sweep).",
    )
    sweep.add_argument("config", nargs="?", help="the run's YAML config (its sweep: section)")
    sweep.add_argument("--grid", default=None, help="the grid file (YAML)")
    sweep.add_argument(
        "--national",
        action="store_true",
        help="instead of a config and grid: every English local authority on a public "
        "demand proxy (lotdesign.sweep.national)",
    )
    sweep.add_argument(
        "--districts", default=None, help="with --national: only these district codes (a,b,c)"
    )
    sweep.add_argument(
        "--sample", type=int, default=None, help="with --national: only this many, at random"
    )
    sweep.add_argument(
        "--scheduler", default=None, help="address of a Dask scheduler (default: a LocalCluster)"
    )
    sweep.add_argument("--workers", type=int, default=None, help="LocalCluster workers (2)")
    sweep.add_argument("--out", default=None, help="folder for the outputs (REPORTS/sweep)")
    sweep.add_argument("--quiet", action="store_true", help="print nothing but errors")

    schema = sub.add_parser("schema", help="print the JSON Schema of a config, for editors")
    schema.add_argument("--out", default=None, help="write it to this file instead")
    return parser


def _demo(args: argparse.Namespace) -> Path:
    from lotdesign.datasets.demo import make_demo

    out = Path(args.out)
    existing = out / "lotdesign.yaml"
    if existing.exists() and "synthetic: true" not in existing.read_text(encoding="utf-8"):
        raise ValidationError(
            f"{existing} is not a demo config; the demo will not overwrite it. Give the demo "
            "its own folder with --out."
        )
    options = {
        "seed": args.seed,
        "n_customers": args.customers,
        "districts": None
        if args.districts is None
        else [d.strip() for d in args.districts.split(",") if d.strip()],
    }
    files = make_demo(
        out,
        processed_dir=args.processed or out / "processed",
        reports_dir=args.reports,
        **{k: v for k, v in options.items() if v is not None},
    )
    if not args.quiet:
        print(f"Demo inputs (SYNTHETIC) written to {out}: config {files.config}")
    return files.config


def _travel_build(args: argparse.Namespace) -> Path:
    import pandas as pd

    from lotdesign import roads

    if (args.config is None) == (args.points is None):
        raise ValidationError("give a run's config or --points (a CSV of id, x, y), not both")
    if args.points is not None:
        if args.out is None:
            raise ValidationError("--points needs --out (where the matrix goes)")
        points = pd.read_csv(args.points, dtype={"id": str})
        network = roads.read_network(args.osm, cache_dir=Path(args.out).parent / "road_cache")
        matrix = roads.build_matrix(network, points, cutoff_minutes=args.cutoff)
        path = roads.write_matrix(matrix, args.out)
    else:
        from lotdesign.pipeline import run
        from lotdesign.spec import load_spec

        spec = load_spec(args.config)
        result = run(spec, quiet=True, until="units", write=False)
        out = Path(args.out) if args.out else spec.outputs.processed / "travel_matrix.csv"
        matrix = roads.road_matrix(
            args.osm, result.units, result.customers, out=out, cutoff_minutes=args.cutoff
        )
        path = out
    if not args.quiet:
        a = matrix.attrs
        print(
            f"{len(matrix):,} drive times within {a['cutoff_minutes']:g} min from "
            f"{a['origins']} origins to {a['destinations']} destinations -> {path}\n"
            f"Set rules.travel_matrix: {path} (or travel.roads: {args.osm}) in the config. "
            f"{a['attribution']}"
        )
    return path


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "travel":
            _travel_build(args)
            return 0
        if args.command == "sweep" and args.national:
            from lotdesign.sweep.national import run_national

            districts = args.districts.split(",") if args.districts else None
            run_national(
                districts=districts, scheduler=args.scheduler, workers=args.workers,
                sample=args.sample, out=args.out or "reports/national", quiet=args.quiet,
            )  # fmt: skip
            return 0
        if args.command == "sweep":
            from lotdesign.sweep.runner import sweep_from_cli

            if args.config is None or args.grid is None:
                raise ValidationError("lotdesign sweep needs CONFIG and --grid (or --national)")
            sweep_from_cli(
                args.config, args.grid, scheduler=args.scheduler, workers=args.workers,
                out=args.out, quiet=args.quiet,
            )  # fmt: skip
            return 0
        if args.command == "schema":
            from lotdesign.spec import json_schema

            text = json.dumps(json_schema(), indent=2)
            if args.out:
                Path(args.out).write_text(text + "\n", encoding="utf-8")
            else:
                print(text)
            return 0
        if args.command == "check":
            from lotdesign.pipeline import check

            check(args.config, quiet=args.quiet)
            if not args.quiet:
                print(f"{args.config}: config and inputs are usable.")
            return 0
        config_path = _demo(args) if args.command == "demo" else args.config
        if args.command == "demo" and args.no_run:
            return 0
        from lotdesign.pipeline import run as run_pipeline

        result = run_pipeline(config_path, quiet=args.quiet)
        if not args.quiet:
            print("Written:")
            for label, path in result.paths.items():
                print(f"  {label:<16} {path}")
        return 0
    except LotDesignError as exc:
        print(f"lotdesign: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
