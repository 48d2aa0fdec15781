"""Cost model: prices for a year, travel per visit, a price policy, the flow, ranges.

Layers, each usable on its own:

* **Price years** (:func:`price_year`, :func:`financial_year`): the analysis date picks the
  price year; its wage, employer NI, running-the-business share and cost-of-care floor come
  from sourced year tables, uprated (and said so) after the newest published year.
* **Price build-up** (:func:`price_per_hour`, :func:`price_by_visit_length`,
  :func:`hca_reference`): a contact hour's price built up as the Homecare Association's
  minimum price is; it reproduces each published year's total.
* **Travel model** (:func:`travel_per_visit`, :func:`patch_area`, :func:`patch_travel`):
  the Beardwood-Halton-Hammersley law turned into road miles and minutes per visit for a
  provider whose customers lie in a patch, with a calibrated factor for real rounds.
* **Scenarios and policy** (:func:`current_scenario`, :func:`proposed_scenario`,
  :class:`PricePolicy`): today's providers against a lot plan; what the council pays for lot
  hours is a policy (hold, rate card, floor, pass back a share of the travel saving), never
  below the year's floor or today's cost, whichever is lower, unless set explicitly.
* **Summaries** (:func:`compare`, :func:`cost_summary`, :func:`travel_benefit`,
  :func:`payment_models`): per lot, tier and district, and the travel saving as a benefit.
* **Flow** (:func:`estimate_turnover`, :func:`flow_by_lot`, :func:`project`): lots take new
  customers only, so volume, viability and any saving arrive as packages turn over.
* **Ranges** (:func:`monte_carlo`, :func:`tornado`, :func:`cost_effect`): P10/P50/P90 of
  the effect and which inputs can flip its sign.
* **All of it** (:func:`cost_model`, :func:`effect_summary`): what ``lotdesign run`` does.

Current spend is the extract's own weekly cost (imputed where missing; the imputed lines and
spend are counted), so it reconciles with the extract to the penny.
"""

from __future__ import annotations

from lotdesign.cost.flow import FlowParams, Turnover, estimate_turnover, flow_by_lot, project
from lotdesign.cost.model import cost_model, effect_summary
from lotdesign.cost.params import PaymentParams, PriceParams, ScenarioParams, TravelParams
from lotdesign.cost.policy import POLICIES, PricePolicy, apply_price_policy
from lotdesign.cost.price import (
    PRICE_LINES,
    build_up_coefficients,
    hca_reference,
    price_by_visit_length,
    price_per_hour,
)
from lotdesign.cost.scenarios import current_scenario, lot_table, proposed_scenario
from lotdesign.cost.sensitivity import (
    METRICS,
    RANGED,
    SWUNG,
    CostBase,
    RangeParams,
    cost_effect,
    monte_carlo,
    tornado,
)
from lotdesign.cost.summaries import compare, cost_summary, payment_models, travel_benefit
from lotdesign.cost.travel import mst_length, patch_area, patch_travel, travel_per_visit
from lotdesign.cost.years import PriceYear, financial_year, price_year

__all__ = [
    "CostBase",
    "FlowParams",
    "METRICS",
    "POLICIES",
    "PRICE_LINES",
    "PaymentParams",
    "PriceParams",
    "PricePolicy",
    "PriceYear",
    "RANGED",
    "RangeParams",
    "SWUNG",
    "ScenarioParams",
    "TravelParams",
    "Turnover",
    "apply_price_policy",
    "build_up_coefficients",
    "compare",
    "cost_effect",
    "cost_model",
    "cost_summary",
    "current_scenario",
    "effect_summary",
    "estimate_turnover",
    "financial_year",
    "flow_by_lot",
    "hca_reference",
    "lot_table",
    "monte_carlo",
    "mst_length",
    "patch_area",
    "patch_travel",
    "payment_models",
    "price_by_visit_length",
    "price_per_hour",
    "price_year",
    "project",
    "proposed_scenario",
    "tornado",
    "travel_benefit",
    "travel_per_visit",
]
