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
)

__all__ = ["lots_map"]

# Organisation-name columns looked for, in order, on practice and office frames.
_ORG_NAME_COLUMNS = ("name", "practice_name", "office_name", "provider_name", "organisation")
_MISSING = registry.MISSING


def _feature_collection(props: pd.DataFrame, geoms: gpd.GeoSeries) -> dict[str, Any]:
    frame = gpd.GeoDataFrame(props.reset_index(drop=True), geometry=geoms.reset_index(drop=True))
    return frame.to_geo_dict(drop_id=True)


def _legend_html(
    tiers: Mapping[int, int], *, title: str, synthetic: bool, max_count: int, has_units: bool
) -> str:
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;margin-right:6px;'
        f'vertical-align:middle;background:{TIER_COLOURS[t]};opacity:.8;border:1px solid #333">'
        f"</span>{html.escape(TIER_LABELS[t])} ({n})</div>"
        for t, n in sorted(tiers.items())
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
        f'<div style="margin-top:4px;color:#444;font-size:12px">{note}</div></div>'
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
) -> Any:
    """Draw a lot design as an interactive map that is safe to email and opens offline.

    Lots are coloured by tier, with a legend and a layer control (one layer per tier, lot
    labels, demand units, GP practices, provider offices, county outline). Hovering over a lot
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
            style_function=lambda _f, c=colour: {
                "color": "#ffffff",
                "weight": 1.5,
                "fillColor": c,
                "fillOpacity": 0.6,
            },
            highlight_function=lambda _f: {"weight": 3, "color": "#000000", "fillOpacity": 0.75},
            tooltip=folium.GeoJsonTooltip(
                fields=list(lot_props.columns), aliases=aliases, localize=False, sticky=True
            ),
            popup=folium.GeoJsonPopup(
                fields=list(lot_props.columns), aliases=aliases, localize=False
            ),
        ).add_to(fmap)

    labels = folium.FeatureGroup(name="Lot labels", show=len(lots) <= 60)
    points = _web_geoms(shapely.point_on_surface(lots.geometry.to_numpy()), lots.crs)
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
            )
        )
    )
    folium.LayerControl(collapsed=False).add_to(fmap)
    # Keep the county clear of the title above it.
    fmap.fit_bounds([[south, west], [north, east]], padding_top_left=(10, 70))
    if path is not None:
        save_offline(fmap, path)
    return fmap
