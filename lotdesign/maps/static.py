"""The static map: :func:`static_map`, a matplotlib figure (PNG, SVG, PDF) for a report.

Lots filled so that touching lots differ (cool colours for Tier 1 lots, warm for Tier 2
zones, as on the interactive map), Tier 3 areas hatched grey, district boundaries dashed, the
larger towns named (GeoNames, CC BY 4.0), inside the county outline, with a legend and a scale
bar. No figures and no people are drawn, so nothing needs suppressing; the polygons given must
come from public geography (:func:`lotdesign.units.public_unit_polygons`), as SVG paths keep
every vertex of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.maps.shared import (
    LOT_PALETTES,
    PLACES_ATTRIBUTION,
    TIER3_FILL,
    TIER3_LABEL,
    TIER_COLOURS,
    TIER_LABELS,
    _check_tiers,
    _county,
    _refuse_people,
    _simplify_coverage,
    _to_bng,
    _with_geometry,
    district_polygons,
    lot_colours,
    lot_label_points,
    places_to_label,
    tier3_polygons,
)

__all__ = ["static_map"]


def static_map(
    lots: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None = None,
    *,
    path: str | Path,
    outline: gpd.GeoDataFrame | None = None,
    practices: gpd.GeoDataFrame | None = None,
    offices: gpd.GeoDataFrame | None = None,
    title: str = "Proposed home-care lots",
    synthetic: bool = False,
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = 150,
    label_lots: bool | None = None,
    simplify_tolerance: float | None = None,
    districts: gpd.GeoDataFrame | None = None,
    place_names: bool = True,
) -> list[Path]:
    """Draw a lot design as a static figure for a report (matplotlib; PNG and SVG).

    Lots are filled so that no two touching lots share a colour (:func:`lot_colours`: cool
    colours for Tier 1, warm for Tier 2), labelled with their IDs; Tier 3 areas (units of
    tier 3) are hatched grey and labelled; district boundaries are dashed; the larger places
    are named (GeoNames, CC BY 4.0, shipped with the package); all inside the county
    outline, with a legend, a 10 km scale bar and, for demo data, a "SYNTHETIC DATA" label.
    No figures and no people are drawn, so nothing needs suppressing.

    Parameters
    ----------
    lots, units, outline, practices, offices, title, synthetic
        As in :func:`lots_map`.
    path
        Output path; each format is written with its own suffix (``lots.png``, ``lots.svg``).
    formats
        Any of ``"png"``, ``"svg"``, ``"pdf"``.
    dpi
        Resolution of raster output.
    label_lots
        Write lot IDs on the lots; default: when there are at most 60 lots.
    simplify_tolerance
        As in :func:`lots_map` (default ``settings.MAP_SIMPLIFY_TOLERANCE_M``); keeps the SVG
        small.
    districts
        District areas (``name``, polygons) drawn as dashed boundaries; default: dissolved
        from ``units`` when they carry a ``district`` column (:func:`district_polygons`).
    place_names
        Name the larger places inside the county (GeoNames, with its attribution).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if simplify_tolerance is None:
        simplify_tolerance = settings.MAP_SIMPLIFY_TOLERANCE_M
    formats = [f.lower().lstrip(".") for f in formats]
    unknown = sorted(set(formats) - {"png", "svg", "pdf"})
    if unknown or not formats:
        raise ValidationError(f"formats must be some of png, svg, pdf; got {list(formats)}.")
    lots = _to_bng(lots, "lots", geom_types=("Polygon", "MultiPolygon"))
    for column in ("lot_id", "tier"):
        if column not in lots.columns:
            raise ValidationError(f"lots needs a {column!r} column.")
    if lots.empty and (units is None or len(units) == 0):
        raise ValidationError("lots has no lot with a polygon to draw, and no units were given.")
    lots = lots.assign(tier=_check_tiers(lots, "lots"))
    # The county is the lots and the units (Tier 3 areas lie outside every lot).
    shape = (
        None if units is None else _to_bng(units, "units", geom_types=("Polygon", "MultiPolygon"))
    )
    county = gpd.GeoSeries([_county(lots, shape, outline)], crs=settings.CRS_BNG)

    lots = _with_geometry(lots, _simplify_coverage(lots.geometry, simplify_tolerance, "Lot"))
    lots["fill"] = lot_colours(lots)
    unit_lines = None
    tier3 = None
    if units is not None:
        unit_frame = _to_bng(units, "units", geom_types=("Polygon", "MultiPolygon"))
        simple = _simplify_coverage(unit_frame.geometry, simplify_tolerance, "Unit")
        unit_lines = gpd.GeoSeries(simple, crs=settings.CRS_BNG).boundary
        tier3 = tier3_polygons(_with_geometry(unit_frame, simple))
        if districts is None:
            districts = district_polygons(_with_geometry(unit_frame, simple))
    district_lines = None
    if districts is not None and len(districts):
        district_lines = _to_bng(
            districts, "districts", geom_types=("Polygon", "MultiPolygon")
        ).boundary
    point_layers = []
    for frame, what, marker, colour in (
        (practices, "GP practices", "o", "#ffffff"),
        (offices, "Provider offices", "s", "#f0e442"),
    ):
        if frame is not None:
            _refuse_people(frame, what)
            pts = _to_bng(frame, what, geom_types=("Point",))
            if not pts.empty:
                point_layers.append((pts, what, marker, colour))

    west, south, east, north = county.total_bounds
    pad = 0.03 * max(east - west, north - south)
    west, south, east, north = west - pad, south - pad, east + pad, north + pad
    # Size the figure to the county's shape so the map, not white space, fills the page.
    map_height = float(np.clip(8.0 * (north - south) / (east - west), 4.0, 11.0))
    with matplotlib.rc_context({"svg.hashsalt": "lotdesign", "svg.fonttype": "none"}):
        fig = Figure(figsize=(8.0, map_height + 1.0 + 0.4 * synthetic), layout="constrained")
        ax = fig.add_subplot()
        ax.set_facecolor("#e8eef3")
        county.plot(ax=ax, color="#ffffff", edgecolor="#333333", linewidth=1.2, zorder=1)
        spot = lots["tier"] == 3
        if (~spot).any():
            lots[~spot].plot(
                ax=ax, color=lots.loc[~spot, "fill"], edgecolor="#ffffff", linewidth=1.0, zorder=2
            )
        # Tier 3 (bought case by case) is hatched grey, whether given as lots or as units.
        for frame in (lots[spot] if spot.any() else None, tier3):
            if frame is None:
                continue
            with matplotlib.rc_context({"hatch.color": "#8a8a8a", "hatch.linewidth": 0.6}):
                frame.plot(
                    ax=ax,
                    facecolor=TIER3_FILL,
                    edgecolor="#8a8a8a",
                    hatch="////",
                    linewidth=0.6,
                    zorder=2,
                )
        if unit_lines is not None:
            unit_lines.plot(ax=ax, color="#666666", linewidth=0.15, alpha=0.6, zorder=3)
        if district_lines is not None:
            # Only the boundaries between districts: the county's edge is drawn already.
            district_lines = district_lines.difference(county.iloc[0].boundary.buffer(60))
            district_lines.plot(
                ax=ax, color="#222222", linewidth=1.1, linestyle=(0, (4, 2)), zorder=4
            )
        handles: list[Any] = []
        for t in sorted(lots["tier"].unique()):
            palette = LOT_PALETTES.get(int(t), (TIER_COLOURS[int(t)],))
            swatch = tuple(Patch(facecolor=c, edgecolor="#333", linewidth=0.5) for c in palette[:3])
            handles.append((swatch, TIER_LABELS[int(t)]))
        if tier3 is not None:
            handles.append(
                (
                    Patch(facecolor=TIER3_FILL, edgecolor="#8a8a8a", hatch="////"),
                    TIER3_LABEL,
                )
            )
        if district_lines is not None:
            handles.append(
                (Line2D([], [], color="#222", linewidth=1.1, linestyle=(0, (4, 2))), "District")
            )
        for pts, what, marker, colour in point_layers:
            style = {"marker": marker, "markerfacecolor": colour, "markeredgecolor": "#222"}
            ax.plot(pts.geometry.x, pts.geometry.y, linestyle="", markersize=4, zorder=5, **style)
            handles.append((Line2D([], [], linestyle="", **style), what))
        if tier3 is not None:
            # Name each Tier 3 area big enough to hold the words.
            min_area = 0.004 * (east - west) * (north - south)
            for part in tier3.geometry:
                if part.area < min_area:
                    continue
                spot = part.point_on_surface()
                ax.annotate(
                    "Tier 3",
                    (spot.x, spot.y),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    fontstyle="italic",
                    color="#333333",
                    zorder=6,
                    bbox={
                        "boxstyle": "round,pad=0.15",
                        "fc": "#ffffff",
                        "ec": "none",
                        "alpha": 0.8,
                    },
                )
        anchors = lot_label_points(lots, county.iloc[0], max_labels=28)
        avoid = [shapely.get_coordinates(anchors)]
        if tier3 is not None:
            avoid.append(shapely.get_coordinates(shapely.point_on_surface(tier3.geometry)))
        places = (
            places_to_label(county.iloc[0], max_labels=28, avoid=np.vstack(avoid))
            if place_names
            else None
        )
        if places is not None and len(places):
            ax.plot(places["x"], places["y"], "o", color="#111", markersize=1.8, zorder=6)
            for row in places.itertuples():
                ax.annotate(
                    row.name,
                    (row.x, row.y),
                    xytext=(0, 2.5),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=6 if row.population < 20_000 else 7,
                    fontweight="bold" if row.population >= 50_000 else "normal",
                    color="#111111",
                    zorder=7,
                    bbox={
                        "boxstyle": "square,pad=0.05",
                        "fc": "#ffffff",
                        "ec": "none",
                        "alpha": 0.55,
                    },
                )
        if label_lots is None:
            label_lots = len(lots) <= 60
        if label_lots:
            for lot_id, anchor in zip(lots["lot_id"], anchors, strict=True):
                ax.annotate(
                    str(lot_id),
                    (anchor.x, anchor.y),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    zorder=6,
                    color="#111111",
                    # A box, not a path effect, keeps the label a <text> element in SVG.
                    bbox={
                        "boxstyle": "round,pad=0.15",
                        "fc": "#ffffff",
                        "ec": "none",
                        "alpha": 0.7,
                    },
                )
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_aspect("equal")
        ax.set_autoscale_on(False)
        _scale_bar(ax)
        ax.set_axis_off()
        fig.suptitle(title, fontsize=13, fontweight="bold")
        if synthetic:
            ax.set_title(
                "SYNTHETIC DATA \u2013 not real people",
                fontsize=12,
                fontweight="bold",
                color="#ffffff",
                backgroundcolor="#b00020",
            )
        fig.legend(
            handles=[h for h, _ in handles],
            labels=[label for _, label in handles],
            handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
            loc="outside lower center",
            ncols=3,
            fontsize=8,
            frameon=False,
        )
        if places is not None and len(places):
            ax.text(
                1.0,
                0.0,
                PLACES_ATTRIBUTION,
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=6,
                color="#333",
            )
        base = Path(path)
        base.parent.mkdir(parents=True, exist_ok=True)
        written = []
        for fmt in formats:
            target = base.with_suffix(f".{fmt}")
            # No creation date, so the same design gives the same file.
            metadata = {"Date": None} if fmt in ("svg", "pdf") else {}
            metadata["Title"] = title
            fig.savefig(target, format=fmt, dpi=dpi, metadata=metadata, facecolor="#ffffff")
            written.append(target)
    return written


def _scale_bar(ax: Any, length_m: float = 10_000.0) -> None:
    """A plain scale bar in the lower right: BNG units are metres, so it is exact."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    length = length_m if width > 2.5 * length_m else max(round(width / 5, -3), 1000.0)
    right = x1 - 0.04 * width
    bottom = y0 + 0.04 * (y1 - y0)
    ax.plot([right - length, right], [bottom, bottom], color="#111", linewidth=3, zorder=7)
    ax.text(
        right - length / 2,
        bottom + 0.012 * (y1 - y0),
        f"{length / 1000:g} km",
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=7,
    )
