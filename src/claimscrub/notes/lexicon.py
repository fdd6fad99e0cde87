"""Loads the reader's data files (trigger vocabularies, context rules) and compiles them once."""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

_DATA = "claimscrub.data"


def data_text(name: str) -> str:
    """Text of a file shipped in ``claimscrub/data``."""
    return resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")


@cache
def lexicon() -> dict[str, Any]:
    """The trigger vocabularies (``note_lexicon.yaml``)."""
    return yaml.safe_load(data_text("note_lexicon.yaml"))


@cache
def context_config() -> dict[str, Any]:
    """Context rules and section headers (``note_context.yaml``)."""
    return yaml.safe_load(data_text("note_context.yaml"))


@cache
def psych_meds() -> dict[str, str]:
    """Variant (lower case) -> generic name, from ``psych_meds.csv``."""
    rows = (ln for ln in data_text("psych_meds.csv").splitlines() if ln and not ln.startswith("#"))
    out: dict[str, str] = {}
    for row in csv.DictReader(rows):
        out[row["variant"].strip().lower()] = row["generic"].strip().lower()
    return out


def alt(items: list[str]) -> str:
    """Join regex fragments into one non-capturing alternation."""
    return "(?:" + "|".join(items) + ")"


def words(items: list[str]) -> str:
    """Alternation of fragments bounded by word boundaries (where the fragment allows)."""
    return r"(?<![a-z0-9])" + alt(items) + r"(?![a-z0-9])"


@cache
def rx(path: str, bounded: bool = True) -> re.Pattern[str]:
    """Compile the list at ``path`` (dotted, e.g. ``"action.refill"``) in the lexicon."""
    node: Any = lexicon()
    for part in path.split("."):
        node = node[part]
    return re.compile(words(node) if bounded else alt(node))
