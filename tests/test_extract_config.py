"""The reader's config keys (inputs.header_row, hours_unit, decimal_mark...) reach the reader,
and what the reader detects or refuses reaches the user as a message, never a traceback."""

from __future__ import annotations

import shutil

import pytest
import yaml

from lotdesign import ValidationError
from lotdesign.cli import main
from lotdesign.pipeline import check
from lotdesign.spec import spec_from_dict
from tests.conftest import DATA

COLUMNS = {
    "customer_id": "Person ID",
    "postcode": "Post Code",
    "weekly_hours": "Planned Mins/Wk",
    "weekly_cost": "Weekly Cost",
    "provider": "Provider Name",
    "start_date": "Start Date",
    "end_date": "End Date",
}


def _config(tmp_path, extract: str, **inputs) -> dict:
    shutil.copy(DATA / "extracts" / extract, tmp_path / extract)
    return {
        "name": "Leeds shapes",
        "inputs": {"packages": extract, "columns": COLUMNS, "as_of": "2026-11-01", **inputs},
    }


def test_new_keys_are_checked(tmp_path):
    base = _config(tmp_path, "minutes.csv")
    spec = spec_from_dict(
        {
            **base,
            "inputs": {
                **base["inputs"],
                "hours_unit": "minutes",
                "hours_per": "week",
                "decimal_mark": ",",
                "cost_meaning": "four_weekly",
                "date_order": "day_first",
                "delimiter": "tab",
                "encoding": "utf-16",
                "header_row": 3,
            },
        },
        base=tmp_path,
    )
    assert spec.inputs.delimiter == "\t"
    assert (spec.inputs.hours_unit, spec.inputs.header_row) == ("minutes", 3)
    assert spec.inputs.columns.visits_per_week is None  # the new column key exists
    bad = {**base, "inputs": {**base["inputs"], "hours_unit": "mins", "header_row": 0}}
    with pytest.raises(ValidationError) as info:
        spec_from_dict(bad, base=tmp_path)
    text = str(info.value)
    assert "'inputs.hours_unit'" in text and "'minutes'" in text
    assert "'inputs.header_row'" in text
    typo = {**base, "inputs": {**base["inputs"], "hours_units": "minutes"}}
    with pytest.raises(ValidationError, match=r"did you mean 'inputs.hours_unit'"):
        spec_from_dict(typo, base=tmp_path)


def test_check_passes_the_keys_and_says_what_it_read(tmp_path, capsys):
    config = _config(tmp_path, "minutes.csv", hours_unit="minutes")
    spec = spec_from_dict(config, base=tmp_path)
    extract = check(spec)
    rec = extract.reconciliation.set_index("stage")
    assert rec.loc["used", "hours"] == pytest.approx(87.0)
    err = capsys.readouterr().err
    assert "read as:" in err
    assert "hours        minutes a week (declared)" in err
    assert "decimal mark '.' (found:" in err


def test_cli_says_what_to_set_with_no_traceback(tmp_path, capsys):
    path = tmp_path / "lotdesign.yaml"
    path.write_text(yaml.safe_dump(_config(tmp_path, "minutes.csv")))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "lotdesign: error:" in err and "Set inputs.hours_unit: minutes" in err
    assert "Traceback" not in err
    page = tmp_path / "export.csv"
    page.write_text("<html><body><table><tr><td>Person ID</td></tr></table></body></html>")
    config = _config(tmp_path, "minutes.csv", hours_unit="minutes")
    config["inputs"]["packages"] = "export.csv"
    path.write_text(yaml.safe_dump(config))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "export.csv is a web page (HTML)" in err and "Traceback" not in err
