import datetime as dt
import json

import pytest
import yaml

from lotdesign import ValidationError
from lotdesign.spec import RunSpec, json_schema, load_spec


def _write(tmp_path, data):
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path, data_dir):
    (tmp_path / "extract.csv").write_bytes((data_dir / "extract_small.csv").read_bytes())
    return {
        "name": "Test county",
        "inputs": {
            "packages": "extract.csv",
            "columns": {
                "customer_id": "Person ID",
                "postcode": "Post Code",
                "weekly_hours": "Planned Hrs/Wk",
            },
            "postcode_lookup": str(data_dir / "onspd_2024_sample.csv"),
            "as_of": "2026-11-01",
        },
        "units": "postcode_district",
        "outputs": {"processed": "out/processed", "reports": "out/reports"},
    }


def test_good_spec_resolves_relative_to_file(tmp_path, base):
    spec = load_spec(_write(tmp_path, base))
    assert isinstance(spec, RunSpec)
    assert spec.inputs.packages == tmp_path / "extract.csv"
    assert spec.outputs.processed == tmp_path / "out" / "processed"
    assert spec.inputs.as_of == dt.date(2026, 11, 1)
    assert spec.units == "postcode_district"
    assert spec.path == tmp_path / "run.yaml"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["inputs"].update(as_off="2026-11-01"), r"'inputs.as_off'.*'inputs.as_of'\?"),
        (lambda d: d.update(unit="lsoa"), r"'unit' is not a key; did you mean 'units'\?"),
        (lambda d: d.update(rule={}), r"did you mean 'rules'\?"),
        (lambda d: d.update(output={}), r"did you mean 'outputs'\?"),
        (
            lambda d: d["inputs"].update(colums=d["inputs"]["columns"]),
            r"'inputs.colums' is not a key; did you mean 'inputs.columns'\?",
        ),
        (lambda d: d.update(as_of="2026-11-01"), r"'as_of' is not a key here; .*'inputs.as_of'"),
        (lambda d: d.update(rules={"max_hrs": 1500}), r"did you mean 'rules.max_hours'\?"),
        (lambda d: d.update(rules={"circuity": 1.4}), r"'rules.circuity' has moved.*travel"),
        (
            lambda d: d.update(cost={"price": {"wages": 12}}),
            r"'cost.price.wages'.*'cost.price.wage'\?",
        ),
        (lambda d: d.update(units="wards"), r"'units': Input should be 'postcode_sector'"),
        (
            lambda d: d["inputs"].update(packages="missing.xlsx"),
            r"'inputs.packages': file .*missing.xlsx does not exist",
        ),
        (lambda d: d["inputs"].update(as_of="01/13/2026"), r"'inputs.as_of'.*YYYY-MM-DD"),
        (
            lambda d: d["inputs"]["columns"].update(nhs_number="NHS No"),
            r"'inputs.columns.nhs_number' is not a key; allowed in inputs.columns: customer_id",
        ),
        (lambda d: d.update(seed="x"), r"'seed': Input should be a valid integer"),
        (lambda d: d.pop("inputs"), r"'inputs' is missing"),
        (lambda d: d["inputs"].update(gp_practices="nope.csv"), r"'inputs.gp_practices'"),
        (lambda d: d.update(rules={"search": "fast"}), r"'rules.search'.*'standard' or"),
        (
            lambda d: d.update(rules={"min_hours": 900, "max_hours": 800}),
            r"'rules': min_hours 900 is above max_hours 800",
        ),
        (lambda d: d.update(travel={"speed_mph": {"urbn": 20}}), r"unknown rurality class"),
        (lambda d: d.update(travel={"land_paths": "no"}), r"'travel.land_paths'"),
        (lambda d: d.update(travel={"land_detour_ratio": 0.9}), r"'travel.land_detour_ratio'"),
        (lambda d: d.update(travel={"land_grid_m": 0}), r"'travel.land_grid_m'"),
        (lambda d: d["inputs"].update(land_closing_m=-5), r"'inputs.land_closing_m'"),
        (lambda d: d.update(disclosure={"max_count": 0}), r"'disclosure.max_count'"),
    ],
)
def test_bad_spec_names_the_key(tmp_path, base, change, message):
    change(base)
    with pytest.raises(ValidationError, match=message):
        load_spec(_write(tmp_path, base))


def test_every_problem_is_reported_at_once(tmp_path, base):
    base["inputs"]["as_off"] = "2026-11-01"
    base["unit"] = "lsoa"
    base["rules"] = {"max_hrs": 1}
    base["seed"] = "x"
    with pytest.raises(ValidationError) as err:
        load_spec(_write(tmp_path, base))
    text = str(err.value)
    assert "4 problems" in text
    for key in ("'inputs.as_off'", "'unit'", "'rules.max_hrs'", "'seed'"):
        assert key in text


def test_not_yaml(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("inputs: [unclosed")
    with pytest.raises(ValidationError, match="not valid YAML"):
        load_spec(p)


def test_one_travel_model_reaches_lots_zones_and_cost(tmp_path, base):
    base["travel"] = {"circuity": 1.4, "speed_mph": {"urban": 18}}
    base["rules"] = {"max_hours": 1200, "tier2": {"max_radius_miles": 10}}
    spec = load_spec(_write(tmp_path, base))
    tier1, tier2, cost = spec.lot_rules(), spec.tier2_rules(), spec.cost_params()["travel"]
    assert tier1.circuity == tier2.circuity == cost.circuity == 1.4
    assert tier1.speeds["urban"] == tier2.speeds["urban"] == cost.speed_mph["urban"] == 18
    assert tier1.max_hours == 1200 and tier2.max_radius_miles == 10


def test_paths_over_land_are_set_from_the_travel_section(tmp_path, base):
    spec = load_spec(_write(tmp_path, base))
    assert spec.lot_rules().land_paths and spec.lot_rules().land_grid_m == 500
    base["travel"] = {
        "land_paths": False, "land_grid_m": 250, "land_path_limit_m": 20_000,
        "land_detour_ratio": 1.3,
    }  # fmt: skip
    spec = load_spec(_write(tmp_path, base))
    for rules in (spec.lot_rules(), spec.tier2_rules()):
        assert not rules.land_paths
        assert (rules.land_grid_m, rules.land_path_limit_m) == (250, 20_000)
        assert rules.land_detour_ratio == 1.3


def test_design_options_follow_the_search_level(tmp_path, base):
    spec = load_spec(_write(tmp_path, base))
    options = spec.design_options()
    assert options["search"] == "standard" and options["seed"] == 0
    base["rules"] = {"search": "thorough", "target_lots": 20, "target_tolerance": 0.05}
    options = load_spec(_write(tmp_path, base)).design_options()
    assert options["search"] == "thorough"
    assert options["target_lots"] == 20 and options["target_tolerance"] == 0.05
    assert "workers" not in options  # read from settings.LOT_WORKERS by design()
    base["rules"] = {"workers": 2}
    assert load_spec(_write(tmp_path, base)).design_options()["workers"] == 2
    base["rules"] = {"workers": -1}
    with pytest.raises(ValidationError, match="workers"):
        load_spec(_write(tmp_path, base))


def test_defaults_are_read_when_used_not_when_the_spec_is_read(tmp_path, base, monkeypatch):
    from lotdesign import settings

    spec = load_spec(_write(tmp_path, base))
    monkeypatch.setattr(settings, "LOT_MIN_HOURS", 800.0)
    assert spec.lot_rules().min_hours == 800.0


def test_changed_lists_only_what_the_spec_set_by_file_name(tmp_path, base):
    (tmp_path / "locked.csv").write_text("unit_id,lot_id\n")
    base["rules"] = {"max_hours": 1200, "locked": "locked.csv"}
    changed = load_spec(_write(tmp_path, base)).changed()
    assert changed == {
        "units": "postcode_district",
        "rules.max_hours": 1200.0,
        "rules.locked": "locked.csv",
    }


def test_json_schema_is_complete_and_strict():
    schema = json_schema()
    json.dumps(schema)
    assert schema["additionalProperties"] is False
    for key in ("inputs", "rules", "travel", "cost", "disclosure", "report", "outputs"):
        assert key in schema["properties"], key
    assert "path" not in schema["properties"]


def test_values_the_library_refuses_fail_when_the_spec_is_read(tmp_path, base):
    base["rules"] = {"min_hours": 1400}  # above the default ceiling: an empty band
    base["cost"] = {"scenario": {"lead_share": 1.5}}
    with pytest.raises(ValidationError) as err:
        load_spec(_write(tmp_path, base))
    text = str(err.value)
    assert "'rules': hours band is empty" in text
    assert "'cost': ScenarioParams.lead_share must be in (0, 1]" in text


def test_default_output_folders_sit_beside_the_config(tmp_path, base, monkeypatch):
    monkeypatch.chdir(tmp_path.parent)  # not the config's folder
    base.pop("outputs")
    spec = load_spec(_write(tmp_path, base))
    assert spec.outputs.processed == tmp_path / "processed"
    assert spec.outputs.reports == tmp_path / "reports"


def test_paths_over_land_set_in_the_spec_reach_the_reports_parameters(tmp_path, base):
    from lotdesign.pipeline import _parameters

    base["travel"] = {"land_paths": False, "land_grid_m": 250}
    base["inputs"]["land_closing_m"] = 1500
    table = _parameters(load_spec(_write(tmp_path, base))).set_index("parameter")
    assert table.loc["LAND_PATHS", "value"] == "no"
    assert table.loc["LAND_GRID_M", "value"] == "250"
    assert table.loc["LAND_MASK_CLOSING_M", "value"] == "1500"
    assert "run" in table.loc["LAND_PATHS", "source"]
