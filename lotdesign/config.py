"""A run's configuration: a YAML file, checked before anything is read.

Relative paths in the config are read from the config file's folder, so a config can sit
beside the data it describes. Every key is documented in the README ("Configuration").
Extra keys are allowed (and kept in :attr:`RunConfig.extra`) so later versions and local
notes don't break older runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lotdesign.errors import ValidationError
from lotdesign.io.packages import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from lotdesign.units import UNIT_TYPES

_INPUT_KEYS = (
    "packages",
    "sheet",
    "columns",
    "postcode_lookup",
    "gp_practices",
    "epcn",
    "providers",
    "boundaries",
    "boundary_layer",
    "outline",
    "as_of",
    "max_weekly_hours",
)


@dataclass
class RunConfig:
    """A checked run configuration (see the README for each key)."""

    name: str
    packages: Path
    columns: dict[str, str]
    sheet: str | int | None = None
    postcode_lookup: str | list[Path] | Path = "packaged"
    gp_practices: Path | None = None
    epcn: Path | None = None
    providers: Path | None = None
    boundaries: Path | None = None
    boundary_layer: str | None = None
    outline: Path | None = None
    as_of: dt.date | None = None
    max_weekly_hours: float | None = None
    units: str = "postcode_sector"
    processed: Path = Path("data/processed")
    reports: Path = Path("reports")
    synthetic: bool = False
    seed: int = 0
    rules: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


def _require_type(key: str, value: Any, types: tuple[type, ...], what: str) -> None:
    if not isinstance(value, types):
        raise ValidationError(
            f"config key '{key}' must be {what}, not {type(value).__name__} ({value!r})."
        )


def _path(base: Path, key: str, value: Any, *, must_exist: bool = True) -> Path:
    _require_type(key, value, (str, Path), "a file path")
    p = Path(value).expanduser()
    if not p.is_absolute():
        p = (base / p).resolve()
    if must_exist and not p.exists():
        raise ValidationError(
            f"config key '{key}': file {p} does not exist (relative paths are read from the "
            f"config file's folder, {base})."
        )
    return p


def load_config(path: str | Path) -> RunConfig:
    """Read and check a run config.

    Raises
    ------
    lotdesign.ValidationError
        Naming the key at fault and the allowed values: a missing file, an unknown unit type,
        a value of the wrong type, an unparseable date.
    """
    path = Path(path)
    if not path.exists():
        raise ValidationError(f"Config file {path} does not exist.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValidationError(f"Config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationError(f"Config file {path} must be a YAML mapping (key: value lines).")
    return config_from_dict(data, base=path.resolve().parent, path=path)


def config_from_dict(
    data: dict[str, Any], *, base: str | Path = ".", path: Path | None = None
) -> RunConfig:
    """Check a config given as a dict (what :func:`load_config` reads from YAML)."""
    base = Path(base)
    inputs = data.get("inputs")
    if not isinstance(inputs, dict):
        raise ValidationError("config key 'inputs' is missing or not a mapping.")
    if "packages" not in inputs:
        raise ValidationError("config key 'inputs.packages' is missing: the care-package extract.")
    columns = inputs.get("columns") or {}
    _require_type("inputs.columns", columns, (dict,), "a mapping of lotdesign names to headers")
    allowed = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    for key, header in columns.items():
        if key not in allowed:
            raise ValidationError(
                f"config key 'inputs.columns.{key}' is not a lotdesign column. Allowed: "
                f"{', '.join(allowed)}."
            )
        _require_type(f"inputs.columns.{key}", header, (str,), "a column header (text)")

    unit_type = data.get("units", "postcode_sector")
    if unit_type not in UNIT_TYPES:
        raise ValidationError(
            f"config key 'units' is '{unit_type}'. Allowed: {', '.join(UNIT_TYPES)}."
        )

    lookup = inputs.get("postcode_lookup", "packaged")
    if isinstance(lookup, list):
        lookup = [
            "packaged" if v == "packaged" else _path(base, "inputs.postcode_lookup", v)
            for v in lookup
        ]
    elif lookup != "packaged":
        lookup = _path(base, "inputs.postcode_lookup", lookup)

    def opt(key: str) -> Path | None:
        v = inputs.get(key)
        return None if v in (None, "") else _path(base, f"inputs.{key}", v)

    as_of = inputs.get("as_of")
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    elif isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError as exc:
            raise ValidationError(
                f"config key 'inputs.as_of' ('{as_of}') is not a date; write YYYY-MM-DD."
            ) from exc
    elif as_of is not None and not isinstance(as_of, dt.date):
        raise ValidationError("config key 'inputs.as_of' must be a date (YYYY-MM-DD).")

    sheet = inputs.get("sheet")
    if sheet is not None:
        _require_type("inputs.sheet", sheet, (str, int), "a sheet name or 0-based index")
    mwh = inputs.get("max_weekly_hours")
    if mwh is not None:
        _require_type("inputs.max_weekly_hours", mwh, (int, float), "a number")

    outputs = data.get("outputs") or {}
    _require_type("outputs", outputs, (dict,), "a mapping with 'processed' and 'reports'")
    rules = data.get("rules") or {}
    _require_type("rules", rules, (dict,), "a mapping of lot rules")
    seed = data.get("seed", 0)
    _require_type("seed", seed, (int,), "a whole number")
    name = data.get("name", "Unnamed run")
    _require_type("name", name, (str,), "text")

    known = {"name", "inputs", "units", "outputs", "rules", "seed", "synthetic"}
    return RunConfig(
        name=name,
        packages=_path(base, "inputs.packages", inputs["packages"]),
        columns=dict(columns),
        sheet=sheet,
        postcode_lookup=lookup,
        gp_practices=opt("gp_practices"),
        epcn=opt("epcn"),
        providers=opt("providers"),
        boundaries=opt("boundaries"),
        boundary_layer=inputs.get("boundary_layer"),
        outline=opt("outline"),
        as_of=as_of,
        max_weekly_hours=float(mwh) if mwh is not None else None,
        units=unit_type,
        processed=_path(
            base, "outputs.processed", outputs.get("processed", "processed"), must_exist=False
        ),
        reports=_path(base, "outputs.reports", outputs.get("reports", "reports"), must_exist=False),
        synthetic=bool(data.get("synthetic", False)),
        seed=seed,
        rules=dict(rules),
        extra={k: v for k, v in data.items() if k not in known}
        | {f"inputs.{k}": v for k, v in inputs.items() if k not in _INPUT_KEYS},
        path=path,
    )
