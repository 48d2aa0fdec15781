"""One construction: lots over the free units by tiles, candidates, the LP dive and refill.

Large instances are cut into spatial tiles (k-means on unit points) and solved tile by tile:
candidates grown over the tile, a HiGHS LP dive and greedy pass to choose among them, then
lots regrown from the units still free ("refill"). A second pass over the uncovered units
with a shifted tiling recovers lots along the seams.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from scipy.spatial import cKDTree
from sklearn.cluster import KMeans

from lotdesign.lots.candidates import _candidates
from lotdesign.lots.instance import _Instance
from lotdesign.lots.search import _Lot
from lotdesign.lots.selection import _greedy, _select


def _design_pool(
    inst: _Instance,
    pool: np.ndarray,
    rng: np.random.Generator,
    *,
    seed: int,
    fixed: bool,
    variants: int,
    tile_size: int,
    time_limit: float,
    count: tuple[int, int] | None,
    stats: dict[str, Any],
) -> list[_Lot]:
    """Lots over the free ``pool`` units: tiles, candidates, HiGHS dive, refill, seam pass."""
    lots: list[_Lot] = []
    idx = np.flatnonzero(pool)
    if not len(idx):
        return lots
    n_fixed = len(inst.travel) - inst.n
    # A fixed centre belongs to the tile of its nearest unit.
    centre_home = None
    if fixed:
        _, centre_home = cKDTree(np.column_stack([inst.x, inst.y])).query(
            np.column_stack([inst.travel.x[inst.n :], inst.travel.y[inst.n :]])
        )
    used_groups: set[int] = set()
    t_cand = 0.0
    for sweep in range(2):
        free = pool.copy()
        for lot in lots:
            free[list(lot.members)] = False
        idx = np.flatnonzero(free)
        if not len(idx):
            break
        n_tiles = 1 if count is not None else max(1, math.ceil(len(idx) / tile_size))
        if sweep == 1 and n_tiles == 1:
            break
        if n_tiles > 1:
            km = KMeans(n_clusters=n_tiles, n_init=1, random_state=seed + sweep)
            tile = km.fit_predict(np.column_stack([inst.x[idx], inst.y[idx]]))
        else:
            tile = np.zeros(len(idx), dtype=np.int64)
        for t in range(n_tiles):
            tpool = np.zeros(inst.n, dtype=bool)
            tpool[idx[tile == t]] = True
            tc = time.perf_counter()
            if fixed:
                group_of = {}
                seeds = []
                for g in range(n_fixed):
                    if g not in used_groups and tpool[centre_home[g]]:
                        seeds.append(inst.n + g)
                        group_of[inst.n + g] = g
                cols = _candidates(
                    inst,
                    np.asarray(seeds, dtype=np.int64),
                    tpool,
                    rng,
                    variants=variants,
                    fixed=True,
                    group_of=group_of,
                )
            else:
                cols = _candidates(
                    inst, np.flatnonzero(tpool), tpool, rng, variants=variants, fixed=False
                )
            t_cand += time.perf_counter() - tc
            chosen, info = _select(inst, cols, count=count, time_limit=time_limit, seed=seed)
            info.update(sweep=sweep, tile=t, units=int(tpool.sum()))
            stats["tiles"].append(info)
            for j in chosen:
                tpool[cols[j].members] = False
            if count is None and not fixed:
                # Refill: lots shaped to the gaps the first choice left, from free units only.
                tc = time.perf_counter()
                more = _candidates(
                    inst, np.flatnonzero(tpool), tpool, rng, variants=variants, fixed=False
                )
                t_cand += time.perf_counter() - tc
                extra = _greedy(inst, more, np.ones(len(more), bool), tpool.copy(), set())
                info["refill_lots"] = len(extra)
                cols = cols + more
                chosen = chosen + [len(cols) - len(more) + j for j in extra]
            for j in chosen:
                col = cols[j]
                lots.append(_Lot(set(col.members.tolist()), col.centre, inst, group=col.group))
                if col.group >= 0:
                    used_groups.add(col.group)
    stats["candidate_seconds"] = t_cand
    return lots
