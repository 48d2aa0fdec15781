"""Command line: ``lotdesign demo`` and ``lotdesign run CONFIG.yaml``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lotdesign import settings
from lotdesign.errors import LotDesignError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lotdesign",
        description="Design home-care contract lots from a council's care-package extract.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo",
        help="write the synthetic demo county into data/raw and run it",
        description="Generate a synthetic county on real postcodes (an XLSX extract, an "
        "epraccur practice file, a provider list and a config) and run lotdesign on it.",
    )
    demo.add_argument("--out", default="data/raw", help="folder for the demo inputs (data/raw)")
    demo.add_argument("--processed", default="data/processed", help="folder for processed data")
    demo.add_argument("--reports", default="reports", help="folder for reports")
    demo.add_argument("--seed", type=int, default=settings.DEMO_SEED, help="random seed")
    demo.add_argument(
        "--districts",
        default=",".join(settings.DEMO_DISTRICTS),
        help="comma-separated district codes (default: the seven West Sussex districts)",
    )
    demo.add_argument("--customers", type=int, default=settings.DEMO_CUSTOMERS)
    demo.add_argument("--no-run", action="store_true", help="only write the demo inputs")

    run = sub.add_parser("run", help="run lotdesign on a config file")
    run.add_argument("config", help="the run's YAML config")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from lotdesign.demo import make_demo

            districts = [d.strip() for d in args.districts.split(",") if d.strip()]
            files = make_demo(
                args.out,
                seed=args.seed,
                districts=districts,
                n_customers=args.customers,
                processed_dir=args.processed,
                reports_dir=args.reports,
            )
            print(f"Demo inputs (SYNTHETIC) written to {Path(args.out)}: config {files.config}")
            if args.no_run:
                return 0
            config_path = files.config
        else:
            config_path = args.config
        from lotdesign.pipeline import run as run_pipeline

        result = run_pipeline(config_path, quiet=getattr(args, "quiet", False))
        if not getattr(args, "quiet", False):
            print("Written:")
            for label, path in result.paths.items():
                print(f"  {label:<16} {path}")
        return 0
    except LotDesignError as exc:
        print(f"lotdesign: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
