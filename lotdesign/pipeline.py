"""The whole chain for one run spec: read, validate, geocode, units, lots, cost, report.

``run(spec)`` is what ``lotdesign run CONFIG.yaml`` calls, and ``check(spec)`` what
``lotdesign check`` calls. ``run`` prints progress (one line per step with its time), saves
the run to ``processed/run`` and returns a :class:`~lotdesign.results.Run`.

Why one long module: it is the glue of every stage of one run, in the order they run, so the
run reads top to bottom in one file; the work itself lives in the stage modules.
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
from lotdesign.io.packages import (
    Extract,
    candidate_postcodes,
    read_extract,
    validate_extract,
)
from lotdesign.io.practices import read_epcn, read_epraccur
from lotdesign.results import Checks, CostResult, Run, read_run
from lotdesign.spec import RunSpec, load_spec
from lotdesign.units import make_units, write_units

__all__ = ["STAGES", "Progress", "check", "continue_run", "read_run", "run"]


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
    if last >= 1:  # the policy comparison, and routing on the roads when given
        steps += 1 + (spec.travel.roads is not None)
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
        # Every live postcode of the area: the density proxy for rurality, and the land that
        # unit cells are cut to without a boundary file (units touch over land, not water).
        reference = None
        if extract.customers["rurality"].isna().any() or boundaries is None:
            reference = _reference_postcodes(spec, lookup, districts)
        units, customers = make_units(
            extract.customers,
            unit_type=spec.units,
            boundaries=boundaries,
            practices=practices,
            reference_postcodes=reference,
            land_closing_m=spec.inputs.land_closing_m,
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
    if reference is not None:
        # The same postcodes draw the shared maps' public geography: read them once.
        result.__dict__["_area_postcodes"] = reference
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


def continue_run(
    base: Run,
    spec: RunSpec,
    *,
    until: str = "cost",
    matrix: pd.DataFrame | None = None,
    compare_policies: bool = True,
    quiet: bool = True,
    stream=None,
) -> Run:
    """The lots stage (and the cost stage) of ``spec`` on the units of ``base``, in memory.

    What :func:`run` does after the units stage, for a spec that reads the same inputs as
    ``base.spec`` (a scenario of a sweep, :mod:`lotdesign.sweep`): the extract, units and
    customers are taken from ``base``, not read again. Nothing is written.

    Parameters
    ----------
    base
        A run holding at least the units stage (``run(..., until="units")``).
    spec
        The spec to design with; its inputs and unit type must be ``base.spec``'s.
    until
        ``"lots"`` or ``"cost"``.
    matrix
        Drive times already built for these units (``travel.roads`` is then not routed again).
    compare_policies
        Design under every lot-size policy too (``plan.stats["policy_tradeoff"]``), as
        :func:`run` does.
    quiet, stream
        As for :func:`run`.

    Returns
    -------
    Run
        A new run: ``base``'s inputs with ``spec``'s lots (and cost).
    """
    if until not in ("lots", "cost"):
        raise ValidationError(f"until must be 'lots' or 'cost'; got {until!r}.")
    if spec.inputs != base.spec.inputs or spec.units != base.spec.units:
        raise ValidationError("continue_run needs a spec with the same inputs and unit type.")
    last = STAGES.index(until)
    progress = Progress(2 * last + int(compare_policies), stream=stream, quiet=quiet)
    result = Run(
        spec=spec,
        extract=base.extract,
        units=base.units,
        customers=base.customers,
        packages=base.packages,
        practices=base.practices,
        providers=base.providers,
        lookup=base.lookup,
        timings=progress.timings,
    )
    _lots_stage(result, progress, {}, write=False, matrix=matrix, compare_policies=compare_policies)
    if last >= 2:
        _cost_stage(result, progress, write=False)
    return result


def _read_extract(spec: RunSpec, progress: Progress) -> tuple[Extract, pd.DataFrame]:
    inputs = spec.inputs
    columns = inputs.columns.given()
    with progress.step(f"Reading {inputs.packages.name}"):
        raw = read_extract(
            inputs.packages,
            columns=columns,
            sheet=inputs.sheet,
            header_row=inputs.header_row,
            encoding=inputs.encoding,
            delimiter=inputs.delimiter,
        )
        wanted = candidate_postcodes(raw)
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
        extract = validate_extract(
            raw,
            lookup=lookup,
            as_of=inputs.as_of,
            max_weekly_hours=inputs.max_weekly_hours,
            hours_unit=inputs.hours_unit,
            hours_per=inputs.hours_per,
            decimal_mark=inputs.decimal_mark,
            cost_meaning=inputs.cost_meaning,
            date_order=inputs.date_order,
        )
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


def _lots_stage(
    result: Run,
    progress: Progress,
    options: dict,
    *,
    write: bool,
    matrix: pd.DataFrame | None = None,
    compare_policies: bool = True,
) -> None:
    from lotdesign import checks, lots, tiers

    spec, units = result.spec, result.units
    if matrix is not None:  # drive times already built (a sweep builds them once per input)
        no_roads = spec.travel.model_copy(update={"roads": None})
        options = spec.model_copy(update={"travel": no_roads}).design_options(result)
        options["matrix"] = matrix
    elif spec.travel.roads is not None:
        with progress.step(f"Road drive times from {spec.travel.roads.name}"):
            options = spec.design_options(result)
        progress.say(_road_note(options["matrix"]))
    else:
        options = spec.design_options(result)
    matrix = options["matrix"]
    with progress.step("Designing Tier 1 lots"):
        plan = lots.design(units, **options)
    tradeoff = None
    if compare_policies:
        with progress.step("Lot-size policies compared"):
            policy = plan.stats.get("policy", "compact")
            if options.get("target_lots") is not None and policy == "compact":
                policy = "target"
            tradeoff = lots.policy_tradeoff(units, done={policy: plan}, **options)
            plan.stats["policy_tradeoff"] = tradeoff.to_dict(orient="records")
        progress.say(_tradeoff_text(tradeoff, policy))
    with progress.step("Tier 2 zones, Tier 3, the Tier 4 reserve and rule checks"):
        tier_plan = tiers.assign_tiers(units, plan, matrix=matrix, **spec.tier_options(result))
        table, summary = checks.check_plan(
            units,
            tier_plan.assignment,
            rules=plan.rules,
            tier2_rules=spec.tier2_rules(),
            customers=result.customers,
            centres=tier_plan.lots,
            matrix=matrix,
            within=options.get("within"),
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
        result.paths["lot_summary"] = _write_shared_csv(table, reports / "lot_summary.csv", result)
        if tradeoff is not None:
            result.paths["policy_tradeoff"] = _write_shared_csv(
                tradeoff, reports / "policy_tradeoff.csv", result
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


def _road_note(matrix: pd.DataFrame) -> str:
    """One line on a road matrix: pairs, cut-off, time taken, attribution."""
    a = matrix.attrs
    how = "read from the cache" if "seconds" not in a else f"routed in {a['seconds']:.1f} s"
    return (
        f"  road drive times: {len(matrix):,} pairs within {a.get('cutoff_minutes', 0):g} min, "
        f"{how}; {a.get('attribution', settings.OSM_ATTRIBUTION)}"
    )


def _tradeoff_text(table: pd.DataFrame, chosen: str) -> str:
    """The policy trade-off as a few printed lines."""
    lines = ["Lot-size policies (Tier 1 lots, share of hours, mean hours, mean min/hour):"]
    for row in table.itertuples():
        mark = "*" if row.policy == chosen else " "
        lines.append(
            f"  {mark} {row.policy:<8} {row.lots:>4} lots  {row.tier1_share:6.1%}  "
            f"{row.mean_hours:7,.0f} h  {row.mean_minutes:5.1f} min  "
            f"{row.lots_over_after_growth} over the ceiling after growth"
        )
    return "\n".join(lines)


def _cost_stage(result: Run, progress: Progress, *, write: bool) -> None:
    from lotdesign import cost, market

    spec = result.spec
    assignment = result.tiers.assignment
    packages = result.packages
    columns = spec.inputs.columns
    with progress.step("Cost model: prices for the year, price policy, flow and ranges"):
        model = cost.cost_model(
            result.customers,
            assignment,
            packages=packages,
            as_of=spec.inputs.as_of,
            **spec.cost_params(),
            flow=spec.flow_params(),
            ranges=spec.range_params(),
            payment=spec.payment_params(),
            projection=spec.cost.projection.given(),
            swing=spec.cost.tornado_swing,
            seed=spec.seed,
            tier1_viable_hours=spec.lot_rules().min_hours,
            tier2_viable_hours=spec.tier2_rules().min_hours,
            hours_per_worker=spec.workforce.hours_per_worker,
            cost_column=columns.weekly_cost is not None or columns.hourly_rate is not None,
        )
        result.cost = CostResult(**{k: model[k] for k in CostResult.__dataclass_fields__})
        if write:
            reports = spec.outputs.reports
            result.paths["cost_summary"] = _write_shared_csv(
                result.cost.summary, reports / "cost_summary.csv", result
            )
            if result.cost.flow is not None:
                result.paths["cost_flow"] = _write_shared_csv(
                    result.cost.flow, reports / "cost_flow.csv", result
                )
                result.paths["cost_ranges"] = _write_shared_csv(
                    result.cost.ranges, reports / "cost_ranges.csv", result
                )
    # No provider column: no market figures at all (rather than one made-up provider).
    has_providers = "provider" in packages.columns and packages["provider"].notna().any()
    if has_providers:
        with progress.step("Market analysis"):
            result.market = market.market_summary(
                packages, result.customers, assignment, **spec.market_options()
            )
            if write:
                result.paths["market_summary"] = _write_shared_csv(
                    result.market, spec.outputs.reports / "market_summary.csv", result
                )
    else:
        progress.say("  note: the extract has no provider column, so no market analysis.")
    county = result.cost.summary.query("level == 'county'").iloc[0]
    effect = result.cost.effect
    year = effect["price_year"]
    change = (effect.get("ranges") or {}).get("change_per_customer_week")
    ranged = (
        f"; change per customer-week at full effect £{change['p10']:+,.2f} to "
        f"£{change['p90']:+,.2f} (P10-P90)"
        if change and change["p10"] is not None
        else ""
    )
    progress.say(
        f"Prices for {year['year']} (floor £{year['floor']:,.2f}); price policy: "
        f"{effect['policy']['text']}. Cost per customer-week "
        f"£{county['cost_per_customer_week_current']:,.2f} now{ranged}; weekly spend now "
        f"£{county['weekly_spend_current']:,.2f} (extract: "
        f"£{model['scenario'].attrs.get('extract_weekly_cost', float('nan')):,.2f}, "
        f"imputed £{model['scenario'].attrs.get('imputed_weekly_cost', 0.0):,.2f} on "
        f"{effect['spend']['imputed_lines']} lines)"
    )


def _report_stage(result: Run, progress: Progress) -> None:
    import geopandas as gpd

    from lotdesign import checks, disclosure, maps, report

    spec = result.spec
    out = spec.outputs.reports
    protection = _protection(result)
    max_count = protection.max_count
    (out / "QUARANTINED.txt").unlink(missing_ok=True)
    with progress.step("Maps"):
        assignment = result.tiers.assignment
        # Shared maps draw public geography only (DESIGN section 8): unit polygons from
        # boundary files or the cells of every postcode in the lookup, never around customers.
        public = _public_units(result)
        polygons = checks.lot_polygons(public, assignment, result.checks.table)
        by_lot = result.cost.summary.query("level == 'lot'").set_index("area")
        polygons["cost_per_customer_week_now"] = polygons["lot_id"].map(
            by_lot["cost_per_customer_week_current"]
        )
        polygons["cost_per_customer_week_proposed"] = polygons["lot_id"].map(
            by_lot["cost_per_customer_week_proposed"]
        )
        polygons["radius_miles"] = polygons["max_miles"]
        polygons = polygons[polygons.geometry.notna() & ~polygons.geometry.is_empty]
        unit_polys = (
            public.merge(result.units[["unit_id", "name", "district"]], on="unit_id")
            .merge(assignment[["unit_id", "lot_id", "tier"]], on="unit_id")
            .rename(columns={"name": "unit_name"})
        )
        unit_polys = unit_polys[unit_polys.geometry.notna() & ~unit_polys.geometry.is_empty]
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
        from lotdesign.report.places import district_name

        # District boundaries dissolved from the same public unit polygons, named.
        codes = unit_polys["district"].dropna().astype(str).unique()
        districts = maps.district_polygons(unit_polys, names={c: district_name(c) for c in codes})
        common = dict(
            outline=outline,
            practices=practices,
            offices=offices,
            title=spec.title,
            synthetic=spec.synthetic,
            districts=districts,
        )
        maps.lots_map(
            polygons,
            unit_polys,
            path=out / "lots_map.html",
            max_count=max_count,
            protection=protection,
            **common,
        )
        result.paths["lots_map"] = out / "lots_map.html"
        static = maps.static_map(polygons, unit_polys, path=out / "lots.png", **common)
        result.paths.update({f"static_map_{p.suffix[1:]}": p for p in static})
    with progress.step("Report and tables"):
        market = result.market
        if market is not None:
            market = disclosure.mask_provider_shares(
                market, result.packages, assignment, max_count=max_count
            )
        inputs = report.ReportInputs(
            title=spec.title,
            synthetic=spec.synthetic,
            as_of=spec.inputs.as_of,
            generated=spec.inputs.as_of or _today(),
            parameters=_parameters(spec),
            data_sources=_data_sources(result),
            reconciliation=result.extract.reconciliation,
            tier_summary=result.tiers.summary,
            lot_table=_with_districts(result.checks.table, result),
            plan_summary=result.checks.summary,
            cost_summary=result.cost.summary,
            projection=result.cost.projection,
            cost_ranges=result.cost.ranges,
            cost_flow=result.cost.flow,
            travel_benefit=result.cost.benefit,
            cost_effect=result.cost.effect,
            tornado=result.cost.tornado,
            payment_models=result.cost.payments,
            market_summary=market,
            policy_tradeoff=_policy_tradeoff(result),
            sweep_comparison=_sweep_comparison(spec),
            static_map_png=out / "lots.png",
            caveats=tuple(result.tiers.reasons[:10]),
        )
        # One control for tables and words: the report and the workbook are written from it.
        inputs = report.controlled_inputs(inputs, protection=protection)
        written = report.write_report(inputs, out, formats=spec.report.formats, max_count=max_count)
        result.paths.update({f"report_{k}": v for k, v in written.items()})
        result.paths["tables"] = report.write_tables(
            inputs, out / "tables.xlsx", max_count=max_count
        )
        # Last: it lists every column of the CSVs and the workbook written above.
        from lotdesign.report.dictionary import write_dictionary

        result.paths["dictionary"] = write_dictionary(out)
    with progress.step("Scanning the reports folder for personal data"):
        ids, postcodes = _extract_identifiers(result)
        disclosure.scan_and_quarantine(
            out,
            customer_ids=ids,
            postcodes=postcodes,
            known_postcodes=_known_postcodes(result),
            max_count=max_count,
            rounding_base=protection.rounding_base,
            quarantine_to=spec.outputs.processed / "quarantine",
        )


def _with_districts(table: pd.DataFrame, result: Run) -> pd.DataFrame:
    """The lot table with each lot's districts (ONS codes, most hours first, ``; ``-joined),
    so that the report can name where a lot is."""
    units, assignment = result.units, result.tiers.assignment
    if "district" not in units.columns or "lot_id" not in table.columns:
        return table
    hours = (
        assignment[["unit_id", "lot_id"]]
        .merge(units[["unit_id", "district", "hours"]], on="unit_id")
        .dropna(subset=["lot_id", "district"])
        .groupby(["lot_id", "district"], as_index=False)["hours"]
        .sum()
        .sort_values(["lot_id", "hours", "district"], ascending=[True, False, True])
    )
    joined = hours.groupby("lot_id")["district"].agg(lambda d: "; ".join(map(str, d)))
    return table.assign(district=table["lot_id"].map(joined))


def _policy_tradeoff(result: Run) -> pd.DataFrame | None:
    rows = (result.plan.stats or {}).get("policy_tradeoff") if result.plan is not None else None
    return pd.DataFrame(rows) if rows else None


def _protection(result: Run):
    """The run's secondary suppression (computed once, when a shared table is first written);
    its audit goes to ``processed/disclosure_audit.csv``, never to the reports."""
    from lotdesign import disclosure

    found = result.__dict__.get("_disclosure")
    if found is None:
        spec = result.spec
        areas = disclosure.plan_areas(
            result.customers,
            result.tiers.assignment if result.tiers is not None else None,
            checks_table=result.checks.table if result.checks is not None else None,
            reconciliation=result.extract.reconciliation,
            units=False,
        )
        found = disclosure.protect(
            areas,
            max_count=spec.disclosure.suppress_max_count,
            protection=spec.disclosure.protection_people,
            rounding_base=spec.disclosure.suppress_rounding_base,
        )
        result.__dict__["_disclosure"] = found
        audit = found.write_audit(spec.outputs.processed / "disclosure_audit.csv")
        result.paths["disclosure_audit"] = audit
    return found


def _public_units(result: Run):
    """The units' polygons from public geography, for shared maps."""
    from lotdesign.units import public_unit_polygons

    spec = result.spec
    boundaries = (
        read_boundaries(spec.inputs.boundaries, layer=spec.inputs.boundary_layer)
        if spec.inputs.boundaries is not None
        else None
    )
    reference = None
    if not (spec.units == "lsoa" and boundaries is not None):
        reference = _area_postcodes(result)
    return public_unit_polygons(
        result.units,
        reference,
        unit_type=spec.units,
        boundaries=boundaries,
        land_closing_m=spec.inputs.land_closing_m,
    )


def _area_postcodes(result: Run) -> pd.DataFrame:
    """Every live postcode of the districts in play (read once per run)."""
    found = result.__dict__.get("_area_postcodes")
    if found is None:
        districts = sorted(result.customers["district"].dropna().astype(str).unique())
        lookup = result.lookup
        if lookup is None:
            lookup = _lookup_for(result.spec, sorted(result.customers["postcode"].dropna()))
        found = _reference_postcodes(result.spec, lookup, districts)
        result.__dict__["_area_postcodes"] = found
    return found


def _extract_identifiers(result: Run) -> tuple[list, list]:
    """Every customer ID and postcode of the extract: used, excluded and rejected lines."""
    extract = result.extract
    given = result.spec.inputs.columns.given()
    ids, postcodes = [], []
    for frame in (extract.packages, extract.excluded, extract.rejected):
        if frame is None or not len(frame):
            continue
        for name, bucket in (("customer_id", ids), ("postcode", postcodes)):
            for column in {name, given.get(name)} - {None}:
                if column in frame.columns:
                    bucket += [_identifier(v) for v in frame[column].tolist()]
    return [v for v in ids if v], [v for v in postcodes if v]


def _identifier(value) -> str | None:
    """An ID as text, whatever type its cell was read as (``10023.0`` is ``10023``)."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else None
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value).strip() or None


def _known_postcodes(result: Run) -> list[str]:
    """Every postcode a shared file must not hold: the area's lookup and the extract's."""
    try:
        area = _area_postcodes(result)["postcode"].tolist()
    except (ValidationError, KeyError):
        area = []
    return area + result.customers["postcode"].dropna().tolist()


def _gpkg_safe(frame):
    """GeoPackage columns must be plain types: lists and dicts become text."""
    out = frame.copy()
    for col in out.columns:
        if col != out.geometry.name and out[col].map(lambda v: isinstance(v, list | dict)).any():
            out[col] = out[col].map(
                lambda v: "; ".join(map(str, v)) if isinstance(v, list) else str(v)
            )
    return out


def _write_shared_csv(frame: pd.DataFrame, path: Path, result: Run) -> Path:
    """Write a table that leaves the analyst's machine, under the run's disclosure control
    (the NHS Digital rule and secondary suppression across every shared table), rounded by
    unit, with the folder's data dictionary brought up to date beside it."""
    from lotdesign import report
    from lotdesign.report.dictionary import round_for_sharing, write_dictionary

    path.parent.mkdir(parents=True, exist_ok=True)
    shared = report.shareable_table(
        frame, path.stem.replace("_", " "), protection=_protection(result)
    )
    # Rounded by unit (hours 0.1, money 0.01, counts whole) after the control, which it keeps.
    round_for_sharing(shared).to_csv(path, index=False)
    # A run stopped before the report still leaves every CSV described.
    result.paths["dictionary"] = write_dictionary(path.parent)
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
    "rules.reach_tolerance": "LOT_REACH_TOLERANCE",
    "rules.policy": "LOT_POLICY",
    "rules.headroom_years": "LOT_HEADROOM_YEARS",
    "rules.headroom_growth": "LOT_HEADROOM_GROWTH",
    "travel.road_cutoff_minutes": "ROAD_CUTOFF_MINUTES",
    "travel.circuity": "ROAD_CIRCUITY",
    "travel.speed_mph": "SPEED_MPH",
    "travel.land_paths": "LAND_PATHS",
    "travel.land_grid_m": "LAND_GRID_M",
    "travel.land_path_limit_m": "LAND_PATH_LIMIT_M",
    "travel.land_detour_ratio": "LAND_DETOUR_MIN_RATIO",
    "cost.price_policy.kind": "PRICE_POLICY",
    "cost.price_policy.pass_back_share": "PASS_BACK_SHARE",
    "cost.price_policy.allow_below_floor": "ALLOW_BELOW_FLOOR",
    "cost.flow.new_customers_only": "NEW_CUSTOMERS_ONLY",
    "cost.flow.package_mean_months": "PACKAGE_MEAN_MONTHS",
    "cost.projection.years": "PROJECTION_YEARS",
    "cost.projection.demand_growth": "DEMAND_GROWTH",
    "cost.projection.rate_uplift": "RATE_UPLIFT",
    "disclosure.max_count": "SUPPRESS_MAX_COUNT",
    "disclosure.rounding_base": "SUPPRESS_ROUNDING_BASE",
    "disclosure.protection": "SUPPRESS_PROTECTION_PEOPLE",
}


def _sweep_comparison(spec: RunSpec) -> pd.DataFrame | None:
    """The sweep comparison the spec names (``report.sweep``), read as ``lotdesign sweep``
    wrote it: already controlled, so suppressed labels stay text."""
    path = spec.report.sweep
    if path is None:
        return None
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise ValidationError(
            f"report.sweep: could not read {path.name} ({err}); give the "
            "sweep_comparison.csv that lotdesign sweep wrote."
        ) from None
    if "scenario" not in frame.columns:
        raise ValidationError(
            f"report.sweep: {path.name} has no 'scenario' column; give the "
            "sweep_comparison.csv that lotdesign sweep wrote."
        )
    return frame


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
    # The inputs section is files, not parameters (spec.changed() leaves it out), but for one.
    if spec.inputs.land_closing_m is not None:
        overrides["LAND_MASK_CLOSING_M"] = spec.inputs.land_closing_m
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
    if result.spec.travel.roads is not None:
        sources.append(
            ("Road drive times", f"{result.spec.travel.roads.name}, {settings.OSM_ATTRIBUTION}")
        )
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
    from lotdesign.datasets.demo import make_demo

    root = Path(root)
    inputs = root / DEMO_INPUTS
    saved = inputs / "processed" / RUN_FOLDER
    inputs.mkdir(parents=True, exist_ok=True)
    with _lock(inputs / ".run.lock"):
        if not (saved / "manifest.json").exists():
            config = inputs / "lotdesign.yaml"
            if not config.exists():
                make_demo(
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
