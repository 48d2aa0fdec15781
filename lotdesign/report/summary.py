"""The report's first page and its number-driven risks: key figures, decisions, flags.

Everything here is read from the run's (controlled) tables and its cost effect; a stage that
was not run gives no figure, never a made-up one. Thresholds are settings, read when called.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from lotdesign import settings
from lotdesign.report.inputs import ReportInputs, _parameter_text
from lotdesign.report.places import district_name
from lotdesign.report.text import (
    _between,
    _hhi_band,
    _listing,
    _money,
    _num,
    _numeric,
    _pct,
    _plural,
    _tier_row,
    _tier_shares,
    _tiers,
)


def parameter(inputs: ReportInputs, name: str) -> Any:
    """The value a run used for a setting: its parameters table's, else the setting's now."""
    text = _parameter_text(inputs, name)
    if text is not None:
        value = _num(text)
        if math.isfinite(value):
            return value
    return getattr(settings, name, None)


def district_names(value: Any, names: Mapping[str, str] | None = None) -> str:
    """``"E07000226; E07000227"`` as ``"Crawley, Horsham"`` (codes without a name kept)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    parts = [p.strip() for p in str(value).replace(",", ";").split(";") if p.strip()]
    return ", ".join(district_name(p, names) for p in parts)


def _county_market(inputs: ReportInputs) -> pd.Series | None:
    market = inputs.market_summary
    if market is None or "level" not in market.columns:
        return None
    rows = market[market["level"].astype(str) == "county"]
    return None if rows.empty else rows.iloc[0]


def _tier1_market(inputs: ReportInputs) -> pd.DataFrame | None:
    market = inputs.market_summary
    if market is None or not {"level", "tier"} <= set(market.columns):
        return None
    rows = market[(market["level"].astype(str) == "lot") & (_tiers(market) == 1)]
    return None if rows.empty else rows


def concentration(inputs: ReportInputs) -> list[tuple[str, str, str, str]]:
    """Rows of the before/after concentration table: area, providers today, HHI today and
    its band, HHI proposed and its band (text, ready to show)."""
    market = inputs.market_summary
    if market is None or "level" not in market.columns or "hhi" not in market.columns:
        return []
    out = []

    def band(value: float) -> str:
        return f"{value:,.0f} ({_hhi_band(value)})" if math.isfinite(value) else "\u2013"

    county = _county_market(inputs)
    if county is not None:
        out.append(
            (
                "The whole area",
                f"{_num(county.get('providers')):,.0f}",
                band(_num(county.get("hhi"))),
                "\u2013",
            )
        )
    level = market["level"].astype(str)
    for row in market[level == "district"].itertuples(index=False):
        out.append(
            (
                district_name(row.area, inputs.district_names),
                f"{_num(getattr(row, 'providers', None)):,.0f}",
                band(_num(row.hhi)),
                "\u2013",
            )
        )
    lots = _tier1_market(inputs)
    if lots is not None:
        today = _numeric(lots["hhi"]).median()
        after = _numeric(lots["hhi_proposed"]).median() if "hhi_proposed" in lots else math.nan
        providers = _numeric(lots["providers"]).median() if "providers" in lots else math.nan
        out.append(
            (
                f"A Tier 1 lot (median of {len(lots)})",
                f"{providers:,.0f}" if math.isfinite(providers) else "\u2013",
                band(today),
                band(after),
            )
        )
    return out


def months_to_viable(inputs: ReportInputs) -> tuple[float, float, float, int] | None:
    """Tier 1 lots' months to viable volume: min, median, max and lots never viable."""
    flow = inputs.cost_flow
    if flow is None or "months_to_viable" not in flow.columns:
        return None
    rows = flow[_tiers(flow) == 1] if "tier" in flow.columns else flow
    months = _numeric(rows["months_to_viable"])
    if months.notna().sum() == 0:
        return None
    return (
        float(months.min()),
        float(months.median()),
        float(months.max()),
        int(months.isna().sum()),
    )


def key_figures(inputs: ReportInputs) -> list[tuple[str, str]]:
    """The first page's table: what the design does, what it costs, when, and the market."""
    out: list[tuple[str, str]] = []
    ts, lots = inputs.tier_summary, inputs.lot_table
    if ts is not None and not ts.empty:
        shares = _tier_shares(ts)
        for tier, what in ((1, "Tier 1 lead-provider lots"), (2, "Tier 2 rural zones")):
            row = _tier_row(ts, tier)
            if row is None:
                continue
            n = _num(row.get("lots"))
            hours = _num(row.get("hours"))
            count = f"{n:,.0f}" if math.isfinite(n) else "\u2013"
            hours_text = f", {hours:,.0f} hours a week" if math.isfinite(hours) else ""
            out.append((what, f"{count}: {_pct(shares.get(tier, math.nan))} of hours{hours_text}"))
        row3 = _tier_row(ts, 3)
        if row3 is not None:
            out.append(("Tier 3, bought case by case", f"{_pct(shares.get(3, math.nan))} of hours"))
        row4 = _tier_row(ts, 4)
        if row4 is not None and "reserve_hours" in ts.columns:
            reserve = _num(row4["reserve_hours"])
            if math.isfinite(reserve):
                out.append(("Tier 4 reserve (dynamic purchasing)", f"{reserve:,.0f} hours a week"))
    if lots is not None and not lots.empty and "passes" in lots.columns:
        passing = lots["passes"].map(lambda v: str(v).strip().casefold() in ("true", "pass"))
        out.append(("Lots passing every rule", f"{int(passing.sum())} of {len(lots)}"))
    effect = inputs.cost_effect or {}
    ranges = effect.get("ranges") or {}
    policy = effect.get("policy") or {}
    cpw = ranges.get("change_per_customer_week") or {}
    if cpw.get("p10") is not None:
        text = _between(cpw["p10"], cpw["p90"], " per customer-week")
        pct = ranges.get("change_pct") or {}
        if pct.get("p10") is not None and text != "nil":
            text += f" ({pct['p10']:+.1f}% to {pct['p90']:+.1f}% of spend)"
        held = effect.get("lots_raised_to_bound", 0)
        if text == "nil" and held and held == effect.get("lots"):
            text += (
                f": in all {held} lots the policy's price is held at the lower of the floor "
                "and today's price, which is today's"
                if effect.get("lots_under_floor_today") == held
                else f": in all {held} lots the policy's price is held at its bound"
            )
        out.append(("Change in cost at full effect (P10 to P90)", text))
    term = ranges.get("change_term") or {}
    timing = effect.get("timing") or {}
    if term.get("p10") is not None and timing.get("years"):
        out.append(
            (
                f"Change in spend over the {timing['years']}-year term (P10 to P90)",
                _between(term["p10"], term["p90"]),
            )
        )
    if policy:
        year = (effect.get("price_year") or {}).get("year", "")
        text = str(policy.get("text", "not stated"))
        held = effect.get("lots_raised_to_bound", 0)
        if held and policy.get("kind") == "pass_back":
            text += f"; held at the lower of the floor and today's price in {held} of "
            text += f"{effect.get('lots', held)} lots"
        out.append((f"Price policy ({year} prices)", text))
    if timing:
        if timing.get("new_customers_only") and timing.get("contracted_share_year1") is not None:
            out.append(
                (
                    "Timing (new customers only)",
                    f"{_pct(timing['contracted_share_year1'])} of lot hours on the new "
                    f"contracts in year 1, {_pct(timing['contracted_share_last_year'])} in "
                    f"year {timing.get('years')}",
                )
            )
        elif not timing.get("new_customers_only"):
            out.append(("Timing", "every lot customer transfers at the start"))
    viable = months_to_viable(inputs)
    if viable is not None:
        low, mid, high, never = viable
        text = f"median {mid:.0f} months (range {low:.0f} to {high:.0f})"
        if never:
            text += f"; {_plural(never, 'lot', 'lots')} not within the term"
        out.append(("Tier 1 lots: months to viable volume", text))
    travel = effect.get("travel")
    if travel:
        hours = ranges.get("care_worker_hours_released_week") or {}
        spread = (
            f" (P10 to P90 {hours['p10']:,.0f} to {hours['p90']:,.0f})"
            if hours.get("p10") is not None
            else ""
        )
        out.append(
            (
                "Care-worker time released by zoning",
                f"{travel['care_worker_hours_released_week']:,.0f} hours a week{spread}, about "
                f"{travel['care_workers_released']:,.0f} full-time care workers",
            )
        )
    county = _county_market(inputs)
    if county is not None:
        hhi = _num(county.get("hhi"))
        text = f"{_num(county.get('providers')):,.0f} providers"
        if math.isfinite(hhi):
            text += f"; HHI {hhi:,.0f} ({_hhi_band(hhi)})"
        t1 = _tier1_market(inputs)
        if t1 is not None and "hhi_proposed" in t1.columns:
            after = _numeric(t1["hhi_proposed"]).median()
            if math.isfinite(after):
                text += f"; within a Tier 1 lot, HHI {after:,.0f} proposed"
        out.append(("Market today", text))
    return out


def decisions(inputs: ReportInputs) -> list[str]:
    """What the council is asked to decide, each from this run's numbers."""
    out: list[str] = []
    ts, lots = inputs.tier_summary, inputs.lot_table
    if ts is not None and not ts.empty:
        shares = _tier_shares(ts)
        row1, row2 = _tier_row(ts, 1), _tier_row(ts, 2)
        n1 = _num(row1.get("lots")) if row1 is not None else math.nan
        n2 = _num(row2.get("lots")) if row2 is not None else math.nan
        text = f"Approve the design: {n1:,.0f} Tier 1 lots holding {_pct(shares.get(1, 0))} "
        text += "of weekly hours"
        if math.isfinite(n2) and n2 > 0:
            text += f" and {n2:,.0f} Tier 2 rural zones"
        failing = 0
        if lots is not None and "passes" in lots.columns:
            failing = int(
                lots["passes"].map(lambda v: str(v).strip().casefold() in ("false", "fail")).sum()
            )
        text += (
            f", after redrawing or accepting the {failing} that fail a rule."
            if failing
            else ", every lot meeting every rule checked."
        )
        out.append(text)
    tradeoff = inputs.policy_tradeoff
    if tradeoff is not None and len(tradeoff) > 1 and "policy" in tradeoff.columns:
        parts = []
        for row in tradeoff.itertuples(index=False):
            part = f"{row.policy} ({_num(getattr(row, 'lots', None)):,.0f} lots"
            share = _num(getattr(row, "tier1_share", None))
            if math.isfinite(share):
                part += f", {_pct(share)} of hours"
            over = _num(getattr(row, "lots_over_after_growth", None))
            if math.isfinite(over):
                part += f", {over:,.0f} over the ceiling after growth"
            parts.append(part + ")")
        out.append(
            "Choose the lot-size policy: " + " or ".join(parts) + "; the findings compare them."
        )
    effect = inputs.cost_effect or {}
    policy = effect.get("policy") or {}
    year = effect.get("price_year") or {}
    if policy:
        text = f"Set the price for lot hours: this run's policy is {policy.get('text')}"
        under = effect.get("lots_under_floor_today")
        if under and year:
            text += (
                f". Today's price is below the {year['year']} cost-of-care floor "
                f"({_money(year['floor'])} an hour) in {under} of {effect.get('lots')} lots, so "
                "the council must decide whether to pay the floor there"
            )
        travel = effect.get("travel") or {}
        if travel.get("providers_keep_week"):
            text += (
                f"; providers keep {_money(travel['providers_keep_week'])} a week of the travel "
                "saving under this policy"
            )
        out.append(text + ".")
    viable = months_to_viable(inputs)
    timing = effect.get("timing") or {}
    if viable is not None and timing.get("new_customers_only"):
        low, mid, high, never = viable
        out.append(
            "Decide whether lots take new customers only (as planned) or also transfer existing "
            f"ones: with new customers only, Tier 1 lots take {low:.0f} to {high:.0f} months "
            f"(median {mid:.0f}) to reach viable volume"
            + (f" and {never} never do within the term" if never else "")
            + "."
        )
    t1 = _tier1_market(inputs)
    if t1 is not None and "hhi_proposed" in t1.columns:
        after = _numeric(t1["hhi_proposed"]).median()
        if math.isfinite(after):
            out.append(
                f"Agree how to manage dependence on two providers per lot (HHI {after:,.0f} "
                "within a lot): step-in terms, the secondary provider's share and the Tier 4 "
                "reserve."
            )
    return out


def number_risks(
    inputs: ReportInputs,
    *,
    band_edge_share: float | None = None,
    slow_viable_share: float | None = None,
    hhi_high: float | None = None,
) -> list[str]:
    """Risks that follow from this run's numbers, beyond the rule checks.

    Lots near a band edge (``REPORT_BAND_EDGE_SHARE``), lots slow to viable volume
    (``REPORT_SLOW_VIABLE_SHARE`` of the term), concentration within the proposed lots
    (``MARKET_HHI_HIGHLY_CONCENTRATED``), customers beyond the drive-time limit under the
    reach tolerance, and estimated data. Defaults are read when called.
    """
    band_edge_share = (
        settings.REPORT_BAND_EDGE_SHARE if band_edge_share is None else band_edge_share
    )
    slow_viable_share = (
        settings.REPORT_SLOW_VIABLE_SHARE if slow_viable_share is None else slow_viable_share
    )
    hhi_high = settings.MARKET_HHI_HIGHLY_CONCENTRATED if hhi_high is None else hhi_high
    risks: list[str] = []
    lots = inputs.lot_table
    if lots is not None and not lots.empty and {"lot_id", "tier", "hours"} <= set(lots.columns):
        tiers = _tiers(lots)
        hours = _numeric(lots["hours"])
        for tier, prefix in ((1, "LOT"), (2, "TIER2")):
            low, high = (
                parameter(inputs, f"{prefix}_MIN_HOURS"),
                parameter(inputs, f"{prefix}_MAX_HOURS"),
            )
            if low is None or high is None:
                continue
            mine = tiers == tier
            near_floor = lots.loc[mine & (hours < low * (1 + band_edge_share)), "lot_id"]
            near_ceiling = lots.loc[mine & (hours > high * (1 - band_edge_share)), "lot_id"]
            what = "Tier 1 lots" if tier == 1 else "Tier 2 zones"
            if len(near_floor):
                risks.append(
                    f"{_plural(len(near_floor), what[:-1], what)} within "
                    f"{band_edge_share:.0%} of the {low:,.0f}-hour floor "
                    f"({_listing([str(x) for x in near_floor])}): a few packages ending would "
                    "take them below it."
                )
            if len(near_ceiling):
                risks.append(
                    f"{_plural(len(near_ceiling), what[:-1], what)} within "
                    f"{band_edge_share:.0%} of the {high:,.0f}-hour ceiling "
                    f"({_listing([str(x) for x in near_ceiling])}): about two years of demand "
                    "growth would carry them over it."
                )
        if "customers_beyond" in lots.columns:
            beyond = _numeric(lots["customers_beyond"])
            far = lots.loc[beyond > 0, "lot_id"]
            if len(far):
                tolerance = parameter(inputs, "LOT_REACH_TOLERANCE") or 0.0
                risks.append(
                    f"In {_plural(len(far), 'lot', 'lots')} some customers live beyond the "
                    f"drive-time limit, as the reach tolerance ({tolerance:.0%}) allows "
                    f"({_listing([str(x) for x in far])}): their visits cost more to reach."
                )
    effect = inputs.cost_effect or {}
    timing = effect.get("timing") or {}
    flow = inputs.cost_flow
    years = timing.get("years") or parameter(inputs, "PROJECTION_YEARS")
    if flow is not None and "months_to_viable" in flow.columns and years:
        limit = slow_viable_share * 12 * float(years)
        months = _numeric(flow["months_to_viable"])
        slow = flow.loc[(months > limit) | months.isna(), "lot_id"].astype(str).tolist()
        if slow:
            risks.append(
                f"{_plural(len(slow), 'lot takes', 'lots take')} more than {limit:.0f} months "
                f"({slow_viable_share:.0%} of the {float(years):.0f}-year term) to reach "
                f"viable volume with new customers only, or never do ({_listing(slow)}): their "
                "lead providers carry thin volume for years."
            )
    t1 = _tier1_market(inputs)
    if t1 is not None and "hhi_proposed" in t1.columns:
        after = _numeric(t1["hhi_proposed"])
        hot = int((after > hhi_high).sum())
        if hot:
            today = _numeric(t1["hhi"]).median()
            risks.append(
                f"Within {hot} of {len(t1)} Tier 1 lots the lead and secondary providers would "
                f"hold all lot hours: HHI {after.median():,.0f}, highly concentrated (above "
                f"{hhi_high:,.0f}), against a median of {today:,.0f} today. A lead provider's "
                "failure would leave a lot with one provider: keep step-in terms and the Tier 4 "
                "reserve ready."
            )
    spend = effect.get("spend") or {}
    if spend.get("imputed_lines") and spend.get("weekly_spend"):
        share = spend["imputed_weekly_cost"] / spend["weekly_spend"]
        risks.append(
            f"{spend['imputed_lines']:,} of {spend.get('lines', 0):,} package lines had no cost "
            f"and were priced at {_money(spend.get('default_rate', math.nan))} an hour: "
            f"{_money(spend['imputed_weekly_cost'])} a week, {100 * share:.1f}% of spend, is "
            "estimated."
        )
    return risks
