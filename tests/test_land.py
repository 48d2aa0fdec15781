"""Neighbours and drive times over land, on a hand-made harbour.

The land is a 12 km square with a harbour 4 km wide cut into it from the north, 9 km deep:
points on the west and east shores are 8 km apart straight across the water, and about
16.6 km apart round the head of the harbour.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from lotdesign import ValidationError, settings
from lotdesign.lots import LotRules
from lotdesign.lots.instance import _Instance
from lotdesign.travel import LandPaths, TravelModel, land_of_units
from lotdesign.units import build_units, land_mask, neighbour_map, public_unit_polygons

SQUARE = shapely.box(0, 0, 12_000, 12_000)
HARBOUR = shapely.box(4_000, 3_000, 8_000, 12_000)
LAND = SQUARE.difference(HARBOUR)
WEST, EAST = (2_000.0, 9_000.0), (10_000.0, 9_000.0)
#: Round the head of the harbour: down the west shore, across its head, up the east shore.
ROUND = 2 * np.hypot(2_000, 6_000) + 4_000


def _grid(spacing: float, region: shapely.Geometry) -> np.ndarray:
    xs = np.arange(spacing / 2, 12_000, spacing)
    gx, gy = np.meshgrid(xs, xs)
    inside = shapely.contains_xy(region, gx, gy)
    return np.column_stack([gx[inside], gy[inside]])


def test_path_goes_round_the_harbour_not_across_it():
    paths = LandPaths(LAND)
    across = paths.metres(*WEST, np.array([EAST[0]]), np.array([EAST[1]]))[0]
    assert across == pytest.approx(ROUND, rel=0.06)
    assert across > 2 * (EAST[0] - WEST[0])


def test_the_raster_tells_lines_on_land_from_lines_over_water():
    paths = LandPaths(LAND)
    bx, by = np.array([EAST[0], 3_000.0, 1_000.0]), np.array([EAST[1], 1_000.0, 500.0])
    assert paths.on_land(*WEST, bx, by).tolist() == [False, True, True]


def test_path_over_open_land_is_the_straight_line():
    paths = LandPaths(SQUARE)
    bx, by = np.array([11_000.0, 6_000.0, 1_000.0]), np.array([1_000.0, 11_500.0, 5_000.0])
    got = paths.metres(500.0, 500.0, bx, by)
    straight = np.hypot(bx - 500, by - 500)
    assert np.all(got <= straight * 1.03 + 1)
    assert np.all(got >= straight)


def test_an_island_is_joined_by_its_shortest_gap():
    island = shapely.box(20_000, 0, 22_000, 2_000)
    paths = LandPaths(shapely.union_all([SQUARE, island]))
    got = paths.metres(11_000.0, 1_000.0, np.array([21_000.0]), np.array([1_000.0]))[0]
    assert np.isfinite(got) and got == pytest.approx(10_000, rel=0.1)


@pytest.mark.parametrize("raster_first", [False, True])
def test_travel_model_times_follow_the_land(raster_first, monkeypatch):
    # Large lands look lines up in the raster before searching: same answers either way.
    if raster_first:
        monkeypatch.setattr("lotdesign.travel._RASTER_FIRST_NODES", 0)
    ids = ["west", "east", "west2"]
    x = np.array([WEST[0], EAST[0], WEST[0]])
    y = np.array([WEST[1], EAST[1], 1_000.0])
    rur = ["urban"] * 3
    straight = TravelModel(ids, x, y, rur)
    land = TravelModel(ids, x, y, rur, land=LandPaths(LAND))
    # Across the water: the path round the harbour, both ways.
    assert land.minutes(0, 1) == pytest.approx(straight.minutes(0, 1) * ROUND / 8_000, rel=0.06)
    assert land.minutes(1, 0) == pytest.approx(land.minutes(0, 1))
    # Along one shore the straight line stays on land: unchanged.
    assert land.minutes(0, 2) == pytest.approx(straight.minutes(0, 2))
    # Broadcast forms agree with scalar calls; miles stay the straight line (a radius rule).
    grid = land.minutes(np.arange(3)[:, None], np.arange(3)[None, :])
    assert grid[0, 1] == pytest.approx(land.minutes(0, 1))
    assert grid[2, 1] == pytest.approx(land.minutes(2, 1))
    assert land.miles(0, 1) == pytest.approx(straight.miles(0, 1))


def test_lines_all_on_land_need_no_search_over_it(monkeypatch):
    # South of the harbour every line stays on land: the raster says so and no path is
    # searched (a Dijkstra over the whole land per point, measured as most of the land
    # paths' time on the 35,000-unit grid).
    monkeypatch.setattr("lotdesign.travel._RASTER_FIRST_NODES", 0)
    x = np.array([1_000.0, 6_000.0, 11_000.0])
    y = np.array([1_000.0, 2_000.0, 1_500.0])
    paths = LandPaths(LAND)
    land = TravelModel(["a", "b", "c"], x, y, ["urban"] * 3, land=paths)
    straight = TravelModel(["a", "b", "c"], x, y, ["urban"] * 3)
    assert land.minutes(0, np.arange(3)).tolist() == straight.minutes(0, np.arange(3)).tolist()
    assert len(paths._rows) == 0
    # A line over the water is still searched: one path search, from its source.
    across = TravelModel(
        ["w", "e"], np.array([WEST[0], EAST[0]]), np.array([WEST[1], EAST[1]]),
        ["urban"] * 2, land=paths,
    )  # fmt: skip
    assert across.land_metres(0, 1) == pytest.approx(ROUND, rel=0.06)
    assert len(paths._rows) == 1


def test_from_units_builds_land_from_non_convex_unit_polygons_only():
    west = shapely.box(0, 0, 4_000, 12_000)
    south = shapely.box(4_000, 0, 8_000, 3_000)
    east = shapely.box(8_000, 0, 12_000, 12_000)
    units = gpd.GeoDataFrame(
        {
            "unit_id": ["W", "S", "E"],
            "x": [WEST[0], 6_000.0, EAST[0]],
            "y": [WEST[1], 1_500.0, EAST[1]],
            "rurality": ["urban"] * 3,
        },
        geometry=[west, south, east],
        crs=settings.CRS_BNG,
    )
    model = TravelModel.from_units(units)
    assert model.land is not None
    assert model.minutes(0, 2) > 2 * TravelModel.from_units(units, land=None).minutes(0, 2)
    # Fill the harbour: the union is a square, with nothing to go round.
    filled = units.copy()
    filled.loc[1, "geometry"] = shapely.box(4_000, 0, 8_000, 12_000)
    assert land_of_units(filled) is None
    # A plain frame has no polygons: straight lines.
    assert TravelModel.from_units(pd.DataFrame(units.drop(columns="geometry"))).land is None
    with pytest.raises(ValidationError):
        TravelModel.from_units(units, land="roads")


def _shore_units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "unit_id": ["W", "S", "E"],
            "x": [WEST[0], 6_000.0, EAST[0]],
            "y": [WEST[1], 1_500.0, EAST[1]],
            "rurality": ["urban"] * 3,
            "hours": [10.0] * 3,
            "customers": [1] * 3,
            "neighbours": ["S", "W;E", "S"],
        },
        geometry=[
            shapely.box(0, 0, 4_000, 12_000),
            shapely.box(4_000, 0, 8_000, 3_000),
            shapely.box(8_000, 0, 12_000, 12_000),
        ],
        crs=settings.CRS_BNG,
    )


def test_lot_rules_carry_the_paths_over_land_to_every_model():
    units = _shore_units()
    straight = _Instance(units, LotRules(land_paths=False)).travel
    assert straight.land is None
    default = _Instance(units, LotRules()).travel
    assert default.land is not None and default.land.grid_m == settings.LAND_GRID_M
    assert default.minutes(0, 2) > 2 * straight.minutes(0, 2)
    fine = _Instance(units, LotRules(land_grid_m=250, land_path_limit_m=25_000)).travel
    assert (fine.land.grid_m, fine.land.limit_m) == (250, 25_000)
    assert fine.land_metres(0, 2) == pytest.approx(ROUND, rel=0.04)
    # The path round the harbour is about twice the line across it: a detour ratio above
    # that takes the straight line.
    lenient = _Instance(units, LotRules(land_detour_ratio=2.5)).travel
    assert lenient.minutes(0, 2) == pytest.approx(straight.minutes(0, 2))
    with pytest.raises(ValidationError, match="land_detour_ratio"):
        LotRules(land_detour_ratio=0.5)
    with pytest.raises(ValidationError, match="land_grid_m"):
        LotRules(land_grid_m=0)
    with pytest.raises(ValidationError, match="land_paths must be True or False"):
        LotRules(land_paths="no")
    # A grid too fine for the land is refused before it is built, naming the way out.
    with pytest.raises(ValidationError, match="travel.land_grid_m"):
        LandPaths(LAND, grid_m=5.0)


def test_land_mask_keeps_the_harbour_open_and_fills_empty_land():
    # Postcodes every 400 m on the land, none on the water, none in a 2 x 3 km wood inland.
    wood = shapely.box(1_000, 4_000, 3_000, 7_000)
    points = _grid(400, LAND.difference(wood))
    mask = land_mask(points)
    water = HARBOUR.buffer(-1_000)
    assert shapely.area(shapely.intersection(mask, water)) < 0.02 * water.area
    assert mask.covers(wood)  # enclosed by land: filled
    # The coast runs along the outermost postcodes, here 200 m in from the land's edge.
    assert shapely.area(shapely.intersection(mask, LAND)) > 0.85 * LAND.area
    assert shapely.area(shapely.difference(mask, LAND)) < 0.005 * LAND.area
    with pytest.raises(ValidationError):
        land_mask(np.empty((0, 2)))


def _shore_customers() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers on the west shore (AB1 1), east shore (AB2 1) and south land (AB3 1)."""
    rng = np.random.default_rng(0)
    rows = []
    for sector, (cx, cy) in (("AB1 1", WEST), ("AB2 1", EAST), ("AB3 1", (6_000.0, 1_500.0))):
        for i in range(20):
            rows.append(
                {
                    "customer_id": f"{sector}-{i}",
                    "postcode": f"{sector}A{chr(65 + i)}",
                    "unit_id": sector,
                    "weekly_hours": 10.0,
                    "weekly_cost": 280.0,
                    "easting": cx + rng.uniform(-1_000, 1_000),
                    "northing": cy + rng.uniform(-800, 800),
                    "district": "E07000225",
                    "rurality": "urban",
                }
            )
    customers = pd.DataFrame(rows)
    pts = _grid(400, LAND)
    label = np.where(pts[:, 1] < 3_000, "AB3 1", np.where(pts[:, 0] < 6_000, "AB1 1", "AB2 1"))
    ref = pd.DataFrame(
        {
            "postcode": [f"{s}Z{i}" for i, s in enumerate(label)],
            "easting": pts[:, 0],
            "northing": pts[:, 1],
        }
    )
    return customers, ref


def test_units_on_two_shores_are_not_neighbours_across_the_water():
    customers, ref = _shore_customers()
    units = build_units(customers, reference_postcodes=ref)
    near = neighbour_map(units)
    assert "AB2 1" not in near["AB1 1"]
    assert set(near["AB3 1"]) == {"AB1 1", "AB2 1"}
    # The cells end at the coast: next to nothing of them is water.
    over_water = shapely.area(shapely.intersection(units.geometry.to_numpy(), HARBOUR.buffer(-600)))
    assert over_water.sum() < 0.01 * units.geometry.area.sum()
    # Without the postcodes of the area there is no land to go by: the old hull touches.
    hull_units = build_units(customers)
    assert "AB2 1" in neighbour_map(hull_units)["AB1 1"]


def test_a_wider_closing_bridges_the_harbour_in_units_and_shared_polygons_alike():
    # The harbour is 4 km wide: a closing radius above 2 km makes it land.
    customers, ref = _shore_customers()
    bridged = build_units(customers, reference_postcodes=ref, land_closing_m=2_500)
    assert "AB2 1" in neighbour_map(bridged)["AB1 1"]
    water = HARBOUR.buffer(-600)
    shares = []
    for closing in (None, 2_500):
        public = public_unit_polygons(
            bridged, ref, unit_type="postcode_sector", land_closing_m=closing
        )
        shares.append(shapely.area(shapely.intersection(public.union_all(), water)) / water.area)
    # (The public study area, a concave hull of the postcodes, still cuts into the harbour.)
    assert shares[0] < 0.01 and shares[1] > 0.1


def test_the_run_spec_land_closing_reaches_the_units(tmp_path):
    import yaml

    from lotdesign.datasets.demo import make_demo
    from lotdesign.pipeline import run

    files = make_demo(
        tmp_path / "raw", districts=["E07000229"], n_customers=300,
        processed_dir=str(tmp_path / "p"), reports_dir=str(tmp_path / "r"),
    )  # fmt: skip
    areas = []
    for closing in (None, 4_000):
        spec = yaml.safe_load(files.config.read_text())
        if closing is not None:
            spec["inputs"]["land_closing_m"] = closing
        config = files.config.parent / f"c{closing}.yaml"
        config.write_text(yaml.safe_dump(spec))
        units = run(config, quiet=True, until="units", write=False).units
        areas.append(float(units.geometry.area.sum()))
    # Worthing's coast: a 4 km closing takes in more of the sea than the default 1 km.
    assert areas[1] > areas[0] * 1.01, areas
