"""Tests for lotdesign.settings and lotdesign.datasets.settings: settings as data.

Each setting is declared once with a section, a source and an audience; values are plain
module attributes, read by functions when they are called.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

import lotdesign
from lotdesign import ValidationError, checks, disclosure, settings, tiers, travel
from lotdesign._settings_table import SettingsTable
from lotdesign.datasets import demo
from lotdesign.datasets import settings as demo_settings

#: Every setting's value as it was before settings became data (captured from the module).
#: Values must not change by accident: change a figure here only together with its source.
FROZEN: dict[str, object] = {
    # Disclosure control (issue 10): the NHS Digital rule and secondary suppression.
    "SUPPRESS_ROUNDING_BASE": 5,
    "SUPPRESS_PROTECTION_PEOPLE": 2,
    "PUBLIC_GEOMETRY_MIN_PART_M2": 250_000.0,
    "PUBLIC_GEOMETRY_STRAY_M": 3_000.0,
    # Roads, reach and lot-size policy (issue 11).
    "LOT_REACH_TOLERANCE": 0.0,
    "LOT_POLICY": "compact",
    "LOT_VIABLE_LOT_COST": 0.5,
    "LOT_HEADROOM_YEARS": 0.0,
    "LOT_HEADROOM_GROWTH": 0.024,
    "TIER2_RURAL_CLASSES": ("town_fringe", "village_dispersed"),
    "ROAD_SPEED_KPH": {
        "motorway": 90.0,
        "motorway_link": 45.0,
        "trunk": 85.0,
        "trunk_link": 40.0,
        "primary": 65.0,
        "primary_link": 30.0,
        "secondary": 55.0,
        "secondary_link": 25.0,
        "tertiary": 40.0,
        "tertiary_link": 20.0,
        "unclassified": 25.0,
        "residential": 25.0,
        "living_street": 10.0,
        "service": 15.0,
        "road": 25.0,
    },  # fmt: skip
    "ROAD_TRAFFIC_FACTOR": 1.0,
    "ROAD_CUTOFF_MINUTES": 30.0,
    "OSM_ATTRIBUTION": "© OpenStreetMap contributors",
    # Neighbours and drive times over land (issue 11 item 3).
    "LAND_MASK_CLOSING_M": 1000.0,
    "LAND_PATHS": True,
    "LAND_GRID_M": 500.0,
    "LAND_DETOUR_MIN_RATIO": 1.1,
    "LAND_PATH_LIMIT_M": 30_000.0,
    "LAND_MAX_NODES": 2_000_000,
    "ACCESS_GROUP_MILES_PER_VISIT": 3.06,
    # Travel validated on care rounds (issue 9): share-thinned lot areas.
    "TRAVEL_SHARE_DRAWS": 16,
    "BHH_CONSTANT": 0.7124,
    "BLOCK_DISCOUNT": 0.05,
    "BLOCK_UTILISATION": 0.92,
    # Cost truth (issue 9): prices by year, the price policy, the flow and the ranges.
    "BUSINESS_SHARE_BY_YEAR": {
        "2020-21": 0.2588,
        "2021-22": 0.2695,
        "2022-23": 0.2794,
        "2023-24": 0.2984,
        "2024-25": 0.3007,
        "2025-26": 0.3191,
    },
    "EMPLOYER_NI_BY_YEAR": {
        "2020-21": {"rate": 0.138, "threshold_week": 169.0},
        "2021-22": {"rate": 0.138, "threshold_week": 170.0},
        "2022-23": {"rate": 0.1505, "threshold_week": 175.0},
        "2023-24": {"rate": 0.138, "threshold_week": 175.0},
        "2024-25": {"rate": 0.138, "threshold_week": 175.0},
        "2025-26": {"rate": 0.15, "threshold_week": 96.0},
        "2026-27": {"rate": 0.15, "threshold_week": 96.0},
    },
    "NI_CONTACT_HOURS_WEEK": 24.8,
    "PRICE_UPRATING": 0.041,
    "PRICE_POLICY": "pass_back",
    "PASS_BACK_SHARE": 0.5,
    "ALLOW_BELOW_FLOOR": False,
    "NEW_CUSTOMERS_ONLY": True,
    "PACKAGE_MEAN_MONTHS": 24.0,
    "FLOW_START_WINDOW_MONTHS": 12,
    "TIER2_ESTABLISHED_HOURS": 750.0,
    "COST_RANGES": {
        "speed_factor": (0.8, 1.2),
        "circuity": (1.25, 1.61),
        "scheduling_factor": (0.76, 1.72),
        "pass_back_share": (0.25, 0.75),
        "package_months_factor": (0.75, 1.5),
        "demand_growth": (0.0, 0.068),
        "rate_uplift": (0.03, 0.07),
    },
    "MONTE_CARLO_DRAWS": 500,
    "CALL_SLOTS_PER_DAY": 4,
    "CHECK_AMBER_MARGIN": 0.1,
    "CRS_BNG": "EPSG:27700",
    "CRS_WGS84": "EPSG:4326",
    "DEFAULT_HOURLY_RATE": 28.66,
    "DEMAND_GROWTH": 0.024,
    "EMPLOYER_PENSION_RATE": 0.03,
    "HCA_MILES_PER_CONTACT_HOUR": 3.02,
    "HCA_MINIMUM_PRICE": {
        "2020-21": 20.69,
        "2021-22": 21.43,
        "2022-23": 23.20,
        "2023-24": 25.95,
        "2024-25": 28.53,
        "2025-26": 32.14,
    },
    "HCA_TRAVEL_SHARE": 0.195,
    "HOLIDAY_PAY_RATE": 0.1207,
    "HOURS_PER_CARE_WORKER": 30.0,
    "LEAD_PROVIDER_SHARE": 0.7,
    "LOT_CENTRE_SHORTLIST": 4,
    "LOT_CONTIGUOUS": True,
    "LOT_DIVE_ROUNDS": 1000,
    "LOT_GROWTH_STRETCH": 0.6,
    "LOT_GROWTH_VARIANTS": 2,
    "LOT_IMPROVE_PASSES": 4,
    "LOT_LNS_ROUNDS": 0,
    "LOT_LNS_WINDOW": 4,
    "LOT_MAX_CUSTOMERS": 110,
    "LOT_MAX_DRIVE_MINUTES": 15.0,
    "LOT_MAX_HOURS": 1300.0,
    "LOT_MAX_RADIUS_MILES": 7.0,
    "LOT_MIN_CUSTOMERS": 50,
    "LOT_MIN_HOURS": 700.0,
    "LOT_MIP_TIME_LIMIT": 20.0,
    "LOT_MOVE_NEIGHBOURS": 12,
    "LOT_POLISH_ROUNDS": 0,
    "LOT_POLISH_WINDOW": 2,
    "LOT_POLISH_WINDOW_SECONDS": 120.0,
    "LOT_POLISH_UNITS": 0,
    "LOT_POLISH_MAX_UNITS": 2000,
    "LOT_EXACT_UNITS": 0,
    "LOT_EXACT_SECONDS": 300.0,
    "LOT_KERNEL_UNITS": 0,
    "LOT_KERNEL_MIN_SHARE": 0.01,
    "LOT_KERNEL_SECONDS": 600.0,
    "LOT_KERNEL_MIP_NODES": 2000,
    "LOT_KERNEL_WINDOW_SECONDS": 60.0,
    "LOT_KERNEL_ROUNDS": 2,
    "LOT_BALANCED_UNITS": 0,
    "LOT_BALANCED_COUNTS": 2,
    "LOT_BALANCED_STARTS": 10,
    "LOT_BALANCED_LLOYD_ROUNDS": 30,
    "LOT_BALANCED_MIP_NODES": 200,
    "LOT_BALANCED_MIP_SOLVES": 3,
    "LOT_BALANCED_MIN_UNITS_PER_LOT": 15.0,
    "LOT_BALANCED_SECONDS": 30.0,
    "LOT_REGION_UNITS": 8000,
    "LOT_RESTARTS": 1,
    "LOT_RESTART_MAX_UNITS": 2000,
    "LOT_SEARCH_RESTARTS": 1,
    "LOT_SEARCH_RESTART_MAX_UNITS": 200,
    "LOT_SNAPSHOT_FRACTIONS": (0.1, 0.25, 0.5),
    "LOT_TARGET_TOLERANCE": 0.1,
    "LOT_TILE_SIZE": 200,
    "LOT_WORKERS": 0,
    "LOT_UNCOVERED_PENALTY_FACTOR": 4.0,
    "MAP_COORDINATE_PRECISION_DEG": 1e-05,
    "MAP_MAX_BYTES": 5000000,
    "MAP_SIMPLIFY_TOLERANCE_M": 25.0,
    "MARKET_HHI_CONCENTRATED": 1000.0,
    "MARKET_HHI_HIGHLY_CONCENTRATED": 2000.0,
    "MAX_WEEKLY_HOURS": 336.0,
    # Reading real exports (issue 13): the header search and what stops an undeclared unit.
    "HEADER_SEARCH_ROWS": 50,
    "UNDECLARED_MAX_MEDIAN_HOURS": 60.0,
    "UNDECLARED_RATE_BAND": (5.0, 100.0),
    "MEAN_HOURLY_RATE": 28.66,
    "METRES_PER_MILE": 1609.344,
    "MILEAGE_RATE": 0.45,
    "NLW_BY_YEAR": {
        "2020-21": 8.72,
        "2021-22": 8.91,
        "2022-23": 9.50,
        "2023-24": 10.42,
        "2024-25": 11.44,
        "2025-26": 12.21,
        "2026-27": 12.71,
    },
    "OUTCOME_ACHIEVEMENT_RATE": 0.9,
    "OUTCOME_BONUS_RATE": 0.1,
    "OUTCOME_BONUS_SHARE": 0.25,
    "OUTCOME_UPFRONT_SHARE": 0.2,
    "PROJECTION_YEARS": 5,
    "RATE_UPLIFT": 0.03,
    "REPORT_BAND_EDGE_SHARE": 0.05,
    "REPORT_MAX_CHART_BARS": 40,
    "REPORT_MIN_PROVIDERS_PER_LOT": 3,
    "REPORT_REJECTED_RISK_SHARE": 0.05,
    "REPORT_SLOW_VIABLE_SHARE": 0.5,
    "REPORT_TIER3_RISK_SHARE": 0.15000000000000002,
    "ROAD_CIRCUITY": 1.3,
    "ROUND_SCHEDULING_FACTOR": 0.95,
    "RUN_LOT_LNS_ROUNDS": 2,
    "RUN_LOT_POLISH_ROUNDS": 5,
    "RUN_LOT_POLISH_UNITS": 20,
    "RUN_LOT_SEARCH_RESTARTS": 3,
    "RUN_LOT_BALANCED_UNITS": 600,
    "RUN_LOT_RESTARTS": 3,
    "RUN_LOT_THOROUGH": {
        "exact_units": 250,
        "kernel_units": 600,
        "lns_rounds": 2,
        "polish_rounds": 5,
        "restarts": 6,
        "tile_size": 600,
        "variants": 5,
    },
    "RUN_LOT_VARIANTS": 5,
    # lotdesign sweep (issue 14).
    "SWEEP_WORKERS": 2,
    "SWEEP_THREADS_PER_WORKER": 1,
    "SWEEP_MAP_COLUMNS": 3,
    "SWEEP_MAP_MAX_PANELS": 24,
    "SWEEP_MAX_SCENARIOS": 1000,
    "NATIONAL_CUSTOMERS_PER_POSTCODE": 0.0602,
    "RURAL_PREMIUM": 0.13,
    "RURAL_PREMIUM_TIERS": (2,),
    "SEED_TIER1_AREAS": 20,
    "SEED_TIER1_SHARE": 0.85,
    "SEED_WEEKLY_COST_PER_CUSTOMER": 210.0,
    "SICK_PAY_RATE": 0.029,
    "SPEED_MPH": {"town_fringe": 28.0, "urban": 20.0, "village_dispersed": 35.0},
    "STUDY_AREA_BUFFER_M": 1000.0,
    "STUDY_AREA_HULL_RATIO": 0.05,
    "SUPPRESS_MAX_COUNT": 7,
    "SURPLUS_RATE": 0.03,
    "TIER2_CONTIGUOUS": False,
    "TIER2_LEAD_SHARE": 1.0,
    "TIER2_MAX_CUSTOMERS": 110,
    "TIER2_MAX_DRIVE_MINUTES": 25.0,
    "TIER2_MAX_HOURS": 1300.0,
    "TIER2_MAX_RADIUS_MILES": 12.0,
    "TIER2_MIN_CUSTOMERS": 10,
    "TIER2_MIN_HOURS": 150.0,
    "TIER4_RESERVE_SHARE": 0.1,
    "TORNADO_SWING": 0.2,
    "TRAINING_RATE": 0.0392,
    "TYPICAL_PROVIDER_AREA_KM2": 284.42857142857144,
    "TYPICAL_PROVIDER_CUSTOMERS": 25.263157894736842,
    "VISITS_PER_ROUND": 6,
    "VISIT_LENGTH_MIX": {15: 18.0, 30: 835.0, 45: 209.0, 60: 97.0},
    "WEEKS_PER_YEAR": 52.14,
    "WORKFORCE_TURNOVER": 0.374,
    "WORKFORCE_VACANCY": 0.1,
    "WORKFORCE_ZERO_HOURS_SHARE": 0.61,
}

#: The demo generator's knobs, moved from lotdesign.settings to lotdesign.datasets.settings.
FROZEN_DEMO: dict[str, object] = {
    "DEMO_BLANK_COST_SHARE": 0.005,
    "DEMO_COUNTY_WIDE_PROVIDERS": 6,
    "DEMO_CUSTOMERS": 2400,
    "DEMO_DAILY_STEP_SHARE": 0.5,
    "DEMO_DATE_TEXT_SHARE": {"iso": 0.03, "uk": 0.05},
    "DEMO_DISTRICTS": (
        "E07000223",
        "E07000224",
        "E07000225",
        "E07000226",
        "E07000227",
        "E07000228",
        "E07000229",
    ),
    "DEMO_ENDED_SHARE": 0.08,
    "DEMO_EPRACCUR_GEOGRAPHY": ("Y59", "QNX", "70F"),
    "DEMO_FUTURE_SHARE": 0.01,
    "DEMO_GP_CLOSED": 3,
    "DEMO_GP_CLOSED_SHARE": 0.01,
    "DEMO_GP_CODE_PREFIX": "SYN",
    "DEMO_GP_NON_GP": 2,
    "DEMO_GP_PRACTICES": 80,
    "DEMO_GP_UNKNOWN_SHARE": 0.01,
    "DEMO_HISTORY_YEARS": 6.0,
    "DEMO_HOURS_SIGMA": 0.85,
    "DEMO_LARGE_PACKAGES": (3, 8),
    "DEMO_LARGE_PACKAGE_HOURS": (80.0, 250.0),
    "DEMO_LINE_RATE_SD": 0.02,
    "DEMO_MEAN_PACKAGE_AGE_YEARS": 2.0,
    "DEMO_MEAN_WEEKLY_HOURS": 12.6,
    "DEMO_ORDINARY_MAX_HOURS": 70.0,
    "DEMO_PATCH_MEDIAN_KM": 12.0,
    "DEMO_PATCH_RANGE_KM": (5.0, 35.0),
    "DEMO_PLACEMENT_WEIGHTS": {"dispersed": 0.75, "town": 1.0, "village": 1.0},
    "DEMO_PLANNED_END_SHARE": 0.03,
    "DEMO_PROVIDERS": 95,
    "DEMO_PROVIDER_DECAY_KM": 15.0,
    "DEMO_PROVIDER_MIN_CUSTOMERS": 2,
    "DEMO_PROVIDER_RATE_SD": 0.05,
    "DEMO_PROVIDER_SIZE_SIGMA": 0.8,
    "DEMO_REJECTED_SHARE": 0.025,
    "DEMO_RURAL_PREMIUM_SHARE": {"dispersed": 1.0, "town": 0.0, "village": 0.5},
    "DEMO_SECOND_LINE_SHARE": 0.1,
    "DEMO_SEED": 2024,
    "DEMO_SETTLEMENT_EPS_M": 200.0,
    "DEMO_SETTLEMENT_MIN_POSTCODES": 8,
    "DEMO_TOWN_MIN_POSTCODES": 150,
    "DEMO_VARIANT_SHARE": 0.03,
}

#: Modules whose functions must read settings when called, not when defined.
#: Every module reads its settings when called: none binds a default at import.
CALL_TIME_MODULES = ("",)


# --- Values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_values_are_unchanged(name: str) -> None:
    value = getattr(settings, name)
    assert value == FROZEN[name]
    assert type(value) is type(FROZEN[name])
    assert settings.default(name) == FROZEN[name]


@pytest.mark.parametrize("name", sorted(FROZEN_DEMO))
def test_demo_knobs_moved_with_their_values(name: str) -> None:
    value = getattr(demo_settings, name)
    assert value == FROZEN_DEMO[name] and type(value) is type(FROZEN_DEMO[name])
    with pytest.raises(AttributeError, match=f"lotdesign.datasets.settings.{name}"):
        getattr(settings, name)


def test_settings_are_plain_values() -> None:
    assert type(settings.LOT_MIN_HOURS) is float
    assert settings.LOT_MIN_HOURS + 1 == 701.0
    assert settings.get("LOT_MIN_HOURS") is settings.LOT_MIN_HOURS
    assert settings.TIER2_MAX_CUSTOMERS == settings.LOT_MAX_CUSTOMERS


def test_only_typical_hours_is_new() -> None:
    names = set(settings.describe()["name"])
    assert names - set(FROZEN) == {"TYPICAL_HOURS_PER_CUSTOMER"}
    assert set(FROZEN) <= names
    assert set(demo_settings.describe()["name"]) == set(FROZEN_DEMO)
    # The cost model's typical customer has the demo's (WSCC MPS 2024) mean package.
    assert settings.TYPICAL_HOURS_PER_CUSTOMER == demo_settings.DEMO_MEAN_WEEKLY_HOURS


# --- describe, get, source ---------------------------------------------------------------------


def test_describe_lists_every_setting_with_its_current_value() -> None:
    table = settings.describe()
    assert list(table.columns) == ["name", "value", "section", "source", "audience"]
    assert table["name"].is_unique
    assert not table["name"].str.startswith("DEMO_").any()
    for row in table.itertuples(index=False):
        assert row.value is getattr(settings, row.name)
    assert table.loc[0, "name"] == "MAX_WEEKLY_HOURS"  # declaration order
    row = table.set_index("name").loc["LOT_MIN_HOURS"]
    assert row["section"] == "Tier 1 lot rules" and row["audience"] == "domain"
    assert row["source"] == "seed 003: '700 - 1300 current weekly hours'"


@pytest.mark.parametrize("module", [settings, demo_settings], ids=["settings", "datasets"])
def test_every_setting_has_a_source_and_a_known_audience(module) -> None:
    table = module.describe()
    assert len(table) > 0
    assert table["source"].map(lambda s: isinstance(s, str) and bool(s.strip())).all()
    assert table["section"].map(lambda s: isinstance(s, str) and bool(s.strip())).all()
    assert set(table["audience"]) <= set(module.AUDIENCES)
    for name in table["name"]:
        assert module.source(name) == table.set_index("name").loc[name, "source"]


def test_every_audience_is_used() -> None:
    assert set(settings.describe()["audience"]) == {"domain", "engine", "output", "data"}
    assert set(demo_settings.describe()["audience"]) == {"demo"}


def test_describe_filters_by_audience_and_section() -> None:
    engine = settings.describe(audience="engine")
    assert (engine["audience"] == "engine").all()
    assert {"LOT_TILE_SIZE", "RUN_LOT_THOROUGH"} <= set(engine["name"])
    assert "LOT_MIN_HOURS" not in set(engine["name"])
    tier1 = settings.describe(section="tier 1 LOT rules")  # case ignored
    assert list(tier1["name"][:2]) == ["LOT_MIN_HOURS", "LOT_MAX_HOURS"]
    both = settings.describe(audience="output", section="Maps")
    assert list(both["name"]) == [
        "MAP_SIMPLIFY_TOLERANCE_M",
        "MAP_COORDINATE_PRECISION_DEG",
        "PUBLIC_GEOMETRY_MIN_PART_M2",
        "PUBLIC_GEOMETRY_STRAY_M",
        "MAP_MAX_BYTES",
    ]
    assert settings.describe(audience="data", section="Maps").empty
    demo_county = demo_settings.describe(section="Demo county (WSCC MPS 2024)")
    assert "DEMO_CUSTOMERS" in set(demo_county["name"])


def test_unknown_names_say_what_was_meant() -> None:
    with pytest.raises(ValidationError, match="Did you mean LOT_MIN_HOURS"):
        settings.get("LOT_MIN_HOUR")
    with pytest.raises(ValidationError, match="not a setting"):
        settings.source("DEMO_SEED")
    with pytest.raises(ValidationError, match="Unknown audience 'demo'"):
        settings.describe(audience="demo")
    with pytest.raises(ValidationError, match="Tier 1 lot rules"):
        settings.describe(section="Tier1")
    with pytest.raises(AttributeError, match="Did you mean LOT_MIN_HOURS"):
        settings.LOT_MIN_HOUR  # noqa: B018
    assert not hasattr(settings, "TIER2_NOT_A_SETTING")


# --- Read at call time -------------------------------------------------------------------------


def test_a_changed_setting_shows_in_describe_and_get(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "LOT_MIN_HOURS", 800.0)
    monkeypatch.setitem(settings.SPEED_MPH, "urban", 15.0)
    table = settings.describe().set_index("name")
    assert table.loc["LOT_MIN_HOURS", "value"] == 800.0
    assert table.loc["SPEED_MPH", "value"]["urban"] == 15.0
    assert settings.get("LOT_MIN_HOURS") == 800.0
    assert settings.default("LOT_MIN_HOURS") == 700.0
    assert settings.default("SPEED_MPH")["urban"] == 20.0


def test_disclosure_reads_suppress_max_count_when_called(monkeypatch: pytest.MonkeyPatch) -> None:
    assert disclosure.suppress_count(9) == 10  # rounded to the nearest 5 (NHS Digital)
    monkeypatch.setattr(settings, "SUPPRESS_MAX_COUNT", 10)
    monkeypatch.setattr(settings, "SUPPRESS_ROUNDING_BASE", 1)
    assert disclosure.suppressed_label() == "1\u201310"
    assert disclosure.suppress_count(9) == "1\u201310"
    frame = disclosure.suppress_counts(pd.DataFrame({"customers": [9, 11]}))
    assert list(frame["customers"]) == ["1\u201310", 11]
    assert disclosure.suppress_count(9, max_count=7) == 9  # an argument still wins


def test_tiers_and_checks_read_their_defaults_when_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assignment = pd.DataFrame(
        {
            "unit_id": ["a", "b", "c"],
            "lot_id": ["L1", "L1", None],
            "tier": [1, 1, 3],
            "hours": [600.0, 300.0, 100.0],
            "customers": [40, 20, 8],
        }
    )
    before = tiers.summarise_tiers(assignment)
    assert before.loc[1, "care_workers"] == pytest.approx(900.0 / 30.0)
    monkeypatch.setattr(settings, "HOURS_PER_CARE_WORKER", 25.0)
    monkeypatch.setattr(settings, "TIER4_RESERVE_SHARE", 0.2)
    after = tiers.summarise_tiers(assignment)
    assert after.loc[1, "care_workers"] == pytest.approx(900.0 / 25.0)
    assert after.loc[4, "reserve_hours"] == pytest.approx(0.2 * 900.0)
    assert checks._rag({"hours": 0.15}, settings.CHECK_AMBER_MARGIN) == "red"
    monkeypatch.setattr(settings, "CHECK_AMBER_MARGIN", 0.2)
    assert checks._rag({"hours": 0.15}, settings.CHECK_AMBER_MARGIN) == "amber"


def test_travel_reads_circuity_when_called(monkeypatch: pytest.MonkeyPatch) -> None:
    base = float(travel.estimate_minutes(1609.344, 30.0, 30.0))
    monkeypatch.setattr(settings, "ROAD_CIRCUITY", 2.6)
    assert float(travel.estimate_minutes(1609.344, 30.0, 30.0)) == pytest.approx(2 * base)


def test_demo_reads_its_knobs_when_called(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The default customer count is checked before anything is generated.
    monkeypatch.setattr(demo_settings, "DEMO_CUSTOMERS", 50)
    with pytest.raises(ValidationError, match="n_customers must be an integer of at least 100"):
        demo.make_demo(tmp_path)


def _settings_defaults(path: Path) -> list[str]:
    """``file:line`` of every default (argument or class field) that is ``settings.X``."""

    def bound_to_settings(node: ast.AST | None) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"settings", "demo_settings"}
        )

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            defaults = [*node.args.defaults, *node.args.kw_defaults]
            found += [f"{path.name}:{d.lineno}" for d in defaults if bound_to_settings(d)]
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign | ast.Assign) and bound_to_settings(item.value):
                    found.append(f"{path.name}:{item.lineno}")
    return found


def test_no_default_is_bound_at_import() -> None:
    root = Path(lotdesign.__file__).parent
    files = []
    for name in CALL_TIME_MODULES:
        path = root / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    files = [f for f in files if f.name != "settings.py"]
    assert len(files) > 40
    bound = [hit for f in files for hit in _settings_defaults(f)]
    assert bound == [], f"defaults read at import (use None, resolve when called): {bound}"


# --- The declaration machinery -------------------------------------------------------------------


def test_a_table_refuses_bad_declarations() -> None:
    table = SettingsTable("lotdesign.settings", {"domain": "d"})
    section = table.section("S", audience="domain")
    one = section("X_ONE", [1.0], "a source")
    assert one == [1.0]
    with pytest.raises(ValueError, match="declared twice"):
        section("X_ONE", 2.0, "a source")
    with pytest.raises(ValueError, match="needs a source"):
        section("X_TWO", 2.0, " ")
    with pytest.raises(ValidationError, match="Unknown audience"):
        section("X_THREE", 3.0, "a source", audience="engine")
    with pytest.raises(ValueError, match="upper-case"):
        section("lower", 3.0, "a source")
    with pytest.raises(ValueError, match="not the value declared"):
        table.seal({"X_ONE": [1.0]})  # equal, but not the object declared
    with pytest.raises(ValueError, match="not declared"):
        table.seal({"X_ONE": one, "Y_LOOSE": 2})
    table.seal({"X_ONE": one, "Y_LOOSE": 2}, others=["Y_LOOSE"])
