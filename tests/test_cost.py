"""Tests for lotdesign.cost: parameters, price build-up, travel model, scenarios, summaries."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from lotdesign import cost, settings
from lotdesign.errors import ValidationError

HCA_2020_21 = {
    "pay": 8.72,
    "travel_time": 1.70,
    "ni_pension": 1.14,
    "other_oncosts": 1.97,
    "mileage": 1.36,
    "running_business": 5.20,
    "surplus": 0.60,
    "total": 20.69,
}


# --- fixtures ------------------------------------------------------------------------------


def make_customers(n: int = 480, providers: int = 12, seed: int = 3) -> pd.DataFrame:
    """Customers spread over a 20 km square cut into a 4 x 4 grid of 5 km units.

    Every provider takes customers anywhere (the spot market's criss-cross).
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 20_000, n)
    y = rng.uniform(0, 20_000, n)
    col, row = (x // 5000).astype(int), (y // 5000).astype(int)
    hours = rng.gamma(2.0, 6.3, n) + 0.5
    rate = rng.uniform(22.0, 30.0, n)
    cost_ = hours * rate
    centre = (np.abs(col - 1.5) < 1) & (np.abs(row - 1.5) < 1)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "postcode": "AA1 1AA",
            "weekly_hours": hours,
            "weekly_cost": cost_,
            "hourly_rate": rate,
            "provider": [f"P{p:02d}" for p in rng.integers(0, providers, n)],
            "gp_practice": None,
            "easting": 400_000 + x,
            "northing": 100_000 + y,
            "district": np.where(col < 2, "E07000001", "E07000002"),
            "rurality": np.where(
                centre, "urban", np.where(row == 3, "village_dispersed", "town_fringe")
            ),
            "unit_id": [f"U{r}{c}" for r, c in zip(row, col, strict=True)],
        }
    )


def make_assignment() -> pd.DataFrame:
    """Quadrant lots: three Tier 1 lots, one Tier 2 zone and two spot (Tier 3) units."""
    rows = []
    for r in range(4):
        for c in range(4):
            quad = (r // 2) * 2 + (c // 2)
            if quad < 3:
                lot, tier = f"L{quad}", 1
            elif c == 2:
                lot, tier = "R1", 2
            else:
                lot, tier = None, 3
            rows.append((f"U{r}{c}", lot, tier))
    return pd.DataFrame(rows, columns=["unit_id", "lot_id", "tier"])


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return make_customers()


@pytest.fixture(scope="module")
def scenario(customers: pd.DataFrame) -> pd.DataFrame:
    return cost.proposed_scenario(customers, make_assignment())


# --- price build-up ------------------------------------------------------------------------


def _hca_build_up(year: str) -> pd.Series:
    return cost.price_per_hour(
        travel_share=settings.HCA_TRAVEL_SHARE,
        miles_per_contact_hour=settings.HCA_MILES_PER_CONTACT_HOUR,
        params=cost.PriceParams(year=year),
    )


def test_hca_2020_21_line_items_reproduced_within_1p():
    p = _hca_build_up("2020-21")
    for line, published in HCA_2020_21.items():
        assert abs(p[line] - published) < 0.01, (line, p[line], published)
    assert p[list(cost.PRICE_LINES)].sum() == pytest.approx(p["total"])


def test_hca_2021_22_total_reproduced():
    assert _hca_build_up("2021-22")["total"] == pytest.approx(21.43, rel=0.01)


def test_hca_2022_23_total_reproduced():
    assert _hca_build_up("2022-23")["total"] == pytest.approx(23.20, rel=0.01)


def test_hca_2023_24_total_reproduced():
    p = _hca_build_up("2023-24")
    assert p["total"] == pytest.approx(25.95, rel=0.01)
    assert p["pay"] == 10.42  # the April 2023 National Living Wage


def test_hca_2024_25_total_reproduced():
    p = _hca_build_up("2024-25")
    assert p["total"] == pytest.approx(28.53, rel=0.01)
    assert p["pay"] == 11.44


def test_hca_2025_26_total_reproduced():
    p = _hca_build_up("2025-26")
    assert p["total"] == pytest.approx(32.14, rel=0.01)
    assert p["pay"] == 12.21
    # Employer NI: 15% above £96 a week from April 2025, against 13.8% above £175 before.
    assert (
        cost.PriceParams(year="2025-26").employer_ni_rate
        > 1.4 * cost.PriceParams(year="2024-25").employer_ni_rate
    )


def test_2026_27_is_built_from_2025_26_with_the_april_2026_wage():
    year = cost.price_year("2026-27")
    assert not year.published and year.ratios_from == "2025-26" and year.uprated_years == 0
    assert year.wage == 12.71
    assert year.floor == pytest.approx(_hca_build_up("2026-27")["total"])
    assert 32.14 < year.floor < 32.14 * 12.71 / 12.21 + 0.01
    assert "no published Homecare Association minimum price" in year.basis


def test_a_year_after_the_newest_wage_is_uprated_and_says_so():
    year = cost.price_year("2028-29")
    assert year.uprated_years == 2
    assert year.wage == pytest.approx(12.71 * (1 + settings.PRICE_UPRATING) ** 2)
    assert "uprated 4.1% a year for 2 years" in year.basis
    assert year.floor > cost.price_year("2026-27").floor


def test_the_analysis_date_picks_the_price_year():
    import datetime as dt

    assert cost.financial_year(dt.date(2026, 11, 1)) == "2026-27"
    assert cost.financial_year(dt.date(2026, 3, 31)) == "2025-26"
    assert cost.price_year(dt.date(2025, 6, 1)).floor == 32.14
    with pytest.raises(ValidationError, match="2026-27"):
        cost.price_year("2026-2027")
    with pytest.raises(ValidationError, match="NLW_BY_YEAR"):
        cost.price_year("2019-20")


def test_build_up_is_a_calculation_not_a_lookup():
    base = cost.PriceParams(year="2020-21")
    p = cost.price_per_hour(travel_share=0.195, miles_per_contact_hour=3.02, params=base)
    doubled = cost.price_per_hour(
        travel_share=0.195,
        miles_per_contact_hour=3.02,
        params=dataclasses.replace(base, wage=17.44),
    )
    # Wage-driven lines double, mileage does not, so the total less than doubles.
    for line in ("pay", "travel_time", "ni_pension", "other_oncosts"):
        assert doubled[line] == pytest.approx(2 * p[line])
    assert doubled["mileage"] == pytest.approx(p["mileage"])
    assert p["total"] < doubled["total"] < 2 * p["total"]
    assert p["travel_time"] == pytest.approx(8.72 * 0.195)
    assert p["surplus"] == pytest.approx(0.03 * (p["total"] - p["surplus"]))


def test_hca_reference_shows_every_year():
    ref = cost.hca_reference().set_index("year")
    assert list(ref.index) == sorted(settings.NLW_BY_YEAR)
    published = ref["hca_price"].notna()
    assert (ref.loc[published, "difference"].abs() < 0.01).all()
    assert ref["model_price"].is_monotonic_increasing
    assert np.isnan(ref.loc["2026-27", "hca_price"])


def test_build_up_coefficients_are_the_build_up():
    params = cost.PriceParams(year="2024-25")
    a, b, c = cost.build_up_coefficients(params)
    for share, miles in ((0.0, 0.0), (0.2, 3.0), (0.05, 0.7)):
        built = cost.price_per_hour(travel_share=share, miles_per_contact_hour=miles, params=params)
        assert a + b * share + c * miles == pytest.approx(built["total"])


def test_price_by_visit_length_weighted_row_is_mean_visit_price():
    table = cost.price_by_visit_length(travel_minutes_per_visit=7.0, miles_per_visit=3.0)
    assert list(table.index) == [15, 30, 45, 60, "weighted"]
    assert table["total"].iloc[:4].is_monotonic_decreasing  # short calls carry more travel
    mean_visit = cost.TravelParams().mean_visit_minutes
    assert mean_visit == pytest.approx(34.98, abs=0.01)
    at_mean = cost.price_per_hour(
        travel_share=7.0 / mean_visit, miles_per_contact_hour=180 / mean_visit
    )
    assert table.loc["weighted", "total"] == pytest.approx(at_mean["total"])


@hsettings(max_examples=60, deadline=None)
@given(
    share=st.floats(0, 2),
    miles=st.floats(0, 20),
    d_share=st.floats(0, 1),
    d_miles=st.floats(0, 10),
)
def test_more_travel_never_costs_less(share, miles, d_share, d_miles):
    lo = cost.price_per_hour(travel_share=share, miles_per_contact_hour=miles)
    hi = cost.price_per_hour(travel_share=share + d_share, miles_per_contact_hour=miles + d_miles)
    assert hi["total"] >= lo["total"] - 1e-12


def test_price_params_checked():
    with pytest.raises(ValidationError, match="wage"):
        cost.PriceParams(wage=-1)
    with pytest.raises(ValidationError, match="business_share"):
        cost.PriceParams(business_share=1.0)
    with pytest.raises(ValidationError, match="travel_share"):
        cost.price_per_hour(travel_share=-0.1, miles_per_contact_hour=1)


def test_params_defaults_read_from_settings_at_call_time(monkeypatch):
    monkeypatch.setattr(settings, "NLW_BY_YEAR", {**settings.NLW_BY_YEAR, "2025-26": 15.5})
    monkeypatch.setattr(settings, "ROUND_SCHEDULING_FACTOR", 2.0)
    monkeypatch.setattr(settings, "LEAD_PROVIDER_SHARE", 0.6)
    monkeypatch.setattr(settings, "BLOCK_DISCOUNT", 0.1)
    assert cost.PriceParams().wage == 15.5
    assert cost.TravelParams().scheduling_factor == 2.0
    assert cost.ScenarioParams().lead_share == 0.6
    assert cost.PaymentParams().block_discount == 0.1
    p = cost.price_per_hour(travel_share=0.0, miles_per_contact_hour=0.0)
    assert p["pay"] == 15.5


def test_function_defaults_read_from_settings_at_call_time(monkeypatch, scenario):
    base = cost.compare(scenario, by=None).iloc[0]
    monkeypatch.setattr(settings, "WEEKS_PER_YEAR", 50.0)
    monkeypatch.setattr(settings, "HOURS_PER_CARE_WORKER", 25.0)
    now = cost.compare(scenario, by=None).iloc[0]
    assert now["annual_spend_current"] == pytest.approx(base["weekly_spend_current"] * 50.0)
    assert now["care_workers"] == pytest.approx(base["hours"] / 25.0)
    monkeypatch.setattr(settings, "PROJECTION_YEARS", 2)
    turnover = cost.estimate_turnover(scenario, as_of=None)
    lots = scenario.attrs["lots"]
    assert len(cost.project(lots, turnover, spend_current=1.0, customers=1.0, hours=1.0)) == 2
    monkeypatch.setattr(settings, "BHH_CONSTANT", 0.5)
    assert cost.patch_area([0, 1000], [0, 0]) == pytest.approx((1000 / 0.5) ** 2 / 2)


@pytest.mark.parametrize(
    ("cls", "values"),
    [
        (cost.PriceParams, {"wage": 12.21, "mileage_rate": 0.5}),
        (cost.TravelParams, {"circuity": 1.3, "speed_mph": {"urban": 10.0}}),
        (cost.ScenarioParams, {"lead_share": 0.8, "rural_premium_tiers": [1, 2]}),
        (cost.PaymentParams, {"block_discount": 0.1}),
    ],
)
def test_params_from_mapping(cls, values):
    built = cls.from_mapping(values)
    # A list given for a tuple field (as YAML gives it) becomes a tuple: (1, 2) != [1, 2].
    assert built == cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})
    assert cls.from_mapping({}) == cls()


def test_params_from_mapping_refuses_unknown_keys():
    with pytest.raises(
        ValidationError, match=r"cost\.price: unknown key 'wgae' \(did you mean 'wage'"
    ):
        cost.PriceParams.from_mapping({"wgae": 12.0}, where="cost.price")
    with pytest.raises(ValidationError, match=r"'lead_shares' \(did you mean 'lead_share'\?\)"):
        cost.ScenarioParams.from_mapping({"lead_shares": 0.5, "rural_premium": 0.1})
    with pytest.raises(ValidationError, match=r"unknown key 'colour'\. TravelParams takes"):
        cost.TravelParams.from_mapping({"colour": 1})
    with pytest.raises(ValidationError, match=r"cost\.payment: .*block_utilisation"):
        cost.PaymentParams.from_mapping({"block_utilisation": 2.0}, where="cost.payment")
    with pytest.raises(ValidationError, match="expected a mapping"):
        cost.PriceParams.from_mapping([("wage", 12.0)])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="visit_mix"):
        cost.TravelParams.from_mapping({"visit_mix": {"15": 1.0}})


# --- travel model --------------------------------------------------------------------------


def test_top_of_the_scheduling_range_lands_on_published_averages():
    # The default is calibrated on simulated rounds (benchmarks/bench_rounds.py); real rotas
    # drive more, and the top of the range reproduces the national average.
    n = settings.TYPICAL_PROVIDER_CUSTOMERS
    top = settings.COST_RANGES["scheduling_factor"][1]
    t = cost.travel_per_visit(
        n,
        settings.TYPICAL_PROVIDER_AREA_KM2 * 1e6,
        weekly_hours=n * settings.TYPICAL_HOURS_PER_CUSTOMER,
        rurality="town_fringe",
        params=cost.TravelParams(scheduling_factor=top),
    )
    low, high = settings.COST_RANGES["scheduling_factor"]
    assert low < settings.ROUND_SCHEDULING_FACTOR < high
    assert t["miles_per_visit"] == pytest.approx(settings.ACCESS_GROUP_MILES_PER_VISIT, rel=0.02)
    assert t["travel_share"] == pytest.approx(settings.HCA_TRAVEL_SHARE, rel=0.06)


def _paid(slot_visits: float, c: float = settings.VISITS_PER_ROUND) -> float:
    rounds = max(slot_visits / c + 0.5, 1.0)
    return 1.0 - rounds / max(slot_visits, 1.0)


def test_travel_follows_bhh_scaling():
    t = cost.travel_per_visit([10, 40], [1e8, 1e8], weekly_hours=[50, 200])
    # Four times the customers in the same area: half the distance between calls, with more of
    # the calls reached by a paid leg (fuller rounds).
    slot_visits = t["visits_week"] / 7 / settings.CALL_SLOTS_PER_DAY
    paid = [_paid(v) for v in slot_visits]
    assert t["miles_per_visit"][1] == pytest.approx(t["miles_per_visit"][0] / 2 * paid[1] / paid[0])
    # Speed changes minutes, not miles.
    slow = cost.travel_per_visit(20, 1e8, rurality="urban")
    fast = cost.travel_per_visit(20, 1e8, rurality="village_dispersed")
    assert slow["miles_per_visit"] == pytest.approx(fast["miles_per_visit"])
    assert slow["minutes_per_visit"] > fast["minutes_per_visit"]


def test_rounds_are_whole():
    # Few calls a slot: rounds cannot be filled, so fewer calls are reached by a paid leg.
    c = settings.VISITS_PER_ROUND
    mean_visit = cost.TravelParams().mean_visit_minutes
    per_slot = 7 * settings.CALL_SLOTS_PER_DAY * mean_visit / 60  # weekly hours: 1 call a slot
    one, three, many = cost.travel_per_visit(
        [1, 3, 300],
        [1e8, 1e8, 1e8],
        weekly_hours=[per_slot, 3 * per_slot, 300 * per_slot],
    ).itertuples(index=False)
    assert one.miles_per_visit == 0.0  # one call a slot: the carer drives from home
    geometric = three.miles_per_visit / (1 - 1 / 3)  # one round of three calls, two paid
    assert many.miles_per_visit == pytest.approx(geometric / 10 * (1 - (300 / c + 0.5) / 300))
    assert 1 - (300 / c + 0.5) / 300 == pytest.approx(1 - 1 / c, abs=0.002)


@hsettings(max_examples=60, deadline=None)
@given(
    n=st.floats(1, 500),
    extra=st.floats(0, 500),
    area=st.floats(1e4, 1e10),
    shrink=st.floats(0.01, 1),
    hours_each=st.floats(0.5, 60),
)
def test_denser_customers_never_travel_further(n, extra, area, shrink, hours_each):
    # Once a provider fills half a round a slot: below that each added customer adds paid
    # legs to the one round it runs (one call a slot pays none).
    mean_visit = cost.TravelParams().mean_visit_minutes
    slot_visits = n * hours_each * 60 / mean_visit / 7 / settings.CALL_SLOTS_PER_DAY
    assume(slot_visits >= settings.VISITS_PER_ROUND / 2)
    base = cost.travel_per_visit(n, area, weekly_hours=n * hours_each)
    more = cost.travel_per_visit(n + extra, area, weekly_hours=(n + extra) * hours_each)
    smaller = cost.travel_per_visit(n, area * shrink, weekly_hours=n * hours_each)
    assert more["miles_per_visit"] <= base["miles_per_visit"] * (1 + 1e-12)
    assert smaller["miles_per_visit"] <= base["miles_per_visit"] * (1 + 1e-12)
    # The same hours spread over more customers never makes a round denser either.
    thinner = cost.travel_per_visit(n + extra, area, weekly_hours=n * hours_each)
    assert thinner["miles_per_visit"] <= base["miles_per_visit"] * (1 + 1e-12)


def test_patch_area_hull_ripley_rasson_close_to_true_area():
    rng = np.random.default_rng(0)
    samples = [rng.uniform(0, 10_000, (60, 2)) for _ in range(30)]
    estimates = [cost.patch_area(p[:, 0], p[:, 1], method="hull") for p in samples]
    raw = [shapely.convex_hull(shapely.multipoints(p)).area for p in samples]
    assert np.mean(estimates) == pytest.approx(1e8, rel=0.1)
    assert np.mean(raw) < 0.9e8  # the plain hull is biased low; the correction matters
    assert cost.patch_area([0, 1], [0, 1], method="hull") == 0.0
    assert cost.patch_area([0, 1, 2], [0, 1, 2], method="hull") == 0.0  # collinear


def test_patch_area_mst():
    rng = np.random.default_rng(1)
    square = rng.uniform(0, 10_000, (200, 2))
    # Uniform points: near the true area (the MST is a little shorter than a tour).
    assert cost.patch_area(square[:, 0], square[:, 1]) == pytest.approx(1e8, rel=0.25)
    # Two towns 20 km apart: far smaller than their hull, which takes in the land between.
    towns = np.vstack([rng.normal(0, 300, (100, 2)), rng.normal(0, 300, (100, 2)) + 20_000])
    mst = cost.patch_area(towns[:, 0], towns[:, 1])
    hull = cost.patch_area(towns[:, 0], towns[:, 1], method="hull")
    assert mst < 0.5 * hull
    # Two points: the MST is their distance, so A = (d / k)^2 / 2.
    assert cost.patch_area([0, 1000], [0, 0]) == pytest.approx((1000 / 0.7124) ** 2 / 2)
    # Collinear points fall back from Delaunay to all pairs.
    assert cost.patch_area([0, 1, 2], [0, 1, 2]) == pytest.approx(
        (2 * math.sqrt(2) / 0.7124) ** 2 / 3
    )
    assert cost.patch_area([5, 5, 5], [5, 5, 5]) == 0.0  # duplicates count once
    # Scaling the map by s scales the area by s^2: denser customers, shorter travel.
    half = cost.patch_area(square[:, 0] / 2, square[:, 1] / 2)
    assert half == pytest.approx(cost.patch_area(square[:, 0], square[:, 1]) / 4)
    with pytest.raises(ValidationError, match="method"):
        cost.patch_area([0, 1], [0, 1], method="kde")


def test_patch_area_for_a_share_of_the_customers():
    rng = np.random.default_rng(3)
    square = rng.uniform(0, 10_000, (200, 2))
    full = cost.patch_area(square[:, 0], square[:, 1])
    # Uniform points: a provider holding 30% of them sees the same area (its tree is shorter
    # by sqrt(0.3), its customers fewer by 0.3).
    share = cost.patch_area(square[:, 0], square[:, 1], share=0.3)
    assert share == pytest.approx(full, rel=0.15)
    # Customers clustered in 40 villages: the gaps between villages stay when a provider holds
    # fewer of them, so its rounds see a larger area than uniform thinning assumes.
    villages = rng.uniform(0, 10_000, (40, 2))
    homes = np.repeat(villages, 5, axis=0) + rng.normal(0, 30, (200, 2))
    own = cost.patch_area(homes[:, 0], homes[:, 1])
    thinned = cost.patch_area(homes[:, 0], homes[:, 1], share=0.3)
    assert thinned > 1.5 * own
    # Seeded: the same customers give the same area; no draws assumes uniform thinning.
    assert cost.patch_area(homes[:, 0], homes[:, 1], share=0.3) == thinned
    assert cost.patch_area(homes[:, 0], homes[:, 1], share=0.3, draws=0) == own
    with pytest.raises(ValidationError, match="share"):
        cost.patch_area([0, 1], [0, 1], share=0.0)
    with pytest.raises(ValidationError, match="share_draws"):
        cost.TravelParams(share_draws=-1)
    # A named setting, reachable from the run spec's cost.travel section.
    from lotdesign.spec import CostTravel

    assert cost.TravelParams().share_draws == settings.TRAVEL_SHARE_DRAWS
    given_draws = CostTravel(share_draws=4).given()
    assert cost.TravelParams.from_mapping(given_draws).share_draws == 4


def test_patch_travel_small_groups_use_overall_density(customers):
    lines = customers.copy()
    lines.loc[0, "provider"] = "LONE"
    t = cost.patch_travel(lines, by="provider")
    lone = t.set_index("provider").loc["LONE"]
    assert lone["area_source"] == "density"
    assert lone["customers"] == 1
    assert (t["area_source"] == "mst").sum() == len(t) - 1
    assert (t["price_per_hour"] > cost.PriceParams().wage).all()


def test_travel_inputs_checked():
    with pytest.raises(ValidationError, match="rurality"):
        cost.travel_per_visit(10, 1e6, rurality="suburb")
    with pytest.raises(ValidationError, match="customers"):
        cost.travel_per_visit(0, 1e6)
    with pytest.raises(ValidationError, match="visit_mix"):
        cost.TravelParams(visit_mix={0: 1})


# --- scenarios -----------------------------------------------------------------------------


def test_current_spend_reconciles_with_extract(customers):
    lines = customers.copy()
    lines.loc[:9, "weekly_cost"] = np.nan  # imputed from hours x rate
    lines.loc[10:14, ["weekly_cost", "hourly_rate"]] = np.nan  # imputed at the default rate
    with pytest.warns(UserWarning, match="15 package lines"):
        cur = cost.current_scenario(lines)
    extract = lines["weekly_cost"].sum()
    expected_imputed = (lines.weekly_hours * lines.hourly_rate)[:10].sum() + (
        lines.weekly_hours[10:15].sum() * settings.DEFAULT_HOURLY_RATE
    )
    assert cur.attrs["extract_weekly_cost"] == pytest.approx(extract)
    assert cur.attrs["imputed_weekly_cost"] == pytest.approx(expected_imputed)
    assert cur.attrs["imputed_lines"] == 15
    assert cur["weekly_cost"].sum() == pytest.approx(extract + expected_imputed)
    assert cur["cost_source"].value_counts().to_dict() == {
        "extract": len(lines) - 15,
        "hours_x_rate": 10,
        "default_rate": 5,
    }


def test_current_scenario_with_package_lines(customers):
    # A customer with two providers: the package lines, not the customers, are costed.
    extra = customers.iloc[:5].assign(provider="P99", weekly_hours=2.0, weekly_cost=50.0)
    packages = pd.concat([customers, extra], ignore_index=True)
    cur = cost.current_scenario(customers, packages)
    assert len(cur) == len(customers) + 5
    assert cur["weekly_cost"].sum() == pytest.approx(packages["weekly_cost"].sum())


def test_package_lines_take_units_from_customers(customers):
    packages = customers.drop(columns=["unit_id", "rurality"])
    cur = cost.current_scenario(customers, packages)
    assert (cur["unit_id"].to_numpy() == customers["unit_id"].to_numpy()).all()
    orphans = packages.assign(customer_id="nobody")
    with pytest.raises(ValidationError, match="no unit_id"):
        cost.current_scenario(customers, orphans)


def test_current_spend_carries_into_proposed(scenario, customers):
    assert scenario["weekly_cost_current"].sum() == pytest.approx(customers["weekly_cost"].sum())
    spot = scenario["arrangement"] == "spot"
    assert set(scenario.loc[spot, "tier"]) == {3}
    assert set(scenario.loc[~spot, "tier"]) == {1, 2}


def test_lots_cut_travel_for_a_criss_cross_market(scenario):
    lot = scenario[scenario["tier"] == 1]
    w = lot["visits_week"]
    cur = np.average(lot["miles_per_visit_current"], weights=w)
    prop = np.average(lot["miles_per_visit_proposed"], weights=w)
    assert prop < 0.7 * cur
    lots = scenario.attrs["lots"]
    assert (lots["saving_per_hour"] > 0).all()
    assert (lots["model_price_proposed"] < lots["model_price_current"]).all()


def test_lead_share_one_gives_densest_lots(customers):
    plan = make_assignment()
    shared = cost.proposed_scenario(customers, plan)
    single = cost.proposed_scenario(customers, plan, scenario=cost.ScenarioParams(lead_share=1.0))
    t1 = shared["tier"] == 1
    assert (
        single.loc[t1, "miles_per_visit_proposed"] < shared.loc[t1, "miles_per_visit_proposed"]
    ).all()


@pytest.mark.parametrize("by", ["lot_id", "tier", "district", ["tier", "district"]])
def test_groups_sum_to_county(scenario, by):
    county = cost.compare(scenario, by=None).iloc[0]
    groups = cost.compare(scenario, by=by)
    for col in (
        "hours",
        "visits_week",
        "weekly_spend_current",
        "weekly_spend_proposed",
        "annual_spend_proposed",
        "change_weekly",
        "care_workers",
        "miles_week_current",
        "miles_week_proposed",
    ):
        assert groups[col].sum() == pytest.approx(county[col], abs=1e-6), col
    if by != "district":  # a customer lies in one unit, so in one lot and one tier
        assert groups["customers"].sum() == county["customers"]
    assert county["care_workers"] == pytest.approx(county["hours"] / settings.HOURS_PER_CARE_WORKER)
    assert county["cost_per_customer_week_current"] == pytest.approx(
        county["weekly_spend_current"] / county["customers"]
    )


def test_cost_summary_levels(scenario):
    table = cost.cost_summary(scenario)
    assert list(table["level"].unique()) == ["county", "tier", "lot", "district"]
    assert set(table.loc[table.level == "lot", "area"]) == {"L0", "L1", "L2", "R1", "(spot)"}
    county = table[table.level == "county"].iloc[0]
    for level in ("tier", "lot", "district"):
        assert table.loc[table.level == level, "weekly_spend_proposed"].sum() == pytest.approx(
            county["weekly_spend_proposed"]
        )


def test_payment_models(scenario):
    params = cost.PaymentParams()
    pm = cost.payment_models(scenario, params=params).set_index("model")
    lot = scenario["arrangement"] == "lot"
    w = settings.WEEKS_PER_YEAR
    lot_value = scenario.loc[lot, "weekly_cost_proposed"].sum() * w
    spot_value = scenario.loc[~lot, "weekly_cost_proposed"].sum() * w
    assert pm.loc["hourly", "annual_cost"] == pytest.approx(lot_value + spot_value)
    block = lot_value * (1 - params.block_discount) / params.block_utilisation + spot_value
    assert pm.loc["block", "annual_cost"] == pytest.approx(block)
    assert pm.loc["block", "council_pays_for_unused"] > 0
    assert pm.loc["outcome", "provider_income_at_risk"] == pytest.approx(0.8)
    full = cost.payment_models(
        scenario, params=cost.PaymentParams(outcome_achievement_rate=1.0, outcome_bonus_rate=0.0)
    ).set_index("model")
    assert full.loc["outcome", "annual_cost"] == pytest.approx(pm.loc["hourly", "annual_cost"])


def test_scenario_inputs_checked(customers):
    plan = make_assignment()
    with pytest.raises(ValidationError, match="tier"):
        cost.proposed_scenario(customers, plan.assign(tier=7))
    with pytest.raises(ValidationError, match="more than once"):
        cost.proposed_scenario(customers, pd.concat([plan, plan.iloc[:1]]))
    with pytest.raises(ValidationError, match="Missing columns"):
        cost.current_scenario(customers.drop(columns="easting"))
    with pytest.raises(ValidationError, match="different tiers"):
        bad = plan.copy()
        bad.loc[0, "tier"] = 2
        cost.proposed_scenario(customers, bad)
    missing = plan[plan.unit_id != "U00"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = cost.proposed_scenario(customers, missing)
    assert any("not in the assignment" in str(w.message) for w in caught)
    assert (s.loc[s.unit_id == "U00", "arrangement"] == "spot").all()
    assert math.isclose(s["weekly_cost_current"].sum(), customers["weekly_cost"].sum())
