import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from lotdesign import ValidationError
from lotdesign.io.packages import read_packages
from lotdesign.io.practices import read_epraccur
from lotdesign.units import (
    UNIT_COLUMNS,
    assign_units,
    build_units,
    make_units,
    neighbour_map,
    write_units,
)
from tests.conftest import COLUMNS


def _customers(n=300, seed=0):
    """Customers scattered over three towns on a 30 km square, in the customers contract."""
    rng = np.random.default_rng(seed)
    towns = np.array([[510000, 110000], [525000, 125000], [505000, 130000]])
    which = rng.integers(0, 3, n)
    xy = towns[which] + rng.normal(0, 2500, (n, 2))
    sectors = [
        f"RH{10 + w} {int(abs(x) // 1500) % 4}" for w, x in zip(which, xy[:, 0], strict=True)
    ]
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "postcode": [f"{s}AB" for s in sectors],
            "weekly_hours": rng.lognormal(2.2, 0.7, n),
            "weekly_cost": 0.0,
            "easting": xy[:, 0],
            "northing": xy[:, 1],
            "district": np.where(which == 0, "E07000227", "E07000228"),
            "rurality": None,
        }
    ).assign(weekly_cost=lambda d: d.weekly_hours * 28.66)


def test_sector_units_contract():
    cust = _customers()
    units, placed = make_units(cust)
    assert list(units.columns) == [*UNIT_COLUMNS, "geometry"]
    assert units.crs.to_epsg() == 27700
    assert units["unit_id"].is_unique
    assert units["hours"].sum() == pytest.approx(cust["weekly_hours"].sum())
    assert units["customers"].sum() == len(cust)
    assert units["weekly_cost"].sum() == pytest.approx(cust["weekly_cost"].sum())
    # point = hours-weighted centroid
    u = units.iloc[0]
    members = placed[placed["unit_id"] == u["unit_id"]]
    assert u["x"] == pytest.approx(np.average(members["easting"], weights=members["weekly_hours"]))
    # Voronoi cells tile the study area without overlaps and contain their points
    assert shapely.union_all(units.geometry.to_numpy()).area == pytest.approx(
        units.geometry.area.sum(), rel=1e-6
    )
    assert all(
        g.buffer(1).contains(shapely.Point(x, y))
        for g, x, y in zip(units.geometry, units.x, units.y, strict=True)
    )
    # rurality: density proxy, recorded as such
    assert units["rurality"].isin(["urban", "town_fringe", "village_dispersed"]).all()
    assert units["rurality_source"].str.contains("density proxy").all()
    assert placed["rurality"].notna().all()


def test_neighbours_symmetric_and_share_edges():
    units, _ = make_units(_customers())
    nb = neighbour_map(units)
    geoms = units.set_index("unit_id").geometry
    for u, vs in nb.items():
        for v in vs:
            assert u in nb[v]
            shared = geoms[u].boundary.intersection(geoms[v].boundary.buffer(1.0)).length
            assert shared > 2.0
    assert sum(len(v) for v in nb.values()) > 0


def test_district_units_and_determinism():
    cust = _customers()
    a, _ = make_units(cust, unit_type="postcode_district")
    b, _ = make_units(cust.sample(frac=1, random_state=3), unit_type="postcode_district")
    assert set(a["unit_id"]) == {"RH10", "RH11", "RH12"}
    pd.testing.assert_frame_equal(
        a.drop(columns="geometry"), b.drop(columns="geometry"), check_exact=False
    )


def test_lsoa_units_from_boundaries_keep_empty_areas():
    cust = _customers(60)
    xmin, ymin = cust[["easting", "northing"]].min() - 10
    xmax, ymax = cust[["easting", "northing"]].max() + 10
    xs = np.linspace(xmin, xmax, 4)
    ys = np.linspace(ymin, ymax, 4)
    boxes = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(3) for j in range(3)]
    b = gpd.GeoDataFrame(
        {
            "boundary_id": [f"E0100000{k}" for k in range(9)],
            "boundary_name": [f"Area {k}" for k in range(9)],
        },
        geometry=boxes,
        crs=27700,
    )
    units, placed = make_units(cust, unit_type="lsoa", boundaries=b)
    assert len(units) == 9
    assert units["hours"].sum() == pytest.approx(cust["weekly_hours"].sum())
    empty = units[units["customers"] == 0]
    assert (empty["flag"] == "no current customers").all()
    centre = units.set_index("unit_id").loc["E01000004"]
    assert len(centre["neighbours"].split(";")) == 4  # rook: corners don't count


def test_gp_units_fall_back_to_nearest_open(data_dir, small_lookup):
    practices = read_epraccur(data_dir / "epraccur_sample.csv", lookup=small_lookup)
    assert set(practices["code"]) == {"H82001", "H82002", "H82003"}  # setting 8 dropped
    assert practices.set_index("code").loc["H82003", "status"] == "closed"
    ex = read_packages(
        data_dir / "extract_small.csv", columns=COLUMNS, lookup=small_lookup, as_of="2026-11-01"
    )
    cust = ex.customers.copy()
    cust.loc[cust["customer_id"] == "P002", "gp_practice"] = "H82003"  # closed
    units, placed = make_units(cust, unit_type="gp_practice", practices=practices)
    notes = placed.set_index("customer_id")["unit_note"]
    assert "H82003 is closed" in notes["P002"]
    assert "no GP practice recorded" in notes["P003"]
    assert set(units["unit_id"]) <= {"H82001", "H82002"}
    u = units.set_index("unit_id")
    assert u.loc["H82001", "x"] == practices.set_index("code").loc["H82001", "easting"]
    assert u["name"].str.contains("TEST").all()


def test_bad_inputs():
    cust = _customers(20)
    with pytest.raises(ValidationError, match="unknown unit type 'ward'.*postcode_sector"):
        assign_units(cust, unit_type="ward")
    with pytest.raises(ValidationError, match="epraccur"):
        assign_units(cust, unit_type="gp_practice")
    with pytest.raises(ValidationError, match="assign_units"):
        build_units(cust)


def test_write_roundtrip(tmp_path):
    units, _ = make_units(_customers(80))
    path = write_units(units, tmp_path / "units.gpkg")
    back = gpd.read_file(path, layer="units")
    assert len(back) == len(units)
    assert back.crs.to_epsg() == 27700
    write_units(units, path)  # overwrites rather than appending
    assert len(gpd.read_file(path, layer="units")) == len(units)
