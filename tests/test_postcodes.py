import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lotdesign import postcodes as pc

VALID = ["RH12 4AB", "BN1 8YL", "W1A 1AA", "EC1A 1BB", "M1 1AE", "GU16 7HF", "GIR 0AA"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("rh124ab", "RH12 4AB"),
        ("RH12  4AB", "RH12 4AB"),
        (" RH12 4AB ", "RH12 4AB"),
        ("RH12\t4AB", "RH12 4AB"),
        ("BN1  8YL", "BN1 8YL"),
        ("", None),
        ("   ", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_normalise(raw, expected):
    assert pc.normalise(raw) == expected


@pytest.mark.parametrize("code", VALID)
def test_valid_formats(code):
    assert pc.is_valid(pc.normalise(code))


@pytest.mark.parametrize("code", ["RH12 4A", "RH1Z 4AB", "12345", "RH12 AAB", "XX", "RH12 4ABC"])
def test_invalid_formats(code):
    assert not pc.is_valid(pc.normalise(code))


def test_split():
    assert pc.sector("RH12 4AB") == "RH12 4"
    assert pc.district("RH12 4AB") == "RH12"
    assert pc.area("RH12 4AB") == "RH"
    s = pd.Series(["RH12 4AB", "BN1 8YL"])
    assert list(pc.sector_series(s)) == ["RH12 4", "BN1 8"]
    assert list(pc.district_series(s)) == ["RH12", "BN1"]


# Any mix of case and whitespace around and inside a valid postcode normalises to one form.
_spaces = st.text(alphabet=" \t", max_size=3)


@given(
    code=st.sampled_from(VALID),
    lower=st.lists(st.booleans(), min_size=8, max_size=8),
    pre=_spaces,
    mid=_spaces,
    post=_spaces,
)
def test_formatting_never_matters(code, lower, pre, mid, post):
    out, inward = code.split(" ")
    messy = "".join(ch.lower() if lo else ch for ch, lo in zip(out, lower, strict=False))
    raw = f"{pre}{messy}{mid}{inward.lower() if lower[-1] else inward}{post}"
    assert pc.normalise(raw) == code
    assert pc.is_valid(pc.normalise(raw))
    assert pc.normalise_series(pd.Series([raw])).iloc[0] == code


@given(st.text(max_size=12))
def test_normalise_idempotent_and_vectorised(text):
    once = pc.normalise(text)
    assert pc.normalise(once) == once
    assert pc.normalise_series(pd.Series([text], dtype=object)).iloc[0] == once
    assert bool(pc.valid_series(pd.Series([once], dtype=object)).iloc[0]) == pc.is_valid(once)
