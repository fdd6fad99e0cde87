"""A small trained component: per-clause logistic regression for each documentation element.

Each usable clause of a note (see :class:`ParsedNote`) becomes a bag of features: its words and
word pairs, whether it names a current drug (or the clause before it does), its section, and
which rule detectors fired inside it. One weight vector per element scores every clause; an
element is present when its best clause scores above the element's threshold, and those
clauses are the evidence.

Weights ship as ``claimscrub/data/note_clause_model.json`` (numpy only at run time, nothing is
downloaded). ``scripts/train_note_model.py`` rebuilds the file; ``scripts/score_notes.py
--lofo`` retrains it without the folder it scores (:func:`train`, :func:`using`).
Training data: labeled folders; a clause is positive for an element when a labeled evidence
string overlaps it, negative when the note's label for that element is false. In notes labeled
true without evidence strings, only the clauses where the rule detectors fired are used (as
positives).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from ._doc import ParsedNote

MODEL_ELEMENTS = ("action", "response", "side_effects", "adherence", "rationale", "not_performed")
_FILE = "note_clause_model.json"
_TOKEN = re.compile(r"[a-z]+|\d+|[>#/+]")
_NUM = re.compile(r"\d")


@dataclass(slots=True)
class ClauseModel:
    vocab: dict[str, int]
    weights: np.ndarray  # (features, elements)
    bias: np.ndarray  # (elements,)
    threshold: np.ndarray  # (elements,) on the logit scale
    _padded: np.ndarray | None = None

    def padded(self) -> np.ndarray:
        """The weights with one zero row appended (see :func:`clause_logits`)."""
        if self._padded is None or len(self._padded) != len(self.weights) + 1:
            self._padded = np.vstack([self.weights, np.zeros((1, self.weights.shape[1]))])
        return self._padded

    def to_json(self) -> str:
        feats = sorted(self.vocab, key=self.vocab.__getitem__)
        return json.dumps(
            {
                "elements": list(MODEL_ELEMENTS),
                "features": feats,
                "weights": [[round(float(x), 4) for x in row] for row in self.weights],
                "bias": [round(float(x), 4) for x in self.bias],
                "threshold": [round(float(x), 4) for x in self.threshold],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> ClauseModel:
        d = json.loads(text)
        if tuple(d["elements"]) != MODEL_ELEMENTS:
            raise ValueError(f"{_FILE}: element list does not match this version of the reader")
        return cls(
            {f: i for i, f in enumerate(d["features"])},
            np.asarray(d["weights"], dtype=np.float64).reshape(len(d["features"]), len(MODEL_ELEMENTS)),
            np.asarray(d["bias"], dtype=np.float64),
            np.asarray(d["threshold"], dtype=np.float64),
        )


_override: list[ClauseModel] = []


@cache
def _shipped() -> ClauseModel | None:
    f = resources.files("claimscrub.data").joinpath(_FILE)
    if not f.is_file():
        return None
    return ClauseModel.from_json(f.read_text(encoding="utf-8"))


def current_model() -> ClauseModel | None:
    return _override[-1] if _override else _shipped()


@contextmanager
def using(model: ClauseModel) -> Iterator[None]:
    """Read notes with ``model`` instead of the shipped one (leave-one-folder-out scoring)."""
    _override.append(model)
    try:
        yield
    finally:
        _override.pop()


# ---------------------------------------------------------------- features
def clause_features(doc: ParsedNote, rule_spans: dict[str, list[tuple[int, int, str]]]) -> list[list[str]]:
    """Feature strings for each clause of ``doc.clause_list``."""
    n = len(doc.clause_list)
    rule_hits: list[set[str]] = [set() for _ in range(n)]
    for name, spans in rule_spans.items():
        for s, _e, _t in spans:
            i = bisect_right(doc.clause_starts, s) - 1
            if 0 <= i < n and s < doc.clause_list[i][1]:
                rule_hits[i].add(name)
    out: list[list[str]] = []
    prev_drug = False
    note_flags = ["note:current"] if doc.has_current else ["note:nocurrent"]
    for i, (cs, ce, ctext, seg) in enumerate(doc.clause_list):
        toks = ["#" if _NUM.match(t) else t for t in _TOKEN.findall(ctext)]
        feats = [f"w:{t}" for t in toks]
        feats += [f"b:{a}_{b}" for a, b in zip(toks, toks[1:], strict=False)]
        drug = doc.any_drug_in(cs, ce)
        if drug:
            feats.append("drug")
        elif doc.any_drug_in(cs, ce, False):
            feats.append("drug:other")
        if prev_drug:
            feats.append("drug:prev")
        prev_drug = drug
        if seg.plan:
            feats.append("sec:plan")
        if seg.section:
            feats.append(f"sec:{seg.section}")
        feats += [f"rule:{r}" for r in sorted(rule_hits[i])]
        feats += note_flags
        out.append(feats)
    return out


def clause_logits(model: ClauseModel, feats: Sequence[Sequence[str]]) -> np.ndarray:
    """(clauses, elements) logits."""
    if not feats:
        return np.zeros((0, len(MODEL_ELEMENTS)))
    pad = len(model.weights)  # a zero row opens every clause, so no reduceat segment is empty
    ids: list[int] = []
    offsets: list[int] = []
    v = model.vocab
    for f in feats:
        offsets.append(len(ids))
        ids.append(pad)
        ids.extend(v[x] for x in f if x in v)
    sums = np.add.reduceat(model.padded()[np.asarray(ids)], np.asarray(offsets), axis=0)
    return sums + model.bias


# ---------------------------------------------------------------- training
def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _fit(
    rows: list[list[int]], y: np.ndarray, mask: np.ndarray, n_feat: int, l2: float = 3e-4, steps: int = 400
) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch Adam on the masked logistic loss; rows are feature-id lists."""
    lengths = np.asarray([len(r) for r in rows])
    flat = np.asarray([i for r in rows for i in r], dtype=np.int64)
    owner = np.repeat(np.arange(len(rows)), lengths)
    k = y.shape[1]
    w = np.zeros((n_feat, k))
    b = np.zeros(k)
    mw, vw = np.zeros_like(w), np.zeros_like(w)
    mb, vb = np.zeros_like(b), np.zeros_like(b)
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    m = mask.astype(np.float64)
    denom = np.maximum(m.sum(axis=0), 1.0)
    for t in range(1, steps + 1):
        z = np.zeros((len(rows), k))
        np.add.at(z, owner, w[flat])
        z += b
        r = (_sigmoid(z) - y) * m / denom
        gw = np.zeros_like(w)
        np.add.at(gw, flat, r[owner])
        gw += l2 * w
        gb = r.sum(axis=0)
        mw = b1 * mw + (1 - b1) * gw
        vw = b2 * vw + (1 - b2) * gw * gw
        mb = b1 * mb + (1 - b1) * gb
        vb = b2 * vb + (1 - b2) * gb * gb
        w -= lr * (mw / (1 - b1**t)) / (np.sqrt(vw / (1 - b2**t)) + eps)
        b -= lr * (mb / (1 - b1**t)) / (np.sqrt(vb / (1 - b2**t)) + eps)
    return w, b


def _clause_targets(
    doc: ParsedNote, label: dict, rule_spans: dict[str, list[tuple[int, int, str]]]
) -> tuple[np.ndarray, np.ndarray]:
    """Per clause and element: target (0/1) and whether the clause is used for training."""
    n = len(doc.clause_list)
    y = np.zeros((n, len(MODEL_ELEMENTS)))
    use = np.zeros((n, len(MODEL_ELEMENTS)), dtype=bool)
    evidence = label.get("evidence") or {}
    for k, el in enumerate(MODEL_ELEMENTS):
        if not label.get(el):
            use[:, k] = True
            continue
        spans: list[tuple[int, int]] = []
        strings = evidence.get(el)
        if strings:
            for s in strings:
                pos = doc.text.find(s)
                if pos >= 0:
                    spans.append((pos, pos + len(s)))
            use[:, k] = True
        else:
            spans = [(s, e) for s, e, _t in rule_spans.get(el, [])]
        for i, (cs, ce, _t, _seg) in enumerate(doc.clause_list):
            if any(a < ce and cs < b for a, b in spans):
                y[i, k] = 1.0
                use[i, k] = True
    return y, use


def train(rows: Sequence[tuple[str, str, dict]], min_count: int = 2) -> ClauseModel:
    """Fit the clause model on labeled notes ``(id, text, label)``."""
    from .extract import parse_and_rules

    all_feats: list[list[str]] = []
    ys: list[np.ndarray] = []
    uses: list[np.ndarray] = []
    note_of: list[int] = []
    parsed = parse_and_rules([t for _, t, _ in rows])
    for n, ((_, _, label), (doc, spans)) in enumerate(zip(rows, parsed, strict=True)):
        feats = clause_features(doc, spans)
        y, use = _clause_targets(doc, label, spans)
        all_feats.extend(feats)
        ys.append(y)
        uses.append(use)
        note_of.extend([n] * len(feats))
    counts: dict[str, int] = {}
    for f in all_feats:
        for x in set(f):
            counts[x] = counts.get(x, 0) + 1
    vocab = {x: i for i, x in enumerate(sorted(x for x, c in counts.items() if c >= min_count))}
    id_rows = [[vocab[x] for x in f if x in vocab] for f in all_feats]
    y = np.vstack(ys) if ys else np.zeros((0, len(MODEL_ELEMENTS)))
    use = np.vstack(uses) if uses else np.zeros((0, len(MODEL_ELEMENTS)), dtype=bool)
    w, b = _fit(id_rows, y, use, len(vocab))
    model = ClauseModel(vocab, w, b, np.zeros(len(MODEL_ELEMENTS)))
    model.threshold = _thresholds(model, all_feats, note_of, rows)
    keep = np.abs(w).max(axis=1) >= 1e-3
    if not keep.all():
        names = sorted(vocab, key=vocab.__getitem__)
        kept = [x for x, k in zip(names, keep, strict=True) if k]
        model = ClauseModel({x: i for i, x in enumerate(kept)}, w[keep], b, model.threshold)
    return model


def _thresholds(
    model: ClauseModel, feats: list[list[str]], note_of: list[int], rows: Sequence[tuple[str, str, dict]]
) -> np.ndarray:
    """Per element, the logit cut that maximises note-level F1 on the training notes (the middle
    of the best range, so a small shift does not flip notes at its edge)."""
    z = clause_logits(model, feats)
    n_notes = len(rows)
    best = np.full((n_notes, len(MODEL_ELEMENTS)), -1e9)
    for i, note in enumerate(note_of):
        best[note] = np.maximum(best[note], z[i])
    out = np.zeros(len(MODEL_ELEMENTS))
    grid = np.linspace(-4, 4, 81)
    for k, el in enumerate(MODEL_ELEMENTS):
        truth = np.asarray([bool(lab.get(el)) for _, _, lab in rows])
        f1s = []
        for t in grid:
            pred = best[:, k] > t
            tp = (pred & truth).sum()
            fp = (pred & ~truth).sum()
            fn = (~pred & truth).sum()
            f1s.append(2 * tp / max(2 * tp + fp + fn, 1))
        f1a = np.asarray(f1s)
        top = np.flatnonzero(f1a >= f1a.max() - 1e-9)
        out[k] = float(grid[top].mean())
    return out
