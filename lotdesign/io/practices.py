"""GP practices: NHS ODS ``epraccur`` and the ePCN practice-to-PCN table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lotdesign import postcodes as pc
from lotdesign.errors import ValidationError
from lotdesign.io.lookups import geocode, read_postcode_lookup

#: The 27 fields of epraccur, in order (NHS Digital ODS, "GP and GP practice related data").
EPRACCUR_FIELDS: tuple[str, ...] = (
    "code",
    "name",
    "national_grouping",
    "health_geography",
    "address_1",
    "address_2",
    "address_3",
    "address_4",
    "address_5",
    "postcode",
    "open_date",
    "close_date",
    "status_code",
    "organisation_sub_type",
    "commissioner",
    "join_provider_date",
    "left_provider_date",
    "telephone",
    "null_19",
    "null_20",
    "null_21",
    "amended_record",
    "null_23",
    "provider_purchaser",
    "null_25",
    "prescribing_setting",
    "null_27",
)
#: ODS status codes.
STATUS: dict[str, str] = {"A": "active", "C": "closed", "D": "dormant", "P": "proposed"}
#: Prescribing setting 4 is a GP practice (others: out-of-hours, walk-in centres, prisons …).
GP_PRESCRIBING_SETTING: str = "4"


def read_epraccur(
    path: str | Path,
    *,
    lookup: str | Path | list | pd.DataFrame = "packaged",
    gp_only: bool = True,
) -> pd.DataFrame:
    """Read an NHS ODS ``epraccur`` file (no header, 27 fields) and geocode it.

    Parameters
    ----------
    path
        The CSV as downloaded from NHS ODS (``epraccur.csv``).
    lookup
        Postcode lookup to geocode practices with (a frame or what
        :func:`lotdesign.io.read_postcode_lookup` takes).
    gp_only
        Keep only GP practices (prescribing setting 4). Closed practices are kept, with
        their status, so that customers registered with them can be re-homed.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``postcode``, ``status`` (active/closed/dormant/proposed),
        ``is_open``, ``open_date``, ``close_date``, ``commissioner``,
        ``prescribing_setting``, ``easting``, ``northing``, ``district``.

    Raises
    ------
    lotdesign.ValidationError
        The file is missing, empty or not in the epraccur layout.
    """
    path = Path(path)
    if not path.exists():
        raise ValidationError(
            f"GP practice file {path} does not exist. Check inputs.gp_practices in the config "
            "(the NHS ODS epraccur.csv)."
        )
    if path.stat().st_size == 0:
        raise ValidationError(f"GP practice file {path} is empty.")
    raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    if raw.shape[1] != len(EPRACCUR_FIELDS):
        raise ValidationError(
            f"{path}: expected the NHS ODS epraccur layout (27 fields, no header row) but found "
            f"{raw.shape[1]} fields in the first row. Download epraccur.csv from NHS ODS "
            "without editing it."
        )
    raw.columns = list(EPRACCUR_FIELDS)
    if pc.normalise(raw.at[0, "postcode"]) is not None and not pc.is_valid(
        pc.normalise(raw.at[0, "postcode"])
    ):
        raise ValidationError(
            f"{path}: field 10 of the first row ('{raw.at[0, 'postcode']}') is not a postcode; "
            "is there a header row? epraccur has none."
        )
    frame = pd.DataFrame(
        {
            "code": raw["code"].str.strip().str.upper(),
            "name": raw["name"].str.strip(),
            "postcode": pc.normalise_series(raw["postcode"]),
            "status": raw["status_code"].str.strip().map(STATUS).fillna("unknown"),
            "open_date": pd.to_datetime(raw["open_date"], format="%Y%m%d", errors="coerce"),
            "close_date": pd.to_datetime(raw["close_date"], format="%Y%m%d", errors="coerce"),
            "commissioner": raw["commissioner"].str.strip(),
            "prescribing_setting": raw["prescribing_setting"].str.strip(),
        }
    )
    if gp_only:
        frame = frame[frame["prescribing_setting"] == GP_PRESCRIBING_SETTING]
    frame["is_open"] = frame["status"] == "active"
    lk = (
        lookup
        if isinstance(lookup, pd.DataFrame)
        else read_postcode_lookup(lookup, postcodes=frame["postcode"].dropna().unique())
    )
    found = geocode(frame["postcode"], lk)
    frame["easting"] = found["easting"].to_numpy()
    frame["northing"] = found["northing"].to_numpy()
    frame["district"] = found["district"].to_numpy()
    frame = frame.reset_index(drop=True)
    frame.attrs["source"] = f"NHS ODS epraccur ({path.name})"
    frame.attrs["not_geocoded"] = frame.loc[np.isnan(frame["easting"]), "code"].tolist()
    return frame


def read_epcn(path: str | Path, *, sheet: str | None = None) -> pd.DataFrame:
    """Read the NHS ePCN practice-to-PCN table (CSV, or the ``ePCN.xlsx`` workbook).

    Returns ``code`` (practice), ``pcn_code``, ``pcn_name``, for current memberships (no end
    date). In the workbook the sheet is "PCN Core Partner Details".
    """
    path = Path(path)
    if not path.exists():
        raise ValidationError(f"ePCN file {path} does not exist.")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raw = pd.read_excel(path, sheet_name=sheet or "PCN Core Partner Details", dtype=str)
    else:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    cols = {c.lower().strip(): c for c in raw.columns}
    need = {
        "code": "partner organisation code",
        "pcn_code": "pcn code",
        "pcn_name": "pcn name",
    }
    missing = [v for v in need.values() if v not in cols]
    if missing:
        raise ValidationError(
            f"{path}: expected the ePCN 'PCN Core Partner Details' columns; missing "
            f"{', '.join(missing)}."
        )
    out = pd.DataFrame({k: raw[cols[v]].str.strip() for k, v in need.items()})
    end_col = cols.get("practice to pcn relationship end date")
    if end_col is not None:
        out = out[raw[end_col].fillna("").str.strip() == ""]
    return out.drop_duplicates("code").reset_index(drop=True)
