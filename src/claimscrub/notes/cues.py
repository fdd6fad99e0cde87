"""Compositional cue families, read per clause on a drug-masked copy of the note.

The rule detectors in ``elements`` match vocabularies; these families compose a few small
word classes instead, so a new wording of the same idea still matches:

- not performed: a management verb under a negation, with a medication (word or drug name)
  as its object or subject ("did not address her olanzapine", "fluoxetine was not reviewed"),
  a deferral of the medications ("med follow-up is postponed"), or "no medication management
  took place";
- action: a dose arrow before a drug ("↑ fluoxetine 20 mg"), a dose given at this visit
  ("Administered naltrexone ER 380 mg IM today"), "go back to <drug>";
- response: a state or change tied to a current drug ("mood has stayed steady on citalopram"),
  a drug as the subject of an effect verb ("lithium maintaining euthymia", "the Pristiq is
  still doing its job"), a change dated from the drug ("since I've been getting the shots ...
  quieter"), credit given to the drug;
- adherence: taking told as behavior (negated or partial taking or filling, all doses given,
  refusals, counts, "took it this morning");
- rationale: a risk weighed against a benefit in plain words; "as"/"since" reasons.

Drug mentions are masked with ``§`` (current) or ``¦`` (not current) at their own offsets, so
the patterns can say "a drug" without listing drugs and spans stay note offsets.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from functools import cache

from ._doc import EXCLUDED_SECTIONS, ParsedNote
from .lexicon import alt, lexicon
from .screen import literal_prefixes

Span = tuple[int, int, str]
_MED_WORD = re.compile(r"\b(?:meds?|medications?|pills?|doses?|rx|prescriptions?)\b")
CUR = "\u00a7"  # §
Guard = Callable[[str, str, int, int], bool]
_NOT_BEFORE = re.compile(r"\bnot\s+(?:\w+\s+)?$")
OTHER = "\u00a6"  # ¦


@cache
def _p() -> dict[str, re.Pattern[str]]:
    npf = lexicon()["not_performed"]
    med = alt(npf["med_words"] + ["med(?:ication)? follow[- ]?up", "med(?:ication)? f/u", "[§¦]+"])
    neg = (
        r"(?:did not|didn't|do not|don't|does not|doesn't|not|never|no time to|unable to|"
        r"wasn't able to|were not|was not|wasn't|weren't|couldn't|could not|have not|haven't|has not|hasn't)"
    )
    verb = (
        r"(?:address\w*|review\w*|discuss\w*|manag\w*|assess\w*|evaluat\w*|cover\w*|touch\w* on|"
        r"get (?:to|into)|got (?:to|into)|go (?:over|into)|went (?:over|into)|gone (?:over|into)|"
        r"weigh\w* in(?: on)?|talk\w* about|focus\w* on|advis\w* on)"
    )
    happen = r"(?:took place|take place|happen\w*|occur\w*|was done|were done|done|performed)"
    state = (
        r"(?:stead\w*|stable|euthymi\w*|better|improv\w*|calm\w*|sober|abstinent|remission|"
        r"more (?:himself|herself|myself|themselves|like (?:himself|herself|myself))|"
        r"like (?:himself|herself|myself|themselves) again|less (?:\w+)|fewer \w+|quieter|brighter|"
        r"resolv\w*|settled|well controlled|controlled|gone|without \W?\w+\W?|gets? through|"
        r"down|dropped|fell|lower)"
    )
    effect = (
        r"(?:maintain\w*|keep\w*|holding|doing (?:its |the |a (?:good |great |fine )?)job|work\w*|help\w*|"
        r"control\w*|curb\w*|stabiliz\w*|reduc\w*|cut\w* (?:down|back)|takes? (?:the (?:edge|fun))|"
        r"(?:brings?|brought|gets?|got) (?:me|him|her|them) (?:down|back|through))"
    )
    drugish = (
        r"(?:[§]+|\b(?:the |her |his |my |these |those )?(?:new |current )?"
        r"(?:shots?|injections?|pills?|strips?|patch|meds?|medications?|medicines?))"
    )
    return {
        "np_neg_verb": re.compile(
            rf"\b{neg}\s+(?:\w+\s+){{0,2}}?{verb}\b(?:\s+\S+){{0,4}}?\s+(?:\w+\s+)?{med}"
        ),
        "np_subject": re.compile(
            rf"(?<![a-z]){med}(?:\s+\S+){{0,4}}?\s+(?:was|were|is|are|has|have)?\s*(?:not|never|n't)\s+"
            rf"(?:been\s+)?{verb}"
        ),
        "np_happen": re.compile(
            rf"\bno\s+{med}(?:\s+\w+){{0,2}}?\s+{happen}|(?<![a-z]){med}(?:\s+\w+){{0,2}}?\s+"
            rf"(?:did not|didn't|does not|doesn't|was not|wasn't|not)\s+{happen}"
        ),
        # ".tail": a part every match holds, searched first so most notes skip the full scan
        "np_subject.tail": re.compile(rf"(?:not|never|n't)\s+(?:been\s+)?{verb}"),
        "np_defer.tail": re.compile(
            r"(?:postponed|set aside|put aside|deferred|tabled|left for|stays? with|remains? with|pushed)\b"
            r"|(?:set|put|left|leave|leaving) (?:aside|alone)"
        ),
        "resp_subject.tail": re.compile(rf"{effect}\b"),
        "resp_state_on.tail": re.compile(r"\b(?:on|with|since)\s+(?:the\s+|her\s+|his\s+)?§"),
        "resp_hedge.tail": re.compile(
            r"(?:starting|beginning)\s+to\s+\W?\w"
            r"|(?:may|might) be (?:helping|working|doing (?:something|a little))"
        ),
        "np_defer": re.compile(
            rf"(?<![a-z]){med}(?:\s+\S+){{0,3}}?\s+(?:is|are|was|were|will be|to be)?\s*"
            r"(?:postponed|set aside|put aside|deferred|tabled|left for|stays? with|remains? with|pushed)\b"
            r"|\b(?:set|put|left|leave|leaving) (?:aside|alone)\s+(?:\S+\s+){0,2}?" + med
        ),
        "act_arrow": re.compile(r"[\u2191\u2193^]\s*(?:to\s+)?[§¦]"),
        "act_admin": re.compile(
            r"\b(?:administered|gave|given|injected)\s+(?:\S+\s+){0,2}?[§¦]"
            r"|[§¦][^.;]{0,40}?\b(?:administered|given|injected)\b(?! (?:in|at) the (?:ed|er|hospital))"
        ),
        "act_dose_arrow": re.compile(r"[§¦]+[^.;\n]{0,15}?\d+(?:\.\d+)?\s*(?:mg|mcg)\s*-*>\s*\d+(?:\.\d+)?"),
        "act_keep": re.compile(r"\b(?:no|not) [\u2191\u2193]"),
        "act_back": re.compile(r"\b(?:go|going|went) back (?:to|on)\s+(?:\w+\s+)?[§¦]"),
        "resp_state_on": re.compile(
            rf"\b{state}\b[^.;]{{0,40}}?\b(?:on|with|since)\s+(?:the\s+|her\s+|his\s+)?§"
        ),
        "resp_subject": re.compile(
            rf"{drugish}(?:\s+\w+){{0,3}}?\s+(?:is\s+|has been\s+|was\s+|seems\s+|appears\s+)?"
            rf"(?:still\s+|really\s+|definitely\s+|clearly\s+)?{effect}\b"
        ),
        "resp_since": re.compile(
            r"\bsince\s+(?:(?:i've|i have|he's|she's|they've|he has|she has|they have|pt has|pt's) been\s+|"
            r"(?:he|she|they|i|pt|patient)\s+)?"
            r"(?:getting|taking|on|starting|started|beginning|using|receiving|the)\s+(?:the\s+|her\s+|his\s+|my\s+)?"
            r"(?:it\b|them\b|" + drugish + ")"
        ),
        # a hedged judgement still judges ("may be starting to help", "might be 'starting to lift the fog'")
        "resp_hedge": re.compile(
            r"\b(?:it|they|[§]+|the (?:med\w*|dose|increase|"
            r"shots?|injections?|pills?))(?:'s|\s+is|\s+are)?\s+"
            r"(?:\w+\s+)?(?:may|might|could|seems? to|"
            r"appears? to)\s+(?:be\s+)?\W?(?:starting|beginning)\s+to\s+\W?\w+"
            r"|\b(?:may|might) be (?:helping|working|doing (?:something|a little))"
        ),
        "resp_credit": re.compile(
            r"\b(?:credits?|credited|attribut\w*)\s+(?:it\s+|this\s+|the\s+\w+\s+)?(?:to\s+)?[^.;]{0,25}?"
            + drugish
        ),
        "resp_change": re.compile(
            r"\b(?:more|less|fewer|quieter|better|worse|stopped|no longer|anymore|again|improv\w*|gone|"
            r"went away|easier|harder|resolved|half|cut|drop\w*|"
            r"down|reduced|calmer|steadier|doesn't|don't|can|able)\b"
        ),
        "resp_not": re.compile(
            r"\b(?:may|might|should|will|to|hope\w*|expect\w*|would|could|if|whether|goal|for|asks?|wants?|"
            r"needs?|requests?)\s+(?:\w+\s+)?$"
        ),
        "adh_neg_take": re.compile(
            r"\b(?:hasn't|has not|hadn't|had not|haven't|have not|not|never|didn't|did not|isn't|is not|"
            r"wasn't|was not)\s+(?:been\s+)?(?:"
            r"(?:skipp\w*|miss\w*|refus\w*)\s+(?:any\b|a (?:dose|day)\b|it\b|them\b|doses?\b|[§])"
            r"|(?:tak\w*|took|filled?|picked up)\s+(?:it\b|them\b|a dose\b|(?:the|her|his|this)\s+(?:\w+\s+)?"
            r"(?:dose|doses|med\w*|pills?|rx|prescription|script)\b|(?:the |her |his )?[§]))"
        ),
        "adh_all": re.compile(
            r"\b(?:all|every|each)\s+(?:of\s+)?(?:the\s+|her\s+|his\s+)?(?:[§]+\s+)?(?:doses?|pills?|tablets?|"
            r"films?|injections?|shots?)\s+(?:\w+\s+){0,2}?(?:given|taken|administered|received)\b"
            r"|\btook (?:them|it|all(?: \w+)?) (?:\w+ )?all\b|\btook (?:them|it|all of them) (?:every|each)\b"
        ),
        "adh_refuse": re.compile(
            r"\b(?:\d+|no|any|several|two|three) refusals?\b|\brefused\s+(?:\w+\s+){0,2}?(?:doses?|meds?|§)"
        ),
        "adh_count": re.compile(
            r"\b(?:medication|med|pill|film|tablet|capsule|strip|"
            r"dose) counts?\b|\b(?:organi[sz]er|pill ?box|blister)\s+check"
        ),
        "adh_partial": re.compile(
            r"\bonly\s+(?:takes?|taking|took|uses?|using)\s+(?:the\s+|her\s+|his\s+|[§]+\s+)?(?:morning|evening|am|pm|"
            r"night(?:ly)?|bedtime|daytime)\s+dose"
            r"|\btook\s+(?:it|them|[§]+|(?:her|his|the)\s+(?:\w+\s+)?(?:dose|meds?|pills?))\s+"
            r"(?:this morning|today|last night|yesterday)\b"
            r"|\b(?:takes?|took|taking|gives?|gave|giving)\s+(?:it|them|[§]+|(?:her|his|the)\s+(?:\w+\s+)?(?:dose|meds?|pills?))\s+"
            r"(?:at \d|every|each|with (?:breakfast|dinner|food|"
            r"meals)|in the (?:morning|evening)|at (?:night|bedtime))"
            r"|\b(?:refill\w*|filled|picked up)\s+(?:\w+\s+){0,3}?(?:on time|"
            r"late|early|\d+ days? (?:late|early))"
        ),
        "se_makes": re.compile(
            r"(?:[§]+|\b(?:it|they|the (?:med\w*|pills?)|(?:her|his|my|adhd|the) meds?))\s+(?:\w+\s+)?"
            r"(?:makes?|made|making)\s+(?:me|him|her|"
            r"them)\s+(?:feel\s+)?\W?(?!better|good|calm|less|more like|"
            r"like (?:my|him|her)self|normal|happy|hopeful)\w+"
        ),
        "adh_own": re.compile(
            r"\bstopped\s+(?:taking\s+)?(?:her\s+|his\s+|"
            r"the\s+)?[§]+[^.;]{0,40}?\b(?:without (?:telling|asking|talking)|"
            r"on (?:her|his|their) own|by (?:her|him|them)sel(?:f|ves))"
        ),
        "act_move": re.compile(
            r"\b(?:move|moving|shift|shifting)\s+(?:the|her|his)\s+(?:\w+\s+)?dose\s+to\b"
        ),
        "rat_given_n": re.compile(
            r"\bgiven\s+(?:\d+|two|three|four|several|multiple)\s+(?!mg|mcg|ml|units?|tabs?|caps?|tablets?)[a-z]"
        ),
        "np_others": re.compile(
            r"(?<![a-z])(?:med(?:ication)?s?|prescribing) (?:decisions?|management|questions?|changes?)\s+"
            r"(?:are|is|remain|stay|rest)s?\s+(?:with\s+)?(?:dr\b|her |his |their |the )"
        ),
        "rat_rb": re.compile(
            r"\b(?:risks?|downsides?|harms?)\b[^.]{0,120}?\b(?:vs\.?|versus|against|outweigh\w*|benefits?|upside)\b"
            r"|\b(?:benefits?|upside)\b[^.]{0,80}?\b(?:risks?|downsides?|harms?)\b"
            r"|\bweigh\w*\b[^.]{0,120}?\b(?:against|versus|vs\.?)\b|\btrade-?offs?\b"
        ),
        "rat_lead": re.compile(
            r"\W*+(?:\w++\W++){0,4}?(because(?: of)?|due to|given|since|as a result of|in light of|"
            r"secondary to)\b"
        ),
        "rat_as": re.compile(
            r"\b(?:as|since)\s+(?:(?:her|his|their|the|pt's|she|he|they|pt|patient|it|mood|sleep|anxiety|"
            r"symptoms?|level|[a-z]+)\s+){1,3}?(?:is|are|was|were|has|have|had|remains?|persists?|continues?|"
            r"reports?|prefers?|wants?|needs?|still|appears?|failed|tolerated)\b"
        ),
    }


# Substrings without which a pattern cannot match: one of each group must occur in the note.
# A cheap C-level test that skips most scans.
_NEG = ("not", "n't", "never", "unable", "no ")
_MGMT = (
    "address",
    "review",
    "discuss",
    "manag",
    "assess",
    "evaluat",
    "cover",
    "touch",
    "get ",
    "got ",
    "go ",
    "went",
    "gone",
    "weigh",
    "talk",
    "focus",
    "advis",
)
_NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "np_neg_verb": (_NEG, _MGMT),
    "np_subject": (_NEG, _MGMT),
    "np_happen": (_NEG, ("place", "happen", "occur", "done", "perform")),
    "np_defer": (("postpon", "aside", "defer", "tabled", "left", "stay", "remain", "pushed", "alone"),),
    "np_others": (
        ("decision", "management", "question", "change"),
        (" are ", " is ", "remain", "stay", "rest"),
    ),
    "act_arrow": (("\u2191", "\u2193", "^"),),
    "act_keep": (("\u2191", "\u2193"),),
    "act_admin": (("administ", "gave", "given", "inject"),),
    "act_back": (("back",),),
    "act_move": (("dose",), ("move", "moving", "shift")),
    "act_dose_arrow": ((">",), ("mg", "mcg")),
    "resp_state_on": ((" on ", " with ", "since"),),
    "resp_subject": (
        (
            "brings",
            "brought",
            "gets",
            "got",
            "maintain",
            "keep",
            "holding",
            "doing",
            "work",
            "help",
            "control",
            "curb",
            "stabiliz",
            "reduc",
            "cut",
            "take",
        ),
    ),
    "resp_since": (("since",),),
    "resp_credit": (("credit", "attribut"),),
    "resp_hedge": (("starting", "beginning", "helping", "working", "doing"),),
    "se_makes": (("make", "made"), (" me ", " him ", " her ", " them ")),
    "adh_neg_take": (_NEG, ("tak", "took", "fill", "picked", "skip", "miss", "refus")),
    "adh_all": (("all", "every", "each"), ("given", "taken", "administered", "received", "took")),
    "adh_refuse": (("refus",),),
    "adh_count": (("count", "check"),),
    "adh_partial": (("only", "took", "take", "taking", "give", "gave", "refill", "filled", "picked"),),
    "adh_own": (("stopped",),),
    "rat_rb": (("risk", "benefit", "downside", "harm", "upside", "weigh", "trade"),),
    "rat_as": (("as ", "since"),),
    "rat_given_n": (("given",),),
}


@cache
def _gates() -> dict[str, tuple[re.Pattern[str], ...]]:
    """``_NEEDS`` as one literal alternation per group: ``gate.search(text)`` is
    ``any(w in text for w in group)`` without a Python loop."""
    return {
        n: tuple(re.compile("|".join(re.escape(w) for w in group)) for group in groups)
        for n, groups in _NEEDS.items()
    }


@cache
def _leads() -> dict[str, re.Pattern[str] | None]:
    """For a pattern that can only begin with one of a few literal words, a search for those words.

    A pattern opening with ``\\b`` or a lookbehind makes the regex engine try every position of
    the note; a literal alternation is found by a C scan over its first characters, so the full
    pattern need only be tried where a lead word stands. Short or numerous leads (drug marks,
    common words) would cost more in Python calls than they save, and keep the plain scan.
    """
    out: dict[str, re.Pattern[str] | None] = {}
    for n, pat in _p().items():
        lead = literal_prefixes(pat.pattern)
        if lead and len(lead) <= 21 and min(map(len, lead)) >= 2:
            out[n] = re.compile("|".join(re.escape(w) for w in sorted(lead, key=lambda w: (-len(w), w))))
        else:
            out[n] = None
    return out


def _finditer(pat: re.Pattern[str], lead: re.Pattern[str] | None, text: str) -> Iterator[re.Match[str]]:
    """``pat.finditer(text)``, trying ``pat`` only where ``lead`` (its possible openings) matches."""
    if lead is None:
        yield from pat.finditer(text)
        return
    pos = 0
    while True:
        c = lead.search(text, pos)
        if c is None:
            return
        m = pat.match(text, c.start())  # lookbehinds and \b still see the text before
        if m is None:
            pos = c.start() + 1
        else:
            yield m
            pos = m.end() if m.end() > m.start() else m.end() + 1


def masked(doc: ParsedNote) -> str:
    """``doc.low`` with current drug mentions as ``§`` and other drug mentions as ``¦``."""
    if not doc.mentions:
        return doc.low
    parts: list[str] = []
    pos = 0
    names = {m.generic for m, c in zip(doc.mentions, doc.current, strict=True) if c}
    excluded = [(g.start, g.end) for g in doc.segs if g.section in EXCLUDED_SECTIONS]
    for m, cur in zip(doc.mentions, doc.current, strict=True):
        if not cur and m.generic in names and not any(a <= m.start < b for a, b in excluded):
            cur = True  # the patient's drug named again, e.g. in a relative's report of it
        if m.start < pos:
            continue
        parts.append(doc.low[pos : m.start])
        parts.append((CUR if cur else OTHER) * (m.end - m.start))
        pos = m.end
    parts.append(doc.low[pos:])
    return "".join(parts)


def _spans(doc: ParsedNote, text: str, names: tuple[str, ...], guard: Guard | None = None) -> list[Span]:
    """Matches of the named patterns that lie inside one usable clause.

    Each pattern runs once over the whole masked note (one C-level scan instead of one call per
    clause); a match that runs past its clause's end is retried inside the clauses it touched.
    """
    P = _p()
    gates = _gates()
    leads = _leads()
    starts = doc.clause_starts
    clauses = doc.clause_list
    out: list[Span] = []
    for n in names:
        if not all(g.search(text) for g in gates.get(n, ())):
            continue
        tail = P.get(n + ".tail")
        if tail is not None and not tail.search(text):
            continue
        pat = P[n]
        for m in _finditer(pat, leads[n], text):
            i = bisect_right(starts, m.start()) - 1
            if i < 0:
                continue
            ce = clauses[i][1]
            found: list[tuple[int, int, int]] = []
            if m.end() <= ce:
                found.append((i, m.start(), m.end()))
            else:
                j = i
                while j < len(clauses) and clauses[j][0] < m.end():
                    a, b = clauses[j][0], clauses[j][1]
                    for mm in pat.finditer(text[a:b]):
                        found.append((j, a + mm.start(), a + mm.end()))
                    j += 1
            for k, s, e in found:
                a, b = clauses[k][0], clauses[k][1]
                if s < a or e > b:
                    continue
                if guard is not None and not guard(n, text[a:b], s - a, e - a):
                    continue
                out.append((s, e, doc.text[s:e]))
    return sorted(set(out))


def not_performed(doc: ParsedNote, text: str) -> list[Span]:
    if not any(w in text for w in ("med", "pharm", "prescri", "psych", CUR, OTHER)):
        return []
    return _spans(doc, text, ("np_neg_verb", "np_subject", "np_happen", "np_defer", "np_others"))


def action(doc: ParsedNote, text: str) -> list[Span]:
    def ok(name: str, ctext: str, s: int, e: int) -> bool:
        if name != "act_admin":
            return True
        return not re.search(
            r"\b(?:ago|last (?:week|month|night)|yesterday|previously|was given|were given|in the (?:ed|er)|"
            r"hospital|inpatient|prior)\b",
            re.sub(r"\([^)]*\)", "", ctext),
        )

    if not (CUR in text or OTHER in text):
        return []
    return _spans(
        doc, text, ("act_arrow", "act_admin", "act_back", "act_keep", "act_move", "act_dose_arrow"), ok
    )


def response(doc: ParsedNote, text: str) -> list[Span]:
    if not doc.has_current:
        return []
    P = _p()

    def ok(name: str, ctext: str, s: int, e: int) -> bool:
        if name == "resp_hedge":
            return True  # the hedge is the judgement; "to"/"may" before it are part of it
        if P["resp_not"].search(ctext[:s][-30:]):
            return False
        if name == "resp_since":
            return bool(P["resp_change"].search(ctext, e)) or bool(P["resp_change"].search(ctext[:s]))
        if name == "resp_subject":
            return CUR in ctext or bool(re.search(r"\b(?:shot|injection|pill|strip|patch|med)", ctext[s:e]))
        return True

    return _spans(doc, text, ("resp_state_on", "resp_subject", "resp_since", "resp_credit", "resp_hedge"), ok)


def side_effects(doc: ParsedNote, text: str) -> list[Span]:
    """A drug making the patient feel a certain way ("made her feel numb")."""
    if not (doc.has_current or _MED_WORD.search(doc.low)):
        return []
    return _spans(doc, text, ("se_makes",))


def adherence(doc: ParsedNote, text: str) -> list[Span]:
    if not (doc.has_current or _MED_WORD.search(doc.low)):
        return []

    def ok(name: str, ctext: str, s: int, e: int) -> bool:
        if name == "adh_refuse":
            return CUR in ctext or bool(re.search(r"\b(?:doses?|meds?|medications?|pills?)\b", ctext))
        return True

    return _spans(
        doc, text, ("adh_neg_take", "adh_all", "adh_refuse", "adh_count", "adh_partial", "adh_own"), ok
    )


def rationale(doc: ParsedNote, text: str, action_spans: list[Span]) -> list[Span]:
    """Risk weighed against benefit anywhere in usable text; "as"/"since" reasons in a sentence
    that holds a decision."""
    if not (doc.has_current or action_spans):
        return []
    out = _spans(doc, text, ("rat_rb",), lambda n, c, s, e: not _NOT_BEFORE.search(c[:s]))
    P = _p()
    seg_starts = [g.start for g in doc.segs]
    decided = [False] * len(doc.segs)
    for s, _e, _t in action_spans:
        k = bisect_right(seg_starts, s) - 1
        if k >= 0 and s < doc.segs[k].end:
            decided[k] = True
    for k, seg in enumerate(doc.segs):
        if k and decided[k - 1] and not decided[k] and seg.line - doc.segs[k - 1].line <= 1:
            m = P["rat_lead"].match(text, seg.start, seg.end)
            if m:
                out.append((m.start(1), m.end(1), doc.text[m.start(1) : m.end(1)]))
    for s, e, w in _spans(doc, text, ("rat_as", "rat_given_n")):
        k = bisect_right(seg_starts, s) - 1
        if k >= 0 and decided[k] and doc.segs[k].section not in EXCLUDED_SECTIONS:
            out.append((s, e, w))
    return out
