import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lotdesign import ValidationError
from lotdesign.io.packages import (
    parse_date,
    parse_number,
    read_extract,
    read_packages,
    validate_extract,
)
from tests.conftest import COLUMNS

EXPECTED = {  # spreadsheet row -> reason code, for tests/data/extract_small.csv
    8: "customer_id_missing",
    9: "postcode_missing",
    10: "postcode_invalid",
    11: "postcode_not_found",
    12: "hours_missing",
    13: "hours_not_numeric",
    14: "hours_not_positive",
    15: "hours_not_positive",
    16: "hours_implausible",
    17: "cost_negative",
    18: "cost_not_numeric",
    19: "date_invalid",
    20: "end_before_start",
    21: "duplicate_row",
}


@pytest.fixture(scope="module")
def small(data_dir, small_lookup):
    return read_packages(
        data_dir / "extract_small.csv", columns=COLUMNS, lookup=small_lookup, as_of="2026-11-01"
    )


def test_every_reason(small):
    got = dict(zip(small.rejected["source_row"], small.rejected["reason_code"], strict=True))
    assert got == EXPECTED
    assert small.rejected["reason"].str.len().gt(10).all()
    row = small.rejected.set_index("source_row").loc[10]
    assert row["column"] == "Post Code (postcode)"
    assert row["Post Code"] == "RH12 4A"  # the original cell is kept
    assert "row 4" in small.rejected.set_index("source_row").loc[21, "reason"]


def test_exclusions_and_reconciliation(small):
    assert dict(zip(small.excluded["source_row"], small.excluded["exclusion"], strict=True)) == {
        6: "ended before 2026-11-01",
        7: "starts after 2026-11-01",
    }
    rec = small.reconciliation.set_index("stage")
    assert rec.loc["read", "rows"] == 20
    assert rec.loc["read", "rows"] == rec.loc[["used", "excluded", "rejected"], "rows"].sum()
    assert rec.loc["read", "hours"] == pytest.approx(
        rec.loc[["used", "excluded", "rejected"], "hours"].sum()
    )
    assert rec.loc["used", "hours"] == pytest.approx(10.5 + 3 + 7 + 14)
    assert "read = used + excluded + rejected: yes" in small.reconciliation_text()


def test_formatting_variants_accepted_and_lines_summed(small):
    cust = small.customers.set_index("customer_id")
    assert set(cust.index) == {"P001", "P002", "P003"}
    assert cust.loc["P001", "weekly_hours"] == 13.5
    assert cust.loc["P001", "n_lines"] == 2
    assert cust.loc["P001", "provider"] == "Alpha Care"  # most hours
    assert cust.loc["P001", "providers"] == "Alpha Care;Beta Homecare"
    assert cust.loc["P002", "postcode"] == "RH13 5PX"
    assert cust.loc["P002", "weekly_cost"] == pytest.approx(200.62)  # "£200.62"
    assert cust.loc["P003", "postcode"] == "BN11 1AA"
    assert cust.loc["P003", "gp_practice"] is None or pd.isna(cust.loc["P003", "gp_practice"])
    assert cust["easting"].notna().all()


def test_write(small, tmp_path):
    paths = small.write(tmp_path)
    rej = pd.read_csv(paths["rejected_rows"])
    assert list(rej.columns[:4]) == ["source_row", "column", "reason_code", "reason"]
    assert len(rej) == len(EXPECTED)
    assert pd.read_csv(paths["reconciliation"])["stage"].tolist() == [
        "read",
        "used",
        "excluded",
        "rejected",
        "set_aside",
    ]


def test_terminated_and_ungridded(tmp_path, small_lookup):
    f = tmp_path / "x.csv"
    f.write_text("customer_id,postcode,weekly_hours\nA,RH12 9ZX,5\nB,RH12 9ZY,5\nC,RH12 4AB,5\n")
    ex = read_packages(f, lookup=small_lookup)
    assert ex.customers.set_index("customer_id").loc["A", "terminated"]
    assert ex.rejected["reason_code"].tolist() == ["postcode_no_grid"]
    assert any("terminated" in n for n in ex.notes)


def test_xlsx_sheet_and_errors(tmp_path, small_lookup):
    frame = pd.DataFrame(
        {
            "Person ID": [101, 102],
            "Post Code": ["rh124ab", "RH13 5PX"],
            "Planned Hrs/Wk": [10, "7.5"],
            "Start Date": [dt.datetime(2024, 1, 5), "05/01/2024"],
        }
    )
    path = tmp_path / "x.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"note": ["cover"]}).to_excel(xw, sheet_name="Cover", index=False)
        frame.to_excel(xw, sheet_name="Packages", index=False)
    cols = {k: COLUMNS[k] for k in ("customer_id", "postcode", "weekly_hours", "start_date")}
    ex = read_packages(path, sheet="Packages", columns=cols, lookup=small_lookup)
    assert sorted(ex.customers["customer_id"]) == ["101", "102"]
    assert ex.packages["start_date"].tolist() == [dt.date(2024, 1, 5)] * 2
    with pytest.raises(ValidationError, match="sheet 'Pakages' not found.*Did you mean 'Packages'"):
        read_extract(path, sheet="Pakages", columns=cols)
    with pytest.raises(ValidationError, match="closest header is 'Post Code'"):
        read_extract(
            path,
            sheet="Packages",
            columns={**cols, "postcode": "Postcode"} | {"postcode": "Post Cde"},
        )


def test_fatal_errors(tmp_path, small_lookup):
    with pytest.raises(ValidationError, match="does not exist"):
        read_extract(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValidationError, match="empty"):
        read_extract(empty)
    header_only = tmp_path / "h.csv"
    header_only.write_text("customer_id,postcode,weekly_hours\n")
    with pytest.raises(ValidationError, match="no data rows"):
        read_extract(header_only)
    no_hours = tmp_path / "n.csv"
    no_hours.write_text("customer_id,postcode,hrs\nA,RH12 4AB,3\n")
    with pytest.raises(ValidationError, match="weekly_hours"):
        read_extract(no_hours)
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,postcode,weekly_hours\nA,nonsense,3\nB,,4\n")
    with pytest.raises(ValidationError, match="no usable rows"):
        read_packages(bad, lookup=small_lookup)
    with pytest.raises(ValidationError, match="unknown file type"):
        (tmp_path / "x.pdf").write_text("a")
        read_extract(tmp_path / "x.pdf")


def test_parsers():
    assert parse_number("£1,234.50") == 1234.5
    assert parse_number(" 7 ") == 7.0
    assert parse_number(None) is None
    with pytest.raises(ValueError):
        parse_number("ten")
    assert parse_date("03/04/2024") == dt.date(2024, 4, 3)  # UK day-first
    assert parse_date("2024-04-03") == dt.date(2024, 4, 3)
    assert parse_date(45385) == dt.date(2024, 4, 3)  # Excel serial
    with pytest.raises(ValueError):
        parse_date("31/02/2024")


# Random extracts: whatever the mix of good, bad and inactive rows, every row and every hour
# ends up used, excluded or rejected exactly once.
_hours = st.one_of(
    st.floats(min_value=-5, max_value=500, allow_nan=False).map(lambda v: round(v, 2)),
    st.sampled_from(["", "ten", "7.5", "0"]),
)
_row = st.fixed_dictionaries(
    {
        "customer_id": st.sampled_from(["A", "B", "C", ""]),
        "postcode": st.sampled_from(["RH12 4AB", "rh135px", "RH20 9QQ", "RH12 4A", "", "ZZ1 1ZZ"]),
        "weekly_hours": _hours,
        "end_date": st.sampled_from(["", "01/01/2020", "2030-01-01", "bad"]),
    }
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_row, min_size=1, max_size=25))
def test_reconciliation_property(rows, small_lookup):
    raw = pd.DataFrame(rows).astype(object)
    raw.insert(0, "source_row", np.arange(2, len(raw) + 2))
    raw.attrs["mapping"] = {c: c for c in ("customer_id", "postcode", "weekly_hours", "end_date")}
    try:
        ex = validate_extract(
            raw, lookup=small_lookup, as_of=dt.date(2026, 11, 1), hours_unit="hours"
        )
    except ValidationError as exc:
        assert "no usable rows" in str(exc)
        return
    rec = ex.reconciliation.set_index("stage")
    # An unlabelled totals row (no ID, postcode or date; hours = the rows above) is set aside.
    aside = set(ex.set_aside["source_row"])
    assert set(ex.set_aside["reason_code"]) <= {"total_row"}
    assert rec.loc["read", "rows"] + rec.loc["set_aside", "rows"] == len(rows)
    parts = ["used", "excluded", "rejected"]
    assert rec.loc[parts, "rows"].sum() == rec.loc["read", "rows"]
    total = sum(float(r["weekly_hours"]) for r in rows if _is_number(r["weekly_hours"]))
    assert rec.loc["read", "hours"] + rec.loc["set_aside", "hours"] == pytest.approx(total)
    assert rec.loc[parts, "hours"].sum() == pytest.approx(rec.loc["read", "hours"])
    ids = (
        set(ex.rejected["source_row"])
        | set(ex.excluded["source_row"])
        | set(ex.packages["source_row"])
    )
    assert not ids & aside
    assert ids | aside == set(range(2, len(rows) + 2))
    assert ex.customers["weekly_hours"].sum() == pytest.approx(rec.loc["used", "hours"])


def _is_number(v):
    try:
        float(v)
        return True
    except ValueError:
        return False
