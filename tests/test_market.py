"""Tests for lotdesign.market: shares, HHI, spread, criss-cross, prices, workforce."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lotdesign import market, settings
from lotdesign.errors import ValidationError


def lines_frame(x, y, providers, hours=None, rate=None, district="E07000001", unit="U1"):
    n = len(x)
    hours = np.full(n, 10.0) if hours is None else np.asarray(hours, float)
    rate = np.full(n, 25.0) if rate is None else np.asarray(rate, float)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "weekly_hours": hours,
            "weekly_cost": hours * rate,
            "hourly_rate": rate,
            "provider": list(providers),
            "easting": np.asarray(x, float),
            "northing": np.asarray(y, float),
            "district": district,
            "rurality": "urban",
            "unit_id": unit,
        }
    )


def county_row(summary: pd.DataFrame) -> pd.Series:
    return summary[summary["level"] == "county"].iloc[0]


@pytest.fixture(scope="module")
def grid_points():
    rng = np.random.default_rng(4)
    return rng.uniform(0, 10_000, (400, 2))


def test_hhi_and_shares():
    x = np.arange(10) * 100.0
    lines = lines_frame(x, x % 300, ["A"] * 5 + ["B"] * 3 + ["C"] * 2)
    row = county_row(market.market_summary(lines))
    assert row["providers"] == 3
    assert row["hhi"] == pytest.approx(10_000 * (0.5**2 + 0.3**2 + 0.2**2))
    assert row["top_provider_share"] == pytest.approx(0.5)
    assert row["customers_per_provider"] == pytest.approx(10 / 3)
    assert row["hours_per_provider"] == pytest.approx(100 / 3)


def test_criss_cross_is_one_for_zones_and_about_root_p_for_overlap(grid_points):
    x, y = grid_points[:, 0], grid_points[:, 1]
    zoned = np.where(x < 5000, "W", "E").astype(str)
    zoned = np.char.add(zoned, np.where(y < 5000, "S", "N"))
    mixed = np.array(list("ABCD"))[np.arange(len(x)) % 4]
    z = county_row(market.market_summary(lines_frame(x, y, zoned)))
    m = county_row(market.market_summary(lines_frame(x, y, mixed)))
    # Separate quadrants: own networks add to about the whole one (plus the cut links saved).
    assert z["criss_cross_index"] == pytest.approx(1.0, abs=0.05)
    # Four providers each over the whole square: about sqrt(4) times the driving.
    assert m["criss_cross_index"] == pytest.approx(2.0, rel=0.15)
    assert z["overlap_depth"] == 0.0
    assert m["overlap_depth"] > 2.5  # inside most of the other three providers' patches
    assert m["spread_km"] > 1.8 * z["spread_km"]


def test_price_dispersion_between_districts():
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0, 5000, (2, 40))
    a = lines_frame(x[:20], y[:20], ["A"] * 20, rate=np.full(20, 20.0), district="D1", unit="U1")
    b = lines_frame(x[20:], y[20:], ["B"] * 20, rate=np.full(20, 30.0), district="D2", unit="U2")
    b["customer_id"] = b["customer_id"] + "b"
    s = market.market_summary(pd.concat([a, b], ignore_index=True))
    d = s[s.level == "district"].set_index("area")
    assert d.loc["D1", "mean_rate"] == pytest.approx(20.0)
    assert d.loc["D2", "rate_index"] == pytest.approx(30.0 / 25.0)
    assert d.loc["D1", "rate_cv"] == pytest.approx(0.0)
    c = county_row(s)
    assert c["rate_cv"] == pytest.approx(0.2)  # rates 20 and 30, equal hours
    assert c["between_area_rate_cv"] == pytest.approx(0.2)


def test_workforce_needs():
    x = np.arange(9) * 500.0
    lines = lines_frame(x, x * 0.3, ["A"] * 9, hours=np.full(9, 20.0))
    row = county_row(market.market_summary(lines))
    workers = 180 / settings.HOURS_PER_CARE_WORKER
    assert row["care_workers"] == pytest.approx(workers)
    assert row["leavers_per_year"] == pytest.approx(workers * settings.WORKFORCE_TURNOVER)
    assert row["vacancies"] == pytest.approx(workers * settings.WORKFORCE_VACANCY)
    assert row["recruits_per_year"] == pytest.approx(
        workers * (settings.WORKFORCE_TURNOVER + settings.WORKFORCE_VACANCY)
    )


def test_lots_and_districts_sum_to_county(grid_points):
    x, y = grid_points[:, 0], grid_points[:, 1]
    providers = np.array(list("ABCDEFG"))[np.arange(len(x)) % 7]
    units = np.char.add("U", ((x // 5000) * 2 + (y // 5000)).astype(int).astype(str))
    lines = lines_frame(x, y, providers)
    lines["unit_id"] = units
    lines["district"] = np.where(x < 5000, "D1", "D2")
    plan = pd.DataFrame(
        {
            "unit_id": ["U0", "U1", "U2", "U3"],
            "lot_id": ["L1", "L1", "L2", None],
            "tier": [1, 1, 2, 3],
        }
    )
    s = market.market_summary(lines, assignment=plan)
    county = county_row(s)
    for level in ("district", "lot"):
        part = s[s.level == level]
        assert part["hours"].sum() == pytest.approx(county["hours"])
        assert part["customers"].sum() == county["customers"]
        assert part["care_workers"].sum() == pytest.approx(county["care_workers"])
    lots = s[s.level == "lot"].set_index("area")
    assert set(lots.index) == {"L1", "L2", "(spot)"}
    lead = settings.LEAD_PROVIDER_SHARE
    assert lots.loc["L1", "hhi_proposed"] == pytest.approx(10_000 * (lead**2 + (1 - lead) ** 2))
    assert lots.loc["L2", "providers_proposed"] == 1
    assert lots.loc["L1", "hhi_proposed"] > lots.loc["L1", "hhi"]
    assert math.isnan(lots.loc["(spot)", "tier"])


def test_provider_summary_and_unknown_providers():
    x = np.arange(8) * 1000.0
    lines = lines_frame(x, np.zeros(8), ["A", "A", "A", "B", "B", None, None, None])
    p = market.provider_summary(lines)
    assert set(p["provider"]) == {"A", "B", "(unknown) E07000001"}
    assert p["share"].sum() == pytest.approx(1.0)
    a = p.set_index("provider").loc["A"]
    assert a["customers"] == 3
    assert a["mst_km"] == pytest.approx(2.0)
    assert a["spread_km"] == pytest.approx(math.sqrt(2 / 3))
    by = market.provider_summary(lines, by="district")
    assert list(by.columns[:2]) == ["district", "provider"]


def test_customers_frame_fills_units():
    x = np.arange(5) * 100.0
    lines = lines_frame(x, x, ["A"] * 5).drop(columns=["unit_id"])
    customers = lines_frame(x, x, ["A"] * 5, unit="U9")
    s = market.market_summary(
        lines, customers, assignment=pd.DataFrame({"unit_id": ["U9"], "lot_id": ["L"], "tier": [1]})
    )
    assert "L" in set(s["area"])


def test_inputs_checked():
    lines = lines_frame([0, 1, 2], [0, 1, 0], ["A", "B", "C"])
    with pytest.raises(ValidationError, match="Missing columns"):
        market.market_summary(lines.drop(columns="provider"))
    with pytest.raises(ValidationError, match="turnover"):
        market.market_summary(lines, turnover=37.4)
    with pytest.raises(ValidationError, match="weekly_hours"):
        market.market_summary(lines.assign(weekly_hours=-1.0))


def mixed_market() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lines sharing points, unknown providers, one provider at one point, one on a line."""
    rng = np.random.default_rng(13)
    n = 600
    pts = np.round(rng.uniform(0, 20_000, (120, 2)))
    pts[:10] = np.column_stack([np.arange(10) * 250.0, np.full(10, 4_000.0)])  # collinear
    at = rng.integers(0, len(pts), n)
    at[:4] = 50  # "Solo" works at one point
    at[4:9] = np.arange(5)  # "Line" works along the collinear run: no patch
    provider = np.array([f"P{p}" for p in rng.integers(0, 9, n)], dtype=object)
    provider[:4], provider[4:9] = "Solo", "Line"
    provider[rng.random(n) < 0.05] = None
    hours = np.round(rng.lognormal(2, 0.6, n) * 4) / 4
    cost = hours * rng.uniform(20, 30, n)
    cost[::17] = np.nan
    x, y = pts[at, 0], pts[at, 1]
    lines = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in rng.integers(0, 400, n)],
            "weekly_hours": hours,
            "weekly_cost": cost,
            "provider": provider,
            "easting": x,
            "northing": y,
            "district": np.where(x < 10_000, "D1", "D2"),
            "unit_id": [f"U{u}" for u in (x // 10_000).astype(int) * 2 + (y // 10_000).astype(int)],
        }
    )
    plan = pd.DataFrame(
        {
            "unit_id": ["U0", "U1", "U2", "U3"],
            "lot_id": ["L1", "L1", "L2", None],
            "tier": [1, 1, 2, 3],
        }
    )
    return lines, plan


def test_market_figures_match_the_per_group_computation():
    # Known values from the first implementation (one spanning tree, one hull set and one
    # spread per pandas group per area), before the figures were computed on arrays in one
    # batch; they agreed to 6e-16 relative on this and larger fixtures.
    lines, plan = mixed_market()
    s = market.market_summary(lines, assignment=plan).set_index("area")
    known = [  # area, criss_cross_index, overlap_depth, spread_km
        ("county", 6.3622176694040435, 6.696666666666666, 7.958229057467164),
        ("D1", 6.18155429077546, 5.924698795180723, 6.296740417126688),
        ("D2", 6.574149065710042, 5.552238805970149, 6.6485476281927784),
        ("(spot)", 5.796446089493049, 2.9761904761904763, 4.292713081008457),
        ("L1", 6.18155429077546, 5.924698795180723, 6.296740417126688),
        ("L2", 6.517151738892534, 4.070422535211268, 3.8813782872704254),
    ]
    for area, cci, depth, spread in known:
        assert s.loc[area, "criss_cross_index"] == pytest.approx(cci, rel=1e-12)
        assert s.loc[area, "overlap_depth"] == pytest.approx(depth, rel=1e-12)
        assert s.loc[area, "spread_km"] == pytest.approx(spread, rel=1e-12)
    assert list(s["providers"]) == [13, 12, 10, 10, 12, 10]
    assert list(s["customers"]) == [310, 227, 190, 105, 227, 114]
    assert s.loc["county", "hours"] == pytest.approx(5226.0)


def test_batched_spanning_trees_match_delaunay_ones():
    from lotdesign.cost import mst_length

    rng = np.random.default_rng(5)
    sets = [rng.uniform(0, 5_000, (n, 2)) for n in (2, 3, 4, 7, 20, 48, 49, 130)]
    sets.append(np.column_stack([np.arange(12) * 100.0, np.zeros(12)]))  # collinear
    gx, gy = np.meshgrid(np.arange(6) * 100.0, np.arange(5) * 100.0)
    sets.append(np.column_stack([gx.ravel(), gy.ravel()]))  # a grid: many equal edges
    sets.append(np.array([[1.0, 1.0], [1.0, 1.0], [4.0, 5.0]]))  # a repeated point
    points, point = np.unique(np.vstack(sets), axis=0, return_inverse=True)
    group = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
    got = market._mst_lengths(group, point.ravel(), points, n_groups=len(sets) + 1)
    want = [mst_length(s) for s in sets] + [0.0]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[-2] == pytest.approx(5.0)
    assert got[-3] == pytest.approx(29 * 100.0)
