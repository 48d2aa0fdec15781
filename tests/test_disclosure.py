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
from lotdesign.disclosure.suppression import rounded
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
    # NHS Digital: every other count is rounded to the nearest 5 (halves up).
    assert [suppress_count(n) for n in (8, 12, 13, 2402)] == [10, 10, 15, 2400]
    assert suppress_count(8.0) == 10 and isinstance(suppress_count(8.0), int)
    assert suppress_count(8, rounding_base=1) == 8
    assert suppress_count(None) is None
    assert suppress_count(float("nan")) is None
    assert suppress_count(3, as_label=False) is None
    assert suppress_count(3, max_count=2) == 5
    # Already suppressed: passed through, so the control can be applied twice.
    assert suppress_count(LABEL) == LABEL and suppress_count("[c]") == "[c]"
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
        # Rounded to the nearest 5: never to 0 when someone is there, nor into 1..max_count.
        assert shown % 5 == 0 and (shown == 0) == (n == 0)
        assert n == 0 or shown > max_count
        assert abs(shown - n) <= 2.5 or shown == 5 * (max_count // 5 + 1)


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
            assert shown == rounded(raw, 5) and shown % 5 == 0
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
        "<td>0</td></tr><tr><td>C</td><td>1,205</td></tr></table></body></html>",
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
    for r, (a, b) in enumerate([("Area", "Clients"), ("North", "7"), ("South", "10")]):
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
    # Nothing leaves unread: a PDF the scan cannot read and a file of unknown type are
    # findings that stop a run, not notes.
    assert ("map.png", "postcode") in got
    assert ("blob.bin", "unknown_type") in got
    assert ("clean.png", "postcode") not in got
    assert any(f == "report.pdf" for f, _ in got)


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
    expected = sorted(f"customers: {c}" for c in counts if c > 0 and (c <= 7 or c % 5))
    # Repeated identical findings (same value, different rows) stay distinct by location.
    assert sorted(findings["value"]) == expected


# --- The scan as a last line (issue 10) --------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "RH124AB",
        "rh12  4ab",
        "RH12\u00a04AB",
        "RH12\u202f4AB",
        "RH12-4AB",
        "RH12\u20134AB",
        "Rh12_4aB",
        "RH12&#160;4AB",
        "RH12&nbsp;4AB",
    ],
)
def test_postcodes_are_found_in_any_spacing_and_case(tmp_path, written):
    (tmp_path / "page.html").write_text(f"<p>near {written} today</p>", encoding="utf-8")
    findings = _scan(tmp_path)
    assert ("postcode", "RH12 4AB") in set(zip(findings["kind"], findings["value"], strict=True))


def test_lookup_postcodes_and_sectors(tmp_path):
    (tmp_path / "a.txt").write_text("Sector RH12 4 is fine; GU29 9AB is not.", encoding="utf-8")
    findings = scan_for_personal_data(tmp_path, known_postcodes=["GU29 9AB", "RH12 4AB"])
    assert findings["value"].tolist() == ["GU29 9AB"]


def test_counts_of_people_in_sentences(tmp_path):
    (tmp_path / "a.txt").write_text(
        "Lot L03: 3 customers below the 50 floor. 23 customers live in lot L04; 25 people "
        "in L05. Counts of 1 to 7 people are shown as 1-7; zones start at ~10 customers.",
        encoding="utf-8",
    )
    found = set(zip(scan_for_personal_data(tmp_path)["kind"], _values(tmp_path), strict=True))
    assert found == {("small_count", "3 customers"), ("unrounded_count", "23 customers")}


def _values(folder):
    return scan_for_personal_data(folder)["value"].tolist()


def test_a_grouped_number_is_read_whole_not_by_its_first_digit(tmp_path):
    # A lot's reason reads "customers: 1,075 customers above the 110 ceiling": the value is
    # 1,075 (a large count, fine), never the "1" before the thousands comma.
    (tmp_path / "lots.csv").write_text(
        'lot,reasons\nL01,"customers: 1,075 customers above the 110 ceiling"\n',
        encoding="utf-8",
    )
    (tmp_path / "map.json").write_text('{"customers":1,"hours":5}', encoding="utf-8")
    found = set(zip(scan_for_personal_data(tmp_path)["kind"], _values(tmp_path), strict=True))
    assert found == {("small_count", "customers: 1")}
    assert scan_for_personal_data(tmp_path)["file"].tolist() == ["map.json"]


def test_ids_and_postcodes_in_file_names(tmp_path):
    (tmp_path / "notes_cust00042.txt").write_text("nothing here", encoding="utf-8")
    (tmp_path / "rh12-4ab.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    findings = _scan(tmp_path)
    named = findings[findings["location"] == "file name"]
    assert set(zip(named["kind"], named["value"], strict=True)) == {
        ("customer_id", "cust00042"),
        ("postcode", "RH12 4AB"),
    }


def test_word_comments_and_properties(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    paragraph = document.add_paragraph("Lots of the county.")
    document.add_comment(paragraph.runs[0], text="ask about CUST00017", author="analyst")
    document.core_properties.subject = "moved from BN11 1AA"
    document.save(tmp_path / "report.docx")
    findings = _scan(tmp_path)
    got = set(zip(findings["kind"], findings["value"], strict=True))
    assert ("customer_id", "cust00017") in got  # in word/comments.xml
    assert ("postcode", "BN11 1AA") in got  # in docProps/core.xml
    assert "word/comments.xml" in set(findings["location"])


def test_excel_comments_defined_names_and_hidden_sheets(tmp_path):
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.workbook.defined_name import DefinedName

    book = Workbook()
    sheet = book.active
    sheet["A1"] = "Lot"
    sheet["A1"].comment = Comment("RH13 4BB asked", "analyst")
    hidden = book.create_sheet("raw")
    hidden["A1"] = "nothing"
    hidden.sheet_state = "hidden"
    book.defined_names["who"] = DefinedName("who", attr_text='"CUST10001"')
    book.properties.keywords = "cust00042"
    book.save(tmp_path / "tables.xlsx")
    findings = _scan(tmp_path)
    got = set(zip(findings["kind"], findings["value"], strict=True))
    assert ("postcode", "RH13 4BB") in got  # a cell comment
    assert ("customer_id", "cust10001") in got  # a defined name
    assert ("customer_id", "cust00042") in got  # a document property
    assert ("hidden_sheet", "raw") in got


def test_svg_text_and_paths(tmp_path):
    (tmp_path / "map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><text x="1" y="2">RH12&#160;4AB</text>'
        "<text>from /home/jo/extract.xlsx</text></svg>",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text(r"made from C:\Users\jo\Desktop\extract.xlsx", "utf-8")
    findings = _scan(tmp_path)
    got = set(zip(findings["file"], findings["kind"], strict=True))
    assert {("map.svg", "postcode"), ("map.svg", "path"), ("b.txt", "path")} <= got


@pytest.mark.parametrize("name", ["units.gpkg", "everything.zip", "notes", "report.odt"])
def test_files_the_scan_cannot_read_are_findings(tmp_path, name):
    (tmp_path / name).write_bytes(b"PK\x03\x04 not really")
    findings = _scan(tmp_path)
    assert findings["kind"].tolist() == ["unknown_type"]


def test_a_finding_quarantines_the_reports(tmp_path):
    from lotdesign.disclosure import scan_and_quarantine

    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "lots.csv").write_text("lot,customers\nA,3\nB,60\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="moved to") as raised:
        scan_and_quarantine(reports, quarantine_to=tmp_path / "processed" / "quarantine")
    assert "customers: 3" not in str(raised.value)  # values stay in the local note
    moved = list((tmp_path / "processed" / "quarantine").iterdir())
    assert len(moved) == 1 and (moved[0] / "lots.csv").exists()
    note = (moved[0] / "QUARANTINE_NOTE.txt").read_text(encoding="utf-8")
    assert "small_count" in note and "customers: 3" in note
    # Nothing is left ready to send: only a note that the files were withheld.
    assert [p.name for p in reports.iterdir()] == ["QUARANTINED.txt"]
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "lots.csv").write_text("lot,customers\nA,1\u20137\nB,60\n", encoding="utf-8")
    assert scan_and_quarantine(clean, quarantine_to=tmp_path / "q2").empty


# --- Words and paths ---------------------------------------------------------------------------


def test_counts_in_words_follow_the_tables():
    from lotdesign.disclosure import control_text

    assert control_text("customers: 7 customers below the 50 floor") == (
        f"customers: {LABEL} customers below the 50 floor"
    )
    assert (
        control_text("62 customers above the 110 ceiling") == "60 customers above the 110 ceiling"
    )
    hidden = control_text(
        "Tier 2: 1 units (13 h, 1% of hours) in unit RH12 4; 12.5 h above the 1,300 h ceiling",
        hidden=True,
        keep=["RH12 4"],
    )
    assert "13 h" not in hidden and "12.5" not in hidden and "1%" not in hidden
    assert "RH12 4" in hidden and "the 1,300 h ceiling" in hidden


def test_paths_are_cut_to_file_names():
    from lotdesign.disclosure import strip_paths

    assert strip_paths("/home/jo/council/extract.xlsx") == "extract.xlsx"
    assert strip_paths(r"C:\Users\jo\Desktop\plan.csv, as of 2024") == "plan.csv, as of 2024"
    assert (
        strip_paths("OGL v3.0, https://www.ons.gov.uk/x/y")
        == "OGL v3.0, https://www.ons.gov.uk/x/y"
    )
    assert strip_paths(["~/a/b.csv", "c.csv"]) == ["b.csv", "c.csv"]


def test_pdf_text_and_metadata_are_read(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    figure = Figure()
    figure.text(0.1, 0.5, "Lot L03 near RH12 4AB")
    figure.savefig(tmp_path / "report.pdf", metadata={"Subject": "CUST00042"})
    findings = _scan(tmp_path)
    got = set(zip(findings["kind"], findings["value"], strict=True))
    assert {("postcode", "RH12 4AB"), ("customer_id", "cust00042")} <= got
    # Without a PDF reader the file is not passed unread.
    monkeypatch.setitem(__import__("sys").modules, "pypdf", None)
    assert _scan(tmp_path)["kind"].tolist() == ["unreadable"]


# --- Secondary suppression and provider shares --------------------------------------------------


def _county_of(sizes: dict[str, tuple[str, str, int]]):
    """customers and a plan from {unit: (lot or None, district, customers)}."""
    rows, plan = [], []
    tier = {None: 3}
    for unit, (lot, district, n) in sizes.items():
        rows += [(f"{unit}-{i}", unit, district) for i in range(n)]
        plan.append((unit, lot, tier.get(lot, 2 if lot and lot.startswith("R") else 1)))
    customers = pd.DataFrame(rows, columns=["customer_id", "unit_id", "district"])
    assignment = pd.DataFrame(plan, columns=["unit_id", "lot_id", "tier"])
    return customers, assignment


def test_the_issues_subtraction_is_closed():
    from lotdesign.disclosure import plan_areas, protect

    # County 2709 = Tier 1 2660 + Tier 2 42 + Tier 3 7: the "1-7" came back as 2709-2660-42.
    customers, assignment = _county_of(
        {
            "U1": ("L1", "A", 1400),
            "U2": ("L2", "B", 1260),
            "U3": ("R1", "A", 30),
            "U4": ("R2", "B", 12),
            "U5": (None, "B", 7),
        }
    )
    protection = protect(plan_areas(customers, assignment, units=False))
    status = protection.status
    assert status["tier:3"] == status["outside"] == "primary"
    hidden = {k for k, s in status.items() if s != "published"}
    assert hidden - {"tier:3", "outside"}, "a second area must be hidden"
    assert status["county"] == "published"  # the headline stays
    # Every sum and difference of what is left: Tier 3 is not determined.
    areas = {a.key: a for a in plan_areas(customers, assignment, units=False)}
    published = pd.DataFrame(
        {"customers": {k: float(a.people) for k, a in areas.items() if k not in hidden}}
    )
    relations = [
        ("county", ["tier:1", "tier:2", "tier:3"]),
        ("county", ["district:A", "district:B"]),
        ("tier:1", ["lot:L1", "lot:L2"]),
        ("tier:2", ["lot:R1", "lot:R2"]),
        ("tier:3", ["outside"]),
        ("in_lots", ["lot:L1", "lot:L2", "lot:R1", "lot:R2"]),
        ("county", ["in_lots", "outside"]),
    ]
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from intruder import recover_by_arithmetic

    assert not [r for r in recover_by_arithmetic(published, relations) if r.area == "tier:3"]
    audit = protection.audit()
    assert set(audit["status"]) == {"primary", "secondary", "published"}
    assert audit.loc[audit["status"] == "secondary", "reason"].str.contains("protects").all()


def test_provider_shares_over_few_people_are_hidden():
    from lotdesign.disclosure import mask_provider_shares

    packages = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(40)],
            "provider": ["Big"] * 3 + ["Other"] * 37,
            "weekly_hours": [300.0] * 3 + [5.0] * 37,
            "unit_id": ["U1"] * 40,
            "district": ["A"] * 40,
        }
    )
    market = pd.DataFrame(
        {
            "level": ["county", "district"],
            "area": ["county", "A"],
            "top_provider_share": [0.83, 0.83],
            "hhi": [7100.0, 7100.0],
        }
    )
    out = mask_provider_shares(market, packages, max_count=7)
    # The largest provider serves 3 people: its share (its hours) is theirs.
    assert out["top_provider_share"].isna().all() and out["hhi"].isna().all()
    many = packages.assign(provider=[f"P{i % 4}" for i in range(40)])
    kept = mask_provider_shares(market, many, max_count=7)
    assert kept["top_provider_share"].notna().all() and kept["hhi"].notna().all()
