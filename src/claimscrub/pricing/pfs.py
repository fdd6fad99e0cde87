"""Medicare Physician Fee Schedule (PFS) data: reading CMS files, installing a year, the formula.

Two on-disk formats:

* **CMS format** -- the files of CMS's RVU release zip as published: ``PPRRVU*.csv`` (RVUs by
  HCPCS + modifier with status code and conversion factor), ``GPCI*.csv`` (Addendum E, GPCIs by
  MAC / locality) and ``*LOCCO*.csv`` (locality to county crosswalk, optional).
  :func:`load_pfs` reads these (and also the installed format).
* **Installed format** -- what :func:`install_pfs` writes to ``data/pfs/<year>/``: ``rvu.csv``,
  ``gpci.csv``, ``counties.csv``, ``meta.json`` and ``SOURCE.md``.  Plain CSV, decimals kept as
  text so nothing is lost to binary floating point.

Payment for one unit (CMS, Medicare Claims Processing Manual ch. 12 §20; 42 CFR 414.20)::

    round((work_rvu * pw_gpci + pe_rvu * pe_gpci + mp_rvu * mp_gpci) * cf, 2)

with ``Decimal`` arithmetic and ``ROUND_HALF_UP``; ``pe_rvu`` is the non-facility or facility
practice-expense RVU depending on the place of service.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import polars as pl

CENT = Decimal("0.01")
ONE = Decimal(1)

#: Installed-format file names.
RVU_FILE = "rvu.csv"
GPCI_FILE = "gpci.csv"
COUNTIES_FILE = "counties.csv"
META_FILE = "meta.json"

RVU_COLUMNS = (
    "code",
    "modifier",
    "status",
    "not_used_for_medicare",
    "work_rvu",
    "nonfac_pe_rvu",
    "nonfac_na",
    "fac_pe_rvu",
    "fac_na",
    "mp_rvu",
    "pctc",
    "global",
)
GPCI_COLUMNS = ("locality_key", "mac", "state", "locality", "name", "pw_gpci", "pe_gpci", "mp_gpci")
COUNTY_COLUMNS = ("locality_key", "mac", "locality", "state", "fee_schedule_area", "counties")

#: PPRRVU column order as CMS publishes it (after HCPCS, MOD and, in CMS's file, DESCRIPTION).
_PPRRVU_ORDER = (
    "status",
    "not_used_for_medicare",
    "work_rvu",
    "nonfac_pe_rvu",
    "nonfac_na",
    "fac_pe_rvu",
    "fac_na",
    "mp_rvu",
    "nonfac_total",
    "fac_total",
    "pctc",
    "global",
    "pre_op",
    "intra_op",
    "post_op",
    "mult_proc",
    "bilat_surg",
    "asst_surg",
    "co_surg",
    "team_surg",
    "endo_base",
    "conv_factor",
)
_HCPCS = re.compile(r"^[0-9A-Z]\d{3}[0-9A-Z]$")
_STATE_NAMES = {
    # LOCCO spells states out; GPCI uses the postal code.  Only used as a fallback when a
    # LOCCO row's (MAC, locality) pair is not in the GPCI file.
    "DISTRICT OF COLUMBIA": "DC",
    "HAWAII/GUAM": "HI",
}


#: Known misspellings in CMS's LOCCO file, corrected when matching county names.
_COUNTY_TYPOS = {"ORAGNGE": "ORANGE"}


def _county_name(text: str) -> str:
    t = re.sub(r"\b(CNTY|COUNTY|PARISH)\b\.?", "", text.upper())
    t = re.sub(r"\s+", " ", t).strip(" .")
    return _COUNTY_TYPOS.get(t, t)


def _county_names(text: str) -> set[str]:
    parts = re.split(r"[,/;]|\bAND\b|\bIN\b", text.upper())
    return {_county_name(p) for p in parts if p.strip()} - {""}


class PfsError(ValueError):
    """A PFS file is missing or not in the expected CMS layout."""


def _dec(text: str | None, *, default: Decimal | None = Decimal(0)) -> Decimal | None:
    text = (text or "").strip()
    if not text or text.upper() == "NA":
        return default
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise PfsError(f"not a number: {text!r}") from exc


def locality_key(mac: str, locality: str) -> str:
    """Canonical locality key ``MAC-LL``: 5-digit MAC, 2-digit locality, e.g. ``01182-18``."""
    return f"{str(mac).strip().zfill(5)}-{str(locality).strip().zfill(2)}"


@dataclass(frozen=True)
class Gpci:
    key: str
    mac: str
    state: str
    locality: str
    name: str
    pw: Decimal
    pe: Decimal
    mp: Decimal


NATIONAL = Gpci("national", "", "", "", "national (GPCI 1.0)", ONE, ONE, ONE)


@dataclass(frozen=True)
class Rvu:
    code: str
    modifier: str
    status: str
    not_used_for_medicare: bool
    work: Decimal
    pe_nonfacility: Decimal
    nonfacility_na: bool
    pe_facility: Decimal
    facility_na: bool
    mp: Decimal


@dataclass
class FeeSchedule:
    """One year (release) of the Medicare PFS: RVUs, GPCIs, counties, conversion factor."""

    year: int
    conversion_factor: Decimal
    release: str = ""
    rvus: dict[tuple[str, str], Rvu] = field(default_factory=dict)
    gpcis: dict[str, Gpci] = field(default_factory=dict)
    counties: list[dict[str, str]] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"medicare-pfs-{self.year}"

    # -- lookups -----------------------------------------------------------------------
    def modifiers_for(self, code: str) -> set[str]:
        return {m for (c, m) in self.rvus if c == code}

    def rvu(self, code: str, modifier: str = "") -> Rvu | None:
        return self.rvus.get((code, modifier))

    def statewide_locality(self, state: str) -> Gpci | None:
        """The locality of a state that has exactly one Medicare locality, else None."""
        return self._statewide.get(state.upper())

    @cached_property
    def _statewide(self) -> dict[str, Gpci]:
        by_state: dict[str, list[Gpci]] = {}
        for g in self.gpcis.values():
            by_state.setdefault(g.state, []).append(g)
        return {s: gs[0] for s, gs in by_state.items() if len(gs) == 1}

    def resolve_locality(self, locality: str | None, state: str | None) -> tuple[Gpci, str]:
        """Map a ``locality`` value (and the provider state) to a GPCI row.

        Accepted ``locality`` forms: ``national``, ``MAC-LL`` (``01182-18``), ``MACLL`` (7 digits,
        ``0118218``), ``ST-LL`` (``CA-18``), ``LL`` with the state given (``18`` + ``CA``),
        ``county:NAME`` with the state given.  Without a locality, a state with a single
        statewide locality resolves to it.  Anything else: national GPCIs (1.0) with a note.
        Returns (gpci, note); the note is '' when the locality was found.
        """
        loc = (locality or "").strip().upper()
        st = (state or "").strip().upper()
        if loc == "NATIONAL":
            return NATIONAL, ""
        if loc:
            g = self._lookup(loc, st)
            if g is not None:
                return g, ""
            return NATIONAL, f"locality {locality!r} not in GPCI {self.year}: national GPCI"
        if st:
            g = self.statewide_locality(st)
            if g is not None:
                return g, ""
            if any(x.state == st for x in self.gpcis.values()):
                return NATIONAL, f"locality unknown in multi-locality state {st}: national GPCI"
            return NATIONAL, f"state {st!r} not in GPCI {self.year}: national GPCI"
        return NATIONAL, "locality unknown: national GPCI"

    def _lookup(self, loc: str, st: str) -> Gpci | None:
        m = re.fullmatch(r"(\d{4,5})[-/ ]?(\d{1,2})", loc)
        if m and (len(loc) >= 7 or not loc.isdigit()):
            return self.gpcis.get(locality_key(m.group(1), m.group(2)))
        m = re.fullmatch(r"([A-Z]{2})[-/ ](\d{1,2})", loc)
        if m:
            st, loc = m.group(1), m.group(2)
        if loc.isdigit() and len(loc) <= 2 and st:
            hits = [g for g in self.gpcis.values() if g.state == st and g.locality == loc.zfill(2)]
            return hits[0] if len(hits) == 1 else None
        if loc.startswith("COUNTY:") and st:
            return self.locality_for_county(st, loc.split(":", 1)[1])
        return None

    def locality_for_county(self, state: str, county: str) -> Gpci | None:
        """The locality a county belongs to (LOCCO file), or None when not determinable.

        Handles "ALL COUNTIES", "ALL OTHER COUNTIES" and "... EXCEPT X AND Y" rows; a county
        excepted from its own state's rows is looked up in other states' rows (the DC locality
        takes Montgomery and Prince George's in Maryland and Arlington etc. in Virginia).
        """
        st, county = state.strip().upper(), _county_name(county)
        statewide: Gpci | None = None
        rest: Gpci | None = None
        excluded = False
        for row in self.counties:
            g = self.gpcis.get(row["locality_key"])
            if row["state"] != st or g is None:
                continue
            main, _, exc = row["counties"].upper().partition("EXCEPT")
            if county in _county_names(exc):
                excluded = True
                continue
            if county in _county_names(main):
                return g
            if "ALL OTHER COUNT" in main:
                rest = g
            elif "ALL COUNT" in main:
                statewide = g
        if excluded:
            for row in self.counties:
                g = self.gpcis.get(row["locality_key"])
                if row["state"] != st and g is not None:
                    if county in _county_names(row["counties"].upper().partition("EXCEPT")[0]):
                        return g
            return None
        return statewide or rest

    # -- the formula -------------------------------------------------------------------
    def fee(self, rvu: Rvu, gpci: Gpci, facility: bool) -> Decimal:
        """Payment for one unit, rounded to the cent (ROUND_HALF_UP)."""
        pe = self.pe_rvu(rvu, facility)
        raw = (rvu.work * gpci.pw + pe * gpci.pe + rvu.mp * gpci.mp) * self.conversion_factor
        return raw.quantize(CENT, rounding=ROUND_HALF_UP)

    @staticmethod
    def pe_rvu(rvu: Rvu, facility: bool) -> Decimal:
        """PE RVU for the setting.  Non-facility 'NA' falls back to the facility PE RVU.

        CMS RVU file README: NA in the non-facility column means CMS has not developed a
        non-facility PE RVU; if the contractor allows the service in a non-facility setting it
        is paid at the facility PE RVU.
        """
        if facility or rvu.nonfacility_na:
            return rvu.pe_facility
        return rvu.pe_nonfacility


# ---------------------------------------------------------------------------------------
# Reading CMS's own files
# ---------------------------------------------------------------------------------------


def _rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    return [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]


def _find(directory: Path, pattern: str, *, required: bool = True) -> Path | None:
    rx = re.compile(pattern, re.IGNORECASE)
    hits = sorted(p for p in directory.iterdir() if p.is_file() and rx.search(p.name))
    if not hits:
        if required:
            raise PfsError(f"{directory}: no file matching {pattern} (CMS RVU release files)")
        return None
    return hits[0]


def read_pprrvu(path: Path) -> tuple[list[dict[str, str]], Decimal | None]:
    """Read CMS's PPRRVU csv (with or without its preamble / DESCRIPTION column).

    Returns rows keyed by :data:`RVU_COLUMNS` (values as text) and the conversion factor
    (the most common non-zero value of the CONV FACTOR column).
    """
    rows = _rows(path)
    header: list[str] | None = None
    data: list[list[str]] = []
    for r in rows:
        if not r or not r[0]:
            continue
        first = r[0].upper()
        if first == "HCPCS" and not data:
            header = [c.upper() for c in r]
            continue
        if _HCPCS.match(first) and len(r) >= 12:
            data.append(r)
    if not data:
        raise PfsError(f"{path.name}: no HCPCS rows found (is this a CMS PPRRVU file?)")
    if header is not None:
        has_desc = any(h.startswith("DESC") for h in header[:4])
    else:  # no header: the status code sits in column 2 unless a description is there
        has_desc = not re.fullmatch(r"[A-Z]", data[0][2] or "")
    off = 3 if has_desc else 2
    conv_idx = off + _PPRRVU_ORDER.index("conv_factor")
    if header is not None:
        conv = [i for i, h in enumerate(header) if "CONV" in h]
        if conv:
            conv_idx = conv[0]
    out: list[dict[str, str]] = []
    cfs: Counter[str] = Counter()
    for r in data:
        rec = {"code": r[0].upper(), "modifier": r[1].upper()}
        for i, name in enumerate(_PPRRVU_ORDER):
            rec[name] = r[off + i] if off + i < len(r) else ""
        if conv_idx < len(r) and _dec(r[conv_idx]) not in (None, Decimal(0)):
            cfs[str(_dec(r[conv_idx]))] += 1
        out.append({k: rec.get(k, "") for k in RVU_COLUMNS})
    cf = Decimal(cfs.most_common(1)[0][0]) if cfs else None
    return out, cf


def read_gpci(path: Path) -> list[dict[str, str]]:
    """Read CMS's GPCI csv (Addendum E): MAC, state, locality number, name, PW/PE/MP GPCI."""
    rows = _rows(path)
    cols = {"pw": 4, "pe": 5, "mp": 6}
    out: list[dict[str, str]] = []
    for r in rows:
        if len(r) >= 4 and any("LOCALITY" in c.upper() for c in r[:4]) and not out:
            up = [c.upper() for c in r]
            for key, word in (("pw", "PW"), ("pe", "PE"), ("mp", "MP")):
                idx = [i for i, h in enumerate(up) if re.search(rf"\b{word}\b", h)]
                # prefer "with ... floor" over "without ... floor" when both exist
                pref = [i for i in idx if "WITHOUT" not in up[i]]
                if pref or idx:
                    cols[key] = (pref or idx)[0]
            continue
        if len(r) >= 7 and re.fullmatch(r"\d{4,5}", r[0]) and re.fullmatch(r"\d{1,2}", r[2]):
            out.append(
                {
                    "locality_key": locality_key(r[0], r[2]),
                    "mac": r[0].zfill(5),
                    "state": r[1].upper(),
                    "locality": r[2].zfill(2),
                    "name": r[3],
                    "pw_gpci": str(_dec(r[cols["pw"]])),
                    "pe_gpci": str(_dec(r[cols["pe"]])),
                    "mp_gpci": str(_dec(r[cols["mp"]])),
                }
            )
    if not out:
        raise PfsError(f"{path.name}: no locality rows found (is this a CMS GPCI file?)")
    keys = Counter(g["locality_key"] for g in out)
    dup = [k for k, n in keys.items() if n > 1]
    if dup:
        raise PfsError(f"{path.name}: locality listed twice: {', '.join(dup)}")
    return out


def read_locco(path: Path, gpci: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """Read CMS's locality-to-county csv; state names are carried down and mapped to codes."""
    by_key = {g["locality_key"]: g for g in gpci}
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    state_name = ""
    for r in _rows(path):
        if len(r) < 5 or not re.fullmatch(r"\d{3,5}", r[0]) or not re.fullmatch(r"\d{1,2}", r[1]):
            continue
        if r[2]:
            state_name = r[2].upper()
        key = locality_key(r[0], r[1])
        g = by_key.get(key)
        state = g["state"] if g else _STATE_NAMES.get(state_name, state_name[:2])
        if (key, r[4].upper()) in seen:
            continue
        seen.add((key, r[4].upper()))
        out.append(
            {
                "locality_key": key,
                "mac": key[:5],
                "locality": key[6:],
                "state": state,
                "fee_schedule_area": r[3].rstrip(" *"),
                "counties": r[4],
            }
        )
    return out


# ---------------------------------------------------------------------------------------
# Building, installing, loading
# ---------------------------------------------------------------------------------------


def _build(
    year: int,
    cf: Decimal,
    rvus: list[dict[str, str]],
    gpci: list[dict[str, str]],
    counties: list[dict[str, str]],
    *,
    release: str = "",
    sources: dict[str, str] | None = None,
) -> FeeSchedule:
    fs = FeeSchedule(year=year, conversion_factor=cf, release=release, sources=sources or {})
    for r in rvus:
        rv = Rvu(
            code=r["code"],
            modifier=r["modifier"],
            status=r["status"].upper(),
            not_used_for_medicare=r["not_used_for_medicare"].strip() == "+",
            work=_dec(r["work_rvu"]),
            pe_nonfacility=_dec(r["nonfac_pe_rvu"]),
            nonfacility_na=r["nonfac_na"].strip().upper() == "NA",
            pe_facility=_dec(r["fac_pe_rvu"]),
            facility_na=r["fac_na"].strip().upper() == "NA",
            mp=_dec(r["mp_rvu"]),
        )
        fs.rvus[(rv.code, rv.modifier)] = rv
    for g in gpci:
        fs.gpcis[g["locality_key"]] = Gpci(
            key=g["locality_key"],
            mac=g["mac"],
            state=g["state"],
            locality=g["locality"],
            name=g["name"],
            pw=Decimal(g["pw_gpci"]),
            pe=Decimal(g["pe_gpci"]),
            mp=Decimal(g["mp_gpci"]),
        )
    fs.counties = list(counties)
    return fs


def _year_from_names(*paths: Path | None) -> int | None:
    for p in paths:
        if p is None:
            continue
        m = re.search(r"(20\d\d)", p.name)
        if m:
            return int(m.group(1))
        m = re.search(r"(?:PPRRVU|RVU)(\d\d)", p.name, re.IGNORECASE)
        if m:
            return 2000 + int(m.group(1))
        m = re.match(r"(\d\d)LOCCO", p.name, re.IGNORECASE)
        if m:
            return 2000 + int(m.group(1))
    return None


def _read_cms_dir(directory: Path, year: int | None, conversion_factor: Decimal | None):
    rvu_path = _find(directory, r"pprrvu.*\.csv$")
    gpci_path = _find(directory, r"gpci.*\.csv$")
    locco_path = _find(directory, r"locco.*\.csv$", required=False)
    rvus, cf = read_pprrvu(rvu_path)
    cf = conversion_factor if conversion_factor is not None else cf
    if cf is None:
        raise PfsError(f"{rvu_path.name}: no conversion factor in the file; pass one")
    gpci = read_gpci(gpci_path)
    counties = read_locco(locco_path, gpci) if locco_path else []
    year = year or _year_from_names(gpci_path, rvu_path, locco_path)
    if year is None:
        raise PfsError(f"{directory}: cannot tell the year from the file names; pass year=")
    m = re.search(r"(?<![a-z])(jan|apr|jul|oct)(?![a-z])", rvu_path.stem, re.IGNORECASE)
    release = m.group(1).capitalize() if m else ""
    sources = {"pprrvu": rvu_path.name, "gpci": gpci_path.name}
    if locco_path:
        sources["locco"] = locco_path.name
    return year, cf, rvus, gpci, counties, release, sources


def load_pfs(
    directory: str | os.PathLike[str],
    *,
    year: int | None = None,
    conversion_factor: Decimal | str | None = None,
) -> FeeSchedule:
    """Load a PFS year from a directory of CMS files (PPRRVU / GPCI / LOCCO csv) or from an
    installed ``data/pfs/<year>/`` directory (has ``meta.json``)."""
    d = Path(directory)
    if not d.is_dir():
        raise PfsError(f"{d}: not a directory")
    if (d / META_FILE).is_file():
        return _load_installed(d)
    cfv = Decimal(str(conversion_factor)) if conversion_factor is not None else None
    y, cf, rvus, gpci, counties, release, sources = _read_cms_dir(d, year, cfv)
    return _build(y, cf, rvus, gpci, counties, release=release, sources=sources)


def _read_csv_dicts(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: (v or "") for k, v in r.items()} for r in csv.DictReader(fh)]


def _load_installed(d: Path) -> FeeSchedule:
    meta = json.loads((d / META_FILE).read_text(encoding="utf-8"))
    counties = _read_csv_dicts(d / COUNTIES_FILE) if (d / COUNTIES_FILE).is_file() else []
    return _build(
        int(meta["year"]),
        Decimal(str(meta["conversion_factor"])),
        _read_csv_dicts(d / RVU_FILE),
        _read_csv_dicts(d / GPCI_FILE),
        counties,
        release=meta.get("release", ""),
        sources=meta.get("sources", {}),
    )


def _write_csv(path: Path, columns: Iterable[str], rows: Iterable[dict[str, str]]) -> None:
    cols = list(columns)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})


def package_pfs_dir() -> Path:
    """``claimscrub/data/pfs`` inside the installed package."""
    return Path(str(resources.files("claimscrub") / "data" / "pfs"))


def user_data_dir() -> Path | None:
    """``$CLAIMSCRUB_DATA_DIR`` if set (user data: installed PFS years, fee sources)."""
    v = os.environ.get("CLAIMSCRUB_DATA_DIR", "").strip()
    return Path(v) if v else None


def install_pfs(
    src_dir: str | os.PathLike[str],
    year: int | None = None,
    *,
    dest: str | os.PathLike[str] | None = None,
    codes: Iterable[str] | None = None,
    conversion_factor: Decimal | str | None = None,
) -> Path:
    """Convert CMS's PFS files in ``src_dir`` into ``<data>/pfs/<year>/`` and return that path.

    ``dest`` (a ``pfs`` directory) defaults to ``$CLAIMSCRUB_DATA_DIR/pfs`` when that variable
    is set, else the package's own ``data/pfs``.  ``codes`` keeps only those HCPCS codes (all
    codes by default).  The written year is validated by loading it back.
    """
    src = Path(src_dir)
    cfv = Decimal(str(conversion_factor)) if conversion_factor is not None else None
    y, cf, rvus, gpci, counties, release, sources = _read_cms_dir(src, year, cfv)
    if year is not None and y != year:  # pragma: no cover - _read_cms_dir honours year
        y = year
    if codes is not None:
        keep = {c.strip().upper() for c in codes}
        rvus = [r for r in rvus if r["code"] in keep]
    if dest is not None:
        base = Path(dest)
    else:
        ud = user_data_dir()
        base = ud / "pfs" if ud else package_pfs_dir()
    out = base / str(y)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / RVU_FILE, RVU_COLUMNS, sorted(rvus, key=lambda r: (r["code"], r["modifier"])))
    _write_csv(out / GPCI_FILE, GPCI_COLUMNS, sorted(gpci, key=lambda g: g["locality_key"]))
    _write_csv(out / COUNTIES_FILE, COUNTY_COLUMNS, counties)
    meta = {
        "year": y,
        "release": release,
        "conversion_factor": str(cf),
        "sources": sources,
        "codes": len({r["code"] for r in rvus}),
        "localities": len(gpci),
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    src_md = out / "SOURCE.md"
    if not src_md.exists():
        src_md.write_text(
            f"# Medicare PFS {y}\n\nConverted by `claimscrub.pricing.install_pfs` from CMS files "
            f"{', '.join(sources.values())} (CMS Physician Fee Schedule RVU release"
            f"{' ' + release if release else ''}, public data, US Government work).\n",
            encoding="utf-8",
        )
    _load_installed(out)  # validate
    available_years.cache_clear()
    fee_schedule.cache_clear()
    return out


def _year_dirs() -> dict[int, Path]:
    found: dict[int, Path] = {}
    bases = [package_pfs_dir()]
    ud = user_data_dir()
    if ud:
        bases.append(ud / "pfs")  # user data wins for the same year
    for base in bases:
        if not base.is_dir():
            continue
        for p in base.iterdir():
            if p.is_dir() and p.name.isdigit() and (p / META_FILE).is_file():
                found[int(p.name)] = p
    return found


@lru_cache(maxsize=8)
def available_years() -> tuple[int, ...]:
    """PFS years installed (package data and ``$CLAIMSCRUB_DATA_DIR/pfs``)."""
    return tuple(sorted(_year_dirs()))


@lru_cache(maxsize=8)
def fee_schedule(year: int) -> FeeSchedule:
    """The installed PFS for ``year`` (KeyError when not installed)."""
    dirs = _year_dirs()
    if year not in dirs:
        raise KeyError(f"no Medicare PFS installed for {year}")
    return _load_installed(dirs[year])


def schedule_for_service_year(year: int) -> tuple[FeeSchedule | None, str]:
    """The PFS to price a service year with: that year, else the latest earlier one (with a
    note saying so), else None."""
    years = available_years()
    if year in years:
        return fee_schedule(year), ""
    earlier = [y for y in years if y < year]
    if earlier:
        y = earlier[-1]
        return fee_schedule(y), f"no {year} PFS installed, {y} rates"
    return None, f"no Medicare PFS installed for {year}"


def rvu_frame(fs: FeeSchedule) -> pl.DataFrame:
    """The RVU table as a polars frame (code, modifier, status), for joins."""
    return pl.DataFrame(
        {
            "code": [k[0] for k in fs.rvus],
            "modifier": [k[1] for k in fs.rvus],
            "status": [v.status for v in fs.rvus.values()],
        },
        schema={"code": pl.String, "modifier": pl.String, "status": pl.String},
    )
