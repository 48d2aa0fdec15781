"""Areas lots nest in (``within``): districts, localities, Primary Care Networks.

Commissioners work to boundaries: a lot that crosses a district line has two councils'
teams, and a GP-practice lot that splits a Primary Care Network splits its multidisciplinary
team. :func:`within_areas` gives every unit the area it must share with the rest of its lot;
:func:`lotdesign.lots.design` then grows lots only inside one area, and
:func:`lotdesign.checks.check_plan` checks it (rule ``within``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lotdesign.errors import ValidationError

__all__ = ["within_areas"]

_POLYGON_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb")


def within_areas(
    units: pd.DataFrame, within: str | Path, *, column: str | None = None
) -> pd.Series:
    """Each unit's area: ``unit_id`` -> area label.

    Parameters
    ----------
    units
        Demand units (``unit_id``, ``x``, ``y``, ``district``).
    within
        ``"district"`` (the units' own district column), a CSV of unit id -> area (two
        columns, or name the area column with ``column``; e.g. NHS's LSOA -> PCN table for
        LSOA units, or an ePCN practice -> PCN table for GP-practice units), or a polygon file
        (GeoJSON, GeoPackage, shapefile) whose polygons units fall in by their point.
    column
        The area column of a CSV or polygon file (default: a CSV's second column; a polygon
        file's first text column).

    Returns
    -------
    pandas.Series
        Indexed by ``unit_id`` (str); units of no area are a ValidationError.
    """
    ids = units["unit_id"].astype(str)
    if isinstance(within, str) and within == "district":
        if "district" not in units.columns or units["district"].isna().all():
            raise ValidationError("within: district needs the units' district column")
        area = pd.Series(units["district"].to_numpy(), index=ids.to_numpy())
        return _complete(area, ids, "district")
    path = Path(within)
    if not path.is_file():
        raise ValidationError(
            f"within: {path} is neither 'district' nor a file; give a CSV of unit -> area or "
            "a polygon file of areas"
        )
    if path.suffix.lower() in _POLYGON_SUFFIXES:
        return _from_polygons(units, path, column)
    table = pd.read_csv(path, dtype=str)
    # The unit id column is the one that names the most units.
    matches = {c: table[c].isin(set(ids)).sum() for c in table.columns}
    id_col = max(matches, key=lambda c: (matches[c], -list(table.columns).index(c)))
    if matches[id_col] == 0:
        raise ValidationError(
            f"within: no column of {path.name} holds these units' ids (e.g. {ids.iloc[0]!r})"
        )
    if column is None:
        others = [c for c in table.columns if c != id_col]
        if len(others) != 1:
            raise ValidationError(
                f"within: {path.name} has columns {list(table.columns)}; name the area column "
                "with rules.within_column"
            )
        column = others[0]
    if column not in table.columns:
        raise ValidationError(f"within: {path.name} has no column {column!r}")
    area = table.drop_duplicates(id_col).set_index(id_col)[column]
    return _complete(area, ids, path.name)


def _from_polygons(units: pd.DataFrame, path: Path, column: str | None) -> pd.Series:
    import geopandas as gpd

    from lotdesign import settings

    areas = gpd.read_file(path).to_crs(settings.CRS_BNG)
    if column is None:
        text = [c for c in areas.columns if c != "geometry" and areas[c].dtype == object]
        if not text:
            raise ValidationError(f"within: {path.name} has no text column naming its areas")
        column = text[0]
    points = gpd.GeoDataFrame(
        {"unit_id": units["unit_id"].astype(str).to_numpy()},
        geometry=gpd.points_from_xy(units["x"], units["y"]),
        crs=settings.CRS_BNG,
    )
    # A point on no polygon (a coastal centroid just offshore) takes the nearest area.
    joined = gpd.sjoin_nearest(points, areas[[column, "geometry"]], how="left")
    area = joined.drop_duplicates("unit_id").set_index("unit_id")[column]
    return _complete(area, units["unit_id"].astype(str), path.name)


def _complete(area: pd.Series, ids: pd.Series, what: str) -> pd.Series:
    area.index = area.index.astype(str)
    out = area.reindex(ids.to_numpy())
    if out.isna().any():
        missing = list(out.index[out.isna()][:5])
        raise ValidationError(
            f"within: {int(out.isna().sum())} unit(s) have no area in {what} (e.g. {missing})"
        )
    out.name = "area"
    return out.astype(str)
