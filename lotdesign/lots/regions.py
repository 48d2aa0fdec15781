"""Large instances by regions: each designed on its own (in parallel), then stitched.

Above ``2 x settings.LOT_REGION_UNITS`` free units, :func:`~lotdesign.lots.design` cuts the
units into regions (k-means on unit points, the count set by the units alone), designs each
region's lots on its own, in worker processes when more than one is allowed, and then
stitches them: lots over what the regions left free along their seams, boundary moves, and a
large-neighbourhood search over the windows that touch a seam. The regions, their random
streams and the order results are merged in never depend on the number of workers, so the
plan is the same with 1 worker or 8.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

import joblib
import numpy as np
from sklearn.cluster import KMeans

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.lots.instance import _Instance

#: Spawn key of a region's random stream: ``np.random.default_rng([seed, _STREAM, region])``
#: (restarts use ``[seed, r]``, so the two never share a stream).
_STREAM = 7_919


def _region_labels(inst: _Instance, pool: np.ndarray, *, seed: int, size: int) -> np.ndarray:
    """Region of each unit (-1 outside ``pool``); one region when the pool is under 2 x size."""
    labels = np.full(inst.n, -1, dtype=np.int64)
    idx = np.flatnonzero(pool)
    n_regions = len(idx) // max(int(size), 1)
    if n_regions < 2:
        labels[idx] = 0
        return labels
    km = KMeans(n_clusters=n_regions, n_init=1, random_state=seed)
    found = km.fit_predict(np.column_stack([inst.x[idx], inst.y[idx]]))
    # Numbered north to south, so a region's number (and its stream) follows its place, not
    # k-means's internal order.
    north = np.argsort(-km.cluster_centers_[:, 1], kind="stable")
    rank = np.empty_like(north)
    rank[north] = np.arange(len(north))
    labels[idx] = rank[found]
    return labels


def _workers(workers: int | None) -> int:
    """Worker processes to use: ``workers``, else the setting; 0 means one per core."""
    value = settings.LOT_WORKERS if workers is None else int(workers)
    if value < 0:
        raise ValidationError(f"workers must be >= 0 (0: one per core); got {value}")
    return value or (os.cpu_count() or 1)


def _map(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], *, workers: int) -> list[Any]:
    """``[fn(*task) for task in tasks]``, in up to ``workers`` processes when that helps.

    The processes are joblib's loky workers: started clean (no threads or OpenMP state are
    inherited), without re-running the calling script (no ``if __name__ == "__main__"``
    guard needed), and given this process's settings, so a setting changed at run time holds
    there too. A daemonic process (a Dask or multiprocessing worker) may not start processes
    of its own: there the tasks run here, one after another, with the same results.
    """
    if workers <= 1 or len(tasks) < 2 or multiprocessing.current_process().daemon:
        return [fn(*task) for task in tasks]
    snapshot = {name: value for name, value in vars(settings).items() if name.isupper()}
    run = joblib.Parallel(n_jobs=min(workers, len(tasks)), backend="loky")
    return list(run(joblib.delayed(_with_settings)(snapshot, fn, task) for task in tasks))


def _with_settings(snapshot: dict[str, Any], fn: Callable[..., Any], task: tuple[Any, ...]) -> Any:
    for name, value in snapshot.items():
        setattr(settings, name, value)
    return fn(*task)


def _seam_lots(inst: _Instance, lots: Sequence[Any], labels: np.ndarray) -> list[bool]:
    """Whether each lot touches (shares an edge with) a unit of another region."""
    out = []
    for lot in lots:
        own = labels[lot.centre] if lot.centre < inst.n else -1
        touching = (labels[v] for u in lot.members for v in inst.adj[u])
        out.append(any(r >= 0 and r != own for r in touching))
    return out


def _n_regions(labels: np.ndarray) -> int:
    return int(labels.max()) + 1 if len(labels) else 0
