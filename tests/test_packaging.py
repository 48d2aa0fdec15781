"""pyproject.toml is the single source of dependencies; environment.yml must mirror it."""

import re
import tomllib

import yaml

from tests.conftest import ROOT


def _name_spec(req: str) -> tuple[str, str]:
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", req)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    wanted = dict(_name_spec(r) for r in wanted)

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    got = {}
    pip_block = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_block = dep["pip"]
            continue
        name, spec = _name_spec(dep)
        if name not in ("python", "pip"):
            got[name] = spec
    assert "-e ." in pip_block, "environment.yml must install the package itself with pip"
    for dep in pip_block:
        if dep != "-e .":
            name, spec = _name_spec(dep)
            got[name] = spec
    assert got == wanted


def test_layout():
    for path in ["notebooks", "lotdesign", "data/raw", "data/processed", "reports", "tests"]:
        assert (ROOT / path).is_dir(), path
    for readme in ["data/raw/README.md", "data/processed/README.md", "reports/README.md"]:
        assert (ROOT / readme).is_file(), readme
    readme = (ROOT / "README.md").read_text()
    assert readme.index("make demo") < 800 and readme.index("make test") < 800
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "nbstripout" in (ROOT / ".gitattributes").read_text()
