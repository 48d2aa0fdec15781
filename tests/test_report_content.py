"""The report's content: the first page, risks from the numbers, district names, sections
that appear only with their data, and the PDF's page rules. Hand-made inputs, no demo run."""

from __future__ import annotations

import datetime as dt
import warnings

import pandas as pd
import pytest

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.report import ReportInputs, risks_and_caveats, write_report
from lotdesign.report.content import _content, _Heading
from lotdesign.report.display import _Display
from lotdesign.report.places import district_name, unnamed
from lotdesign.report.summary import decisions, district_names, key_figures, number_risks

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _lots() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lot_id": ["L01", "L02", "L03", "R01"],
            "tier": [1, 1, 1, 2],
            "hours": [705.0, 1000.0, 1290.0, 400.0],
            "customers": [60, 80, 100, 20],
            "max_minutes": [12.0, 14.0, 9.0, 20.0],
            "max_miles": [4.1, 5.0, 3.2, 9.5],
            # A count of people: 12 is shown (rounded); 1-7 would be suppressed, and unflagged.
            "customers_beyond": [0, 12, 0, 0],
            "passes": [True, True, True, True],
            "district": ["E07000226; E07000227", "E07000229", "E09999999", "E07000225"],
        }
    )


def _effect() -> dict:
    return {
        "price_year": {"year": "2026-27", "floor": 33.41, "basis": "2026-27: built."},
        "policy": {"kind": "pass_back", "text": "today's rates less 50% of the saving"},
        "lots": 4,
        "lots_raised_to_bound": 4,
        "lots_under_floor_today": 4,
        "ranges": {
            "change_per_customer_week": {"p10": -12.0, "p50": -8.0, "p90": -3.5},
            "change_pct": {"p10": -4.1, "p50": -2.7, "p90": -1.2},
            "change_term": {"p10": -900_000.0, "p50": -600_000.0, "p90": -250_000.0},
        },
        "timing": {
            "new_customers_only": True,
            "years": 5,
            "contracted_share_year1": 0.22,
            "contracted_share_last_year": 0.9,
        },
        "travel": {
            "care_worker_hours_released_week": 410.0,
            "care_workers_released": 13.7,
            "providers_keep_week": 5000.0,
            "council_keeps_week": 0.0,
            "miles_saved_week": 9000.0,
            "travel_value_week": 10000.0,
        },
        "spend": {
            "lines": 400,
            "imputed_lines": 8,
            "imputed_weekly_cost": 900.0,
            "weekly_spend": 90_000.0,
            "default_rate": 28.66,
        },
    }


def _inputs(**changes) -> ReportInputs:
    market = pd.DataFrame(
        {
            "level": ["county", "district", "lot", "lot", "lot"],
            "area": ["county", "E07000226", "L01", "L02", "L03"],
            "tier": [None, None, 1, 1, 1],
            "providers": [40, 12, 9, 7, 11],
            "customers": [260, 90, 60, 80, 100],
            "hours": [3395.0, 1200.0, 705.0, 1000.0, 1290.0],
            "hhi": [400.0, 900.0, 800.0, 1200.0, 700.0],
            "hhi_proposed": [None, None, 5800.0, 5800.0, 5800.0],
            "care_workers": [113.2, 40.0, 23.5, 33.3, 43.0],
            "recruits_per_year": [53.0, None, None, None, None],
        }
    )
    flow = pd.DataFrame(
        {
            "lot_id": ["L01", "L02", "L03", "R01"],
            "tier": [1, 1, 1, 2],
            "hours": [705.0, 1000.0, 1290.0, 400.0],
            "months_to_viable": [45.0, 20.0, 12.0, None],
        }
    )
    tiers = pd.DataFrame(
        {
            "tier": [1, 2, 3, 4],
            "lots": [3, 1, 0, 0],
            "customers": [240, 20, 15, 0],
            "hours": [2995.0, 400.0, 200.0, 0.0],
            "reserve_hours": [0.0, 0.0, 0.0, 340.0],
        }
    )
    tiers["share_hours"] = tiers["hours"] / tiers["hours"].sum()
    base = dict(
        title="Test lots",
        generated=dt.date(2026, 11, 1),
        tier_summary=tiers,
        lot_table=_lots(),
        market_summary=market,
        cost_flow=flow,
        cost_effect=_effect(),
        policy_tradeoff=pd.DataFrame(
            {
                "policy": ["compact", "viable"],
                "lots": [3, 2],
                "tier1_share": [0.83, 0.80],
                "mean_hours": [998.0, 1400.0],
                "lots_over_after_growth": [1, 2],
            }
        ),
    )
    base.update(changes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ReportInputs(**base)


def test_district_names_come_from_the_run_then_the_package():
    assert district_name("E07000226") == "Crawley"
    assert district_name("E07000226", {"E07000226": "Crawley Borough"}) == "Crawley Borough"
    assert district_name("E09999999") == "E09999999"
    assert district_names("E07000226; E07000227") == "Crawley, Horsham"
    assert unnamed(["E07000226", "E09999999", "L01"]) == ["E09999999"]
    with pytest.raises(ValidationError, match="district_names"):
        _inputs(district_names={"E07000226": 5})


def test_key_figures_give_the_cost_as_a_range_with_policy_and_timing():
    figures = dict(key_figures(_inputs()))
    cost = figures["Change in cost at full effect (P10 to P90)"]
    assert cost == "a saving of £3.50 to £12.00 per customer-week (-4.1% to -1.2% of spend)"
    assert figures["Change in spend over the 5-year term (P10 to P90)"] == (
        "a saving of £250,000 to £900,000"
    )
    assert "today's rates less 50% of the saving" in figures["Price policy (2026-27 prices)"]
    assert figures["Timing (new customers only)"].startswith("22% of lot hours")
    assert figures["Tier 1 lots: months to viable volume"] == "median 20 months (range 12 to 45)"
    assert "HHI 400 (unconcentrated)" in figures["Market today"]
    assert "HHI 5,800 proposed" in figures["Market today"]


def test_decisions_follow_from_the_numbers():
    asks = " ".join(decisions(_inputs()))
    assert "Approve the design: 3 Tier 1 lots" in asks
    assert "compact (3 lots" in asks and "viable (2 lots" in asks
    assert "below the 2026-27 cost-of-care floor (£33.41 an hour) in 4 of 4 lots" in asks
    assert "12 to 45 months (median 20)" in asks
    assert "HHI 5,800 within a lot" in asks


def test_risks_follow_from_the_numbers():
    risks = number_risks(_inputs())
    text = " ".join(risks)
    # 705 h is within 5% of the 700 h floor; 1,290 h within 5% of the 1,300 h ceiling.
    assert "1 Tier 1 lot within 5% of the 700-hour floor (L01)" in text
    assert "1 Tier 1 lot within 5% of the 1,300-hour ceiling (L03)" in text
    # More than half of a 5-year term (30 months), or never viable.
    assert "2 lots take more than 30 months" in text and "(L01, R01)" in text
    assert "Within 3 of 3 Tier 1 lots" in text and "HHI 5,800" in text
    assert "some customers live beyond the drive-time limit" in text and "(L02)" in text
    assert "8 of 400 package lines had no cost" in text and "1.0% of spend" in text
    # The same risks reach the report's risk list (and the workbook's risks sheet).
    assert set(risks) <= set(risks_and_caveats(_inputs())["risks"])


def test_risk_thresholds_are_settings_read_when_called(monkeypatch):
    monkeypatch.setattr(settings, "REPORT_BAND_EDGE_SHARE", 0.001)
    monkeypatch.setattr(settings, "REPORT_SLOW_VIABLE_SHARE", 0.9)
    text = " ".join(number_risks(_inputs()))
    assert "floor" not in text and "ceiling" not in text
    assert "1 lot takes more than 54 months" in text and "(R01)" in text


def test_a_quiet_run_raises_no_number_risks():
    lots = _lots().assign(hours=[900.0, 1000.0, 1100.0, 400.0], customers_beyond=0)
    flow = pd.DataFrame({"lot_id": ["L01"], "tier": [1], "months_to_viable": [10.0]})
    effect = {**_effect(), "spend": {}}
    inputs = _inputs(lot_table=lots, cost_flow=flow, cost_effect=effect, market_summary=None)
    assert number_risks(inputs) == []


def _blocks(inputs: ReportInputs):
    return _content(inputs, settings.SUPPRESS_MAX_COUNT, settings.REPORT_MAX_CHART_BARS)


def test_sections_appear_with_their_data():
    headings = [b.full for b in _blocks(_inputs()) if isinstance(b, _Heading)]
    assert headings[0] == "1 Summary and recommendations"
    assert "2.5 Lot-size policies compared" in headings
    assert not any("Scenarios compared" in h for h in headings)
    sweep = pd.DataFrame(
        {
            "scenario": ["base", "wider"],
            "changes": ["", "rules.max_hours=1400"],
            "lots": [3, 2],
            "tier1_share": [0.83, 0.86],
        }
    )
    blocks = _blocks(_inputs(sweep_comparison=sweep))
    headings = [b.full for b in blocks if isinstance(b, _Heading)]
    assert "2.6 Scenarios compared" in headings
    table = next(b for b in blocks if isinstance(b, _Display) and b.caption == "Scenarios compared")
    assert table.cells[1][:3] == ["wider", "rules.max_hours=1400", "2"]
    none = [b.full for b in _blocks(_inputs(policy_tradeoff=None)) if isinstance(b, _Heading)]
    assert not any("Lot-size policies" in h for h in none)


def test_lot_table_has_key_columns_with_district_names_in_portrait():
    blocks = _blocks(_inputs())
    table = next(
        b for b in blocks if isinstance(b, _Display) and b.caption == "Lots and rule checks"
    )
    assert table.headers == [
        "Lot",
        "Tier",
        "District",
        "Weekly hours",
        "Customers",
        "Max drive (min)",
        "Max distance (miles)",
        "Passes every rule",
    ]
    assert not table.wide
    assert table.cells[0][2] == "Crawley, Horsham"
    assert table.cells[2][2] == "E09999999"  # no name known: the code, and a note says so
    notes = [b.text for b in blocks if getattr(b, "kind", None) == "note"]
    assert any("shown as ONS codes" in n for n in notes)


def test_pdf_skipped_with_a_warning_without_weasyprint(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpangoft2-1.0-0'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    with pytest.warns(UserWarning, match="report.pdf not written"):
        paths = write_report(_inputs(), tmp_path, formats=["html", "pdf"])
    assert set(paths) == {"html"} and not (tmp_path / "report.pdf").exists()


def test_pdf_has_landscape_page_only_for_a_wide_table(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("weasyprint")
    narrow = write_report(_inputs(), tmp_path / "a", formats=["pdf"])["pdf"]
    sizes = {tuple(round(float(x)) for x in p.mediabox[2:]) for p in pypdf.PdfReader(narrow).pages}
    assert sizes == {(595, 842)}  # A4 portrait throughout
    wide = _lots().assign(**{f"{r}_ok": True for r in ("hours", "customers", "radius", "drive")})
    wide["reasons"] = ["", "near the floor", "", ""]
    path = write_report(_inputs(lot_table=wide), tmp_path / "b", formats=["pdf"])["pdf"]
    sizes = [tuple(round(float(x)) for x in p.mediabox[2:]) for p in pypdf.PdfReader(path).pages]
    assert (842, 595) in sizes and sizes[0] == (595, 842)


def test_every_english_district_in_the_packaged_lookup_has_a_name():
    from lotdesign.io.lookups import read_packaged

    codes = read_packaged()["district"].dropna().unique()
    english = [code for code in codes if str(code).startswith("E0")]
    assert len(english) > 290
    assert unnamed(english) == []
    assert district_name("E06000066") == "Somerset"


def test_parameter_values_read_as_text_not_python():
    from lotdesign.report.inputs import _param_text

    assert _param_text({"urban": 20.0, "village": 35}) == "urban: 20; village: 35"
    assert _param_text({"2024-25": {"rate": 0.138, "threshold": 175.0}}) == (
        "2024-25: (rate: 0.138, threshold: 175)"
    )
    assert _param_text((0.8, 1.2)) == "0.8 to 1.2"
    assert _param_text(("town_fringe", "village")) == "town_fringe, village"
    assert _param_text(True) == "yes"


def test_drive_time_method_says_whether_paths_went_round_water():
    def texts(inputs):
        caveats = " ".join(risks_and_caveats(inputs)["caveats"])
        method = " ".join(b.text for b in _blocks(inputs) if hasattr(b, "text"))
        return caveats, method

    caveats, method = texts(_inputs())  # LAND_PATHS as set: on
    assert "shortest path over the units' land" in caveats
    assert "shortest path over land where the straight line crosses open water" in method
    off = pd.DataFrame(
        {"section": ["Travel"], "parameter": ["LAND_PATHS"], "value": [False],
         "source": ["set for this run"]}
    )  # fmt: skip
    caveats, method = texts(_inputs(parameters=off))
    assert "over the units' land" not in caveats and "estuaries" in caveats
    assert "over land" not in method and "{water}" not in method
