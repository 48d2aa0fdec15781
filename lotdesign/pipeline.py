"""The whole chain for one config: read, validate, geocode, build units, write outputs.

``run(config)`` is what ``lotdesign run CONFIG.yaml`` calls. It prints progress (one line per
step with its time) and returns a :class:`RunResult` with the in-memory results and the
paths it wrote.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lotdesign import postcodes as pc
from lotdesign import settings
from lotdesign.config import RunConfig, load_config
from lotdesign.io.boundaries import read_boundaries
from lotdesign.io.lookups import read_postcode_lookup
from lotdesign.io.packages import Extract, read_extract, validate_extract
from lotdesign.io.practices import read_epcn, read_epraccur
from lotdesign.units import make_units, write_units


@dataclass
class RunResult:
    """What a run produced: in-memory results and the files written."""

    config: RunConfig
    extract: Extract
    units: gpd.GeoDataFrame
    customers: pd.DataFrame
    practices: pd.DataFrame | None = None
    providers: pd.DataFrame | None = None
    lookup: pd.DataFrame | None = None
    paths: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)


class Progress:
    """Prints one line per step: ``[2/5] Geocoding ... done (0.4 s)``."""

    def __init__(self, steps: int, *, stream=None, quiet: bool = False) -> None:
        self.steps = steps
        self.n = 0
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        self.n += 1
        start = time.perf_counter()
        if not self.quiet:
            print(f"[{self.n}/{self.steps}] {label} ...", end="", flush=True, file=self.stream)
        yield
        elapsed = time.perf_counter() - start
        self.timings[label] = elapsed
        if not self.quiet:
            print(f" done ({elapsed:.1f} s)", file=self.stream, flush=True)

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)


def read_providers(path: Path, lookup: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read a provider table (name and office postcode) and geocode the offices.

    Expected columns (case-insensitive): ``provider`` (or ``name``) and ``office_postcode``
    (or ``postcode``). Other columns are kept.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    cols = {c.lower().strip(): c for c in frame.columns}
    name = cols.get("provider") or cols.get("name") or cols.get("provider_name")
    postcode = cols.get("office_postcode") or cols.get("postcode")
    if name is None or postcode is None:
        from lotdesign.errors import ValidationError

        raise ValidationError(
            f"{path}: a provider file needs a 'provider' column and an 'office_postcode' "
            f"column; found {', '.join(frame.columns)}."
        )
    out = frame.rename(columns={name: "provider", postcode: "office_postcode"})
    out["office_postcode"] = pc.normalise_series(out["office_postcode"])
    if lookup is not None:
        coords = lookup.drop_duplicates("postcode").set_index("postcode")
        found = coords.reindex(out["office_postcode"].fillna(""))
        out["easting"] = found["easting"].to_numpy()
        out["northing"] = found["northing"].to_numpy()
    return out


def _lookup_for(config: RunConfig, postcodes: list[str]) -> pd.DataFrame:
    if config.postcode_lookup == "packaged":
        return read_postcode_lookup("packaged", postcodes=postcodes)
    return read_postcode_lookup(config.postcode_lookup)


def _reference_postcodes(config: RunConfig, lookup: pd.DataFrame, districts: list[str]):
    """All live postcodes of the districts in play: the denominator of the density proxy."""
    if config.postcode_lookup == "packaged":
        ref = read_postcode_lookup("packaged", districts=districts)
    else:
        ref = lookup[lookup["district"].isin(districts) | lookup["district"].isna()]
    return ref[~ref["terminated"]].dropna(subset=["easting"])


def run(
    config: RunConfig | str | Path,
    *,
    quiet: bool = False,
    stream=None,
    until: str | None = None,
) -> RunResult:
    """Run the chain for a config and write its outputs.

    Parameters
    ----------
    config
        A :class:`~lotdesign.config.RunConfig` or the path of a YAML config.
    quiet
        Print nothing.
    stream
        Where progress goes (default: standard error).
    until
        Stop after this stage (``"units"``); None runs everything available.

    Returns
    -------
    RunResult
    """
    if not isinstance(config, RunConfig):
        config = load_config(config)
    progress = Progress(4, stream=stream, quiet=quiet)
    progress.say(
        f"lotdesign run: {config.name}" + ("  [SYNTHETIC DATA]" if config.synthetic else "")
    )
    paths: dict[str, Path] = {}

    with progress.step(f"Reading {config.packages.name}"):
        raw = read_extract(config.packages, columns=config.columns, sheet=config.sheet)
        practices_raw = None
        wanted = set(
            pc.normalise_series(
                raw[raw.attrs["mapping"]["postcode"]].map(
                    lambda v: v if isinstance(v, str) else None
                )
            ).dropna()
        )
    which = "packaged" if config.postcode_lookup == "packaged" else "given"
    with progress.step(f"Geocoding with the {which} postcode lookup"):
        extra_postcodes: list[str] = []
        if config.gp_practices is not None:
            practices_raw = pd.read_csv(config.gp_practices, header=None, dtype=str, usecols=[9])
            extra_postcodes += list(pc.normalise_series(practices_raw[9]).dropna())
        if config.providers is not None:
            prov = pd.read_csv(config.providers, dtype=str)
            for col in prov.columns:
                if "postcode" in col.lower():
                    extra_postcodes += list(pc.normalise_series(prov[col]).dropna())
        lookup = _lookup_for(config, sorted(wanted | set(extra_postcodes)))
        kwargs = {}
        if config.max_weekly_hours is not None:
            kwargs["max_weekly_hours"] = config.max_weekly_hours
        extract = validate_extract(raw, lookup=lookup, as_of=config.as_of, **kwargs)
        paths.update(extract.write(config.processed))
    progress.say(extract.reconciliation_text())

    with progress.step(f"Building {config.units.replace('_', ' ')} units"):
        practices = None
        if config.gp_practices is not None:
            practices = read_epraccur(config.gp_practices, lookup=lookup)
            if config.epcn is not None:
                practices = practices.merge(read_epcn(config.epcn), on="code", how="left")
        providers = (
            read_providers(config.providers, lookup) if config.providers is not None else None
        )
        boundaries = (
            read_boundaries(config.boundaries, layer=config.boundary_layer)
            if config.boundaries is not None
            else None
        )
        districts = sorted(extract.customers["district"].dropna().unique())
        reference = None
        if extract.customers["rurality"].isna().any():
            reference = _reference_postcodes(config, lookup, districts)
        units, customers = make_units(
            extract.customers,
            unit_type=config.units,
            boundaries=boundaries,
            practices=practices,
            reference_postcodes=reference,
        )
    with progress.step("Writing units"):
        paths["units"] = write_units(units, config.processed / "units.gpkg")
    progress.say(
        f"{len(units)} {config.units.replace('_', ' ')} units, "
        f"{int(units['customers'].sum()):,} customers, {units['hours'].sum():,.1f} hours a week"
    )
    return RunResult(
        config=config,
        extract=extract,
        units=units,
        customers=customers,
        practices=practices,
        providers=providers,
        lookup=lookup,
        paths=paths,
        timings=progress.timings,
    )


def build_demo_units(*, seed: int = settings.DEMO_SEED, unit_type: str = "postcode_sector"):
    """Generate the demo county in a temporary folder and return its demand units.

    For benchmarks and examples that need realistic units without writing into the project.
    """
    from lotdesign.demo import make_demo

    with tempfile.TemporaryDirectory() as tmp:
        files = make_demo(
            Path(tmp) / "raw",
            seed=seed,
            processed_dir=Path(tmp) / "processed",
            reports_dir=Path(tmp) / "reports",
        )
        config = load_config(files.config)
        config.units = unit_type
        return run(config, quiet=True).units
