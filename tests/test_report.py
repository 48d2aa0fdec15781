"""Tests for lotdesign.report: the Word/HTML report and the Excel tables."""

from __future__ import annotations

import datetime as dt
import importlib.util
import warnings
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook
from shapely.geometry import box

from lotdesign import settings
from lotdesign.disclosure import scan_for_personal_data, suppressed_label
from lotdesign.errors import ValidationError
from lotdesign.maps import static_map
from lotdesign.report import (
    SYNTHETIC_LABEL,
    ReportInputs,
    executive_summary,
    parameters_from_settings,
    read_tables,
    report_tables,
    risks_and_caveats,
    write_report,
    write_tables,
)

SUPPRESSED = suppressed_label()
# What the (hand-made) extract behind these tables would have held.
CUSTOMER_IDS = ["CUST000123", "CUST000456", "CUST000789"]
POSTCODES = ["RH12 4AB", "BN11 1AA", "PO19 1RQ"]


def _lot_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lot_id": ["L01", "L02", "R01", "T301"],
            "tier": [1, 1, 2, 3],
            "hours": [900.5, 1250.0, 160.0, 40.0],
            "customers": [70, 95, 12, 5],
            "centre_x": [512000.0, 515000.0, 490000.0, 480000.0],
            "centre_y": [130000.0, 128000.0, 110000.0, 105000.0],
            "max_miles": [5.1, 6.9, 10.2, np.nan],
            "max_minutes": [12.0, 14.9, 22.0, np.nan],
            "care_workers": [30.0, 41.7, 5.3, 1.3],
            "hours_ok": [True, True, True, False],
            "customers_ok": ["pass", "pass", "amber", "fail"],
            "reason": ["", "", "customers near the floor", "below the hours floor"],
        }
    )


def _inputs(map_png: Path | None = None, **changes) -> ReportInputs:
    tiers = pd.DataFrame(
        {
            "tier": [1, 2, 3, 4],
            "lots": [2, 1, 0, 0],
            "units": [30, 8, 3, 0],
            "customers": [165, 12, 5, 0],
            "hours": [2150.5, 160.0, 40.0, 231.0],
        }
    )
    tiers["share"] = tiers["hours"] / tiers["hours"].iloc[:3].sum()
    by_lot = pd.DataFrame(
        {
            "lot_id": ["L01", "L02", "R01", "T301"],
            "customers": [70, 95, 12, 5],
            "hours": [900.5, 1250.0, 160.0, 40.0],
            "cost_per_customer_week_current": [380.0, 390.0, 420.0, 411.0],
            "cost_per_customer_week_proposed": [360.0, 370.0, 430.0, 411.0],
            "weekly_spend_current": [26600.0, 37050.0, 5040.0, 2055.0],
            "weekly_spend_proposed": [25200.0, 35150.0, 5160.0, 2055.0],
        }
    )
    weekly_now, weekly_then = 70745.0, 67565.0
    county = pd.DataFrame(
        {
            "customers": [182],
            "hours": [2350.5],
            "weekly_spend_current": [weekly_now],
            "weekly_spend_proposed": [weekly_then],
            "annual_spend_current": [weekly_now * settings.WEEKS_PER_YEAR],
            "annual_spend_proposed": [weekly_then * settings.WEEKS_PER_YEAR],
            "cost_per_customer_week_current": [weekly_now / 182],
            "cost_per_customer_week_proposed": [weekly_then / 182],
            "change_pct": [100 * (weekly_then - weekly_now) / weekly_now],
        }
    )
    years = np.arange(6)
    projection = pd.DataFrame(
        {
            "year": years,
            "annual_spend_current": 3.69e6 * 1.1**years,
            "annual_spend_proposed": 3.52e6 * 1.1**years,
        }
    )
    projection["change_annual"] = (
        projection["annual_spend_proposed"] - projection["annual_spend_current"]
    )
    projection["cumulative_change"] = projection["change_annual"].cumsum()
    tornado = pd.DataFrame(
        {
            "parameter": ["lead_share", "wage", "speed"],
            "base_value": [0.7, 11.44, 1.0],
            "low_value": [0.56, 9.15, 0.8],
            "high_value": [0.84, 13.73, 1.2],
            "change_at_low": [25_000.0, -150_000.0, -170_000.0],
            "change_at_high": [-220_000.0, -180_000.0, -160_000.0],
            "base_change": [-165_000.0] * 3,
        }
    )
    market = pd.DataFrame(
        {
            "level": ["county", "district", "district", "lot", "lot"],
            "area": ["county", "E07000223", "E07000224", "L01", "L02"],
            "tier": [np.nan, np.nan, np.nan, 1, 1],
            "providers": [12, 6, 9, 2, 5],
            "customers": [182, 90, 92, 70, 95],
            "hours": [2350.5, 1100.0, 1250.5, 900.5, 1250.0],
            "customers_per_provider": [15.2, 15.0, 10.2, 35.0, 19.0],
            "hhi": [1500.0, 2500.0, 1800.0, 6000.0, 3000.0],
            "criss_cross_index": [2.1, 1.8, 2.0, 1.2, 1.5],
            "care_workers": [78.4, 36.7, 41.7, 30.0, 41.7],
            "recruits_per_year": [37.0, np.nan, np.nan, np.nan, np.nan],
        }
    )
    reconciliation = pd.DataFrame(
        {
            "stage": ["read", "used", "excluded", "rejected"],
            "rows": [250, 200, 30, 20],
            "hours": [3000.0, 2350.5, 400.0, 249.5],
            "customers": [190, 182, np.nan, np.nan],
        }
    )
    payments = pd.DataFrame(
        {
            "model": ["hourly", "block", "outcome"],
            "annual_cost": [3.52e6, 3.60e6, 3.40e6],
            "change_vs_hourly": [0.0, 8e4, -1.2e5],
            "cost_per_delivered_hour": [28.8, 29.4, 27.9],
        }
    )
    base = dict(
        title="Test county home-care lots",
        synthetic=True,
        as_of=dt.date(2024, 3, 31),
        generated=dt.date(2025, 1, 2),
        parameters=parameters_from_settings(
            ["LOT_MIN_HOURS", "LOT_MAX_HOURS", "LOT_MIN_CUSTOMERS", "SPEED_MPH"]
        ),
        data_sources=[("ONS Postcode Directory", "Feb 2025, OGL v3"), ("epraccur", "2025-01")],
        reconciliation=reconciliation,
        tier_summary=tiers,
        lot_table=_lot_table(),
        plan_summary={"covered_share": 0.91, "customers_outside_lots": 5},
        cost_summary=county,
        cost_by_lot=by_lot,
        projection=projection,
        tornado=tornado,
        payment_models=payments,
        market_summary=market,
        static_map_png=map_png,
        caveats=["Hand-made test figures."],
    )
    base.update(changes)
    return ReportInputs(**base)


@pytest.fixture(scope="module")
def map_png(tmp_path_factory) -> Path:
    lots = gpd.GeoDataFrame(
        {"lot_id": ["L01", "L02", "R01"], "tier": [1, 1, 2]},
        geometry=[
            box(510000, 125000, 514000, 131000),
            box(514000, 125000, 518000, 131000),
            box(488000, 105000, 510000, 125000),
        ],
        crs=settings.CRS_BNG,
    )
    out = tmp_path_factory.mktemp("map") / "lots"
    return static_map(lots, path=out, formats=("png",), synthetic=True)[0]


@pytest.fixture(scope="module")
def written(tmp_path_factory, map_png) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    inputs = _inputs(map_png)
    paths = write_report(inputs, out)
    paths["xlsx"] = write_tables(inputs, out / "tables.xlsx")
    paths["dir"] = out
    return paths


def _docx_tables(path: Path) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in Document(path).tables]


def _lot_grid(tables: list[list[list[str]]]) -> list[list[str]]:
    found = [t for t in tables if t[0][:2] == ["Lot", "Tier"] and "Customers" in t[0]]
    assert len(found) == 1, [t[0] for t in tables]
    return found[0]


def _docx_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


# --- Word ---------------------------------------------------------------------------------------


def test_docx_reads_back_with_the_lot_table(written):
    grid = _lot_grid(_docx_tables(written["docx"]))
    header = grid[0]
    for label in ("Lot", "Tier", "Weekly hours", "Customers", "Max distance (miles)", "Reasons"):
        assert label in header
    lots = [row[0] for row in grid[1:]]
    assert lots == ["L01", "L02", "R01", "T301"]
    row = dict(zip(header, grid[1], strict=True))
    assert row["Customers"] == "70"
    assert row["Hours in band"] == "Pass"
    # T301 holds 5 customers: its count is suppressed and every figure and check over them
    # is hidden with it (no "Fail" that would say more than "1-7").
    small = dict(zip(header, grid[4], strict=True))
    assert small["Customers"] == SUPPRESSED and small["Hours in band"] == "\u2013"
    assert small["Reasons"] == "below the hours floor"


def test_docx_labels_synthetic_data_on_title_and_every_page(written):
    doc = Document(written["docx"])
    assert doc.paragraphs[0].text == "Test county home-care lots"
    assert SYNTHETIC_LABEL in [p.text for p in doc.paragraphs[:3]]
    for section in doc.sections:
        assert SYNTHETIC_LABEL in section.header.paragraphs[0].text
        assert SYNTHETIC_LABEL in section.footer.paragraphs[0].text
    assert "synthetic" in _docx_text(written["docx"]).lower()


def test_docx_embeds_the_map_and_charts(written):
    # Map, cost per customer-week, projection, tornado and market charts.
    assert len(Document(written["docx"]).inline_shapes) == 5


def test_docx_headings_cover_every_part_of_the_report(written):
    doc = Document(written["docx"])
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "1 Summary and recommendations"  # first, on the first page
    for heading in (
        "2 Findings",
        "2.1 Tiers and lots",
        "2.2 Cost",
        "2.3 Market and provider concentration",
        "2.4 Workforce",
        "3 The lots",
        "4 Maps",
        "5 Risks and caveats",
        "Appendix A Method",
        "Appendix B Parameters used",
        "Appendix C Data and vintages",
        "Appendix D Payment models",
    ):
        assert heading in headings


def test_not_synthetic_report_has_no_synthetic_label(tmp_path):
    paths = write_report(_inputs(synthetic=False), tmp_path, formats=["docx", "html"])
    assert "synthetic" not in _docx_text(paths["docx"]).lower()
    assert "synthetic" not in paths["html"].read_text(encoding="utf-8").lower()


# --- HTML ---------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [(tag, v or "") for k, v in attrs if k in ("src", "href")]


def test_html_is_self_contained(written):
    page = written["html"].read_text(encoding="utf-8")
    links = _Links()
    links.feed(page)
    assert links.urls, "expected inline images"
    for tag, url in links.urls:
        assert not url.lower().startswith(("http://", "https://", "//")), (tag, url)
    images = [url for tag, url in links.urls if tag == "img"]
    assert len(images) == 5
    assert all(url.startswith("data:image/png;base64,") for url in images)
    assert "script" not in links.tags and "link" not in links.tags
    assert "http://" not in page and "https://" not in page


def test_html_contains_lots_and_synthetic_banner(written):
    page = written["html"].read_text(encoding="utf-8")
    for lot in ("L01", "L02", "R01", "T301"):
        assert f"<td>{lot}</td>" in page
    assert page.count("SYNTHETIC DATA \u2014 not real people") >= 3  # banner, title, footer
    assert '<td class="warn">Amber</td>' in page


def test_pdf_is_written_only_with_weasyprint(tmp_path):
    paths = write_report(_inputs(), tmp_path, formats=["pdf"])
    if importlib.util.find_spec("weasyprint") is None:
        assert paths == {}
        assert not (tmp_path / "report.pdf").exists()
    else:
        assert paths["pdf"].read_bytes()[:5] == b"%PDF-"


# --- Excel --------------------------------------------------------------------------------------


def test_xlsx_has_a_readme_and_one_sheet_per_table(written):
    book = load_workbook(written["xlsx"])
    assert book.sheetnames == [
        "README",
        "Dictionary",
        "parameters",
        "data_sources",
        "reconciliation",
        "tier_summary",
        "lots",
        "plan_summary",
        "cost_summary",
        "cost_by_lot",
        "projection",
        "tornado",
        "payment_models",
        "market_summary",
        "risks",
    ]
    assert all(len(name) <= 31 for name in book.sheetnames)
    readme = [row[0] for row in book["README"].iter_rows(values_only=True)]
    assert any(text and "SYNTHETIC DATA" in text for text in readme)
    assert any(text and "ONS Postcode Directory" in text for text in readme)
    lots = list(book["lots"].iter_rows(values_only=True))
    header = list(lots[0])
    # Headings with units; read_tables gives the CSV names back.
    assert header[:4] == ["Lot", "Tier", "Weekly hours (hours a week)", "Customers"]
    lots = read_tables(written["xlsx"])["lots"]
    assert list(lots.columns[:4]) == ["lot_id", "tier", "hours", "customers"]
    assert lots["hours"].iloc[0] == 900.5  # numbers stay numbers
    assert "centre_x" not in lots.columns and "centre_y" not in lots.columns


def test_xlsx_without_synthetic_label_for_real_data(tmp_path):
    path = write_tables(_inputs(synthetic=False), tmp_path / "t.xlsx")
    readme = [row[0] for row in load_workbook(path)["README"].iter_rows(values_only=True)]
    assert not any(text and "SYNTHETIC" in text.upper() for text in readme)


def test_write_tables_refuses_other_suffixes(tmp_path):
    with pytest.raises(ValidationError, match="xlsx"):
        write_tables(_inputs(), tmp_path / "tables.csv")


# --- Disclosure ---------------------------------------------------------------------------------


def test_small_counts_are_suppressed_everywhere(written):
    grid = _lot_grid(_docx_tables(written["docx"]))
    row = dict(zip(grid[0], grid[4], strict=True))
    assert row["Lot"] == "T301" and row["Customers"] == SUPPRESSED

    page = written["html"].read_text(encoding="utf-8")
    assert (
        f'<td>T301</td><td class="num">3</td><td class="num">\u2013</td>'
        f'<td class="num">{SUPPRESSED}</td>'
    ) in page

    book = read_tables(written["xlsx"])
    for sheet, key in (("lots", "lot_id"), ("cost_by_lot", "lot_id")):
        table = book[sheet]
        t3 = table[table[key] == "T301"].iloc[0]
        assert t3["customers"] == SUPPRESSED
        if sheet == "cost_by_lot":
            # A cost per customer over 1-7 customers would describe them: blanked.
            assert t3["cost_per_customer_week_current"] is None
    assert book["tier_summary"]["customers"].iloc[2] == SUPPRESSED
    plan = dict(book["plan_summary"].itertuples(index=False, name=None))
    assert plan["customers_outside_lots"] == SUPPRESSED


def test_reports_folder_passes_the_privacy_scan(written):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        findings = scan_for_personal_data(
            written["dir"], customer_ids=CUSTOMER_IDS, postcodes=POSTCODES
        )
    assert findings[findings["kind"] != "not_scanned"].empty, findings.to_dict("records")


def test_privacy_scan_would_catch_an_unsuppressed_table(tmp_path):
    # The control for the test above: the raw lot table, written as is, fails the scan.
    _lot_table().to_csv(tmp_path / "raw_lots.csv", index=False)
    findings = scan_for_personal_data(tmp_path)
    assert "customers: 5" in set(findings["value"])


def test_personal_columns_are_refused(tmp_path):
    lots = _lot_table().assign(customer_id="CUST000123")
    with pytest.raises(ValidationError, match="customer_id"):
        write_report(_inputs(lot_table=lots), tmp_path, formats=["html"])
    assert not (tmp_path / "report.html").exists()


# --- Missing stages -----------------------------------------------------------------------------


def test_missing_stages_are_reported_as_not_run(tmp_path):
    inputs = ReportInputs("Nothing run yet", generated=dt.date(2025, 1, 2))
    paths = write_report(inputs, tmp_path, formats=["docx", "html"])
    text = _docx_text(paths["docx"])
    for stage in ("lot design", "cost model", "market analysis", "spend projection"):
        assert f"The {stage} was not run" in text
    assert "The lot design was not run" in paths["html"].read_text(encoding="utf-8")
    assert Document(paths["docx"]).inline_shapes.__len__() == 0
    book = load_workbook(write_tables(inputs, tmp_path / "tables.xlsx"))
    assert book.sheetnames == ["README", "Dictionary", "risks"]


def test_summary_says_not_run_rather_than_inventing_numbers():
    summary = executive_summary(_inputs(cost_summary=None, market_summary=None))
    assert "The cost model was not run, so no change in cost is reported." in summary
    assert "The market analysis was not run." in summary
    assert not any("\u00a3" in s for s in summary)


def test_cost_tables_are_taken_from_a_stacked_cost_summary():
    inputs = _inputs()
    by_lot = inputs.cost_by_lot.assign(level="lot").rename(columns={"lot_id": "area"})
    county = inputs.cost_summary.assign(level="county", area="county")
    stacked = pd.concat([county, by_lot], ignore_index=True)
    tables = report_tables(_inputs(cost_summary=stacked, cost_by_lot=None))
    assert list(tables["cost_by_lot"]["lot_id"]) == ["L01", "L02", "R01", "T301"]
    assert "Modelled annual spend moves from \u00a33.69m to \u00a33.52m" in " ".join(
        executive_summary(_inputs(cost_summary=stacked))
    )


# --- Text from the numbers ----------------------------------------------------------------------


def test_executive_summary_is_written_from_the_numbers():
    summary = " ".join(executive_summary(_inputs()))
    # Tier 3 (5 customers) is suppressed with its hours, and these tiers have no total row.
    assert "91% of weekly hours (2,150 weekly hours) into 2 Tier 1" in summary
    assert "20 areas holding about 85%" in summary
    # 12 customers rounded to the nearest 5 (NHS Digital); Tier 3's 5 customers suppressed,
    # with the hours over them.
    assert "1 Tier 2 rural zone holds 7% of hours, 10 customers" in summary
    assert f"Tier 3 (bought case by case) holds [c] of hours, {SUPPRESSED} customers" in summary
    assert "The rule checks of 1 lot with few customers are not shown" in summary
    assert "a saving of" in summary and "(-4.5%)" in summary
    assert "12 providers" in summary and "HHI 1,500" in summary


def test_risks_are_found_in_the_data():
    found = risks_and_caveats(_inputs())
    risks = " ".join(found["risks"])
    # T301 holds 5 customers: its checks are suppressed with its count, so it is not named.
    assert "T301" not in risks
    assert "Tier 1 lots L01" in risks  # 2 providers today, fewer than 3
    assert "E07000223" in risks and "E07000224" not in risks  # HHI 2,500 against 1,800
    assert "lead share" in risks  # the change in spend changes sign across its range
    assert "8.0% of the extract's rows were rejected" in risks
    assert found["caveats"][0].startswith("All figures come from synthetic")
    assert found["caveats"][-1] == "Hand-made test figures."


def test_a_clean_plan_has_no_rule_risks():
    lots = _lot_table().iloc[:2].assign(customers_ok="pass")
    found = risks_and_caveats(_inputs(lot_table=lots, market_summary=None, tornado=None))
    assert not any("rule" in r for r in found["risks"])
    assert "All 2 lots pass every rule checked." in executive_summary(_inputs(lot_table=lots))


# --- Inputs and parameters ----------------------------------------------------------------------


def test_parameters_from_settings_carry_their_sources():
    table = parameters_from_settings(["LOT_MAX_HOURS", "HOURS_PER_CARE_WORKER"])
    assert list(table["parameter"]) == ["LOT_MAX_HOURS", "HOURS_PER_CARE_WORKER"]
    assert list(table["value"]) == ["1300", "30"]
    assert all("seed 003" in s for s in table["source"])
    used = parameters_from_settings(["LOT_MAX_HOURS"], overrides={"LOT_MAX_HOURS": 1400})
    assert used.loc[0, "value"] == "1400" and "default 1300" in used.loc[0, "source"]
    with pytest.raises(ValidationError, match="LOT_MAX_HOUR"):
        parameters_from_settings(["LOT_MAX_HOUR"])


def test_parameters_are_read_from_settings_describe(monkeypatch):
    # Settings are data: the table is settings.describe() as it is when called, not the
    # settings module's source text.
    fake = pd.DataFrame(
        {
            "name": ["LOT_MIN_HOURS", "SPEED_MPH"],
            "value": [650.0, 19.5],
            "section": ["Tier 1 lot rules", "Travel"],
            "source": ["set in a test", "another test"],
            "audience": ["domain", "engine"],
        }
    )

    def describe(*, audience=None):
        return fake if audience is None else fake[fake["audience"] == audience]

    monkeypatch.setattr(settings, "describe", describe)
    table = parameters_from_settings()
    assert table.to_dict("list") == {
        "section": ["Tier 1 lot rules", "Travel"],
        "parameter": ["LOT_MIN_HOURS", "SPEED_MPH"],
        "value": ["650", "19.5"],
        "source": ["set in a test", "another test"],
    }
    assert list(parameters_from_settings(audience="engine")["parameter"]) == ["SPEED_MPH"]
    with pytest.raises(ValidationError, match="SPEED_MPH"):
        parameters_from_settings(["SPEED_MPH"], audience="domain")


def test_settings_are_read_when_called(monkeypatch):
    monkeypatch.setattr(settings, "SUPPRESS_MAX_COUNT", 12)
    label = suppressed_label(12)
    tables = report_tables(_inputs())
    lots = tables["lots"].set_index("lot_id")
    assert lots.loc["R01", "customers"] == label  # 12 customers
    assert f"{label} customers" in " ".join(executive_summary(_inputs()))
    monkeypatch.setattr(settings, "SEED_TIER1_AREAS", 17)
    assert "17 areas holding about" in " ".join(executive_summary(_inputs()))


def test_parameters_may_be_a_mapping():
    inputs = _inputs(parameters={"min_hours": 700, "lead_share": (0.7, "project default")})
    table = report_tables(inputs)["parameters"]
    assert list(table.columns[:4]) == ["section", "parameter", "value", "source"]
    assert table.loc[1, "source"] == "project default"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": " "}, "title"),
        ({"lot_table": [1, 2]}, "lot_table"),
        ({"as_of": "31/03/2024"}, "as_of"),
        ({"static_map_png": "/no/such/map.png"}, "static_map_png"),
        ({"data_sources": ["ONSPD"]}, "pair"),
    ],
)
def test_bad_inputs_are_refused(change, message):
    with pytest.raises(ValidationError, match=message):
        _inputs(**change)


def test_bad_formats_are_refused(tmp_path):
    with pytest.raises(ValidationError, match="formats"):
        write_report(_inputs(), tmp_path, formats=["odt"])
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValidationError, match="is a file"):
        write_report(_inputs(), tmp_path / "file", formats=["html"])


def test_html_is_reproducible(tmp_path):
    first = write_report(_inputs(), tmp_path / "a", formats=["html"])["html"].read_bytes()
    second = write_report(_inputs(), tmp_path / "b", formats=["html"])["html"].read_bytes()
    assert first == second


def test_flags_that_are_not_rules_do_not_fail_lots():
    lots = _lot_table().iloc[:2].assign(customers_ok="pass", locked=[False, True])
    assert "All 2 lots pass every rule checked." in executive_summary(_inputs(lot_table=lots))


def test_title_cannot_break_out_of_the_page(tmp_path):
    title = 'Lots "A" </style><script>alert(1)</script>'
    page = write_report(_inputs(title=title), tmp_path, formats=["html"])["html"]
    links = _Links()
    links.feed(page.read_text(encoding="utf-8"))
    assert "script" not in links.tags


def test_lot_polygons_and_points_never_reach_the_tables():
    lots = gpd.GeoDataFrame(
        _lot_table(),
        geometry=[box(0, 0, 1000, 1000)] * 4,
        crs=settings.CRS_BNG,
    )
    table = report_tables(_inputs(lot_table=lots))["lots"]
    assert not {"geometry", "centre_x", "centre_y"} & set(table.columns)
    assert list(table["lot_id"]) == ["L01", "L02", "R01", "T301"]


def test_report_from_the_engine_checks_and_tiers(tmp_path):
    # The real shapes: lotdesign.checks.check_plan's table and Series, and
    # lotdesign.tiers' summary (indexed by tier, with a total row).
    from lotdesign import checks, lots, tiers
    from lotdesign.datasets import synthetic

    units = synthetic.grid_units(120, seed=3)
    plan = tiers.assign_tiers(units, lots.design(units, seed=1), seed=1)
    table, summary = checks.check_plan(units, plan.assignment)
    inputs = _inputs(tier_summary=plan.summary, lot_table=table, plan_summary=summary)
    paths = write_report(inputs, tmp_path, formats=["docx", "html"])
    write_tables(inputs, tmp_path / "tables.xlsx")

    grid = _lot_grid(_docx_tables(paths["docx"]))
    assert "RAG" in grid[0]  # one rule status in the report; every rule in tables.xlsx
    assert [row[0] for row in grid[1:]] == list(table["lot_id"])
    n = len(table)
    assert f"All {n} lots pass every rule checked." in executive_summary(inputs)
    findings = scan_for_personal_data(tmp_path)
    assert findings[findings["kind"] != "not_scanned"].empty, findings.to_dict("records")
