"""Command line: ``lotdesign demo``, ``run``, ``check`` and ``schema``."""

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


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
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
