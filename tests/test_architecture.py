"""The import graph runs one way: readers -> units -> lots -> tiers -> checks -> cost/market
-> disclosure -> maps/report -> spec/results -> pipeline -> cli (DESIGN.md §4, §10)."""

import ast

from tests.conftest import ROOT

#: Layers in data-flow order; a module may import only from its own layer or lower ones.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "_settings_table", "settings", "highs", "postcodes", "columns"),
    ("io", "rurality", "roads", "travel"),
    ("units", "datasets"),
    ("lots",),
    ("tiers",),
    ("checks",),
    ("cost", "market"),
    ("disclosure",),
    ("maps", "report"),
    ("spec", "results"),
    ("pipeline",),
    ("sweep",),
    ("cli", "__main__", "__init__"),
]
LEVEL = {name: i for i, names in enumerate(LAYERS) for name in names}


def _top(module: str) -> str:
    """``lotdesign.lots.search`` -> ``lots``; ``lotdesign`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lotdesign"):
            if node.module == "lotdesign":
                yield from (f"lotdesign.{a.name}" for a in node.names)
            else:
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("lotdesign"))


def test_imports_run_one_way():
    package = ROOT / "lotdesign"
    wrong = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        here = _top(".".join(rel.parts))
        assert here in LEVEL, f"{rel}: add its module to LAYERS"
        for target in _imports(path):
            there = _top(target)
            if there in LEVEL and LEVEL[there] > LEVEL[here] and there not in ("errors",):
                wrong.append(f"{rel} imports {target}")
    assert not wrong, "imports against the flow:\n" + "\n".join(wrong)
