"""The whole chain for one run spec: read, validate, geocode, units, lots, cost, report.

``run(spec)`` is what ``lotdesign run CONFIG.yaml`` calls, and ``check(spec)`` what
``lotdesign check`` calls. ``run`` prints progress (one line per step with its time), saves
the run to ``processed/run`` and returns a :class:`~lotdesign.results.Run`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from lotdesign import postcodes as pc
from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.io.boundaries import read_boundaries
from lotdesign.io.lookups import geocode, read_postcode_lookup
from lotdesign.io.packages import Extract, read_extract, validate_extract
from lotdesign.io.practices import read_epcn, read_epraccur
from lotdesign.results import Checks, CostResult, Run, read_run
from lotdesign.spec import RunSpec, load_spec
from lotdesign.units import make_units, write_units

__all__ = ["STAGES", "Progress", "check", "read_run", "run"]


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
        raise ValidationError(
            f"{path}: a provider file needs a 'provider' column and an 'office_postcode' "
            f"column; found {', '.join(frame.columns)}."
        )
    out = frame.rename(columns={name: "provider", postcode: "office_postcode"})
    out["office_postcode"] = pc.normalise_series(out["office_postcode"])
    if lookup is not None:
        found = geocode(out["office_postcode"], lookup)
        out["easting"] = found["easting"].to_numpy()
        out["northing"] = found["northing"].to_numpy()
    return out


def _lookup_for(spec: RunSpec, postcodes: list[str]) -> pd.DataFrame:
    if spec.inputs.postcode_lookup == "packaged":
        return read_postcode_lookup("packaged", postcodes=postcodes)
    return read_postcode_lookup(spec.inputs.postcode_lookup)


def _reference_postcodes(spec: RunSpec, lookup: pd.DataFrame, districts: list[str]):
    """All live postcodes of the districts in play: the denominator of the density proxy."""
    if spec.inputs.postcode_lookup == "packaged":
        ref = read_postcode_lookup("packaged", districts=districts)
    else:
        ref = lookup[lookup["district"].isin(districts) | lookup["district"].isna()]
    return ref[~ref["terminated"]].dropna(subset=["easting"])


#: Stages of a run, in order; ``run(until=...)`` stops after one.
STAGES: tuple[str, ...] = ("units", "lots", "cost", "report")

#: Where a run is saved inside its processed folder (read it back with :func:`read_run`).
RUN_FOLDER = "run"


def _as_spec(spec: RunSpec | str | Path) -> RunSpec:
    return spec if isinstance(spec, RunSpec) else load_spec(spec)


def check(spec: RunSpec | str | Path, *, quiet: bool = False, stream=None) -> Extract:
    """Check a spec and its inputs without designing anything (``lotdesign check``).

    Reads the spec (every problem at once), then reads, validates and geocodes the extract
    and reads the practice and provider files, printing the reconciliation of rows and hours.

    Returns
    -------
    lotdesign.io.packages.Extract
        The checked extract.

    Raises
    ------
    lotdesign.ValidationError
        A bad spec or unreadable inputs.
    """
    spec = _as_spec(spec)
    progress = Progress(3, stream=stream, quiet=quiet)
    progress.say(f"lotdesign check: {spec.name}")
    spec.design_options()  # the rules' CSV files are read here, so their errors show now
    extract, lookup = _read_extract(spec, progress)
    with progress.step("Reading practices and providers"):
        _read_places(spec, lookup)
    progress.say(extract.reconciliation_text())
    for note in extract.notes:
        progress.say(f"  note: {note}")
    return extract


def run(
    spec: RunSpec | str | Path,
    *,
    quiet: bool = False,
    stream=None,
    until: str | None = None,
    write: bool = True,
) -> Run:
    """Run the chain for a spec and write its outputs.

    Stages: read and validate the extract, geocode, build demand units (``units.gpkg``);
    design Tier 1 lots, Tier 2 zones and the Tier 4 reserve, check every lot
    (``lots.gpkg``, ``lot_summary.csv``); model cost and the market (``cost_summary.csv``,
    ``market_summary.csv``); draw the maps and write the report (``lots_map.html``,
    ``lots.png``/``.svg``, ``report.docx``/``.html``, ``tables.xlsx``); and scan everything
    in the reports folder for personal data. The run is saved to ``processed/run``
    (:func:`lotdesign.read_run` reads it back).

    Parameters
    ----------
    spec
        A :class:`~lotdesign.spec.RunSpec` or the path of a YAML config.
    quiet
        Print nothing.
    stream
        Where progress goes (default: standard error).
    until
        Stop after this stage: one of :data:`STAGES`. None runs everything.
    write
        Write the outputs (the default). ``False`` keeps everything in memory, as notebooks
        exploring one stage want; the report stage always writes.

    Returns
    -------
    Run

    Raises
    ------
    lotdesign.ValidationError
        Bad config or inputs, or personal data found in the reports folder.
    """
    if until is not None and until not in STAGES:
        raise ValidationError(f"until must be one of {', '.join(STAGES)}; got {until!r}.")
    spec = _as_spec(spec)
    last = STAGES.index(until) if until is not None else len(STAGES) - 1
    if not write and last >= STAGES.index("report"):
        raise ValidationError("the report stage writes files: use write=True or until='cost'.")
    steps = (4 if write else 3) + 2 * last + (1 if last >= 3 else 0)
    progress = Progress(steps, stream=stream, quiet=quiet)
    label = "  [SYNTHETIC DATA]" if spec.synthetic else ""
    progress.say(f"lotdesign run: {spec.name}{label}")
    # Options are built before the long steps so a bad rule or missing CSV fails at once.
    options = spec.design_options() if last >= 1 else None
    extract, lookup = _read_extract(spec, progress)
    paths: dict[str, Path] = {}
    if write:
        paths.update(extract.write(spec.outputs.processed))

    with progress.step(f"Building {spec.units.replace('_', ' ')} units"):
        practices, providers, boundaries = _read_places(spec, lookup)
        districts = sorted(extract.customers["district"].dropna().unique())
        reference = None
        if extract.customers["rurality"].isna().any():
            reference = _reference_postcodes(spec, lookup, districts)
        units, customers = make_units(
            extract.customers,
            unit_type=spec.units,
            boundaries=boundaries,
            practices=practices,
            reference_postcodes=reference,
        )
    if write:
        with progress.step("Writing units"):
            paths["units"] = write_units(units, spec.outputs.processed / "units.gpkg")
    progress.say(
        f"{len(units)} {spec.units.replace('_', ' ')} units, "
        f"{int(units['customers'].sum()):,} customers, {units['hours'].sum():,.1f} hours a week"
    )
    result = Run(
        spec=spec,
        extract=extract,
        units=units,
        customers=customers,
        packages=_lines_with_units(extract.packages, customers),
        practices=practices,
        providers=providers,
        lookup=lookup,
        paths=paths,
        timings=progress.timings,
    )
    if last >= 1:
        _lots_stage(result, progress, options, write=write)
    if last >= 2:
        _cost_stage(result, progress, write=write)
    if last >= 3:
        _report_stage(result, progress)
    if write:
        result.paths["run"] = spec.outputs.processed / RUN_FOLDER
        result.save(result.paths["run"])
    return result


def _read_extract(spec: RunSpec, progress: Progress) -> tuple[Extract, pd.DataFrame]:
    inputs = spec.inputs
    columns = inputs.columns.given()
    with progress.step(f"Reading {inputs.packages.name}"):
        raw = read_extract(inputs.packages, columns=columns, sheet=inputs.sheet)
        postcode_col = raw[raw.attrs["mapping"]["postcode"]]
        wanted = set(
            pc.normalise_series(
                postcode_col.map(lambda v: v if isinstance(v, str) else None)
            ).dropna()
        )
    which = "packaged" if inputs.postcode_lookup == "packaged" else "given"
    with progress.step(f"Geocoding with the {which} postcode lookup"):
        extra_postcodes: list[str] = []
        if inputs.gp_practices is not None:
            practices_raw = pd.read_csv(inputs.gp_practices, header=None, dtype=str, usecols=[9])
            extra_postcodes += list(pc.normalise_series(practices_raw[9]).dropna())
        if inputs.providers is not None:
            prov = pd.read_csv(inputs.providers, dtype=str)
            for col in prov.columns:
                if "postcode" in col.lower():
                    extra_postcodes += list(pc.normalise_series(prov[col]).dropna())
        lookup = _lookup_for(spec, sorted(wanted | set(extra_postcodes)))
        kwargs = {}
        if inputs.max_weekly_hours is not None:
            kwargs["max_weekly_hours"] = inputs.max_weekly_hours
        extract = validate_extract(raw, lookup=lookup, as_of=inputs.as_of, **kwargs)
    progress.say(extract.reconciliation_text())
    return extract, lookup


def _read_places(spec: RunSpec, lookup: pd.DataFrame):
    """GP practices (with PCNs), provider offices and boundaries, where the spec gives them."""
    inputs = spec.inputs
    practices = None
    if inputs.gp_practices is not None:
        practices = read_epraccur(inputs.gp_practices, lookup=lookup)
        if inputs.epcn is not None:
            practices = practices.merge(read_epcn(inputs.epcn), on="code", how="left")
    providers = read_providers(inputs.providers, lookup) if inputs.providers is not None else None
    boundaries = (
        read_boundaries(inputs.boundaries, layer=inputs.boundary_layer)
        if inputs.boundaries is not None
        else None
    )
    return practices, providers, boundaries


def _lines_with_units(packages: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Package lines with their customer's demand unit and rurality (for market analysis)."""
    placed = customers[["customer_id", "unit_id", "rurality"]]
    return packages.drop(columns=["rurality"], errors="ignore").merge(
        placed, on="customer_id", how="left"
    )


def _lots_stage(result: Run, progress: Progress, options: dict, *, write: bool) -> None:
    from lotdesign import checks, lots, tiers

    spec, units = result.spec, result.units
    matrix = options["matrix"]
    with progress.step("Designing Tier 1 lots"):
        plan = lots.design(units, **options)
    with progress.step("Tier 2 zones, Tier 3, the Tier 4 reserve and rule checks"):
        tier_plan = tiers.assign_tiers(units, plan, matrix=matrix, **spec.tier_options())
        table, summary = checks.check_plan(
            units,
            tier_plan.assignment,
            rules=plan.rules,
            tier2_rules=spec.tier2_rules(),
            customers=result.customers,
            centres=tier_plan.lots,
            matrix=matrix,
        )
        polygons = checks.lot_polygons(units, tier_plan.assignment, table)
    result.plan, result.tiers = plan, tier_plan
    result.checks = Checks(table=table, summary=summary, polygons=polygons)
    if write:
        processed, reports = spec.outputs.processed, spec.outputs.reports
        gpkg = processed / "lots.gpkg"
        if gpkg.exists():
            gpkg.unlink()
        unit_layer = units[["unit_id", "name", "hours", "customers", "geometry"]].merge(
            tier_plan.assignment[["unit_id", "lot_id", "tier"]], on="unit_id", how="left"
        )
        unit_layer.to_file(gpkg, layer="units", driver="GPKG")
        _gpkg_safe(polygons).to_file(gpkg, layer="lots", driver="GPKG")
        result.paths["lots"] = gpkg
        reports.mkdir(parents=True, exist_ok=True)
        result.paths["lot_summary"] = _write_shared_csv(table, reports / "lot_summary.csv", spec)
    s = tier_plan.summary
    t1 = s.loc[1] if 1 in s.index else None
    if t1 is not None:
        progress.say(
            f"Tier 1: {int(t1['lots'])} lots holding {t1['share_hours']:.0%} of weekly hours "
            f"(the West Sussex design: {settings.SEED_TIER1_AREAS} areas, "
            f"{settings.SEED_TIER1_SHARE:.0%}); "
            f"{int(table['passes'].sum())}/{len(table)} lots and zones pass every rule"
        )
    for reason in tier_plan.reasons[:5]:
        progress.say(f"  note: {reason}")


def _cost_stage(result: Run, progress: Progress, *, write: bool) -> None:
    from lotdesign import cost, market

    spec = result.spec
    assignment = result.tiers.assignment
    packages = result.packages
    params = spec.cost_params()
    projection_options = spec.cost.projection.given()
    with progress.step("Cost model: current vs proposed, projection, sensitivity"):
        scenario = cost.proposed_scenario(result.customers, assignment, packages=packages, **params)
        swing = {} if spec.cost.tornado_swing is None else {"swing": spec.cost.tornado_swing}
        result.cost = CostResult(
            scenario=scenario,
            summary=cost.cost_summary(scenario),
            projection=cost.project(scenario, **projection_options),
            tornado=cost.tornado(
                result.customers, assignment, packages=packages, **params, **swing
            ),
            payments=cost.payment_models(scenario, params=spec.payment_params()),
        )
        if write:
            result.paths["cost_summary"] = _write_shared_csv(
                result.cost.summary, spec.outputs.reports / "cost_summary.csv", spec
            )
    with progress.step("Market analysis"):
        result.market = market.market_summary(
            packages, result.customers, assignment, **spec.market_options()
        )
        if write:
            result.paths["market_summary"] = _write_shared_csv(
                result.market, spec.outputs.reports / "market_summary.csv", spec
            )
    county = result.cost.summary.query("level == 'county'").iloc[0]
    progress.say(
        f"Cost per customer-week: £{county['cost_per_customer_week_current']:,.2f} now, "
        f"£{county['cost_per_customer_week_proposed']:,.2f} proposed "
        f"({county['change_pct']:+.1f}%); weekly spend now £{county['weekly_spend_current']:,.0f} "
        f"(extract: £{scenario.attrs.get('extract_weekly_cost', float('nan')):,.0f}, "
        f"imputed £{scenario.attrs.get('imputed_weekly_cost', 0.0):,.0f})"
    )


def _report_stage(result: Run, progress: Progress) -> None:
    import geopandas as gpd

    from lotdesign import disclosure, maps, report

    spec = result.spec
    out = spec.outputs.reports
    max_count = spec.disclosure.suppress_max_count
    with progress.step("Maps"):
        polygons = result.checks.polygons.copy()
        by_lot = result.cost.summary.query("level == 'lot'").set_index("area")
        polygons["cost_per_customer_week_now"] = polygons["lot_id"].map(
            by_lot["cost_per_customer_week_current"]
        )
        polygons["cost_per_customer_week_proposed"] = polygons["lot_id"].map(
            by_lot["cost_per_customer_week_proposed"]
        )
        polygons["radius_miles"] = polygons["max_miles"]
        polygons = polygons[polygons.geometry.notna()]
        assignment = result.tiers.assignment
        unit_polys = (
            result.units[["unit_id", "name", "geometry"]]
            .merge(assignment[["unit_id", "lot_id", "tier"]], on="unit_id")
            .rename(columns={"name": "unit_name"})
        )
        outline = spec.inputs.outline
        outline = read_boundaries(outline) if outline is not None else None
        practices = offices = None
        if result.practices is not None:
            p = result.practices[result.practices["is_open"]].dropna(subset=["easting"])
            practices = gpd.GeoDataFrame(
                {"practice_name": p["name"].to_numpy()},
                geometry=gpd.points_from_xy(p["easting"], p["northing"]),
                crs=settings.CRS_BNG,
            )
        if result.providers is not None and "easting" in result.providers:
            o = result.providers.dropna(subset=["easting"])
            offices = gpd.GeoDataFrame(
                {"provider_name": o["provider"].to_numpy()},
                geometry=gpd.points_from_xy(o["easting"], o["northing"]),
                crs=settings.CRS_BNG,
            )
        common = dict(
            outline=outline,
            practices=practices,
            offices=offices,
            title=spec.title,
            synthetic=spec.synthetic,
        )
        maps.lots_map(
            polygons, unit_polys, path=out / "lots_map.html", max_count=max_count, **common
        )
        result.paths["lots_map"] = out / "lots_map.html"
        static = maps.static_map(polygons, unit_polys, path=out / "lots.png", **common)
        result.paths.update({f"static_map_{p.suffix[1:]}": p for p in static})
    with progress.step("Report and tables"):
        inputs = report.ReportInputs(
            title=spec.title,
            synthetic=spec.synthetic,
            as_of=spec.inputs.as_of,
            generated=spec.inputs.as_of or _today(),
            parameters=_parameters(spec),
            data_sources=_data_sources(result),
            reconciliation=result.extract.reconciliation,
            tier_summary=result.tiers.summary,
            lot_table=result.checks.table,
            plan_summary=result.checks.summary,
            cost_summary=result.cost.summary,
            projection=result.cost.projection,
            tornado=result.cost.tornado,
            payment_models=result.cost.payments,
            market_summary=result.market,
            static_map_png=out / "lots.png",
            caveats=tuple(result.tiers.reasons[:10]),
        )
        written = report.write_report(inputs, out, formats=spec.report.formats, max_count=max_count)
        result.paths.update({f"report_{k}": v for k, v in written.items()})
        result.paths["tables"] = report.write_tables(
            inputs, out / "tables.xlsx", max_count=max_count
        )
    with progress.step("Scanning the reports folder for personal data"):
        disclosure.scan_for_personal_data(
            out,
            customer_ids=result.extract.packages["customer_id"].unique(),
            postcodes=result.extract.packages["postcode"].unique(),
            raise_if_found=True,
        )


def _gpkg_safe(frame):
    """GeoPackage columns must be plain types: lists and dicts become text."""
    out = frame.copy()
    for col in out.columns:
        if col != out.geometry.name and out[col].map(lambda v: isinstance(v, list | dict)).any():
            out[col] = out[col].map(
                lambda v: "; ".join(map(str, v)) if isinstance(v, list) else str(v)
            )
    return out


def _write_shared_csv(frame: pd.DataFrame, path: Path, spec: RunSpec) -> Path:
    """Write a table that leaves the analyst's machine, under the report's own control."""
    from lotdesign import report

    path.parent.mkdir(parents=True, exist_ok=True)
    shared = report.shareable_table(
        frame, path.stem.replace("_", " "), max_count=spec.disclosure.suppress_max_count
    )
    shared.to_csv(path, index=False)
    return path


def _today():
    import datetime as dt

    return dt.date.today()


#: Spec keys whose default is a named setting: the report shows the setting's source.
SPEC_SETTINGS: dict[str, str] = {
    **{
        f"rules.{k}": f"LOT_{k.upper()}"
        for k in (
            "min_hours",
            "max_hours",
            "min_customers",
            "max_customers",
            "max_radius_miles",
            "max_drive_minutes",
            "contiguous",
            "target_tolerance",
        )
    },
    **{
        f"rules.tier2.{k}": f"TIER2_{k.upper()}"
        for k in (
            "min_hours",
            "max_hours",
            "min_customers",
            "max_customers",
            "max_radius_miles",
            "max_drive_minutes",
            "contiguous",
        )
    },
    "rules.tier4_reserve_share": "TIER4_RESERVE_SHARE",
    "travel.circuity": "ROAD_CIRCUITY",
    "travel.speed_mph": "SPEED_MPH",
    "disclosure.max_count": "SUPPRESS_MAX_COUNT",
}


def _parameters(spec: RunSpec) -> pd.DataFrame:
    """Every setting with its source; what the spec changed is marked as set for the run."""
    from lotdesign import report

    overrides: dict[str, object] = {}
    others = []
    for key, value in spec.changed().items():
        name = SPEC_SETTINGS.get(key)
        if name is not None and hasattr(settings, name):
            overrides[name] = value
        else:
            others.append(("Run options", key, str(value), "set for this run"))
    frame = report.parameters_from_settings(overrides=overrides or None)
    if others:
        extra = pd.DataFrame(others, columns=["section", "parameter", "value", "source"])
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame


def _data_sources(result: Run) -> list[tuple[str, str]]:
    inputs = result.spec.inputs
    sources = [
        ("Care-package extract", f"{inputs.packages.name}, as of {inputs.as_of or 'all rows'}"),
        ("Postcode lookup", result.extract.lookup_source + ", OGL v3.0"),
    ]
    if result.practices is not None:
        sources.append(("GP practices", f"{result.practices.attrs.get('source', 'epraccur')}"))
    if inputs.boundaries is not None:
        sources.append(("Boundaries", inputs.boundaries.name))
    if result.spec.synthetic:
        sources.insert(0, ("SYNTHETIC DATA", "people, providers and practices are made up"))
    return sources


def build_demo_units(*, seed: int | None = None, unit_type: str = "postcode_sector"):
    """Generate the demo county in a temporary folder and return its demand units.

    For benchmarks and examples that need realistic units without writing into the project.
    """
    from lotdesign.datasets.demo import make_demo

    with tempfile.TemporaryDirectory() as tmp:
        files = make_demo(
            Path(tmp) / "raw",
            seed=seed,
            processed_dir=Path(tmp) / "processed",
            reports_dir=Path(tmp) / "reports",
        )
        spec = load_spec(files.config).model_copy(update={"units": unit_type})
        return run(spec, quiet=True, until="units", write=False).units


#: Where ``make demo`` and :func:`demo_run` put the demo county, from the project folder.
DEMO_INPUTS = Path("data/demo")
DEMO_REPORTS = Path("reports/demo")


def demo_run(root: str | Path = ".", *, quiet: bool = True) -> Run:
    """The synthetic demo county's saved run, generated and run the first time.

    Inputs go to ``ROOT/data/demo``, the run to ``ROOT/data/demo/processed/run`` and shared
    outputs to ``ROOT/reports/demo``: never where a user's own extract goes. A lock keeps
    notebooks started together from running the demo twice at once.
    """
    from lotdesign.datasets.demo import ensure_demo

    root = Path(root)
    inputs = root / DEMO_INPUTS
    saved = inputs / "processed" / RUN_FOLDER
    inputs.mkdir(parents=True, exist_ok=True)
    with _lock(inputs / ".run.lock"):
        if not (saved / "manifest.json").exists():
            config = ensure_demo(
                inputs, processed_dir=inputs / "processed", reports_dir=root / DEMO_REPORTS
            )
            run(config, quiet=quiet)
    return read_run(saved)


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    with open(path, "w") as handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows: no lock; the race only wastes time
            pass
        yield
