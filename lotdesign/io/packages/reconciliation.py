"""Rows and hours reconcile: read = used + excluded + rejected (set-aside rows apart)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _reconciles(rec: pd.DataFrame) -> bool:
    r = rec.set_index("stage")
    parts = ["used", "excluded", "rejected"]
    rows_ok = int(r.loc["read", "rows"]) == int(r.loc[parts, "rows"].sum())
    hours_ok = bool(np.isclose(r.loc["read", "hours"], r.loc[parts, "hours"].sum(), atol=1e-6))
    return rows_ok and hours_ok


def reconcile(
    *,
    weekly: pd.Series,
    used_mask: pd.Series,
    excluded_mask: pd.Series,
    rejected_mask: pd.Series,
    set_aside_rows: int,
    set_aside_hours: pd.Series,
    customer_id: pd.Series,
    used_customers: pd.Series,
) -> pd.DataFrame:
    """The reconciliation table: rows, hours and customers read, used, excluded, rejected and
    set aside. A table that does not add up is a bug, not a data problem: it raises."""
    all_hours = weekly.fillna(0.0)
    rec = pd.DataFrame(
        {
            "stage": ["read", "used", "excluded", "rejected", "set_aside"],
            "rows": [
                len(weekly),
                int(used_mask.sum()),
                int(excluded_mask.sum()),
                int(rejected_mask.sum()),
                set_aside_rows,
            ],
            "hours": [
                float(all_hours.sum()),
                float(all_hours[used_mask].sum()),
                float(all_hours[excluded_mask].sum()),
                float(all_hours[rejected_mask].sum()),
                float(set_aside_hours.fillna(0.0).sum()),
            ],
        }
    )
    rec["customers"] = [
        int(customer_id.dropna().nunique()),
        int(used_customers.nunique()),
        np.nan,
        np.nan,
        np.nan,
    ]
    if not _reconciles(rec):  # pragma: no cover - a bug, not a data problem
        raise AssertionError(f"reconciliation failed:\n{rec}")
    return rec
