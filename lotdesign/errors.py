"""Exceptions raised by lotdesign.

Every error says what was wrong, where (file, row, column or config key) and what to do.
"""

from __future__ import annotations


class LotDesignError(Exception):
    """Base class for lotdesign's own errors."""


class ValidationError(LotDesignError, ValueError):
    """Input data or configuration cannot be used as given.

    Raised for fatal problems only (a missing file, a mapped column that is absent, no usable
    rows, a bad config value). Problems with individual rows never raise: those rows go to
    ``rejected_rows.csv`` with a reason.
    """


class InfeasibleRulesError(LotDesignError, ValueError):
    """A rule set cannot be met by any lot (for example a customer band no unit can reach)."""
