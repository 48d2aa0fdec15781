"""Made-up data for demos, tests and benchmarks, kept apart from the domain.

:mod:`lotdesign.datasets.demo`
    the synthetic demo county: an extract, GP practices, providers and a run config written
    on real postcodes (:func:`~lotdesign.datasets.demo.make_demo`).
:mod:`lotdesign.datasets.synthetic`
    synthetic demand units on a grid (:func:`~lotdesign.datasets.synthetic.grid_units`).
:mod:`lotdesign.datasets.settings`
    their knobs (``DEMO_*``), with sources, apart from :mod:`lotdesign.settings`.

Submodules are imported on demand (``from lotdesign.datasets.demo import make_demo``), so
importing the package costs nothing.
"""
