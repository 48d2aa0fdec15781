"""Each row's single reason for rejection: the first check, in :data:`REASONS` order, that
flags it."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

__all__ = ["Reasons"]


class Reasons:
    """The reason code, column at fault and plain-English reason of each row (None: no
    reason yet). A check flags only rows that no earlier check has flagged."""

    def __init__(self, index: pd.Index) -> None:
        n = len(index)
        self.index = index
        self.code = pd.Series([None] * n, index=index, dtype=object)
        self.column = pd.Series([None] * n, index=index, dtype=object)
        self.detail = pd.Series([None] * n, index=index, dtype=object)

    def flag(
        self, mask: pd.Series, code: str, col: str | None, message: Callable[[int], str]
    ) -> None:
        """Give ``code`` to the rows of ``mask`` without a reason yet; ``message(i)`` words it
        for row label ``i``."""
        todo = mask & self.code.isna()
        for i in self.index[todo.to_numpy()]:
            self.code[i] = code
            self.column[i] = col
            self.detail[i] = message(i)

    def none(self) -> pd.Series:
        """Rows with no reason (so far)."""
        return self.code.isna()
