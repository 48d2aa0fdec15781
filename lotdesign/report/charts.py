"""The report's charts (matplotlib, drawn without pyplot): cost, projection, tornado, market."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import columns as registry
from lotdesign import settings
from lotdesign.report.text import _numeric

_CURRENT, _PROPOSED = "#999999", "#0072B2"


def _figure(width: float = 7.0, height: float = 3.6) -> Any:
    # A bare Figure renders with Agg on savefig, without pyplot or touching the user's backend.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=150, layout="constrained")


def _png(fig: Any, synthetic: bool) -> bytes:
    if synthetic:
        # A faint diagonal watermark: it survives the chart being copied out of the report.
        fig.text(
            0.5,
            0.5,
            "SYNTHETIC DATA",
            ha="center",
            va="center",
            rotation=20,
            fontsize=36,
            color="#B00020",
            alpha=0.15,
        )
    buffer = io.BytesIO()
    # No metadata: the PNG carries no software string or date, so runs are reproducible.
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _cost_chart(tables: Mapping[str, pd.DataFrame], synthetic: bool, max_bars: int):
    wanted = ("cost_per_customer_week_current", "cost_per_customer_week_proposed")
    by_lot, by_tier = tables.get("cost_by_lot"), tables.get("cost_by_tier")
    if by_lot is not None and set(wanted) <= set(by_lot) and len(by_lot) <= max_bars:
        frame, key, what = by_lot, "lot_id", "lot"
    elif by_tier is not None and set(wanted) <= set(by_tier):
        frame, key, what = by_tier, "tier", "tier"
    else:
        return None
    labels = [
        (f"Tier {registry.fmt('tier', v)}" if key == "tier" and not isinstance(v, str) else str(v))
        for v in frame[key]
    ]
    now, then = _numeric(frame[wanted[0]]), _numeric(frame[wanted[1]])
    shown = now.notna() & then.notna()
    hidden = int((~shown).sum())
    fig = _figure()
    ax = fig.add_subplot()
    x = np.arange(int(shown.sum()))
    ax.bar(x - 0.2, now[shown], width=0.4, color=_CURRENT, label="Current")
    ax.bar(x + 0.2, then[shown], width=0.4, color=_PROPOSED, label="Proposed")
    ax.set_xticks(x, [lab for lab, s in zip(labels, shown, strict=True) if s])
    ax.tick_params(axis="x", labelrotation=90 if len(x) > 12 else 0, labelsize=7)
    ax.set_ylabel("\u00a3 per customer-week")
    ax.set_title(f"Cost per customer-week by {what}, current and proposed", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    caption = f"Cost per customer-week by {what}: current spot market against the proposal."
    if hidden:
        caption += (
            f" {hidden} {what}{'s' if hidden > 1 else ''} with few customers "
            "(suppressed) not shown."
        )
    return caption, _png(fig, synthetic)


def _projection_chart(projection: pd.DataFrame, synthetic: bool):
    needed = {"year", "annual_spend_current", "annual_spend_proposed"}
    if not needed <= set(projection.columns):
        return None
    year = _numeric(projection["year"])
    now = _numeric(projection["annual_spend_current"]) / 1e6
    then = _numeric(projection["annual_spend_proposed"]) / 1e6
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(year, now, marker="o", color=_CURRENT, label="Current arrangements")
    ax.plot(year, then, marker="o", color=_PROPOSED, label="Proposed lots")
    ax.fill_between(year, now, then, color=_PROPOSED, alpha=0.12)
    ax.set_xlabel("Year from now")
    ax.set_ylabel("Annual spend (\u00a3m)")
    ax.set_xticks(year)
    ax.set_title("Projected annual spend", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return "Projected annual spend with rate uplifts and demand growth.", _png(fig, synthetic)


def _tornado_chart(tornado: pd.DataFrame, synthetic: bool):
    needed = {"parameter", "change_at_low", "change_at_high"}
    if not needed <= set(tornado.columns) or tornado.empty:
        return None
    low, high = _numeric(tornado["change_at_low"]), _numeric(tornado["change_at_high"])
    base = (
        _numeric(tornado["base_change"]).iloc[0]
        if "base_change" in tornado.columns
        else float((low + high).mean() / 2)
    )
    order = (high - low).abs().sort_values().index  # widest at the top
    biggest = max(float(np.nanmax(np.abs([*low, *high, base]))), 1.0)
    divisor, unit = (1e6, "\u00a3m") if biggest >= 1e6 else (1e3, "\u00a3k")
    fig = _figure(7.0, 0.45 * len(order) + 1.4)
    ax = fig.add_subplot()
    y = np.arange(len(order))
    names = [str(tornado.loc[i, "parameter"]).replace("_", " ") for i in order]
    ax.barh(y, (low[order] - base) / divisor, left=base / divisor, color="#56B4E9", label="Low")
    ax.barh(y, (high[order] - base) / divisor, left=base / divisor, color="#D55E00", label="High")
    ax.axvline(base / divisor, color="#333333", linewidth=1)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel(f"Annual change in spend, proposed \u2212 current ({unit})")
    ax.set_title("Sensitivity: each parameter moved down and up", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    caption = (
        "Tornado chart: the annual change in spend when each parameter is moved to its low "
        "and high value with the others held (the line is the base case)."
    )
    return caption, _png(fig, synthetic)


def _market_chart(market: pd.DataFrame, synthetic: bool, max_bars: int):
    if "providers" not in market.columns or "hhi" not in market.columns:
        return None
    if "level" in market.columns:
        rows = market[market["level"].astype(str) == "district"]
        if rows.empty:
            rows = market[market["level"].astype(str) == "lot"]
    else:
        rows = market
    rows = rows.head(max_bars)
    if rows.empty:
        return None
    from matplotlib.ticker import MaxNLocator

    labels = [str(a) for a in rows.get("area", rows.index)]
    fig = _figure(7.0, 3.4)
    left, right = fig.subplots(1, 2)
    x = np.arange(len(rows))
    left.bar(x, _numeric(rows["providers"]), color=_PROPOSED)
    left.set_title("Providers active", fontsize=10)
    right.bar(x, _numeric(rows["hhi"]), color="#E69F00")
    for level, style in (
        (settings.MARKET_HHI_CONCENTRATED, ":"),
        (settings.MARKET_HHI_HIGHLY_CONCENTRATED, "--"),
    ):
        right.axhline(level, color="#333333", linestyle=style, linewidth=1)
    right.set_title("Concentration (HHI)", fontsize=10)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (left, right):
        ax.set_xticks(x, labels)
        ax.tick_params(axis="x", labelrotation=90 if len(labels) > 4 else 0, labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    caption = (
        "Providers and market concentration (HHI on hours, 0\u201310,000) today; dotted and "
        f"dashed lines mark {settings.MARKET_HHI_CONCENTRATED:,.0f} (concentrated) and "
        f"{settings.MARKET_HHI_HIGHLY_CONCENTRATED:,.0f} (highly concentrated)."
    )
    return caption, _png(fig, synthetic)
