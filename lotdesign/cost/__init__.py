"""Cost model: price per contact hour, travel per visit, current vs proposed scenarios.

Three layers, each usable on its own:

* **Price build-up** (:func:`price_per_hour`, :func:`price_by_visit_length`): a contact hour's
  price built up as the Homecare Association's minimum price is -- care-worker pay, paid
  travel time, on-costs, mileage, running the business and surplus.
* **Travel model** (:func:`travel_per_visit`, :func:`patch_area`, :func:`patch_travel`):
  the Beardwood-Halton-Hammersley law, a shortest tour through ``n`` random points in an
  area ``A`` is about ``k * sqrt(n * A)``, turned into road miles and minutes per visit for
  a provider whose customers lie in a patch, with a calibrated factor for real rounds.
* **Scenarios** (:func:`current_scenario`, :func:`proposed_scenario`, :func:`compare`,
  :func:`cost_summary`, :func:`project`, :func:`tornado`, :func:`payment_models`): today's
  providers against a lot plan, per lot, tier and district.

The current scenario's spend is the extract's own weekly cost (imputed where missing, and
the imputed sum is reported), so it reconciles with the extract. The model prices both
scenarios; the proposed spend is the current spend plus the modelled change in price per
hour times hours. Modelled prices therefore move the answer only through their difference,
which is what the travel model is good for.

The model lives in submodules, one per layer, and everything public is imported here, so
``from lotdesign import cost; cost.price_per_hour(...)`` works as before:

* :mod:`lotdesign.cost.params` -- the parameter sets (defaults read from
  :mod:`lotdesign.settings` when built; ``from_mapping`` for config sections);
* :mod:`lotdesign.cost.price` -- the price build-up;
* :mod:`lotdesign.cost.travel` -- the travel model;
* :mod:`lotdesign.cost.scenarios` -- current and proposed scenarios;
* :mod:`lotdesign.cost.summaries` -- comparison, summary table, projection, payment models;
* :mod:`lotdesign.cost.sensitivity` -- the one-at-a-time sensitivity (tornado).
"""

from __future__ import annotations

from lotdesign.cost.params import PaymentParams, PriceParams, ScenarioParams, TravelParams
from lotdesign.cost.price import PRICE_LINES, hca_reference, price_by_visit_length, price_per_hour
from lotdesign.cost.scenarios import current_scenario, proposed_scenario
from lotdesign.cost.sensitivity import TORNADO_PARAMETERS, tornado
from lotdesign.cost.summaries import compare, cost_summary, payment_models, project
from lotdesign.cost.travel import mst_length, patch_area, patch_travel, travel_per_visit

__all__ = [
    "PRICE_LINES",
    "TORNADO_PARAMETERS",
    "PaymentParams",
    "PriceParams",
    "ScenarioParams",
    "TravelParams",
    "compare",
    "cost_summary",
    "current_scenario",
    "hca_reference",
    "mst_length",
    "patch_area",
    "patch_travel",
    "payment_models",
    "price_by_visit_length",
    "price_per_hour",
    "project",
    "proposed_scenario",
    "tornado",
    "travel_per_visit",
]
