"""Cell by cell, fast: each distinct cell of a column is parsed once, and the text forms of
IDs, names and postcodes are settled (case, spacing, O/0 and I/1 slips)."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from lotdesign import postcodes as pc
from lotdesign.io.values import ValueProblem, is_blank, postcode_corrections

_TYPE_OF = np.frompyfunc(type, 1, 1)


def _distinct(values: pd.Series) -> tuple[np.ndarray, list[object]] | None:
    """(codes, distinct cells) so that each distinct cell is handled once; blanks (None, NaN)
    get the last code. None when the column holds True/False, which compare equal to 1/0."""
    cells = values.to_numpy(dtype=object)
    if len(cells) and (_TYPE_OF(cells) == bool).any():  # noqa: E721 - type, not isinstance
        return None
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    return codes, [*uniques, None]


def _parse_cells(values: pd.Series, parser: Callable[[object], object]) -> tuple[list, list]:
    """(parsed values, problems) per cell; each distinct cell is parsed once."""

    def one(v: object) -> tuple[object, ValueProblem | None]:
        try:
            return parser(v), None
        except ValueProblem as exc:
            return None, exc

    found = _distinct(values)
    if found is None:
        pairs = [one(v) for v in values.to_numpy(dtype=object)]
    else:
        codes, uniques = found
        table = [one(u) for u in uniques]
        pairs = [table[c] for c in codes.tolist()]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _series(values: list, index: pd.Index, dtype: object = object) -> pd.Series:
    return pd.Series(values, index=index, dtype=dtype)


def _omap(values: pd.Series, func: Callable[[object], object]) -> pd.Series:
    """``func`` on each cell, kept as Python objects (pandas would make None a NaN in a
    string column); each distinct cell is computed once."""
    found = _distinct(values)
    if found is None:
        out = np.array([func(v) for v in values.to_numpy(dtype=object)] + [None], dtype=object)
        return pd.Series(out[:-1], index=values.index, dtype=object)
    codes, uniques = found
    table = np.empty(len(uniques), dtype=object)
    table[:] = [func(u) for u in uniques]
    return pd.Series(table[codes], index=values.index, dtype=object)


def _id_text(value: object) -> str | None:
    """A customer ID as text: Excel's 123.0 is "123"."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


def _text(value: object) -> str | None:
    if is_blank(value):
        return None
    return re.sub(r"\s+", " ", str(value)).strip()


def _canonical(values: pd.Series) -> tuple[pd.Series, int]:
    """Values that differ only in case or spacing, given their first spelling; and how many."""
    cells = values.to_numpy(dtype=object)
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)  # in order of appearance
    first: dict[str, str] = {}
    spellings: dict[str, int] = {}
    table = np.empty(len(uniques) + 1, dtype=object)
    for k, v in enumerate(uniques):
        key = re.sub(r"\s+", " ", str(v)).strip().casefold()
        table[k] = first.setdefault(key, v)
        spellings[key] = spellings.get(key, 0) + 1
    table[-1] = None
    merged = sum(n > 1 for n in spellings.values())
    return pd.Series(table[codes], index=values.index, dtype=object), merged


def _resolve_postcodes(cleaned: pd.Series, known: set[str]) -> tuple[pd.Series, list]:
    """Valid postcodes (format, or in the lookup), with O/0 and I/1 slips corrected."""
    resolved: dict[str, str | None] = {}
    was_corrected: set[str] = set()
    for p in set(cleaned.dropna()):
        if pc.is_valid(p) or p in known:
            resolved[p] = p
            continue
        options = postcode_corrections(p)
        in_lookup = [o for o in options if o in known]
        if len(in_lookup) == 1:
            resolved[p] = in_lookup[0]
        elif len(options) == 1:
            resolved[p] = options[0]
        else:
            resolved[p] = None
        if resolved[p] is not None:
            was_corrected.add(p)
    out = _omap(cleaned, lambda p: None if p is None else resolved[p])
    corrected = [i for i, p in cleaned.items() if p in was_corrected]
    return out.astype(object), corrected
