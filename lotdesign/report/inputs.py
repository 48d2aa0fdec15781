"""What a report shows: :class:`ReportInputs` and the coercion of its fields.

Every table a report shows is a field of :class:`ReportInputs`; a stage that was not run is
None. The fields are checked and coerced once, here (dates, the parameters table, the data
sources), so that the rest of the package can rely on their shapes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import __version__, settings
from lotdesign.errors import ValidationError

#: The label on every page of a report made from the demo data.
SYNTHETIC_LABEL = "SYNTHETIC DATA \u2014 not real people"


# Table fields of ReportInputs -> (sheet name in tables.xlsx, caption in the report).
_TABLES: dict[str, tuple[str, str]] = {
    "parameters": ("parameters", "Parameters used"),
    "data_sources": ("data_sources", "Data sources"),
    "reconciliation": ("reconciliation", "Data reconciliation: rows and hours"),
    "tier_summary": ("tier_summary", "Business by tier"),
    "lot_table": ("lots", "Lots and rule checks"),
    "plan_summary": ("plan_summary", "Plan summary"),
    "cost_summary": ("cost_summary", "Cost: current against proposed"),
    "cost_by_lot": ("cost_by_lot", "Cost by lot"),
    "cost_by_tier": ("cost_by_tier", "Cost by tier"),
    "projection": ("projection", "Spend projection"),
    "cost_ranges": ("cost_ranges", "Cost effect: P10, P50 and P90"),
    "cost_flow": ("cost_flow", "New customers only: how each lot fills"),
    "travel_benefit": ("travel_benefit", "Travel saved, and who keeps it"),
    "tornado": ("tornado", "Sensitivity of the annual change in spend"),
    "payment_models": ("payment_models", "Payment models"),
    "market_summary": ("market_summary", "Market structure"),
    "policy_tradeoff": ("policy_tradeoff", "Lot-size policies compared"),
    "sweep_comparison": ("sweep_comparison", "Scenarios compared"),
}
_FRAME_FIELDS = tuple(k for k in _TABLES if k not in ("parameters", "data_sources"))


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report shows, as tables; any stage that was not run is None.

    Parameters
    ----------
    title
        The report's title (e.g. ``"West Sussex home-care lots: recommendations"``).
    synthetic
        True when the figures come from the demo data: every page and sheet is labelled
        :data:`SYNTHETIC_LABEL`.
    as_of
        The analysis date of the extract.
    generated
        The date the report is dated (default today); pass it for reproducible files.
    parameters
        Every parameter used: a DataFrame with ``parameter`` and ``value`` (and optionally
        ``section`` and ``source``) columns, or a mapping ``{name: value}`` or
        ``{name: (value, source)}``. :func:`parameters_from_settings` builds one.
    data_sources
        ``(name, vintage or licence)`` pairs, or a mapping, e.g.
        ``[("ONS Postcode Directory", "Feb 2025, OGL v3")]``.
    reconciliation
        ``stage``, ``rows``, ``hours`` (and ``customers``): read, used, excluded, rejected.
    tier_summary
        One row per tier: ``tier``, ``lots``, ``units``, ``customers``, ``hours``, ``share``
        or ``share_hours`` (of all weekly hours), optionally ``reserve_hours``; or
        ``lotdesign.tiers.TierPlan.summary`` as it is (indexed by tier, with a total row).
    lot_table
        One row per lot: ``lot_id``, ``tier``, figures, one pass/fail column per rule (bool,
        or ``pass``/``fail``/``red``/``amber``/``green``) and ``reason``/``reasons``, e.g. the
        table of :func:`lotdesign.checks.check_plan` or ``LotPlan.lots``. A rule column is
        one the column registry marks as a rule (``hours_ok``, ``passes``, ``valid``, ``rag``;
        see :mod:`lotdesign.columns`) or, if unregistered, whose values are pass/fail/RAG
        words.
    plan_summary
        Plan-level figures: a DataFrame, a mapping ``{item: value}`` or a Series (the
        summary of :func:`lotdesign.checks.check_plan`).
    cost_summary
        The county's current and proposed spend: :func:`lotdesign.cost.compare` with
        ``by=None``, or :func:`lotdesign.cost.cost_summary` (stacked, with ``level``), from
        which ``cost_by_lot`` and ``cost_by_tier`` are taken when those are None.
    cost_by_lot, cost_by_tier
        :func:`lotdesign.cost.compare` by ``lot_id`` and by ``tier``.
    projection
        :func:`lotdesign.cost.project`.
    cost_ranges, cost_flow, travel_benefit
        The cost effect's P10/P50/P90 (:func:`lotdesign.cost.monte_carlo`), each lot's fill
        under new customers only (:func:`lotdesign.cost.flow_by_lot`) and the travel saving
        as a benefit (:func:`lotdesign.cost.travel_benefit`).
    cost_effect
        The cost effect in plain values (:func:`lotdesign.cost.effect_summary`): price year,
        policy, ranges, timing, travel benefit and what could not be computed; the summary's
        cost sentences are written from it.
    tornado
        :func:`lotdesign.cost.tornado`.
    payment_models
        :func:`lotdesign.cost.payment_models`.
    market_summary
        :func:`lotdesign.market.market_summary`.
    policy_tradeoff
        The lot-size policies compared on the same units
        (:func:`lotdesign.lots.policy_tradeoff`): one row per policy.
    sweep_comparison
        A sweep's comparison table (:class:`lotdesign.sweep.SweepResult` ``.table``), when
        the run was one of a sweep's scenarios.
    district_names
        ``{ONS district code: name}`` for the districts the report names; codes not given
        are looked up in the packaged table (:func:`lotdesign.report.places.district_name`)
        and shown as codes when not found there.
    static_map_png
        A PNG of the lots, e.g. from :func:`lotdesign.maps.static_map`.
    caveats
        Caveats of the analyst's own, added to those the report generates.

    Raises
    ------
    ValidationError
        If a table is not a DataFrame, the title is empty, a date cannot be read or the map
        file does not exist.
    """

    title: str
    synthetic: bool = False
    as_of: dt.date | None = None
    generated: dt.date = field(default_factory=dt.date.today)
    parameters: pd.DataFrame | Mapping[str, Any] | None = None
    data_sources: Sequence[tuple[str, str]] | Mapping[str, str] = ()
    reconciliation: pd.DataFrame | None = None
    tier_summary: pd.DataFrame | None = None
    lot_table: pd.DataFrame | None = None
    plan_summary: pd.DataFrame | pd.Series | Mapping[str, Any] | None = None
    cost_summary: pd.DataFrame | None = None
    cost_by_lot: pd.DataFrame | None = None
    cost_by_tier: pd.DataFrame | None = None
    projection: pd.DataFrame | None = None
    cost_ranges: pd.DataFrame | None = None
    cost_flow: pd.DataFrame | None = None
    travel_benefit: pd.DataFrame | None = None
    tornado: pd.DataFrame | None = None
    payment_models: pd.DataFrame | None = None
    market_summary: pd.DataFrame | None = None
    policy_tradeoff: pd.DataFrame | None = None
    sweep_comparison: pd.DataFrame | None = None
    district_names: Mapping[str, str] = field(default_factory=dict)
    static_map_png: str | Path | None = None
    caveats: Sequence[str] = ()
    cost_effect: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValidationError("ReportInputs.title must be a non-empty string.")
        if not isinstance(self.synthetic, bool | np.bool_):
            raise ValidationError(
                f"ReportInputs.synthetic must be True or False, got {self.synthetic!r}."
            )
        for name in ("as_of", "generated"):
            object.__setattr__(self, name, _as_date(getattr(self, name), name))
        if self.generated is None:
            raise ValidationError("ReportInputs.generated must be a date.")
        if isinstance(self.plan_summary, pd.Series):
            object.__setattr__(self, "plan_summary", self.plan_summary.to_dict())
        ts = self.tier_summary
        if isinstance(ts, pd.DataFrame) and "tier" not in ts.columns:
            # lotdesign.tiers.summarise_tiers indexes its rows by tier (1-4, "total").
            object.__setattr__(self, "tier_summary", ts.rename_axis("tier").reset_index())
        for name in _FRAME_FIELDS:
            value = getattr(self, name)
            allowed = (pd.DataFrame, Mapping) if name == "plan_summary" else (pd.DataFrame,)
            if value is not None and not isinstance(value, allowed):
                raise ValidationError(
                    f"ReportInputs.{name} must be a pandas DataFrame or None (stage not run), "
                    f"got {type(value).__name__}."
                )
        object.__setattr__(self, "parameters", _parameters_frame(self.parameters))
        object.__setattr__(self, "data_sources", _sources_tuple(self.data_sources))
        names = self.district_names
        if not isinstance(names, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in names.items()
        ):
            raise ValidationError(
                "ReportInputs.district_names must map ONS district codes to names (strings), "
                f"got {names!r}."
            )
        object.__setattr__(self, "district_names", dict(names))
        if isinstance(self.caveats, str) or not all(isinstance(c, str) for c in self.caveats):
            raise ValidationError("ReportInputs.caveats must be a list of strings.")
        object.__setattr__(self, "caveats", tuple(self.caveats))
        if self.static_map_png is not None:
            path = Path(self.static_map_png)
            if not path.is_file():
                raise ValidationError(
                    f"static_map_png {path} does not exist; make it with "
                    "lotdesign.maps.static_map(..., formats=('png',)) or pass None."
                )
            if path.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
                raise ValidationError(f"static_map_png {path} is not a PNG file.")
            object.__setattr__(self, "static_map_png", path)


def _as_date(value: Any, name: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(
        f"ReportInputs.{name} must be a date (or an ISO string like '2024-03-31'), got {value!r}."
    )


def _parameters_frame(value: Any) -> pd.DataFrame | None:
    """Parameters as ``section, parameter, value, source``.

    Section comes first so that a privacy scanner reading a row never takes a count-like
    parameter name (``LOT_MIN_CUSTOMERS``) for a row header over a count of people.
    """
    if value is None:
        return None
    if isinstance(value, Mapping):
        rows = []
        for name, item in value.items():
            if isinstance(item, tuple) and len(item) == 2:
                rows.append((str(name), item[0], str(item[1])))
            else:
                rows.append((str(name), item, ""))
        frame = pd.DataFrame(rows, columns=["parameter", "value", "source"])
    elif isinstance(value, pd.DataFrame):
        missing = [c for c in ("parameter", "value") if c not in value.columns]
        if missing:
            raise ValidationError(
                f"ReportInputs.parameters needs columns 'parameter' and 'value' (missing "
                f"{missing}); it has {list(value.columns)}."
            )
        frame = value.copy()
    else:
        raise ValidationError(
            "ReportInputs.parameters must be a DataFrame, a mapping or None, got "
            f"{type(value).__name__}."
        )
    if "section" not in frame.columns:
        frame.insert(0, "section", "Parameters")
    if "source" not in frame.columns:
        frame["source"] = ""
    frame["section"] = frame["section"].fillna("Parameters").astype(str)
    frame.loc[frame["section"].str.strip() == "", "section"] = "Parameters"
    # Values are shown as written (dicts, tuples, numbers), never summed or suppressed.
    frame["value"] = frame["value"].map(_param_text)
    frame["source"] = frame["source"].fillna("").astype(str)
    rest = [c for c in frame.columns if c not in ("section", "parameter", "value", "source")]
    return frame[["section", "parameter", "value", "source", *rest]].reset_index(drop=True)


def _parameter_text(inputs: ReportInputs, name: str) -> str | None:
    """A setting's value as the run's parameters table writes it (None if not there)."""
    table = inputs.parameters
    if table is None or "parameter" not in table.columns:
        return None
    rows = table[table["parameter"].astype(str) == name]
    return str(rows["value"].iloc[0]) if len(rows) else None


def _parameter_flag(inputs: ReportInputs, name: str) -> bool:
    """A yes/no setting as the run used it: its parameters table's, else the setting's now."""
    text = (_parameter_text(inputs, name) or "").strip().lower()
    return text == "yes" if text in ("yes", "no") else bool(getattr(settings, name))


def _param_text(value: Any) -> str:
    """A parameter's value as a reader writes it: ``2024-25: 11.44; 2025-26: 12.21`` for a
    table by year, ``0.8 to 1.2`` for a range, never Python's brackets and quotes."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    if isinstance(value, Mapping):
        return "; ".join(
            f"{key}: ({_param_text(item).replace('; ', ', ')})"
            if isinstance(item, Mapping)
            else f"{key}: {_param_text(item)}"
            for key, item in value.items()
        )
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in value)
    ):
        return f"{_param_text(value[0])} to {_param_text(value[1])}"
    if isinstance(value, tuple | list | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return ", ".join(_param_text(item) for item in items)
    return str(value)


def _sources_tuple(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):
        value = list(value.items())
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError(
            f"ReportInputs.data_sources must be (name, vintage) pairs or a mapping, got {value!r}."
        )
    out = []
    for item in value:
        if not (isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2):
            raise ValidationError(
                f"Each data source must be a (name, vintage or licence) pair, got {item!r}."
            )
        out.append((str(item[0]), str(item[1])))
    return tuple(out)


def _dates(inputs: ReportInputs) -> str:
    parts = []
    if inputs.as_of:
        parts.append(f"Packages active on {inputs.as_of:%d %B %Y}")
    parts.append(f"report dated {inputs.generated:%d %B %Y}")
    parts.append(f"made with lotdesign {__version__}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
