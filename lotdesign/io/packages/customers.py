"""Package lines summed to one row per customer."""

from __future__ import annotations

import numpy as np
import pandas as pd


def summarise_customers(packages: pd.DataFrame) -> pd.DataFrame:
    """Sum package lines to one row per customer.

    Hours and cost are summed; the postcode, GP practice and main ``provider`` are those of
    the line with most hours; ``providers`` lists all of them (``;``-joined) and
    ``n_lines`` counts the lines.
    """
    ordered = packages.sort_values(
        ["customer_id", "weekly_hours", "source_row"], ascending=[True, False, True]
    )
    first = ordered.drop_duplicates("customer_id").set_index("customer_id")
    grouped = ordered.groupby("customer_id", sort=True)
    out = first.drop(columns=["source_row", "start_date", "end_date"], errors="ignore").copy()
    out["weekly_hours"] = grouped["weekly_hours"].sum()
    out["weekly_cost"] = grouped["weekly_cost"].sum(min_count=1)
    out["hourly_rate"] = out["weekly_cost"] / out["weekly_hours"]
    out["n_lines"] = grouped.size()
    # Every provider of the customer, sorted and ;-joined.
    pairs = (
        ordered.loc[
            ordered["provider"].map(lambda p: isinstance(p, str)), ["customer_id", "provider"]
        ]
        .drop_duplicates()
        .sort_values(["customer_id", "provider"])
    )
    ids, names = pairs["customer_id"].to_numpy(dtype=object), pairs["provider"].tolist()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.zeros(0, int)
    ends = np.r_[starts[1:], len(ids)] if len(ids) else np.zeros(0, int)
    joined = pd.Series(
        {ids[a]: ";".join(names[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)},
        dtype=object,
    )
    out["providers"] = joined.reindex(out.index).fillna("").astype(object)
    # The main provider is the one with most hours for the customer, not of the first line.
    by_provider = (
        ordered.dropna(subset=["provider"])
        .groupby(["customer_id", "provider"], sort=True)["weekly_hours"]
        .sum()
        .reset_index()
        .sort_values(["customer_id", "weekly_hours", "provider"], ascending=[True, False, True])
        .drop_duplicates("customer_id")
        .set_index("customer_id")["provider"]
    )
    out["provider"] = by_provider.reindex(out.index)
    return out.reset_index()
