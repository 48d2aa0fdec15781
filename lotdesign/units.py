"""Demand units: customers aggregated to postcode sectors, districts, LSOAs or GP practices.

A demand unit is the building block of lots. Each has a point (the hours-weighted centroid of
its customers, or its GP practice), a polygon (a boundary if one is given, otherwise a
Voronoi cell of the unit points clipped to the study area and to the land: a boundary file
clipped to the coast, or :func:`land_mask` of the area's postcodes), its demand (customers,
weekly hours, current weekly cost), a rurality class and its neighbours (units sharing an
edge over land).

Those polygons are for the analyst's machine only: a Voronoi cell around customers' centre
gives the centre back from its edges, and for a unit of one customer that is a home. Shared
maps draw :func:`public_unit_polygons` instead (boundary files, or the cells of every postcode
in the lookup dissolved by unit), which do not depend on where any customer lives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from lotdesign import rurality, settings
from lotdesign.errors import ValidationError

UNIT_TYPES: tuple[str, ...] = ("postcode_sector", "postcode_district", "lsoa", "gp_practice")

UNIT_COLUMNS: tuple[str, ...] = (
    "unit_id",
    "name",
    "unit_type",
    "customers",
    "hours",
    "weekly_cost",
    "x",
    "y",
    "district",
    "rurality",
    "rurality_source",
    "neighbours",
    "flag",
)


def assign_units(
    customers: pd.DataFrame,
    *,
    unit_type: str = "postcode_sector",
    boundaries: gpd.GeoDataFrame | None = None,
    practices: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Give each customer the id of its demand unit.

    Parameters
    ----------
    customers
        Accepted customers (``Extract.customers``): ``postcode``, ``easting``,
        ``northing``, and ``lsoa`` / ``gp_practice`` where the unit type needs them.
    unit_type
        ``postcode_sector`` (default), ``postcode_district``, ``lsoa`` or ``gp_practice``.
    boundaries
        For ``lsoa``: LSOA polygons (:func:`lotdesign.io.read_boundaries`); customers are
        placed by point in polygon. Without them the lookup's ``lsoa`` column is used.
    practices
        For ``gp_practice``: practices from :func:`lotdesign.io.read_epraccur`. A customer
        whose practice is blank, unknown or not open goes to the nearest open practice.

    Returns
    -------
    pandas.DataFrame
        A copy of ``customers`` with ``unit_id`` and ``unit_note`` (why a customer was placed
        other than by its own record, else "").
    """
    _check_unit_type(unit_type)
    out = customers.copy()
    out["unit_note"] = ""
    if unit_type == "postcode_sector":
        out["unit_id"] = out["postcode"].str[:-2]
    elif unit_type == "postcode_district":
        out["unit_id"] = out["postcode"].str.split(" ").str[0]
    elif unit_type == "lsoa":
        if boundaries is not None:
            pts = gpd.GeoDataFrame(
                geometry=gpd.points_from_xy(out["easting"], out["northing"]), crs=settings.CRS_BNG
            )
            joined = gpd.sjoin(
                pts, boundaries[["boundary_id", "geometry"]], how="left", predicate="within"
            )
            joined = joined[~joined.index.duplicated(keep="first")]
            unit = joined["boundary_id"].reindex(pts.index).to_numpy()
            outside = pd.isna(unit)
            if outside.any():
                # Points on an edge or just outside (coastline) go to the nearest polygon.
                near = gpd.sjoin_nearest(
                    pts[outside], boundaries[["boundary_id", "geometry"]], how="left"
                )
                near = near[~near.index.duplicated(keep="first")]
                unit[outside] = near["boundary_id"].to_numpy()
                out.loc[outside, "unit_note"] = "outside every boundary; nearest one used"
            out["unit_id"] = unit
        else:
            if "lsoa" not in out or out["lsoa"].isna().all():
                raise ValidationError(
                    "units: lsoa needs LSOA codes from the postcode lookup (an ONSPD/NSPL or the "
                    "ONS postcode-to-LSOA lookup) or LSOA boundary polygons (inputs.boundaries)."
                )
            missing = out["lsoa"].isna()
            out["unit_id"] = out["lsoa"]
            if missing.any():
                known = out[~missing]
                tree = cKDTree(known[["easting", "northing"]].to_numpy())
                _, idx = tree.query(out.loc[missing, ["easting", "northing"]].to_numpy())
                out.loc[missing, "unit_id"] = known["lsoa"].to_numpy()[idx]
                out.loc[missing, "unit_note"] = "no LSOA in lookup; nearest customer's LSOA used"
    else:
        out = _assign_practices(out, practices)
    return out


def _assign_practices(out: pd.DataFrame, practices: pd.DataFrame | None) -> pd.DataFrame:
    if practices is None:
        raise ValidationError(
            "units: gp_practice needs GP practices: set inputs.gp_practices to an NHS ODS "
            "epraccur.csv."
        )
    usable = practices[practices["is_open"] & practices["easting"].notna()]
    if usable.empty:
        raise ValidationError("units: no open, geocoded GP practice to build units from.")
    status = practices.set_index("code")["status"]
    recorded = out["gp_practice"] if "gp_practice" in out else pd.Series(None, index=out.index)
    ok = recorded.isin(set(usable["code"]))
    tree = cKDTree(usable[["easting", "northing"]].to_numpy())
    _, idx = tree.query(out[["easting", "northing"]].to_numpy())
    nearest = usable["code"].to_numpy()[idx]
    out["unit_id"] = np.where(ok, recorded, nearest)
    for i in out.index[~ok]:
        code = recorded[i]
        if not isinstance(code, str) or not code:
            why = "no GP practice recorded"
        elif code in status.index:
            why = f"practice {code} is {status[code]}"
        else:
            why = f"practice {code} is not in the practice file"
        out.at[i, "unit_note"] = f"{why}; nearest open practice used"
    return out


def build_units(
    customers: pd.DataFrame,
    *,
    unit_type: str = "postcode_sector",
    boundaries: gpd.GeoDataFrame | None = None,
    practices: pd.DataFrame | None = None,
    reference_postcodes: pd.DataFrame | None = None,
    study_area: shapely.Geometry | None = None,
    land_closing_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Aggregate customers (with ``unit_id`` from :func:`assign_units`) into demand units.

    Parameters
    ----------
    customers
        Customers with ``unit_id``, ``weekly_hours``, ``weekly_cost``, ``easting``,
        ``northing``, ``district`` and ``rurality`` (may be None).
    unit_type
        As given to :func:`assign_units`.
    boundaries
        Unit polygons (``lsoa`` with boundaries); for other unit types the union of the
        boundaries is the study area the Voronoi cells are clipped to. With ``lsoa``,
        boundary areas without customers become units with no demand, so that lots stay
        contiguous across them.
    practices
        GP practices (``gp_practice`` units): a unit's point is its practice's location.
    reference_postcodes
        A postcode lookup for the area (all postcodes, not only customers'); its points
        give the density proxy for rurality when customers have no official class.
    study_area
        Polygon to clip Voronoi cells to. Default: the union of ``boundaries`` if given
        (boundary files clipped to the coast are land), else :func:`default_study_area` (a
        concave hull of the postcodes in play) cut to :func:`land_mask` of the reference
        postcodes, so that cells end at the coast.
    land_closing_m
        ``closing_m`` of that :func:`land_mask` (default ``settings.LAND_MASK_CLOSING_M``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit in EPSG:27700 with the columns of :data:`UNIT_COLUMNS` and the
        unit polygon as geometry, ordered by ``unit_id``.
    """
    _check_unit_type(unit_type)
    need = ["unit_id", "weekly_hours", "easting", "northing"]
    missing = [c for c in need if c not in customers]
    if missing:
        raise ValidationError(
            f"build_units: customers lack {', '.join(missing)}; run assign_units first."
        )
    if customers.empty:
        raise ValidationError("build_units: there are no customers to build units from.")
    c = customers.copy()
    c["_wx"] = c["easting"] * c["weekly_hours"]
    c["_wy"] = c["northing"] * c["weekly_hours"]
    if "weekly_cost" not in c:
        c["weekly_cost"] = np.nan
    g = c.groupby("unit_id", sort=True)
    units = pd.DataFrame(
        {
            "customers": g.size(),
            "hours": g["weekly_hours"].sum(),
            "weekly_cost": g["weekly_cost"].sum(min_count=1),
            "x": g["_wx"].sum() / g["weekly_hours"].sum(),
            "y": g["_wy"].sum() / g["weekly_hours"].sum(),
        }
    )
    units["district"] = _mode_by_hours(c, "district")
    units["rurality"] = _mode_by_hours(c, "rurality")
    if "unit_note" in c:
        notes = c[c["unit_note"] != ""].groupby("unit_id").size()
        units["flag"] = [
            f"{int(notes[u])} customer(s) placed by fallback" if u in notes.index else ""
            for u in units.index
        ]
    else:
        units["flag"] = ""
    units.index.name = "unit_id"
    units = units.reset_index()
    units["name"] = units["unit_id"]
    units["unit_type"] = unit_type

    if unit_type == "gp_practice" and practices is not None:
        prac = practices.set_index("code")
        units["x"] = prac["easting"].reindex(units["unit_id"]).to_numpy()
        units["y"] = prac["northing"].reindex(units["unit_id"]).to_numpy()
        units["name"] = prac["name"].reindex(units["unit_id"]).fillna(units["unit_id"]).to_numpy()

    geometry: gpd.GeoSeries
    if unit_type == "lsoa" and boundaries is not None:
        units, geometry = _with_boundaries(units, boundaries, study_area)
    else:
        area = study_area
        if area is None and boundaries is not None:
            # Boundary files (BFC/BGC) are clipped to the coast: their union is land.
            area = shapely.union_all(boundaries.geometry.to_numpy())
        elif area is None:
            area = default_study_area(c, reference_postcodes)
            if reference_postcodes is not None and len(reference_postcodes):
                # Without a boundary file, land is where postcodes are: cells stop at the
                # coast, so units on two shores of an estuary do not touch across the water.
                # The lookup's postcodes alone, so the shared maps' land is the same shape.
                points = reference_postcodes[["easting", "northing"]].dropna().to_numpy(float)
                area = shapely.intersection(area, land_mask(points, closing_m=land_closing_m))
        points = units[["x", "y"]].to_numpy()
        geometry = gpd.GeoSeries(_voronoi_cells(points, area), crs=settings.CRS_BNG)

    units = gpd.GeoDataFrame(units, geometry=geometry.to_numpy(), crs=settings.CRS_BNG)
    units["rurality_source"] = np.where(
        units["rurality"].notna(), "ONS rural-urban class (postcode lookup)", ""
    )
    todo = units["rurality"].isna().to_numpy()
    if todo.any():
        if reference_postcodes is not None and len(reference_postcodes):
            ref = reference_postcodes[["easting", "northing"]].dropna().to_numpy()
            source = "density proxy: live postcodes per km² within 2 km"
        else:
            ref = c[["easting", "northing"]].to_numpy()
            source = "density proxy from customers' postcodes only (no reference lookup)"
        units.loc[todo, "rurality"] = rurality.density_proxy(
            units.loc[todo, ["x", "y"]].to_numpy(), ref
        )
        units.loc[todo, "rurality_source"] = source
    units["neighbours"] = _neighbours(units)
    units["customers"] = units["customers"].astype(int)
    units = units[[*UNIT_COLUMNS, "geometry"]].sort_values("unit_id").reset_index(drop=True)
    units.attrs["unit_type"] = unit_type
    return units


def default_study_area(
    customers: pd.DataFrame, reference_postcodes: pd.DataFrame | None = None
) -> shapely.Geometry:
    """The area lots are drawn in when no boundary file is given.

    A concave hull (:data:`lotdesign.settings.STUDY_AREA_HULL_RATIO`) of all live postcodes
    in the districts in play, when a reference lookup is given, together with the customers'
    own postcodes, buffered by :data:`lotdesign.settings.STUDY_AREA_BUFFER_M`. It follows the
    settled shape of a county far better than a convex hull, so maps read without a boundary.
    """
    points = [customers[["easting", "northing"]].to_numpy(dtype=float)]
    if reference_postcodes is not None and len(reference_postcodes):
        points.append(reference_postcodes[["easting", "northing"]].dropna().to_numpy(dtype=float))
    hulls = [
        shapely.concave_hull(shapely.multipoints(p), ratio=settings.STUDY_AREA_HULL_RATIO)
        for p in points
        if len(p)
    ]
    area = shapely.union_all(hulls).buffer(settings.STUDY_AREA_BUFFER_M)
    return shapely.simplify(area, settings.STUDY_AREA_BUFFER_M / 10)


def land_mask(
    points: np.ndarray, *, closing_m: float | None = None, grid_m: float | None = None
) -> shapely.Geometry:
    """Land as postcodes see it: the morphological closing of the postcode points.

    Every postcode is on land and the sea has none. The points are grown by ``closing_m``,
    merged and shrunk back by as much (a closing), so gaps between postcodes narrower than
    twice ``closing_m`` (fields, woods, the Downs) stay land, while open water wider than that
    (the sea, wide estuaries and harbours) does not; the coast is drawn along the outermost
    postcodes. Holes enclosed by land (empty downland, forests, reservoirs) are filled: water
    must reach the edge to count. A channel narrower than twice ``closing_m`` between two
    shores' postcodes is bridged; give a boundary file clipped to the coast (ONS BFC/BGC) or a
    road file where that matters. An isolated postcode keeps a small disc of land.

    Parameters
    ----------
    points
        Postcode points (BNG metres), ``(n, 2)``: every live postcode of the area, not only
        customers'.
    closing_m
        Closing radius (metres); default ``settings.LAND_MASK_CLOSING_M``.
    grid_m
        Points are first thinned to one per grid cell of this size (metres); default a
        tenth of ``closing_m``, so the coast moves by at most ~70 m.

    Returns
    -------
    shapely.Geometry
        A (Multi)Polygon in the points' coordinates.
    """
    closing_m = settings.LAND_MASK_CLOSING_M if closing_m is None else float(closing_m)
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if not len(pts):
        raise ValidationError("land_mask needs at least one point with a grid reference.")
    if closing_m <= 0:
        raise ValidationError(f"land_mask: closing_m must be positive; got {closing_m}.")
    grid_m = closing_m / 10 if grid_m is None else float(grid_m)
    thin = np.unique(np.round(pts / grid_m) * grid_m, axis=0)
    key = (hashlib.sha1(thin.tobytes()).hexdigest(), closing_m, grid_m)
    if key in _LAND_MASKS:
        return _LAND_MASKS[key]
    _LAND_MASKS.clear()  # one area at a time: the units' and the maps' calls share it
    _LAND_MASKS[key] = mask = _close_points(thin, closing_m, grid_m)
    return mask


#: The last land mask made, by its thinned points: a run asks twice (units, shared maps).
_LAND_MASKS: dict[tuple, shapely.Geometry] = {}


def _close_points(thin: np.ndarray, closing_m: float, grid_m: float) -> shapely.Geometry:
    grown = shapely.union_all(shapely.buffer(shapely.points(thin), closing_m, quad_segs=4))
    closed = shapely.buffer(grown, -closing_m, quad_segs=4)
    filled = shapely.union_all(
        [shapely.Polygon(p.exterior) for p in shapely.get_parts(closed) if not p.is_empty]
    )
    # A postcode farther than twice the radius from any other is not lost with its gap.
    alone = thin[~shapely.contains_xy(filled, thin[:, 0], thin[:, 1])]
    keep = shapely.buffer(shapely.points(alone), grid_m, quad_segs=2)
    mask = shapely.union_all([filled, *keep])
    return shapely.make_valid(shapely.simplify(mask, grid_m / 2))


def _check_unit_type(unit_type: str) -> None:
    if unit_type not in UNIT_TYPES:
        raise ValidationError(
            f"units: unknown unit type '{unit_type}'. Allowed: {', '.join(UNIT_TYPES)}."
        )


def _mode_by_hours(c: pd.DataFrame, column: str) -> pd.Series:
    if column not in c or c[column].isna().all():
        return pd.Series(None, index=sorted(c["unit_id"].unique()), dtype=object)
    sums = (
        c.dropna(subset=[column])
        .groupby(["unit_id", column])["weekly_hours"]
        .sum()
        .reset_index()
        .sort_values(["unit_id", "weekly_hours", column], ascending=[True, False, True])
        .drop_duplicates("unit_id")
        .set_index("unit_id")[column]
    )
    return sums.reindex(sorted(c["unit_id"].unique())).astype(object)


def _with_boundaries(
    units: pd.DataFrame, boundaries: gpd.GeoDataFrame, study_area: shapely.Geometry | None
) -> tuple[pd.DataFrame, gpd.GeoSeries]:
    b = boundaries.drop_duplicates("boundary_id").set_index("boundary_id")
    if study_area is not None:
        b = b[b.intersects(study_area)]
    ids = sorted(set(b.index) | set(units["unit_id"]))
    unknown = set(units["unit_id"]) - set(b.index)
    if unknown:
        raise ValidationError(
            f"units: {len(unknown)} unit(s) have no boundary polygon (e.g. "
            f"{sorted(unknown)[0]}); check the boundary file matches the lookup's LSOA vintage."
        )
    units = units.set_index("unit_id").reindex(ids)
    empty = units["customers"].isna()
    rep = b.geometry.reindex(ids).representative_point()
    units.loc[empty, "x"] = rep.x[empty].to_numpy()
    units.loc[empty, "y"] = rep.y[empty].to_numpy()
    units.loc[empty, ["customers", "hours"]] = 0
    units.loc[empty, "flag"] = "no current customers"
    units["name"] = b["boundary_name"].reindex(ids).to_numpy()
    if "LADCD_ACTIVE" in b:
        units["district"] = units["district"].fillna(b["LADCD_ACTIVE"].reindex(ids))
    units["unit_type"] = "lsoa"
    units = units.reset_index().rename(columns={"index": "unit_id"})
    return units, gpd.GeoSeries(b.geometry.reindex(ids).to_numpy(), crs=settings.CRS_BNG)


def _voronoi_cells(points: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    """One Voronoi cell per point, clipped to ``area``, in the points' order."""
    pts = np.array(points, dtype=float)
    if len(pts) == 1:
        return np.array([area])
    # Coincident points (two practices at one address) get split by a metre so each gets a cell.
    _, first = np.unique(pts.round(3), axis=0, return_index=True)
    dup = np.setdiff1d(np.arange(len(pts)), first)
    pts[dup] += np.column_stack([np.arange(1, len(dup) + 1), np.zeros(len(dup))])
    xmin, ymin, xmax, ymax = area.bounds
    pad = max(xmax - xmin, ymax - ymin)
    envelope = shapely.box(xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=envelope)
    )
    # voronoi_polygons does not keep input order: match cells back to points.
    tree = shapely.STRtree(cells)
    pidx, cidx = tree.query(shapely.points(pts), predicate="intersects")
    order = np.full(len(pts), -1)
    order[pidx[::-1]] = cidx[::-1]
    cells = cells[order]
    # Most cells lie well inside the area (a coast or a land mask has many vertices): only
    # those that cross its edge are cut.
    shapely.prepare(area)
    inside = shapely.contains_properly(area, cells)
    clipped = cells.copy()
    clipped[~inside] = shapely.intersection(cells[~inside], area)
    return np.array([shapely.make_valid(g) for g in clipped])


def _neighbours(units: gpd.GeoDataFrame) -> list[str]:
    """Units sharing an edge (a shared boundary of positive length; corners don't count)."""
    geoms = units.geometry.to_numpy()
    ids = units["unit_id"].to_numpy()
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    tree = shapely.STRtree(geoms[valid])
    pos = np.flatnonzero(valid)
    left, right = tree.query(geoms[valid], predicate="intersects")
    keep = left < right
    left, right = pos[left[keep]], pos[right[keep]]
    # Boundaries from files rarely meet exactly: a 1 m tolerance finds shared edges.
    shared = shapely.length(
        shapely.intersection(
            shapely.boundary(geoms[left]), shapely.buffer(shapely.boundary(geoms[right]), 1.0)
        )
    )
    overlap = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    edge = (shared > 2.0) | (overlap > 1.0)
    neigh: list[list[str]] = [[] for _ in range(len(units))]
    for a, b in zip(left[edge], right[edge], strict=True):
        neigh[a].append(ids[b])
        neigh[b].append(ids[a])
    return [";".join(sorted(n)) for n in neigh]


# --- Public geometry for shared outputs -------------------------------------------------------


def public_unit_polygons(
    units: pd.DataFrame,
    reference_postcodes: pd.DataFrame | None,
    *,
    unit_type: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    study_area: shapely.Geometry | None = None,
    min_part_m2: float | None = None,
    land_closing_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Unit polygons drawn from public geography only: what a shared map may show.

    A unit's own polygon (:func:`build_units`) is a Voronoi cell around the hours-weighted
    centre of its customers; its straight edges give that centre back, and for a unit of one
    customer the centre is their home. Anything that leaves the analyst's machine draws these
    polygons instead, which do not depend on where any customer lives:

    - ``lsoa`` units with a boundary file: the boundary polygons;
    - every other unit type: the Voronoi cells of **every** live postcode of the lookup in the
      area (``reference_postcodes``, customers' or not), each labelled with the unit that
      postcode belongs to (its sector or district, its LSOA in the lookup, or for
      ``gp_practice`` units the nearest unit practice, a public location), dissolved by unit.
      A postcode whose sector (district, LSOA) has no customers takes the unit of the nearest
      postcode that has one, so the units tile the area. For sectors and districts, a
      postcode more than ``PUBLIC_GEOMETRY_STRAY_M`` from every other postcode of its unit
      (a large user's, or an estimated grid reference) takes the unit of its nearest
      postcode. Parts of a unit smaller than ``min_part_m2`` that are not its largest part
      are given to the neighbour they share most boundary with (postcode geography
      interleaves in towns).

    Parameters
    ----------
    units
        Demand units (:func:`build_units`): ``unit_id`` and, for ``gp_practice``, the
        practices' points ``x``, ``y``.
    reference_postcodes
        Every live postcode of the area: ``postcode``, ``easting``, ``northing`` (and
        ``lsoa`` for ``lsoa`` units), e.g. the lookup restricted to the districts in play.
        Not needed for ``lsoa`` units with ``boundaries``.
    unit_type
        The units' type; default ``units.attrs["unit_type"]`` or the ``unit_type`` column.
    boundaries
        Boundary polygons (``boundary_id``, geometry): the units themselves for ``lsoa``,
        else the study area.
    study_area
        Polygon the cells are clipped to; default the union of ``boundaries``, else
        :func:`public_study_area` of the reference postcodes cut to their :func:`land_mask`.
    min_part_m2
        Smallest detached part kept with its own unit; default
        ``settings.PUBLIC_GEOMETRY_MIN_PART_M2``.
    land_closing_m
        ``closing_m`` of the study area's :func:`land_mask`: the units' own
        (:func:`build_units`), so that the shared polygons have the same coast (default
        ``settings.LAND_MASK_CLOSING_M``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``unit_id`` and geometry (EPSG:27700), one row per unit in the order of ``units``;
        None for a unit no reference postcode falls in. ``attrs["source"]`` says what the
        polygons were built from.
    """
    if unit_type is None:
        unit_type = units.attrs.get("unit_type") or (
            str(units["unit_type"].iloc[0]) if "unit_type" in units and len(units) else None
        )
    _check_unit_type(str(unit_type))
    ids = units["unit_id"].astype(str).to_numpy()
    if unit_type == "lsoa" and boundaries is not None:
        b = boundaries.drop_duplicates("boundary_id").set_index("boundary_id").geometry
        geoms = b.reindex(ids).to_numpy()
        out = gpd.GeoDataFrame({"unit_id": ids}, geometry=geoms, crs=settings.CRS_BNG)
        out.attrs["source"] = "boundary file"
        return out
    if reference_postcodes is None or len(reference_postcodes) == 0:
        raise ValidationError(
            "public unit polygons need every postcode of the area (the postcode lookup for the "
            "districts in play), so that no shared polygon is drawn around customers' homes."
        )
    min_part_m2 = settings.PUBLIC_GEOMETRY_MIN_PART_M2 if min_part_m2 is None else min_part_m2
    ref = reference_postcodes.dropna(subset=["easting", "northing"])
    ref = ref.drop_duplicates("postcode")
    xy = ref[["easting", "northing"]].to_numpy(dtype=float)
    labels = _postcode_units(ref, units, str(unit_type))
    known = pd.Series(labels).isin(set(ids)).to_numpy()
    if not known.any():
        raise ValidationError(
            f"no postcode of the lookup falls in any {unit_type} unit; check that the lookup "
            "covers the extract's districts."
        )
    if (~known).any():
        _, nearest = cKDTree(xy[known]).query(xy[~known])
        labels = labels.copy()
        labels[~known] = labels[known][nearest]
    points, where = np.unique(xy, axis=0, return_inverse=True)
    where = np.ravel(where)
    # Postcodes sharing a grid reference share one cell: it goes to their most common unit.
    point_labels = (
        pd.DataFrame({"p": where, "u": labels})
        .value_counts()
        .reset_index()
        .sort_values(["p", "count", "u"], ascending=[True, False, True])
        .drop_duplicates("p")
        .set_index("p")["u"]
        .reindex(range(len(points)))
        .to_numpy()
    )
    if unit_type in ("postcode_sector", "postcode_district"):
        point_labels = _settle_strays(points, point_labels)
    if study_area is None:
        study_area = (
            shapely.union_all(boundaries.geometry.to_numpy())
            if boundaries is not None
            else shapely.intersection(
                public_study_area(ref), land_mask(xy, closing_m=land_closing_m)
            )
        )
    cells = _voronoi_cells(points, study_area)
    by_unit = pd.Series(np.arange(len(points))).groupby(point_labels).apply(list).to_dict()
    merged = {u: _union_coverage(cells[idx]) for u, idx in by_unit.items()}
    merged = _absorb_fragments(merged, min_part_m2)
    geoms = [merged.get(u) for u in ids]
    out = gpd.GeoDataFrame({"unit_id": ids}, geometry=geoms, crs=settings.CRS_BNG)
    out.attrs["source"] = "Voronoi cells of every postcode in the lookup, dissolved by unit"
    return out


def public_study_area(reference_postcodes: pd.DataFrame) -> shapely.Geometry:
    """The study area from the lookup's postcodes alone (no customer's point shapes it).

    As :func:`default_study_area`, without the customers' own postcodes.
    """
    points = reference_postcodes[["easting", "northing"]].dropna().to_numpy(dtype=float)
    if not len(points):
        raise ValidationError("public_study_area needs at least one postcode with a grid point.")
    hull = shapely.concave_hull(shapely.multipoints(points), ratio=settings.STUDY_AREA_HULL_RATIO)
    area = hull.buffer(settings.STUDY_AREA_BUFFER_M)
    return shapely.simplify(area, settings.STUDY_AREA_BUFFER_M / 10)


def _postcode_units(ref: pd.DataFrame, units: pd.DataFrame, unit_type: str) -> np.ndarray:
    """The unit each reference postcode belongs to (may name a unit that has no customers)."""
    postcode = ref["postcode"].astype(str)
    if unit_type == "postcode_sector":
        return postcode.str[:-2].to_numpy(dtype=object)
    if unit_type == "postcode_district":
        return postcode.str.split(" ").str[0].to_numpy(dtype=object)
    if unit_type == "lsoa":
        if "lsoa" not in ref or ref["lsoa"].isna().all():
            raise ValidationError(
                "public unit polygons for lsoa units need the lookup's LSOA codes or an LSOA "
                "boundary file (inputs.boundaries)."
            )
        return ref["lsoa"].astype(object).where(ref["lsoa"].notna(), "").to_numpy(dtype=object)
    # gp_practice: a unit's point is its practice's registered location, which is public.
    sites = units[["x", "y"]].to_numpy(dtype=float)
    ok = np.isfinite(sites).all(axis=1)
    _, nearest = cKDTree(sites[ok]).query(ref[["easting", "northing"]].to_numpy(dtype=float))
    return units["unit_id"].astype(str).to_numpy(dtype=object)[ok][nearest]


def _settle_strays(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """A postcode far from the rest of its unit takes the unit of its nearest postcode.

    ``points`` are the lookup's distinct grid references, ``labels`` their units. Far: more
    than settings.PUBLIC_GEOMETRY_STRAY_M from every other point of its unit. Such a
    postcode is a large user's, or its grid reference is estimated (``BN11 1LW``, of a
    Worthing sector, sits 10 km north on the Downs); drawn as it stands, its cell would be a
    piece of a lot far from the lot. A unit whose points are all far apart keeps them; two
    strays within the limit of each other stay too. The rule reads the lookup only, never
    the customers. For postcode sectors and districts, whose postcodes the lookup places
    (LSOAs and GP practices are areas of their own).
    """
    limit = settings.PUBLIC_GEOMETRY_STRAY_M
    if limit <= 0 or len(points) < 2:
        return labels
    stray = np.zeros(len(points), dtype=bool)
    for idx in pd.Series(np.arange(len(points))).groupby(labels).indices.values():
        if len(idx) < 2:
            continue
        gap, _ = cKDTree(points[idx]).query(points[idx], k=2)
        far = gap[:, 1] > limit
        if not far.all():
            stray[idx[far]] = True
    if not stray.any():
        return labels
    _, nearest = cKDTree(points[~stray]).query(points[stray])
    out = labels.copy()
    out[stray] = labels[~stray][nearest]
    return out


def _union_coverage(parts: np.ndarray) -> shapely.Geometry:
    parts = parts[~(shapely.is_missing(parts) | shapely.is_empty(parts))]
    if not len(parts):
        return None
    try:
        merged = shapely.coverage_union_all(parts)
    except shapely.errors.GEOSException:
        merged = shapely.union_all(parts)
    return shapely.make_valid(merged)


def _absorb_fragments(
    geoms: dict[str, shapely.Geometry], min_part_m2: float
) -> dict[str, shapely.Geometry]:
    """Give each small detached part of a unit (not its largest) to the neighbour sharing most
    of its boundary; a part that touches no other unit stays."""
    if min_part_m2 <= 0:
        return geoms
    names = [u for u, g in geoms.items() if g is not None and not g.is_empty]
    pieces: dict[str, list[shapely.Geometry]] = {}
    small: list[tuple[str, shapely.Geometry]] = []
    for u in names:
        parts = [p for p in shapely.get_parts(geoms[u]) if p.geom_type == "Polygon"]
        parts.sort(key=lambda p: -p.area)
        pieces[u] = parts[:1]
        for part in parts[1:]:
            if part.area < min_part_m2:
                small.append((u, part))
            else:
                pieces[u].append(part)
    if not small:
        return geoms
    kept = {u: shapely.union_all(pieces[u]) for u in names}
    tree_names = list(kept)
    tree = shapely.STRtree([kept[u] for u in tree_names])
    for owner, part in small:
        best, best_len = owner, 0.0
        ring = part.exterior
        for i in tree.query(ring, predicate="intersects"):
            other = tree_names[i]
            if other == owner:
                continue
            length = shapely.length(shapely.intersection(ring, kept[other].boundary))
            if length > best_len:
                best, best_len = other, length
        pieces[best].append(part)
    return {
        **geoms,
        **{u: shapely.make_valid(shapely.union_all(pieces[u])) for u in names},
    }


def neighbour_map(units: pd.DataFrame) -> dict[str, list[str]]:
    """The ``neighbours`` column as a dict from unit id to a list of neighbouring unit ids."""
    return {
        u: [v for v in str(n).split(";") if v] if isinstance(n, str) else []
        for u, n in zip(units["unit_id"], units["neighbours"], strict=True)
    }


def make_units(
    customers: pd.DataFrame,
    *,
    unit_type: str = "postcode_sector",
    boundaries: gpd.GeoDataFrame | None = None,
    practices: pd.DataFrame | None = None,
    reference_postcodes: pd.DataFrame | None = None,
    study_area: shapely.Geometry | None = None,
    land_closing_m: float | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Assign customers to units and build the units: ``(units, customers_with_unit_id)``.

    See :func:`assign_units` and :func:`build_units` for the parameters.
    """
    placed = assign_units(
        customers, unit_type=unit_type, boundaries=boundaries, practices=practices
    )
    units = build_units(
        placed,
        unit_type=unit_type,
        boundaries=boundaries,
        practices=practices,
        reference_postcodes=reference_postcodes,
        study_area=study_area,
        land_closing_m=land_closing_m,
    )
    rur = units.set_index("unit_id")["rurality"]
    placed["rurality"] = placed["rurality"].fillna(placed["unit_id"].map(rur))
    return units, placed


def write_units(units: gpd.GeoDataFrame, path: str | Path, *, layer: str = "units") -> Path:
    """Write units to a GeoPackage (replacing the file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    units.to_file(path, layer=layer, driver="GPKG")
    return path


__all__: Sequence[str] = (
    "UNIT_COLUMNS",
    "UNIT_TYPES",
    "assign_units",
    "build_units",
    "land_mask",
    "make_units",
    "neighbour_map",
    "public_study_area",
    "public_unit_polygons",
    "write_units",
)
