"""The report's content as a list of blocks, rendered alike to Word, HTML and PDF.

Headings, paragraphs, bullet lists, tables and figures are built once from
:class:`~lotdesign.report.inputs.ReportInputs`, so that every format says the same thing.
The order is a cabinet paper's: summary and decisions on the first page, then contents,
findings, the lots, the map, risks and caveats, and the appendices (method, parameters used,
data). Tables show key columns only; ``tables.xlsx`` has every column.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lotdesign import settings
from lotdesign.lots.policy import TRADEOFF_COLUMNS
from lotdesign.report.charts import _cost_chart, _market_chart, _projection_chart, _tornado_chart
from lotdesign.report.display import _Display, _display
from lotdesign.report.inputs import _TABLES, ReportInputs, _parameter_flag
from lotdesign.report.places import NAMES_SOURCE, district_name, unnamed
from lotdesign.report.summary import (
    concentration,
    decisions,
    district_names,
    key_figures,
    months_to_viable,
)
from lotdesign.report.tables import report_tables
from lotdesign.report.text import (
    _num,
    _numeric,
    _tiers,
    cost_paragraphs,
    design_sentences,
    market_sentences,
    risks_and_caveats,
)

# Key columns of the report's tables; tables.xlsx has every column.
_LOT_COLUMNS = ("lot_id", "district", "tier", "hours", "customers", "max_minutes", "max_miles")
_TIER_COLUMNS = (
    "tier",
    "lots",
    "customers",
    "hours",
    "share_hours",
    "care_workers",
    "reserve_hours",
)
_COST_TIER_COLUMNS = (
    "tier",
    "customers",
    "hours",
    "price_per_hour_current",
    "price_per_hour_proposed",
    "annual_spend_current",
    "annual_spend_proposed",
    "change_pct",
)
# The trade-off table as the lots stage makes it, less total travel (the mean drive says it
# per hour of care).
_TRADEOFF_COLUMNS = tuple(c for c in TRADEOFF_COLUMNS if c != "travel")
_SWEEP_COLUMNS = (
    "scenario",
    "changes",
    "lots",
    "tier1_share",
    "change_pct",
    "months_to_viable_median",
)
_RANGE_ROWS = (
    "change_per_customer_week",
    "change_pct",
    "change_year1",
    "change_term",
    "care_worker_hours_released_week",
    "miles_saved_week",
    "travel_value_week",
)
# Spec keys that say where files are or describe the run, not how it was designed.
_NOT_PARAMETERS = (
    "notes.",
    "outputs.",
    "inputs.",
    "report.",
    "sweep.",
    "name",
    "description",
    "synthetic",
)
# Settings of the software's own workings, whatever their audience.
_SOFTWARE = ("CRS_", "HEADER_", "STUDY_AREA_", "LAND_")


_METHOD = (
    "Care packages active on the analysis date were read from the council's extract and "
    "validated; every row either entered the analysis or was set aside with a reason, and "
    "the rows and hours reconcile (read = used + excluded + rejected). Customers were "
    "geocoded with a postcode lookup and grouped into demand units, each with a point (the "
    "hours-weighted centre of its customers), an area and its neighbours, in British National "
    "Grid metres.",
    "Tier 1 lots were built from the units so that every lot meets every hard rule (weekly "
    "hours and customers within their bands, every unit within the radius and drive time of "
    "the lot's centre and, where required, connected), covering as many hours as possible "
    "first and keeping travel to the centre short second. Tier 2 rural zones were built from "
    "what remained under their own rules; the rest is Tier 3, bought case by case, and a Tier "
    "4 reserve (a dynamic purchasing system) is sized for hand-backs and surges. Drive times "
    "are straight-line distance times a road-circuity factor divided by a speed that depends "
    "on rurality{water}, unless a road network or travel-time matrix was supplied.",
    "The cost model builds a price per contact hour the way the Homecare Association does "
    "(wages, on-costs, paid travel time, mileage, running the business and surplus) and "
    "models travel per visit from how densely each provider's customers lie, so that "
    "concentrating a provider's work in a lot shortens its rounds. Prices are for the "
    "analysis date's year; what the council pays for lot hours is its price policy, never "
    "below the year's cost-of-care floor or today's cost, whichever is lower, unless set. "
    "Current and proposed spend are compared per lot and tier, phased on the flow of new "
    "customers into the lots, and given P10 to P90 ranges over the uncertain inputs, with a "
    "tornado of one input at a time. The market analysis counts providers per area, their "
    "shares and concentration (the Herfindahl-Hirschman index, HHI, on hours: 0 to 10,000), "
    "and how much their territories criss-cross.",
)


@dataclass
class _Heading:
    text: str
    level: int
    number: str = ""

    @property
    def anchor(self) -> str:
        return "s-" + (self.number or self.text).lower().replace(".", "-").replace(" ", "-")

    @property
    def full(self) -> str:
        return f"{self.number} {self.text}" if self.number else self.text


@dataclass
class _Para:
    text: str
    kind: str = ""


@dataclass
class _Bullets:
    items: list[str]
    numbered: bool = False


@dataclass
class _Figure:
    caption: str
    png: bytes
    #: Share of the text width the image takes.
    width: float = 1.0


@dataclass
class _PageBreak:
    pass


@dataclass
class _Contents:
    """Where the contents go: every numbered heading of levels 1 and 2 after it."""


_Block = _Heading | _Para | _Bullets | _Display | _Figure | _PageBreak | _Contents


def _not_run(stage: str) -> _Para:
    return _Para(f"The {stage} was not run for this report, so none of its figures are shown.")


class _Numbering:
    """Section numbers: 1, 1.1 ... then appendices A, A.1 ..."""

    def __init__(self) -> None:
        self.top, self.sub, self.appendix = 0, 0, False

    def h1(self, text: str) -> _Heading:
        self.top, self.sub = self.top + 1, 0
        number = chr(ord("A") + self.top - 1) if self.appendix else str(self.top)
        return _Heading(text, 1, ("Appendix " if self.appendix else "") + number)

    def h2(self, text: str) -> _Heading:
        self.sub += 1
        top = chr(ord("A") + self.top - 1) if self.appendix else str(self.top)
        return _Heading(text, 2, f"{top}.{self.sub}")

    def appendices(self) -> None:
        self.top, self.sub, self.appendix = 0, 0, True


def _two_columns(
    caption: str, headers: list[str], rows: list[tuple[str, ...]], kind: str = ""
) -> _Display:
    return _Display(
        kind=kind or ("key" if headers == ["Measure", "Figure"] else ""),
        caption=caption,
        headers=headers,
        cells=[list(r) for r in rows],
        status=[[None] * len(headers) for _ in rows],
        numeric=[False] * len(headers),
    )


def _named(frame: pd.DataFrame, inputs: ReportInputs, column: str) -> pd.DataFrame:
    """The frame with ONS district codes in ``column`` shown as names."""
    out = frame.copy()
    out[column] = out[column].map(lambda v: district_names(v, inputs.district_names))
    return out


def _districts_table(lots: pd.DataFrame, inputs: ReportInputs) -> _Display | None:
    """Lots and hours by the district holding most of each lot's hours."""
    if "district" not in lots.columns or "tier" not in lots.columns:
        return None
    main = lots["district"].astype(str).str.split(";").str[0].str.strip()
    hours = _numeric(lots["hours"]) if "hours" in lots.columns else None
    rows = []
    for code in sorted(set(main) - {"", "nan", "None"}):
        mine = main == code
        tier1 = int((mine & (_tiers(lots) == 1)).sum())
        tier2 = int((mine & (_tiers(lots) == 2)).sum())
        shown = hours[mine] if hours is not None else None
        total = (
            f"{shown.sum():,.0f}"
            if shown is not None and shown.notna().all()
            else "[c]"  # a suppressed lot's hours are not added back in
        )
        rows.append((district_name(code, inputs.district_names), str(tier1), str(tier2), total))
    if not rows:
        return None
    table = _two_columns(
        "Lots by district (the district holding most of each lot's hours)",
        ["District", "Tier 1 lots", "Tier 2 zones", "Weekly hours in them"],
        rows,
    )
    table.numeric = [False, True, True, True]
    return table


def _lot_columns(lots: pd.DataFrame) -> list[str]:
    """The lot table's key columns: the figures, one rule status (RAG, else passes, else each
    rule) and the reasons when any lot has one."""
    from lotdesign.report.text import _rule_columns

    rules = _rule_columns(lots)
    status = next(([c] for c in ("rag", "passes") if c in rules), rules)
    reasons = [
        c
        for c in ("reason", "reasons")
        if c in lots.columns and lots[c].fillna("").astype(str).str.strip().ne("").any()
    ]
    return [*_LOT_COLUMNS, *status, *reasons]


def _ranges_table(ranges: pd.DataFrame) -> _Display | None:
    if not {"metric", "measure", "p10", "p50", "p90"} <= set(ranges.columns):
        return None
    from lotdesign import columns as registry

    rows, money = [], {"change_per_customer_week", "change_year1", "change_term"}
    money |= {"travel_value_week", "change_weekly", "change_annual_term"}
    frame = ranges.set_index(ranges["metric"].astype(str))
    for metric in _RANGE_ROWS:
        if metric not in frame.index:
            continue
        row = frame.loc[metric]
        if metric == "change_pct":
            texts = [f"{_num(row[c]):+.1f}%" for c in ("p10", "p50", "p90")]
        elif metric in money:
            texts = [registry.fmt("change_weekly", _num(row[c])) for c in ("p10", "p50", "p90")]
        else:
            texts = [f"{_num(row[c]):,.0f}" for c in ("p10", "p50", "p90")]
        measure = str(row["measure"])
        rows.append((measure[:1].upper() + measure[1:], *texts))
    if not rows:
        return None
    table = _two_columns(_TABLES["cost_ranges"][1], ["Measure", "P10", "P50", "P90"], rows)
    table.numeric = [False, True, True, True]
    return table


def _parameter_tables(inputs: ReportInputs, table: pd.DataFrame, prefix: str) -> list[_Block]:
    """The parameters a council run used, one table per section, with their sources.

    Settings for the analyst's machine (engine and output settings, the demo generator's)
    are left out; the full list is in tables.xlsx. Road-network speeds are shown only when
    road drive times were used.
    """
    audience = {str(r.name): str(r.audience) for r in settings.describe().itertuples()}
    roads = any("road" in name.lower() for name, _ in inputs.data_sources)
    keep = []
    for row in table.itertuples(index=False):
        name, section = str(row.parameter), str(row.section)
        if section == "Run options":
            keep.append(not name.startswith(_NOT_PARAMETERS))
        elif name.startswith(_SOFTWARE) or (
            name.startswith(("ROAD_", "OSM_")) and name != "ROAD_CIRCUITY" and not roads
        ):
            keep.append(False)
        else:
            keep.append(audience.get(name) in ("domain", "data") or section == "Disclosure control")
    shown = table[keep]
    blocks: list[_Block] = []
    number = 0
    for section, rows in shown.groupby("section", sort=False):
        shown_rows = _display(rows, str(section), columns=("parameter", "value", "source"))
        # A reference first ("B.12"), to cite a parameter by; it also keeps a setting's name
        # (SUPPRESS_PROTECTION_PEOPLE) from reading as a row header over a count of people.
        refs = [f"{prefix}.{number + i}" for i in range(1, len(rows) + 1)]
        number += len(rows)
        shown_rows.headers.insert(0, "Ref.")
        shown_rows.numeric.insert(0, True)  # never wrapped
        shown_rows.kind = "params"
        for cells, marks, ref in zip(shown_rows.cells, shown_rows.status, refs, strict=True):
            cells.insert(0, ref)
            marks.insert(0, None)
        blocks.append(shown_rows)
    left = len(table) - len(shown)
    if left:
        blocks.append(
            _Para(
                f"{left} settings of the software itself (solver effort, map and report "
                "layout) are not listed here; tables.xlsx lists every setting.",
                "note",
            )
        )
    return blocks


def _content(inputs: ReportInputs, max_count: int, max_bars: int) -> list[_Block]:
    tables = report_tables(inputs, max_count=max_count)
    found = risks_and_caveats(inputs, max_count=max_count)
    n = _Numbering()
    blocks: list[_Block] = []

    # 1. Summary and recommendations: one page.
    blocks.append(n.h1("Summary and recommendations"))
    design = design_sentences(inputs, max_count=max_count)
    if design:
        blocks.append(_Para(design[0], "lead"))
    figures = key_figures(inputs)
    if figures:
        blocks.append(_two_columns("Key figures", ["Measure", "Figure"], figures))
    asks = decisions(inputs)
    if asks:
        blocks.append(_Para("The council is asked to decide:", "strong"))
        blocks.append(_Bullets(asks, numbered=True))
    if inputs.synthetic:
        blocks.append(
            _Para(
                "Made from synthetic demonstration data (made-up customers on real "
                "postcodes): its figures describe no real person, provider or council.",
                "note",
            )
        )
    blocks.append(_PageBreak())
    blocks.append(_Heading("Contents", 1))
    blocks.append(_Contents())
    blocks.append(_PageBreak())

    # 2. Findings.
    blocks.append(n.h1("Findings"))
    blocks.append(n.h2("Tiers and lots"))
    blocks += [_Para(p) for p in design[1:]] if design else [_not_run("tier classification")]
    if "tier_summary" in tables:
        blocks.append(
            _display(tables["tier_summary"], _TABLES["tier_summary"][1], columns=_TIER_COLUMNS)
        )
    lots = tables.get("lots")
    if lots is not None:
        by_district = _districts_table(lots, inputs)
        if by_district is not None:
            blocks.append(by_district)
        codes = set()
        if "district" in lots.columns:
            for value in lots["district"].dropna():
                codes.update(p.strip() for p in str(value).split(";"))
        missing = unnamed(codes, inputs.district_names)
        if missing:
            blocks.append(
                _Para(
                    f"No name is packaged for {len(missing)} district codes, so they are shown "
                    "as ONS codes; pass district_names to ReportInputs to name them.",
                    "note",
                )
            )

    blocks.append(n.h2("Cost"))
    paragraphs = cost_paragraphs(inputs, max_count=max_count)
    blocks += [_Para(p) for p in paragraphs]
    if "cost_ranges" in tables:
        ranges = _ranges_table(tables["cost_ranges"])
        if ranges is not None:
            blocks.append(ranges)
    if "cost_by_tier" in tables:
        blocks.append(_display(tables["cost_by_tier"], "Cost by tier", columns=_COST_TIER_COLUMNS))
    if "projection" in tables:
        chart = _projection_chart(tables["projection"], inputs.synthetic)
        if chart:
            blocks.append(_Figure(*chart, width=0.8))
    else:
        blocks.append(_not_run("spend projection"))
    if "tornado" in tables:
        swing = pd.concat(
            [_numeric(tables["tornado"][c]) for c in ("change_at_low", "change_at_high")]
            if {"change_at_low", "change_at_high"} <= set(tables["tornado"].columns)
            else [pd.Series(dtype=float)]
        )
        if swing.abs().max(skipna=True) >= 0.5:
            chart = _tornado_chart(inputs.tornado, inputs.synthetic)
            if chart:
                blocks.append(_Figure(*chart, width=0.8))
        elif len(swing):
            blocks.append(
                _Para(
                    "Moving each uncertain input to its low and its high value leaves the annual "
                    "change in spend at nil: under this price policy the council pays today's "
                    "price in every lot whatever the inputs, so no sensitivity chart is shown."
                )
            )
    if "cost_by_tier" not in tables:
        chart = _cost_chart(tables, inputs.synthetic, max_bars)
        if chart:
            blocks.append(_Figure(*chart, width=0.8))

    blocks.append(n.h2("Market and provider concentration"))
    blocks += [_Para(p) for p in market_sentences(inputs, max_count=max_count)]
    rows = concentration(inputs)
    if rows:
        table = _two_columns(
            "Provider concentration today and proposed (HHI on hours, 0 to 10,000; "
            f"concentrated above {settings.MARKET_HHI_CONCENTRATED:,.0f}, highly concentrated "
            f"above {settings.MARKET_HHI_HIGHLY_CONCENTRATED:,.0f}, CMA bands)",
            ["Area", "Providers today", "HHI today", "HHI proposed"],
            rows,
        )
        table.numeric = [False, True, False, False]
        blocks.append(table)
        blocks.append(
            _Para(
                "Within a Tier 1 lot the lead and secondary providers hold all lot hours, so the "
                "lot's HHI is set by their split; across the county each lot's providers are "
                "different, so the county's market stays open.",
            )
        )
    if "market_summary" in tables:
        chart = _market_chart(
            _named(
                tables["market_summary"][tables["market_summary"]["level"] == "district"],
                inputs,
                "area",
            )
            if "level" in tables["market_summary"].columns
            else tables["market_summary"],
            inputs.synthetic,
            max_bars,
        )
        if chart:
            blocks.append(_Figure(*chart, width=0.8))

    blocks.append(n.h2("Workforce"))
    blocks += _workforce(inputs)

    if "policy_tradeoff" in tables:
        blocks.append(n.h2("Lot-size policies compared"))
        blocks.append(
            _Para(
                "The same units designed under each lot-size policy: compact lots keep travel "
                "short; viable lots are fewer and larger, so each reaches a provider's viable "
                "volume sooner but more of them outgrow the ceiling."
            )
        )
        blocks.append(
            _display(
                tables["policy_tradeoff"],
                _TABLES["policy_tradeoff"][1],
                columns=_TRADEOFF_COLUMNS,
            )
        )
    if "sweep_comparison" in tables:
        blocks.append(n.h2("Scenarios compared"))
        blocks.append(
            _Para(
                f"A sweep ran {len(tables['sweep_comparison'])} scenarios; the full comparison "
                "is in sweep_comparison.csv."
            )
        )
        blocks.append(
            _display(
                tables["sweep_comparison"],
                _TABLES["sweep_comparison"][1],
                columns=_SWEEP_COLUMNS,
            )
        )

    # 3. The lots: key columns only.
    blocks.append(n.h1("The lots"))
    if lots is not None:
        shown = _named(lots, inputs, "district") if "district" in lots.columns else lots
        table = _display(shown, _TABLES["lot_table"][1], columns=_lot_columns(shown))
        blocks.append(
            _Para(
                "Each lot's weekly hours and customers today, the farthest drive and distance "
                "from its centre, and its rule checks (RAG: green passes every rule; amber is "
                "within the tolerance; red fails). Every column, and each rule on its own, is "
                "in tables.xlsx."
            )
        )
        blocks.append(table)
    else:
        blocks.append(_not_run("lot design"))

    # 4. Maps.
    blocks.append(n.h1("Maps"))
    if inputs.static_map_png is not None:
        blocks.append(
            _Figure(
                "The proposed lots, coloured by tier. The interactive map (lots_map.html) "
                "shows each lot's figures.",
                inputs.static_map_png.read_bytes(),
            )
        )
    else:
        blocks.append(_Para("No map was made for this report."))

    # 5. Risks and caveats.
    blocks.append(n.h1("Risks and caveats"))
    blocks.append(n.h2("Risks"))
    blocks.append(
        _Bullets(found["risks"]) if found["risks"] else _Para("No risks were found in the data.")
    )
    blocks.append(n.h2("Caveats"))
    blocks.append(_Bullets(found["caveats"]))

    # Appendices.
    n.appendices()
    blocks.append(_PageBreak())
    blocks.append(n.h1("Method"))
    water = (
        " (along the shortest path over land where the straight line crosses open water)"
        if _parameter_flag(inputs, "LAND_PATHS")
        else ""
    )
    blocks += [_Para(p.replace("{water}", water)) for p in _METHOD]
    parameters_heading = n.h1("Parameters used")
    blocks.append(parameters_heading)
    if "parameters" in tables:
        blocks.append(
            _Para(
                "Every setting that shaped this run's design and cost, with the value used and "
                "where it comes from; 'set for this run' marks what the run spec changed."
            )
        )
        prefix = parameters_heading.number.removeprefix("Appendix ")
        blocks += _parameter_tables(inputs, tables["parameters"], prefix)
    else:
        blocks.append(_Para("The parameters used were not supplied to the report."))
    blocks.append(n.h1("Data and vintages"))
    sources = list(inputs.data_sources)
    if lots is not None and "district" in lots.columns:
        sources.append(("District names", NAMES_SOURCE))
    if sources:
        blocks.append(_two_columns("Data sources", ["Source", "Vintage, file or licence"], sources))
    else:
        blocks.append(_Para("No data sources were listed for this report."))
    if "reconciliation" in tables:
        blocks.append(_display(tables["reconciliation"], _TABLES["reconciliation"][1]))
    else:
        blocks.append(_not_run("reconciliation of the extract"))
    if "payment_models" in tables:
        blocks.append(n.h1("Payment models"))
        blocks.append(_display(tables["payment_models"], _TABLES["payment_models"][1]))
    return blocks


def _workforce(inputs: ReportInputs) -> list[_Block]:
    out: list[_Block] = []
    market = inputs.market_summary
    effect = inputs.cost_effect or {}
    county = None
    if market is not None and "level" in market.columns:
        rows = market[market["level"].astype(str) == "county"]
        county = None if rows.empty else rows.iloc[0]
    rows: list[tuple[str, str]] = []
    if county is not None:
        for column, label, unit in (
            ("care_workers", "Care workers needed for today's hours", "full-time"),
            ("vacancies", "Vacancies at today's vacancy rate", "posts"),
            ("leavers_per_year", "Leavers a year at today's turnover", "care workers"),
            ("recruits_per_year", "Recruits needed a year", "care workers"),
        ):
            value = _num(county.get(column))
            if value == value:
                rows.append((label, f"{value:,.0f} {unit}"))
    travel = effect.get("travel") or {}
    if travel:
        rows.append(
            (
                "Released by shorter rounds at full effect",
                f"{travel['care_workers_released']:,.0f} full-time "
                f"({travel['care_worker_hours_released_week']:,.0f} hours a week)",
            )
        )
    viable = months_to_viable(inputs)
    if rows:
        # No caption: the section's heading says what the table is.
        table = _two_columns("", ["Measure", "Figure"], rows)
        out.append(table)
        out.append(
            _Para(
                "Care workers are full-time equivalents at "
                f"{settings.HOURS_PER_CARE_WORKER:,.0f} contact hours a week; turnover and "
                "vacancy rates are Skills for Care's. Time released by shorter rounds is time "
                "providers can use for more care, not a cut in staff."
                + (
                    f" Lots fill over {viable[0]:.0f} to {viable[2]:.0f} months, so the release "
                    "builds up over the contract."
                    if viable is not None
                    else ""
                )
            )
        )
    else:
        out.append(_not_run("workforce estimate"))
    return out
