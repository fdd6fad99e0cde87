"""Loading a PFS year from CMS's own file formats, installing it, and reading it back."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal

import pytest

from claimscrub.pricing import PfsError, available_years, fee_schedule, install_pfs, load_pfs
from claimscrub.pricing.pfs import package_pfs_dir

from .conftest import CMS_2025, D, make_lines


def _same(a, b):
    assert a.year == b.year and a.conversion_factor == b.conversion_factor
    assert a.rvus == b.rvus
    assert a.gpcis == b.gpcis
    assert a.counties == b.counties


def test_load_cms_files_directly():
    fs = load_pfs(CMS_2025)
    assert fs.year == 2025 and fs.release == "Oct"
    assert fs.conversion_factor == Decimal("32.3465")
    assert len(fs.gpcis) == 109  # "locality count in GPCI2025: 109"
    assert fs.rvu("90863").status == "I" and fs.rvu("90863").not_used_for_medicare
    assert fs.gpcis["01182-18"].pw == Decimal("1.042")
    assert fs.gpcis["02102-01"].pw == Decimal("1.5")  # Alaska floor


def test_round_trip_install_then_load(tmp_path):
    out = install_pfs(CMS_2025, 2025, dest=tmp_path / "pfs")
    assert out == tmp_path / "pfs" / "2025"
    assert sorted(p.name for p in out.iterdir()) == [
        "SOURCE.md",
        "counties.csv",
        "gpci.csv",
        "meta.json",
        "rvu.csv",
    ]
    meta = json.loads((out / "meta.json").read_text())
    assert meta["conversion_factor"] == "32.3465" and meta["localities"] == 109
    _same(load_pfs(out), load_pfs(CMS_2025))


def test_packaged_2025_data_equals_the_cms_files():
    _same(fee_schedule(2025), load_pfs(CMS_2025))
    assert (package_pfs_dir() / "2025" / "SOURCE.md").read_text().count("CMS") >= 2


def _cms_style_pprrvu(src, dst):
    """The extract rewritten the way CMS ships PPRRVU: preamble, upper-case header with a
    DESCRIPTION column, descriptions filled in."""
    with src.open() as fh:
        rows = list(csv.reader(fh))
    with dst.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["CPT codes and descriptions only are copyright American Medical Association."])
        w.writerow(["All Rights Reserved."])
        w.writerow([])
        w.writerow(["", "", "", "", "", "WORK", "NON-FAC"])
        head = [c.upper().replace("_", " ") for c in rows[0]]
        w.writerow([head[0], head[1], "DESCRIPTION", *head[2:]])
        for r in rows[1:]:
            w.writerow([r[0], r[1], "Some description, with a comma", *r[2:]])


def test_cms_layout_with_preamble_and_description(tmp_path):
    cms = tmp_path / "rvu25d"
    cms.mkdir()
    _cms_style_pprrvu(CMS_2025 / "pprrvu2025_oct_behavioral.csv", cms / "PPRRVU25_OCT.csv")
    for name in ("GPCI2025.csv", "25LOCCO.csv"):
        (cms / name).write_bytes((CMS_2025 / name).read_bytes())
    fs = load_pfs(cms)
    assert fs.year == 2025 and fs.release == "Oct"
    _same(fs, load_pfs(CMS_2025))


def test_install_into_user_data_dir_and_price_a_new_year(tmp_path, monkeypatch):
    # a "2026" release: same files with another conversion factor, installed as a user year
    cms = tmp_path / "cms2026"
    cms.mkdir()
    text = (CMS_2025 / "pprrvu2025_oct_behavioral.csv").read_text()
    (cms / "PPRRVU26_JAN.csv").write_text(text.replace("32.3465", "33.4009"))
    (cms / "GPCI2026.csv").write_bytes((CMS_2025 / "GPCI2025.csv").read_bytes())
    monkeypatch.setenv("CLAIMSCRUB_DATA_DIR", str(tmp_path / "userdata"))
    out = install_pfs(cms)
    assert out == tmp_path / "userdata" / "pfs" / "2026"
    assert available_years() == (2025, 2026)
    lines = make_lines(
        {"cpt": "90834", "locality": "national", "service_date": date(2025, 12, 31)},
        {"cpt": "90834", "locality": "national", "service_date": date(2026, 1, 1)},
    )
    from claimscrub.pricing import price_lines

    out = price_lines(lines)
    pay = out.get_column("expected_payment").to_list()
    assert pay[0] == D("104.16")
    # 2026: (2.45 + 0.72 + 0.05) x 33.4009 = 107.550898 -> 107.55
    assert pay[1] == D("107.55")
    assert out.get_column("price_basis").to_list()[1].startswith("medicare-pfs-2026 national")


def test_install_subset_of_codes(tmp_path):
    out = install_pfs(CMS_2025, dest=tmp_path, codes=["90834", "90863"])
    assert set(c for c, _ in load_pfs(out).rvus) == {"90834", "90863"}


def test_bad_inputs(tmp_path):
    with pytest.raises(PfsError, match="no file matching"):
        load_pfs(tmp_path)
    (tmp_path / "PPRRVU25_JAN.csv").write_text("hello,world\n")
    (tmp_path / "GPCI2025.csv").write_text("x\n")
    with pytest.raises(PfsError, match="no HCPCS rows"):
        load_pfs(tmp_path)
    with pytest.raises(PfsError, match="not a directory"):
        load_pfs(tmp_path / "nope")
