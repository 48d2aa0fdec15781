"""A run's results, typed by stage, saved to its processed folder and read back.

:class:`Run` holds what each stage of :func:`lotdesign.pipeline.run` produced: the checked
extract and demand units, the Tier 1 plan, the tiers, the rule checks, the cost model and the
market analysis. A stage that was not run is ``None``.

``run.save(folder)`` writes it in open formats (Parquet for tables, GeoParquet for geometry,
JSON for the spec, rules, objective and notes) with a ``manifest.json``; :func:`read_run`
reads it back, so notebooks and later steps start from a saved run instead of rerunning it.
The saved run holds customer-level data: it belongs in the processed folder, on the analyst's
machine, never in the reports folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lotdesign.errors import ValidationError
from lotdesign.io.packages import Extract
from lotdesign.lots import LotPlan
from lotdesign.spec import RunSpec
from lotdesign.tiers import TierPlan

__all__ = ["Checks", "CostResult", "Run", "read_run"]

#: Bumped when the saved layout changes; :func:`read_run` refuses other versions.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


@dataclass
class Checks:
    """Every lot and zone checked against its rules (:func:`lotdesign.checks.check_plan`).

    Attributes
    ----------
    table
        One row per lot or zone: its measures, each rule's pass/fail and ``passes``.
    summary
        Counts of lots passing each rule.
    polygons
        Lot and zone outlines with the table's columns (EPSG:27700).
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    polygons: gpd.GeoDataFrame


@dataclass
class CostResult:
    """The cost model's results (:mod:`lotdesign.cost`).

    Attributes
    ----------
    scenario
        Package lines priced today and under the plan.
    summary
        ``cost_summary.csv``: current against proposed at county, tier, lot and district level.
    projection
        Spend by year.
    tornado
        Sensitivity of the change in spend to each input.
    payments
        Annual cost under hourly, block and outcome payment.
    lots
        One row per lot: today's and modelled travel and prices, the travel saving per hour,
        the price policy's price, the floor and the flags (:func:`lotdesign.cost.lot_table`).
    benefit
        The travel saving as a benefit: hours, miles, minutes and who keeps it, per lot.
    flow
        New customers only: each lot's starts and ends a month and months to viable volume.
    flow_monthly
        Each lot's contracted and lead provider's hours, month by month over the term.
    ranges
        P10/P50/P90 of the cost effect (Monte Carlo over the ranged inputs).
    draws
        The Monte Carlo draws: inputs and results.
    turnover
        How long packages last and where that came from (:class:`lotdesign.cost.Turnover`).
    effect
        The effect in plain values, for the report's sentences
        (:func:`lotdesign.cost.effect_summary`).
    """

    scenario: pd.DataFrame
    summary: pd.DataFrame
    projection: pd.DataFrame
    tornado: pd.DataFrame | None
    payments: pd.DataFrame
    lots: pd.DataFrame | None = None
    benefit: pd.DataFrame | None = None
    flow: pd.DataFrame | None = None
    flow_monthly: pd.DataFrame | None = None
    ranges: pd.DataFrame | None = None
    draws: pd.DataFrame | None = None
    turnover: Any = None
    effect: dict[str, Any] | None = None


@dataclass
class Run:
    """What a run produced, stage by stage; ``None`` for a stage not run.

    Attributes
    ----------
    spec
        The checked run spec.
    extract
        The read and validated extract (used, excluded and rejected rows, reconciliation).
    units
        Demand units (EPSG:27700).
    customers
        Used customers with their demand unit.
    packages
        Used package lines with their customer's unit and rurality.
    practices, providers
        GP practices and provider offices, if the spec gave them.
    plan
        The Tier 1 lot plan (:class:`lotdesign.lots.LotPlan`).
    tiers
        Tier 2 zones, Tier 3 and the Tier 4 reserve (:class:`lotdesign.tiers.TierPlan`).
    checks
        Rule checks and lot outlines (:class:`Checks`).
    cost
        The cost model (:class:`CostResult`).
    market
        The market summary (providers, concentration, workforce), before and after.
    paths
        Files written, by label.
    timings
        Seconds per step.
    lookup
        The postcode lookup used (kept in memory only: it is large and can be read again).
    """

    spec: RunSpec
    extract: Extract
    units: gpd.GeoDataFrame
    customers: pd.DataFrame
    packages: pd.DataFrame
    practices: pd.DataFrame | None = None
    providers: pd.DataFrame | None = None
    plan: LotPlan | None = None
    tiers: TierPlan | None = None
    checks: Checks | None = None
    cost: CostResult | None = None
    market: pd.DataFrame | None = None
    paths: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    lookup: pd.DataFrame | None = field(default=None, metadata={"saved": False})

    @property
    def stages(self) -> tuple[str, ...]:
        """The stages this run holds, in order."""
        done = ["units"]
        if self.plan is not None:
            done.append("lots")
        if self.cost is not None:
            done.append("cost")
        if "report_html" in self.paths or "report_docx" in self.paths:
            done.append("report")
        return tuple(done)

    def save(self, folder: str | Path) -> Path:
        """Write the run to ``folder`` (replacing a run saved there before).

        Returns
        -------
        Path
            The folder.
        """
        folder = Path(folder)
        if folder.exists():
            if not (folder / MANIFEST).exists():
                raise ValidationError(
                    f"{folder} exists and is not a saved run; choose an empty or new folder."
                )
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        manifest = {
            "format": FORMAT_VERSION,
            "spec": self.spec.model_dump(mode="json") | {"path": _text(self.spec.path)},
            "fields": _save_fields(self, folder, "run", skip=("spec",)),
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        return folder


def read_run(folder: str | Path) -> Run:
    """Read a run saved by :meth:`Run.save` (``lotdesign run`` saves to ``processed/run``).

    The spec is read back as it was checked; its input files need not still exist.

    Raises
    ------
    lotdesign.ValidationError
        If ``folder`` holds no saved run, or one saved in another format version.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.exists():
        raise ValidationError(
            f"{folder} holds no saved run (no {MANIFEST}); run `lotdesign run CONFIG` first, "
            "or give the run's processed folder + '/run'."
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise ValidationError(
            f"{folder} was saved in format {manifest.get('format')}; this lotdesign reads "
            f"format {FORMAT_VERSION}. Run the config again."
        )
    data = dict(manifest["spec"])
    spec_path = data.pop("path", None)
    spec = RunSpec.model_validate(data, context={"check_files": False})
    spec = spec.with_path(Path(spec_path) if spec_path else None)
    values = _load_fields(manifest["fields"], folder)
    return Run(spec=spec, **values)


# --- the format: one file per table, JSON for the rest ------------------------------------------


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _save_fields(obj: Any, folder: Path, prefix: str, *, skip: tuple[str, ...] = ()) -> dict:
    out = {}
    for f in dataclasses.fields(obj):
        if f.name in skip or not f.metadata.get("saved", True):
            continue
        out[f.name] = _save_value(getattr(obj, f.name), folder, f"{prefix}.{f.name}")
    return out


def _save_value(value: Any, folder: Path, name: str) -> dict[str, Any]:
    if value is None:
        return {"kind": "none"}
    if isinstance(value, pd.Series):
        entry = _save_value(value.to_frame(), folder, name)
        return entry | {"kind": "series", "name": _jsonable(value.name)}
    if isinstance(value, pd.DataFrame):
        file = f"{name}.parquet"
        # Tables kept in attrs (the scenario's lot prices) are saved beside their frame.
        tables = {k: v for k, v in value.attrs.items() if isinstance(v, pd.DataFrame | pd.Series)}
        frame, encoded = _plain(_drop_attrs(value.copy(), tables))
        frame.to_parquet(folder / file)
        kind = "geoframe" if isinstance(value, gpd.GeoDataFrame) else "frame"
        nested = {k: _save_value(v, folder, f"{name}.attrs.{k}") for k, v in tables.items()}
        # Parquet reads text back as pandas' string dtype; object columns are made object again.
        text = [str(c) for c in frame.columns if frame[c].dtype == object and c not in encoded]
        return {
            "kind": kind,
            "file": file,
            "json_columns": encoded,
            "object_columns": text,
            "attrs_tables": nested,
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = f"{type(value).__module__}:{type(value).__qualname__}"
        return {"kind": "dataclass", "type": kind, "fields": _save_fields(value, folder, name)}
    return {"kind": "json", "value": _jsonable(value)}


def _drop_attrs(frame: pd.DataFrame, keys: Mapping[str, Any]) -> pd.DataFrame:
    frame.attrs = {k: v for k, v in frame.attrs.items() if k not in keys}
    return frame


#: Name of the column that carries a frame's index when it must go as JSON text.
_INDEX = "__index__"


def _plain(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A copy Parquet can hold, and the columns sent as JSON text to come back exactly.

    Parquet columns have one type; object columns mixing types (a tier index of 1-4 and
    "total", cells holding lists or dicts) go as JSON text and are decoded on reading.
    """
    out = frame.copy()
    encoded = []
    if out.index.dtype == object and _mixed(out.index):
        out.insert(0, _INDEX, out.index)
        out = out.reset_index(drop=True)
    for col in out.columns:
        if col == getattr(out, "_geometry_column_name", None) or out[col].dtype != object:
            continue
        if col == _INDEX or _mixed(out[col]):
            out[col] = [json.dumps(_jsonable(v)) for v in out[col]]
            encoded.append(col)
    out.attrs = _jsonable(dict(frame.attrs))
    return out, encoded


def _mixed(values: pd.Index | pd.Series) -> bool:
    kinds = {type(v) for v in values if not _missing(v)}
    return len(kinds) > 1 or bool(kinds & {dict, list, tuple, Path, np.ndarray})


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _jsonable(value: Any) -> Any:
    """Plain JSON types, tagging what JSON has no type for so it comes back as it went."""
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _jsonable(v) for k, v in value.items()}
        return {"__items__": [[_jsonable(k), _jsonable(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_jsonable(v) for v in value]}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, dt.datetime | dt.date):
        return {"__date__": value.isoformat()}
    if isinstance(value, Path):
        return {"__path__": str(value)}
    if isinstance(value, pd.DataFrame | pd.Series):
        raise TypeError("tables are saved as Parquet, not JSON")
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__items__" in value:
        return {_from_json(k): _from_json(v) for k, v in value["__items__"]}
    if "__tuple__" in value:
        return tuple(_from_json(v) for v in value["__tuple__"])
    if "__date__" in value:
        text = value["__date__"]
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    if "__path__" in value:
        return Path(value["__path__"])
    return {k: _from_json(v) for k, v in value.items()}


def _load_fields(fields: dict[str, Any], folder: Path) -> dict[str, Any]:
    return {name: _load_value(entry, folder) for name, entry in fields.items()}


def _load_value(entry: dict[str, Any], folder: Path) -> Any:
    kind = entry["kind"]
    if kind == "none":
        return None
    if kind == "series":
        frame = _load_value(entry | {"kind": "frame"}, folder)
        series = frame.iloc[:, 0]
        series.name = _from_json(entry["name"])
        series.attrs = frame.attrs
        return series
    if kind in ("frame", "geoframe"):
        reader = gpd.read_parquet if kind == "geoframe" else pd.read_parquet
        frame = reader(folder / entry["file"])
        for col in entry.get("json_columns", []):
            frame[col] = pd.Series(
                [_from_json(json.loads(v)) for v in frame[col]], index=frame.index, dtype=object
            )
        for col in entry.get("object_columns", []):
            frame[col] = frame[col].astype(object)
        if _INDEX in frame.columns:
            frame = frame.set_index(_INDEX)
            frame.index.name = None
        frame.attrs = _from_json(frame.attrs) | {
            k: _load_value(v, folder) for k, v in entry.get("attrs_tables", {}).items()
        }
        return frame
    if kind == "dataclass":
        module, _, name = entry["type"].partition(":")
        cls = getattr(importlib.import_module(module), name)
        if not (module.startswith("lotdesign.") and dataclasses.is_dataclass(cls)):
            raise ValidationError(f"saved run names an unexpected type {entry['type']!r}")
        return cls(**_load_fields(entry["fields"], folder))
    return _from_json(entry["value"])
