"""Tests for lotdesign.highs: HiGHS models are built quietly, with their options set."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lotdesign.highs import new_highs

ROOT = Path(__file__).resolve().parents[1]

#: Builds the process's first Highs through the factory, solves a tiny LP and says OK.
SCRIPT = """
import highspy
from lotdesign.highs import new_highs
h = new_highs(time_limit=5.0)
h.addVar(0.0, 1.0)
h.changeColCost(0, -1.0)
h.run()
assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
assert h.getInfo().objective_function_value == -1.0
new_highs()
print("OK")
"""


def test_first_highs_of_a_process_prints_nothing() -> None:
    # A fresh process: highspy prints its licence banner only on the first construction in a
    # process, so an in-process test would pass whatever the factory did.
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "OK\n"


def test_options_are_set_and_bad_ones_refused() -> None:
    h = new_highs(time_limit=7.0, threads=1)
    # highspy answers (status, value).
    assert h.getOptionValue("output_flag")[1] is False
    assert h.getOptionValue("time_limit")[1] == 7.0
    assert h.getOptionValue("threads")[1] == 1
    with pytest.raises(ValueError, match="no_such_option"):
        new_highs(no_such_option=1)
