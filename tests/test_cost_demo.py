"""Cost truth on the demo county, through the whole chain (issue 9's done-when)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lotdesign
from lotdesign import cost


def test_no_lot_priced_below_the_floor_or_today_whichever_is_lower(demo_run):
    _, result = demo_run
    lots = result.cost.lots
    assert len(lots) >= 15
    bound = np.minimum(32.14, lots["price_current"])  # the 2025-26 floor
    assert (lots["price_proposed"] >= bound - 1e-9).all()
    assert not lots["below_floor"].any() and result.cost.effect["lots_below_floor"] == 0
    by_lot = result.cost.summary.query("level == 'lot' and area != '(spot)'").set_index("area")
    today = by_lot["price_per_hour_current"]
    assert (by_lot["price_per_hour_proposed"] >= np.minimum(32.14, today) - 1e-9).all()
    # The run's prices are the analysis date's year, 2026-27, with the April 2026 wage.
    year = result.cost.effect["price_year"]
    assert year["year"] == "2026-27" and year["wage"] == 12.71
    assert (lots["floor"] == year["floor"]).all() and year["floor"] > 32.14


def test_current_spend_still_reconciles_to_the_penny(demo_run):
    _, result = demo_run
    scenario = result.cost.scenario
    extract = result.extract.packages["weekly_cost"].sum()
    county = result.cost.summary.query("level == 'county'").iloc[0]
    assert round(county["weekly_spend_current"], 2) == round(
        extract + scenario.attrs["imputed_weekly_cost"], 2
    )
    assert result.cost.effect["spend"]["imputed_lines"] == scenario.attrs["imputed_lines"]


def test_flow_ranges_and_benefit_are_reported_and_saved(demo_run):
    _, result = demo_run
    c = result.cost
    assert set(c.flow["lot_id"]) == set(c.lots["lot_id"])
    tier1 = c.flow[c.flow["tier"] == 1]
    assert tier1["months_to_viable"].between(1, 60).any()
    assert c.projection["year"].tolist() == list(range(1, 6))
    ranges = c.ranges.set_index("metric")
    assert (
        ranges.loc["change_per_customer_week", "p10"]
        <= ranges.loc["change_per_customer_week", "p90"]
    )
    assert ranges.loc["care_worker_hours_released_week", "p50"] > 0
    assert result.paths["cost_flow"].exists() and result.paths["cost_ranges"].exists()
    saved = lotdesign.read_run(result.paths["run"])
    assert isinstance(saved.cost.turnover, cost.Turnover)
    assert saved.cost.effect == c.effect
    pd.testing.assert_frame_equal(saved.cost.flow, c.flow)


def test_report_states_the_effect_as_a_range_with_policy_and_timing(demo_run):
    _, result = demo_run
    html = result.paths["report_html"].read_text(encoding="utf-8")
    assert "Prices are for 2026-27" in html
    assert "The price the council pays for lot hours is a policy" in html
    assert "(P10 to P90" in html
    assert "Lots take new customers only" in html
    assert "care-worker hours a week" in html
    tables = pd.ExcelFile(result.paths["tables"]).sheet_names
    assert {"cost_ranges", "cost_flow", "travel_benefit"} <= set(tables)


@pytest.mark.parametrize("column", ["estimated_spend_share"])
def test_estimated_spend_share_is_in_the_shared_csv(demo_run, column):
    _, result = demo_run
    shared = pd.read_csv(result.paths["cost_summary"])
    assert any("estimated" in c.lower() for c in shared.columns) or column in shared.columns
