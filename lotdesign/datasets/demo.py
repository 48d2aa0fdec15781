"""The demo county: synthetic home-care customers, providers and GP practices on real postcodes.

:func:`make_demo` writes what a council would hand over - a care-package extract (XLSX), an NHS
ODS ``epraccur`` practice file, a provider list and a run config - so that the demo goes
through the same readers as real data. The geography is real (postcodes of the chosen
districts from the packaged ONS Postcode Directory subset); the people, providers and practices
are invented, and every file says so.

The extract is realistic on purpose: heavy-tailed package hours, rates that vary by provider
and rurality, a fragmented market whose providers' patches overlap, multi-line customers, ended
and not-yet-started packages, formatting variants that must be accepted, and a small share of
planted bad rows (each with exactly one fault) listed with the reason the reader must give.
Its knobs (``DEMO_*``) are in :mod:`lotdesign.datasets.settings`, read when it runs.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from lotdesign import __version__
from lotdesign.datasets import settings as demo_settings
from lotdesign.datasets._extract import (
    _make_rows,
)
from lotdesign.datasets._layout import (
    _H,
    _HEADERS,
    COLUMNS,
    GP_UNKNOWN_CODE,
    REJECT_REASONS,
    SHEET,
    SYNTHETIC_NOTE,
)
from lotdesign.datasets._places import (
    _check_inputs,
    _district_postcodes,
    _make_practices,
    _make_providers,
    _settlements,
)
from lotdesign.errors import ValidationError


@dataclass(frozen=True)
class DemoFiles:
    """Paths of the files :func:`make_demo` wrote."""

    #: ``extract.xlsx``: the care-package extract (sheet ``Packages``, plus a ``README`` sheet).
    extract: Path
    #: ``epraccur.csv``: synthetic GP practices in the NHS ODS epraccur layout.
    practices: Path
    #: ``providers.csv``: provider, office_postcode, synthetic.
    providers: Path
    #: ``lotdesign.yaml``: run config mapping the files above.
    config: Path
    #: ``demo_planted_errors.csv``: source_row, reason_code, description of each planted reject.
    planted: Path


def make_demo(
    out_dir: str | Path = "data/raw",
    *,
    seed: int | None = None,
    districts: Sequence[str] | None = None,
    n_customers: int | None = None,
    as_of: str = "2026-11-01",
    processed_dir: str = "data/processed",
    reports_dir: str = "reports",
    n_providers: int | None = None,
    n_practices: int | None = None,
) -> DemoFiles:
    """Write a synthetic county's inputs: extract, GP practices, providers and config.

    Customers are placed on real postcodes of ``districts`` (towns hold most, villages and
    hamlets some); providers have offices in towns and overlapping patches; GP practices sit
    in the settlements. Everything is drawn from one ``numpy`` generator seeded with ``seed``,
    so the same arguments give the same data.

    Parameters
    ----------
    out_dir
        Folder for the files (created if missing). ``data/raw`` is where a run expects inputs.
    seed
        Random seed; default ``demo_settings.DEMO_SEED``.
    districts
        Local authority district codes (e.g. ``E07000227``) whose postcodes to use; default
        ``demo_settings.DEMO_DISTRICTS``, the seven West Sussex districts.
    n_customers
        Customers with an accepted package active on ``as_of`` (the extract also holds ended and
        future packages and planted bad rows, which are extra); default
        ``demo_settings.DEMO_CUSTOMERS``.
    as_of
        Analysis date, ISO ``YYYY-MM-DD``; start and end dates are drawn around it.
    processed_dir, reports_dir
        Where a run should write its outputs; written into the config relative to ``out_dir``.
    n_providers
        Providers in the market; default ``demo_settings.DEMO_PROVIDERS``.
    n_practices
        Open GP practices (the practice file also lists a few closed and non-GP ones); default
        ``demo_settings.DEMO_GP_PRACTICES``.

    ``demo_settings`` is :mod:`lotdesign.datasets.settings`; its knobs are read when this is
    called.

    Returns
    -------
    DemoFiles
        Paths of the files written.

    Raises
    ------
    lotdesign.ValidationError
        An argument is out of range, ``as_of`` is not an ISO date, or a district code has no
        postcodes in the packaged lookup.

    Examples
    --------
    >>> files = make_demo("data/raw", seed=1)  # doctest: +SKIP
    >>> files.extract.name  # doctest: +SKIP
    'extract.xlsx'
    """
    seed = demo_settings.DEMO_SEED if seed is None else seed
    districts = demo_settings.DEMO_DISTRICTS if districts is None else districts
    n_customers = demo_settings.DEMO_CUSTOMERS if n_customers is None else n_customers
    n_providers = demo_settings.DEMO_PROVIDERS if n_providers is None else n_providers
    n_practices = demo_settings.DEMO_GP_PRACTICES if n_practices is None else n_practices
    district_codes, as_of_date = _check_inputs(
        out_dir, seed, districts, n_customers, as_of, n_providers, n_practices
    )
    rng = np.random.default_rng(seed)
    places = _settlements(_district_postcodes(district_codes))
    if (places["place"] != "dispersed").sum() < n_practices + demo_settings.DEMO_GP_CLOSED:
        raise ValidationError(
            f"Districts {', '.join(district_codes)} have too few settlement postcodes for "
            f"{n_practices} GP practices: name more districts or pass a smaller n_practices."
        )
    practices = _make_practices(places, rng, n_practices, as_of_date)
    providers = _make_providers(places, rng, n_providers)
    rows, planted = _make_rows(places, practices, providers, rng, n_customers, as_of_date)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = DemoFiles(
        extract=out / "extract.xlsx",
        practices=out / "epraccur.csv",
        providers=out / "providers.csv",
        config=out / "lotdesign.yaml",
        planted=out / "demo_planted_errors.csv",
    )
    readme = [
        SYNTHETIC_NOTE,
        "Every person, package, provider and GP practice in this workbook is invented by "
        "lotdesign's demo generator. Postcodes are real (ONS Postcode Directory, OGL v3.0) "
        "but nobody here receives care at them.",
        "Some rows are deliberately malformed to exercise validation: see "
        f"{files.planted.name} for each one and the reason it must be rejected.",
        f"Generated by lotdesign {__version__} make_demo(seed={seed}, "
        f"districts={list(district_codes)}, n_customers={n_customers}, as_of={as_of_date}).",
        "Contains National Statistics data \u00a9 Crown copyright and database right.",
    ]
    _write_extract(files.extract, rows, readme)
    _write_epraccur(files.practices, practices)
    providers[["provider", "office_postcode"]].assign(synthetic=True).sort_values(
        "provider"
    ).to_csv(files.providers, index=False)
    planted.to_csv(files.planted, index=False)
    _write_config(files, seed, district_codes, as_of_date, processed_dir, reports_dir)
    return files


# --- Writing ----------------------------------------------------------------------------------


def _write_extract(path: Path, rows: list[list], readme: list[str]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(_HEADERS))
    for row in rows:
        ws.append(row)
    cost_col = _H[COLUMNS["weekly_cost"]] + 1
    date_cols = (_H["Start Date"] + 1, _H["End Date"] + 1)
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if cell.column in date_cols and isinstance(cell.value, dt.datetime):
                cell.number_format = "DD/MM/YYYY"
            elif cell.column == cost_col and isinstance(cell.value, float):
                cell.number_format = "#,##0.00"
    for i, header in enumerate(_HEADERS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(header) + 4)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("README")
    for line in readme:
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    wb.properties.title = SYNTHETIC_NOTE
    wb.properties.creator = "lotdesign demo"
    wb.save(path)


def _write_epraccur(path: Path, practices: pd.DataFrame) -> None:
    national, health_geography, commissioner = demo_settings.DEMO_EPRACCUR_GEOGRAPHY
    status = {"open": "A", "closed": "C", "other": "A"}
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for k, p in enumerate(practices.sort_values("code").itertuples(index=False)):
            other = p.kind == "other"
            writer.writerow(
                [
                    p.code,
                    p.name,
                    national,
                    health_geography,
                    p.name.replace(" (SYNTHETIC)", ""),
                    "SYNTHETIC DEMO ADDRESS",
                    "",
                    "",
                    "",
                    p.postcode,
                    p.opened,
                    p.closed,
                    status[p.kind],
                    "B",
                    commissioner,
                    "20200401",
                    p.closed,
                    # Ofcom reserves 01632 960xxx for drama: never a real line.
                    f"01632 960{k:03d}",
                    "",
                    "",
                    "",
                    "0",
                    "",
                    commissioner,
                    "",
                    "8" if other and "OUT OF HOURS" in p.name else "0" if other else "4",
                    "",
                ]
            )


def _write_config(
    files: DemoFiles,
    seed: int,
    districts: tuple[str, ...],
    as_of: dt.date,
    processed_dir: str,
    reports_dir: str,
) -> None:
    here = os.path.abspath(files.config.parent)

    def relative(path: str) -> str:
        target = os.path.abspath(path)
        # Relative paths keep the folder movable; across unrelated trees an absolute one is clearer.
        if os.path.commonpath([target, here]) == os.path.abspath(os.sep):
            return Path(target).as_posix()
        return Path(os.path.relpath(target, here)).as_posix()

    config = {
        "name": "Demo county (SYNTHETIC)",
        "synthetic": True,
        "description": SYNTHETIC_NOTE,
        "inputs": {
            "packages": files.extract.name,
            "sheet": SHEET,
            "columns": dict(COLUMNS),
            "postcode_lookup": "packaged",
            "gp_practices": files.practices.name,
            "providers": files.providers.name,
            "as_of": as_of,
        },
        "units": "postcode_sector",
        "outputs": {"processed": relative(processed_dir), "reports": relative(reports_dir)},
        "notes": {
            "demo": {
                "seed": int(seed),
                "districts": list(districts),
                "planted_errors": files.planted.name,
                "generator": f"lotdesign.datasets.demo.make_demo (lotdesign {__version__})",
            }
        },
    }
    with open(files.config, "w", encoding="utf-8") as fh:
        yaml.safe_dump(config, fh, sort_keys=False, allow_unicode=True)


__all__ = ["COLUMNS", "GP_UNKNOWN_CODE", "REJECT_REASONS", "SHEET", "DemoFiles", "make_demo"]
