"""Tests of the demo county generator (lotdesign.datasets.demo).

The demo is generated once per module (a few seconds) and inspected from the files it wrote,
as a user or the readers would see them. ``_reference_check`` applies the reader contract
(check order, reason codes) independently of lotdesign's reader, so that every planted row is
shown to have exactly its one fault and every clean row none.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from lotdesign import ValidationError, settings
from lotdesign import postcodes as pc
from lotdesign.datasets import _places
from lotdesign.datasets import demo as demo_mod
from lotdesign.datasets import settings as demo_settings
from lotdesign.datasets.demo import (
    COLUMNS,
    GP_UNKNOWN_CODE,
    REJECT_REASONS,
    SHEET,
    DemoFiles,
    make_demo,
)
from lotdesign.io.lookups import read_postcode_lookup

AS_OF = pd.Timestamp("2026-11-01")


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def files(base: Path) -> DemoFiles:
    return make_demo(
        base / "data" / "raw",
        processed_dir=str(base / "data" / "processed"),
        reports_dir=str(base / "reports"),
    )


@pytest.fixture(scope="module")
def sheet(files: DemoFiles) -> pd.DataFrame:
    frame = pd.read_excel(files.extract, sheet_name=SHEET, dtype=object)
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="source_row")  # header is row 1
    return frame


@pytest.fixture(scope="module")
def planted(files: DemoFiles) -> pd.DataFrame:
    return pd.read_csv(files.planted)


@pytest.fixture(scope="module")
def lookup(files: DemoFiles) -> pd.DataFrame:
    # The generator's own cached read of read_postcode_lookup("packaged", districts=...):
    # reading the packaged lookup again would only cost seconds.
    return _places._lookup(tuple(demo_settings.DEMO_DISTRICTS))


@pytest.fixture(scope="module")
def checked(sheet: pd.DataFrame) -> pd.DataFrame:
    return _reference_check(sheet)


@pytest.fixture(scope="module")
def live(checked: pd.DataFrame) -> pd.DataFrame:
    """Accepted lines active on the analysis date."""
    return checked[(checked["reason"] == "") & checked["active"]]


# --- A reference implementation of the reader contract ---------------------------------------


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).replace("\u00a3", "").replace(",", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def _date(value: object) -> pd.Timestamp | None:
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return pd.Timestamp(value)
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return pd.Timestamp(dt.datetime.strptime(str(value).strip(), fmt))
        except ValueError:
            pass
    return None


def _first_fault(row: pd.Series, postcode: str | None, duplicate: bool) -> str:
    """The reader contract's checks, in its order; "" if the row passes them all."""
    c = COLUMNS
    hours_raw, cost_raw = row[c["weekly_hours"]], row[c["weekly_cost"]]
    start_raw, end_raw = row[c["start_date"]], row[c["end_date"]]
    if duplicate:
        return "duplicate_row"
    if _blank(row[c["customer_id"]]):
        return "customer_id_missing"
    if postcode is None:
        return "postcode_missing"
    if not pc.is_valid(postcode):
        return "postcode_invalid"
    if _blank(hours_raw):
        return "hours_missing"
    hours = _number(hours_raw)
    if hours is None:
        return "hours_not_numeric"
    if hours <= 0:
        return "hours_not_positive"
    if hours > settings.MAX_WEEKLY_HOURS:
        return "hours_implausible"
    cost = None if _blank(cost_raw) else _number(cost_raw)
    if not _blank(cost_raw) and cost is None:
        return "cost_not_numeric"
    if cost is not None and cost < 0:
        return "cost_negative"
    start = None if _blank(start_raw) else _date(start_raw)
    end = None if _blank(end_raw) else _date(end_raw)
    if (not _blank(start_raw) and start is None) or (not _blank(end_raw) and end is None):
        return "date_invalid"
    if start is not None and end is not None and end < start:
        return "end_before_start"
    return ""


def _reference_check(sheet: pd.DataFrame) -> pd.DataFrame:
    """First failing reason of each row ("" if none), with parsed values and activity."""
    c = COLUMNS
    duplicated = sheet.map(repr).duplicated(keep="first")
    postcodes = pc.normalise_series(sheet[c["postcode"]])
    real = set(read_postcode_lookup("packaged", postcodes=postcodes.dropna().tolist())["postcode"])
    out = []
    for (row_no, row), postcode, dup in zip(sheet.iterrows(), postcodes, duplicated, strict=True):
        reason = _first_fault(row, postcode, bool(dup))
        parsed = {"hours": None, "cost": None, "start": None, "end": None, "active": False}
        if reason == "":
            cost_raw, end_raw = row[c["weekly_cost"]], row[c["end_date"]]
            start, end = _date(row[c["start_date"]]), None if _blank(end_raw) else _date(end_raw)
            parsed = {
                "hours": _number(row[c["weekly_hours"]]),
                "cost": None if _blank(cost_raw) else _number(cost_raw),
                "start": start,
                "end": end,
                "active": start <= AS_OF and (end is None or end >= AS_OF),
            }
            # Only rows that survive exclusion are looked up.
            if parsed["active"] and postcode not in real:
                reason = "postcode_not_found"
        out.append(
            {
                "source_row": row_no,
                "reason": reason,
                "customer_id": row[c["customer_id"]],
                "postcode": postcode,
                "provider": row[c["provider"]],
                "gp_practice": row[c["gp_practice"]],
                **parsed,
            }
        )
    frame = pd.DataFrame(out).set_index("source_row")
    frame["cost"] = frame["cost"].astype(float)
    return frame


# --- Files and labelling ----------------------------------------------------------------------


def test_files_are_written_and_say_synthetic(files: DemoFiles, sheet: pd.DataFrame) -> None:
    for path in (files.extract, files.practices, files.providers, files.config, files.planted):
        assert path.is_file() and path.stat().st_size > 0
    assert files.extract.name == "extract.xlsx"
    notes = pd.read_excel(files.extract, sheet_name="README", header=None)[0].tolist()
    assert notes[0] == demo_mod.SYNTHETIC_NOTE
    assert "SYNTHETIC" in notes[0] and "not real people" in notes[0]
    providers = pd.read_csv(files.providers)
    assert list(providers.columns) == ["provider", "office_postcode", "synthetic"]
    assert providers["synthetic"].all()
    assert providers["provider"].str.endswith("(synthetic)").all()
    config = yaml.safe_load(files.config.read_text(encoding="utf-8"))
    assert config["synthetic"] is True and "SYNTHETIC" in config["name"]
    with open(files.practices, newline="") as fh:
        names = [fields[1] for fields in csv.reader(fh)]
    assert all(name.endswith("(SYNTHETIC)") for name in names)
    assert set(sheet.columns) >= set(COLUMNS.values())


def test_config_maps_the_files(files: DemoFiles) -> None:
    config = yaml.safe_load(files.config.read_text(encoding="utf-8"))
    inputs = config["inputs"]
    folder = files.config.parent
    for key in ("packages", "gp_practices", "providers"):
        assert not Path(inputs[key]).is_absolute()
        assert (folder / inputs[key]).is_file()
    assert inputs["sheet"] == SHEET
    assert inputs["columns"] == COLUMNS
    assert inputs["postcode_lookup"] == "packaged"
    assert str(inputs["as_of"]) == "2026-11-01"
    assert config["units"] == "postcode_sector"
    assert config["outputs"] == {"processed": "../processed", "reports": "../../reports"}


def test_same_seed_same_data_other_seed_other_data(
    files: DemoFiles, sheet: pd.DataFrame, base: Path
) -> None:
    again = make_demo(base / "again", processed_dir=str(base), reports_dir=str(base))
    other = make_demo(base / "other", seed=demo_settings.DEMO_SEED + 1)
    same = pd.read_excel(again.extract, sheet_name=SHEET, dtype=object)
    pd.testing.assert_frame_equal(same, sheet.reset_index(drop=True))
    for name in ("practices", "providers", "planted"):
        assert getattr(again, name).read_bytes() == getattr(files, name).read_bytes()
    different = pd.read_excel(other.extract, sheet_name=SHEET, dtype=object)
    assert not different.equals(sheet.reset_index(drop=True))
    assert other.practices.read_bytes() != files.practices.read_bytes()


# --- Customers, hours and money ---------------------------------------------------------------


def test_customers_and_hours(live: pd.DataFrame) -> None:
    hours = live.groupby("customer_id")["hours"].sum()
    assert len(hours) == demo_settings.DEMO_CUSTOMERS
    assert abs(hours.mean() - demo_settings.DEMO_MEAN_WEEKLY_HOURS) <= 0.5
    assert hours.max() <= settings.MAX_WEEKLY_HOURS
    # Heavy tail: a handful of very large packages, and a long right tail in the rest.
    assert 3 <= (hours >= 80).sum() <= 8
    assert hours.max() <= 250
    assert hours.quantile(0.99) > 4 * hours.median()
    assert hours.skew() > 2
    # Planned in quarter hours, with daily-visit values (3.5, 7, 10.5, 14) common.
    assert np.allclose(live["hours"] * 4, np.round(live["hours"] * 4))
    common = hours.value_counts().head(10).index
    assert {3.5, 7.0, 10.5} <= set(common)
    # About a tenth of customers have two service lines.
    lines = live.groupby("customer_id").size()
    assert 0.05 < (lines > 1).mean() < 0.15


def test_rates_average_and_vary_by_rurality(live: pd.DataFrame, files: DemoFiles) -> None:
    priced = live[live["cost"].notna()]
    rate = priced["cost"] / priced["hours"]
    assert abs(priced["cost"].sum() / priced["hours"].sum() - settings.MEAN_HOURLY_RATE) < 0.3
    assert 0.04 < rate.std() / rate.mean() < 0.15
    assert np.allclose(priced["cost"], np.round(priced["cost"], 2))
    places = _places._settlements(_places._district_postcodes(demo_settings.DEMO_DISTRICTS))
    place = priced["postcode"].map(places.set_index("postcode")["place"])
    by_place = rate.groupby(place).mean()
    premium = by_place["dispersed"] / by_place["town"] - 1
    assert 0.5 * settings.RURAL_PREMIUM < premium < 1.5 * settings.RURAL_PREMIUM
    # Towns hold most customers, but villages and hamlets have their share.
    share = place.value_counts(normalize=True)
    assert share["town"] > 0.6 and share["village"] > 0.05 and share["dispersed"] > 0.05


def test_dates_include_ended_and_future_packages(checked: pd.DataFrame) -> None:
    accepted = checked[checked["reason"] == ""]
    ended = (accepted["end"] < AS_OF).mean()
    future = (accepted["start"] > AS_OF).mean()
    assert 0.06 < ended < 0.10
    assert 0 < future < 0.03
    live = accepted[accepted["active"]]
    assert live["start"].min() >= AS_OF - pd.DateOffset(years=6, days=1)
    assert (live["start"] < AS_OF - pd.DateOffset(years=4)).sum() > 20


# --- Geography, providers, practices ---------------------------------------------------------


def test_clean_postcodes_are_real_and_in_the_districts(
    checked: pd.DataFrame, lookup: pd.DataFrame
) -> None:
    accepted = checked[checked["reason"] == ""]
    assert accepted["postcode"].isin(set(lookup["postcode"])).all()


def test_providers_are_many_fragmented_and_overlap(
    files: DemoFiles, live: pd.DataFrame, lookup: pd.DataFrame
) -> None:
    providers = pd.read_csv(files.providers)
    assert len(providers) == demo_settings.DEMO_PROVIDERS
    assert providers["provider"].is_unique
    assert providers["office_postcode"].isin(set(lookup["postcode"])).all()
    assert set(live["provider"]) == set(providers["provider"])
    share = live.groupby("provider")["hours"].sum() / live["hours"].sum()
    hhi = (share**2).sum() * 10_000
    assert share.max() < 0.15
    assert 100 < hhi < 1000
    # A few big, many small.
    assert share.nlargest(10).sum() > 0.3
    assert (share < 0.005).sum() > 20
    # Patches overlap: the biggest providers each serve several districts, and most
    # customers' postcode sectors are served by more than one provider.
    district = live["postcode"].map(lookup.set_index("postcode")["district"])
    for name in share.nlargest(5).index:
        assert district[live["provider"] == name].nunique() >= 3
    per_sector = live.groupby(pc.sector_series(live["postcode"]))["provider"].nunique()
    assert (per_sector > 1).mean() > 0.5


def test_practice_file_is_epraccur_layout(
    files: DemoFiles, live: pd.DataFrame, lookup: pd.DataFrame
) -> None:
    text = files.practices.read_text(encoding="utf-8")
    lines = text.splitlines()
    quoted = re.compile(r'^"[^"]*"(,"[^"]*"){26}$')
    assert all(quoted.match(line) for line in lines)
    with open(files.practices, newline="") as fh:
        rows = list(csv.reader(fh))
    assert all(len(row) == 27 for row in rows)
    frame = pd.DataFrame(rows)
    # No header: the first row is a practice.
    assert re.fullmatch(r"SYN\d{3}", frame.iat[0, 0])
    assert frame[0].is_unique
    # Real ODS practice codes are a letter and five digits; these never are.
    assert not frame[0].str.fullmatch(r"[A-Z]\d{5}").any()
    gp = (frame[12] == "A") & (frame[25] == "4")
    closed = frame[12] == "C"
    assert gp.sum() == demo_settings.DEMO_GP_PRACTICES
    assert 2 <= closed.sum() <= 3 and (frame.loc[closed, 11].str.len() == 8).all()
    assert (frame.loc[~closed, 11] == "").all()
    assert 1 <= (frame[25] != "4").sum() <= 2
    assert frame[9].isin(set(lookup["postcode"])).all()
    assert frame[10].str.fullmatch(r"(19|20)\d{6}").all()
    # Customers: mostly an open practice, a few a closed one, a few unknown or blank.
    codes = live.groupby("customer_id")["gp_practice"].first()
    known = codes.isin(set(frame.loc[gp, 0]))
    assert known.mean() > 0.95
    assert 0.003 < codes.isin(set(frame.loc[closed, 0])).mean() < 0.02
    assert (codes == GP_UNKNOWN_CODE).sum() > 0 and codes.isna().sum() > 0
    # Practices are spread out: each open one is someone's GP.
    assert codes[known].nunique() == demo_settings.DEMO_GP_PRACTICES


# --- Planted rows -----------------------------------------------------------------------------


def test_planted_rows_are_rejected_for_their_reason(
    planted: pd.DataFrame, checked: pd.DataFrame
) -> None:
    assert list(planted.columns) == ["source_row", "reason_code", "description"]
    assert planted["source_row"].is_unique
    assert set(planted["reason_code"]) == set(REJECT_REASONS)
    assert planted.groupby("reason_code").size().min() >= 2
    share = len(planted) / len(checked)
    assert 0.02 <= share <= 0.03
    got = checked.loc[planted["source_row"], "reason"].to_numpy()
    assert (got == planted["reason_code"].to_numpy()).all(), planted[got != planted["reason_code"]]
    # No clean row is rejected.
    rejected = set(checked.index[checked["reason"] != ""])
    assert rejected == set(planted["source_row"])


def test_planted_rows_are_spread_and_duplicates_copy_earlier_rows(
    planted: pd.DataFrame, sheet: pd.DataFrame, checked: pd.DataFrame
) -> None:
    rows = planted["source_row"]
    assert rows.min() < len(sheet) * 0.25 and rows.max() > len(sheet) * 0.75
    # Clean rows differ even on the mapped columns alone, so a reader that ignores the extra
    # columns finds no false duplicates.
    clean = sheet.drop(index=rows)[list(COLUMNS.values())].map(repr)
    assert not clean.duplicated().any()
    as_text = sheet.map(repr)
    for row in rows[planted["reason_code"] == "duplicate_row"]:
        earlier = as_text.loc[: row - 1]
        match = earlier[(earlier == as_text.loc[row]).all(axis=1)]
        assert len(match) == 1
        original = match.index[0]
        assert checked.at[original, "reason"] == "" and checked.at[original, "active"]


def test_planted_rows_have_one_fault_each(planted: pd.DataFrame, sheet: pd.DataFrame) -> None:
    """Repairing the faulty field of a planted row makes it a clean, live row."""
    c = COLUMNS
    field = {
        "customer_id_missing": [c["customer_id"]],
        "postcode_missing": [c["postcode"]],
        "postcode_invalid": [c["postcode"]],
        "postcode_not_found": [c["postcode"]],
        "hours_missing": [c["weekly_hours"]],
        "hours_not_numeric": [c["weekly_hours"]],
        "hours_not_positive": [c["weekly_hours"]],
        "hours_implausible": [c["weekly_hours"]],
        "cost_not_numeric": [c["weekly_cost"]],
        "cost_negative": [c["weekly_cost"]],
        "date_invalid": [c["start_date"], c["end_date"]],
        "end_before_start": [c["end_date"]],
    }
    repair = {
        c["customer_id"]: "C999999",
        c["postcode"]: "RH12 1AA",
        c["weekly_hours"]: 7.0,
        c["weekly_cost"]: 200.0,
        c["start_date"]: dt.datetime(2025, 1, 1),
        c["end_date"]: None,
    }
    bad = planted[planted["reason_code"] != "duplicate_row"]
    fixed = sheet.loc[bad["source_row"]].copy()
    for row, reason in zip(bad["source_row"], bad["reason_code"], strict=True):
        for column in field[reason]:
            fixed.at[row, column] = repair[column]
    result = _reference_check(fixed)
    assert (result["reason"] == "").all(), result[result["reason"] != ""]
    assert result["active"].all()


def test_accepted_formatting_variants_are_present(
    sheet: pd.DataFrame, planted: pd.DataFrame
) -> None:
    clean = sheet.drop(index=planted["source_row"])
    postcodes = clean[COLUMNS["postcode"]].dropna()
    assert postcodes.str.fullmatch(r"[a-z0-9]+ [a-z0-9]{3}").any()  # lower case
    assert postcodes.str.fullmatch(r"[A-Z0-9]{5,7}").any()  # no space
    assert postcodes.str.contains("  ").any()  # double space
    assert postcodes.str.match(r"^ .* $").any()  # padded
    hours = clean[COLUMNS["weekly_hours"]]
    assert hours.map(lambda v: isinstance(v, str) and re.fullmatch(r"\d+(\.\d+)?", v)).any()
    cost = clean[COLUMNS["weekly_cost"]].map(str)
    assert cost.str.fullmatch(r"\u00a3\d{1,3}(,\d{3})+\.\d\d").any()
    starts = clean[COLUMNS["start_date"]]
    assert starts.map(lambda v: isinstance(v, dt.datetime)).mean() > 0.8
    assert starts.map(str).str.fullmatch(r"\d\d/\d\d/\d{4}").any()
    assert starts.map(str).str.fullmatch(r"\d{4}-\d\d-\d\d").any()


# --- Other districts and bad arguments --------------------------------------------------------


def test_custom_district(tmp_path: Path, lookup: pd.DataFrame) -> None:
    files = make_demo(tmp_path, districts=["E07000227"], n_customers=600, n_providers=30)
    sheet = pd.read_excel(files.extract, sheet_name=SHEET, dtype=object)
    sheet.index = pd.RangeIndex(2, len(sheet) + 2)
    checked = _reference_check(sheet)
    planted = pd.read_csv(files.planted)
    assert (checked.loc[planted["source_row"], "reason"].to_numpy() == planted["reason_code"]).all()
    accepted = checked[checked["reason"] == ""]
    horsham = lookup.loc[lookup["district"] == "E07000227", "postcode"]
    assert accepted["postcode"].isin(set(horsham)).all()
    assert accepted[accepted["active"]]["customer_id"].nunique() == 600
    config = yaml.safe_load(files.config.read_text(encoding="utf-8"))
    assert config["notes"]["demo"]["districts"] == ["E07000227"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"districts": ["E07999999"]}, "E07999999"),
        ({"districts": "E07000227"}, "list of district codes"),
        ({"districts": []}, "empty"),
        ({"as_of": "01/11/2026"}, "ISO date"),
        ({"n_customers": 10}, "n_customers"),
        ({"seed": -1}, "seed"),
        ({"n_customers": 150, "n_providers": 95}, "n_providers"),
    ],
)
def test_bad_arguments_are_explained(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_demo(tmp_path, **kwargs)
