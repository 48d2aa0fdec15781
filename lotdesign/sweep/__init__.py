"""Scenario sweeps on Dask distributed: many designs of one county, or every county at once.

``lotdesign sweep CONFIG --grid GRID.yaml`` (:func:`run_sweep`) runs a grid of scenarios —
dotted-key changes of the run spec, each checked by the strict spec before anything starts
(:mod:`lotdesign.sweep.grid`) — in parallel on a Dask ``LocalCluster`` (or a cluster whose
scheduler address is given). Inputs shared by scenarios (the extract, the units, drive-time
matrices) are built once per distinct input and passed to every scenario that uses them;
each scenario's result is cached by a hash of its spec and inputs, so a re-run computes only
what changed (:mod:`lotdesign.sweep.runner`). The outputs are a comparison table
(``sweep_comparison.csv``: lots, Tier 1 share, mean lot hours, travel, cost change and its
range, months to viable volume), a chart and a small-multiples map of the lots
(:mod:`lotdesign.sweep.outputs`). ``lotdesign sweep --national`` designs lots for every
English local authority on a public demand proxy (:mod:`lotdesign.sweep.national`).
"""

from lotdesign.sweep.grid import Scenario, expand_grid, read_grid
from lotdesign.sweep.runner import SweepResult, run_sweep, scenario_figures

__all__ = [
    "Scenario",
    "SweepResult",
    "expand_grid",
    "read_grid",
    "run_sweep",
    "scenario_figures",
]
