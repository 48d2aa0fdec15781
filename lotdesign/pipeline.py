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
from lotdesign.errors import ValidationError
from lotdesign.io.boundaries import read_boundaries
from lotdesign.io.lookups import geocode, read_postcode_lookup
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
    packages: pd.DataFrame | None = None
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


#: Rule keys a config's ``rules:`` may hold, beyond :class:`lotdesign.lots.LotRules` fields.
RULE_OPTIONS: tuple[str, ...] = (
    "target_lots",
    "locked",
    "start_plan",
    "travel_matrix",
    "tier2",
    "search",
)

#: Lot-engine search effort a config's ``rules.search`` may ask for (see settings).
SEARCH_LEVELS: dict[str, dict[str, int]] = {
    "standard": {
        "variants": settings.RUN_LOT_VARIANTS,
        "lns_rounds": settings.RUN_LOT_LNS_ROUNDS,
        "restarts": settings.RUN_LOT_RESTARTS,
    },
    "thorough": dict(settings.RUN_LOT_THOROUGH),
}

#: Stages of a run, in order; ``run(until=...)`` stops after one.
STAGES: tuple[str, ...] = ("units", "lots", "cost", "report")


def lot_rules(config: RunConfig):
    """The Tier 1 and Tier 2 :class:`~lotdesign.lots.LotRules` and design options of a config.

    Raises
    ------
    lotdesign.ValidationError
        An unknown key under ``rules`` (naming the allowed ones) or a file that is missing.
    """
    from dataclasses import fields

    from lotdesign.lots import LotRules

    names = {f.name for f in fields(LotRules)}
    given = dict(config.rules)
    unknown = sorted(set(given) - names - set(RULE_OPTIONS))
    if unknown:
        raise ValidationError(
            f"config key 'rules.{unknown[0]}' is not a rule. Allowed: "
            f"{', '.join(sorted(names - {'speeds'}) + list(RULE_OPTIONS))}."
        )
    tier2 = given.pop("tier2", None) or {}
    if not isinstance(tier2, dict) or set(tier2) - names:
        raise ValidationError(
            f"config key 'rules.tier2' must map rule names ({', '.join(sorted(names))}) to values."
        )
    options: dict[str, Any] = {}
    search = given.pop("search", None) or "standard"
    if search not in SEARCH_LEVELS:
        raise ValidationError(
            f"config key 'rules.search' is {search!r}; use one of: {', '.join(SEARCH_LEVELS)}."
        )
    options["search"] = SEARCH_LEVELS[search]
    if "target_lots" in given:
        options["target_lots"] = given.pop("target_lots")
    base = config.path.resolve().parent if config.path is not None else Path(".")
    for key in ("locked", "start_plan", "travel_matrix"):
        value = given.pop(key, None)
        if value is None:
            continue
        path = Path(value) if Path(value).is_absolute() else base / value
        if not path.exists():
            raise ValidationError(f"config key 'rules.{key}': file {path} does not exist.")
        options[key] = pd.read_csv(path, dtype={"unit_id": str, "origin": str, "destination": str})
    rules = LotRules(**given)
    return rules, LotRules.tier2(**tier2), options


def run(
    config: RunConfig | str | Path,
    *,
    quiet: bool = False,
    stream=None,
    until: str | None = None,
    write: bool = True,
) -> RunResult:
    """Run the chain for a config and write its outputs.

    Stages: read and validate the extract, geocode, build demand units (``units.gpkg``);
    design Tier 1 lots, Tier 2 zones and the Tier 4 reserve, check every lot
    (``lots.gpkg``, ``lot_summary.csv``); model cost and the market (``cost_summary.csv``,
    ``market_summary.csv``); draw the maps and write the report (``lots_map.html``,
    ``lots.png``/``.svg``, ``report.docx``/``.html``, ``tables.xlsx``); and scan everything
    in the reports folder for personal data.

    Parameters
    ----------
    config
        A :class:`~lotdesign.config.RunConfig` or the path of a YAML config.
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
    RunResult

    Raises
    ------
    lotdesign.ValidationError
        Bad config or inputs, or personal data found in the reports folder.
    """
    if until is not None and until not in STAGES:
        raise ValidationError(f"until must be one of {', '.join(STAGES)}; got {until!r}.")
    if not isinstance(config, RunConfig):
        config = load_config(config)
    last = STAGES.index(until) if until is not None else len(STAGES) - 1
    if not write and last >= STAGES.index("report"):
        raise ValidationError("the report stage writes files: use write=True or until='cost'.")
    steps = (4 if write else 3) + 2 * last + (1 if last >= 3 else 0)
    progress = Progress(steps, stream=stream, quiet=quiet)
    label = "  [SYNTHETIC DATA]" if config.synthetic else ""
    progress.say(f"lotdesign run: {config.name}{label}")
    rules = lot_rules(config) if last >= 1 else None  # check the rules before the long steps
    paths: dict[str, Path] = {}

    with progress.step(f"Reading {config.packages.name}"):
        raw = read_extract(config.packages, columns=config.columns, sheet=config.sheet)
        postcode_col = raw[raw.attrs["mapping"]["postcode"]]
        wanted = set(
            pc.normalise_series(
                postcode_col.map(lambda v: v if isinstance(v, str) else None)
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
        if write:
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
    if write:
        with progress.step("Writing units"):
            paths["units"] = write_units(units, config.processed / "units.gpkg")
    progress.say(
        f"{len(units)} {config.units.replace('_', ' ')} units, "
        f"{int(units['customers'].sum()):,} customers, {units['hours'].sum():,.1f} hours a week"
    )
    result = RunResult(
        config=config,
        extract=extract,
        units=units,
        customers=customers,
        packages=_lines_with_units(extract.packages, customers),
        practices=practices,
        providers=providers,
        lookup=lookup,
        paths=paths,
        timings=progress.timings,
        extras={"write": write},
    )
    if last >= 1:
        _lots_stage(result, progress, rules)
    if last >= 2:
        _cost_stage(result, progress)
    if last >= 3:
        _report_stage(result, progress)
    return result


def _lines_with_units(packages: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Package lines with their customer's demand unit and rurality (for market analysis)."""
    placed = customers[["customer_id", "unit_id", "rurality"]]
    return packages.drop(columns=["rurality"], errors="ignore").merge(
        placed, on="customer_id", how="left"
    )


def _lots_stage(result: RunResult, progress: Progress, rules) -> None:
    from lotdesign import checks, lots, tiers

    config, units = result.config, result.units
    tier1, tier2, options = rules
    matrix = options.get("travel_matrix")
    with progress.step("Designing Tier 1 lots"):
        plan = lots.design(
            units,
            rules=tier1,
            seed=config.seed,
            target_lots=options.get("target_lots"),
            locked=options.get("locked"),
            start=options.get("start_plan"),
            matrix=matrix,
            **options["search"],
        )
    with progress.step("Tier 2 zones, Tier 3, the Tier 4 reserve and rule checks"):
        tier_plan = tiers.assign_tiers(
            units, plan, tier2_rules=tier2, seed=config.seed, matrix=matrix
        )
        table, summary = checks.check_plan(
            units,
            tier_plan.assignment,
            rules=tier1,
            tier2_rules=tier2,
            customers=result.customers,
            centres=tier_plan.lots,
            matrix=matrix,
        )
        polygons = checks.lot_polygons(units, tier_plan.assignment, table)
    result.extras.update(
        plan=plan,
        tier_plan=tier_plan,
        lot_table=table,
        plan_summary=summary,
        lot_polygons=polygons,
    )
    if result.extras["write"]:
        gpkg = config.processed / "lots.gpkg"
        if gpkg.exists():
            gpkg.unlink()
        unit_layer = units[["unit_id", "name", "hours", "customers", "geometry"]].merge(
            tier_plan.assignment[["unit_id", "lot_id", "tier"]], on="unit_id", how="left"
        )
        unit_layer.to_file(gpkg, layer="units", driver="GPKG")
        _gpkg_safe(polygons).to_file(gpkg, layer="lots", driver="GPKG")
        result.paths["lots"] = gpkg
        config.reports.mkdir(parents=True, exist_ok=True)
        result.paths["lot_summary"] = _write_shared_csv(
            table.drop(columns=["centre_id"], errors="ignore"), config.reports / "lot_summary.csv"
        )
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


def _cost_stage(result: RunResult, progress: Progress) -> None:
    from lotdesign import cost, market

    config = result.config
    assignment = result.extras["tier_plan"].assignment
    packages = result.packages
    with progress.step("Cost model: current vs proposed, projection, sensitivity"):
        scenario = cost.proposed_scenario(result.customers, assignment, packages=packages)
        summary = cost.cost_summary(scenario)
        projection = cost.project(scenario)
        tornado = cost.tornado(result.customers, assignment, packages=packages)
        payments = cost.payment_models(scenario)
        if result.extras["write"]:
            result.paths["cost_summary"] = _write_shared_csv(
                summary, config.reports / "cost_summary.csv"
            )
    with progress.step("Market analysis"):
        market_table = market.market_summary(packages, result.customers, assignment)
        if result.extras["write"]:
            result.paths["market_summary"] = _write_shared_csv(
                market_table, config.reports / "market_summary.csv"
            )
    result.extras.update(
        scenario=scenario,
        cost_summary=summary,
        projection=projection,
        tornado=tornado,
        payment_models=payments,
        market_summary=market_table,
    )
    county = summary[summary["level"] == "county"].iloc[0]
    progress.say(
        f"Cost per customer-week: £{county['cost_per_customer_week_current']:,.2f} now, "
        f"£{county['cost_per_customer_week_proposed']:,.2f} proposed "
        f"({county['change_pct']:+.1f}%); weekly spend now £{county['weekly_spend_current']:,.0f} "
        f"(extract: £{scenario.attrs.get('extract_weekly_cost', float('nan')):,.0f}, "
        f"imputed £{scenario.attrs.get('imputed_weekly_cost', 0.0):,.0f})"
    )


def _report_stage(result: RunResult, progress: Progress) -> None:
    import geopandas as gpd

    from lotdesign import disclosure, maps, report
    from lotdesign.io.boundaries import read_boundaries as _read_boundaries

    config, extras = result.config, result.extras
    out = config.reports
    title = f"{config.name}: home-care lots"
    with progress.step("Maps"):
        polygons = extras["lot_polygons"].copy()
        by_lot = extras["cost_summary"]
        by_lot = by_lot[by_lot["level"] == "lot"].set_index("area")
        polygons["cost_per_customer_week_now"] = polygons["lot_id"].map(
            by_lot["cost_per_customer_week_current"]
        )
        polygons["cost_per_customer_week_proposed"] = polygons["lot_id"].map(
            by_lot["cost_per_customer_week_proposed"]
        )
        polygons["radius_miles"] = polygons["max_miles"]
        polygons = polygons[polygons.geometry.notna()]
        assignment = extras["tier_plan"].assignment
        unit_polys = (
            result.units[["unit_id", "name", "geometry"]]
            .merge(assignment[["unit_id", "lot_id", "tier"]], on="unit_id")
            .rename(columns={"name": "unit_name"})
        )
        outline = _read_boundaries(config.outline) if config.outline is not None else None
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
            title=title,
            synthetic=config.synthetic,
        )
        maps.lots_map(polygons, unit_polys, path=out / "lots_map.html", **common)
        result.paths["lots_map"] = out / "lots_map.html"
        static = maps.static_map(polygons, unit_polys, path=out / "lots.png", **common)
        result.paths.update({f"static_map_{p.suffix[1:]}": p for p in static})
    with progress.step("Report and tables"):
        inputs = report.ReportInputs(
            title=title,
            synthetic=config.synthetic,
            as_of=config.as_of,
            generated=config.as_of or _today(),
            parameters=_parameters(config),
            data_sources=_data_sources(result),
            reconciliation=result.extract.reconciliation,
            tier_summary=extras["tier_plan"].summary,
            lot_table=extras["lot_table"],
            plan_summary=extras["plan_summary"],
            cost_summary=extras["cost_summary"],
            projection=extras["projection"],
            tornado=extras["tornado"],
            payment_models=extras["payment_models"],
            market_summary=extras["market_summary"],
            static_map_png=out / "lots.png",
            caveats=tuple(extras["tier_plan"].reasons[:10]),
        )
        written = report.write_report(inputs, out, formats=("docx", "html", "pdf"))
        result.paths.update({f"report_{k}": v for k, v in written.items()})
        result.paths["tables"] = report.write_tables(inputs, out / "tables.xlsx")
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


def _write_shared_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table that leaves the analyst's machine: counts of 1-7 people suppressed."""
    from lotdesign import disclosure

    path.parent.mkdir(parents=True, exist_ok=True)
    disclosure.suppress_counts(frame).to_csv(path, index=False)
    return path


def _today():
    import datetime as dt

    return dt.date.today()


_RULE_SETTINGS = {
    "min_hours": "MIN_HOURS",
    "max_hours": "MAX_HOURS",
    "min_customers": "MIN_CUSTOMERS",
    "max_customers": "MAX_CUSTOMERS",
    "max_radius_miles": "MAX_RADIUS_MILES",
    "max_drive_minutes": "MAX_DRIVE_MINUTES",
    "contiguous": "CONTIGUOUS",
}


def _parameters(config: RunConfig) -> pd.DataFrame:
    """Every setting with its source; rules the config changed are marked as set for the run."""
    from lotdesign import report

    overrides: dict[str, Any] = {}
    others = []
    for key, value in config.rules.items():
        if key == "tier2":
            for k2, v2 in value.items():
                if k2 in _RULE_SETTINGS and hasattr(settings, f"TIER2_{_RULE_SETTINGS[k2]}"):
                    overrides[f"TIER2_{_RULE_SETTINGS[k2]}"] = v2
        elif key in _RULE_SETTINGS and hasattr(settings, f"LOT_{_RULE_SETTINGS[key]}"):
            overrides[f"LOT_{_RULE_SETTINGS[key]}"] = value
        else:
            others.append(("Run options", f"rules.{key}", str(value), "set for this run"))
    frame = report.parameters_from_settings(overrides=overrides or None)
    if others:
        extra = pd.DataFrame(others, columns=["section", "parameter", "value", "source"])
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame


def _data_sources(result: RunResult) -> list[tuple[str, str]]:
    config = result.config
    sources = [
        ("Care-package extract", f"{config.packages.name}, as of {config.as_of or 'all rows'}"),
        ("Postcode lookup", result.extract.lookup_source + ", OGL v3.0"),
    ]
    if result.practices is not None:
        sources.append(("GP practices", f"{result.practices.attrs.get('source', 'epraccur')}"))
    if config.boundaries is not None:
        sources.append(("Boundaries", config.boundaries.name))
    if config.synthetic:
        sources.insert(0, ("SYNTHETIC DATA", "people, providers and practices are made up"))
    return sources


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
