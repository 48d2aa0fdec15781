"""West Sussex from real demography: Census 2021 over-65s by LSOA on real postcodes.

Demand is synthetic, geography real (``lotdesign.datasets.census``), at the 2019 scale of the
seed's design (~2,000 customers, ~20,000 h) and at 2024's (~2,400 customers, ~30,000 h).
Skipped without ../shared/data/westsussex.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from lotdesign import settings
from lotdesign.datasets.census import CENSUS_SCALES, census_extract
from lotdesign.pipeline import run

pytestmark = pytest.mark.shared

#: Chichester Harbour's shores, by postcode sector: the Witterings and Itchenor to the south,
#: Bosham, Chidham and Southbourne to the north (2.7 miles apart straight, 7.4 over land).
HARBOUR_SOUTH = {"PO20 7", "PO20 8"}
HARBOUR_NORTH = {"PO18 8", "PO10 8"}


@pytest.fixture(scope="module")
def county(shared_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ws_census")
    runs = {}
    for scale in ("2019", "2024"):
        customers, hours = CENSUS_SCALES[scale]
        extract = census_extract(shared_dir, customers=customers, hours=hours, seed=1)
        extract.to_csv(tmp / f"extract_{scale}.csv", index=False)
        config = {
            "name": f"West Sussex {scale} from the census",
            "synthetic": True,
            "inputs": {
                "packages": f"extract_{scale}.csv",
                "columns": {k: k for k in ("customer_id", "postcode", "weekly_hours")},
                "postcode_lookup": [
                    str(shared_dir / "codepoint_open_2025_04_westsussex.csv"),
                    str(shared_dir / "pcd_oa11_lsoa11_msoa11_lad_2022_05.csv"),
                ],
                # ONS LSOA 2021 boundaries, clipped to the coast: the land units touch over.
                "boundaries": str(shared_dir / "lsoa21_boundaries.geojson"),
            },
            "rules": {"policy": "viable"},
            "outputs": {"processed": f"p{scale}", "reports": f"r{scale}"},
        }
        path = tmp / f"ws_{scale}.yaml"
        path.write_text(yaml.safe_dump(config))
        runs[scale] = run(path, quiet=True, until="lots")
    return runs


def test_2019_scale_gives_about_20_lots_holding_85_percent(county):
    result = county["2019"]
    assert result.units["hours"].sum() == pytest.approx(20_000, rel=0.01)
    tiers = result.tiers.checks
    assert abs(tiers["tier1_lots"] - settings.SEED_TIER1_AREAS) <= 3
    assert tiers["tier1_share"] >= settings.SEED_TIER1_SHARE
    table = result.tiers.lots
    t1 = table[table["tier"].eq(1)]
    assert t1["hours"].mean() > 850  # viable: fuller than the compact policy's lots
    policies = {row["policy"]: row for row in result.plan.stats["policy_tradeoff"]}
    assert policies["viable"]["lots"] < policies["compact"]["lots"]
    assert policies["viable"]["mean_hours"] > policies["compact"]["mean_hours"]


@pytest.mark.parametrize("scale", ["2019", "2024"])
def test_no_customer_is_beyond_reach_of_a_lot_centre(county, scale):
    result = county[scale]
    table = result.checks.table
    t1 = table[table["tier"].eq(1)]
    assert t1["passes"].all() and (t1["reach_to"] == "customers").all()
    assert (t1["customers_beyond"] == 0).all()
    assert (t1["max_minutes"] <= settings.LOT_MAX_DRIVE_MINUTES + 1e-9).all()
    # Independently: every Tier 1 customer's postcode within 7 miles of the lot centre.
    lots = result.tiers.lots.set_index("lot_id")
    a = result.tiers.assignment[["unit_id", "lot_id", "tier"]]
    c = result.customers.merge(a, on="unit_id")
    c = c[c["tier"].eq(1)]
    dx = c["easting"].to_numpy() - c["lot_id"].map(lots["centre_x"]).to_numpy()
    dy = c["northing"].to_numpy() - c["lot_id"].map(lots["centre_y"]).to_numpy()
    miles = np.hypot(dx, dy) / settings.METRES_PER_MILE
    assert miles.max() <= settings.LOT_MAX_RADIUS_MILES + 1e-9


def test_2024_scale_keeps_the_seed_share(county):
    result = county["2024"]
    assert result.units["hours"].sum() == pytest.approx(2400 * 12.6, rel=0.01)
    assert result.tiers.checks["tier1_share"] >= settings.SEED_TIER1_SHARE


def test_tier2_zones_are_rural(county):
    for result in county.values():
        a = result.tiers.assignment.merge(result.units[["unit_id", "rurality"]], on="unit_id")
        assert not a.loc[a["tier"].eq(2), "rurality"].eq("urban").any()
        urban3 = a["tier"].eq(3) & a["rurality"].eq("urban")
        assert a.loc[urban3, "tier_reason"].str.contains("rural areas only").all()


def test_no_lot_spans_chichester_harbour(county):
    # Without a road file: unit cells end at the coast (the boundary file is clipped to it)
    # and drive times across the harbour follow the land round it (travel.LandPaths).
    # Postcodes alone cannot show the harbour's inner channels: Bosham Hoe and Itchenor
    # postcodes are 985 m apart across the water, as close as farms are across fields.
    for result in county.values():
        a = result.tiers.assignment
        for _, group in a[a["tier"].eq(1)].groupby("lot_id"):
            sectors = set(group["unit_id"])
            assert not (sectors & HARBOUR_SOUTH and sectors & HARBOUR_NORTH)


def test_lots_are_not_painted_over_the_sea(county, shared_dir):
    # Shared maps draw lots from public unit polygons cut to the land (here the boundary
    # file's); the sea is what lies off the LSOA 2021 boundaries (clipped to the coast)
    # along the county's coast. Before, lots lay up to 36% over the sea here.
    import geopandas as gpd
    import shapely

    from lotdesign import checks
    from lotdesign.pipeline import _area_postcodes, _public_units
    from lotdesign.units import public_unit_polygons

    lsoa = gpd.read_file(shared_dir / "lsoa21_boundaries.geojson").to_crs(settings.CRS_BNG)
    land = shapely.union_all(lsoa.geometry.to_numpy())
    sea = shapely.box(474_000, 80_000, 524_500, 106_000).difference(land)
    for result in county.values():
        # With the boundary file, and from the postcodes alone (land_mask).
        from_postcodes = public_unit_polygons(
            result.units, _area_postcodes(result), unit_type="postcode_sector"
        )
        for public, worst in ((_public_units(result), 0.001), (from_postcodes, 0.06)):
            lots = checks.lot_polygons(public, result.tiers.assignment, result.checks.table)
            lots = lots[lots.geometry.notna()]
            share = shapely.area(shapely.intersection(lots.geometry.to_numpy(), sea)) / lots.area
            assert share.max() < worst, share.sort_values().tail(3)
            assert share.mean() < 0.01
