"""Road drive times from real OpenStreetMap extracts in ../shared/data/roads.

The Leeds clip (175 driving nodes) keeps the unit tests fast; the whole of Rutland, routed
for real Rutland postcodes from the packaged lookup, is the integration test. Both skip with
a reason when the folder is absent (it is not on users' machines).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from lotdesign import ValidationError, roads, settings
from lotdesign.cli import main
from lotdesign.travel import TravelModel
from tests.conftest import ROOT

ROADS = ROOT.parent / "shared" / "data" / "roads"
LEEDS = ROADS / "its-example.osm.pbf"
RUTLAND = ROADS / "rutland-latest.osm.pbf"

pytestmark = pytest.mark.shared


def _need(path):
    if not path.exists():
        pytest.skip(f"real OpenStreetMap extract not found at {path} (../shared/data/roads)")
    return path


@pytest.fixture(scope="module")
def leeds(tmp_path_factory):
    return roads.read_network(_need(LEEDS), cache_dir=tmp_path_factory.mktemp("road_cache"))


def _points(net, k, seed=0):
    """k points near real nodes of the network (as postcodes lie near roads)."""
    rng = np.random.default_rng(seed)
    keep = np.flatnonzero(net.main)
    pick = rng.choice(keep, k, replace=False)
    return pd.DataFrame(
        {
            "id": [f"P{i}" for i in range(k)],
            "x": net.x[pick] + rng.normal(0, 15, k),
            "y": net.y[pick] + rng.normal(0, 15, k),
        }
    )


def test_leeds_network_is_read_with_one_ways_and_cached(leeds, tmp_path):
    # ~175 driving nodes; a clip cuts roads, so the strongly connected part is smaller.
    assert 150 <= leeds.n_nodes <= 250 and 50 <= leeds.main.sum() < leeds.n_nodes
    g = leeds.graph.tocoo()
    assert (g.data > 0).all()
    pairs = set(zip(g.row.tolist(), g.col.tolist(), strict=True))
    one_way = [(u, v) for u, v in pairs if (v, u) not in pairs]
    assert one_way, "the clip has one-way streets, driven one way only"
    again = roads.read_network(LEEDS, cache_dir=tmp_path)
    cached = roads.read_network(LEEDS, cache_dir=tmp_path)
    assert cached.source.get("cached") and not again.source.get("cached")
    assert (cached.graph != again.graph).nnz == 0
    assert cached.source["attribution"] == "© OpenStreetMap contributors"


def test_matrix_times_are_real_roads_not_straight_lines(leeds):
    pts = _points(leeds, 12)
    m = roads.build_matrix(leeds, pts, cutoff_minutes=30)
    assert len(m) == 12 * 12  # a small clip: every pair within the cut-off
    assert (m.loc[m["origin"] == m["destination"], "minutes"] == 0).all()
    xy = pts.set_index("id")
    a, b = xy.loc[m["origin"]].to_numpy(), xy.loc[m["destination"]].to_numpy()
    metres = np.hypot(*(a - b).T)
    fastest = max(settings.ROAD_SPEED_KPH.values()) / 3.6
    assert (m["minutes"].to_numpy() * 60 >= metres / fastest - 1e-6).all()
    off = m["origin"] != m["destination"]
    assert (m.loc[off, "minutes"] > 0).all()
    assert m.attrs["attribution"] == settings.OSM_ATTRIBUTION
    assert m.attrs["points"] == sorted(pts["id"])


def test_pairs_beyond_the_cutoff_are_beyond_it_not_straight_lines(leeds, tmp_path):
    pts = _points(leeds, 12, seed=1)
    full = roads.build_matrix(leeds, pts, cutoff_minutes=30)
    cutoff = float(full["minutes"][full["minutes"] > 0].median())
    short = roads.build_matrix(leeds, pts, cutoff_minutes=cutoff)
    assert len(short) < len(full) and (short["minutes"] <= cutoff + 1e-9).all()
    path = roads.write_matrix(short, tmp_path / "m.csv")
    back = roads.read_matrix(path)
    assert back.attrs["cutoff_minutes"] == cutoff
    assert json.loads(path.with_suffix(".json").read_text())["attribution"].startswith("©")
    model = TravelModel(pts["id"], pts["x"], pts["y"], ["urban"] * len(pts), matrix=back)
    missing = full.merge(short, on=["origin", "destination"], how="left", indicator=True)
    row = missing[missing["_merge"] == "left_only"].iloc[0]
    pos = {p: i for i, p in enumerate(pts["id"])}
    assert np.isinf(model.minutes(pos[row["origin"]], pos[row["destination"]]))
    got = model.minutes(pos[short["origin"].iloc[1]], pos[short["destination"].iloc[1]])
    assert got == pytest.approx(short["minutes"].iloc[1])


def test_fixed_centres_are_routed_on_the_roads_too(leeds, tmp_path):
    pts = _points(leeds, 10, seed=2)
    units = pts.iloc[:8].rename(columns={"id": "unit_id"})
    centres = pts.iloc[8:].rename(columns={"id": "name"}).assign(name=["Surgery A", "Surgery B"])
    m = roads.road_matrix(LEEDS, units, centres=centres, cache_dir=tmp_path)
    assert {"Surgery A", "Surgery B"} <= set(m["origin"]) and "Surgery A" in m.attrs["points"]
    # The engine's model over units and centres takes the road figure, not the estimate.
    frame = units.assign(rurality="urban")
    extra = centres.rename(columns={"name": "id"}).assign(rurality="urban")
    model = TravelModel.from_units(frame, extra=extra, matrix=m)
    row = m[(m["origin"] == "Surgery A") & (m["destination"] == units["unit_id"].iloc[3])]
    assert len(row) == 1
    assert model.minutes(8, 3) == pytest.approx(row["minutes"].iloc[0])
    # Unnamed centres get the engine's names; a name clashing with a unit is refused.
    unnamed = roads.matrix_points(units, centres=centres.drop(columns="name"))[0]
    assert list(unnamed["id"].iloc[-2:]) == ["C01", "C02"]
    with pytest.raises(ValidationError, match="also unit ids"):
        roads.matrix_points(units, centres=centres.assign(name=["P0", "Surgery B"]))


def test_maxspeed_tags_are_parsed():
    tags = pd.Series(["30 mph", "50", "GB:nsl_single", "none", None, "20mph"])
    kph = roads._maxspeed_kph(tags)
    assert kph[0] == pytest.approx(48.28, abs=0.01)
    assert kph[1] == 50 and kph[2] == pytest.approx(96.56, abs=0.01)
    assert np.isnan(kph[3]) and np.isnan(kph[4]) and kph[5] == pytest.approx(32.19, abs=0.01)


def test_cli_travel_build_writes_the_matrix_format(leeds, tmp_path, capsys):
    _points(leeds, 5).to_csv(tmp_path / "points.csv", index=False)
    code = main(
        ["travel", "build", "--osm", str(LEEDS), "--points", str(tmp_path / "points.csv"),
         "--out", str(tmp_path / "out" / "matrix.csv")]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "© OpenStreetMap contributors" in out
    m = pd.read_csv(tmp_path / "out" / "matrix.csv")
    assert list(m.columns) == ["origin", "destination", "minutes"] and len(m) == 25
    assert main(["travel", "build", "--osm", str(LEEDS)]) == 2  # neither config nor points


def test_a_missing_extract_says_where_to_get_one(tmp_path):
    from lotdesign.errors import ValidationError

    with pytest.raises(ValidationError, match="Geofabrik"):
        roads.read_network(tmp_path / "county.osm.pbf")


# --- Rutland: the whole county on real postcodes ----------------------------------------------


@pytest.fixture(scope="module")
def rutland(tmp_path_factory):
    """A customer extract on real Rutland postcodes and a config routed on Rutland's roads."""
    from lotdesign.io.lookups import read_postcode_lookup

    _need(RUTLAND)
    tmp = tmp_path_factory.mktemp("rutland")
    lk = read_postcode_lookup("packaged", districts=["E06000017"]).dropna(subset=["easting"])
    lk = lk[~lk["terminated"]]
    rng = np.random.default_rng(11)
    n = 450
    sample = lk.sample(n, replace=True, random_state=11)
    pd.DataFrame(
        {
            "Client": [f"R{i:04d}" for i in range(n)],
            "Postcode": sample["postcode"].to_numpy(),
            "Hours": rng.gamma(2.0, 5.0, n).round(2) + 1,
        }
    ).to_csv(tmp / "extract.csv", index=False)
    config = {
        "name": "Rutland on real roads",
        "synthetic": True,
        "inputs": {
            "packages": "extract.csv",
            "columns": {"customer_id": "Client", "postcode": "Postcode", "weekly_hours": "Hours"},
        },
        # Rutland has nine postcode sectors: small lots, so that several fit.
        "rules": {"min_hours": 250, "min_customers": 20},
        "travel": {"roads": str(RUTLAND)},
        # Named, so they are read from the config's (temporary) folder.
        "outputs": {"processed": "processed", "reports": "reports"},
    }
    path = tmp / "rutland.yaml"
    path.write_text(yaml.safe_dump(config))
    return path, lk


def test_rutland_lots_are_checked_on_real_roads_to_every_customer(rutland):
    from lotdesign.pipeline import run

    config, lookup = rutland
    result = run(config, quiet=True, until="lots")
    matrix_path = result.spec.outputs.processed / "travel_matrix.csv"
    meta = json.loads(matrix_path.with_suffix(".json").read_text())
    assert meta["attribution"] == "© OpenStreetMap contributors"
    assert meta["source"]["file"] == "rutland-latest.osm.pbf"
    m = roads.read_matrix(matrix_path)
    postcodes = set(result.customers["postcode"])
    assert postcodes <= set(m.attrs["points"])  # every customer's postcode was routed
    table = result.checks.table
    t1 = table[table["tier"].eq(1) & table["passes"]]
    assert len(t1) >= 2
    assert (t1["reach_to"] == "customers").all() and (t1["customers_beyond"] == 0).all()
    # Every Tier 1 customer is within 15 minutes of the lot centre *on the roads*.
    a = result.tiers.assignment.merge(result.customers[["unit_id", "postcode"]], on="unit_id")
    centres = result.tiers.lots.set_index("lot_id")["centre_id"]
    t1_cust = a[a["tier"].eq(1)].assign(origin=lambda d: d["lot_id"].map(centres))
    times = t1_cust.merge(
        m, left_on=["origin", "postcode"], right_on=["origin", "destination"], how="left"
    )
    assert times["minutes"].notna().all() and (times["minutes"] <= 15 + 1e-9).all()
    # Run again: the matrix comes from the cache, not routed again.
    again = run(config, quiet=True, until="units", write=False)
    opts = again.spec.design_options(again)
    assert "seconds" in opts["matrix"].attrs  # written by the first build, read back


def test_rutland_road_times_against_straight_lines(rutland):
    """Rutland's roads: road / straight-line distance and speed as the data README measured."""
    _, lookup = rutland
    net = roads.read_network(RUTLAND)
    pts = lookup.drop_duplicates("postcode").sample(300, random_state=3)
    pts = pd.DataFrame({"id": pts["postcode"], "x": pts["easting"], "y": pts["northing"]})
    m = roads.build_matrix(net, pts, cutoff_minutes=30)
    xy = pts.set_index("id")
    a, b = xy.loc[m["origin"]].to_numpy(), xy.loc[m["destination"]].to_numpy()
    miles = np.hypot(*(a - b).T) / settings.METRES_PER_MILE
    band = (miles > 2) & (miles < 7)
    mph = miles[band] / (m["minutes"].to_numpy()[band] / 60)
    # Straight-line mph of 1.39 x circuity at a ~50 km/h free-flow median gives ~22 mph.
    assert 15 < np.median(mph) < 35
    # The estimate (x 1.3 at the village speed) and the road agree only roughly.
    estimate = miles[band] * settings.ROAD_CIRCUITY / settings.SPEED_MPH["village_dispersed"]
    ratio = m["minutes"].to_numpy()[band] / (estimate * 60)
    assert 0.8 < np.median(ratio) < 2.0
