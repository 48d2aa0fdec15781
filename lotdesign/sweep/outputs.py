"""A sweep's shared outputs: the comparison table, a chart and a small-multiples map.

Everything here leaves the analyst's machine, so it holds county-level figures and lot
outlines only: the table goes through the report's disclosure control
(:func:`lotdesign.report.shareable_table`, registered columns only), and the map draws lot and
zone polygons filled by tier, as the static map does (no unit or customer geometry, no
figures on the map).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lotdesign import columns, settings

__all__ = ["comparison_chart", "small_multiples", "write_outputs"]

#: Panels of the comparison chart: column, and whether a higher value is better (for the note).
CHART_PANELS: tuple[str, ...] = (
    "lots",
    "tier1_share",
    "mean_hours",
    "travel_per_hour",
    "change_pct",
    "months_to_viable_median",
)


def write_outputs(
    result: Any, folder: str | Path, *, title: str, synthetic: bool, max_count: int
) -> dict[str, Path]:
    """Write ``sweep_comparison.csv`` (rounded by unit), its ``dictionary.csv``,
    ``sweep_chart.png`` and ``sweep_map.png`` to ``folder``."""
    from lotdesign import report

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    with warnings.catch_warnings():
        # The table holds no count of people, so there is no secondary suppression to do.
        warnings.filterwarnings("ignore", message=".*secondary suppression.*")
        shared = report.shareable_table(result.table, "sweep comparison", max_count=max_count)
    paths["comparison"] = folder / "sweep_comparison.csv"
    # Rounded by unit, like the run's CSVs, with the data dictionary beside it.
    report.round_for_sharing(shared).to_csv(paths["comparison"], index=False)
    paths["dictionary"] = report.write_dictionary(folder)
    paths["chart"] = comparison_chart(
        result.table, folder / "sweep_chart.png", title=title, synthetic=synthetic
    )
    if result.lots:
        paths["map"] = small_multiples(
            result.lots, result.table, folder / "sweep_map.png", title=title, synthetic=synthetic
        )
    return paths


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def comparison_chart(
    table: pd.DataFrame, path: str | Path, *, title: str = "Scenarios", synthetic: bool = False
) -> Path:
    """One bar panel per measure (lots, Tier 1 share, mean lot hours, travel, cost, months),
    scenarios down the side, each bar labelled in the measure's registered format."""
    panels = [
        c
        for c in CHART_PANELS
        if c in table.columns and pd.to_numeric(table[c], errors="coerce").notna().any()
    ]
    n = len(table)
    names = table["scenario"].astype(str).tolist()
    ncols = min(3, max(len(panels), 1))
    nrows = max(1, math.ceil(len(panels) / ncols))
    fig = _figure(2.6 * ncols + 2.0, nrows * (0.9 + 0.3 * n) + 0.5)
    grid = fig.subplots(nrows, ncols, sharey=True, squeeze=False)
    axes = grid.ravel()
    y = np.arange(n)
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    for ax, name in zip(axes, panels, strict=False):
        values = pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)
        shown = np.nan_to_num(values)
        ax.barh(y, shown, color="#0072B2", height=0.6)
        for yi, v in zip(y, values, strict=True):
            text = columns.fmt(name, None if math.isnan(v) else v)
            ax.annotate(text, (0, yi), xytext=(3, 0), textcoords="offset points",
                        va="center", ha="left", fontsize=7, color="#ffffff"
                        if not math.isnan(v) and abs(v) > 0.25 * np.nanmax(np.abs(shown) + 1e-9)
                        else "#111111")  # fmt: skip
        ax.set_title(columns.label(name), fontsize=8, wrap=True)
        ax.tick_params(axis="x", labelsize=7)
        ax.axvline(0, color="#333333", linewidth=0.6)
    for row in grid:
        row[0].set_yticks(y, names, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle(
        f"{title}: scenarios compared" + ("  [SYNTHETIC DATA]" if synthetic else ""),
        fontsize=11,
        fontweight="bold",
    )
    path = Path(path)
    fig.savefig(path, dpi=130, facecolor="#ffffff")
    return path


def small_multiples(
    lots: dict[str, gpd.GeoDataFrame],
    table: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "Scenarios",
    synthetic: bool = False,
    max_panels: int | None = None,
    ncols: int | None = None,
) -> Path:
    """One small map per scenario: its lots and zones filled by tier on the county's shape.

    The county is the outer edge of every scenario's lots and zones together, so each panel
    shows the same frame. At most ``max_panels`` (settings.SWEEP_MAP_MAX_PANELS) scenarios
    are drawn, in the table's order, ``ncols`` (settings.SWEEP_MAP_COLUMNS) to a row.
    """
    from matplotlib.patches import Patch

    from lotdesign.maps.shared import TIER_COLOURS, TIER_LABELS

    max_panels = settings.SWEEP_MAP_MAX_PANELS if max_panels is None else max_panels
    ncols = settings.SWEEP_MAP_COLUMNS if ncols is None else ncols
    names = [s for s in table["scenario"].astype(str) if s in lots][:max_panels]
    frames = [lots[s] for s in names]
    all_geoms = np.concatenate([f.geometry.to_numpy() for f in frames]) if frames else []
    county = shapely.union_all(all_geoms) if len(all_geoms) else None
    ncols = max(1, min(ncols, len(names)))
    nrows = max(1, math.ceil(len(names) / ncols))
    west, south, east, north = (
        shapely.bounds(county) if county is not None else (0.0, 0.0, 1.0, 1.0)
    )
    aspect = (north - south) / max(east - west, 1.0)
    panel_w = 3.2
    fig = _figure(panel_w * ncols, panel_w * aspect * nrows + 0.9 + 0.25 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    by_name = table.set_index("scenario")
    tiers_seen: set[int] = set()
    for ax, name, frame in zip(axes, names, frames, strict=False):
        if county is not None:
            gpd.GeoSeries([county], crs=settings.CRS_BNG).plot(
                ax=ax, color="#f2f2f2", edgecolor="#555555", linewidth=0.5
            )
        if len(frame):
            tiers = frame["tier"].astype(int)
            tiers_seen |= set(tiers.tolist())
            frame.plot(ax=ax, color=tiers.map(TIER_COLOURS), edgecolor="#ffffff", linewidth=0.3)
        row = by_name.loc[name]
        lots_text = columns.fmt("lots", row.get("lots"))
        share = columns.fmt("tier1_share", row.get("tier1_share"))
        ax.set_title(f"{name}\n{lots_text} lots, {share} in Tier 1", fontsize=7)
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_aspect("equal")
        ax.set_axis_off()
    for ax in axes[len(names) :]:
        ax.set_axis_off()
    handles = [
        Patch(facecolor=TIER_COLOURS[t], edgecolor="#333333", label=TIER_LABELS[t])
        for t in sorted(tiers_seen)
    ]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=7, frameon=False)
    fig.suptitle(
        f"{title}: lots by scenario" + ("  [SYNTHETIC DATA]" if synthetic else ""),
        fontsize=11,
        fontweight="bold",
    )
    path = Path(path)
    fig.savefig(path, dpi=130, facecolor="#ffffff")
    return path
