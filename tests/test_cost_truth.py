"""Cost truth: the price policy and its floor, the flow of new customers, ranges, and what
cannot be computed (no provider or cost column)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from lotdesign import cost, settings
from lotdesign.errors import ValidationError
from lotdesign.report.text import cost_sentences
from tests.test_cost import make_assignment, make_customers


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return make_customers()


@pytest.fixture(scope="module")
def scenario(customers: pd.DataFrame) -> pd.DataFrame:
    return cost.proposed_scenario(customers, make_assignment())


# --- the price policy ----------------------------------------------------------------------


def test_default_policy_never_prices_below_floor_or_today(scenario):
    lots = scenario.attrs["lots"]
    floor = cost.price_year(None).floor
    assert (lots["floor"] == floor).all()
    bound = np.minimum(floor, lots["price_current"])
    assert (lots["price_proposed"] >= bound - 1e-9).all()
    # Today's rates (22-30 £/h) are under the 2025-26 floor (32.14): no saving can be passed
    # back, so every lot is held at today's price and spend does not change.
    assert lots["raised_to_bound"].all()
    assert np.allclose(lots["price_proposed"], lots["price_current"])
    assert scenario["weekly_cost_proposed"].sum() == pytest.approx(
        scenario["weekly_cost_current"].sum()
    )


def test_pass_back_takes_the_share_and_stops_at_the_floor():
    lots = pd.DataFrame(
        {
            "tier": [1, 1, 2],
            "price_current": [40.0, 33.0, 28.0],
            "saving_per_hour": [4.0, 4.0, 4.0],
        }
    )
    policy = cost.PricePolicy(kind="pass_back", pass_back_share=0.5)
    out = cost.apply_price_policy(lots, floor=32.14, policy=policy)
    assert out["policy_price"].tolist() == [38.0, 31.0, 26.0]
    assert out["price_proposed"].tolist() == [38.0, 32.14, 28.0]
    assert out["raised_to_bound"].tolist() == [False, True, True]
    assert not out["below_floor"].any()  # held at today's 28, under the floor but not cut
    allowed = cost.PricePolicy(kind="pass_back", pass_back_share=0.5, allow_below_floor=True)
    out = cost.apply_price_policy(lots, floor=32.14, policy=allowed)
    assert out["price_proposed"].tolist() == [38.0, 31.0, 26.0]
    assert out["below_floor"].tolist() == [False, True, True]


def test_going_below_the_floor_needs_an_explicit_setting_and_is_flagged(customers):
    policy = cost.PricePolicy(kind="pass_back", allow_below_floor=True)
    s = cost.proposed_scenario(customers, make_assignment(), policy=policy)
    lots = s.attrs["lots"]
    assert lots["below_floor"].all()
    expected = lots["price_current"] - 0.5 * lots["saving_per_hour"]
    assert np.allclose(lots["price_proposed"], expected)
    in_lot = s["arrangement"] == "lot"
    cheaper = s.loc[in_lot, "weekly_cost_proposed"] < s.loc[in_lot, "weekly_cost_current"]
    assert cheaper.mean() > 0.5
    # Spot purchase stays at today's cost.
    spot = s.loc[~in_lot]
    assert spot["weekly_cost_proposed"].equals(spot["weekly_cost_current"])
    assert "allowed below the cost-of-care floor" in policy.describe()
    effect = cost.cost_model(customers, make_assignment(), policy=policy)["effect"]
    assert effect["lots_below_floor"] == len(lots)
    from lotdesign.report.inputs import ReportInputs
    from lotdesign.report.text import risks_and_caveats

    risks = " ".join(risks_and_caveats(ReportInputs(title="t", cost_effect=effect))["risks"])
    assert "priced below the 2025-26 cost-of-care floor (£32.14 an hour)" in risks


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (cost.PricePolicy(kind="hold"), "current"),
        (cost.PricePolicy(kind="rate_card", rate_card={1: 31.0, 2: 34.5}), {1: 31.0, 2: 34.5}),
        (cost.PricePolicy(kind="floor"), {1: 32.14, 2: 32.14 * (1 + settings.RURAL_PREMIUM)}),
    ],
)
def test_each_policy_sets_the_lot_price(customers, policy, expected):
    s = cost.proposed_scenario(customers, make_assignment(), policy=policy)
    lots = s.attrs["lots"]
    if expected == "current":
        assert np.allclose(lots["price_proposed"], lots["price_current"])
    else:
        assert np.allclose(lots["price_proposed"], lots["tier"].map(expected))
    by_lot = cost.compare(s, by="lot_id").set_index("lot_id").drop(index="(spot)")
    assert np.allclose(
        by_lot["price_per_hour_proposed"], lots.set_index("lot_id")["price_proposed"]
    )


def test_policy_inputs_checked():
    with pytest.raises(ValidationError, match="kind must be one of"):
        cost.PricePolicy(kind="cheapest")
    with pytest.raises(ValidationError, match=r"needs a price for tiers \[2\]"):
        cost.PricePolicy(kind="rate_card", rate_card={1: 30.0})
    with pytest.raises(ValidationError, match="pass_back_share"):
        cost.PricePolicy(pass_back_share=1.5)
    card = cost.PricePolicy.from_mapping({"kind": "rate_card", "rate_card": {"1": 30, "2": 31}})
    assert card.rate_card == {1: 30.0, 2: 31.0}


def test_travel_benefit_and_who_keeps_it(customers):
    held = cost.proposed_scenario(customers, make_assignment())
    passed = cost.proposed_scenario(
        customers, make_assignment(), policy=cost.PricePolicy(allow_below_floor=True)
    )
    for s, council_share in ((held, 0.0), (passed, settings.PASS_BACK_SHARE)):
        total = cost.travel_benefit(s).set_index("lot_id").loc["all lots"]
        lots = s.attrs["lots"]
        value = (lots["hours"] * lots["saving_per_hour"]).sum()
        assert total["travel_value_week"] == pytest.approx(value)
        assert total["council_keeps_week"] == pytest.approx(council_share * value)
        assert total["providers_keep_week"] == pytest.approx((1 - council_share) * value)
        assert total["care_worker_hours_released_week"] == pytest.approx(
            total["paid_travel_minutes_saved_week"] / 60
        )
        assert total["miles_saved_week"] > 0 and total["council_pays_more_week"] == 0


# --- flow: new customers only --------------------------------------------------------------

AS_OF = dt.date(2026, 11, 1)


def _dated_lines(ages_months, *, lot: str = "L1", hours: float = 10.0) -> pd.DataFrame:
    starts = [AS_OF - dt.timedelta(days=round(a * 365.25 / 12)) for a in ages_months]
    return pd.DataFrame(
        {
            "customer_id": [f"{lot}-{i}" for i in range(len(starts))],
            "lot_id": lot,
            "weekly_hours": hours,
            "start_date": starts,
        }
    )


def test_turnover_estimated_from_start_dates():
    rng = np.random.default_rng(5)
    # Live packages of a steady caseload whose packages last 20 months on average, with six
    # years of history: ages exponential (mean 20), cut at 72 months.
    ages = rng.exponential(20.0, 20_000)
    lines = _dated_lines(ages[ages < 72][:3000])
    t = cost.estimate_turnover(lines, as_of=AS_OF)
    assert t.source == "estimated" and t.customers_dated == 3000
    assert t.mean_months == pytest.approx(20.0, rel=0.06)
    assert t.monthly_end_rate == pytest.approx(1 - math.exp(-1 / t.mean_months))
    # A customer's start is their earliest live line's.
    two = pd.concat([lines.iloc[:1], lines.iloc[:1].assign(start_date=AS_OF)])
    assert cost.flow.customer_starts(two).iloc[0] == pd.Timestamp(lines["start_date"].iloc[0])


def test_turnover_without_dates_uses_the_documented_default():
    lines = _dated_lines([1.0, 2.0])
    t = cost.estimate_turnover(lines.drop(columns="start_date"), as_of=AS_OF)
    assert t.source == "default" and t.mean_months == settings.PACKAGE_MEAN_MONTHS
    assert "PACKAGE_MEAN_MONTHS" in t.basis
    given = cost.estimate_turnover(
        lines, as_of=AS_OF, params=cost.FlowParams(package_mean_months=30)
    )
    assert given.source == "given" and given.mean_months == 30


def test_flow_by_lot_on_a_hand_made_extract():
    # Two lots of ten customers at 10 h a week; L1's started 0-10 months ago (one a month),
    # L2's 24-34 months ago.
    lines = pd.concat(
        [
            _dated_lines(np.arange(10) + 0.5, lot="L1"),
            _dated_lines(np.arange(24, 34) + 0.5, lot="L2"),
        ],
        ignore_index=True,
    )
    lots = pd.DataFrame({"lot_id": ["L1", "L2"], "tier": [1, 2], "hours": [100.0, 100.0]})
    turnover = cost.Turnover(24.0, 20, 34.0, "given", "test")
    h = turnover.monthly_end_rate
    out, monthly = cost.flow_by_lot(
        lots,
        turnover,
        lines=lines,
        as_of=AS_OF,
        years=5,
        demand_growth=0.0,
        tier1_viable_hours=60.0,
        tier2_viable_hours=30.0,
        scenario=cost.ScenarioParams(lead_share=0.7, tier2_lead_share=1.0),
    )
    out = out.set_index("lot_id")
    # Modelled starts and ends a month: h x hours in a steady lot.
    assert out.loc["L1", "start_hours_month"] == pytest.approx(100 * h)
    assert out.loc["L1", "end_hours_month"] == pytest.approx(100 * h)
    # Observed: L1's 100 h started in the last 12 months, grossed up for those since ended.
    survived = 24 * (1 - math.exp(-12 / 24))
    assert out.loc["L1", "observed_start_hours_month"] == pytest.approx(100 / survived)
    assert out.loc["L2", "observed_start_hours_month"] == 0
    assert out.loc["L1", "observed_starts"] == 10 and out.loc["L2", "observed_starts"] == 0
    # Contracted hours are 100 (1 - (1 - h)^t): viable when they reach the floor.
    assert out.loc["L1", "months_to_viable"] == math.ceil(math.log(0.4) / math.log(1 - h))
    assert out.loc["L2", "months_to_viable"] == math.ceil(math.log(0.7) / math.log(1 - h))
    assert out.loc["L1", "lead_viable_hours"] == pytest.approx(42.0)
    assert np.isnan(out.loc["L2", "months_to_established"])  # 750 h: never in a 100 h zone
    m = monthly[monthly["lot_id"] == "L1"].set_index("month")
    assert len(m) == 60
    assert m.loc[12, "contracted_hours"] == pytest.approx(100 * (1 - (1 - h) ** 12))
    assert m.loc[12, "lead_hours_new_only"] == pytest.approx(0.7 * m.loc[12, "contracted_hours"])
    assert m.loc[1, "lead_hours_transfer_all"] == pytest.approx(70.0)


def test_project_phases_the_change_and_sums_n_years(customers):
    policy = cost.PricePolicy(allow_below_floor=True)
    s = cost.proposed_scenario(customers, make_assignment(), policy=policy)
    lots = s.attrs["lots"]
    turnover = cost.Turnover(24.0, 0, 0.0, "given", "test")
    spend = s["weekly_cost_current"].sum()
    args = {"spend_current": spend, "customers": 480.0, "hours": s["weekly_hours"].sum()}
    still = {"rate_uplift": 0.0, "demand_growth": 0.0}
    new = cost.project(lots, turnover, years=3, **still, **args)
    transfer = cost.FlowParams(new_customers_only=False)
    full = cost.project(lots, turnover, years=3, params=transfer, **still, **args)
    weekly = ((lots["price_proposed"] - lots["price_current"]) * lots["hours"]).sum()
    year = weekly * settings.WEEKS_PER_YEAR
    # Transfer all: the whole change every year; an N-year figure sums years 1 to N.
    assert list(full["year"]) == [1, 2, 3]
    assert full["change_annual"].tolist() == pytest.approx([year] * 3)
    assert full["cumulative_change"].iloc[-1] == pytest.approx(3 * year)
    # New customers only: the change arrives as today's packages end, (1 - h)^t.
    t = np.arange(36) + 0.5
    phased = year / 12 * (1 - (1 - turnover.monthly_end_rate) ** t)
    want = [phased[:12].sum(), phased[12:24].sum(), phased[24:].sum()]
    assert new["change_annual"].tolist() == pytest.approx(want)
    assert 0 < new["contracted_share"].iloc[0] < new["contracted_share"].iloc[-1] < 1
    grown = cost.project(lots, turnover, years=2, rate_uplift=0.03, demand_growth=0.05, **args)
    mid = (np.arange(12, 24) + 0.5) / 12
    assert grown.loc[1, "annual_spend_current"] == pytest.approx(
        spend * settings.WEEKS_PER_YEAR / 12 * 1.03 * (1.05**mid).sum()
    )
    with pytest.raises(ValidationError, match="years"):
        cost.project(lots, turnover, years=0, **args)


# --- ranges --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base(customers):
    policy = cost.PricePolicy(allow_below_floor=True)
    s = cost.proposed_scenario(customers, make_assignment(), policy=policy)
    return cost.CostBase.from_scenario(
        s, cost.Turnover(24.0, 0, 0.0, "given", "test"), policy=policy
    )


def test_cost_effect_at_base_matches_the_scenario(base, customers):
    effect = cost.cost_effect(base)
    lots = base.lots
    weekly = ((lots["price_proposed"] - lots["price_current"]) * lots["hours"]).sum()
    assert float(effect["change_weekly"]) == pytest.approx(weekly)
    assert float(effect["change_per_customer_week"]) == pytest.approx(weekly / len(customers))
    # Travel scales exactly with circuity: the fast path agrees with a full re-run.
    circuity = 2 * base.travel.circuity
    doubled = cost.cost_effect(base, circuity=circuity)
    assert float(doubled["travel_value_week"]) == pytest.approx(
        2 * float(effect["travel_value_week"])
    )
    rerun = cost.proposed_scenario(
        customers,
        make_assignment(),
        travel=dataclasses.replace(base.travel, circuity=circuity),
        policy=base.policy,
    )
    total = cost.travel_benefit(rerun).iloc[-1]
    assert total["travel_value_week"] == pytest.approx(float(doubled["travel_value_week"]))
    assert total["care_worker_hours_released_week"] == pytest.approx(
        float(doubled["care_worker_hours_released_week"])
    )


def test_monte_carlo_is_deterministic_for_a_seed(base):
    one, draws = cost.monte_carlo(base, seed=7)
    two, _ = cost.monte_carlo(base, seed=7)
    other, _ = cost.monte_carlo(base, seed=8)
    pd.testing.assert_frame_equal(one, two)
    assert not one.equals(other)
    assert len(draws) == settings.MONTE_CARLO_DRAWS
    row = one.set_index("metric").loc["change_per_customer_week"]
    assert row["p10"] <= row["p50"] <= row["p90"] < 0  # passing back saves money
    low, high = settings.COST_RANGES["circuity"]
    assert draws["circuity"].between(low, high).all()
    narrow = cost.RangeParams(circuity=(1.3, 1.3), draws=50)
    _, few = cost.monte_carlo(base, ranges=narrow, seed=7)
    assert len(few) == 50 and (few["circuity"] == 1.3).all()


def test_tornado_uses_the_ranges_and_finds_a_sign_flip(customers):
    # Tier 1 paid the floor today and Tier 2 the floor x (1 + premium): the floor policy
    # changes nothing at the base case, and the rural premium's range flips the change's sign.
    floor = cost.price_year(None).floor
    lines = customers.copy()
    plan = make_assignment()
    tier = lines["unit_id"].map(plan.set_index("unit_id")["tier"])
    rate = np.where(tier == 2, floor * (1 + settings.RURAL_PREMIUM), floor)
    lines["weekly_cost"] = lines["weekly_hours"] * np.where(tier == 3, 25.0, rate)
    policy = cost.PricePolicy(kind="floor")
    s = cost.proposed_scenario(lines, plan, policy=policy)
    b = cost.CostBase.from_scenario(s, cost.Turnover(24.0, 0, 0.0, "given", "t"), policy=policy)
    t = cost.tornado(b).set_index("parameter")
    assert set(t.index) == set(cost.RANGED) | set(cost.SWUNG)
    assert t.loc["rural_premium", "flips_sign"]
    assert not t.loc["circuity", "flips_sign"]
    assert t.loc["circuity", "low_value"] == settings.COST_RANGES["circuity"][0]
    assert t.loc["lead_share", "high_value"] == pytest.approx(0.84)
    # A larger lead share concentrates the lead's customers: more care-worker hours released.
    assert t.loc["lead_share", "released_at_high"] > t.loc["lead_share", "released_at_low"]
    assert t["range"].is_monotonic_decreasing
    with pytest.raises(ValidationError, match="Unknown tornado"):
        cost.tornado(b, parameters=["colour"])


# --- what cannot be computed ---------------------------------------------------------------


def test_no_provider_column_means_no_travel_saving(customers):
    lines = customers.drop(columns="provider")
    s = cost.proposed_scenario(lines, make_assignment())
    assert s.attrs["travel_modelled"] is False
    lots = s.attrs["lots"]
    assert lots["saving_per_hour"].isna().all()
    assert np.allclose(lots["price_proposed"], lots["price_current"])  # nothing passed back
    total = cost.travel_benefit(s).iloc[-1]
    assert np.isnan(total["care_worker_hours_released_week"])
    assert np.isnan(total["travel_value_week"])
    effect = cost.cost_model(lines, make_assignment())["effect"]
    assert effect["travel"] is None and not effect["travel_modelled"]
    text = " ".join(cost_sentences(effect))
    assert "no provider column" in text and "no travel saving is shown" in text


def test_no_cost_column_means_estimated_spend_labelled(customers):
    lines = customers.drop(columns=["weekly_cost", "hourly_rate"])
    model = cost.cost_model(lines, make_assignment(), cost_column=False)
    spend = model["effect"]["spend"]
    assert spend["cost_column"] is False
    assert spend["imputed_lines"] == spend["default_rate_lines"] == len(lines)
    assert spend["weekly_spend"] == pytest.approx(
        lines["weekly_hours"].sum() * settings.DEFAULT_HOURLY_RATE
    )
    county = model["summary"].query("level == 'county'").iloc[0]
    assert county["estimated_spend_share"] == 1.0
    text = " ".join(cost_sentences(model["effect"]))
    assert "no cost column, so today's spend is estimated" in text
    assert f"£{settings.DEFAULT_HOURLY_RATE:.2f} an hour" in text


def test_some_imputed_lines_are_counted_in_words(customers):
    lines = customers.copy()
    lines.loc[:19, "weekly_cost"] = np.nan
    effect = cost.cost_model(lines, make_assignment())["effect"]
    assert effect["spend"]["imputed_lines"] == 20
    assert "except for 20 package lines without a cost" in " ".join(cost_sentences(effect))


def test_summary_states_the_effect_as_a_range_with_policy_and_timing(customers):
    policy = cost.PricePolicy(allow_below_floor=True)
    model = cost.cost_model(customers, make_assignment(), policy=policy, as_of=AS_OF)
    text = " ".join(cost_sentences(model["effect"]))
    assert "Prices are for 2025-26" in text
    assert "a policy: today's rates less 50% of the modelled travel saving" in text
    assert "change in cost per customer-week is a saving of" in text and "(P10 to P90" in text
    assert "Lots take new customers only" in text and "Over the 5-year contract" in text
    assert "care-worker hours a week" in text and "the council keeps" in text
