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
_LEXICON_VERSION = "3"  # bump when the filtering below changes (invalidates the cache)
_STOP = frozenset(
    "a an and or of the to in on at by for with from as is was be no not per her his she he "
    "it its this that pt mg ml plan well".split()
)


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
        if " " in key:
            first, last = key.split(" ")[0], key.rsplit(" ", 1)[1]
            if len(first) < 4 or first in _STOP or last in _STOP:
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
        (_LEXICON_VERSION + version + data_text("psych_meds.csv") + data_text(_EXCLUDE_FILE)).encode()
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


@cache
def _multi_first() -> dict[str, int]:
    """First token of each multi-word variant -> longest variant length in tokens."""
    out: dict[str, int] = {}
    for key in drug_lexicon():
        if " " in key:
            parts = key.split(" ")
            n = min(len(parts), _MAX_NGRAM)
            if out.get(parts[0], 0) < n:
                out[parts[0]] = n
    return out


@cache
def _first_words() -> frozenset[str]:
    return frozenset(k for k in drug_lexicon() if " " not in k) | frozenset(_multi_first())


_NEXT = re.compile(r"[ /-]{1,2}([a-z0-9]+)")


def _positions(low: str, word: str) -> list[int]:
    out = []
    n = len(word)
    i = low.find(word)
    while i >= 0:
        before = low[i - 1] if i else " "
        after = low[i + n] if i + n < len(low) else " "
        if not (before.isalnum() or after.isalnum()):
            out.append(i)
        i = low.find(word, i + n)
    return out


_LONG_WORD = re.compile(r"(?<![a-z0-9])[a-z]{8,}(?![a-z0-9])")
_TYPO_MIN = 8  # shorter names sit within one edit of too many ordinary words


@cache
def _typo_index() -> dict[str, str]:
    """One-deletion neighbourhood of psychiatric drug names (``psych_meds.csv``, 8+ letters)
    -> generic, keeping only entries that point to a single generic. Two words match when
    they share an entry: one substitution, insertion, deletion or adjacent swap apart."""
    names: dict[str, str] = {}
    for variant, generic in psych_meds().items():
        for name in (variant, generic):
            key = _key(name)
            if " " not in key and len(key) >= _TYPO_MIN and key.isalpha():
                names[key] = generic
    index: dict[str, set[str]] = {}
    for name, generic in names.items():
        for d in {name, *(name[:i] + name[i + 1 :] for i in range(len(name)))}:
            index.setdefault(d, set()).add(generic)
    return {k: next(iter(v)) for k, v in index.items() if len(v) == 1}


@cache
def _misspelt(word: str) -> str | None:
    """Generic name of a psychiatric drug ``word`` misspells ("sertaline", "clonazapam")."""
    if word in drug_lexicon() or word in _first_words():
        return None
    index = _typo_index()
    for d in (word, *(word[:i] + word[i + 1 :] for i in range(len(word)))):
        generic = index.get(d)
        if generic is not None:
            return generic
    return None


def _misspellings(low: str, taken: list[Mention]) -> list[Mention]:
    out = []
    for m in _LONG_WORD.finditer(low):
        generic = _misspelt(m.group())
        if generic is not None and not any(t.start < m.end() and m.start() < t.end for t in taken):
            out.append(Mention(m.start(), m.end(), m.group(), generic))
    return out


def find_drugs(low: str) -> list[Mention]:
    """Drug mentions in normalised (lower-case) text, longest match first; a psychiatric drug
    name misspelt by one letter counts too."""
    found = _find_exact(low)
    typos = _misspellings(low, found)
    return sorted(found + typos, key=lambda m: m.start) if typos else found


def _find_exact(low: str) -> list[Mention]:
    hits = _first_words().intersection(_TOKEN.findall(low))
    if not hits:
        return []
    lex = drug_lexicon()
    multi = _multi_first()
    starts = sorted((i, w) for w in hits for i in _positions(low, w))
    out: list[Mention] = []
    pos = 0
    for s, word in starts:
        if s < pos:
            continue
        e = s + len(word)
        generic = None
        longest = multi.get(word, 1)
        if longest > 1:
            ends = [e]
            parts = [word]
            cur = e
            for _ in range(longest - 1):
                nxt = _NEXT.match(low, cur)
                if nxt is None:
                    break
                parts.append(nxt.group(1))
                cur = nxt.end()
                ends.append(cur)
            for n in range(len(parts), 1, -1):
                generic = lex.get(" ".join(parts[:n]))
                if generic is not None:
                    e = ends[n - 1]
                    break
        if generic is None:
            generic = lex.get(word)
        if generic is not None:
            out.append(Mention(s, e, low[s:e], generic))
            pos = e
    return out
