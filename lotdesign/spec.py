"""The run spec: one strict, typed description of a run, read from YAML.

Every parameter of a run lives here, in sections: ``inputs``, ``units``, ``rules`` (Tier 1
lots, the search level and ``rules.tier2`` for rural zones), ``travel`` (one circuity and one
set of speeds for lots, zones and the cost model alike), ``cost``, ``workforce``,
``disclosure``, ``report`` and ``outputs``. Unknown keys are errors, with the nearest known
key suggested ("did you mean ..."), and every error is reported at once, each with its key
path. The same :class:`RunSpec` drives ``lotdesign run`` and the Python API: its methods give
the objects the library functions take (:meth:`RunSpec.lot_rules`,
:meth:`RunSpec.design_options`, :meth:`RunSpec.cost_params`...), so a notebook and the command
line give the same plan for the same inputs and seed.

A parameter left out (or ``null``) takes its default from :mod:`lotdesign.settings` when the
run uses it, not when the spec is read. Relative paths are read from the config file's folder.
``lotdesign schema`` prints the JSON Schema for editors.

Why one long module: every key a config may hold is declared here, in one place, as
the JSON Schema is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.io.packages import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

__all__ = ["RunSpec", "json_schema", "load_spec", "spec_from_dict"]

UnitType = Literal["postcode_sector", "postcode_district", "lsoa", "gp_practice"]
SearchLevel = Literal["standard", "thorough"]
Policy = Literal["compact", "viable", "target"]
ReportFormat = Literal["docx", "html", "pdf"]

#: Keys that moved, so an old config gets a precise pointer rather than a near spelling.
MOVED: dict[str, str] = {
    "rules.circuity": "travel.circuity",
    "rules.speeds": "travel.speed_mph",
    "rules.tier2.circuity": "travel.circuity",
    "rules.tier2.speeds": "travel.speed_mph",
    "cost.travel.circuity": "travel.circuity",
    "cost.travel.speed_mph": "travel.speed_mph",
}


# --- paths --------------------------------------------------------------------------------------


def _base(info: ValidationInfo) -> Path:
    return Path((info.context or {}).get("base", "."))


def _resolve(value: Path, info: ValidationInfo) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (_base(info) / path).resolve()


def _existing(value: Path, info: ValidationInfo) -> Path:
    path = _resolve(value, info)
    # A saved run's spec is read back without its inputs, which may have moved since.
    if (info.context or {}).get("check_files", True) and not path.exists():
        raise ValueError(
            f"file {path} does not exist (relative paths are read from the config file's "
            f"folder, {_base(info).resolve()})"
        )
    return path


#: A file that must exist; relative to the config's folder.
InputFile = Annotated[Path, AfterValidator(_existing)]
#: A folder the run writes; relative to the config's folder.
OutputDir = Annotated[Path, AfterValidator(_resolve)]


class _Section(BaseModel):
    """A spec section: unknown keys refused, values checked, frozen once read."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    def given(self) -> dict[str, Any]:
        """The keys the config set (``None`` means "use the setting")."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


# --- inputs -------------------------------------------------------------------------------------

Columns = pydantic.create_model(
    "Columns",
    __base__=_Section,
    __doc__="Headers of the extract's columns, by lotdesign name (see the README).",
    **{name: (str, Field(description=f"header of the {name} column")) for name in REQUIRED_COLUMNS},
    **{
        name: (str | None, Field(None, description=f"header of the {name} column"))
        for name in OPTIONAL_COLUMNS
    },
)


class Inputs(_Section):
    """The files a run reads."""

    packages: InputFile = Field(description="care-package extract, CSV or XLSX")
    sheet: str | StrictInt | None = Field(None, description="XLSX sheet name or 0-based index")
    columns: Columns  # type: ignore[valid-type]
    postcode_lookup: Literal["packaged"] | Path | list[Literal["packaged"] | Path] = Field(
        "packaged", description="'packaged', or ONSPD / NSPL / Code-Point Open CSVs (a list)"
    )
    gp_practices: InputFile | None = Field(None, description="NHS ODS epraccur CSV")
    epcn: InputFile | None = Field(None, description="NHS ODS ePCN practice -> PCN table")
    providers: InputFile | None = Field(None, description="provider, office_postcode CSV")
    boundaries: InputFile | None = Field(None, description="unit polygons or study area")
    boundary_layer: str | None = Field(None, description="layer name in a GeoPackage")
    outline: InputFile | None = Field(None, description="county outline polygon for maps")
    land_closing_m: float | None = Field(
        None,
        gt=0,
        description="without boundaries, water wider than twice this (metres) between "
        "postcodes is not land (default 1,000)",
    )
    as_of: dt.date | None = Field(None, description="analysis date, YYYY-MM-DD")
    max_weekly_hours: float | None = Field(
        None, gt=0, description="hours a week above which a line is implausible"
    )
    header_row: StrictInt | None = Field(
        None,
        ge=1,
        description="spreadsheet row number of the header row (default: the first row "
        "holding the mapped headers)",
    )
    encoding: Literal["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"] | None = (
        Field(None, description="text encoding of a CSV (default: detected)")
    )
    delimiter: Literal[",", ";", "\t", "|"] | None = Field(
        None, description="delimiter of a CSV: ',', ';', tab or '|' (default: detected)"
    )
    decimal_mark: Literal[".", ","] | None = Field(
        None, description="decimal mark of numbers written as text (default: detected)"
    )
    hours_unit: Literal["hours", "minutes", "hh:mm"] | None = Field(
        None, description="what a plain number in the hours column is (default: hours)"
    )
    hours_per: Literal["week", "visit"] | None = Field(
        None,
        description="the hours column is per week, or per visit (then map "
        "columns.visits_per_week) (default: week)",
    )
    cost_meaning: Literal["weekly", "four_weekly", "monthly", "annual", "hourly_rate"] | None = (
        Field(None, description="what columns.weekly_cost holds (default: weekly)")
    )
    date_order: Literal["day_first", "month_first"] | None = Field(
        None, description="order of numeric dates such as 03/04/2025 (default: day_first)"
    )

    @field_validator("delimiter", mode="before")
    @classmethod
    def _delimiter_word(cls, value: Any) -> Any:
        words = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|", "\\t": "\t"}
        return words.get(value.strip().lower(), value) if isinstance(value, str) else value

    @field_validator("postcode_lookup", mode="before")
    @classmethod
    def _lookups(cls, value: Any, info: ValidationInfo) -> Any:
        # Checked here, before the union, so a missing file is one clear error, not one per
        # member of the union.
        def one(v: Any) -> Any:
            if not isinstance(v, str | Path):
                raise ValueError(f"{v!r} is not 'packaged' or a file path")
            return v if v == "packaged" else _existing(Path(v), info)

        return [one(v) for v in value] if isinstance(value, list) else one(value)

    @field_validator("as_of", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"'{value}' is not a date; write YYYY-MM-DD") from None
        return value


# --- rules --------------------------------------------------------------------------------------


class _Band(_Section):
    min_hours: float | None = Field(None, ge=0, description="weekly hours floor")
    max_hours: float | None = Field(None, gt=0, description="weekly hours ceiling")
    min_customers: StrictInt | None = Field(None, ge=0, description="customers floor")
    max_customers: StrictInt | None = Field(None, gt=0, description="customers ceiling")
    max_radius_miles: float | None = Field(None, gt=0, description="miles, centre to unit")
    max_drive_minutes: float | None = Field(None, gt=0, description="minutes, centre to unit")
    contiguous: StrictBool | None = Field(None, description="a lot's units must touch")
    reach_tolerance: float | None = Field(
        None, ge=0, lt=1, description="share of a lot's customers allowed beyond reach (0)"
    )

    @model_validator(mode="after")
    def _bands(self) -> _Band:
        for what in ("hours", "customers"):
            low, high = getattr(self, f"min_{what}"), getattr(self, f"max_{what}")
            if low is not None and high is not None and low > high:
                raise ValueError(f"min_{what} {low:g} is above max_{what} {high:g}")
        return self


class Tier2Rules(_Band):
    """Tier 2 rural-zone rules (defaults: settings ``TIER2_*``)."""


class Rules(_Band):
    """Tier 1 lot rules (defaults: settings ``LOT_*``) and how hard to search."""

    target_lots: StrictInt | None = Field(None, gt=0, description="about this many lots")
    target_tolerance: float | None = Field(
        None, ge=0, lt=1, description="share either side of target_lots (default 0.1)"
    )
    locked: InputFile | None = Field(None, description="CSV unit_id,lot_id kept in their lot")
    start_plan: InputFile | None = Field(None, description="CSV unit_id,lot_id: today's areas")
    travel_matrix: InputFile | None = Field(None, description="CSV origin,destination,minutes")
    search: SearchLevel = Field("standard", description="standard (seconds) | thorough")
    workers: StrictInt | None = Field(
        None,
        ge=0,
        description="processes for a large county's regions (0: one per core); the lots do "
        "not depend on it (default settings.LOT_WORKERS)",
    )
    tier4_reserve_share: float | None = Field(
        None, ge=0, lt=1, description="Tier 4 reserve as a share of Tier 1-2 hours"
    )
    policy: Policy | None = Field(
        None, description="lot size: compact (least travel) | viable (fewer, fuller) | target"
    )
    headroom_years: float | None = Field(
        None, ge=0, description="years of demand growth lots must stay in band for (0: off)"
    )
    headroom_growth: float | None = Field(
        None, gt=-1, lt=1, description="yearly demand growth for the headroom (0.024)"
    )
    within: Literal["district"] | Path | None = Field(
        None, description="lots nest in: 'district', or a CSV/polygon file of areas (PCNs)"
    )
    within_column: str | None = Field(None, description="the area column of the within file")
    tier2: Tier2Rules = Field(default_factory=Tier2Rules)

    @field_validator("within", mode="before")
    @classmethod
    def _within(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or value == "district":
            return value
        if not isinstance(value, str | Path):
            raise ValueError(f"{value!r} is not 'district' or a file path")
        return _existing(Path(value), info)

    @model_validator(mode="after")
    def _target(self) -> Rules:
        if self.policy == "target" and self.target_lots is None:
            raise ValueError("policy 'target' needs target_lots (the number of lots wanted)")
        return self


class Travel(_Section):
    """Drive-time estimates, one set for Tier 1 lots, Tier 2 zones and the cost model."""

    circuity: float | None = Field(None, ge=1, description="road / straight-line distance")
    speed_mph: dict[str, float] | None = Field(None, description="mph by rurality class")
    roads: InputFile | None = Field(
        None, description="OpenStreetMap .osm.pbf extract: drive times routed on real roads"
    )
    road_cutoff_minutes: float | None = Field(
        None, gt=0, description="route this far from each unit (default 30 min)"
    )
    land_paths: StrictBool | None = Field(
        None, description="without roads, drive round water, not over it (default true)"
    )
    land_grid_m: float | None = Field(
        None, gt=0, description="grid of the paths over land, metres (default 500)"
    )
    land_path_limit_m: float | None = Field(
        None, gt=0, description="longest path over land searched, metres (default 30,000)"
    )
    land_detour_ratio: float | None = Field(
        None, ge=1, description="a path over land counts above this x the line (default 1.1)"
    )

    @field_validator("speed_mph")
    @classmethod
    def _classes(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return value
        known = set(settings.SPEED_MPH)
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(
                f"unknown rurality class {unknown[0]!r}; use {', '.join(sorted(known))}"
            )
        if any(not v > 0 for v in value.values()):
            raise ValueError("speeds must be above 0 mph")
        return value


# --- cost, workforce, disclosure, report, outputs -----------------------------------------------


def _section_from(cls: type, *, name: str, drop: tuple[str, ...] = ()) -> type[_Section]:
    """A strict spec section with one optional key per field of a cost dataclass."""
    hints = typing.get_type_hints(cls)
    fields = {
        f.name: (hints[f.name] | None, Field(None))
        for f in dataclasses.fields(cls)
        if f.name not in drop
    }
    doc = (cls.__doc__ or "").strip().splitlines()[0]
    return pydantic.create_model(name, __base__=_Section, __doc__=doc, **fields)


def _cost_sections() -> dict[str, type[_Section]]:
    from lotdesign.cost import (
        FlowParams,
        PaymentParams,
        PriceParams,
        PricePolicy,
        RangeParams,
        ScenarioParams,
        TravelParams,
    )

    return {
        "price": _section_from(PriceParams, name="CostPrice"),
        "travel": _section_from(TravelParams, name="CostTravel", drop=("circuity", "speed_mph")),
        "scenario": _section_from(ScenarioParams, name="CostScenario"),
        "payment": _section_from(PaymentParams, name="CostPayment"),
        "price_policy": _section_from(PricePolicy, name="CostPricePolicy"),
        "flow": _section_from(FlowParams, name="CostFlow"),
        "ranges": _section_from(RangeParams, name="CostRanges"),
    }


_COST = _cost_sections()
CostPrice, CostTravel, CostScenario, CostPayment = (
    _COST["price"],
    _COST["travel"],
    _COST["scenario"],
    _COST["payment"],
)
CostPricePolicy, CostFlow, CostRanges = _COST["price_policy"], _COST["flow"], _COST["ranges"]


class Projection(_Section):
    """Spend projection (defaults: settings ``PROJECTION_YEARS``, ``RATE_UPLIFT``...)."""

    years: StrictInt | None = Field(None, gt=0)
    rate_uplift: float | None = None
    demand_growth: float | None = None
    weeks_per_year: float | None = Field(None, gt=0)


class Cost(_Section):
    """The cost model's parameters (defaults: the cost settings)."""

    price: CostPrice = Field(default_factory=CostPrice)  # type: ignore[valid-type]
    travel: CostTravel = Field(default_factory=CostTravel)  # type: ignore[valid-type]
    scenario: CostScenario = Field(default_factory=CostScenario)  # type: ignore[valid-type]
    payment: CostPayment = Field(default_factory=CostPayment)  # type: ignore[valid-type]
    price_policy: CostPricePolicy = Field(default_factory=CostPricePolicy)  # type: ignore[valid-type]
    flow: CostFlow = Field(default_factory=CostFlow)  # type: ignore[valid-type]
    ranges: CostRanges = Field(default_factory=CostRanges)  # type: ignore[valid-type]
    projection: Projection = Field(default_factory=Projection)
    tornado_swing: float | None = Field(
        None, gt=0, lt=1, description="inputs without a range (cost.ranges) moved ±"
    )


class Workforce(_Section):
    """Workforce figures for the market analysis (defaults: settings, Skills for Care)."""

    hours_per_worker: float | None = Field(None, gt=0)
    turnover: float | None = Field(None, ge=0, le=1)
    vacancy: float | None = Field(None, ge=0, lt=1)


class Disclosure(_Section):
    """Disclosure control of everything that leaves the analyst's machine (NHS Digital's rule:
    counts of 1-7 people suppressed, other counts rounded to the nearest 5, and secondary
    suppression so that no suppressed figure can be worked out from the others)."""

    max_count: StrictInt | None = Field(
        None, ge=1, description="counts of 1..max_count people are suppressed (default 7)"
    )
    rounding_base: StrictInt | None = Field(
        None, ge=1, description="other counts of people are rounded to this (default 5; 1: off)"
    )
    protection: StrictInt | None = Field(
        None,
        ge=0,
        description="people a suppressed count must stay free to move by (default 2)",
    )

    @property
    def suppress_max_count(self) -> int:
        return self.max_count if self.max_count is not None else settings.SUPPRESS_MAX_COUNT

    @property
    def suppress_rounding_base(self) -> int:
        base = self.rounding_base
        return base if base is not None else settings.SUPPRESS_ROUNDING_BASE

    @property
    def protection_people(self) -> int:
        value = self.protection
        return value if value is not None else settings.SUPPRESS_PROTECTION_PEOPLE


class Report(_Section):
    """The recommendation report."""

    title: str | None = Field(None, description="default: '<name>: home-care lots'")
    formats: tuple[ReportFormat, ...] = ("docx", "html", "pdf")
    sweep: InputFile | None = Field(
        None,
        description="a sweep's sweep_comparison.csv (lotdesign sweep): the report gets a "
        "'Scenarios compared' section from it",
    )


class Outputs(_Section):
    """Where a run writes (relative to the config's folder)."""

    processed: OutputDir = Field(Path("processed"), description="data for the analyst only")
    reports: OutputDir = Field(Path("reports"), description="files that may be shared")


class Sweep(_Section):
    """How ``lotdesign sweep`` runs a grid of scenarios (Dask distributed; lotdesign.sweep)."""

    scheduler: str | None = Field(
        None,
        description="address of a running Dask scheduler (tcp://host:8786); default: a "
        "LocalCluster on this machine",
    )
    workers: StrictInt | None = Field(
        None, gt=0, description="LocalCluster worker processes (default settings.SWEEP_WORKERS)"
    )
    threads_per_worker: StrictInt | None = Field(
        None, gt=0, description="threads per LocalCluster worker (default 1)"
    )
    until: Literal["lots", "cost"] = Field(
        "cost", description="last stage run for each scenario: lots | cost"
    )
    cache: StrictBool = Field(
        True, description="reuse a scenario's saved result when its spec and inputs are unchanged"
    )
    compare_policies: StrictBool = Field(
        False, description="also design each scenario under every lot-size policy (slower)"
    )


# --- the spec -----------------------------------------------------------------------------------


class RunSpec(_Section):
    """A checked run: every parameter, typed, with defaults taken from settings at use."""

    name: str = "Unnamed run"
    description: str | None = Field(None, description="what this run is for, in a sentence")
    notes: dict[str, Any] = Field(
        default_factory=dict, description="free-form notes kept with the run, never used by it"
    )
    synthetic: StrictBool = Field(False, description="label every output 'synthetic data'")
    seed: StrictInt = Field(0, description="the same inputs and seed give the same lots")
    inputs: Inputs
    units: UnitType = "postcode_sector"
    rules: Rules = Field(default_factory=Rules)
    travel: Travel = Field(default_factory=Travel)
    cost: Cost = Field(default_factory=Cost)
    workforce: Workforce = Field(default_factory=Workforce)
    disclosure: Disclosure = Field(default_factory=Disclosure)
    report: Report = Field(default_factory=Report)
    sweep: Sweep = Field(default_factory=Sweep)
    # A dict, validated like a given section, so default folders resolve from the config too.
    outputs: Outputs = Field(default_factory=dict)  # type: ignore[arg-type]
    _path: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The YAML file this spec was read from (not a key of the file)."""
        return self._path

    def with_path(self, path: Path | None) -> RunSpec:
        """A copy that remembers the file it came from."""
        spec = self.model_copy()
        spec._path = path
        return spec

    @model_validator(mode="after")
    def _builds(self) -> RunSpec:
        # Values the library objects check themselves (a lead share above 1, a band that the
        # settings' floor makes empty) fail here, before any work, not half-way through a run.
        from lotdesign.errors import LotDesignError

        problems = []
        for section, build in (
            ("rules", self.lot_rules),
            ("rules.tier2", self.tier2_rules),
            ("cost", self.cost_params),
            ("cost.payment", self.payment_params),
            ("cost.flow", self.flow_params),
            ("cost.ranges", self.range_params),
        ):
            try:
                build()
            except LotDesignError as exc:
                problems.append(f"'{section}': {str(exc).rstrip('.')}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- what the library functions take --

    def lot_rules(self) -> Any:
        """Tier 1 :class:`~lotdesign.lots.LotRules`: ``rules`` with ``travel``."""
        from lotdesign.lots import LotRules

        band = self.rules.given()
        keys = (*_Band.model_fields, "headroom_years", "headroom_growth")
        return LotRules(**{k: band[k] for k in keys if k in band}, **self._travel())

    def tier2_rules(self) -> Any:
        """Tier 2 :class:`~lotdesign.lots.LotRules`: ``rules.tier2`` with ``travel``."""
        from lotdesign.lots import LotRules

        return LotRules.tier2(**self.rules.tier2.given(), **self._travel())

    def _travel(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.travel.circuity is not None:
            out["circuity"] = self.travel.circuity
        if self.travel.speed_mph is not None:
            out["speeds"] = {**settings.SPEED_MPH, **self.travel.speed_mph}
        for key in ("land_paths", "land_grid_m", "land_path_limit_m", "land_detour_ratio"):
            if getattr(self.travel, key) is not None:
                out[key] = getattr(self.travel, key)
        return out

    def design_options(self, run: Any = None) -> dict[str, Any]:
        """Keyword arguments of :func:`lotdesign.lots.design` for this spec.

        ``lots.design(run.units, **spec.design_options(run))`` is exactly what ``lotdesign
        run`` does. With a run (anything with ``units`` and ``customers``), the reach is
        checked to every customer, ``rules.within`` gives each unit its area and
        ``travel.roads`` routes drive times on the OpenStreetMap extract (cached in
        ``processed/travel_matrix.csv``). Without one, only the config's files are read.
        """
        import pandas as pd

        options: dict[str, Any] = {
            "rules": self.lot_rules(),
            "seed": self.seed,
            "search": self.rules.search,
            "target_lots": self.rules.target_lots,
            "policy": self.rules.policy,
        }
        if self.rules.target_tolerance is not None:
            options["target_tolerance"] = self.rules.target_tolerance
        if self.rules.workers is not None:
            options["workers"] = self.rules.workers
        dtypes = {"unit_id": str, "lot_id": str, "origin": str, "destination": str}
        for key, arg in (("locked", "locked"), ("start_plan", "start")):
            path = getattr(self.rules, key)
            options[arg] = None if path is None else pd.read_csv(path, dtype=dtypes)
        # A road matrix's JSON sidecar (lotdesign travel build) says what it routed.
        from lotdesign.roads import read_matrix

        path = self.rules.travel_matrix
        options["matrix"] = None if path is None else read_matrix(path)
        if run is not None:
            options.update(self._run_data(run))
            if self.travel.roads is not None:
                options["matrix"] = self.road_matrix(run)
        return options

    def _run_data(self, run: Any) -> dict[str, Any]:
        """Customers (reach to each one) and the areas lots nest in, from a run's data."""
        from lotdesign.lots.areas import within_areas

        out: dict[str, Any] = {"customers": run.customers}
        if self.rules.within is not None:
            out["within"] = within_areas(
                run.units, self.rules.within, column=self.rules.within_column
            )
        return out

    def road_matrix(self, run: Any) -> Any:
        """Road drive times for a run's units and customers (``travel.roads``), cached.

        Routed up to ``travel.road_cutoff_minutes`` (default settings.ROAD_CUTOFF_MINUTES),
        raised to the run's largest drive limit plus the checks' amber margin if that is
        higher; written to ``processed/travel_matrix.csv`` with a JSON sidecar.
        """
        from lotdesign import roads

        if self.travel.roads is None:
            return None
        limits = [self.lot_rules().max_drive_minutes, self.tier2_rules().max_drive_minutes]
        cutoff = self.travel.road_cutoff_minutes or settings.ROAD_CUTOFF_MINUTES
        cutoff = max(cutoff, max(limits) * (1 + settings.CHECK_AMBER_MARGIN))
        return roads.road_matrix(
            self.travel.roads,
            run.units,
            run.customers,
            out=self.outputs.processed / "travel_matrix.csv",
            cutoff_minutes=cutoff,
        )

    def tier_options(self, run: Any = None) -> dict[str, Any]:
        """Keyword arguments of :func:`lotdesign.tiers.assign_tiers` (besides units, plan).

        With a run, as :meth:`design_options`: customers and the areas to nest in.
        """
        options: dict[str, Any] = {"tier2_rules": self.tier2_rules(), "seed": self.seed}
        if run is not None:
            options.update(self._run_data(run))
        if self.rules.tier4_reserve_share is not None:
            options["reserve_share"] = self.rules.tier4_reserve_share
        if self.workforce.hours_per_worker is not None:
            options["hours_per_worker"] = self.workforce.hours_per_worker
        return options

    def cost_params(self) -> dict[str, Any]:
        """``price``, ``travel``, ``scenario`` and ``policy`` for :mod:`lotdesign.cost`.

        The price year is ``cost.price.year`` if given, else the financial year of
        ``inputs.as_of`` (else of today).
        """
        from lotdesign.cost import (
            PriceParams,
            PricePolicy,
            ScenarioParams,
            TravelParams,
            financial_year,
        )

        travel = self.cost.travel.given()
        if self.travel.circuity is not None:
            travel["circuity"] = self.travel.circuity
        if self.travel.speed_mph is not None:
            travel["speed_mph"] = {**settings.SPEED_MPH, **self.travel.speed_mph}
        price = self.cost.price.given()
        price.setdefault("year", financial_year(self.inputs.as_of or dt.date.today()))
        return {
            "price": PriceParams(**price),
            "travel": TravelParams(**travel),
            "scenario": ScenarioParams(**self.cost.scenario.given()),
            "policy": PricePolicy(**self.cost.price_policy.given()),
        }

    def flow_params(self) -> Any:
        """:class:`~lotdesign.cost.FlowParams`: how lots fill over the contract."""
        from lotdesign.cost import FlowParams

        return FlowParams(**self.cost.flow.given())

    def range_params(self) -> Any:
        """:class:`~lotdesign.cost.RangeParams`: the uncertain inputs' ranges and draws."""
        from lotdesign.cost import RangeParams

        return RangeParams(**self.cost.ranges.given())

    def payment_params(self) -> Any:
        """:class:`~lotdesign.cost.PaymentParams` for :func:`lotdesign.cost.payment_models`."""
        from lotdesign.cost import PaymentParams

        return PaymentParams(**self.cost.payment.given())

    def market_options(self) -> dict[str, Any]:
        """Workforce keywords of :func:`lotdesign.market.market_summary`."""
        options = self.workforce.given()
        if self.cost.scenario.given().get("lead_share") is not None:
            options["lead_share"] = self.cost.scenario.given()["lead_share"]
        return options

    @property
    def title(self) -> str:
        return self.report.title or f"{self.name}: home-care lots"

    def changed(self) -> dict[str, Any]:
        """Every key this spec sets away from its default, by key path (for the report)."""
        out: dict[str, Any] = {}

        def walk(model: BaseModel, prefix: str) -> None:
            for key, field in type(model).model_fields.items():
                if model is self and key in (
                    "name", "description", "notes", "inputs", "outputs", "sweep",
                ):  # fmt: skip
                    continue
                value = getattr(model, key)
                if isinstance(value, BaseModel):
                    walk(value, f"{prefix}{key}.")
                elif value is not None and value != field.get_default(call_default_factory=True):
                    out[f"{prefix}{key}"] = value.name if isinstance(value, Path) else value

        walk(self, "")
        return out


# --- reading ------------------------------------------------------------------------------------


def load_spec(path: str | Path) -> RunSpec:
    """Read and check a run spec from YAML.

    Raises
    ------
    lotdesign.ValidationError
        Every problem at once, each with its key path: unknown keys (with the nearest known
        key), missing files, values of the wrong type or out of range.
    """
    path = Path(path)
    data = read_yaml_mapping(path, what="Config file", shape="key: value lines")
    return spec_from_dict(data, base=path.resolve().parent, path=path, where=str(path))


def read_yaml_mapping(path: Path, *, what: str, shape: str) -> dict[str, Any]:
    """A YAML file that must hold a mapping; ``what`` and ``shape`` word its errors."""
    if not path.exists():
        raise ValidationError(f"{what} {path} does not exist.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValidationError(f"{what} {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationError(f"{what} {path} must be a YAML mapping ({shape}).")
    return data


def spec_from_dict(
    data: Mapping[str, Any],
    *,
    base: str | Path = ".",
    path: Path | None = None,
    where: str = "config",
) -> RunSpec:
    """Check a spec given as a mapping (what :func:`load_spec` reads from YAML)."""
    try:
        spec = RunSpec.model_validate(dict(data), context={"base": Path(base)})
    except pydantic.ValidationError as exc:
        problems = list(dict.fromkeys(_explain(err) for err in exc.errors()))
        raise ValidationError(
            f"{where}: {len(problems)} problem{'s' if len(problems) > 1 else ''}:\n"
            + "\n".join(f"  - {p}" for p in problems)
        ) from None
    return spec.with_path(path)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a run spec, for editors (``lotdesign schema``)."""
    schema = RunSpec.model_json_schema(mode="validation")
    schema["title"] = "lotdesign run spec"
    return schema


def _key_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for key, field in model.model_fields.items():
        out.append(prefix + key)
        inner = _model_of(field.annotation)
        if inner is not None:
            out += _key_paths(inner, f"{prefix}{key}.")
    return out


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _section_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = RunSpec
    for part in loc:
        if model is None or part not in model.model_fields:
            return None
        model = _model_of(model.model_fields[part].annotation)
    return model


def _key_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The config keys of an error location, without the union members pydantic adds."""
    out: list[Any] = []
    model: type[BaseModel] | None = RunSpec
    for i, part in enumerate(loc):
        if model is None:
            out.append(part)  # inside a list or mapping value
        elif part in model.model_fields:
            out.append(part)
            model = _model_of(model.model_fields[part].annotation)
        elif i == len(loc) - 1:
            out.append(part)  # the unknown key itself
    return tuple(out)


def _explain(err: Mapping[str, Any]) -> str:
    """One pydantic error as a line a user can act on."""
    loc = _key_loc(err["loc"])
    key = ".".join(str(p) for p in loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        if key in MOVED:
            return f"'{key}' has moved: write it as '{MOVED[key]}'."
        section = _section_at(loc[:-1])
        allowed = list(section.model_fields) if section is not None else []
        near = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        if not near:
            paths = _key_paths(RunSpec)
            near_paths = difflib.get_close_matches(str(loc[-1]), [p.split(".")[-1] for p in paths])
            hint = [p for p in paths if near_paths and p.split(".")[-1] == near_paths[0]]
            if hint:
                return f"'{key}' is not a key here; did you mean '{hint[0]}'?"
            where = ".".join(map(str, loc[:-1])) or "the top level"
            return f"'{key}' is not a key; allowed in {where}: {', '.join(allowed)}."
        return f"'{key}' is not a key; did you mean '{'.'.join(map(str, loc[:-1] + (near[0],)))}'?"
    if kind == "missing":
        return f"'{key}' is missing."
    if kind == "value_error":  # our own messages say what was wrong
        message = str(err["msg"]).removeprefix("Value error, ")
        return f"{message}." if not key else f"'{key}': {message}."
    value = err.get("input")
    shown = "" if isinstance(value, Mapping | list) or value is None else f" (got {value!r})"
    return f"'{key}': {err['msg']}{shown}."
