"""Integration with the real West Sussex open data in ../shared (skipped when it is absent)."""

import numpy as np
import pandas as pd
import pytest
import yaml

from lotdesign.io.boundaries import read_boundaries
from lotdesign.io.lookups import read_postcode_lookup
from lotdesign.io.practices import read_epcn, read_epraccur
from lotdesign.pipeline import run

pytestmark = pytest.mark.shared


def test_epraccur_real(shared_dir):
    lk = read_postcode_lookup(shared_dir / "codepoint_open_2025_04_westsussex.csv")
    pr = read_epraccur(shared_dir / "epraccur_westsussex_2022.csv", lookup=lk)
    assert (pr["prescribing_setting"] == "4").all()
    assert {"active", "closed"} <= set(pr["status"])
    assert pr.loc[pr["is_open"], "easting"].notna().mean() > 0.95
    pcn = read_epcn(shared_dir / "epcn_core_partner_details_2022_04.csv")
    assert pr.merge(pcn, on="code")["pcn_code"].str.startswith("U").all()


def test_boundaries_real(shared_dir):
    b = read_boundaries(shared_dir / "lsoa21_boundaries.geojson")
    assert len(b) == 532
    assert b.crs.to_epsg() == 27700
    assert b["boundary_id"].str.startswith("E01").all()
    assert b["boundary_name"].iloc[0] == "Adur 002A"


@pytest.fixture(scope="module")
def county(shared_dir, tmp_path_factory):
    """A customer extract on real West Sussex postcodes, and a config per unit type."""
    tmp = tmp_path_factory.mktemp("ws")
    lk = read_postcode_lookup(shared_dir / "codepoint_open_2025_04_westsussex.csv").dropna(
        subset=["easting"]
    )
    rng = np.random.default_rng(7)
    sample = lk.sample(600, random_state=7)
    pr = read_epraccur(shared_dir / "epraccur_westsussex_2022.csv", lookup=lk)
    extract = pd.DataFrame(
        {
            "Client Ref": [f"X{i:04d}" for i in range(600)],
            "Postcode": sample["postcode"].str.lower().str.replace(" ", "").to_numpy(),
            "Hours": rng.lognormal(2.2, 0.7, 600).round(2),
            "Practice": rng.choice(pr["code"], 600),
        }
    )
    extract.to_csv(tmp / "extract.csv", index=False)

    def config(units, **inputs):
        data = {
            "name": f"West Sussex {units}",
            "inputs": {
                "packages": "extract.csv",
                "columns": {
                    "customer_id": "Client Ref",
                    "postcode": "Postcode",
                    "weekly_hours": "Hours",
                    "gp_practice": "Practice",
                },
                "postcode_lookup": [
                    str(shared_dir / "codepoint_open_2025_04_westsussex.csv"),
                    str(shared_dir / "pcd_oa11_lsoa11_msoa11_lad_2022_05.csv"),
                ],
                **inputs,
            },
            "units": units,
            "outputs": {"processed": f"{units}/processed", "reports": f"{units}/reports"},
        }
        path = tmp / f"{units}.yaml"
        path.write_text(yaml.safe_dump(data))
        return path

    return config


@pytest.mark.parametrize(
    ("units", "inputs"),
    [
        ("postcode_sector", {}),
        ("lsoa", {"boundaries": "lsoa21_boundaries.geojson"}),
        (
            "gp_practice",
            {
                "gp_practices": "epraccur_westsussex_2022.csv",
                "epcn": "epcn_core_partner_details_2022_04.csv",
            },
        ),
    ],
)
def test_run_builds_units(county, shared_dir, units, inputs):
    inputs = {k: str(shared_dir / v) for k, v in inputs.items()}
    result = run(county(units, **inputs), quiet=True, until="units")
    u = result.units
    assert u["customers"].sum() == 600
    assert (result.spec.outputs.processed / "units.gpkg").exists()
    assert u["neighbours"].ne("").mean() > 0.95
    if units == "lsoa":
        assert len(u) == 532  # every LSOA, with or without customers
        assert u["unit_id"].str.startswith("E01").all()
    if units == "gp_practice":
        assert (
            u["unit_id"]
            .isin(
                set(
                    read_epraccur(
                        shared_dir / "epraccur_westsussex_2022.csv", lookup=result.lookup
                    ).query("is_open")["code"]
                )
            )
            .all()
        )
