"""A map a member can read offline: lots on land, touching lots in different colours, place
names shipped with the package, district boundaries, Tier 3 shown and labelled."""

from __future__ import annotations

from importlib.resources import files

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from lotdesign import settings
from lotdesign.maps import (
    LOT_PALETTES,
    PLACES_ATTRIBUTION,
    district_polygons,
    lot_colours,
    lots_map,
    places_to_label,
    read_places,
    static_map,
    tier3_polygons,
)
from lotdesign.maps.shared import TIER3_LABEL, _touching
from lotdesign.units import land_mask, public_unit_polygons
from tests.test_land import HARBOUR, LAND, _grid

#: Around Horsham (BNG metres), where the shipped places hold Horsham and its villages.
X0, Y0 = 505_000.0, 120_000.0


def _cells(n: int = 40, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 20_000, (n, 2)) + [X0, Y0]
    box = shapely.box(X0, Y0, X0 + 20_000, Y0 + 20_000)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box))
    cells = shapely.intersection(cells, box)
    return gpd.GeoDataFrame(geometry=cells, crs=settings.CRS_BNG)


def _design() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    units = _cells()
    units["unit_id"] = [f"U{i:02d}" for i in range(len(units))]
    cx = units.geometry.centroid.x.to_numpy()
    cy = units.geometry.centroid.y.to_numpy()
    units["district"] = np.where(cx < X0 + 10_000, "E07000227", "E07000229")
    # Lots: a 4 x 4 grid of blocks; the south-west block is Tier 3, the east column Tier 2.
    col = np.minimum(((cx - X0) // 5_000).astype(int), 3)
    row = np.minimum(((cy - Y0) // 5_000).astype(int), 3)
    units["lot_id"] = [f"L{r}{c}" for r, c in zip(row, col, strict=True)]
    units["tier"] = np.where(col == 3, 2, 1)
    units.loc[(row == 0) & (col == 0), "tier"] = 3
    units.loc[units["tier"] == 3, "lot_id"] = None
    lots = (
        units[units["tier"] < 3]
        .dissolve(by="lot_id", aggfunc={"tier": "first"})
        .reset_index()[["lot_id", "tier", "geometry"]]
    )
    lots["hours"] = 900.0
    lots["customers"] = 80
    return lots, units


def test_touching_lots_never_share_a_colour():
    lots, _ = _design()
    fills = lot_colours(lots)
    pairs = _touching(lots)
    assert len(pairs) >= 12
    for a, b in pairs:
        assert fills[a] != fills[b], (lots.loc[a, "lot_id"], lots.loc[b, "lot_id"])
    for tier, palette in LOT_PALETTES.items():
        assert set(fills[lots["tier"] == tier]) <= set(palette)
    # Deterministic: the same lots in another row order get the same colours.
    shuffled = lots.sample(frac=1, random_state=4)
    assert lot_colours(shuffled).reindex(lots.index).tolist() == fills.tolist()


def test_many_touching_lots_still_differ():
    # 40 Voronoi lots all in Tier 1: a planar map, coloured from a palette of six.
    lots = _cells(40, seed=7)
    lots["lot_id"] = [f"L{i:02d}" for i in range(len(lots))]
    lots["tier"] = 1
    fills = lot_colours(lots)
    assert all(fills[a] != fills[b] for a, b in _touching(lots))


def test_lots_from_public_polygons_stay_on_the_land():
    pts = _grid(400, LAND)
    label = np.where(pts[:, 1] < 3_000, "AB3 1", np.where(pts[:, 0] < 6_000, "AB1 1", "AB2 1"))
    ref = pd.DataFrame(
        {"postcode": [f"{s}Z{i}" for i, s in enumerate(label)], "easting": pts[:, 0]}
    ).assign(northing=pts[:, 1])
    units = pd.DataFrame({"unit_id": ["AB1 1", "AB2 1", "AB3 1"]})
    public = public_unit_polygons(units, ref, unit_type="postcode_sector")
    lot = shapely.union_all(public.geometry.to_numpy())
    mask = land_mask(pts)
    # Nothing painted off the land the map was cut to, and next to nothing over the harbour.
    assert shapely.area(shapely.difference(lot, mask)) < 1e-6 * lot.area
    assert shapely.area(shapely.intersection(lot, HARBOUR)) < 0.01 * HARBOUR.area


def test_a_postcode_far_from_its_sector_is_drawn_with_its_neighbours(monkeypatch):
    # Two sectors side by side on a 600 m grid, and one AB1 1 postcode located deep in
    # AB2 1 (as BN11 1LW, a Worthing postcode placed on the Downs): its cell, 0.36 km2, is
    # too large for the fragment rule, so without the stray rule AB1 1 gets a detached part.
    xs, ys = np.meshgrid(np.arange(20) * 600.0, np.arange(20) * 600.0)
    pts = np.column_stack([xs.ravel(), ys.ravel()])
    label = np.where(pts[:, 0] < 6_000, "AB1 1", "AB2 1").astype(object)
    stray = np.flatnonzero((pts[:, 0] == 10_800) & (pts[:, 1] == 6_000))
    label[stray] = "AB1 1"
    walks = [chr(65 + i // 26) + chr(65 + i % 26) for i in range(len(pts))]  # AA, AB, ...
    ref = pd.DataFrame(
        {"postcode": [f"{s}{w}" for s, w in zip(label, walks, strict=True)], "easting": pts[:, 0]}
    ).assign(northing=pts[:, 1])
    units = pd.DataFrame({"unit_id": ["AB1 1", "AB2 1"]})
    area = shapely.box(-300, -300, 11_700, 11_700)

    def parts(public):
        return public.set_index("unit_id").geometry.map(lambda g: len(shapely.get_parts(g)))

    public = public_unit_polygons(units, ref, unit_type="postcode_sector", study_area=area)
    assert parts(public).to_dict() == {"AB1 1": 1, "AB2 1": 1}
    ab2 = public.set_index("unit_id").geometry["AB2 1"]
    assert ab2.contains(shapely.Point(pts[stray[0]]))
    monkeypatch.setattr(settings, "PUBLIC_GEOMETRY_STRAY_M", 0.0)
    drawn = public_unit_polygons(units, ref, unit_type="postcode_sector", study_area=area)
    assert parts(drawn).to_dict() == {"AB1 1": 2, "AB2 1": 1}
    # A unit whose postcodes are all far apart keeps them (it would vanish otherwise).
    monkeypatch.setattr(settings, "PUBLIC_GEOMETRY_STRAY_M", 3_000.0)
    lone = ref.copy()
    lone.loc[[0, 399], "postcode"] = ["AB9 9AA", "AB9 9AB"]
    kept = public_unit_polygons(
        pd.DataFrame({"unit_id": ["AB1 1", "AB2 1", "AB9 9"]}), lone,
        unit_type="postcode_sector", study_area=area,
    )  # fmt: skip
    assert parts(kept)["AB9 9"] == 2


def test_lot_labels_keep_clear_of_town_names():
    from lotdesign.maps.shared import _places, _spacing, lot_label_points

    town = _places().set_index("name").loc["Burgess Hill"]
    county = shapely.box(town.x - 40_000, town.y - 30_000, town.x + 40_000, town.y + 30_000)
    unit = _spacing(county)
    # The name as drawn: centred above its point, about a letter's width per character.
    name = shapely.box(
        town.x - 0.07 * len("Burgess Hill") * unit, town.y,
        town.x + 0.07 * len("Burgess Hill") * unit, town.y + 0.45 * unit,
    )  # fmt: skip
    round_town = shapely.box(town.x - 4_000, town.y - 3_000, town.x + 4_000, town.y + 3_000)
    elsewhere = shapely.box(town.x - 28_000, town.y - 3_000, town.x - 22_000, town.y + 3_000)
    tiny = shapely.box(town.x - 300, town.y, town.x + 300, town.y + 600)  # all under the name
    lots = gpd.GeoDataFrame(geometry=[round_town, elsewhere, tiny], crs=settings.CRS_BNG)
    spots = lot_label_points(lots, county)
    assert all(lot.contains(spot) for lot, spot in zip(lots.geometry, spots, strict=True))
    # The town's lot is labelled off the name; its middle (where it was) is under it.
    assert name.intersects(round_town.centroid) and name.distance(spots[0]) > 0.1 * unit
    # Away from towns the label sits mid-lot; a lot with no room clear of a name keeps its own.
    assert spots[1].distance(elsewhere.centroid) < 0.1 * unit
    assert spots[2].distance(tiny.centroid) < 50


def test_tier3_and_districts_come_from_the_public_units():
    _, units = _design()
    t3 = tier3_polygons(units)
    assert t3 is not None and len(t3) == 1 and set(t3["label"]) == {TIER3_LABEL}
    assert t3.geometry.area.sum() == pytest.approx(
        units.loc[units["tier"] == 3].geometry.area.sum(), rel=1e-6
    )
    d = district_polygons(units, names={"E07000227": "Horsham"})
    assert sorted(d["name"]) == ["E07000229", "Horsham"]
    assert d.geometry.area.sum() == pytest.approx(units.geometry.area.sum(), rel=1e-6)
    assert district_polygons(units.drop(columns="district")) is None
    assert tier3_polygons(units.assign(tier=1)) is None


def test_places_ship_small_and_cover_england():
    path = files("lotdesign") / "assets" / "places" / "england_places.csv.gz"
    assert len(path.read_bytes()) < 300_000
    places = read_places()
    assert len(places) > 2_000 and places["population"].min() >= 1_000
    # Inside England's grid extent (Isles of Scilly to Berwick).
    assert places["x"].between(80_000, 660_000).all()
    assert places["y"].between(0, 660_000).all()
    assert "Horsham" in set(places["name"])


def test_place_labels_are_the_larger_places_and_do_not_crowd():
    area = shapely.box(470_000, 90_000, 545_000, 145_000)
    chosen = places_to_label(area, max_labels=20)
    assert len(chosen) == 20
    assert chosen["population"].is_monotonic_decreasing
    assert {"Crawley", "Worthing", "Horsham", "Chichester"} <= set(chosen["name"])
    spacing = 75_000 / 22
    xy = chosen[["x", "y"]].to_numpy()
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert d[np.triu_indices(len(xy), 1)].min() >= spacing
    assert places_to_label(shapely.box(0, 0, 10, 10)).empty


def test_member_map_shows_tier3_districts_and_places(tmp_path):
    lots, units = _design()
    page_path = tmp_path / "lots.html"
    lots_map(lots, units, title="Members' map", path=page_path, max_count=7)
    page = page_path.read_text(encoding="utf-8")
    assert "lotdesign-tier3-hatch" in page and TIER3_LABEL in page
    assert "District boundaries (2)" in page and "District boundary" in page
    assert "Horsham" in page and PLACES_ATTRIBUTION in page
    assert "Touching lots have different colours" in page

    written = static_map(lots, units, path=tmp_path / "lots", formats=("svg",))
    svg = written[0].read_text(encoding="utf-8")
    assert TIER3_LABEL in svg and "Horsham" in svg and PLACES_ATTRIBUTION in svg
    assert "Tier 3" in svg and "District" in svg


def test_place_names_can_be_left_off(tmp_path):
    lots, units = _design()
    lots_map(lots, units, path=tmp_path / "m.html", place_names=False, max_count=7)
    assert PLACES_ATTRIBUTION not in (tmp_path / "m.html").read_text(encoding="utf-8")
