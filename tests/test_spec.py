import datetime as dt

import pytest
import yaml

from lotdesign import ValidationError
from lotdesign.config import load_config


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
            "team_note": "extra keys are kept",
        },
        "units": "postcode_district",
        "outputs": {"processed": "out/processed", "reports": "out/reports"},
        "my_local_key": 1,
    }


def test_good_config_resolves_relative_to_file(tmp_path, base):
    cfg = load_config(_write(tmp_path, base))
    assert cfg.packages == tmp_path / "extract.csv"
    assert cfg.processed == tmp_path / "out" / "processed"
    assert cfg.as_of == dt.date(2026, 11, 1)
    assert cfg.units == "postcode_district"
    assert cfg.extra["my_local_key"] == 1
    assert cfg.extra["inputs.team_note"] == "extra keys are kept"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.update(units="wards"),
            r"'units' is 'wards'\. Allowed: postcode_sector, postcode_district, lsoa, gp_practice",
        ),
        (
            lambda d: d["inputs"].update(packages="missing.xlsx"),
            r"'inputs.packages': file .*missing.xlsx does not exist",
        ),
        (lambda d: d["inputs"].update(as_of="01/13/2026"), r"'inputs.as_of'.*YYYY-MM-DD"),
        (lambda d: d["inputs"].update(sheet=[1]), r"'inputs.sheet' must be a sheet name"),
        (
            lambda d: d["inputs"]["columns"].update(nhs_number="NHS No"),
            r"'inputs.columns.nhs_number' is not a lotdesign column",
        ),
        (lambda d: d.update(seed="x"), r"'seed' must be a whole number"),
        (lambda d: d.pop("inputs"), r"'inputs' is missing"),
        (lambda d: d["inputs"].update(gp_practices="nope.csv"), r"'inputs.gp_practices'"),
    ],
)
def test_bad_config_names_the_key(tmp_path, base, change, message):
    change(base)
    with pytest.raises(ValidationError, match=message):
        load_config(_write(tmp_path, base))


def test_not_yaml(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("inputs: [unclosed")
    with pytest.raises(ValidationError, match="not valid YAML"):
        load_config(p)


def test_rules_are_checked_before_the_long_steps(tmp_path, base):
    from lotdesign.pipeline import SEARCH_LEVELS, lot_rules

    base["rules"] = {"max_hours": 1500, "tier2": {"min_hours": 100}, "target_lots": 20}
    tier1, tier2, options = lot_rules(load_config(_write(tmp_path, base)))
    assert tier1.max_hours == 1500 and tier2.min_hours == 100
    assert options == {"target_lots": 20, "search": SEARCH_LEVELS["standard"]}
    base["rules"] = {"search": "thorough"}
    assert lot_rules(load_config(_write(tmp_path, base)))[2]["search"]["polish_rounds"] > 0
    base["rules"] = {"search": "exhaustive"}
    with pytest.raises(ValidationError, match=r"'rules.search' is 'exhaustive'; use one of"):
        lot_rules(load_config(_write(tmp_path, base)))
    base["rules"] = {"max_hrs": 1500}
    with pytest.raises(ValidationError, match=r"'rules.max_hrs' is not a rule.*max_hours"):
        lot_rules(load_config(_write(tmp_path, base)))
    base["rules"] = {"locked": "nope.csv"}
    with pytest.raises(ValidationError, match=r"'rules.locked': file .*nope.csv does not exist"):
        lot_rules(load_config(_write(tmp_path, base)))
