"""lotdesign: design home-care contract lots for English councils.

Data flows one way: readers (:mod:`lotdesign.io`) -> demand units (:mod:`lotdesign.units`)
-> lots -> tiers -> checks -> cost and market models -> maps and report.
"""

from lotdesign.errors import InfeasibleRulesError, LotDesignError, ValidationError

__version__ = "0.1.0"

__all__ = ["InfeasibleRulesError", "LotDesignError", "ValidationError", "__version__"]
