"""Payer policies (spec §4): one YAML file per payer, built in or from a user folder.

A policy says which codes the payer does not pay, which rules it treats more or less
severely, which rules it switches off, and (for pricing) its fee schedule. Lines pick
their policy by the ``payer`` column, case-insensitively: the policy's name or one of its
``aliases`` (``match`` is the older spelling of the same list); anything else uses
``commercial``. One payer id may belong to one policy only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from claimscrub.errors import InputError, PolicyError
from claimscrub.knowledge import DATA_DIR, knowledge
from claimscrub.readers.source import read_regular

DEFAULT_POLICY = "commercial"
SEVERITIES = ("error", "warning", "info")
ALLOWED_KEYS = {
    "name",
    "description",
    "aliases",
    "match",
    "not_covered",
    "severity",
    "disabled",
    "source",
    "extends",
}
NOT_COVERED_KEYS = {"codes", "medicare_status"}


@dataclass(frozen=True)
class Policy:
    name: str
    description: str = ""
    match: tuple[str, ...] = ()
    not_covered_codes: frozenset[str] = frozenset()
    severity: dict[str, str] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    source: str = ""
    path: str = ""

    @property
    def aliases(self) -> tuple[str, ...]:
        """The payer ids besides the policy's own name that select it."""
        return tuple(m for m in self.match if m != self.name)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "match": list(self.match),
            "aliases": list(self.aliases),
            "not_covered": sorted(self.not_covered_codes),
            "severity": dict(sorted(self.severity.items())),
            "disabled": sorted(self.disabled),
            "source": self.source,
            "file": self.path,
        }


def _parse(path: Path, rule_ids: Iterable[str]) -> Policy:
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy: {exc.strerror}") from None
    return _parse_cached(path, frozenset(rule_ids), mtime)


MAX_POLICY_BYTES = 1024 * 1024


def yaml_mapping(path: Path, what: str) -> object:
    """A user's YAML file, parsed; one clear PolicyError for an unreadable, non-regular,
    oversized, non-UTF-8 or malformed file."""
    try:
        data = read_regular(path, what=what, limit=MAX_POLICY_BYTES)
    except InputError as exc:
        raise PolicyError(str(exc)) from None
    if data is None:
        raise PolicyError(f"{path}: cannot read {what}: not a regular file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PolicyError(f"{path}, line {line}: cannot read {what}: not UTF-8 text") from None
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: cannot read {what}: {exc}") from None


@cache
def _parse_cached(path: Path, known: frozenset[str], _mtime: int) -> Policy:
    """A policy file, parsed once per version of the file."""
    raw = yaml_mapping(path, "policy")
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: a policy file is a YAML mapping")
    unknown = set(raw) - ALLOWED_KEYS
    if unknown:
        raise PolicyError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(ALLOWED_KEYS))}"
        )
    name = str(raw.get("name") or path.stem).lower()
    nc = raw.get("not_covered") or {}
    if isinstance(nc, list):
        nc = {"codes": nc}
    bad_nc = set(nc) - NOT_COVERED_KEYS
    if bad_nc:
        raise PolicyError(f"{path}: unknown key(s) under not_covered: {', '.join(sorted(bad_nc))}")
    codes = {str(c).upper() for c in nc.get("codes") or []}
    statuses = {str(s).upper() for s in nc.get("medicare_status") or []}
    codes |= {c for c, s in knowledge().medicare_status.items() if s in statuses}
    severity = {str(k).upper(): str(v).lower() for k, v in (raw.get("severity") or {}).items()}
    disabled = {str(r).upper() for r in raw.get("disabled") or []}
    for rule in set(severity) | disabled:
        if rule not in known:
            raise PolicyError(f"{path}: unknown rule ID {rule}")
    for rule, sev in severity.items():
        if sev not in SEVERITIES:
            raise PolicyError(f"{path}: severity of {rule} must be one of {', '.join(SEVERITIES)}")
    listed: list[object] = []
    for key in ("aliases", "match"):
        value = raw.get(key) or []
        if not isinstance(value, (str, int, list)):
            raise PolicyError(f"{path}: {key} must be a list of payer ids")
        listed += [value] if isinstance(value, (str, int)) else value  # one alias may stand alone
    if not all(isinstance(a, (str, int)) for a in listed):
        raise PolicyError(f"{path}: aliases must be a list of payer ids")
    match = tuple(str(m).strip().lower() for m in listed if str(m).strip())
    return Policy(
        name=name,
        description=str(raw.get("description") or ""),
        match=tuple(dict.fromkeys((name, *match))),
        not_covered_codes=frozenset(codes),
        severity=severity,
        disabled=frozenset(disabled),
        source=str(raw.get("source") or ""),
        path=str(path),
    )


def load_policies(user_dir: Path | None, rule_ids: Iterable[str]) -> dict[str, Policy]:
    """Built-in policies, then user files (``*.yaml``/``*.yml``) which add or replace by name."""
    ids = list(rule_ids)
    out: dict[str, Policy] = {}
    for path in sorted((DATA_DIR / "payers").glob("*.yaml")):
        pol = _parse(path, ids)
        out[pol.name] = pol
    if user_dir is not None:
        if not user_dir.is_dir():
            raise PolicyError(f"{user_dir}: policy folder not found")
        for path in sorted([*user_dir.glob("*.yaml"), *user_dir.glob("*.yml")]):
            if not path.is_file():  # a sub-folder or FIFO named x.yaml is not a policy
                continue
            pol = _parse(path, ids)
            out[pol.name] = pol
    check_aliases(out)
    return out


def check_aliases(policies: dict[str, Policy]) -> None:
    """A payer id (a policy's name or alias) may select one policy only."""
    owner: dict[str, Policy] = {}
    for pol in policies.values():
        for payer in pol.match:
            other = owner.setdefault(payer, pol)
            if other is not pol:
                raise PolicyError(
                    f"payer id {payer!r} is claimed by two policies: {other.name} ({other.path}) "
                    f"and {pol.name} ({pol.path}); keep it in one"
                )


def payer_table(policies: dict[str, Policy]) -> dict[str, str]:
    """Lower-cased payer id -> policy name."""
    table: dict[str, str] = {}
    for pol in policies.values():
        for m in pol.match:
            table[m] = pol.name
    return table
