"""Candidate lots, valid by construction: growth from a centre, snapshots, columns.

From every unit (or every fixed centre) a lot is grown outwards through the units within the
radius and drive limit of that centre: nearest-first, then jittered and directional orders;
with contiguity only across shared edges. A unit that would break a ceiling is skipped, and
snapshots are kept once both floors are met, so every candidate meets every rule.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from lotdesign import settings
from lotdesign.lots.instance import _EPS, _Instance
from lotdesign.lots.rules import LotRules


class _Column(NamedTuple):
    """A candidate lot: a column of the set-packing model."""

    members: np.ndarray  # sorted unit positions
    centre: int  # point position (unit, or fixed centre >= n)
    travel: float
    hours: float
    group: int  # fixed-centre index, or -1


def _local_adjacency(inst: _Instance, ball: np.ndarray) -> list[list[int]]:
    """Neighbours of each ball unit as ball positions (-1 for a neighbour outside the ball).

    Built once per ball from the CSR adjacency, so every growth order of a ball walks plain
    lists instead of looking each neighbour up in a dict.
    """
    indptr, indices = inst.adjacency_csr()
    starts, ends = indptr[ball], indptr[ball + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    if not total:
        return [[] for _ in range(len(ball))]
    offsets = np.zeros(len(ball) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = indices[np.repeat(starts - offsets[:-1], lengths) + np.arange(total)]
    # Ball positions by binary search: the ball is sorted (TravelModel.within).
    pos = np.minimum(np.searchsorted(ball, flat), len(ball) - 1)
    local = np.where(ball[pos] == flat, pos, -1).tolist()
    cuts = offsets.tolist()
    return [local[cuts[i] : cuts[i + 1]] for i in range(len(ball))]


def _grow(
    inst: _Instance,
    ball: np.ndarray,
    key: np.ndarray,
    start_local: int,
    rules: LotRules,
    *,
    contiguous: bool,
    core: Sequence[int] = (),
    ladj: list[list[int]] | None = None,
) -> tuple[list[int], list[tuple[int, float]]]:
    """Grow a lot through ``ball`` (local order by ``key``), never breaking a ceiling.

    Returns the local indices in the order added and the (size, hours) of every step at which
    both floors are met. ``ladj`` is the ball's :func:`_local_adjacency` (built here if not
    given; pass it when growing one ball in several orders).
    """
    hs = inst.h[ball].tolist()
    ks = inst.k[ball].tolist()
    max_h, max_k = rules.max_hours + _EPS, rules.max_customers + _EPS
    min_h, min_k = rules.min_hours - _EPS, rules.min_customers - _EPS
    # Once the lot is within the smallest unit of a ceiling nothing more can join: stop
    # there rather than pop the rest of the ball only to skip it (same result, less work).
    room_h, room_k = max_h - min(hs, default=0.0), max_k - min(ks, default=0.0)
    added: list[int] = []
    in_lot = [False] * len(ball)
    tot_h = tot_k = 0.0
    valid: list[tuple[int, float]] = []
    first = [start_local, *[c for c in core if c != start_local]]
    for li in first:
        in_lot[li] = True
        added.append(li)
        tot_h += hs[li]
        tot_k += ks[li]
    if tot_h > max_h or tot_k > max_k:
        return added, valid
    if tot_h >= min_h and tot_k >= min_k and (not contiguous or not core):
        valid.append((len(added), tot_h))
    if tot_h > room_h or tot_k > room_k:
        return added, valid
    keys = key.tolist()
    if not contiguous:
        for li in np.argsort(key, kind="stable").tolist():
            if in_lot[li]:
                continue
            if tot_h + hs[li] > max_h or tot_k + ks[li] > max_k:
                continue
            in_lot[li] = True
            added.append(li)
            tot_h += hs[li]
            tot_k += ks[li]
            if tot_h >= min_h and tot_k >= min_k:
                valid.append((len(added), tot_h))
            if tot_h > room_h or tot_k > room_k:
                break
        return added, valid
    if ladj is None:
        ladj = _local_adjacency(inst, ball)
    heap: list[tuple[float, int]] = []
    seen = [False] * len(ball)
    for li in added:
        seen[li] = True
    push, pop = heapq.heappush, heapq.heappop
    for li in added:
        for lv in ladj[li]:
            if lv >= 0 and not seen[lv]:
                seen[lv] = True
                push(heap, (keys[lv], lv))
    needs_join = len(core) > 1
    while heap:
        _, li = pop(heap)
        if tot_h + hs[li] > max_h or tot_k + ks[li] > max_k:
            continue
        in_lot[li] = True
        added.append(li)
        tot_h += hs[li]
        tot_k += ks[li]
        for lv in ladj[li]:
            if lv >= 0 and not seen[lv]:
                seen[lv] = True
                push(heap, (keys[lv], lv))
        if tot_h >= min_h and tot_k >= min_k:
            if needs_join and inst.parts(ball[added]) > 1:
                continue
            needs_join = False
            valid.append((len(added), tot_h))
        if tot_h > room_h or tot_k > room_k:
            break
    return added, valid


def _snapshots(valid: list[tuple[int, float]], rules: LotRules) -> list[int]:
    """Sizes of a growth to keep: smallest, largest and set points of the hours band."""
    if not valid:
        return []
    sizes = {valid[0][0], valid[-1][0]}
    span = rules.max_hours - rules.min_hours
    for frac in settings.LOT_SNAPSHOT_FRACTIONS:
        target = rules.min_hours + frac * span
        for size, hrs in valid:
            if hrs >= target:
                sizes.add(size)
                break
    return sorted(sizes)


def _candidates(
    inst: _Instance,
    centres: np.ndarray,
    pool: np.ndarray,
    rng: np.random.Generator,
    *,
    variants: int,
    fixed: bool,
    group_of: Mapping[int, int] | None = None,
) -> list[_Column]:
    """Valid candidate lots grown from each of ``centres`` over ``pool`` units."""
    rules = inst.rules
    out: dict[bytes, _Column] = {}
    balls = inst.travel.within(centres, inst.reach_m)
    matrix = None if fixed else _PoolMatrix.over(inst, pool)
    limits = (rules.max_drive_minutes + _EPS, rules.max_radius_miles + _EPS)
    for c, ball in zip(centres.tolist(), balls, strict=True):
        ball = ball[ball < inst.n]
        ball = ball[pool[ball]]
        if not len(ball):
            continue
        if matrix is not None and matrix.pos[c] >= 0:
            # The same reach test and minutes as inst.reach_ok / travel.minutes, read from
            # the pool's matrix instead of computed again for every centre.
            rows = matrix.pos[ball]
            mins = matrix.mins[matrix.pos[c], rows]
            ok = (mins <= limits[0]) & (matrix.miles[matrix.pos[c], rows] <= limits[1])
            ball, mins = ball[ok], mins[ok]
        else:
            ok = inst.reach_ok(c, ball)
            ball = ball[ok]
            mins = inst.travel.minutes(c, ball)
        if not len(ball) or not inst.meets_floors(ball):
            continue
        start = int(np.argmin(mins))
        if not fixed and ball[start] != c:
            continue
        dx = inst.travel.x[ball] - inst.travel.x[c]
        dy = inst.travel.y[ball] - inst.travel.y[c]
        angle = np.arctan2(dy, dx)
        group = -1 if group_of is None else group_of.get(c, -1)
        ladj = _local_adjacency(inst, ball) if rules.contiguous else None
        grown = []
        for v in range(variants):
            if v == 0:
                key = mins
            else:
                theta = rng.uniform(0.0, 2.0 * np.pi)
                stretch = 1.0 + settings.LOT_GROWTH_STRETCH * np.cos(angle - theta)
                key = mins * stretch * rng.uniform(0.85, 1.15, len(ball))
            added, valid = _grow(
                inst, ball, key, start, rules, contiguous=rules.contiguous, ladj=ladj
            )
            grown.append((np.asarray(added, dtype=np.int64), _snapshots(valid, rules)))
        medoid = None
        if not fixed and (matrix is None or matrix.pos[c] < 0):
            medoid = _LocalMedoid.over(inst, ball, grown)
        # A snapshot met again from this centre (another growth order reaching the same
        # units) has the same centre and travel: it cannot improve the column kept.
        met: set[bytes] = set()
        use_matrix = medoid is None and matrix is not None and matrix.pos[c] >= 0
        for added, sizes in grown:
            for size in sizes:
                local = np.sort(added[:size])
                members = ball[local]
                tag = members.tobytes()
                if tag in met:
                    continue
                met.add(tag)
                if fixed:
                    centre = c
                    cmin = inst.travel.minutes(c, members)
                    travel = float(cmin @ inst.h[members])
                    tag += np.int64(c).tobytes()
                elif medoid is not None:
                    centre, travel = medoid.best(local, start)
                elif use_matrix:
                    centre, travel = matrix.best(members, c, limits)
                else:
                    shortlist = np.unique(
                        np.append(inst.centre_shortlist(members, settings.LOT_CENTRE_SHORTLIST), c)
                    )
                    found = inst.best_centre(members, candidates=shortlist)
                    centre, travel = found if found is not None else (c, math.inf)
                prev = out.get(tag)
                if prev is None or travel < prev.travel:
                    out[tag] = _Column(members, centre, travel, float(inst.h[members].sum()), group)
    return list(out.values())


#: Largest pool given one minutes-and-miles matrix (:class:`_PoolMatrix`): 1,500 units are
#: 36 MB; a larger pool (one tile for a lot-count target) computes per ball instead.
_POOL_MATRIX_MAX = 1500


class _PoolMatrix:
    """Minutes and miles between every two units of a pool, computed once per pool.

    Candidate lots are grown over a tile (a few hundred units) or a search window (a few
    lots), and every ball, reach test and centre choice reads pairs inside that pool. Computed
    once, they are read instead of recomputed per centre and per snapshot: the values are the
    same element by element (:meth:`TravelModel.minutes` is elementwise), so the same centres
    and travel follow. Only for lots judged at unit points in no nesting areas (else a centre's
    reach is checked to customers or areas).
    """

    __slots__ = ("pos", "mins", "miles", "h", "x", "y")

    @classmethod
    def over(cls, inst: _Instance, pool: np.ndarray) -> _PoolMatrix | None:
        if inst.has_customers or inst.group is not None:
            return None
        units = np.flatnonzero(pool)
        if not len(units) or len(units) > _POOL_MATRIX_MAX:
            return None
        self = cls()
        self.pos = np.full(len(inst.travel), -1, dtype=np.int64)
        self.pos[units] = np.arange(len(units))
        travel = inst.travel
        if getattr(travel, "land", None) is None:
            self.mins = travel.minutes(units[:, None], units[None, :])
        else:
            # Paths over land are looked up one source at a time.
            self.mins = np.vstack([travel.minutes(int(u), units) for u in units.tolist()])
        self.miles = travel.miles(units[:, None], units[None, :])
        self.h, self.x, self.y = inst.h, inst.x, inst.y
        return self

    def best(
        self, members: np.ndarray, start: int, limits: tuple[float, float]
    ) -> tuple[int, float]:
        """(centre, travel) of the lot of ``members`` (sorted), grown from unit ``start``.

        The same choice as :meth:`_Instance.best_centre` over
        :meth:`_Instance.centre_shortlist` and ``start``: the members nearest the lot's
        hours-weighted centroid, the one of least hours-weighted minutes within the limits.
        """
        h = self.h[members]
        w = h + _EPS
        ws = w.sum()
        xm, ym = self.x[members], self.y[members]
        cx = float((xm * w).sum() / ws)
        cy = float((ym * w).sum() / ws)
        d = np.hypot(xm - cx, ym - cy)
        short = set(np.argsort(d, kind="stable")[: settings.LOT_CENTRE_SHORTLIST].tolist())
        short.add(int(np.searchsorted(members, start)))
        pick = sorted(short)
        cols = self.pos[members]
        rows = cols[pick][:, None]
        mins = self.mins[rows, cols]
        cost = mins @ h
        ok = (mins.max(axis=1) <= limits[0]) & (self.miles[rows, cols].max(axis=1) <= limits[1])
        if not ok.any():
            return int(start), math.inf
        cost = np.where(ok, cost, np.inf)
        best = int(np.argmin(cost))
        return int(members[pick[best]]), float(cost[best])


class _LocalMedoid:
    """Lot centres of one ball's snapshots from one drive-time matrix over the units grown.

    The same sums as :meth:`_Instance.centre_shortlist` and :meth:`_Instance.best_centre`
    (so the same centres), but the minutes and miles between the units any snapshot of the
    ball holds are computed once, not once per snapshot: most of the candidates' time was in
    those repeated small distance computations. Only for lots judged at unit points in no
    nesting areas (else each candidate centre's reach is checked to customers or areas).
    """

    __slots__ = ("ball", "units", "pos", "mins", "miles", "h", "x", "y", "limits")

    @classmethod
    def over(cls, inst: _Instance, ball: np.ndarray, grown: list) -> _LocalMedoid | None:
        if inst.has_customers or inst.group is not None:
            return None
        reach = [a[: max(s)] for a, s in grown if s]
        if not reach:
            return None
        self = cls()
        self.units = np.unique(np.concatenate(reach))  # local positions in the ball
        self.pos = np.full(len(ball), -1, dtype=np.int64)
        self.pos[self.units] = np.arange(len(self.units))
        g = ball[self.units]
        self.ball = ball
        self.mins = inst.travel.minutes(g[:, None], g[None, :])
        self.miles = inst.travel.miles(g[:, None], g[None, :])
        self.h, self.x, self.y = inst.h[g], inst.x[g], inst.y[g]
        r = inst.rules
        self.limits = (r.max_drive_minutes + _EPS, r.max_radius_miles + _EPS)
        return self

    def best(self, local: np.ndarray, start: int) -> tuple[int, float]:
        """(centre, travel) of the lot of ``local`` ball positions (sorted)."""
        m = self.pos[local]
        w = self.h[m] + _EPS
        cx = float((self.x[m] * w).sum() / w.sum())
        cy = float((self.y[m] * w).sum() / w.sum())
        d = np.hypot(self.x[m] - cx, self.y[m] - cy)
        short = local[np.argsort(d, kind="stable")[: settings.LOT_CENTRE_SHORTLIST]]
        cands = np.unique(np.append(short, start))
        rows = self.pos[cands]
        mins = self.mins[np.ix_(rows, m)]
        cost = mins @ self.h[m]
        ok = (mins.max(axis=1) <= self.limits[0]) & (
            self.miles[np.ix_(rows, m)].max(axis=1) <= self.limits[1]
        )
        if not ok.any():
            return int(self.ball[start]), math.inf
        cost = np.where(ok, cost, np.inf)
        best = int(np.argmin(cost))
        return int(self.ball[cands[best]]), float(cost[best])
