"""The interactive map: :func:`lots_map`, a folium map that is safe to email and opens offline.

Only allow-listed columns reach the page, as suppressed display text
(:mod:`lotdesign.maps.shared`); practices and offices show their names only; no customer is
drawn. With ``path`` the map is saved by :func:`lotdesign.maps.offline.save_offline`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lotdesign import columns as registry
from lotdesign import settings
from lotdesign.disclosure import SECONDARY_LABEL, suppressed_label
from lotdesign.errors import ValidationError
from lotdesign.maps.offline import save_offline
from lotdesign.maps.shared import (
    LOT_FIELDS,
    LOT_PALETTES,
    PLACES_ATTRIBUTION,
    TIER3_FILL,
    TIER3_LABEL,
    TIER_COLOURS,
    TIER_LABELS,
    UNIT_FIELDS,
    _check_tiers,
    _county,
    _refuse_people,
    _shared_properties,
    _simplify_coverage,
    _to_bng,
    _web_geoms,
    _with_geometry,
    district_polygons,
    lot_colours,
    lot_label_points,
    places_to_label,
    tier3_polygons,
)

__all__ = ["lots_map"]

# Organisation-name columns looked for, in order, on practice and office frames.
_ORG_NAME_COLUMNS = ("name", "practice_name", "office_name", "provider_name", "organisation")
_MISSING = registry.MISSING


def _feature_collection(props: pd.DataFrame, geoms: gpd.GeoSeries) -> dict[str, Any]:
    frame = gpd.GeoDataFrame(props.reset_index(drop=True), geometry=geoms.reset_index(drop=True))
    return frame.to_geo_dict(drop_id=True)


#: An SVG hatch for Tier 3 areas, referenced by the areas' fill (``url(#...)``).
_HATCH_ID = "lotdesign-tier3-hatch"
_HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    f'<pattern id="{_HATCH_ID}" patternUnits="userSpaceOnUse" width="8" height="8" '
    'patternTransform="rotate(45)">'
    f'<rect width="8" height="8" fill="{TIER3_FILL}"/>'
    '<line x1="0" y1="0" x2="0" y2="8" stroke="#8a8a8a" stroke-width="2"/>'
    "</pattern></defs></svg>"
)


def _swatch(colour: str, size: int = 14) -> str:
    return (
        f'<span style="display:inline-block;width:{size}px;height:{size}px;'
        f'vertical-align:middle;background:{colour};border:1px solid #333"></span>'
    )


def _legend_html(
    tiers: Mapping[int, int],
    *,
    title: str,
    synthetic: bool,
    max_count: int,
    has_units: bool,
    tier3: int = 0,
    districts: bool = False,
    places: bool = False,
) -> str:
    rows = "".join(
        "<div>"
        + "".join(_swatch(c, 10) for c in LOT_PALETTES.get(t, (TIER_COLOURS[t],))[:3])
        + f'<span style="margin-left:6px">{html.escape(TIER_LABELS[t])} ({n})</span></div>'
        for t, n in sorted(tiers.items())
    )
    if tiers:
        rows += '<div style="color:#444;font-size:12px">Touching lots have different colours.</div>'
    if tier3:
        rows += (
            '<div><svg width="30" height="14" style="vertical-align:middle">'
            f'<rect width="30" height="14" fill="url(#{_HATCH_ID})" stroke="#333"/></svg>'
            f'<span style="margin-left:6px">{html.escape(TIER3_LABEL)}</span></div>'
        )
    if districts:
        rows += (
            '<div><svg width="30" height="14" style="vertical-align:middle"><line x1="0" '
            'y1="7" x2="30" y2="7" stroke="#222" stroke-width="2" stroke-dasharray="6,3"/>'
            '</svg><span style="margin-left:6px">District boundary</span></div>'
        )
    note = (
        f"Counts of 1 to {max_count} people are shown as "
        f"\u201c{html.escape(suppressed_label(max_count))}\u201d and other counts of people "
        f"are rounded to the nearest {settings.SUPPRESS_ROUNDING_BASE}; "
        f"\u201c{SECONDARY_LABEL}\u201d marks an area whose figures are hidden so that "
        "a hidden count cannot be worked out from the others."
    )
    units_note = (
        "<div>Thin lines: demand units (turn on in the layer list).</div>" if has_units else ""
    )
    synthetic_banner = (
        '<div class="lotdesign-synthetic" style="position:fixed;top:58px;left:50%;'
        "transform:translateX(-50%);z-index:1001;background:#b00020;color:#fff;"
        "font:bold 20px/1.2 Arial,sans-serif;padding:6px 18px;border-radius:4px;"
        'letter-spacing:2px;box-shadow:0 1px 4px rgba(0,0,0,.4)">SYNTHETIC DATA \u2013 '
        "not real people</div>"
        if synthetic
        else ""
    )
    return (
        '<div class="lotdesign-title" style="position:fixed;top:10px;left:50%;'
        "transform:translateX(-50%);z-index:1000;background:rgba(255,255,255,.92);"
        "font:bold 18px/1.3 Arial,sans-serif;padding:6px 14px;border-radius:4px;"
        f'box-shadow:0 1px 4px rgba(0,0,0,.3)">{html.escape(title)}</div>'
        f"{synthetic_banner}"
        '<div class="lotdesign-legend" style="position:fixed;bottom:24px;right:10px;'
        "z-index:1000;background:rgba(255,255,255,.94);font:13px/1.6 Arial,sans-serif;"
        'padding:8px 12px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:320px">'
        f'<div style="font-weight:bold">Lots by tier</div>{rows}{units_note}'
        f'<div style="margin-top:4px;color:#444;font-size:12px">{note}</div>'
        + (
            f'<div style="margin-top:4px;color:#444;font-size:11px">'
            f"{html.escape(PLACES_ATTRIBUTION)}</div>"
            if places
            else ""
        )
        + "</div>"
    )


def _points_layer(
    frame: gpd.GeoDataFrame | None, *, what: str, label: str, colour: str, fmap: Any
) -> None:
    import folium

    if frame is None:
        return
    _refuse_people(frame, what)
    points = _to_bng(frame, what, geom_types=("Point",))
    if points.empty:
        return
    name_column = next((c for c in _ORG_NAME_COLUMNS if c in points.columns), None)
    field = "organisation"
    names = (
        points[name_column].astype("string").fillna(_MISSING)
        if name_column
        else pd.Series(label, index=points.index)
    )
    props = pd.DataFrame({field: names.to_numpy()})
    web = _web_geoms(points.geometry.to_numpy(), points.crs)
    folium.GeoJson(
        _feature_collection(props, web),
        name=f"{label}s ({len(points)})",
        marker=folium.CircleMarker(
            radius=4, color="#222", weight=1, fill=True, fill_color=colour, fill_opacity=0.95
        ),
        tooltip=folium.GeoJsonTooltip(fields=[field], aliases=[label], localize=False),
        show=True,
    ).add_to(fmap)


def lots_map(
    lots: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None = None,
    *,
    outline: gpd.GeoDataFrame | None = None,
    practices: gpd.GeoDataFrame | None = None,
    offices: gpd.GeoDataFrame | None = None,
    title: str = "Proposed home-care lots",
    synthetic: bool = False,
    path: str | Path | None = None,
    tiles: bool = False,
    simplify_tolerance: float | None = None,
    max_count: int | None = None,
    protection: Any = None,
    districts: gpd.GeoDataFrame | None = None,
    place_names: bool = True,
) -> Any:
    """Draw a lot design as an interactive map that is safe to email and opens offline.

    Lots are coloured so that touching lots differ (:func:`lot_colours`: cool colours for
    Tier 1, warm for Tier 2), with a legend and a layer control (one layer per tier, lot
    labels, Tier 3 areas hatched and labelled, district boundaries, place names, demand
    units, GP practices, provider offices, county outline). Hovering over a lot
    shows its figures; clicking pins them. Only the columns in :data:`LOT_FIELDS` and
    :data:`UNIT_FIELDS` reach the page, as text, with counts of 1 to ``max_count`` customers
    suppressed and costs per customer-week blanked where the customer count is suppressed.
    No customer is ever drawn.

    Parameters
    ----------
    lots
        One row per lot (Polygon or MultiPolygon, any projected or geographic CRS; worked in
        British National Grid) with ``lot_id`` and ``tier`` (1-4), plus any of the figure
        columns of :data:`LOT_FIELDS` (``hours``, ``customers``, ``care_workers``,
        ``radius_miles``, ``cost_per_customer_week_now``, ``cost_per_customer_week_proposed``,
        ``passes``/``pass_fail``/``rag``, ``lot_name`` or ``name``). Other columns are ignored.
    units
        Demand units with ``unit_id``, ``lot_id``, ``tier`` and polygons (rows without a
        polygon are skipped); off by default in the layer control.
    outline
        County outline polygon(s). Default: the outer edge of the lots and units.
    practices, offices
        GP practices and provider offices (Points); only their name (column ``name``,
        ``practice_name``, ``office_name``, ``provider_name`` or ``organisation``) is shown.
    title
        Shown at the top of the map and as the page title.
    synthetic
        Show a "SYNTHETIC DATA" banner (use for demo data).
    path
        If given, also save with :func:`save_offline`.
    tiles
        Add an OpenStreetMap base layer. It needs a network, so it is off by default.
    simplify_tolerance
        Tolerance (metres) for ``shapely.coverage_simplify`` on the lot and unit coverages;
        default ``settings.MAP_SIMPLIFY_TOLERANCE_M``.
    max_count
        Largest count of people suppressed; default the protection's, else
        ``settings.SUPPRESS_MAX_COUNT``.
    protection
        The run's secondary suppression (:func:`lotdesign.disclosure.protect`): lots and
        units it suppresses show ``"1–7"`` or ``"[c]"`` and no figures, other counts of people
        are rounded to the nearest 5. Without it, only each area's own small counts are
        suppressed. Either way the polygons must come from public geography
        (:func:`lotdesign.units.public_unit_polygons`), never from customers' locations.
    districts
        District areas (``name``, polygons) drawn as dashed boundaries; default: dissolved
        from ``units`` when they carry a ``district`` column (:func:`district_polygons`).
    place_names
        Name the larger places inside the county (GeoNames, CC BY 4.0, shipped with the
        package; its attribution goes in the legend).

    Returns
    -------
    folium.Map

    Raises
    ------
    ValidationError
        On missing columns, bad tiers, duplicate lot IDs, non-polygon lots, frames without a
        CRS, or practice/office frames that hold person identifiers.
    """
    import folium

    if not isinstance(title, str) or not title.strip():
        raise ValidationError("title must be a non-empty string.")
    if simplify_tolerance is None:
        simplify_tolerance = settings.MAP_SIMPLIFY_TOLERANCE_M
    if max_count is None:
        max_count = protection.max_count if protection is not None else settings.SUPPRESS_MAX_COUNT
    if simplify_tolerance < 0:
        raise ValidationError(f"simplify_tolerance must be 0 or more, got {simplify_tolerance}.")
    lots = _to_bng(lots, "lots", geom_types=("Polygon", "MultiPolygon"))
    missing = [c for c in ("lot_id", "tier") if c not in lots.columns]
    if missing:
        raise ValidationError(f"lots needs columns {missing}; it has {list(lots.columns)}.")
    if lots.empty and (units is None or len(units) == 0):
        # No lot at all (every area bought case by case) still maps its units.
        raise ValidationError("lots has no lot with a polygon to draw, and no units were given.")
    if lots["lot_id"].duplicated().any():
        dupes = lots.loc[lots["lot_id"].duplicated(), "lot_id"].head(3).tolist()
        raise ValidationError(f"lot_id must be unique; repeated: {dupes}.")
    lots = lots.assign(tier=_check_tiers(lots, "lots")).reset_index(drop=True)

    if units is not None:
        units = _to_bng(units, "units", geom_types=("Polygon", "MultiPolygon"))
        missing = [c for c in ("unit_id", "lot_id", "tier") if c not in units.columns]
        if missing:
            raise ValidationError(f"units needs columns {missing}; it has {list(units.columns)}.")
        units = units.assign(tier=_check_tiers(units, "units")).reset_index(drop=True)

    county = _county(lots, units, outline)
    county = shapely.simplify(county, simplify_tolerance, preserve_topology=True)

    lot_geoms = _web_geoms(_simplify_coverage(lots.geometry, simplify_tolerance, "Lot"), lots.crs)
    lot_props = _shared_properties(lots, LOT_FIELDS, max_count, protection)
    aliases = [LOT_FIELDS[c] for c in lot_props.columns]
    # Fill by the lot's shown id: the style is looked up per feature.
    fills = dict(zip(lot_props["lot_id"].astype(str), lot_colours(lots), strict=True))
    tier3 = districts_frame = None
    if units is not None and not units.empty:
        unit_simple = _with_geometry(
            units, _simplify_coverage(units.geometry, simplify_tolerance, "Unit")
        )
        tier3 = tier3_polygons(unit_simple)
        if districts is None:
            districts_frame = district_polygons(unit_simple)
    if districts is not None:
        districts_frame = _to_bng(districts, "districts", geom_types=("Polygon", "MultiPolygon"))
        if "name" not in districts_frame.columns:
            raise ValidationError("districts needs a 'name' column (the district's name).")

    county_web = _web_geoms(np.array([county]), lots.crs)
    west, south, east, north = county_web.total_bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=9,
        tiles=None,
        control_scale=True,
        attribution_control=tiles,
        # Fractional zoom lets a county fill the window rather than the next power of two.
        zoom_snap=0.25,
    )
    fmap.get_root().title = title
    fmap.get_root().html.add_child(folium.Element(_HATCH_SVG), name="lotdesign_hatch")
    fmap.get_root().header.add_child(
        folium.Element(
            "<style>.leaflet-container{background:#dfe6ec;font-family:Arial,sans-serif}"
            ".leaflet-tooltip,.leaflet-popup-content{font-size:13px}</style>"
        ),
        name="lotdesign_style",
    )
    if tiles:
        folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap (needs internet)", overlay=False
        ).add_to(fmap)

    folium.GeoJson(
        {"type": "Feature", "properties": {}, "geometry": county_web.iloc[0].__geo_interface__},
        name="County outline",
        style_function=lambda _f: {
            "color": "#333333",
            "weight": 2,
            "fillColor": "#ffffff",
            "fillOpacity": 0.0 if tiles else 1.0,
        },
        interactive=False,
        control=True,
    ).add_to(fmap)

    tier_counts = lots["tier"].value_counts().to_dict()
    for tier in sorted(tier_counts):
        members = (lots["tier"] == tier).to_numpy()
        colour = TIER_COLOURS[tier]
        swatch = (
            f'<span style="display:inline-block;width:10px;height:10px;background:{colour};'
            'margin-right:4px"></span>'
        )
        folium.GeoJson(
            _feature_collection(lot_props[members], lot_geoms[members]),
            name=f"{swatch}{html.escape(TIER_LABELS[tier])} ({tier_counts[tier]})",
            style_function=lambda f, c=colour, t=tier: (
                {
                    "color": "#8a8a8a",
                    "weight": 1,
                    "fillColor": f"url(#{_HATCH_ID})",
                    "fillOpacity": 1,
                }
                if t == 3
                else {
                    "color": "#ffffff",
                    "weight": 1.5,
                    "fillColor": fills.get(str(f["properties"].get("lot_id")), c),
                    "fillOpacity": 0.85,
                }
            ),
            highlight_function=lambda _f: {"weight": 3, "color": "#000000", "fillOpacity": 0.75},
            tooltip=folium.GeoJsonTooltip(
                fields=list(lot_props.columns), aliases=aliases, localize=False, sticky=True
            ),
            popup=folium.GeoJsonPopup(
                fields=list(lot_props.columns), aliases=aliases, localize=False
            ),
        ).add_to(fmap)

    if tier3 is not None:
        t3_web = _web_geoms(tier3.geometry.to_numpy(), tier3.crs)
        t3_layer = folium.FeatureGroup(name=f"{html.escape(TIER3_LABEL)} ({len(tier3)})")
        folium.GeoJson(
            # No properties: the hatch and the "Tier 3" labels say what these are.
            _feature_collection(pd.DataFrame(index=range(len(tier3))), t3_web),
            style_function=lambda _f: {
                "color": "#8a8a8a",
                "weight": 1,
                "fillColor": f"url(#{_HATCH_ID})",
                "fillOpacity": 1.0,
            },
            interactive=False,
        ).add_to(t3_layer)
        west_m, south_m, east_m, north_m = shapely.bounds(county)
        min_area = 0.004 * (east_m - west_m) * (north_m - south_m)
        big = tier3.geometry.area.to_numpy() >= min_area
        spots = _web_geoms(shapely.point_on_surface(tier3.geometry.to_numpy()[big]), tier3.crs)
        for spot in spots:
            folium.Marker(
                [spot.y, spot.x],
                icon=folium.DivIcon(
                    html=(
                        '<div style="font:italic bold 11px Arial,sans-serif;color:#333;'
                        "white-space:nowrap;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;"
                        'transform:translate(-50%,-50%);display:inline-block">Tier 3</div>'
                    ),
                    icon_size=(0, 0),
                ),
                interactive=False,
            ).add_to(t3_layer)
        t3_layer.add_to(fmap)

    if districts_frame is not None and len(districts_frame):
        # Only the boundaries between districts: the county's edge is drawn already.
        inner = shapely.difference(
            shapely.boundary(
                shapely.simplify(districts_frame.geometry.to_numpy(), simplify_tolerance)
            ),
            shapely.buffer(shapely.boundary(county), 60),
        )
        d_web = _web_geoms(inner, districts_frame.crs)
        folium.GeoJson(
            _feature_collection(pd.DataFrame(index=range(len(districts_frame))), d_web),
            name=f"District boundaries ({len(districts_frame)})",
            style_function=lambda _f: {
                "color": "#222222",
                "weight": 2,
                "dashArray": "6,3",
                "fill": False,
            },
            interactive=False,
        ).add_to(fmap)

    labels = folium.FeatureGroup(name="Lot labels", show=len(lots) <= 60)
    anchors = lot_label_points(lots, county, max_labels=30)
    points = _web_geoms(anchors, lots.crs)
    for lot_id, point in zip(lot_props["lot_id"], points, strict=True):
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(
                html=(
                    '<div style="font:bold 11px Arial,sans-serif;color:#111;white-space:nowrap;'
                    "text-shadow:0 0 3px #fff,0 0 3px #fff;transform:translate(-50%,-50%);"
                    f'display:inline-block">{html.escape(lot_id)}</div>'
                ),
                icon_size=(0, 0),
            ),
            interactive=False,
        ).add_to(labels)
    labels.add_to(fmap)

    if units is not None and not units.empty:
        unit_geoms = _web_geoms(
            _simplify_coverage(units.geometry, simplify_tolerance, "Unit"), units.crs
        )
        unit_props = _shared_properties(units, UNIT_FIELDS, max_count, protection)
        folium.GeoJson(
            _feature_collection(unit_props, unit_geoms),
            name=f"Demand units ({len(units)})",
            style_function=lambda f: {
                "color": "#555555",
                "weight": 0.8,
                "fillColor": TIER_COLOURS.get(int(f["properties"].get("tier", 3)), "#999"),
                "fillOpacity": 0.25,
            },
            highlight_function=lambda _f: {"weight": 2, "color": "#000000"},
            tooltip=folium.GeoJsonTooltip(
                fields=list(unit_props.columns),
                aliases=[UNIT_FIELDS[c] for c in unit_props.columns],
                localize=False,
                sticky=True,
            ),
            show=False,
        ).add_to(fmap)

    avoid = [shapely.get_coordinates(anchors)]
    if tier3 is not None:
        avoid.append(shapely.get_coordinates(shapely.point_on_surface(tier3.geometry)))
    places = places_to_label(county, max_labels=30, avoid=np.vstack(avoid)) if place_names else None
    if places is not None and len(places):
        group = folium.FeatureGroup(name=f"Place names ({len(places)})")
        spots = _web_geoms(shapely.points(places[["x", "y"]].to_numpy()), settings.CRS_BNG)
        for row, spot in zip(places.itertuples(), spots, strict=True):
            size = 13 if row.population >= 50_000 else 12 if row.population >= 20_000 else 11
            folium.Marker(
                [spot.y, spot.x],
                icon=folium.DivIcon(
                    html=(
                        '<div style="position:absolute;left:-2px;top:-2px;width:4px;height:4px;'
                        'border-radius:2px;background:#111"></div>'
                        f'<div style="position:absolute;top:-4px;transform:translate(-50%,-100%);'
                        f"font:{size}px Georgia,serif;color:#000;white-space:nowrap;"
                        'text-shadow:0 0 2px #fff,0 0 3px #fff,0 0 4px #fff">'
                        f"{html.escape(row.name)}</div>"
                    ),
                    icon_size=(0, 0),
                ),
                interactive=False,
            ).add_to(group)
        group.add_to(fmap)

    _points_layer(practices, what="practices", label="GP practice", colour="#ffffff", fmap=fmap)
    _points_layer(offices, what="offices", label="Provider office", colour="#f0e442", fmap=fmap)

    fmap.get_root().html.add_child(
        folium.Element(
            _legend_html(
                tier_counts,
                title=title,
                synthetic=synthetic,
                max_count=max_count,
                has_units=units is not None and not units.empty,
                tier3=0 if tier3 is None else len(tier3),
                districts=districts_frame is not None and len(districts_frame) > 0,
                places=places is not None and len(places) > 0,
            )
        )
    )
    folium.LayerControl(collapsed=False).add_to(fmap)
    # Keep the county clear of the title above it.
    fmap.fit_bounds([[south, west], [north, east]], padding_top_left=(10, 70))
    if path is not None:
        save_offline(fmap, path)
    return fmap
