"""Diagnostics: why units are left outside lots, in plain English."""

from __future__ import annotations

import numpy as np

from lotdesign.lots.instance import _EPS, _Instance


def _explain_uncovered(inst: _Instance, pool: np.ndarray, covered: np.ndarray) -> list[str]:
    """Why units are left outside lots; detailed when no lot could be built at all."""
    rules = inst.rules
    left = pool & ~covered
    if not left.any():
        return []
    msgs = [
        f"{int(left.sum())} units ({inst.h[left].sum():,.0f} h, "
        f"{inst.h[left].sum() / max(inst.h.sum(), _EPS):.0%} of hours) are in no Tier 1 lot."
    ]
    if covered.any():
        return msgs
    idx = np.flatnonzero(pool)
    best_h, best_k, at_h, at_k = 0.0, 0.0, -1, -1
    for c in idx.tolist():
        ball, _ = inst.reachable(c, pool)
        hh, kk = float(inst.h[ball].sum()), float(inst.k[ball].sum())
        if hh > best_h:
            best_h, at_h = hh, c
        if kk > best_k:
            best_k, at_k = kk, c
    where = f"around unit {inst.ids[at_h]}" if at_h >= 0 else "anywhere"
    limit = (
        f"within {rules.max_radius_miles:g} miles and {rules.max_drive_minutes:g} minutes of "
        "any centre"
    )
    if best_h < rules.min_hours:
        msgs.append(
            f"No valid lot exists: the most hours {limit} are {best_h:,.0f} ({where}), below "
            f"the {rules.min_hours:,.0f} h floor. Lower min_hours or widen the radius/drive limit."
        )
    elif best_k < rules.min_customers:
        msgs.append(
            f"No valid lot exists: the most customers {limit} are {best_k:,.0f} (around unit "
            f"{inst.ids[at_k]}), "
            f"below the {rules.min_customers} floor. Lower min_customers or widen the limits."
        )
    else:
        msgs.append(
            "No valid lot exists: enough hours and customers lie within reach, but no unit set "
            f"meets both bands ({rules.min_hours:g}-{rules.max_hours:g} h, "
            f"{rules.min_customers}-{rules.max_customers} customers)"
            + (" while staying contiguous" if rules.contiguous else "")
            + ". Widen a band"
            + (" or drop contiguity." if rules.contiguous else ".")
        )
    return msgs
