"""What a map may show, and the checks and formatting every map shares.

The tier palette and labels, the only lot and unit columns a map may show
(:data:`LOT_FIELDS`, :data:`UNIT_FIELDS`, from :mod:`lotdesign.columns`), the checks on the
frames a map is drawn from (CRS, geometry types, tiers, no person identifiers on practice or
office frames), coverage simplification, and the suppressed display text of shared figures
(through :mod:`lotdesign.disclosure`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lotdesign import columns as registry
from lotdesign import settings
from lotdesign.disclosure import looks_personal, safe_frame, suppressed_label
from lotdesign.disclosure.control import Protection
from lotdesign.disclosure.shared import SECONDARY_LABEL, control_frame
from lotdesign.errors import ValidationError

__all__ = ["LOT_FIELDS", "TIER_COLOURS", "TIER_LABELS", "UNIT_FIELDS"]

#: Tier colours: the Okabe-Ito palette, distinguishable with the common colour-vision
#: deficiencies and in greyscale print.
TIER_COLOURS: dict[int, str] = {1: "#0072B2", 2: "#E69F00", 3: "#009E73", 4: "#CC79A7"}
TIER_LABELS: dict[int, str] = {
    1: "Tier 1 \u2013 lead-provider lots",
    2: "Tier 2 \u2013 rural zones",
    3: "Tier 3 \u2013 case-by-case purchase",
    4: "Tier 4 \u2013 reserve (DPS)",
}
#: The only lot columns a map may show, with their labels (from :mod:`lotdesign.columns`,
#: which also gives their formats and which of them count people). Anything else in the
#: frame is dropped before folium sees it.
LOT_FIELDS: dict[str, str] = {
    name: registry.label(name)
    for name in (
        "lot_id",
        "lot_name",
        "tier",
        "hours",
        "customers",
        "care_workers",
        "radius_miles",
        "cost_per_customer_week_now",
        "cost_per_customer_week_proposed",
        "passes",
        "pass_fail",
        "rag",
    )
}
#: The only unit columns a map may show.
UNIT_FIELDS: dict[str, str] = {
    name: registry.label(name)
    for name in ("unit_id", "unit_name", "lot_id", "tier", "hours", "customers")
}


# --- Input checks --------------------------------------------------------------------------


def _to_bng(frame: Any, what: str, *, geom_types: Sequence[str]) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValidationError(f"{what} must be a GeoDataFrame, got {type(frame).__name__}.")
    if frame.crs is None:
        raise ValidationError(
            f"{what} has no CRS; set it (e.g. frame.set_crs('{settings.CRS_BNG}')) first."
        )
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    bad = sorted(set(frame.geom_type) - set(geom_types))
    if bad:
        raise ValidationError(f"{what} must hold {' or '.join(geom_types)} geometries, not {bad}.")
    return frame.to_crs(settings.CRS_BNG)


def _check_tiers(frame: pd.DataFrame, what: str) -> pd.Series:
    tiers = pd.to_numeric(frame["tier"], errors="coerce")
    bad = ~tiers.isin(list(TIER_COLOURS))
    if bad.any():
        examples = frame.loc[bad, "tier"].head(3).tolist()
        raise ValidationError(f"{what} tier must be 1, 2, 3 or 4; found {examples}.")
    return tiers.astype(int)


def _refuse_people(frame: pd.DataFrame, what: str) -> None:
    """Practices and offices are organisations: a frame with person identifiers is a mistake."""
    people = [c for c in frame.columns if looks_personal(str(c)) == "a person identifier"]
    if people:
        raise ValidationError(
            f"{what} has person identifier columns {people}: maps show organisations and "
            "areas, never customers. Pass GP practices or provider offices only."
        )


def _simplify_coverage(geoms: gpd.GeoSeries, tolerance: float, what: str) -> np.ndarray:
    """Simplify polygons that tile an area without opening gaps between neighbours.

    ``shapely.coverage_simplify`` simplifies each shared edge once, so neighbours stay edge to
    edge; it needs a valid coverage (shared edges with identical vertices). Boundary files
    usually are one; lots dissolved from units may be off by floating-point noise, which
    ``shapely.coverage_clean`` (shapely >= 2.2) repairs.
    """
    values = geoms.to_numpy()
    if tolerance <= 0 or len(values) == 0:
        return values
    if not shapely.coverage_is_valid(values):
        if hasattr(shapely, "coverage_clean"):
            values = shapely.coverage_clean(values)
        if not shapely.coverage_is_valid(values):
            warnings.warn(
                f"{what} polygons overlap or their shared edges do not match, so small gaps "
                "may show between them on the map.",
                UserWarning,
                stacklevel=3,
            )
    return shapely.coverage_simplify(values, tolerance)


def _with_geometry(frame: gpd.GeoDataFrame, geoms: np.ndarray) -> gpd.GeoDataFrame:
    """A copy of a frame, index reset, with new geometries in place of its own."""
    frame = frame.reset_index(drop=True)
    return gpd.GeoDataFrame(
        frame.drop(columns=frame.geometry.name), geometry=gpd.GeoSeries(geoms, crs=frame.crs)
    )


def _county(
    lots: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None, outline: gpd.GeoDataFrame | None
) -> Any:
    """The county as one shape: the outline given, else the outer edge of lots and units."""
    if outline is not None:
        outline = _to_bng(outline, "outline", geom_types=("Polygon", "MultiPolygon"))
        if outline.empty:
            raise ValidationError("outline has no polygon.")
        return shapely.union_all(outline.geometry.to_numpy())
    parts = [lots.geometry.to_numpy()]
    if units is not None:
        parts.append(units.geometry.to_numpy())
    return shapely.union_all(np.concatenate(parts))


def _web_geoms(geoms: np.ndarray, crs: Any) -> gpd.GeoSeries:
    web = gpd.GeoSeries(geoms, crs=crs).to_crs(settings.CRS_WGS84)
    grid = settings.MAP_COORDINATE_PRECISION_DEG
    return gpd.GeoSeries(shapely.set_precision(web.to_numpy(), grid, mode="pointwise"), crs=web.crs)


# --- Formatting of shared figures ------------------------------------------------------------


def _display(frame: pd.DataFrame, max_count: int) -> pd.DataFrame:
    """Shared values as display text, in the formats of :mod:`lotdesign.columns`: the page
    never holds a raw figure to be re-derived, and a figure hidden with its row says so."""
    labels = {suppressed_label(max_count), SECONDARY_LABEL}
    people = [c for c in frame.columns if registry.column(c).counts_people]
    hidden = np.zeros(len(frame), bool)
    for c in people:
        hidden |= frame[c].isin(labels).to_numpy()
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        entry = registry.column(column)
        texts = [entry.fmt(v) for v in frame[column]]
        if entry.over_people and not entry.counts_people:
            texts = ["suppressed" if h else t for t, h in zip(texts, hidden, strict=True)]
        out[column] = texts
    return out


def _shared_properties(
    frame: gpd.GeoDataFrame,
    fields: Mapping[str, str],
    max_count: int,
    protection: Protection | None = None,
) -> pd.DataFrame:
    renamed = frame
    if "name" in frame.columns:
        # The contract's "name" on lots and units is the area's name, not a person's.
        target = "lot_name" if "lot_name" in fields else "unit_name"
        if target not in frame.columns:
            renamed = frame.rename(columns={"name": target})
    present = [c for c in fields if c in renamed.columns]
    # The area of each row: a unit layer's rows are units, a lot layer's lots.
    key_column = "unit_id" if "unit_id" in fields else "lot_id"
    keys = [None if pd.isna(v) else f"{key_column.split('_')[0]}:{v}" for v in renamed[key_column]]
    # A figure computed over people needs its row's count to be controlled with it.
    needs_count = [c for c in present if registry.column(c).over_people]
    counts = [c for c in fields if registry.column(c).counts_people and c in renamed.columns]
    if needs_count and not counts and protection is None:
        raise ValidationError(
            f"Columns {sorted(needs_count)} are computed over customers, but the frame has no "
            "customers column to tell whether they rest on a small count; add it."
        )
    shared = safe_frame(
        pd.DataFrame(renamed.drop(columns=renamed.geometry.name)),
        list(dict.fromkeys([*present, *counts])),
        counts=[],
        rates={},
        max_count=max_count,
    )
    with warnings.catch_warnings():
        if protection is None:
            warnings.simplefilter("ignore", UserWarning)
        shared = control_frame(
            shared, protection=protection, keys=keys, max_count=max_count, what="map"
        )
    return _display(shared, max_count)[present]


# --- Colours, areas and place names for members' maps ---------------------------------------

#: Colours of lots within a tier, so that touching lots differ: Paul Tol's "light" scheme
#: (colour-blind safe, pale enough for black labels), cool colours for Tier 1 lots and warm
#: ones for Tier 2 zones, so the tier still reads from the colour.
LOT_PALETTES: dict[int, tuple[str, ...]] = {
    1: ("#77AADD", "#44BB99", "#99DDFF", "#BBCC33", "#AAAA00", "#5D8AA8"),
    2: ("#EE8866", "#EEDD88", "#FFAABB"),
}
#: Tier 3 areas (bought case by case): pale grey under a hatch.
TIER3_FILL = "#DDDDDD"
TIER3_LABEL = "Tier 3: spot purchase"
#: Attribution the place names carry wherever they are shown (CC BY 4.0).
PLACES_ATTRIBUTION = "Place names: GeoNames, CC BY 4.0"
#: Shared boundaries shorter than this (metres) are corners, not edges, for colouring.
_TOUCH_M = 1.0


def lot_colours(lots: gpd.GeoDataFrame) -> pd.Series:
    """A fill colour per lot such that lots sharing an edge never share a colour.

    The lots that touch form a graph (planar, so few colours suffice); it is coloured with
    DSATUR (:func:`networkx.greedy_color`), within each tier from its palette in
    :data:`LOT_PALETTES` (tiers without one take their :data:`TIER_COLOURS`). Lots of
    different tiers have different palettes, so they never clash. Deterministic: lots are
    taken in ``lot_id`` order.

    Returns
    -------
    pandas.Series
        Hex colour per lot, on the lots' index.
    """
    import networkx as nx

    colours = pd.Series(
        [TIER_COLOURS.get(int(t), "#999999") for t in lots["tier"]], index=lots.index, dtype=object
    )
    for tier, palette in LOT_PALETTES.items():
        part = lots[lots["tier"].astype(int) == tier].sort_values("lot_id")
        if part.empty:
            continue
        graph = nx.Graph()
        graph.add_nodes_from(part.index)
        for a, b in _touching(part):
            graph.add_edge(a, b)
        found = nx.greedy_color(graph, strategy="DSATUR")
        if found and max(found.values()) >= len(palette):
            # More colours than the palette: fall back to the largest-first order, which
            # on a planar map nearly always fits; a clash left over is still drawn.
            found = nx.greedy_color(graph, strategy="largest_first")
        for index, c in found.items():
            colours[index] = palette[c % len(palette)]
    return colours


def _touching(frame: gpd.GeoDataFrame) -> list[tuple[Any, Any]]:
    """Pairs of rows (index labels) whose polygons share an edge (not only a corner)."""
    geoms = frame.geometry.to_numpy()
    index = frame.index.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if not len(left):
        return []
    shared = shapely.length(
        shapely.intersection(
            shapely.boundary(geoms[left]), shapely.buffer(shapely.boundary(geoms[right]), 0.5)
        )
    )
    edge = shared > _TOUCH_M
    return [(index[a], index[b]) for a, b in zip(left[edge], right[edge], strict=True)]


def district_polygons(
    units: gpd.GeoDataFrame, *, names: Mapping[str, str] | None = None
) -> gpd.GeoDataFrame | None:
    """District areas dissolved from public unit polygons (``district`` column).

    The units must be public geography (boundary files or the cells of every postcode of the
    lookup), so the districts drawn are too. Returns ``district``, ``name`` (from ``names``,
    else the code) and geometry, or None when the units carry no district.
    """
    if units is None or "district" not in units.columns:
        return None
    frame = _to_bng(units, "units", geom_types=("Polygon", "MultiPolygon"))
    frame = frame[frame["district"].notna()]
    if frame.empty:
        return None
    out = frame[["district", "geometry"]].dissolve(by="district", as_index=False)
    out["geometry"] = shapely.make_valid(out.geometry.to_numpy())
    names = names or {}
    out["name"] = [names.get(str(d), str(d)) for d in out["district"]]
    return out[["district", "name", "geometry"]]


def tier3_polygons(units: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Tier 3 areas (units bought case by case) dissolved into one shape per touching group."""
    if units is None or "tier" not in units.columns:
        return None
    frame = _to_bng(units, "units", geom_types=("Polygon", "MultiPolygon"))
    frame = frame[pd.to_numeric(frame["tier"], errors="coerce") == 3]
    if frame.empty:
        return None
    merged = shapely.make_valid(shapely.union_all(frame.geometry.to_numpy()))
    parts = [p for p in shapely.get_parts(merged) if p.geom_type == "Polygon" and p.area > 0]
    if not parts:
        return None
    return gpd.GeoDataFrame(
        {"label": [TIER3_LABEL] * len(parts)}, geometry=parts, crs=settings.CRS_BNG
    )


def read_places() -> pd.DataFrame:
    """Places in England with at least 1,000 people (GeoNames, CC BY 4.0), in BNG metres.

    From the small table shipped in ``lotdesign/assets/places`` (made by
    ``scripts/extract_places.py``); no download. Columns ``name``, ``population``, ``x``,
    ``y``.
    """
    return _places().copy()


def _places() -> pd.DataFrame:
    global _PLACES
    if _PLACES is None:
        from importlib.resources import files

        import pyproj

        path = files("lotdesign") / "assets" / "places" / "england_places.csv.gz"
        with path.open("rb") as raw:
            table = pd.read_csv(raw, compression="gzip")
        to_bng = pyproj.Transformer.from_crs(settings.CRS_WGS84, settings.CRS_BNG, always_xy=True)
        x, y = to_bng.transform(table["lon"].to_numpy(), table["lat"].to_numpy())
        _PLACES = pd.DataFrame(
            {
                "name": table["name"].astype(str),
                "population": table["population"].astype(int),
                "x": np.asarray(x),
                "y": np.asarray(y),
            }
        )
    return _PLACES


_PLACES: pd.DataFrame | None = None
#: Places this large are named even over another label: a reader looks for them first.
_TOWN_POPULATION = 20_000
#: A name's size on a page-wide map, in units of places_to_label's spacing (about one
#: label's length): a letter's width, the name's height above its point, and half a lot
#: label's width and height. Measured on the demo county's map at its opening zoom (80 m a
#: pixel, so the spacing is 45 px): 13 px Georgia runs 6.5 px a letter and stands 17 px
#: above its point; a bold 11 px lot label of three characters is 21 x 12 px. The static
#: map uses the same sizes; its names are set in points, so there the fit is approximate.
_LETTER, _NAME_HEIGHT, _LOT_HALF_WIDTH, _LOT_HALF_HEIGHT = 0.14, 0.4, 0.23, 0.13


def _spacing(area: Any) -> float:
    """places_to_label's default spacing: a 22nd of the area's width (about one label)."""
    west, south, east, north = shapely.bounds(area)
    return max(east - west, north - south) / 22


def lot_label_points(
    lots: gpd.GeoDataFrame, area: shapely.Geometry | None, *, max_labels: int = 30
) -> np.ndarray:
    """Where each lot's label goes: inside the lot, clear of the towns' names.

    Towns of 20,000 people or more are always named (:func:`places_to_label`), so a lot's
    label at an arbitrary point of it can sit on one (Burgess Hill on its lot's label). Each
    label goes to the point of its lot farthest from the lot's edge and from those names
    (the centre of the largest circle that fits, ``shapely.maximum_inscribed_circle``), or,
    when the lot has no room clear of them, farthest from its edge alone.

    Parameters
    ----------
    lots
        Lot polygons (BNG).
    area
        The county (BNG polygon) the map shows, which sets the names' size on the page.
    max_labels
        As the map's :func:`places_to_label` call, so the towns kept clear of are the ones
        it names.

    Returns
    -------
    numpy.ndarray
        One shapely point per lot (BNG).
    """
    geoms = lots.geometry.to_numpy()
    if area is None or shapely.is_empty(area) or not len(geoms):
        return shapely.point_on_surface(geoms)
    unit = _spacing(area)
    towns = places_to_label(area, max_labels=max_labels)
    towns = towns[towns["population"] >= _TOWN_POPULATION]
    names = shapely.union_all(
        [
            shapely.box(
                x - (_LETTER * len(name) / 2 + _LOT_HALF_WIDTH) * unit,
                y - _LOT_HALF_HEIGHT * unit,
                x + (_LETTER * len(name) / 2 + _LOT_HALF_WIDTH) * unit,
                y + (_NAME_HEIGHT + _LOT_HALF_HEIGHT) * unit,
            )
            for name, x, y in zip(towns["name"], towns["x"], towns["y"], strict=True)
        ]
    )
    out = []
    for lot in geoms:
        spot, room = _widest_point(shapely.difference(lot, names), unit / 20)
        if spot is None or room < _LOT_HALF_HEIGHT * unit:
            spot, _ = _widest_point(lot, unit / 20)
        out.append(spot if spot is not None else shapely.point_on_surface(lot))
    return np.asarray(out, dtype=object)


def _widest_point(geom: Any, tolerance: float) -> tuple[Any, float]:
    """The point of a (multi)polygon's largest part farthest from its edge, and how far."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    if not parts:
        return None, 0.0
    radius = shapely.maximum_inscribed_circle(max(parts, key=lambda p: p.area), tolerance)
    return shapely.get_point(radius, 0), float(shapely.length(radius))


def places_to_label(
    area: Any,
    *,
    max_labels: int = 30,
    min_spacing_m: float | None = None,
    avoid: np.ndarray | None = None,
) -> pd.DataFrame:
    """The larger places inside ``area`` (BNG polygon), spaced so their names do not collide.

    Places are taken largest first; one closer than ``min_spacing_m`` to a place already
    taken is skipped (default: a 22nd of the area's width, about one label's length on a
    page-wide map), and so is one whose name would sit on another label at ``avoid``
    (BNG points, e.g. the lots' labels) unless it is a town of 20,000 people or more: those
    are always named. At most ``max_labels``.
    """
    places = _places()
    if area is None or shapely.is_empty(area):
        return places.iloc[0:0].copy()
    west, south, east, north = shapely.bounds(area)
    box = places[places["x"].between(west, east) & places["y"].between(south, north)].sort_values(
        ["population", "name"], ascending=[False, True]
    )
    inside = shapely.contains_xy(area, box["x"].to_numpy(), box["y"].to_numpy())
    box = box[inside]
    if min_spacing_m is None:
        min_spacing_m = _spacing(area)
    taken: list[int] = []
    xy = box[["x", "y"]].to_numpy()
    others = np.empty((0, 2)) if avoid is None else np.asarray(avoid, dtype=float).reshape(-1, 2)
    for i in range(len(box)):
        if len(taken) >= max_labels:
            break
        # The name sits just above its point: keep it off the other labels.
        gap_x = np.abs(others[:, 0] - xy[i, 0])
        gap_y = others[:, 1] - xy[i, 1]
        near = (gap_x < min_spacing_m) & (gap_y > -min_spacing_m * 0.3)
        town = box["population"].iloc[i] >= _TOWN_POPULATION
        if not town and (near & (gap_y < min_spacing_m * 0.6)).any():
            continue
        if taken:
            d = np.hypot(*(xy[taken] - xy[i]).T)
            # Names run wide, not tall: keep labels further apart across than down.
            dx = np.abs(xy[taken, 0] - xy[i, 0])
            dy = np.abs(xy[taken, 1] - xy[i, 1])
            if ((dx < min_spacing_m * 1.6) & (dy < min_spacing_m * 0.6)).any() or (
                d < min_spacing_m
            ).any():
                continue
        taken.append(i)
    return box.iloc[taken].reset_index(drop=True)
