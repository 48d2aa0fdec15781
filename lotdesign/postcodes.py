"""UK postcodes: normalise, validate and split into area, district and sector.

Councils' systems hold postcodes in every shape (``rh124ab``, ``RH12  4AB``, `` RH12 4AB ``,
the ONS 7- and 8-character forms). lotdesign works with the single-space form ONS calls
``pcds`` (``RH12 4AB``). Formatting alone never makes a postcode invalid.
"""

from __future__ import annotations

import re

import pandas as pd

# The Royal Mail format rules: outward code A9, A99, AA9, AA99, A9A or AA9A, with the letters
# each position may hold; inward code a digit and two letters, never C, I, K, M, O or V.
# GIR 0AA is the one historic exception.
_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_COMPACT = re.compile(rf"^(?:{_OUTWARD}[0-9][ABD-HJLNP-UW-Z]{{2}}|GIR0AA)$")
_WHITESPACE = re.compile(r"\s+")


def normalise(postcode: object) -> str | None:
    """Return a postcode in single-space upper-case form, or None if it is blank.

    The result is not checked for validity: use :func:`is_valid` for that.

    Parameters
    ----------
    postcode
        Any value; non-strings (NaN, None) count as blank.

    Examples
    --------
    >>> normalise(" rh124ab ")
    'RH12 4AB'
    >>> normalise("BN1  8YL")
    'BN1 8YL'
    """
    if not isinstance(postcode, str):
        return None
    compact = _WHITESPACE.sub("", postcode).upper()
    if not compact:
        return None
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def is_valid(postcode: str | None) -> bool:
    """Tell whether a normalised postcode has a valid UK format (not whether it exists)."""
    if not postcode:
        return False
    return bool(_COMPACT.match(postcode.replace(" ", "")))


_TEXT = pd.StringDtype("python")


def normalise_series(postcodes: pd.Series) -> pd.Series:
    """Vectorised :func:`normalise`; blanks become missing values."""
    # The Python string backend upper-cases as str.upper does ("ß" -> "SS"); pyarrow's differs.
    s = postcodes.astype(_TEXT).str.replace(_WHITESPACE.pattern, "", regex=True).str.upper()
    s = s.mask(s == "")
    long_enough = s.str.len() >= 5
    spaced = s.str[:-3] + " " + s.str[-3:]
    return s.where(~long_enough, spaced).astype(object).where(s.notna(), None)


def valid_series(postcodes: pd.Series) -> pd.Series:
    """Vectorised :func:`is_valid` on normalised postcodes."""
    compact = postcodes.astype(_TEXT).str.replace(" ", "", regex=False)
    return compact.str.match(_COMPACT.pattern).fillna(False).astype(bool)


def district(postcode: str) -> str:
    """Outward code (postcode district), e.g. ``RH12`` from ``RH12 4AB``."""
    return postcode.split(" ")[0]


def sector(postcode: str) -> str:
    """Postcode sector, e.g. ``RH12 4`` from ``RH12 4AB``."""
    out, inward = postcode.split(" ")
    return f"{out} {inward[0]}"


def area(postcode: str) -> str:
    """Postcode area (the leading letters), e.g. ``RH`` from ``RH12 4AB``."""
    return re.match(r"[A-Z]+", postcode).group(0)


def district_series(postcodes: pd.Series) -> pd.Series:
    """Vectorised :func:`district` on normalised postcodes."""
    return postcodes.str.split(" ").str[0]


def sector_series(postcodes: pd.Series) -> pd.Series:
    """Vectorised :func:`sector` on normalised postcodes."""
    return postcodes.str[:-2]


def key_series(postcodes: pd.Series) -> pd.Series:
    """Join key: the postcode with all whitespace removed (``RH124AB``)."""
    return postcodes.astype("string").str.replace(_WHITESPACE.pattern, "", regex=True).str.upper()


__all__ = [
    "area",
    "district",
    "district_series",
    "is_valid",
    "key_series",
    "normalise",
    "normalise_series",
    "sector",
    "sector_series",
    "valid_series",
]
