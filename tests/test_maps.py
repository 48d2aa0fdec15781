"""Tests for lotdesign.maps: offline HTML maps and static figures."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from folium.plugins import Fullscreen
from shapely.geometry import Point

from lotdesign.disclosure import scan_for_personal_data, suppressed_label
from lotdesign.errors import ValidationError
from lotdesign.maps import (
    LOT_FIELDS,
    TIER_COLOURS,
    UNIT_FIELDS,
    find_external_resources,
    lot_colours,
    lots_map,
    save_offline,
    static_map,
)
from lotdesign.maps.shared import TIER3_FILL

ASSETS = Path(__file__).resolve().parents[1] / "lotdesign" / "assets"
CHROMIUM = Path("/usr/bin/chromium")
LABEL = suppressed_label(7)


def make_design(nx: int = 12, ny: int = 9, block: int = 3, seed: int = 7, size: float = 2000.0):
    """A county of wobbly square units (edges densified, shared exactly) grouped into lots."""
    rng = np.random.default_rng(seed)
    xs = 500_000.0 + np.arange(nx + 1) * size
    ys = 100_000.0 + np.arange(ny + 1) * size
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    gx[1:-1, 1:-1] += rng.uniform(-0.15, 0.15, (nx - 1, ny - 1)) * size
    gy[1:-1, 1:-1] += rng.uniform(-0.15, 0.15, (nx - 1, ny - 1)) * size

    def edge(a, b):
        lo, hi = min(a, b), max(a, b)
        t = np.linspace(0.0, 1.0, 21)
        pts = np.column_stack([gx[lo] + t * (gx[hi] - gx[lo]), gy[lo] + t * (gy[hi] - gy[lo])])
        return (pts if lo == a else pts[::-1])[:-1]

    rows = []
    for i in range(nx):
        for j in range(ny):
            corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
            ring = np.vstack([edge(corners[k], corners[(k + 1) % 4]) for k in range(4)])
            rows.append(
                {
                    "unit_id": f"RH{i:02d} {j}",
                    "name": f"Sector {i}-{j}",
                    "lot_id": f"Lot {i // block + 1}.{j // block + 1}",
                    "customers": int(rng.integers(0, 30)),
                    "customer_id": f"CUST{rng.integers(10**6):07d}",
                    "geometry": shapely.Polygon(ring),
                }
            )
    units = gpd.GeoDataFrame(rows, crs="EPSG:27700")
    units["hours"] = units["customers"] * 12.6
    lots = units.dissolve("lot_id", aggfunc={"customers": "sum", "hours": "sum"}).reset_index()
    lots["tier"] = [1, 2, 3, 4] * (len(lots) // 4) + [1] * (len(lots) % 4)
    lots["care_workers"] = lots["hours"] / 30
    lots["radius_miles"] = 4.5
    lots["cost_per_customer_week_now"] = 212.5
    lots["cost_per_customer_week_proposed"] = 204.0
    lots["passes"] = lots["tier"] == 1
    # Columns that must never reach a shared map.
    lots["customer_id"] = "CUST9999999"
    lots["postcode"] = "RH12 4AB"
    lots["notes"] = "Mrs Example, RH12 4AB"
    units = units.merge(lots[["lot_id", "tier"]], on="lot_id")
    return lots, units


@pytest.fixture(scope="module")
def design():
    return make_design()


@pytest.fixture(scope="module")
def orgs():
    practices = gpd.GeoDataFrame(
        {"name": ["Park Surgery", "Hill Practice"], "postcode": ["RH12 1AA", "RH13 5BB"]},
        geometry=[Point(505_000, 105_000), Point(520_000, 110_000)],
        crs="EPSG:27700",
    )
    offices = gpd.GeoDataFrame(
        {"office_name": ["Acme Care Ltd"]}, geometry=[Point(512_000, 108_000)], crs=27700
    )
    return practices, offices


@pytest.fixture(scope="module")
def saved(design, orgs, tmp_path_factory):
    lots, units = design
    practices, offices = orgs
    path = tmp_path_factory.mktemp("map") / "lots.html"
    fmap = lots_map(
        lots,
        units,
        practices=practices,
        offices=offices,
        title="Test county lots",
        synthetic=True,
        path=path,
    )
    return fmap, path, path.read_text(encoding="utf-8")


def embedded_features(page: str) -> list[dict]:
    """Every GeoJSON feature collection folium embedded in the page."""
    features = []
    for match in re.finditer(r"_add\((\{\"features\".*?\})\);\n", page):
        features.extend(json.loads(match.group(1))["features"])
    return features


def without_vendored(page: str) -> str:
    """The page less the vendored library bodies, each checked to be the vendored file."""
    manifest = json.loads((ASSETS / "manifest.json").read_text())
    files = {a["file"] for a in manifest["assets"]}
    blocks = re.findall(r'<(script|style) data-vendored="([^"]+)">\n(.*?)\n</\1>', page, re.S)
    assert {b[1] for b in blocks} == files
    for _tag, name, body in blocks:
        asset = next(a for a in manifest["assets"] if a["file"] == name)
        licence = (ASSETS / asset["licence_file"]).read_text(encoding="utf-8").strip()
        assert body.startswith("/*!") and licence in body.split("*/")[0]
        if name.endswith(".js"):
            original = (ASSETS / name).read_text(encoding="utf-8")
            code = body.split("\n*/\n", 1)[1]
            # Byte for byte, less the source-map comment (the map file is not shipped).
            assert original.startswith(code.rstrip()) or code.strip() in original
    return re.sub(r"<(script|style) data-vendored=[^>]*>.*?</\1>", "", page, flags=re.S)


# --- Offline: no external resources ----------------------------------------------------------


def test_saved_map_has_no_external_urls(saved):
    _, _, page = saved
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert find_external_resources(page) == []
    own = without_vendored(page)
    assert not re.search(r"\b(src|href)\s*=\s*\\?[\"']?\s*(https?:)?//", own, re.I)
    assert not re.search(r"https?://", own), re.findall(r"https?://\S{0,40}", own)[:5]
    # Inside the vendored libraries the only URLs are Leaflet's attribution link (a string
    # its attribution control would show; lots_map turns that control off without tiles), the
    # SVG namespace and a comment in leaflet.css: none is loaded.
    vendored_urls = set(re.findall(r"https?://[A-Za-z0-9./_-]+", page))
    assert vendored_urls == {
        "https://leafletjs.com",
        "http://www.w3.org/2000/svg",
        "https://bugzilla.mozilla.org/show_bug.cgi",
        "https://openjsf.org/",  # in jQuery's licence text
    }
    # Leaflet's stylesheet images are inlined too.
    assert "url(images/" not in page and "data:image/png;base64," in page


def test_find_external_resources_catches_every_form():
    page = (
        '<html><head><script src="https://cdn.example/x.js"></script>'
        "<link rel=stylesheet href=//cdn.example/y.css>"
        "<style>@import 'https://f.example/z.css'; .a{background:url(http://i.example/a.png)}"
        "</style></head><body><img src='logo.png'><a href='#top'>top</a>"
        '<div style="background:url(data:image/png;base64,AAA)"></div></body></html>'
    )
    assert set(find_external_resources(page)) == {
        "https://cdn.example/x.js",
        "//cdn.example/y.css",
        "logo.png",
        "http://i.example/a.png",
        "https://f.example/z.css",
    }


def test_unknown_external_asset_raises(tmp_path, design):
    lots, _ = design
    fmap = lots_map(lots)
    Fullscreen().add_to(fmap)
    with pytest.raises(ValidationError, match="no offline copy"):
        save_offline(fmap, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_icon_markers_raise(tmp_path):
    fmap = folium.Map(location=[51.0, -0.3], zoom_start=9)
    folium.Marker([51.0, -0.3], icon=folium.Icon(color="red")).add_to(fmap)
    with pytest.raises(ValidationError, match="Icon"):
        save_offline(fmap, tmp_path / "x.html")


def test_plain_folium_map_saves_offline(tmp_path):
    fmap = folium.Map(location=[51.0, -0.3], zoom_start=9, tiles=None)
    folium.Marker([51.0, -0.3], popup="Office").add_to(fmap)
    path = save_offline(fmap, tmp_path / "plain.html")
    page = path.read_text(encoding="utf-8")
    assert find_external_resources(page) == []
    assert "bootstrap" not in page.lower()
    # The caller's map is left as it was.
    assert any(name == "bootstrap" for name, _ in fmap.default_js)
    with pytest.raises(ValidationError, match=".html"):
        save_offline(fmap, tmp_path / "plain.png")


def test_same_design_gives_same_file(design, tmp_path):
    lots, units = design
    first = lots_map(lots, units, path=tmp_path / "a.html")
    lots_map(lots, units, path=tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert isinstance(first, folium.Map)


def test_tiles_are_an_option(design, tmp_path):
    lots, _ = design
    path = tmp_path / "tiles.html"
    lots_map(lots, tiles=True, path=path)
    page = path.read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" in without_vendored(page)
    assert find_external_resources(page) == []
    no_tiles = lots_map(lots).get_root().render()
    assert "tile.openstreetmap.org" not in no_tiles


# --- Disclosure ------------------------------------------------------------------------------


def test_only_allow_listed_properties_are_embedded(saved, design):
    _, _, page = saved
    lots, units = design
    features = embedded_features(page)
    assert len(features) >= len(lots) + len(units)
    allowed = set(LOT_FIELDS) | set(UNIT_FIELDS) | {"organisation"}
    for feature in features:
        assert set(feature["properties"]) <= allowed, feature["properties"]
    for secret in ["CUST9999999", "RH12 4AB", "Mrs Example", "RH12 1AA", *units["customer_id"]]:
        assert secret not in page
    orgs = {f["properties"]["organisation"] for f in features if "organisation" in f["properties"]}
    assert orgs == {"Park Surgery", "Hill Practice", "Acme Care Ltd"}


def test_small_counts_are_suppressed_in_tooltips(design, tmp_path):
    lots, units = design
    lots = lots.copy()
    lots["customers"] = [0, 3, 7, 8, 60] + [90] * (len(lots) - 5)
    path = tmp_path / "small.html"
    lots_map(lots, units, path=path)
    page = path.read_text(encoding="utf-8")
    by_lot = {
        f["properties"]["lot_id"]: f["properties"]
        for f in embedded_features(page)
        if "care_workers" in f["properties"]
    }
    shown = [by_lot[lot]["customers"] for lot in lots["lot_id"][:5]]
    # NHS Digital: 1-7 suppressed, every other count rounded to the nearest 5.
    assert shown == ["0", LABEL, LABEL, "10", "60"]
    costs = [by_lot[lot]["cost_per_customer_week_now"] for lot in lots["lot_id"][:5]]
    assert costs[0] == costs[3] == costs[4] == "\u00a3212.50"
    assert costs[1] == costs[2] and "suppressed" in costs[1]
    # The tooltip shows these fields, labelled.
    assert '"Customers"' in page and '"customers"' in page
    unit_counts = [
        f["properties"]["customers"]
        for f in embedded_features(page)
        if "unit_id" in f["properties"]
    ]
    assert not set(unit_counts) & {str(n) for n in range(1, 8)}
    # The scanner agrees: nothing personal in the saved map.
    findings = scan_for_personal_data(
        tmp_path, customer_ids=units["customer_id"], postcodes=["RH12 4AB", "RH12 1AA"]
    )
    assert findings.empty, findings


def test_scanner_catches_an_unsafe_map(design, tmp_path):
    lots, _ = design
    fmap = folium.Map(tiles=None)
    folium.GeoJson(lots.drop(columns="notes").to_crs(4326)).add_to(fmap)  # every column!
    save_offline(fmap, tmp_path / "unsafe.html")
    findings = scan_for_personal_data(tmp_path, customer_ids=["CUST9999999"], postcodes=["RH124AB"])
    assert {"customer_id", "postcode"} <= set(findings["kind"])


def test_people_frames_are_refused(design):
    lots, _ = design
    customers = gpd.GeoDataFrame(
        {"customer_id": ["C1"], "name": ["Mrs Example"]},
        geometry=[Point(505_000, 105_000)],
        crs=27700,
    )
    with pytest.raises(ValidationError, match="never customers"):
        lots_map(lots, offices=customers)
    with pytest.raises(ValidationError, match="never customers"):
        static_map(lots, practices=customers, path="unused")


# --- Look and size ---------------------------------------------------------------------------


def test_map_content(saved, design):
    fmap, _, page = saved
    lots, _ = design
    assert "SYNTHETIC DATA" in page
    assert "<title>Test county lots</title>" in page
    for colour in TIER_COLOURS.values():
        assert colour in page
    for layer in (
        "County outline",
        "Tier 1",
        "Lot labels",
        "Demand units",
        "GP practices",
        "Provider offices",
    ):
        assert layer in page
    assert "L.control.layers" in page
    assert "lotdesign-legend" in page
    plain = lots_map(lots, synthetic=False).get_root().render()
    assert "SYNTHETIC DATA" not in plain


def test_coverage_simplified_without_gaps(saved, design):
    _, _, page = saved
    lots, _ = design
    lot_features = [f for f in embedded_features(page) if "care_workers" in f["properties"]]
    simplified = gpd.GeoDataFrame.from_features(lot_features, crs=4326).to_crs(27700)
    assert len(simplified) == len(lots)
    vertices_in = shapely.get_num_coordinates(lots.geometry.to_numpy()).sum()
    vertices_out = shapely.get_num_coordinates(simplified.geometry.to_numpy()).sum()
    assert vertices_out < vertices_in / 3
    # Neighbours still meet: the union has no holes and the same area as the input.
    union = shapely.union_all(simplified.geometry.to_numpy())
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    assert union.area == pytest.approx(shapely.union_all(lots.geometry.to_numpy()).area, rel=1e-3)


def test_file_size_for_hundreds_of_lots_and_units(tmp_path):
    lots, units = make_design(nx=30, ny=20, block=2, seed=3)
    assert len(lots) == 150 and len(units) == 600
    path = tmp_path / "county.html"
    lots_map(lots, units, path=path)
    size = path.stat().st_size
    assert size < 5_000_000
    assert size < 1_500_000  # what it is now, with margin: catches a regression in simplifying


def test_input_checks(design):
    lots, units = design
    with pytest.raises(ValidationError, match="no CRS"):
        lots_map(lots.set_crs(None, allow_override=True))
    with pytest.raises(ValidationError, match="tier"):
        lots_map(lots.assign(tier=5))
    with pytest.raises(ValidationError, match="columns"):
        lots_map(lots.drop(columns="tier"))
    with pytest.raises(ValidationError, match="unique"):
        lots_map(lots.assign(lot_id="same"))
    with pytest.raises(ValidationError, match="GeoDataFrame"):
        lots_map(lots.drop(columns="geometry"))
    with pytest.raises(ValidationError, match="Polygon"):
        lots_map(lots.set_geometry(lots.centroid))
    with pytest.raises(ValidationError, match="computed over customers"):
        lots_map(lots.drop(columns="customers"))
    # Any CRS is accepted and worked in BNG.
    assert isinstance(lots_map(lots.to_crs(4326), units.to_crs(3857)), folium.Map)


# --- Static map ------------------------------------------------------------------------------


def test_static_map_writes_png_and_svg(design, orgs, tmp_path):
    lots, units = design
    practices, offices = orgs
    written = static_map(
        lots,
        units,
        practices=practices,
        offices=offices,
        synthetic=True,
        title="Test county lots",
        path=tmp_path / "fig" / "lots",
    )
    assert [p.suffix for p in written] == [".png", ".svg"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = written[1].read_text(encoding="utf-8")
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "SYNTHETIC DATA" in svg and "Lot 1.1" in svg and "Tier 1" in svg
    assert "CUST" not in svg and "RH12 4AB" not in svg
    # Same design, same files.
    again = static_map(
        lots,
        units,
        practices=practices,
        offices=offices,
        synthetic=True,
        title="Test county lots",
        path=tmp_path / "again" / "lots",
    )
    assert again[1].read_bytes() == written[1].read_bytes()
    assert again[0].read_bytes() == written[0].read_bytes()
    with pytest.raises(ValidationError, match="formats"):
        static_map(lots, path=tmp_path / "x", formats=["gif"])


# --- In a browser ----------------------------------------------------------------------------


def _chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,900",
            "--virtual-time-budget=5000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.browser
# CI installs chromium (.ci/run): there the test must run, not skip.
@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)
def test_map_renders_offline_in_chromium(saved, design, tmp_path):
    from PIL import Image

    _, path, _ = saved
    lots, _ = design
    dom = _chromium("--dump-dom", path.as_uri(), tmp_path=tmp_path).stdout
    # Leaflet drew every lot as an SVG path, plus the outline and the organisations.
    assert len(re.findall(r'<path class="leaflet-interactive"', dom)) >= len(lots) + 3
    assert "leaflet-control-layers" in dom and "SYNTHETIC DATA" in dom
    assert find_external_resources(dom) == []

    shot = tmp_path / "shot.png"
    result = _chromium(f"--screenshot={shot}", path.as_uri(), tmp_path=tmp_path)
    assert shot.exists(), result.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
    # Each tier's lots, in their colours as Leaflet blends them at 85% over the white county,
    # cover a visible share of the window.
    fills = lot_colours(lots.reset_index(drop=True))
    for tier in sorted(lots["tier"].unique()):
        near = np.zeros(len(pixels), dtype=bool)
        for colour in set(fills[(lots["tier"] == tier).to_numpy()]):
            rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
            blended = np.round(0.85 * rgb + 0.15 * 255)
            if tier == 3:  # hatched: the pattern's own grey, unblended
                blended = np.array([int(TIER3_FILL[i : i + 2], 16) for i in (1, 3, 5)])
            near |= np.abs(pixels - blended).max(axis=1) <= 12
        assert near.mean() > 0.03, (tier, near.mean())


def test_noisy_shared_edges_are_cleaned_before_simplifying(tmp_path, recwarn):
    # Two lots whose shared edge overlaps by a millimetre, as dissolves and hand edits leave them.
    x, y = 500_000.0, 100_000.0
    left = shapely.Polygon([(x, y), (x + 1000, y), (x + 1000, y + 1000), (x, y + 1000)])
    right = shapely.Polygon(
        [(x + 999.999, y), (x + 2000, y), (x + 2000, y + 1000), (x + 1000, y + 1000)]
    )
    lots = gpd.GeoDataFrame(
        {"lot_id": ["A", "B"], "tier": [1, 2]}, geometry=[left, right], crs="EPSG:27700"
    )
    assert not shapely.coverage_is_valid(lots.geometry.to_numpy())
    path = tmp_path / "two.html"
    lots_map(lots, path=path)
    assert not [w for w in recwarn if "gaps" in str(w.message)]
    features = [f for f in embedded_features(path.read_text()) if "lot_id" in f["properties"]]
    drawn = gpd.GeoDataFrame.from_features(features, crs=4326).to_crs(27700)
    union = shapely.union_all(drawn.geometry.to_numpy())
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
