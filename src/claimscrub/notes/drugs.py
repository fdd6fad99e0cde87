"""Drug-name lexicon: the maintained ``drug-named-entity-recognition`` dictionary (brand ->
generic) plus ``claimscrub/data/psych_meds.csv``, matched as token n-grams.

Loading the upstream dictionary takes a few seconds (it is a bz2 pickle), so the filtered
variant -> generic map is cached under the user cache directory, keyed by the upstream version
and the data files' contents. Without a writable cache it is rebuilt in memory.
"""

from __future__ import annotations

import bz2
import hashlib
import os
import pickle
import re
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path

from .lexicon import data_text, psych_meds

_TOKEN = re.compile(r"[a-z0-9]+")
_MAX_NGRAM = 4
# Pharmacologic classes and substances that are never a prescribed current medication.
_CLASS_WORDS = re.compile(
    r"\b(?:agents?|inhibitors?|antagonists?|agonists?|blockers?|drugs|derivatives|compounds|"
    r"combinations|preparations|modulators|products|reagents)\b"
)
_EXCLUDE_FILE = "note_drug_exclude.txt"


@dataclass(frozen=True, slots=True)
class Mention:
    """A drug name found in the note: char span, surface text and generic name."""

    start: int
    end: int
    text: str
    generic: str


def _key(variant: str) -> str:
    return " ".join(_TOKEN.findall(variant.lower()))


def _exclusions() -> frozenset[str]:
    lines = data_text(_EXCLUDE_FILE).splitlines()
    return frozenset(_key(x) for x in lines if x.strip() and not x.startswith("#"))


def _upstream() -> dict[str, str]:
    """Filtered variant -> generic map from the upstream dictionary."""
    pkg = resources.files("drug_named_entity_recognition")
    with bz2.open(pkg.joinpath("drug_ner_dictionary.pkl.bz2").open("rb")) as fh:
        data = pickle.load(fh)  # noqa: S301 - data file shipped inside the installed package
    canon_data = data["drug_canonical_to_data"]
    out: dict[str, str] = {}
    for variant, canonicals in data["drug_variant_to_canonical"].items():
        if not canonicals:
            continue
        canonical = canonicals[0]
        info = canon_data.get(canonical) or {}
        tree = info.get("mesh_tree") or []
        if tree and all(t.startswith("D27") for t in tree):
            continue  # a pharmacologic action class, e.g. "antidepressive agents"
        if not (info.get("medline_plus_id") or info.get("drugbank_id")):
            continue  # biochemical noise (genes, proteins, reagents)
        name = str(info.get("name") or canonical).lower()
        if _CLASS_WORDS.search(name) or _CLASS_WORDS.search(canonical):
            continue
        key = _key(variant)
        if not key or not key[0].isalpha():
            continue
        if " " not in key and len(key) < 5:
            continue
        out[key] = name
    return out


def _cache_path(tag: str) -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    try:
        path = Path(base) / "claimscrub"
        path.mkdir(parents=True, exist_ok=True)
        return path / f"drug_lexicon_{tag}.pickle"
    except OSError:
        return None


@cache
def drug_lexicon() -> dict[str, str]:
    """Variant key (lower-case tokens joined by spaces) -> generic name."""
    try:
        version = metadata.version("drug-named-entity-recognition")
    except metadata.PackageNotFoundError:  # pragma: no cover - dependency is required
        version = "0"
    digest = hashlib.sha256(
        (version + data_text("psych_meds.csv") + data_text(_EXCLUDE_FILE)).encode()
    ).hexdigest()[:16]
    path = _cache_path(digest)
    if path is not None and path.exists():
        try:
            with path.open("rb") as fh:
                cached = pickle.load(fh)  # noqa: S301 - our own cache file
            if isinstance(cached, dict):
                return cached
        except (OSError, pickle.PickleError, EOFError):
            pass
    lex = _upstream()
    for bad in _exclusions():
        lex.pop(bad, None)
    for variant, generic in psych_meds().items():
        lex[_key(variant)] = generic
    if path is not None:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as fh:
                pickle.dump(lex, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass
    return lex


def find_drugs(low: str) -> list[Mention]:
    """Drug mentions in normalised (lower-case) text, longest match first."""
    lex = drug_lexicon()
    toks = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(low)]
    out: list[Mention] = []
    i = 0
    n_tok = len(toks)
    while i < n_tok:
        found = 0
        for n in range(min(_MAX_NGRAM, n_tok - i), 0, -1):
            # n-gram tokens must be adjacent (only spaces, '-' or '/' between)
            s, e = toks[i][0], toks[i + n - 1][1]
            if n > 1 and not _adjacent(low, toks, i, n):
                continue
            key = toks[i][2] if n == 1 else " ".join(t[2] for t in toks[i : i + n])
            generic = lex.get(key)
            if generic is not None:
                out.append(Mention(s, e, low[s:e], generic))
                found = n
                break
        i += found or 1
    return out


def _adjacent(low: str, toks: list[tuple[int, int, str]], i: int, n: int) -> bool:
    for j in range(i, i + n - 1):
        gap = low[toks[j][1] : toks[j + 1][0]]
        if len(gap) > 2 or gap.strip(" -/"):
            return False
    return True
