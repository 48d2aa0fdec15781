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


def _grow(
    inst: _Instance,
    ball: np.ndarray,
    key: np.ndarray,
    start_local: int,
    rules: LotRules,
    *,
    contiguous: bool,
    core: Sequence[int] = (),
) -> tuple[list[int], list[tuple[int, float]]]:
    """Grow a lot through ``ball`` (local order by ``key``), never breaking a ceiling.

    Returns the local indices in the order added and the (size, hours) of every step at which
    both floors are met.
    """
    hs = inst.h[ball].tolist()
    ks = inst.k[ball].tolist()
    max_h, max_k = rules.max_hours + _EPS, rules.max_customers + _EPS
    min_h, min_k = rules.min_hours - _EPS, rules.min_customers - _EPS
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
        return added, valid
    local = {int(u): li for li, u in enumerate(ball)}
    heap: list[tuple[float, int]] = []
    seen = set(added)
    for li in added:
        for v in inst.adj[int(ball[li])]:
            lv = local.get(v)
            if lv is not None and lv not in seen:
                seen.add(lv)
                heapq.heappush(heap, (keys[lv], lv))
    needs_join = len(core) > 1
    while heap:
        _, li = heapq.heappop(heap)
        if tot_h + hs[li] > max_h or tot_k + ks[li] > max_k:
            continue
        in_lot[li] = True
        added.append(li)
        tot_h += hs[li]
        tot_k += ks[li]
        for v in inst.adj[int(ball[li])]:
            lv = local.get(v)
            if lv is not None and lv not in seen:
                seen.add(lv)
                heapq.heappush(heap, (keys[lv], lv))
        if tot_h >= min_h and tot_k >= min_k:
            if needs_join and inst.parts(ball[added]) > 1:
                continue
            needs_join = False
            valid.append((len(added), tot_h))
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
    for c, ball in zip(centres.tolist(), balls, strict=True):
        ball = ball[ball < inst.n]
        ball = ball[pool[ball]]
        if not len(ball):
            continue
        ok = inst.reach_ok(c, ball)
        ball = ball[ok]
        mins = inst.travel.minutes(c, ball)
        if (
            not len(ball)
            or inst.h[ball].sum() < rules.min_hours - _EPS
            or inst.k[ball].sum() < rules.min_customers - _EPS
        ):
            continue
        start = int(np.argmin(mins))
        if not fixed and ball[start] != c:
            continue
        dx = inst.travel.x[ball] - inst.travel.x[c]
        dy = inst.travel.y[ball] - inst.travel.y[c]
        angle = np.arctan2(dy, dx)
        group = -1 if group_of is None else group_of.get(c, -1)
        grown = []
        for v in range(variants):
            if v == 0:
                key = mins
            else:
                theta = rng.uniform(0.0, 2.0 * np.pi)
                stretch = 1.0 + settings.LOT_GROWTH_STRETCH * np.cos(angle - theta)
                key = mins * stretch * rng.uniform(0.85, 1.15, len(ball))
            added, valid = _grow(inst, ball, key, start, rules, contiguous=rules.contiguous)
            grown.append((np.asarray(added, dtype=np.int64), _snapshots(valid, rules)))
        medoid = None if fixed else _LocalMedoid.over(inst, ball, grown)
        for added, sizes in grown:
            for size in sizes:
                local = np.sort(added[:size])
                members = ball[local]
                tag = members.tobytes()
                if fixed:
                    centre = c
                    cmin = inst.travel.minutes(c, members)
                    travel = float(cmin @ inst.h[members])
                    tag += np.int64(c).tobytes()
                elif medoid is not None:
                    centre, travel = medoid.best(local, start)
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
