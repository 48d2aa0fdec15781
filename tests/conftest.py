"""Shared fixtures: paths to the hand-written fixtures and to ../shared/data/westsussex."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared" / "data" / "westsussex"

COLUMNS = {
    "customer_id": "Person ID",
    "postcode": "Post Code",
    "weekly_hours": "Planned Hrs/Wk",
    "weekly_cost": "Weekly Cost (£)",
    "provider": "Provider Name",
    "gp_practice": "GP Practice Code",
    "start_date": "Start Date",
    "end_date": "End Date",
    "service_type": "Service Type",
}


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "codepoint_open_2025_04_westsussex.csv").exists():
        pytest.skip(
            f"real West Sussex open data not found at {SHARED} (it sits beside the repo in "
            "the project's workspace, not on users' machines)"
        )
    return SHARED


@pytest.fixture(scope="session")
def small_lookup():
    """A hand-written ONSPD-layout lookup: a few real postcodes, one terminated, one ungridded."""
    from lotdesign.io.lookups import read_postcode_lookup

    return read_postcode_lookup(DATA / "onspd_2024_sample.csv")


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The demo county generated and run once per test session (the whole chain)."""
    from lotdesign.datasets.demo import make_demo
    from lotdesign.pipeline import run

    root = tmp_path_factory.mktemp("demo")
    files = make_demo(root / "raw", processed_dir=root / "processed", reports_dir=root / "reports")
    return files, run(files.config, quiet=True)
