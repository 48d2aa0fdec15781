"""lotdesign: design home-care contract lots for English councils.

Data flows one way: readers (:mod:`lotdesign.io`) -> demand units (:mod:`lotdesign.units`)
-> lots -> tiers -> checks -> cost and market models -> maps and report.

The curated API: :func:`load_spec` reads a run spec (YAML), :func:`run` runs it (as
``lotdesign run`` does) and saves it, :func:`read_run` reads a saved run back, :func:`check`
checks a spec and its inputs, and :func:`demo_run` gives the synthetic demo county's run.
"""

from importlib import import_module
from typing import Any

from lotdesign.errors import InfeasibleRulesError, LotDesignError, ValidationError

__version__ = "0.2.0"

#: Public names imported on first use, so ``import lotdesign`` stays light.
_LAZY = {
    "load_spec": "lotdesign.spec",
    "RunSpec": "lotdesign.spec",
    "Run": "lotdesign.results",
    "read_run": "lotdesign.results",
    "run": "lotdesign.pipeline",
    "check": "lotdesign.pipeline",
    "demo_run": "lotdesign.pipeline",
}

__all__ = [
    "InfeasibleRulesError",
    "LotDesignError",
    "ValidationError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lotdesign' has no attribute {name!r}")
