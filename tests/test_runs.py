"""The run spec and saved runs end to end: the CLI, the Python API and notebooks agree."""

import subprocess
import sys

import pandas as pd
import pytest
import yaml

import lotdesign
from lotdesign.cli import main
from tests.conftest import ROOT


def test_saved_run_reads_back_whole(demo_run):
    _, result = demo_run
    saved = lotdesign.read_run(result.paths["run"])
    assert saved.stages == ("units", "lots", "cost", "report")
    assert saved.spec == result.spec
    pd.testing.assert_frame_equal(saved.units, result.units, check_like=True)
    pd.testing.assert_frame_equal(saved.plan.assignment, result.plan.assignment)
    assert saved.plan.rules == result.plan.rules
    assert saved.plan.objective == pytest.approx(result.plan.objective)
    pd.testing.assert_frame_equal(saved.tiers.summary, result.tiers.summary)
    pd.testing.assert_frame_equal(saved.checks.table, result.checks.table)
    pd.testing.assert_frame_equal(saved.cost.summary, result.cost.summary)
    attrs, again = dict(result.cost.scenario.attrs), dict(saved.cost.scenario.attrs)
    pd.testing.assert_frame_equal(again.pop("lots"), attrs.pop("lots"))
    assert again == attrs
    pd.testing.assert_frame_equal(saved.market, result.market)
    assert saved.extract.reconciliation.equals(result.extract.reconciliation)
    assert saved.extract.as_of == result.extract.as_of
    assert saved.paths == result.paths


def test_the_python_api_gives_the_plan_lotdesign_run_gave(demo_run):
    from lotdesign import lots

    _, result = demo_run
    saved = lotdesign.read_run(result.paths["run"])
    again = lots.design(saved.units, **saved.spec.design_options(saved))
    pd.testing.assert_frame_equal(again.assignment, saved.plan.assignment)
    assert again.objective == pytest.approx(saved.plan.objective)


def test_read_run_refuses_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(lotdesign.ValidationError, match="holds no saved run"):
        lotdesign.read_run(tmp_path)


def test_check_accepts_the_demo_and_lists_every_problem_of_a_broken_config(
    demo_run, tmp_path, capsys
):
    files, _ = demo_run
    assert main(["check", str(files.config)]) == 0
    assert "usable" in capsys.readouterr().out
    data = yaml.safe_load(files.config.read_text(encoding="utf-8"))
    data["inputs"]["as_off"] = data["inputs"].pop("as_of")
    data["unit"] = data.pop("units")
    data["rules"] = {"max_hrs": 1200}
    broken = files.config.with_name("broken.yaml")
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["check", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "3 problems" in err
    assert "did you mean 'inputs.as_of'?" in err
    assert "did you mean 'units'?" in err
    assert "did you mean 'rules.max_hours'?" in err


def test_version_and_schema(capsys, tmp_path):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"lotdesign {lotdesign.__version__}"
    assert main(["schema", "--out", str(tmp_path / "schema.json")]) == 0
    assert '"additionalProperties": false' in (tmp_path / "schema.json").read_text()


def test_demo_never_touches_a_users_inputs(tmp_path):
    """`make demo` runs `python -m lotdesign demo` from the project folder."""
    recipe = (ROOT / "Makefile").read_text().split("\ndemo:")[1].split("\n\n")[0]
    assert recipe.strip().endswith("-m lotdesign demo")
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    mine = {"extract.xlsx": b"my council's extract", "lotdesign.yaml": b"name: my county\n"}
    for name, content in mine.items():
        (raw / name).write_bytes(content)
    subprocess.run(
        [sys.executable, "-m", "lotdesign", "demo", "--no-run", "--quiet"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    for name, content in mine.items():
        assert (raw / name).read_bytes() == content
    assert sorted(p.name for p in raw.iterdir()) == sorted(mine)
    assert (tmp_path / "data" / "demo" / "extract.xlsx").exists()
    spec = lotdesign.load_spec(tmp_path / "data" / "demo" / "lotdesign.yaml")
    assert spec.outputs.reports == tmp_path / "reports" / "demo"
    assert spec.outputs.processed == tmp_path / "data" / "demo" / "processed"


def test_demo_refuses_to_overwrite_a_real_config(tmp_path, capsys):
    (tmp_path / "lotdesign.yaml").write_text("name: my county\nsynthetic: false\n")
    assert main(["demo", "--out", str(tmp_path), "--no-run"]) == 2
    assert "not a demo config" in capsys.readouterr().err
    assert (tmp_path / "lotdesign.yaml").read_text() == "name: my county\nsynthetic: false\n"


def test_benchmark_json_is_pure_json():
    """The solver's banner once broke `bench_lots.py --json`; stdout must parse."""
    import json

    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_lots.py"), "--sizes", "40",
         "--skip-spopt", "--no-demo", "--no-thorough", "--bound-seconds", "1", "0", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    rows = json.loads(out.stdout)
    assert {row["tool"] for row in rows} >= {"HiGHS bound (pmedian)"}
    assert "Running HiGHS" not in out.stdout + out.stderr
