"""Detectors for the documentation elements (action, response, side effects, adherence,
rationale, not performed). Each returns the evidence spans that support the element; an empty
list means the element is absent. Vocabularies live in ``claimscrub/data/note_lexicon.yaml``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from ._doc import EXCLUDED_SECTIONS, ParsedNote
from ._text import Segment
from .lexicon import alt, lexicon, words
from .screen import Screen, may_occur

Span = tuple[int, int, str]
_SEP = re.compile(r"[,:(]|\s-\s|\band\b|\bbut\b|\bso\b(?! (?:far|much|many|that)\b)")
_SINCE_START = re.compile(
    r"\bsince (?:(?:he|she|they|pt|patient) )?(?:starting|restarting|beginning|started|began)\b|"
    r"\bsince (?:the |her |his )?(?:med\w*|injections?|shots?|dose|patch|[a-z]+) (?:was |were |had been )?"
    r"(?:started|increased|added|begun|restarted|initiated)\b"
)
# "Side effects reviewed: weight gain" / "reviewed SE, denies any" is an assessment, not teaching
_ASSESSED = re.compile(r"\b(?:denie[sd]|deny|reports?|reported|endorse[sd]?|c/o|complain\w*|none)\b")
_FIELD = re.compile(r"\s*:")
_NP_SCREEN = re.compile(r"med|pharm|prescri|psych")
_NP_SEG = re.compile(
    r"not|n't|never|no |none|n/a|defer|postpon|aside|tabled|held for|left |managed|handled|followed|"
    r"per |scope|by "
)
# a dose recorded as given at this visit ("Invega Sustenna 156 mg IM given L deltoid today")
_ADMIN = re.compile(
    r"\b(?:administered|given|injected)\b(?=\s*(?:$|[.;,]|today|by\b|in\b|at\b|im\b|to\b|via\b|"
    r"[lr]\b|left|right|deltoid|glute|per\b|without|w/o|and\b))"
)
_ADMIN_ELSEWHERE = re.compile(
    r"\b(?:yesterday|last night|overnight|in (?:the )?(?:ed|er|hospital|emergency)|on the unit|inpatient)\b"
)
# a prescription written with a dispense quantity or refill count ("Adderall XR 20 mg #30, 0 RF")
_RX_WRITTEN = re.compile(r"(?:#\s?\d+|\bdisp(?:ense)?\.?\s*:?\s*#?\s?\d+|\bqty\s*:?\s*\d+)\b")
# "Efficacy: not assessed" - a field the template left empty
_NOT_ASSESSED = re.compile(
    r"^\W{0,3}(?:\w+\W+){0,1}?"
    r"(?:not (?:assessed|addressed|discussed|reviewed|evaluated|asked|done)|n/a|unknown|deferred)\b"
)
_VISIT_REASON = re.compile(
    r"\s*(?:for (?:visit|referral|encounter|call)|med(?:ication)? refill|refills?|f/?u|follow[- ]?up|routine|"
    r"visit|appointment|appt|check|scheduled|med check|medication check)\b"
)
_CHOSE = re.compile(r"\b(?:chose|choose|choosing|opted|selected|recommend\w*)\b")
_NEG_AFTER = re.compile(r"\s*(?:were |was |are |have |has )?(?:not|never|n't)\b")
_NEG_BEFORE = re.compile(r"\b(?:not|never|n't|no)\s+(?:been\s+|yet\s+)?$")
_FOR_SYMPTOM = re.compile(r"\bfor\s+(?:(?:her|his|their|the|ongoing|persistent|mild|bothersome)\s+)?")
_ADH_TALK = re.compile(r"\b(?:miss\w*|skip\w*|forg[eo]t\w*|adheren\w*)\b")
_NOT_YET = re.compile(r"\b(?:hasn't|has not|haven't|have not|didn't|did not|not yet)\b")
_UNCHECKED = re.compile(r"\[\s*\]\s*$")
_TEACHING_FIELD = re.compile(
    r"^\W*(?:educated|education|counsel(?:l)?ed|"
    r"counsel(?:l)?ing|teaching|reviewed|discussed)\s*:"
)
_CONDITIONAL = re.compile(r"\b(?:if|call for|call if|watch for|monitor for|to target|target)\b[^,;]*$")
_NOT_DOSES = re.compile(
    r"\s*(?:\w+\s+)?(?:days?|classes|sessions?|"
    r"appointments?|appts?|school|work|visits?|shifts?)\b"
)
_DOSE_WORD = re.compile(
    r"\b(?:doses?|meds?|medications?|pills?|tablets?|patch\w*|pharmacy|refills?|it|them|shots?|injections?)\b"
)
_NOUN_DET = re.compile(r"(?:\b(?:the|a|an|this|that|his|her|their|recent|last|dose|any|on|of)\s*)$")


@dataclass(frozen=True, slots=True)
class _Rx:
    med_generic: re.Pattern[str]
    dose: re.Pattern[str]
    verb_present: re.Pattern[str]
    verb_past: re.Pattern[str]
    refill: re.Pattern[str]
    refill_request: re.Pattern[str]
    no_change: re.Pattern[str]
    blockers: re.Pattern[str]
    past_time: re.Pattern[str]
    present_time: re.Pattern[str]
    non_med: re.Pattern[str]
    first_person: re.Pattern[str]
    arrow: re.Pattern[str]
    resp_strong: re.Pattern[str]
    resp_weak: re.Pattern[str]
    resp_links: re.Pattern[str]
    resp_not: re.Pattern[str]
    resp_eval: re.Pattern[str]
    resp_other_tx: re.Pattern[str]
    anaphora: re.Pattern[str]
    se_vocab: re.Pattern[str]
    se_case: re.Pattern[str]
    se_symptoms: re.Pattern[str]
    se_report: re.Pattern[str]
    se_teaching: re.Pattern[str]
    se_not_symptom: re.Pattern[str]
    adh: re.Pattern[str]
    adh_take: re.Pattern[str]
    adh_skip: re.Pattern[str]
    adh_not: re.Pattern[str]
    rat_explicit: re.Pattern[str]
    rat_rb: re.Pattern[str]
    rat_teach_verb: re.Pattern[str]
    rat_teach_obj: re.Pattern[str]
    rat_causal: re.Pattern[str]
    rat_causal_start: re.Pattern[str]
    rat_findings: re.Pattern[str]
    np_patterns: tuple[re.Pattern[str], ...]
    np_drug: re.Pattern[str]
    any_action: re.Pattern[str]
    any_response: re.Pattern[str]
    any_se: re.Pattern[str]
    any_adh: re.Pattern[str]
    screen: Screen


@cache
def _rx() -> _Rx:
    lx = lexicon()
    a, r, se, ad, ra, npf = (
        lx["action"],
        lx["response"],
        lx["side_effects"],
        lx["adherence"],
        lx["rationale"],
        lx["not_performed"],
    )
    med = alt(npf["med_words"])
    neg = alt(npf["negated_verbs"])
    dfr = alt(npf["deferral"])
    np_patterns = (
        re.compile(rf"\b{med}\b[^.\n]{{0,60}}?\b(?:not|n't|never|no longer)\b[^.;\n]{{0,25}}?\b{neg}"),
        re.compile(
            r"\b(?:did not|didn't|not|no time to|unable to|did not have time to|won't|will not|"
            r"do not|don't|does not|doesn't|wasn't able to)\s+(?:\w+\s+){0,2}?"
            r"(?:address|review|discuss|manage|assess|evaluate|cover|touch on)\w*\s+"
            rf"(?:\S+\s+){{0,3}}?{med}\b"
        ),
        re.compile(rf"\bno {med}\s+(?:were |was |are |is )?{neg}"),
        re.compile(rf"\b{med}\b[^.;\n]{{0,40}}?(?<![a-z]){dfr}(?![a-z])"),
        re.compile(rf"\b(?:defer\w*|postpon\w*)\s+(?:\S+\s+){{0,3}}?{med}\b"),
        re.compile(
            r"\b(?:medication management|med management|med mgmt|medication review|med review|"
            r"pharmacologic management|pharmacotherapy)\s*:\s*"
            r"(?:none|not (?:done|performed|addressed)|n/a|deferred)\b"
        ),
    )
    np_drug = re.compile(
        r"\b(?:not|n't|never)\s+(?:been\s+)?(?:addressed|reviewed|discussed|managed)\s+"
        r"(?:today|this (?:session|visit)|at (?:this|today's) (?:visit|session)|"
        r"in (?:this|today's) (?:session|visit))"
    )
    take = alt(ad["take_verbs"])
    reg = alt(ad["regularity"])
    union = {
        "any_action": [words(a["verbs_present"]), words(a["verbs_past"]), words(a["refill"]), r">"],
        "any_response": [words(r["strong"]), words(r["weak"]), words(r["evaluative"]), r"\bsince\b"],
        "any_se": [words(se["vocab"]), words(se["symptoms"]), r"\b(?:se|ses|ha|aes?|adrs?|eps)\b"],
        "any_adh": [words(ad["patterns"]), rf"\b{take}\b", words(ad["forget_skip"])],
    }
    screen = Screen(
        {
            "action": a["verbs_present"]
            + a["verbs_past"]
            + a["refill"]
            + [">", "administered", "given", "injected", r"#\s?\d", "disp", "qty"],
            "response": r["strong"] + r["weak"] + r["evaluative"] + ["since"],
            "side_effects": se["vocab"]
            + se["symptoms"]
            + [r"\+\s?\d", "ha", "ae", "aes", "adr", "adrs", "eps", "se", "ses"],
            "adherence": ad["patterns"] + ad["take_verbs"] + ad["forget_skip"],
        }
    )
    return _Rx(
        **{k: re.compile("|".join(v)) for k, v in union.items()},
        screen=screen,
        med_generic=re.compile(words(lx["med_generic"])),
        dose=re.compile(alt(lx["dose"])),
        verb_present=re.compile(words(a["verbs_present"])),
        verb_past=re.compile(words(a["verbs_past"])),
        refill=re.compile(words(a["refill"])),
        refill_request=re.compile(words(a["refill_request"])),
        no_change=re.compile(words(a["no_change"])),
        blockers=re.compile(words(a["blockers"])),
        past_time=re.compile(words(a["past_time"])),
        present_time=re.compile(words(a["present_time"])),
        non_med=re.compile(r"^\W*(?:\w+\W+){0,2}?" + words(a["non_med_objects"])),
        first_person=re.compile(r"\b(?:i|we)\s+(?:\w+\s+)?$"),
        arrow=re.compile(r"\s*(?:-+>|>|=>|→)\s*"),
        resp_strong=re.compile(words(r["strong"])),
        resp_weak=re.compile(words(r["weak"])),
        resp_links=re.compile(words(r["links"])),
        resp_not=re.compile(words(r["not_judgement"])),
        resp_eval=re.compile(words(r["evaluative"])),
        resp_other_tx=re.compile(
            r"^\s*(?:to|from)\s+(?:the\s+)?(?:psycho)?(?:therapy|cbt|dbt|emdr|exposure|skills|sessions?|counseling|intervention)"
        ),
        anaphora=re.compile(words(lx["med_anaphora"] + lx["med_generic"])),
        se_vocab=re.compile(words(se["vocab"])),
        se_case=re.compile(alt(se["case_sensitive"])),
        se_symptoms=re.compile(words(se["symptoms"])),
        se_report=re.compile(words(se["report"])),
        se_teaching=re.compile(words(se["teaching"])),
        se_not_symptom=re.compile(
            r"\bbehaviou?ral activation|\btoxic (?:relationship|family|environment|friend|work)"
        ),
        adh=re.compile(words(ad["patterns"])),
        adh_take=re.compile(rf"\b{take}\b((?:\s+[^\s.;,]+){{0,4}}?)\s+{reg}(?![a-z])"),
        adh_skip=re.compile(words(ad["forget_skip"])),
        adh_not=re.compile(r"^\W{0,3}(?:\w+\W+){0,2}?" + words(ad["not_assessed"])),
        rat_explicit=re.compile(words(ra["explicit"])),
        rat_rb=re.compile(words(ra["risk_benefit"])),
        rat_teach_verb=re.compile(words(ra["teaching_verbs"])),
        rat_teach_obj=re.compile(words(ra["teaching_objects"])),
        rat_causal=re.compile(words(ra["causal"])),
        rat_causal_start=re.compile(
            r"^\W*(?:" + alt(ra["causal"]) + r"|this is|reason|rationale|explained|discussed|reviewed|"
            r"risks?|benefits?|the goal)"
        ),
        rat_findings=re.compile(words(ra["findings"])),
        np_patterns=np_patterns,
        np_drug=np_drug,
    )


def _sep_start(text: str, pos: int) -> int:
    """Start of the sub-clause (after the last , : ( - and but) that contains ``pos``."""
    last = 0
    for m in _SEP.finditer(text, 0, pos):
        last = m.end()
    return last


def _usable(seg: Segment) -> bool:
    return seg.section not in EXCLUDED_SECTIONS


# ---------------------------------------------------------------- not performed
def not_performed(doc: ParsedNote) -> list[Span]:
    R = _rx()
    out: list[Span] = []
    if not _NP_SCREEN.search(doc.low):
        return out
    for seg in doc.segs:
        if not _NP_SEG.search(seg.text):
            continue
        for pat in R.np_patterns:
            m = pat.search(seg.text)
            if m:
                s = seg.start + m.start()
                out.append((s, seg.start + m.end(), doc.text[s : seg.start + m.end()]))
                break
        else:
            m = R.np_drug.search(seg.text)
            if m and (doc.any_drug_in(seg.start, seg.end, False) or R.med_generic.search(seg.text)):
                s = seg.start + m.start()
                out.append((s, seg.start + m.end(), doc.text[s : seg.start + m.end()]))
    return out


# ---------------------------------------------------------------- action
def _has_object(doc: ParsedNote, R: _Rx, seg: Segment, cs: int, ctext: str, m: re.Match[str]) -> bool:
    after = ctext[m.end() : m.end() + 70]
    if R.non_med.match(after) and not doc.any_drug_in(cs + m.end(), cs + m.end() + 25, False):
        return False
    if doc.any_drug_in(cs + m.end(), cs + m.end() + len(after), False):
        return True
    if R.med_generic.search(after) or R.dose.search(after[:40]):
        return True
    if doc.has_current and re.match(
        r"\W*(?:both|all(?: (?:current|three|four|psych\w*|other))?|each|them|these|as is)\b", after
    ):
        return True
    # object before the verb ("sertraline 100 mg - continue", "lithium held")
    rest = re.sub(r"\b(?:today|now|for now|at this time|as is|unchanged|without change|same)\b", "", after)
    if not rest.strip(" .,-)") or rest.lstrip()[:1] in ".,;)":
        before_start = max(cs, cs + m.start() - 50)
        return doc.any_drug_in(before_start, cs + m.start(), False)
    return False


def actions(doc: ParsedNote, skip: list[Span]) -> list[Span]:
    R = _rx()
    out: list[Span] = []
    skip_ranges = [(s, e) for s, e, _ in skip]
    for cs, _ce, ctext, seg in doc.screened(R.screen, "action"):
        if any(s < seg.end and seg.start < e for s, e in skip_ranges):
            continue
        for past, pat in ((False, R.verb_present), (True, R.verb_past)):
            for m in pat.finditer(ctext):
                prefix = ctext[_sep_start(ctext, m.start()) : m.start()]
                if R.blockers.search(prefix[-60:]) or _NOUN_DET.search(ctext[: m.start()][-12:]):
                    continue
                if past and not R.present_time.search(ctext):
                    if R.past_time.search(ctext):
                        continue
                    if not (seg.plan or R.first_person.search(ctext[: m.start()])):
                        continue
                if _has_object(doc, R, seg, cs, ctext, m):
                    out.append((cs + m.start(), cs + m.end(), doc.text[cs + m.start() : cs + m.end()]))
        admin = "given" in ctext or "inject" in ctext or "administ" in ctext
        for m in _ADMIN.finditer(ctext) if admin else ():
            prefix = ctext[_sep_start(ctext, m.start()) : m.start()]
            if (
                R.past_time.search(ctext)
                or _ADMIN_ELSEWHERE.search(ctext)
                or R.blockers.search(prefix[-60:])
                or not doc.any_drug_in(max(cs, cs + m.start() - 70), cs + m.start())
            ):
                continue
            out.append((cs + m.start(), cs + m.end(), doc.text[cs + m.start() : cs + m.end()]))
        rxm = _RX_WRITTEN.search(ctext) if ("#" in ctext or "disp" in ctext or "qty" in ctext) else None
        if rxm and doc.any_drug_in(cs, cs + rxm.start()):
            out.append((cs + rxm.start(), cs + rxm.end(), doc.text[cs + rxm.start() : cs + rxm.end()]))
        for m in R.refill.finditer(ctext):
            prefix = ctext[max(0, m.start() - 30) : m.start()]
            tail = ctext[m.end() :].lstrip()
            if (
                R.refill_request.search(prefix)
                or re.search(r"\b(?:no|not|without|any)\s+$", prefix)
                or _NOT_YET.search(prefix)
                or tail.startswith(("history", "hx", "record", "date", "pattern", "due", "remaining", "left"))
            ):
                continue
            out.append((cs + m.start(), cs + m.end(), doc.text[cs + m.start() : cs + m.end()]))
        ments = doc.drugs_in(cs, cs + len(ctext), False)
        for a, b in zip(ments, ments[1:], strict=False):
            gap = doc.low[a.end : b.start]
            if R.arrow.fullmatch(gap) or re.fullmatch(r"\s*\d[\d./ ]*\s*(?:mg|mcg)?\s*(?:-+>|>)\s*", gap):
                out.append((a.start, b.end, doc.text[a.start : b.end]))
    if doc.has_current and R.no_change.search(doc.low):
        for seg in doc.segs:
            if not _usable(seg) or any(s < seg.end and seg.start < e for s, e in skip_ranges):
                continue
            for m in R.no_change.finditer(seg.text):
                if _UNCHECKED.search(seg.text, max(0, m.start() - 8), m.start()):
                    continue  # "[ ] No change": a checkbox left empty
                tail = seg.text[m.end() : m.end() + 30]
                if re.match(r"\s*(?:were |was )?discussed", tail):
                    continue
                if re.match(
                    r"\s*(?:in|to)\s+(?!(?:\w+\s+)?(?:med|meds|medications?|dose|dosing|regimen|rx|sertraline))",
                    tail,
                ) and not doc.any_drug_in(seg.start + m.end(), seg.start + m.end() + 30, False):
                    continue
                if R.blockers.search(seg.text[max(0, m.start() - 20) : m.start()]):
                    continue
                s = seg.start + m.start()
                out.append((s, seg.start + m.end(), doc.text[s : seg.start + m.end()]))
    return out


# ---------------------------------------------------------------- response
_TREATMENT_AFTER = re.compile(
    r"\b(?:it|them|treatment|med\w*|dose|doses|increase|titration|regimen|trial|shots?|injections?)\b"
)
_MED_HEADER = re.compile(
    r"^\W*(?:medication management|med(?:ication)?s?(?: management| review| check)?|pharmacotherapy|"
    r"psychopharm\w*|pharmacologic management)\s*[:\-]"
)


def _follows_drug_clause(doc: ParsedNote, start: int) -> bool:
    """The sentence right after a medication-management heading that names a current drug
    ("Medication management: sertraline 100 mg daily. Mood improved, PHQ-9 down"): the
    judgement belongs to that drug's review. A bare "Sertraline 50 mg. Mood better" does not."""
    i = bisect_right(doc.clause_starts, start) - 1
    if i < 1:
        return False
    ps, pe, ptext, _pseg = doc.clause_list[i - 1]
    gap = doc.text[max(ps, pe - 2) : start]
    return "." in gap and bool(_MED_HEADER.search(ptext)) and doc.any_drug_in(ps, pe)


def response(doc: ParsedNote) -> list[Span]:
    if not doc.has_current:
        return []
    R = _rx()
    out: list[Span] = []
    for cs, ce, ctext, _seg in doc.screened(R.screen, "response"):
        drug = doc.any_drug_in(cs, ce)
        link = drug or bool(R.resp_links.search(ctext)) or _follows_drug_clause(doc, cs)
        anaph = link or bool(R.anaphora.search(ctext))
        for m in R.resp_strong.finditer(ctext):
            if R.resp_not.search(ctext[max(0, m.start() - 12) : m.end()]) or _NOT_ASSESSED.match(
                ctext[m.end() :]
            ):
                continue
            if doc.blank_field(cs + m.end()):
                continue  # "Response to current meds: N/A"
            if R.resp_other_tx.match(ctext[m.end() :]) or R.resp_other_tx.match(ctext[m.end() - 3 :]):
                continue
            word = m.group()
            if (
                word.startswith(("response to", "responding", "responded"))
                and not _TREATMENT_AFTER.search(doc.low, cs + m.end(), cs + m.end() + 25)
                and not doc.any_drug_in(cs + m.end(), cs + m.end() + 25)
            ):
                continue  # "a calm response to negotiation"
            needs_link = bool(re.search(r"help|work|effective|edge|difference|doing|tell", word))
            if needs_link and not anaph:
                continue
            out.append((cs + m.start(), cs + m.end(), doc.text[cs + m.start() : cs + m.end()]))
        since = _SINCE_START.search(ctext)
        if (
            since
            and not (R.se_symptoms.search(ctext) or R.se_vocab.search(ctext) or _ADH_TALK.search(ctext))
            and not ctext.startswith(":", since.end())
        ):
            out.append(
                (cs + since.start(), cs + since.end(), doc.text[cs + since.start() : cs + since.end()])
            )
        for m in R.resp_eval.finditer(ctext):
            if R.resp_not.search(ctext[max(0, m.start() - 12) : m.end()]):
                continue
            out.append((cs + m.start(), cs + m.end(), doc.text[cs + m.start() : cs + m.end()]))
        if not link:
            continue
        for m in R.resp_weak.finditer(ctext):
            if R.resp_not.search(ctext[max(0, m.start() - 12) : m.end()]):
                continue
            if re.match(r"\s+(?:\w+\s+)?(?:tolera|side|se\b|ses\b|safety)", ctext[m.end() :]):
                continue  # "better GI tolerability" is about side effects
            if m.group() == "unchanged" and (
                R.verb_present.search(ctext[: m.start()]) or re.match(r"\s*(?:at|@|dose)\b", ctext[m.end() :])
            ):
                continue  # "continue clozapine 300 mg unchanged" is the decision
            if m.group() == "back to" and re.search(
                r"\b(?:go|going|went|switch\w*|change\w*)\s+$", ctext[: m.start()]
            ):
                continue  # "go back to <drug>" is a decision
            out.append((cs + m.start(), cs + m.end(), doc.text[cs + m.start() : cs + m.end()]))
    return out


# ---------------------------------------------------------------- side effects
def side_effects(doc: ParsedNote) -> list[Span]:
    R = _rx()
    med_ctx = doc.has_current or bool(R.med_generic.search(doc.low))
    if not med_ctx:
        return []
    out: list[Span] = []
    for cs, _ce, ctext, _seg in doc.screened(R.screen, "side_effects"):
        orig = doc.text[cs : cs + len(ctext)]
        if _TEACHING_FIELD.match(ctext):
            continue  # "Educated: possible nausea, drowsiness ..."
        teaching = bool(R.se_teaching.search(ctext))
        reported = bool(R.se_report.search(ctext))
        hits = [(m.start(), m.end()) for m in R.se_vocab.finditer(ctext)]
        hits += [(m.start(), m.end()) for m in R.se_case.finditer(orig)]
        for s, e in hits:
            if (teaching and not reported) or _NOT_ASSESSED.match(ctext[e:]) or doc.blank_field(cs + e):
                continue
            if _CONDITIONAL.search(ctext[max(0, s - 40) : s]):
                continue
            out.append((cs + s, cs + e, doc.text[cs + s : cs + e]))
        if not doc.has_current:
            continue
        for m in R.se_symptoms.finditer(ctext):
            if teaching and not _reported_near(R, ctext, m.start()):
                continue
            if R.se_not_symptom.search(ctext[max(0, m.start() - 12) : m.end() + 14]):
                continue
            if re.search(r"\bif\b[^,;]*$", ctext[: m.start()]) or _CONDITIONAL.search(
                ctext[max(0, m.start() - 40) : m.start()]
            ):
                continue  # "call if", "chosen to target insomnia and nausea"
            out.append((cs + m.start(), cs + m.end(), doc.text[cs + m.start() : cs + m.end()]))
    return out


def _reported_near(R: _Rx, text: str, pos: int) -> bool:
    sub = text[_sep_start(text, pos) : pos]
    return bool(R.se_report.search(sub)) and not R.se_teaching.search(sub)


# ---------------------------------------------------------------- adherence
def adherence(doc: ParsedNote) -> list[Span]:
    R = _rx()
    if not (doc.has_current or R.med_generic.search(doc.low)):
        return []
    out: list[Span] = []
    for cs, _ce, ctext, _seg in doc.screened(R.screen, "adherence"):
        for m in R.adh.finditer(ctext):
            if R.adh_not.match(ctext[m.end() :]) or doc.blank_field(cs + m.end()):
                continue
            if (
                _NOT_DOSES.match(ctext, m.end())
                and not _DOSE_WORD.search(ctext)
                and not doc.any_drug_in(cs, cs + len(ctext))
            ):
                continue  # "missed 6 days (of school)"
            out.append((cs + m.start(), cs + m.end(), doc.text[cs + m.start() : cs + m.end()]))
        for m in R.adh_take.finditer(ctext):
            inner = m.group(1)
            if R.dose.search(inner) or not _plain_object(doc, inner, cs + m.start(1)):
                continue
            out.append((cs + m.start(), cs + m.end(), doc.text[cs + m.start() : cs + m.end()]))
        for m in R.adh_skip.finditer(ctext):
            window_end = min(len(ctext), m.end() + 30)
            tail = ctext[m.end() : window_end]
            if re.match(
                r"\W*(?:\S+\s+){0,3}?(?:it|them|doses?|meds?|medications?|pills?|"
                r"the (?:morning|evening|night|weekend|am|pm) dose)\b",
                tail,
            ) or doc.any_drug_in(cs + m.end(), cs + window_end):
                out.append((cs + m.start(), cs + m.end(), doc.text[cs + m.start() : cs + m.end()]))
    return out


_OBJ_WORDS = frozenset(
    "it them this these his her their the a an all both of dose doses meds med medication "
    "medications pill pills capsule capsules tablet tablets film patch injection shot morning "
    "evening night in at with consistently regularly faithfully reliably has been had have "
    "kept keep as only on w/ breakfast lunch dinner supper food meals bedtime".split()
)


def _plain_object(doc: ParsedNote, inner: str, start: int) -> bool:
    """The words between a take-verb and a regularity word are only pronouns/drug names."""
    toks = re.finditer(r"[a-z0-9'/-]+", inner)
    for t in toks:
        if t.group() in _OBJ_WORDS:
            continue
        if doc.any_drug_in(start + t.start(), start + t.end() + 1, False):
            continue
        if any(m.start <= start + t.start() < m.end for m in doc.mentions):
            continue
        return False
    return True


# ---------------------------------------------------------------- rationale
def rationale(doc: ParsedNote, action_spans: list[Span]) -> list[Span]:
    R = _rx()
    out: list[Span] = []
    med_ctx = doc.has_current or bool(action_spans)
    if not med_ctx:
        return out
    decision_segs: set[int] = set()
    chose = may_occur(_CHOSE, doc.low)
    for i, seg in enumerate(doc.segs):
        if any(seg.start <= s < seg.end for s, _e, _t in action_spans):
            decision_segs.add(i)
        elif chose and _CHOSE.search(seg.text) and doc.any_drug_in(seg.start, seg.end):
            decision_segs.add(i)
    stated = tuple(pat for pat in (R.rat_explicit, R.rat_rb) if may_occur(pat, doc.low))
    for i, seg in enumerate(doc.segs):
        if not _usable(seg):
            continue
        t = seg.text

        def add(m: re.Match[str], seg: Segment = seg) -> None:
            out.append(
                (
                    seg.start + m.start(),
                    seg.start + m.end(),
                    doc.text[seg.start + m.start() : seg.start + m.end()],
                )
            )

        for pat in stated:
            for m in pat.finditer(t):
                if pat is R.rat_explicit and _VISIT_REASON.match(t, m.end()):
                    continue
                if _NEG_AFTER.match(t, m.end()) or doc.blank_field(seg.start + m.end()):
                    continue  # "risks/benefits not discussed", "Risks/benefits discussed: ***"
                add(m)
        for cs, _ce, ctext in seg.clauses():
            vm = R.rat_teach_verb.search(ctext)
            if vm and _NEG_BEFORE.search(ctext, 0, vm.start()):
                vm = None  # "side effects: not discussed"
            if vm and not (_FIELD.match(ctext, vm.end()) or _ASSESSED.search(ctext)):
                om = R.rat_teach_obj.search(ctext)
                if om:
                    out.append((cs + vm.start(), cs + vm.end(), doc.text[cs + vm.start() : cs + vm.end()]))
                    out.append((cs + om.start(), cs + om.end(), doc.text[cs + om.start() : cs + om.end()]))
        in_decision = i in decision_segs
        follows = (i - 1) in decision_segs and seg.line - doc.segs[i - 1].line <= 1
        if in_decision:
            for m in R.rat_causal.finditer(t):
                if m.group() == "given" and _ADMIN.match(t, m.start()):
                    continue  # "156 mg IM given L deltoid": administered, not "given that"
                add(m)
            for m in _FOR_SYMPTOM.finditer(t):
                sm = R.se_symptoms.match(t, m.end())
                if sm and doc.any_drug_in(seg.start, seg.start + m.start()):
                    add(sm)  # "add glycopyrrolate for sialorrhea": treating a side effect
            for m in re.finditer(r"\(([^)]{3,80})\)|\s-\s+([^;]{3,80})", t):
                inner = m.group(1) or m.group(2) or ""
                if R.rat_findings.search(inner) and not R.dose.fullmatch(inner.strip()):
                    add(m)
        elif follows and R.rat_causal_start.match(t):
            cm = R.rat_causal.search(t)
            if cm:
                add(cm)
    return out
