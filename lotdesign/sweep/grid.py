"""A sweep's grid: scenarios as dotted-key overrides of a run spec, each checked by the spec.

A grid file (YAML) names the changes to try against one run config::

    name: Bands and radius            # optional, for titles
    set: {rules.search: standard}     # optional: applied to every scenario
    grid:                             # every combination of the axes
      rules.max_radius_miles: [6, 7]  #   an axis of one key: a list of its values
      band:                           #   a named axis: each value sets several keys
        600-1,200: {rules.min_hours: 600, rules.max_hours: 1200}
        700-1,300: {rules.min_hours: 700, rules.max_hours: 1300}
    scenarios:                        # and/or scenarios named one by one
      - name: viable policy
        set: {rules.policy: viable}

A key is a dotted path into the run spec (``rules.min_hours``, ``cost.scenario.lead_share``,
``travel.speed_mph.urban``). Each scenario's changes are applied to the config as read and the
result is checked by the strict spec (:func:`lotdesign.spec.spec_from_dict`), so a misspelt
key fails before any work, with the spec's own "did you mean" message. Keys of ``sweep``,
``outputs`` and the spec's ``name`` belong to the sweep, not to a scenario, and are refused.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lotdesign import __version__, settings
from lotdesign.errors import ValidationError
from lotdesign.spec import RunSpec, read_yaml_mapping, spec_from_dict

__all__ = ["Scenario", "expand_grid", "input_key", "read_grid", "result_key", "set_path"]

#: Top-level spec keys a scenario may not change: they say how and where the sweep runs.
SWEEP_OWNED: tuple[str, ...] = ("sweep", "outputs", "name")
#: Keys of a grid file.
GRID_KEYS: tuple[str, ...] = ("name", "description", "set", "grid", "scenarios")


@dataclass(frozen=True)
class Scenario:
    """One scenario of a sweep: its name, its changes (dotted key -> value) and its spec."""

    name: str
    changes: dict[str, Any]
    spec: RunSpec = field(repr=False)

    @property
    def changes_text(self) -> str:
        """The changes as one line: ``rules.min_hours=600, rules.max_hours=1200``."""
        return ", ".join(f"{k}={_short(v)}" for k, v in self.changes.items()) or "(the config)"


def _short(value: Any) -> str:
    if isinstance(value, Mapping | list):
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value)


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``path == "a.b.c"``, making sections as needed.

    Raises
    ------
    ValidationError
        If a part of the path is a value, not a section (``units.foo``).
    """
    parts = [p for p in str(path).split(".")]
    if not all(parts):
        raise ValidationError(f"'{path}' is not a key path (write it as section.key).")
    here = data
    for i, part in enumerate(parts[:-1]):
        inner = here.get(part)
        if inner is None:
            inner = here[part] = {}
        elif not isinstance(inner, dict):
            where = ".".join(parts[: i + 1])
            raise ValidationError(
                f"'{path}': '{where}' is a value ({inner!r}), not a section with keys."
            )
        here = inner
    here[parts[-1]] = copy.deepcopy(value)


def read_grid(path: str | Path) -> dict[str, Any]:
    """Read a grid file (YAML); its own keys are checked, the scenarios' keys later."""
    return read_yaml_mapping(Path(path), what="Grid file", shape="grid:, scenarios:")


def expand_grid(
    config: Mapping[str, Any],
    grid: Mapping[str, Any],
    *,
    base: str | Path = ".",
    where: str = "grid",
    config_path: Path | None = None,
) -> list[Scenario]:
    """Every scenario of a grid, each with its spec checked; every problem at once.

    Parameters
    ----------
    config
        The run config as read from YAML (a mapping), before any scenario's changes.
    grid
        The grid file as read (:func:`read_grid`).
    base
        Folder relative paths in the config are read from (the config file's folder).
    where
        The grid's name in messages (its file path).
    config_path
        The config file, remembered by each scenario's spec.

    Returns
    -------
    list of Scenario
        In the grid's order: the grid's combinations (last axis fastest), then ``scenarios``.

    Raises
    ------
    ValidationError
        A malformed grid, a key a scenario may not change, too many scenarios
        (:data:`lotdesign.settings.SWEEP_MAX_SCENARIOS`), two scenarios of one name, or any
        scenario's spec failing the strict spec: every problem listed, each with its scenario.
    """
    unknown = sorted(set(grid) - set(GRID_KEYS))
    if unknown:
        import difflib

        hints = [difflib.get_close_matches(k, GRID_KEYS, n=1) for k in unknown]
        said = "; ".join(
            f"'{k}' is not a grid key" + (f"; did you mean '{h[0]}'?" if h else "")
            for k, h in zip(unknown, hints, strict=True)
        )
        raise ValidationError(f"{where}: {said} (grid keys: {', '.join(GRID_KEYS)}).")
    common = _changes(grid.get("set") or {}, f"{where}: set")
    named: list[tuple[str, dict[str, Any]]] = []
    axes = grid.get("grid") or {}
    if not isinstance(axes, Mapping):
        raise ValidationError(f"{where}: 'grid' must map each axis to its values.")
    levels = []
    for axis, values in axes.items():
        if isinstance(values, Mapping):  # a named axis: label -> changes
            if not values:
                raise ValidationError(f"{where}: axis '{axis}' has no values.")
            levels.append(
                [(str(lab), _changes(ch, f"{where}: {axis} {lab}")) for lab, ch in values.items()]
            )
        elif isinstance(values, list) and values:
            key = str(axis)
            set_path({}, key, None)  # the key path's form is checked here
            levels.append(
                [
                    (f"{key.split('.')[-1]}={_short(v)}", _changes({key: v}, f"{where}: {key}"))
                    for v in values
                ]
            )
        else:
            raise ValidationError(
                f"{where}: axis '{axis}' needs a list of values, or a mapping of labels to "
                "changes (a named axis)."
            )
    for combo in itertools.product(*levels) if levels else ():
        changes: dict[str, Any] = {}
        for _, ch in combo:
            changes.update(ch)
        named.append((", ".join(label for label, _ in combo), changes))
    listed = grid.get("scenarios") or []
    if not isinstance(listed, list):
        raise ValidationError(f"{where}: 'scenarios' must be a list of {{name, set}}.")
    for i, entry in enumerate(listed):
        if not isinstance(entry, Mapping) or set(entry) - {"name", "set"} or "name" not in entry:
            raise ValidationError(
                f"{where}: scenarios[{i}] must be a mapping with 'name' and 'set' (the changes)."
            )
        named.append((str(entry["name"]), _changes(entry.get("set") or {}, f"{where}: {i}")))
    if not named:
        raise ValidationError(f"{where}: no scenarios: give 'grid' axes or 'scenarios'.")
    if len(named) > settings.SWEEP_MAX_SCENARIOS:
        raise ValidationError(
            f"{where}: {len(named):,} scenarios, more than SWEEP_MAX_SCENARIOS "
            f"({settings.SWEEP_MAX_SCENARIOS:,}); split the grid or raise the setting."
        )
    seen: set[str] = set()
    problems: list[str] = []
    out: list[Scenario] = []
    for name, changes in named:
        if name in seen:
            problems.append(f"two scenarios are named '{name}'; give each its own name")
            continue
        seen.add(name)
        changes = {**common, **changes}
        try:
            out.append(_scenario(config, name, changes, base=base, config_path=config_path))
        except ValidationError as exc:
            problems.append(f"scenario '{name}': {exc}")
    if problems:
        unique = list(dict.fromkeys(problems))
        raise ValidationError(
            f"{where}: {len(unique)} problem{'s' if len(unique) > 1 else ''}:\n"
            + "\n".join(f"  - {p}" for p in unique)
        )
    return out


def _changes(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where}: changes must map key paths to values.")
    out = {}
    for key, v in value.items():
        key = str(key)
        top = key.split(".")[0]
        if top in SWEEP_OWNED:
            raise ValidationError(
                f"{where}: '{key}' belongs to the sweep (its {', '.join(SWEEP_OWNED)} keys are "
                "set in the config), not to a scenario."
            )
        out[key] = v
    return out


def _scenario(
    config: Mapping[str, Any],
    name: str,
    changes: dict[str, Any],
    *,
    base: str | Path,
    config_path: Path | None,
) -> Scenario:
    data = copy.deepcopy(dict(config))
    for key, value in changes.items():
        set_path(data, key, value)
    problems_where = "its spec"
    try:
        spec = spec_from_dict(data, base=base, path=config_path, where=problems_where)
    except ValidationError as exc:
        # "its spec: 1 problem:\n  - 'rules.min_hour' is not a key; did you mean ...": keep
        # the spec's own lines, one scenario per line.
        lines = [ln.strip().removeprefix("- ") for ln in str(exc).splitlines()[1:]]
        raise ValidationError("; ".join(lines) or str(exc)) from None
    return Scenario(name=name, changes=dict(changes), spec=spec)


# --- hashing: what a result depends on ----------------------------------------------------------

#: Spec sections that do not change a scenario's result (until the cost stage).
_NOT_IN_RESULT: tuple[str, ...] = ("name", "description", "notes", "outputs", "sweep", "report")


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes (remembered by path, size and modification time)."""
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    found = _FILE_DIGESTS.get(key)
    if found is None:
        h = hashlib.sha256()
        with open(p, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                h.update(block)
        found = _FILE_DIGESTS[key] = h.hexdigest()
    return found


def _files_in(value: Any) -> list[str]:
    """Existing files named anywhere in a dumped spec section."""
    out = []
    if isinstance(value, Mapping):
        for v in value.values():
            out += _files_in(v)
    elif isinstance(value, list | tuple):
        for v in value:
            out += _files_in(v)
    elif isinstance(value, str) and ("/" in value or "\\" in value):
        p = Path(value)
        if p.is_file():
            out.append(value)
    return out


def _settings_digest() -> str:
    table = settings.describe()
    return _digest({n: repr(v) for n, v in zip(table["name"], table["value"], strict=True)})


def input_key(spec: RunSpec) -> str:
    """What a scenario's shared inputs depend on: the inputs, unit type and drive-time files.

    Scenarios with the same key share one read of the extract, one set of units and one
    drive-time matrix.
    """
    dumped = spec.model_dump(mode="json")
    part = {
        "inputs": dumped["inputs"],
        "units": dumped["units"],
        "roads": dumped["travel"]["roads"],
        "travel_matrix": dumped["rules"]["travel_matrix"],
    }
    files = sorted(set(_files_in(part)))
    part["files"] = {f: file_digest(f) for f in files}
    part["version"] = __version__
    return _digest(part)[:16]


def result_key(spec: RunSpec, *, until: str, compare_policies: bool) -> str:
    """What a scenario's result depends on: its spec (less names and outputs), the files it
    reads, the settings, lotdesign's version and the stages run. Equal keys, equal results
    (the engine is deterministic for a seed)."""
    dumped = spec.model_dump(mode="json")
    for key in _NOT_IN_RESULT:
        dumped.pop(key, None)
    files = sorted(set(_files_in(dumped)))
    return _digest(
        {
            "spec": dumped,
            "files": {f: file_digest(f) for f in files},
            "settings": _settings_digest(),
            "version": __version__,
            "until": until,
            "compare_policies": compare_policies,
        }
    )[:20]
