"""Boundaries (LSOAs, wards, a county outline): anything geopandas/pyogrio reads."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd

from lotdesign import settings
from lotdesign.errors import ValidationError

_ID_PATTERNS = (
    r"lsoa\d\dcd",
    r"wd\d\dcd",
    r"msoa\d\dcd",
    r"oa\d\dcd",
    r"lad\d\dcd",
    r".*cd",
    r"code",
    r"id",
)
_NAME_PATTERNS = (r"lsoa\d\dnm", r"wd\d\dnm", r"msoa\d\dnm", r"lad\d\dnm", r".*nm", r"name")


def _pick(columns: list[str], patterns: tuple[str, ...]) -> str | None:
    for pattern in patterns:
        for col in columns:
            if re.fullmatch(pattern, col.lower()):
                return col
    return None


def read_boundaries(
    path: str | Path,
    *,
    layer: str | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Read polygons and reproject them to British National Grid (EPSG:27700).

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, shapefile … anything pyogrio reads.
    layer
        Layer name for multi-layer files (GeoPackage).
    id_column, name_column
        Columns holding each area's code and name. Found by pattern when not given
        (``LSOA21CD``/``LSOA21NM``, ``WD25CD``/``WD25NM`` …).

    Returns
    -------
    geopandas.GeoDataFrame
        ``boundary_id``, ``boundary_name``, geometry, plus the file's own columns.
    """
    path = Path(path)
    if not path.exists():
        raise ValidationError(
            f"Boundary file {path} does not exist. Check inputs.boundaries in the config."
        )
    try:
        frame = gpd.read_file(path, layer=layer)
    except Exception as exc:
        raise ValidationError(f"{path} cannot be read as a boundary file: {exc}") from exc
    if frame.empty:
        raise ValidationError(f"Boundary file {path} has no features.")
    if frame.crs is None:
        raise ValidationError(
            f"{path} has no coordinate reference system; save it with one (EPSG:27700 or "
            "EPSG:4326)."
        )
    if not frame.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        raise ValidationError(f"{path}: boundaries must be polygons.")
    cols = [c for c in frame.columns if c != frame.geometry.name]
    for given, label in ((id_column, "id_column"), (name_column, "name_column")):
        if given is not None and given not in cols:
            raise ValidationError(
                f"{path}: {label} '{given}' not found; columns are {', '.join(cols)}."
            )
    id_col = id_column or _pick(cols, _ID_PATTERNS)
    if id_col is None:
        raise ValidationError(
            f"{path}: cannot tell which column holds the area code; pass id_column (columns: "
            f"{', '.join(cols)})."
        )
    name_col = name_column or _pick(cols, _NAME_PATTERNS) or id_col
    frame = frame.to_crs(settings.CRS_BNG)
    frame.insert(0, "boundary_id", frame[id_col].astype(str))
    frame.insert(1, "boundary_name", frame[name_col].astype(str))
    frame["geometry"] = frame.geometry.make_valid()
    frame.attrs["source"] = path.name
    return frame
