"""Tests for lotdesign.disclosure: suppression, allow-lists and the reports scanner."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from lotdesign.disclosure import (
    is_count_column,
    looks_personal,
    safe_frame,
    scan_for_personal_data,
    small_count_mask,
    suppress_count,
    suppress_counts,
    suppressed_label,
)
from lotdesign.errors import ValidationError

LABEL = suppressed_label(7)


# --- Column names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "customer_id",
        "CustomerID",
        "Client Ref",
        "person_id",
        "service_user_id",
        "customer",
        "name",
        "first_name",
        "Surname",
        "customer_name",
        "postcode",
        "Post Code",
        "customer_postcode",
        "pcds",
        "date_of_birth",
        "DOB",
        "DateOfBirth",
        "NHSNumber",
        "nhs_no",
        "address_line_1",
        "email",
        "E-mail",
        "phone",
        "age",
        "gender",
        "ethnicity",
        "national_insurance_number",
    ],
)
def test_personal_names_are_recognised(name):
    assert looks_personal(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "customers",
        "customers_now",
        "cost_per_customer_week_now",
        "postcode_sector",
        "postcode_district",
        "practice_name",
        "unit_name",
        "lot_id",
        "unit_id",
        "hours",
        "tier",
        "care_workers",
        "district",
        "average_hours",
        "age_band",
        "radius_miles",
    ],
)
def test_safe_names_pass(name):
    assert looks_personal(name) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("customers", True),
        ("Customers (now)", True),
        ("n_clients", True),
        ("number_of_people", True),
        ("customer_count", True),
        ("service users", True),
        ("customer_id", False),
        ("care_workers", False),
        ("providers", False),
        ("hours", False),
        ("cost_per_customer_week_now", False),
    ],
)
def test_count_columns(name, expected):
    assert is_count_column(name) is expected


# --- Suppression -----------------------------------------------------------------------------


def test_suppress_count_boundaries():
    assert suppress_count(0) == 0
    assert [suppress_count(n) for n in range(1, 8)] == [LABEL] * 7
    assert suppress_count(8) == 8
    assert suppress_count(8.0) == 8 and isinstance(suppress_count(8.0), int)
    assert suppress_count(None) is None
    assert suppress_count(float("nan")) is None
    assert suppress_count(3, as_label=False) is None
    assert suppress_count(3, max_count=2) == 3
    assert LABEL == "1\u20137"


def test_suppress_count_rejects_nonsense():
    with pytest.raises(ValidationError, match="negative"):
        suppress_count(-1)
    with pytest.raises(ValidationError, match="not a count"):
        suppress_count("many")
    with pytest.raises(ValidationError, match="integer"):
        suppress_count(3, max_count=2.5)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=0, max_value=10_000), max_count=st.integers(0, 20))
def test_suppressed_counts_never_show_small_numbers(n, max_count):
    shown = suppress_count(n, max_count=max_count)
    if 1 <= n <= max_count:
        assert shown == suppressed_label(max_count)
    else:
        assert shown == n


@settings(max_examples=50, deadline=None)
@given(counts=st.lists(st.one_of(st.integers(0, 200), st.none()), min_size=1, max_size=40))
def test_suppress_counts_frame_property(counts):
    frame = pd.DataFrame(
        {
            "customers": pd.array(counts, dtype="Int64"),
            "cost_per_customer_week": [210.0] * len(counts),
        }
    )
    out = suppress_counts(frame)
    for raw, shown, rate in zip(
        counts, out["customers"], out["cost_per_customer_week"], strict=True
    ):
        if raw is None:
            assert shown is None
        elif 1 <= raw <= 7:
            assert shown == LABEL
            assert rate is None
        else:
            assert shown == raw
            assert rate == 210.0


def test_small_count_mask():
    mask = small_count_mask([0, 1, 7, 8, None, "x", 3.0, -2])
    assert mask.tolist() == [False, True, True, False, False, False, True, False]


def test_suppress_counts_needs_denominator_for_rates():
    frame = pd.DataFrame({"cost_per_customer_week": [200.0]})
    with pytest.raises(ValidationError, match="denominator"):
        suppress_counts(frame)
    explicit = pd.DataFrame({"mean_hours": [10.0, 11.0], "clients": [3, 30]})
    out = suppress_counts(explicit, ["clients"], rates={"mean_hours": "clients"})
    assert out["mean_hours"].tolist() == [None, 11.0]
    assert out["clients"].tolist() == [LABEL, 30]
    # The input is left alone.
    assert explicit["clients"].tolist() == [3, 30]


# --- Allow-lists -----------------------------------------------------------------------------


@pytest.fixture
def lots_frame():
    return gpd.GeoDataFrame(
        {
            "lot_id": ["A", "B", "C"],
            "customers": [5, 60, 0],
            "hours": [40.0, 800.0, 0.0],
            "cost_per_customer_week_now": [230.0, 210.0, np.nan],
            "customer_id": ["C001", "C002", "C003"],
            "postcode": ["RH12 4AB", "RH13 5BB", "BN1 1AA"],
        },
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 0, 3000, 1000)],
        crs="EPSG:27700",
    )


def test_safe_frame_drops_and_suppresses(lots_frame):
    out = safe_frame(lots_frame, ["lot_id", "customers", "hours", "cost_per_customer_week_now"])
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs == lots_frame.crs
    assert list(out.columns) == [
        "lot_id",
        "customers",
        "hours",
        "cost_per_customer_week_now",
        "geometry",
    ]
    assert out["customers"].tolist() == [LABEL, 60, 0]
    assert out["cost_per_customer_week_now"].iloc[0] is None
    assert out["cost_per_customer_week_now"].iloc[1] == 210.0
    assert "C001" not in out.to_json()


def test_safe_frame_suppresses_rate_even_when_count_is_not_shared(lots_frame):
    out = safe_frame(lots_frame, ["lot_id", "cost_per_customer_week_now"])
    assert "customers" not in out.columns
    assert out["cost_per_customer_week_now"].iloc[0] is None


@pytest.mark.parametrize("bad", ["customer_id", "postcode", "name", "date_of_birth"])
def test_safe_frame_refuses_personal_columns(lots_frame, bad):
    frame = lots_frame.assign(name="x", date_of_birth="1940-01-01")
    with pytest.raises(ValidationError, match=bad):
        safe_frame(frame, ["lot_id", bad])


def test_safe_frame_missing_columns(lots_frame):
    with pytest.raises(ValidationError, match="care_workers"):
        safe_frame(lots_frame, ["lot_id", "care_workers"])
    out = safe_frame(pd.DataFrame(lots_frame), ["lot_id", "care_workers"], missing="ignore")
    assert list(out.columns) == ["lot_id"]
    with pytest.raises(ValidationError, match="list"):
        safe_frame(lots_frame, "lot_id")


# --- Scanner ---------------------------------------------------------------------------------


IDS = ["CUST00017", "CUST00042", "CUST10001"]
POSTCODES = ["RH12 4AB", "rh134bb", "BN11 1AA"]


def _scan(folder, **kwargs):
    return scan_for_personal_data(folder, customer_ids=IDS, postcodes=POSTCODES, **kwargs)


def test_clean_folder_has_no_findings(tmp_path):
    pd.DataFrame(
        {"sector": ["RH12 4", "RH13 4"], "customers": [LABEL, 60], "hours": [5.0, 700.0]}
    ).to_csv(tmp_path / "units.csv", index=False)
    (tmp_path / "report.html").write_text(
        "<html><body><p>Sector RH12 4 holds few customers.</p><table><tr><th>Lot</th>"
        f"<th>Customers</th></tr><tr><td>A</td><td>{LABEL}</td></tr><tr><td>B</td>"
        "<td>0</td></tr><tr><td>C</td><td>1,204</td></tr></table></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "map.json").write_text(
        json.dumps({"customers": LABEL, "hours": 5, "care_workers": 3}), encoding="utf-8"
    )
    findings = _scan(tmp_path)
    assert findings.empty, findings


def test_finds_ids_postcodes_and_small_counts_in_text(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.html").write_text(
        "<p>Visit for cust00042 on Tuesday; lives at RH13 4BB.</p>"
        "<table><tr><th>Lot</th><th>Customers</th></tr><tr><td>A</td><td>3</td></tr></table>",
        encoding="utf-8",
    )
    (tmp_path / "map.html").write_text(
        '<script>var d = {"properties": {"customers": 5, "hours": 3}};</script><p>RH124AB</p>',
        encoding="utf-8",
    )
    findings = _scan(tmp_path)
    got = set(zip(findings["file"], findings["kind"], findings["value"], strict=True))
    assert ("sub/notes.html", "customer_id", "cust00042") in got
    assert ("sub/notes.html", "postcode", "RH13 4BB") in got
    assert ("sub/notes.html", "small_count", "Customers: 3") in got
    assert ("map.html", "small_count", "customers: 5") in got
    assert ("map.html", "postcode", "RH12 4AB") in got
    # "hours: 3" is not a count of people.
    assert not any("hours" in v for v in findings["value"])


def test_finds_small_counts_in_csv_and_row_headed_tables(tmp_path):
    pd.DataFrame({"lot": ["A", "B", "C"], "customers_now": [2, 70, 0]}).to_csv(
        tmp_path / "lots.csv", index=False
    )
    (tmp_path / "summary.csv").write_text("Measure,North,South\nCustomers,55,6\nHours,700,60\n")
    findings = _scan(tmp_path)
    assert findings[["file", "value"]].values.tolist() == [
        ["lots.csv", "customers_now: 2"],
        ["summary.csv", "Customers: 6"],
    ]


def test_xlsx_and_docx(tmp_path):
    with pd.ExcelWriter(tmp_path / "tables.xlsx") as writer:
        pd.DataFrame({"Lot": ["A", "B"], "Customers": [4, 80]}).to_excel(
            writer, sheet_name="Lots", index=False, startrow=2
        )
        pd.DataFrame({"Note": ["see CUST10001"]}).to_excel(writer, sheet_name="Notes", index=False)
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("Customer BN11 1AA was moved.")
    table = document.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("Area", "Clients"), ("North", "7"), ("South", "8")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    document.save(tmp_path / "report.docx")
    findings = _scan(tmp_path)
    got = set(zip(findings["file"], findings["kind"], findings["value"], strict=True))
    assert got == {
        ("tables.xlsx", "small_count", "Customers: 4"),
        ("tables.xlsx", "customer_id", "cust10001"),
        ("report.docx", "postcode", "BN11 1AA"),
        ("report.docx", "small_count", "Clients: 7"),
    }
    located = findings.set_index("value")["location"]
    assert located["Customers: 4"] == "sheet 'Lots' cell B4 (Customers)"


def test_images_pdfs_and_binaries(tmp_path):
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Description", "lots for RH12 4AB")
    Image.new("RGB", (4, 4)).save(tmp_path / "map.png", pnginfo=info)
    Image.new("RGB", (4, 4)).save(tmp_path / "clean.png")
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\n")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01CUST00017")
    findings = _scan(tmp_path)
    got = set(zip(findings["file"], findings["kind"], strict=True))
    assert got == {
        ("map.png", "postcode"),
        ("report.pdf", "not_scanned"),
        ("blob.bin", "not_scanned"),
    }


def test_raise_if_found_and_options(tmp_path):
    (tmp_path / "a.txt").write_text("Mrs Example lives in RH12 4AB", encoding="utf-8")
    with pytest.raises(ValidationError, match="possible disclosures"):
        _scan(tmp_path, raise_if_found=True)
    found = scan_for_personal_data(tmp_path, strings=["mrs example"])
    assert found["kind"].tolist() == ["string"]
    (tmp_path / "b.csv").write_text("area,n\nX,3\n")
    assert scan_for_personal_data(tmp_path / "b.csv").empty
    named = scan_for_personal_data(tmp_path / "b.csv", count_columns=["n"])
    assert named["value"].tolist() == ["n: 3"]
    with pytest.raises(ValidationError, match="does not exist"):
        scan_for_personal_data(tmp_path / "missing")


def test_short_numeric_ids_warn(tmp_path):
    (tmp_path / "a.txt").write_text("Total 12 and ID 123456", encoding="utf-8")
    with pytest.warns(UserWarning, match="shorter than 5"):
        found = scan_for_personal_data(tmp_path, customer_ids=["12", "123456"])
    assert found["value"].tolist() == ["123456"]


@settings(max_examples=25, deadline=None)
@given(counts=st.lists(st.integers(0, 40), min_size=1, max_size=30))
def test_scanner_flags_exactly_the_small_counts(tmp_path_factory, counts):
    folder = tmp_path_factory.mktemp("scan")
    pd.DataFrame({"lot": [f"L{i}" for i in range(len(counts))], "customers": counts}).to_csv(
        folder / "t.csv", index=False
    )
    findings = scan_for_personal_data(folder)
    expected = sorted(f"customers: {c}" for c in counts if 1 <= c <= 7)
    # Repeated identical findings (same value, different rows) stay distinct by location.
    assert sorted(findings["value"]) == expected
