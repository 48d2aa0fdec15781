"""The report's content as a list of blocks, rendered alike to Word and HTML.

Headings, paragraphs, bullet lists, tables and figures are built once from
:class:`~lotdesign.report.inputs.ReportInputs`, so that every format says the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from lotdesign.report.charts import _cost_chart, _market_chart, _projection_chart, _tornado_chart
from lotdesign.report.display import _Display, _display
from lotdesign.report.inputs import _TABLES, ReportInputs
from lotdesign.report.tables import report_tables
from lotdesign.report.text import executive_summary, risks_and_caveats

# Columns shown in the report's (portrait) tables; tables.xlsx has every column.
_COST_COLUMNS = (
    "level",
    "area",
    "lot_id",
    "tier",
    "district",
    "customers",
    "hours",
    "price_per_hour_current",
    "price_per_hour_proposed",
    "cost_per_customer_week_current",
    "cost_per_customer_week_proposed",
    "annual_spend_current",
    "annual_spend_proposed",
    "change_pct",
    "estimated_spend_share",
)
_FLOW_COLUMNS = (
    "lot_id",
    "tier",
    "hours",
    "start_hours_month",
    "observed_start_hours_month",
    "viable_hours",
    "months_to_viable",
    "months_to_established",
    "contracted_share_year1",
    "contracted_share_end",
)
_BENEFIT_COLUMNS = (
    "care_worker_hours_released_week",
    "care_workers_released",
    "miles_saved_week",
    "paid_travel_minutes_saved_week",
    "travel_value_week",
    "council_keeps_week",
    "providers_keep_week",
    "council_pays_more_week",
)
_MARKET_COLUMNS = (
    "level",
    "area",
    "tier",
    "providers",
    "customers",
    "hours",
    "top_provider_share",
    "hhi",
    "criss_cross_index",
    "overlap_depth",
    "mean_rate",
    "care_workers",
    "providers_proposed",
    "hhi_proposed",
)
_PROJECTION_COLUMNS = (
    "year",
    "customers",
    "hours",
    "contracted_share",
    "annual_spend_current",
    "annual_spend_proposed",
    "change_annual",
    "cumulative_change",
)
_TORNADO_COLUMNS = (
    "parameter",
    "base_value",
    "low_value",
    "high_value",
    "change_at_low",
    "change_at_high",
)


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
    "on rurality, unless a travel-time matrix was supplied.",
    "The cost model builds a price per contact hour the way the Homecare Association does "
    "(wages, on-costs, paid travel time, mileage, running the business and surplus) and "
    "models travel per visit from how densely each provider's customers lie, so that "
    "concentrating a provider's work in a lot shortens its rounds. Prices are for the "
    "analysis date's year; what the council pays for lot hours is its price policy, never "
    "below the year's cost-of-care floor or today's cost, whichever is lower, unless set. "
    "Current and proposed spend are compared per lot and tier, phased on the flow of new "
    "customers into the lots, and given P10-P90 ranges over the uncertain inputs, with a "
    "tornado of one input at a time. The market analysis counts providers per area, their shares "
    "and concentration (HHI), and how much their territories criss-cross.",
)


@dataclass
class _Heading:
    text: str
    level: int


@dataclass
class _Para:
    text: str
    kind: str = ""


@dataclass
class _Bullets:
    items: list[str]


@dataclass
class _Figure:
    caption: str
    png: bytes


_Block = _Heading | _Para | _Bullets | _Display | _Figure


def _not_run(stage: str) -> _Para:
    return _Para(f"The {stage} was not run for this report, so none of its figures are shown.")


def _content(inputs: ReportInputs, max_count: int, max_bars: int) -> list[_Block]:
    tables = report_tables(inputs, max_count=max_count)
    blocks: list[_Block] = [_Heading("Executive summary", 1)]
    blocks += [_Para(p) for p in executive_summary(inputs, max_count=max_count)]
    found = risks_and_caveats(inputs, max_count=max_count)
    if found["risks"]:
        blocks.append(_Para("Main risks:", "strong"))
        blocks.append(_Bullets(found["risks"][:4]))

    blocks.append(_Heading("Method", 1))
    blocks += [_Para(p) for p in _METHOD]
    blocks.append(_Heading("Parameters", 2))
    if "parameters" in tables:
        blocks.append(_display(tables["parameters"], _TABLES["parameters"][1]))
    else:
        blocks.append(_Para("The parameters used were not supplied to the report."))
    blocks.append(_Heading("Data sources", 2))
    if "data_sources" in tables:
        blocks.append(_display(tables["data_sources"], _TABLES["data_sources"][1]))
    else:
        blocks.append(_Para("No data sources were listed for this report."))
    blocks.append(_Heading("Data used", 2))
    if "reconciliation" in tables:
        blocks.append(_display(tables["reconciliation"], _TABLES["reconciliation"][1]))
    else:
        blocks.append(_not_run("reconciliation of the extract"))

    blocks.append(_Heading("Tiers and lots", 1))
    if "tier_summary" in tables:
        blocks.append(_display(tables["tier_summary"], _TABLES["tier_summary"][1]))
    else:
        blocks.append(_not_run("tier classification"))
    if inputs.static_map_png is not None:
        blocks.append(
            _Figure("The proposed lots, coloured by tier.", inputs.static_map_png.read_bytes())
        )
    if "lots" in tables:
        blocks.append(_display(tables["lots"], _TABLES["lot_table"][1]))
    else:
        blocks.append(_not_run("lot design"))
    if "plan_summary" in tables:
        blocks.append(_display(tables["plan_summary"], _TABLES["plan_summary"][1]))

    blocks.append(_Heading("Cost", 1))
    if not any(k in tables for k in ("cost_summary", "cost_by_lot", "cost_by_tier")):
        blocks.append(_not_run("cost model"))
    if "cost_summary" in tables:
        summary = tables["cost_summary"]
        if "level" in summary.columns:
            summary = summary[summary["level"].astype(str).isin(["county", "tier"])]
        blocks.append(_display(summary, _TABLES["cost_summary"][1], columns=_COST_COLUMNS))
    chart = _cost_chart(tables, inputs.synthetic, max_bars)
    if chart:
        blocks.append(_Figure(*chart))
    if "cost_by_lot" in tables:
        blocks.append(
            _display(tables["cost_by_lot"], _TABLES["cost_by_lot"][1], columns=_COST_COLUMNS)
        )
    if "cost_ranges" in tables:
        blocks.append(
            _display(
                tables["cost_ranges"],
                _TABLES["cost_ranges"][1],
                columns=("measure", "base", "p10", "p50", "p90"),
            )
        )
    if "travel_benefit" in tables:
        blocks.append(
            _display(
                tables["travel_benefit"].tail(1),
                _TABLES["travel_benefit"][1] + " (all lots, at full effect)",
                columns=_BENEFIT_COLUMNS,
            )
        )
    blocks.append(_Heading("Projection", 2))
    if "cost_flow" in tables:
        blocks.append(_display(tables["cost_flow"], _TABLES["cost_flow"][1], columns=_FLOW_COLUMNS))
    if "projection" in tables:
        chart = _projection_chart(tables["projection"], inputs.synthetic)
        if chart:
            blocks.append(_Figure(*chart))
        blocks.append(
            _display(tables["projection"], _TABLES["projection"][1], columns=_PROJECTION_COLUMNS)
        )
    else:
        blocks.append(_not_run("spend projection"))
    blocks.append(_Heading("Sensitivity", 2))
    if "tornado" in tables:
        chart = _tornado_chart(inputs.tornado, inputs.synthetic)
        if chart:
            blocks.append(_Figure(*chart))
        blocks.append(_display(tables["tornado"], _TABLES["tornado"][1], columns=_TORNADO_COLUMNS))
    else:
        blocks.append(_not_run("sensitivity analysis"))
    blocks.append(_Heading("Payment models", 2))
    if "payment_models" in tables:
        blocks.append(_display(tables["payment_models"], _TABLES["payment_models"][1]))
    else:
        blocks.append(_not_run("payment-model comparison"))

    blocks.append(_Heading("Market", 1))
    if "market_summary" in tables:
        chart = _market_chart(tables["market_summary"], inputs.synthetic, max_bars)
        if chart:
            blocks.append(_Figure(*chart))
        blocks.append(
            _display(
                tables["market_summary"], _TABLES["market_summary"][1], columns=_MARKET_COLUMNS
            )
        )
    else:
        blocks.append(_not_run("market analysis"))

    blocks.append(_Heading("Risks and caveats", 1))
    blocks.append(_Heading("Risks", 2))
    blocks.append(
        _Bullets(found["risks"]) if found["risks"] else _Para("No risks were found in the data.")
    )
    blocks.append(_Heading("Caveats", 2))
    blocks.append(_Bullets(found["caveats"]))
    return blocks
