"""The parameters table of a report, from :func:`lotdesign.settings.describe`.

Settings are data (name, value, section, source, audience), read when the table is made, so
a setting changed at run time shows its new value; nothing here reads the settings' source.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.report.inputs import _param_text, _parameters_frame


def parameters_from_settings(
    names: Iterable[str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    audience: str | None = None,
) -> pd.DataFrame:
    """The parameters table for a report, read from :mod:`lotdesign.settings` with sources.

    Each setting's ``section`` and ``source`` (the publication or seed document it comes
    from) are those :func:`lotdesign.settings.describe` gives; its value is read now.

    Parameters
    ----------
    names
        Settings to list (e.g. ``["LOT_MIN_HOURS", "LOT_MAX_HOURS"]``); default all (of
        ``audience``).
    overrides
        ``{name: value}`` actually used in the run where it differs from the setting; the
        source then says so.
    audience
        Only settings for this audience (``"domain"``, ``"engine"``, ``"output"`` or
        ``"data"``); default every audience.

    Returns
    -------
    pandas.DataFrame
        ``section``, ``parameter``, ``value``, ``source``, in the order the settings are
        declared (or of ``names``).

    Raises
    ------
    ValidationError
        If ``names`` or ``overrides`` name something that is not a setting (of ``audience``),
        or the audience is unknown.

    Examples
    --------
    >>> table = parameters_from_settings(["LOT_MIN_HOURS"])
    >>> table.loc[0, "value"], "seed 003" in table.loc[0, "source"]
    ('700', True)
    """
    described = settings.describe(audience=audience)
    known = {
        str(row.name): (str(row.section), str(row.source), row.value)
        for row in described.itertuples(index=False)
    }
    overrides = dict(overrides or {})
    wanted = list(known) if names is None else list(names)
    unknown = list(dict.fromkeys(n for n in [*wanted, *overrides] if n not in known))
    if unknown:
        hints = [_did_you_mean(str(n), known) for n in unknown]
        scope = "" if audience is None else f" for audience {audience!r}"
        raise ValidationError(
            f"Not settings of lotdesign.settings{scope}: {', '.join(hints)}. Check the "
            "spelling (upper case), or pass your own parameters table to ReportInputs."
        )
    rows = []
    for name in wanted:
        section, source, value = known[name]
        if name in overrides:
            source = f"set for this run (default {_param_text(value)})"
            value = overrides[name]
        rows.append((section, name, value, source))
    frame = pd.DataFrame(rows, columns=["section", "parameter", "value", "source"])
    return _parameters_frame(frame)


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3)
    return f"{name!r} (did you mean {', '.join(map(repr, close))}?)" if close else repr(name)
