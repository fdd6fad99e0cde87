"""Loads the package's billing knowledge (``claimscrub/data``) once, as plain Python sets/dicts.

Everything a rule knows about codes comes from here; see ``data/SOURCES.md``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

DATA_DIR = Path(str(resources.files("claimscrub") / "data"))


def read_yaml(name: str) -> dict:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class TimeBand:
    code: str
    family: str
    min_minutes: int
    max_minutes: int | None


@dataclass(frozen=True)
class Knowledge:
    families: dict[str, frozenset[str]]
    addons: dict[str, frozenset[str]]  # add-on code -> allowed primaries
    addon_labels: dict[str, str]  # add-on code -> its primaries in words
    exclusions: dict[str, tuple[frozenset[str], frozenset[str]]]  # rule -> (codes, not_with)
    unit_limits: dict[str, tuple[int, frozenset[str]]]  # code -> (max units, exempt POS)
    time_bands: tuple[TimeBand, ...]
    rxp_states: frozenset[str]
    credential_aliases: dict[str, str]  # alias or canonical -> canonical
    credential_class: dict[str, str]  # canonical -> class
    taxonomy_credential: dict[str, str]
    medicare_status: dict[str, str]

    def codes(self, *names: str) -> frozenset[str]:
        """Codes of the named families or literal codes."""
        out: set[str] = set()
        for name in names:
            out |= self.families.get(name, {name})
        return frozenset(out)


def _expand_families(raw: dict) -> dict[str, frozenset[str]]:
    fams: dict[str, frozenset[str]] = {}

    def expand(name: str) -> frozenset[str]:
        if name in fams:
            return fams[name]
        spec = raw[name]
        codes = {str(c) for c in spec.get("codes", [])}
        for lo, hi in spec.get("ranges", []):
            codes |= {str(c) for c in range(int(lo), int(hi) + 1)}
        for inc in spec.get("includes", []):
            codes |= expand(inc)
        fams[name] = frozenset(codes)
        return fams[name]

    for name in raw:
        expand(name)
    return fams


@cache
def knowledge() -> Knowledge:
    families = _expand_families(read_yaml("codes.yaml")["families"])

    def resolve(items: list) -> frozenset[str]:
        out: set[str] = set()
        for item in items:
            out |= families.get(str(item), {str(item)})
        return frozenset(out)

    addon_spec = read_yaml("addons.yaml")
    addons = {str(code): resolve(spec["primaries"]) for code, spec in addon_spec.items()}
    exclusions = {
        rule: (resolve(spec["code"]), resolve(spec["not_with"]))
        for rule, spec in read_yaml("exclusions.yaml").items()
    }
    unit_limits = {
        r["code"]: (int(r["max_units"]), frozenset(p for p in r["exempt_pos"].split(";") if p))
        for r in read_csv("unit_limits.csv")
    }
    bands = tuple(
        TimeBand(
            r["code"],
            r["family"],
            int(r["min_minutes"]),
            int(r["max_minutes"]) if r["max_minutes"] else None,
        )
        for r in read_csv("time_bands.csv")
    )
    creds = read_yaml("credentials.yaml")["credentials"]
    aliases: dict[str, str] = {}
    classes: dict[str, str] = {}
    for canon, spec in creds.items():
        classes[canon] = spec["class"]
        aliases[canon] = canon
        for alias in spec.get("aliases", []):
            aliases[alias.upper()] = canon
    return Knowledge(
        families=families,
        addons=addons,
        addon_labels={str(code): spec.get("label", "primary code") for code, spec in addon_spec.items()},
        exclusions=exclusions,
        unit_limits=unit_limits,
        time_bands=bands,
        rxp_states=frozenset(r["state"] for r in read_csv("rxp_states.csv")),
        credential_aliases=aliases,
        credential_class=classes,
        taxonomy_credential={r["taxonomy"]: r["credential"] for r in read_csv("taxonomy_credentials.csv")},
        medicare_status={r["code"]: r["status"] for r in read_csv("medicare_status.csv")},
    )
