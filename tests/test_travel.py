"""Tests for lotdesign.travel: estimated drive times, user matrices, spatial queries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lotdesign import settings as cfg
from lotdesign.errors import ValidationError
from lotdesign.travel import TravelModel, estimate_minutes, speed_for, validate_matrix


def test_estimate_minutes_is_distance_times_circuity_over_speed() -> None:
    # One straight-line mile, circuity 1.5, 30 mph at both ends: 1.5 road miles = 3 minutes.
    assert estimate_minutes(cfg.METRES_PER_MILE, 30.0, 30.0, circuity=1.5) == pytest.approx(3.0)
    # Half the trip at each end's speed: 1 mile between 20 and 60 mph ends.
    expected = 0.5 * 60 / 20 + 0.5 * 60 / 60
    assert estimate_minutes(cfg.METRES_PER_MILE, 20.0, 60.0, circuity=1.0) == pytest.approx(
        expected
    )


def test_towns_are_slower_than_villages() -> None:
    s = speed_for(["urban", "town_fringe", "village_dispersed"])
    assert list(s) == [cfg.SPEED_MPH[k] for k in ("urban", "town_fringe", "village_dispersed")]
    assert s[0] < s[1] < s[2]


def test_unknown_rurality_is_explained() -> None:
    with pytest.raises(ValidationError, match="no driving speed for rurality"):
        speed_for(["urban", "moon"])


def _model(matrix: pd.DataFrame | None = None) -> TravelModel:
    return TravelModel(
        ["a", "b", "c"],
        np.array([0.0, 3000.0, 0.0]),
        np.array([0.0, 0.0, 4000.0]),
        ["urban", "urban", "village_dispersed"],
        matrix=matrix,
    )


def test_matrix_used_where_given_either_direction_else_estimate() -> None:
    matrix = pd.DataFrame({"origin": ["a", "c"], "destination": ["b", "b"], "minutes": [7.5, 2]})
    m = _model(matrix)
    plain = _model()
    assert m.minutes(0, 1) == pytest.approx(7.5)
    assert m.minutes(1, 0) == pytest.approx(7.5)  # only a->b given: used both ways
    assert m.minutes(2, 1) == pytest.approx(2.0)
    assert m.minutes(0, 2) == pytest.approx(plain.minutes(0, 2))  # not given: estimated
    got = m.minutes(np.array([0, 0, 2]), np.array([1, 2, 1]))
    assert got[0] == pytest.approx(7.5) and got[2] == pytest.approx(2.0)


def test_a_pair_given_both_ways_keeps_each_direction() -> None:
    matrix = pd.DataFrame({"origin": ["a", "b"], "destination": ["b", "a"], "minutes": [4, 9]})
    m = _model(matrix)
    assert m.minutes(0, 1) == pytest.approx(4.0)
    assert m.minutes(1, 0) == pytest.approx(9.0)


def test_bad_matrix_is_rejected_with_reason() -> None:
    with pytest.raises(ValidationError, match="lacks column"):
        validate_matrix(pd.DataFrame({"origin": ["a"], "minutes": [1.0]}))
    with pytest.raises(ValidationError, match="negative"):
        validate_matrix(pd.DataFrame({"origin": ["a"], "destination": ["b"], "minutes": [-1]}))


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 60),
    radius=st.floats(100.0, 5000.0),
)
def test_within_matches_brute_force_and_reach_bounds_drive_time(
    seed: int, n: int, radius: float
) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 10_000, n), rng.uniform(0, 10_000, n)
    rur = rng.choice(["urban", "town_fringe", "village_dispersed"], n)
    m = TravelModel([str(i) for i in range(n)], x, y, rur)
    found = m.within(np.arange(n), radius)
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    for i in range(n):
        assert set(found[i].tolist()) == set(np.flatnonzero(d[i] <= radius).tolist())
    # Any pair within 10 minutes lies within max_reach_metres(10).
    mins = m.minutes(np.arange(n)[:, None], np.arange(n)[None, :])
    assert np.all(d[mins <= 10.0] <= m.max_reach_metres(10.0) + 1e-6)
