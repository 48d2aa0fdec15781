"""The report's words from its numbers: the executive summary, risks and caveats.

Nothing here invents a figure: a stage that was not run is said to be not run, and counts of
people are suppressed as in the tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import columns as registry
from lotdesign import settings
from lotdesign.disclosure import SECONDARY_LABEL, suppress_count
from lotdesign.report.inputs import ReportInputs, _parameter_flag

_PASS_WORDS = frozenset({"pass", "passed", "passes", "ok", "green", "yes", "true", "met"})
_FAIL_WORDS = frozenset({"fail", "failed", "fails", "red", "no", "false", "breach"})
_WARN_WORDS = frozenset({"amber", "warn", "warning"})
# Cell values that mark a rule check (yes/no and true/false are not enough on their own).
_RULE_VALUES = (_PASS_WORDS | _FAIL_WORDS | _WARN_WORDS) - {"yes", "no", "true", "false"}


def _num(value: Any) -> float:
    number = pd.to_numeric(pd.Series([value], dtype=object), errors="coerce").iloc[0]
    return float(number) if pd.notna(number) else math.nan


def _numeric(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.astype(object), errors="coerce").astype(float)


def _tiers(frame: pd.DataFrame) -> pd.Series:
    return _numeric(frame["tier"]) if "tier" in frame.columns else pd.Series(dtype=float)


def _tier_shares(tier_summary: pd.DataFrame) -> dict[int, float]:
    """Share of all weekly hours by tier, from ``share``/``share_hours`` (a fraction or a
    percentage) or else from ``hours``; rows that are not a tier (``total``) are ignored."""
    tiers = _tiers(tier_summary)
    column = next((c for c in ("share_hours", "share") if c in tier_summary.columns), None)
    if column is not None:
        share = _numeric(tier_summary[column])
        if share[tiers.notna()].max(skipna=True) > 1.0 + 1e-9:
            share = share / 100.0
    elif "hours" in tier_summary.columns:
        hours = _numeric(tier_summary["hours"]).where(tiers.notna())
        share = hours / hours.sum() if hours.sum() > 0 else hours * np.nan
    else:
        return {}
    return {int(t): float(s) for t, s in zip(tiers, share, strict=True) if pd.notna(t)}


def _tier_row(tier_summary: pd.DataFrame, tier: int) -> pd.Series | None:
    rows = tier_summary[_tiers(tier_summary) == tier]
    return None if rows.empty else rows.iloc[0]


def _county_cost(cost_summary: pd.DataFrame | None) -> pd.Series | None:
    if cost_summary is None or cost_summary.empty:
        return None
    if "level" in cost_summary.columns:
        rows = cost_summary[cost_summary["level"].astype(str) == "county"]
        return None if rows.empty else rows.iloc[0]
    return cost_summary.iloc[0] if len(cost_summary) == 1 else None


def _annual(row: pd.Series, which: str) -> float:
    if f"annual_spend_{which}" in row.index:
        return _num(row[f"annual_spend_{which}"])
    if f"weekly_spend_{which}" in row.index:
        return _num(row[f"weekly_spend_{which}"]) * settings.WEEKS_PER_YEAR
    return math.nan


def _status(value: Any) -> str | None:
    """``"pass"``, ``"fail"`` or ``"warn"`` for a rule-check cell, None if it is not one."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return "pass" if value else "fail"
    text = str(value).strip().casefold()
    if text in _PASS_WORDS:
        return "pass"
    if text in _FAIL_WORDS:
        return "fail"
    if text in _WARN_WORDS:
        return "warn"
    return None


def _rule_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding pass/fail (or RAG) results.

    Every value must read as a status. A registered column is a check if the column registry
    says so (:mod:`lotdesign.columns`, ``rule=True``); an unregistered one only if its values
    are pass/fail/RAG words, so that a flag such as ``locked`` is never mistaken for a failed
    rule. Names are not read.
    """
    out = []
    for column in frame.columns:
        values = frame[column].dropna()
        if values.empty or not all(_status(v) is not None for v in values):
            continue
        entry = registry.get(column)
        if entry is not None:
            if entry.rule:
                out.append(column)
        elif any(isinstance(v, str) and v.strip().casefold() in _RULE_VALUES for v in values):
            out.append(column)
    return out


def _failing_lots(lot_table: pd.DataFrame) -> list[str]:
    rules = _rule_columns(lot_table)
    if not rules or "lot_id" not in lot_table.columns:
        return []
    failed = lot_table[rules].apply(lambda row: any(_status(v) == "fail" for v in row), axis=1)
    return [str(x) for x in lot_table.loc[failed, "lot_id"]]


def _listing(items: Sequence[str], most: int = 8) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _money(value: float) -> str:
    if not math.isfinite(value):
        return SECONDARY_LABEL  # hidden by the disclosure control
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e6:
        return f"{sign}\u00a3{value / 1e6:,.2f}m"
    if value >= 1e3:
        return f"{sign}\u00a3{value:,.0f}"
    return f"{sign}\u00a3{value:,.2f}"


def _pct(share: float) -> str:
    if not math.isfinite(share):
        return SECONDARY_LABEL  # hidden by the disclosure control
    return f"{100 * share:.0f}%"


def _hours_text(hours: float) -> str:
    return f"{hours:,.0f}" if math.isfinite(hours) else SECONDARY_LABEL


def _controlled(inputs: ReportInputs, max_count: int) -> ReportInputs:
    """The inputs through the disclosure control, so that words say only what tables show
    (a no-op for inputs already controlled, as a run's are)."""
    import warnings

    from lotdesign.report.tables import controlled_inputs

    with warnings.catch_warnings():
        # The tables warn about columns they leave out; the words need not repeat it.
        warnings.simplefilter("ignore", registry.UnregisteredColumnWarning)
        return controlled_inputs(inputs, max_count=max_count)


def _people(value: Any, max_count: int) -> str:
    return registry.fmt("customers", suppress_count(value, max_count=max_count))


def _hhi_band(hhi: float) -> str:
    if hhi > settings.MARKET_HHI_HIGHLY_CONCENTRATED:
        return "highly concentrated"
    if hhi > settings.MARKET_HHI_CONCENTRATED:
        return "concentrated"
    return "unconcentrated"


def _between(low: float, high: float, unit: str = "") -> str:
    """A P10-P90 range of a change in words: a saving, an increase, or either."""
    low, high = sorted((low, high))
    if abs(low) < 0.005 and abs(high) < 0.005:
        return "nil"
    if high <= 0:
        a, b = _money(-high), _money(-low)
        return f"a saving of {a}{unit}" if a == b else f"a saving of {a} to {b}{unit}"
    if low >= 0:
        a, b = _money(low), _money(high)
        return f"an increase of {a}{unit}" if a == b else f"an increase of {a} to {b}{unit}"
    return f"between a saving of {_money(-low)}{unit} and an increase of {_money(high)}{unit}"


def cost_sentences(effect: Any, *, max_count: int | None = None) -> list[str]:
    """The executive summary's cost paragraphs, from :func:`lotdesign.cost.effect_summary`.

    The prices' year and source, the price policy and its guard, the change as a P10-P90
    range at full effect and over the contract with its timing, the travel saving as a
    benefit and who keeps it, and anything that could not be computed (estimated spend, no
    provider column).
    """
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
    out: list[str] = []
    year = effect.get("price_year") or {}
    policy = effect.get("policy") or {}
    floor = year.get("floor")
    spend = effect.get("spend") or {}
    if spend and not spend.get("cost_column", True):
        out.append(
            "The extract has no cost column, so today's spend is estimated: every package line "
            f"is priced at {_money(spend['default_rate'])} an hour ({spend['default_rate_source']})"
            ", and every spend figure in this report is an estimate, not the council's spend."
        )
    elif spend.get("imputed_lines"):
        share = spend["imputed_weekly_cost"] / spend["weekly_spend"] if spend["weekly_spend"] else 0
        out.append(
            f"Today's spend is the extract's own, except for "
            f"{_people(spend['imputed_lines'], max_count)} package lines without a cost, "
            f"estimated from their hours ({_money(spend['imputed_weekly_cost'])} a week, "
            f"{100 * share:.1f}% of spend)."
        )
    if year:
        guard = (
            "; lots may be priced below the floor (set for this run), and each such lot is flagged"
            if policy.get("allow_below_floor")
            else f"; no lot is priced below the {year['year']} floor ({_money(floor)} an hour) "
            "or below what it costs today, whichever is lower"
        )
        basis = str(year.get("basis", "")).removeprefix(f"{year['year']}: ")
        basis = basis[:1].upper() + basis[1:]
        out.append(
            f"Prices are for {year['year']}. {basis} The price the council pays for lot hours "
            f"is a policy: {policy.get('text', 'not stated')}{guard}."
        )
    tiers = effect.get("prices_by_tier") or {}
    if tiers:
        parts = [
            f"Tier {t} {_money(v['price_current'])} now and {_money(v['price_proposed'])} proposed"
            for t, v in sorted(tiers.items())
        ]
        raised = effect.get("lots_raised_to_bound", 0)
        text = "Price per contact hour, hours-weighted: " + "; ".join(parts) + "."
        if raised and policy.get("kind") == "pass_back":
            under = effect.get("lots_under_floor_today", 0)
            text += (
                f" In {raised} of {effect['lots']} lots the policy's price would fall below "
                "the lower of the floor and today's price, so it is held there"
            )
            text += (
                f"; {under} lots cost less than the floor today, so no travel saving can be "
                "passed back there without pricing below it."
                if under
                else "."
            )
        out.append(text)
    ranges = effect.get("ranges") or {}
    timing = effect.get("timing") or {}
    cpw, term = ranges.get("change_per_customer_week"), ranges.get("change_term")
    years = timing.get("years")
    if cpw and cpw.get("p10") is not None:
        between = _between(cpw["p10"], cpw["p90"])
        central = "" if between == "nil" else f"; central {_money(cpw['p50'])}"
        between = "nil throughout the ranges" if between == "nil" else between
        text = (
            f"At full effect, with every lot customer on the new contracts, the change in cost "
            f"per customer-week is {between} (P10 to P90{central})"
        )
        pct = ranges.get("change_pct") or {}
        if pct.get("p10") is not None and not (abs(pct["p10"]) < 0.005 and abs(pct["p90"]) < 0.005):
            text += f", {pct['p10']:+.1f}% to {pct['p90']:+.1f}% of spend"
        out.append(text + ".")
    if timing:
        turnover = timing.get("turnover") or {}
        if timing.get("new_customers_only"):
            text = (
                "Lots take new customers only (no transfer of existing customers, as in the "
                f"reference design), so the change arrives as packages end. "
                f"{turnover.get('basis', '')}"
            )
            if timing.get("contracted_share_year1") is not None:
                text += (
                    f" About {_pct(timing['contracted_share_year1'])} of lot hours are on the "
                    f"new contracts in year 1 and {_pct(timing['contracted_share_last_year'])} "
                    f"in year {years}."
                )
        else:
            text = "Every customer in a lot transfers to its lead or secondary provider at once."
        if term and term.get("p10") is not None and years:
            text += (
                f" Over the {years}-year contract (years 1 to {years}, with demand growth of "
                f"{effect['growth']['demand_growth']:.1%} a year and rates rising "
                f"{effect['growth']['rate_uplift']:.1%} a year) the change in spend is "
                f"{_between(term['p10'], term['p90'])} in all (P10 to P90)."
            )
        out.append(text)
        n1 = timing.get("tier1_lots")
        if n1:
            ok = timing.get("tier1_viable_within_term", 0)
            text = (
                f"Tier 1 lots reach viable volume (lead and secondary together holding the "
                f"Tier 1 floor) in {ok} of {n1} lots within the contract"
            )
            if ok:
                text += (
                    f", after {timing['months_to_viable_min']:.0f} to "
                    f"{timing['months_to_viable_max']:.0f} months (median "
                    f"{timing['months_to_viable_median']:.0f})"
                )
            out.append(text + ".")
    travel = effect.get("travel")
    if travel:
        if travel["council_keeps_week"] > 0.005:
            keeps = (
                f"under this policy the council keeps {_money(travel['council_keeps_week'])} a "
                f"week of it and providers {_money(travel['providers_keep_week'])}"
            )
        else:
            keeps = "under this policy the providers keep all of it"
        if travel.get("council_pays_more_week"):
            keeps += (
                f", and the council pays {_money(travel['council_pays_more_week'])} a week more"
            )
        hours = ranges.get("care_worker_hours_released_week") or {}
        spread = (
            f" (P10 to P90 {hours['p10']:,.0f} to {hours['p90']:,.0f})"
            if hours.get("p10") is not None
            else ""
        )
        out.append(
            f"Zoning cuts travel: at full effect about "
            f"{travel['care_worker_hours_released_week']:,.0f} care-worker hours a week{spread} "
            f"(about {travel['care_workers_released']:,.0f} full-time care workers) and "
            f"{travel['miles_saved_week']:,.0f} miles a week, worth "
            f"{_money(travel['travel_value_week'])} a week at {year.get('year', 'this year')}'s "
            f"prices; {keeps}."
        )
    elif effect.get("travel_modelled") is False:
        out.append(
            "Today's travel cannot be modelled without each customer's provider (the extract "
            "has no provider column), so no travel saving is shown and none is passed back."
        )
    return out


def executive_summary(
    inputs: ReportInputs,
    *,
    max_count: int | None = None,
    seed_tier1_areas: int | None = None,
    seed_tier1_share: float | None = None,
) -> list[str]:
    """The executive summary's sentences, written from the numbers.

    Tiers and Tier 1 coverage (against the reference design's ``seed_tier1_areas`` areas
    holding ``seed_tier1_share`` of business), the lots' rule checks, the change in cost and
    the market today. A stage that was not run is said to be not run; nothing is invented.

    Parameters
    ----------
    inputs
        The report's inputs.
    max_count
        Counts of people from 1 to this are shown as ``"1–7"``.
    seed_tier1_areas, seed_tier1_share
        The reference design (seed 003, West Sussex 2019).

    Every keyword defaults to its setting (``SUPPRESS_MAX_COUNT``, ``SEED_TIER1_AREAS``,
    ``SEED_TIER1_SHARE``), read when the function is called.

    Returns
    -------
    list of str
        One paragraph each.
    """
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
    inputs = _controlled(inputs, max_count)
    seed_tier1_areas = settings.SEED_TIER1_AREAS if seed_tier1_areas is None else seed_tier1_areas
    seed_tier1_share = settings.SEED_TIER1_SHARE if seed_tier1_share is None else seed_tier1_share
    out: list[str] = []
    if inputs.synthetic:
        out.append(
            "This report was made from synthetic demonstration data (made-up customers on "
            "real postcodes). Its figures describe no real person, provider or council."
        )
    out += design_sentences(
        inputs,
        max_count=max_count,
        seed_tier1_areas=seed_tier1_areas,
        seed_tier1_share=seed_tier1_share,
    )
    out += cost_paragraphs(inputs, max_count=max_count)
    out += market_sentences(inputs, max_count=max_count)
    return out


def design_sentences(
    inputs: ReportInputs,
    *,
    max_count: int | None = None,
    seed_tier1_areas: int | None = None,
    seed_tier1_share: float | None = None,
) -> list[str]:
    """The summary's sentences on tiers, Tier 1 coverage and the lots' rule checks."""
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
    inputs = _controlled(inputs, max_count)
    seed_tier1_areas = settings.SEED_TIER1_AREAS if seed_tier1_areas is None else seed_tier1_areas
    seed_tier1_share = settings.SEED_TIER1_SHARE if seed_tier1_share is None else seed_tier1_share
    out: list[str] = []
    ts, lots = inputs.tier_summary, inputs.lot_table
    if ts is None and lots is None:
        out.append(
            "The lot design was not run, so this report shows no tiers or lots and no Tier 1 "
            "coverage."
        )
    if ts is not None and not ts.empty:
        shares = _tier_shares(ts)
        row1 = _tier_row(ts, 1)
        n1 = int(_num(row1["lots"])) if row1 is not None and "lots" in ts.columns else None
        if n1 is None and lots is not None and "tier" in lots.columns:
            n1 = int((_tiers(lots) == 1).sum())
        share1 = shares.get(1, 0.0)
        hours = _numeric(ts["hours"]) if "hours" in ts.columns else None
        in_hours = ""
        if hours is not None and row1 is not None:
            # Tier 4's own hours are demand (oversize units) when its reserve is a column.
            demand_tiers = [1, 2, 3, 4] if "reserve_hours" in ts.columns else [1, 2, 3]
            demand_hours = hours[_tiers(ts).isin(demand_tiers)]
            total = ts[ts["tier"].astype(str) == "total"] if "tier" in ts.columns else ts[:0]
            # A tier hidden by the disclosure control: the total is the county's own figure.
            demand = (
                _num(total["hours"].iloc[0])
                if demand_hours.isna().any() and len(total)
                else float(demand_hours.sum())
            )
            in_hours = (
                f" ({_hours_text(_num(row1['hours']))} of {_hours_text(demand)} weekly hours)"
            )
            if demand_hours.isna().any() and not len(total):
                # A hidden tier and no total row: say only what is shown.
                in_hours = f" ({_hours_text(_num(row1['hours']))} weekly hours)"
        gap = share1 - seed_tier1_share
        compare = (
            "in line with"
            if abs(gap) < 0.025
            else (f"{100 * abs(gap):.0f} percentage points {'above' if gap > 0 else 'below'}")
        )
        lots_text = (
            _plural(n1, "Tier 1 lead-provider lot", "Tier 1 lead-provider lots")
            if n1 is not None
            else "Tier 1 lots"
        )
        out.append(
            f"The design puts {_pct(share1)} of weekly hours{in_hours} into {lots_text}, "
            f"{compare} the reference design's {seed_tier1_areas} areas holding about "
            f"{_pct(seed_tier1_share)} of business (West Sussex, 2019)."
        )
        parts = []
        for tier, what in ((2, "Tier 2 rural zones"), (3, "Tier 3 (bought case by case)")):
            row = _tier_row(ts, tier)
            if row is None:
                continue
            zones = int(_num(row["lots"])) if tier == 2 and "lots" in ts.columns else None
            count = "" if zones is None else f"{zones} "
            if zones == 1:
                what = "Tier 2 rural zone"
            customers = (
                f", {_people(row['customers'], max_count)} customers"
                if "customers" in ts.columns
                else ""
            )
            if tier == 3 and "hours" in ts.columns and _num(row["hours"]) == 0:
                parts.append("no hours are left to Tier 3 (bought case by case)")
                continue
            verb = "holds" if zones == 1 or tier == 3 else "hold"
            parts.append(f"{count}{what} {verb} {_pct(shares.get(tier, 0.0))} of hours{customers}")
        row4 = _tier_row(ts, 4)
        reserve = "reserve_hours" if "reserve_hours" in ts.columns else "hours"
        if row4 is not None and reserve in ts.columns:
            parts.append(
                f"the Tier 4 reserve (dynamic purchasing system) is sized at "
                f"{_hours_text(_num(row4[reserve]))} weekly hours"
            )
        if parts:
            text = "; ".join(parts)
            out.append(text[0].upper() + text[1:] + ".")
    if lots is not None and not lots.empty:
        failing = _failing_lots(lots)
        n = len(lots)
        if not _rule_columns(lots):
            out.append(f"The lot table lists {n} lots; no rule checks were supplied with it.")
        elif failing:
            out.append(
                f"{len(failing)} of {n} lots {'fails' if len(failing) == 1 else 'fail'} at least "
                f"one rule ({_listing(failing)}); "
                "the lot table gives the reasons."
            )
        else:
            hidden = int(lots[_rule_columns(lots)].isna().any(axis=1).sum())
            if hidden:
                # A lot suppressed by the disclosure control shows no checks: never claim it
                # passes.
                out.append(
                    f"The rule checks of {_plural(hidden, 'lot', 'lots')} with few customers "
                    f"are not shown; the other {n - hidden} pass every rule checked."
                )
            else:
                out.append(f"All {n} lots pass every rule checked.")
    return out


def cost_paragraphs(inputs: ReportInputs, *, max_count: int | None = None) -> list[str]:
    """The summary's paragraphs on cost: the effect's ranges, policy and timing, or else the
    modelled spend; "not run" when the cost model was not run."""
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
    inputs = _controlled(inputs, max_count)
    out: list[str] = []
    county = _county_cost(inputs.cost_summary)
    if county is None:
        out.append("The cost model was not run, so no change in cost is reported.")
    elif inputs.cost_effect:
        out += cost_sentences(inputs.cost_effect, max_count=max_count)
    else:
        now, then = _annual(county, "current"), _annual(county, "proposed")
        if math.isfinite(now) and math.isfinite(then) and now > 0:
            change = then - now
            text = (
                f"Modelled annual spend moves from {_money(now)} to {_money(then)}, "
                f"{'an increase' if change > 0 else 'a saving'} of {_money(abs(change))} "
                f"({100 * change / now:+.1f}%)"
            )
            a = _num(county.get("cost_per_customer_week_current"))
            b = _num(county.get("cost_per_customer_week_proposed"))
            if math.isfinite(a) and math.isfinite(b):
                text += f"; cost per customer-week from {_money(a)} to {_money(b)}"
            out.append(text + ".")
        if inputs.projection is not None and "cumulative_change" in inputs.projection:
            proj = inputs.projection
            years = int(_num(proj["year"].max())) if "year" in proj.columns else len(proj) - 1
            total = _num(proj["cumulative_change"].iloc[-1])
            if math.isfinite(total):
                out.append(
                    f"Over {years} years, with rate uplifts and demand growth, the cumulative "
                    f"change is {_money(total)}."
                )
    return out


def market_sentences(inputs: ReportInputs, *, max_count: int | None = None) -> list[str]:
    """The summary's sentence on the market today (providers, HHI, criss-crossing)."""
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
    inputs = _controlled(inputs, max_count)
    out: list[str] = []
    market = inputs.market_summary
    if market is None and inputs.cost_effect and not inputs.cost_effect.get("travel_modelled"):
        out.append(
            "The extract has no provider column, so no market figures (providers, their "
            "shares, concentration, criss-crossing) can be given."
        )
    elif market is None:
        out.append("The market analysis was not run.")
    else:
        row = market[market["level"].astype(str) == "county"] if "level" in market else market
        if len(row):
            row = row.iloc[0]
            providers, hhi = _num(row.get("providers")), _num(row.get("hhi"))
            text = f"Today {providers:,.0f} providers deliver the care in the area analysed"
            if math.isfinite(hhi):
                text += f"; the market is {_hhi_band(hhi)} (HHI {hhi:,.0f})"
            cci = _num(row.get("criss_cross_index"))
            if math.isfinite(cci):
                text += (
                    f", and providers' rounds add up to {cci:.1f} times the network one "
                    "provider would need (criss-cross index)"
                )
            out.append(text + ".")
    return out


def risks_and_caveats(
    inputs: ReportInputs,
    *,
    max_count: int | None = None,
    hhi_high: float | None = None,
    min_providers: int | None = None,
    tier3_risk_share: float | None = None,
    rejected_risk_share: float | None = None,
    seed_tier1_share: float | None = None,
) -> dict[str, list[str]]:
    """Risks found in the data, and the method's standing caveats.

    Parameters
    ----------
    inputs
        The report's inputs.
    max_count
        Counts of people from 1 to this are shown as ``"1–7"``.
    hhi_high
        HHI above which a district's market is flagged as highly concentrated.
    min_providers
        Fewest providers active in a Tier 1 lot today for a contested tender.
    tier3_risk_share
        Share of hours left in Tier 3 above which that is flagged.
    rejected_risk_share
        Share of extract rows rejected above which data quality is flagged.
    seed_tier1_share
        The reference design's Tier 1 share of business.

    Every keyword defaults to its setting (``SUPPRESS_MAX_COUNT``,
    ``MARKET_HHI_HIGHLY_CONCENTRATED``, ``REPORT_MIN_PROVIDERS_PER_LOT``,
    ``REPORT_TIER3_RISK_SHARE``, ``REPORT_REJECTED_RISK_SHARE``, ``SEED_TIER1_SHARE``), read
    when the function is called.

    Returns
    -------
    dict
        ``{"risks": [...], "caveats": [...]}``: risks from this run's numbers; caveats of
        the method, then the analyst's own (``inputs.caveats``).
    """
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
    inputs = _controlled(inputs, max_count)
    hhi_high = settings.MARKET_HHI_HIGHLY_CONCENTRATED if hhi_high is None else hhi_high
    min_providers = (
        settings.REPORT_MIN_PROVIDERS_PER_LOT if min_providers is None else min_providers
    )
    tier3_risk_share = (
        settings.REPORT_TIER3_RISK_SHARE if tier3_risk_share is None else tier3_risk_share
    )
    rejected_risk_share = (
        settings.REPORT_REJECTED_RISK_SHARE if rejected_risk_share is None else rejected_risk_share
    )
    seed_tier1_share = settings.SEED_TIER1_SHARE if seed_tier1_share is None else seed_tier1_share
    risks: list[str] = []
    lots, ts = inputs.lot_table, inputs.tier_summary
    if lots is not None and not lots.empty:
        failing = _failing_lots(lots)
        if failing:
            risks.append(
                f"{_plural(len(failing), 'lot fails', 'lots fail')} at least one rule "
                f"({_listing(failing)}): redraw or accept each breach explicitly before tender."
            )
        if "flag" in lots.columns:
            oversize = [str(x) for x in lots.loc[lots["flag"] == "oversize", "lot_id"]]
            if oversize:
                risks.append(
                    f"{_listing(oversize)}: a single area holds more than a Tier 1 lot's "
                    "ceiling of hours on its own; it needs its own arrangement."
                )
    if ts is not None and not ts.empty:
        shares = _tier_shares(ts)
        if 1 in shares and shares[1] < seed_tier1_share - 0.025:
            risks.append(
                f"Tier 1 lots hold {_pct(shares[1])} of hours, below the reference "
                f"{_pct(seed_tier1_share)}: more care stays outside the lead-provider "
                "arrangements and the benefits of zoning are smaller."
            )
        if shares.get(3, 0.0) > tier3_risk_share:
            risks.append(
                f"{_pct(shares[3])} of hours are left to case-by-case purchase (Tier 3), more "
                f"than {_pct(tier3_risk_share)}: rural customers may wait longer for care."
            )
    market = inputs.market_summary
    if market is not None and "level" in market.columns and "area" in market.columns:
        level = market["level"].astype(str)
        providers = _numeric(market["providers"]) if "providers" in market else None
        if providers is not None and "tier" in market.columns:
            thin = market[(level == "lot") & (_tiers(market) == 1) & (providers < min_providers)]
            if len(thin):
                risks.append(
                    f"Fewer than {min_providers} providers work today in Tier 1 lots "
                    f"{_listing([str(a) for a in thin['area']])}: their tenders may draw too "
                    "few bids for a lead and a secondary provider."
                )
        if "hhi" in market.columns:
            hot = market[(level == "district") & (_numeric(market["hhi"]) > hhi_high)]
            if len(hot):
                risks.append(
                    f"The market is highly concentrated (HHI above {hhi_high:,.0f}) in "
                    f"{_listing([str(a) for a in hot['area']])}: a lot tender there may hand "
                    "more power to an incumbent."
                )
        county = market[level == "county"]
        if len(county) and "recruits_per_year" in market.columns:
            row = county.iloc[0]
            risks.append(
                f"The hours need about {_num(row.get('care_workers')):,.0f} care workers and, "
                f"at today's turnover and vacancies, about "
                f"{_num(row['recruits_per_year']):,.0f} recruits a year: lead providers must "
                "be able to recruit locally."
            )
    county = _county_cost(inputs.cost_summary)
    if county is not None:
        now, then = _annual(county, "current"), _annual(county, "proposed")
        # Less than a pound a year is float noise, not a cost to fund.
        if math.isfinite(now) and math.isfinite(then) and then - now >= 1.0:
            risks.append(
                f"The proposed arrangements cost {_money(then - now)} a year more than today "
                "in the model: fair prices for guaranteed volume have to be funded."
            )
    effect = inputs.cost_effect or {}
    if effect.get("lots_below_floor"):
        year = effect["price_year"]
        risks.append(
            f"{_plural(effect['lots_below_floor'], 'lot is', 'lots are')} priced below the "
            f"{year['year']} cost-of-care floor ({_money(year['floor'])} an hour), as set for "
            f"this run ({_listing(effect.get('lots_below_floor_ids', []))}): a price under the "
            "floor breaks the market the lots are meant to stabilise."
        )
    if effect.get("lots_under_floor_today") and effect.get("price_year"):
        year = effect["price_year"]
        risks.append(
            f"Today's price is below the {year['year']} cost-of-care floor "
            f"({_money(year['floor'])} an hour) in {effect['lots_under_floor_today']} of "
            f"{effect['lots']} lots: providers there depend on the travel saving to cover "
            "their costs."
        )
    tornado = inputs.tornado
    if tornado is not None and not tornado.empty and "change_at_low" in tornado.columns:
        low, high = _numeric(tornado["change_at_low"]), _numeric(tornado["change_at_high"])
        flips = tornado.loc[np.sign(low) != np.sign(high), "parameter"].astype(str).tolist()
        if flips:
            risks.append(
                "Whether the plan saves or costs money depends on "
                f"{_listing([p.replace('_', ' ') for p in flips])}: within the tested range "
                "the change in spend changes sign."
            )
    # Imported here: the summary module builds on this one's helpers.
    from lotdesign.report.summary import number_risks

    risks += number_risks(inputs, hhi_high=hhi_high)
    rec = inputs.reconciliation
    if rec is not None and {"stage", "rows"} <= set(rec.columns):
        by_stage = rec.set_index(rec["stage"].astype(str))["rows"]
        read = _num(by_stage.get("read"))
        rejected = _num(by_stage.get("rejected"))
        if read > 0 and rejected / read > rejected_risk_share:
            risks.append(
                f"{100 * rejected / read:.1f}% of the extract's rows were rejected: fix them at "
                "source, or the design misses real demand."
            )
    water = (
        "; where the straight line crosses open water (an estuary, a harbour), they follow "
        "the shortest path over the units' land instead. They do not see traffic, hills, "
        "bridges or the road network itself."
        if _parameter_flag(inputs, "LAND_PATHS")
        else "; they do not see traffic, rivers, estuaries or the road network itself."
    )
    caveats = [
        "Drive times are estimated from straight-line distance, a road-circuity factor and "
        "speeds by rurality, unless a travel-time matrix was supplied" + water,
        "The design is a snapshot of packages active on the analysis date"
        + (f" ({inputs.as_of:%d %B %Y})" if inputs.as_of else "")
        + ". Demand moves; in the reference design lots take new customers only, so the "
        "change, and any saving, arrives as caseloads turn over.",
        "Travel per visit is modelled from how densely providers' customers lie, calibrated "
        "on simulated care rounds (time windows, double-handed calls, shifts) on real "
        "postcodes, not on this council's rotas; real rotas drive more (the national average "
        "is 3.06 miles a visit, Access Group), which the ranges carry.",
        "Proposed prices are the council's price policy, not a fallout of the model; the "
        "travel saving assumes the lead and secondary split in the parameters table; "
        "payment-model rates are project defaults to be set locally.",
        f"Counts of 1 to {max_count} people are shown as '1\u2013{max_count}' and other counts "
        "of people are rounded to the nearest 5 (NHS Digital's rule); every figure computed "
        "over a hidden count (hours, spend, rates, shares) is blanked with it, and '[c]' marks "
        "an area hidden so that a hidden count cannot be worked out from the others.",
    ]
    if inputs.synthetic:
        caveats.insert(
            0,
            "All figures come from synthetic demonstration data on real postcodes: not real "
            "people, and not a recommendation for any council.",
        )
    return {"risks": risks, "caveats": [*caveats, *inputs.caveats]}
