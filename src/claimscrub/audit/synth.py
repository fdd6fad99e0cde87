"""Synthetic claim history for audits and demos: ``claimscrub demo-history --months 6 --out DIR``.

Writes ``DIR/claims-YYYY-MM.csv`` per month (spec §1 columns, the clinical note in the
``note`` column of each claim's first line), the payers' answers as ``DIR/remit-YYYY-MM-<payer>.835``
(``synth_835``: denials with CARC/RARC numbers) and ``DIR/providers.csv`` (the roster with each
provider's ``role``, so a reader knows which ones were built as outliers).  Everything is
invented: names, NPIs (valid check digits, not real providers), patients and notes.  The same
``seed`` gives the same files.

Providers (``PROVIDERS``):

* psychiatrists and psychiatric NPs (MD/DO/NP): E/M (99213-99215) + 90833/90836/90838, with a
  separate psychotherapy time statement; some medication checks with E/M alone;
* two MD/NP prescribers who bill 90834 + 90863 on about one session in eight (against CPT,
  PV003 warnings) and E/M + add-on otherwise;
* prescribing psychologists in NM and LA (90834/90837 + 90863 for their prescribing patients)
  and psychologists without prescriptive authority in IL (psychotherapy only);
* therapists (LCSW, LPC, LMFT): 90832/90834/90837, 90837 on 30-50% of sessions;

and three outliers:

* ``outlier-90863``: an NP who bills 90834 + 90863 on nearly every session;
* ``outlier-90837``: an LCSW who bills 90837 on nearly every session;
* ``outlier-volume``: an LPC billing over 30 psychotherapy services on nearly every working
  day (the OIG psychotherapy audit pattern) with thin, cloned notes that give no time.

Normal providers carry a little noise (a minute count that fits another code, a category-only
diagnosis, a dropped note element) so their finding rates are not zero.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from claimscrub.audit.synth_835 import remittance_835
from claimscrub.model import INPUT_COLUMNS

COLUMNS = tuple(c for c in INPUT_COLUMNS if c != "provider_taxonomy")
CHARGES = {
    "99213": "120.00",
    "99214": "170.00",
    "99215": "230.00",
    "90832": "80.00",
    "90833": "90.00",
    "90834": "120.00",
    "90836": "120.00",
    "90837": "160.00",
    "90838": "160.00",
    "90863": "45.00",
}
DIAGNOSES = ["F33.1", "F41.1", "F32.1", "F43.10", "F31.81", "F90.0", "F41.0", "F33.0"]
MEDS = [
    ("sertraline", "100 mg"),
    ("escitalopram", "10 mg"),
    ("bupropion XL", "300 mg"),
    ("lamotrigine", "150 mg"),
    ("aripiprazole", "5 mg"),
    ("venlafaxine XR", "150 mg"),
    ("quetiapine", "100 mg"),
    ("fluoxetine", "40 mg"),
]
# time bands: code -> (low, high) minutes used when generating
BANDS = {
    "90832": (20, 35),
    "90833": (20, 35),
    "90834": (40, 50),
    "90836": (40, 50),
    "90837": (53, 60),
    "90838": (53, 60),
}


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    credential: str
    state: str
    rx: str  # "yes" | "no" | ""
    kind: str  # em | prescriber_90863 | rxp_psychologist | psychologist | therapist
    role: str  # "normal" or the outlier it was built as
    days: int  # days billed per month
    per_day: float  # encounters (patients seen) per day billed
    p_90863: float = 0.0
    p_90837: float = 0.3
    thin_notes: bool = False


PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec("A. Okafor, MD", "MD", "NY", "yes", "em", "normal", 16, 12),
    ProviderSpec("B. Lindqvist, MD", "MD", "CA", "yes", "em", "normal", 15, 11),
    ProviderSpec("C. Haddad, DO", "DO", "TX", "yes", "em", "normal", 14, 12),
    ProviderSpec("D. Moreau, NP", "NP", "OR", "yes", "em", "normal", 16, 10),
    ProviderSpec("E. Tanaka, NP", "NP", "WA", "yes", "em", "normal", 15, 11),
    ProviderSpec("F. Adeyemi, MD", "MD", "FL", "yes", "prescriber_90863", "normal", 15, 10, p_90863=0.12),
    ProviderSpec("G. Novak, NP", "NP", "OH", "yes", "prescriber_90863", "normal", 14, 9, p_90863=0.1),
    ProviderSpec(
        "H. Castillo, PhD", "PSYCHOLOGIST", "NM", "yes", "rxp_psychologist", "normal", 15, 7, p_90863=0.4
    ),
    ProviderSpec(
        "I. Begay, PsyD", "PSYCHOLOGIST", "NM", "yes", "rxp_psychologist", "normal", 14, 7, p_90863=0.35
    ),
    ProviderSpec(
        "J. Thibodeaux, PhD", "PSYCHOLOGIST", "LA", "yes", "rxp_psychologist", "normal", 16, 7, p_90863=0.3
    ),
    ProviderSpec("K. Reyes, PhD", "PSYCHOLOGIST", "IL", "no", "psychologist", "normal", 15, 7),
    ProviderSpec("L. Kowalski, PsyD", "PSYCHOLOGIST", "IL", "no", "psychologist", "normal", 14, 6),
    ProviderSpec("M. Brooks, LCSW", "LCSW", "NY", "", "therapist", "normal", 17, 7, p_90837=0.35),
    ProviderSpec("N. Ahmed, LCSW", "LCSW", "NJ", "", "therapist", "normal", 16, 7, p_90837=0.45),
    ProviderSpec("O. Fischer, LPC", "LPC", "TX", "", "therapist", "normal", 18, 6, p_90837=0.3),
    ProviderSpec("P. Silva, LPC", "LPC", "AZ", "", "therapist", "normal", 16, 7, p_90837=0.4),
    ProviderSpec("Q. Murphy, LMFT", "LMFT", "CA", "", "therapist", "normal", 15, 6, p_90837=0.5),
    ProviderSpec("R. Nguyen, LMFT", "LMFT", "CO", "", "therapist", "normal", 16, 6, p_90837=0.35),
    ProviderSpec(
        "S. Vance, NP", "NP", "GA", "yes", "prescriber_90863", "outlier-90863", 16, 10, p_90863=0.96
    ),
    ProviderSpec("T. Whitfield, LCSW", "LCSW", "PA", "", "therapist", "outlier-90837", 17, 7, p_90837=0.99),
    ProviderSpec(
        "U. Barlow, LPC", "LPC", "MI", "", "therapist", "outlier-volume", 22, 34, p_90837=0.1, thin_notes=True
    ),
)


def npi_for(index: int) -> str:
    """A valid (check digit) NPI for the index-th synthetic provider."""
    base = f"1{(734000 + index * 7919) % 100000000:08d}"
    digits = [int(c) for c in base]
    total = 24
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return base + str((10 - total % 10) % 10)


def _months(end: str, n: int) -> list[tuple[int, int]]:
    y, m = (int(x) for x in end.split("-"))
    out = []
    for _ in range(n):
        out.append((y, m))
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return out[::-1]


def default_end(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def minutes(self, code: str) -> int:
        lo, hi = BANDS[code]
        m = self.rng.randint(lo, hi)
        if self.rng.random() < 0.02:  # the usual slip: minutes that fit a neighbouring code
            m = {"90834": 55, "90836": 55, "90832": 40, "90833": 40}.get(code, m)
        return m

    def clock(self, minutes: int) -> str:
        h = self.rng.randint(8, 16)
        s = self.rng.choice([0, 5, 10, 15, 30, 35])
        e = s + minutes
        return f"{h}:{s:02d}-{h + e // 60}:{e % 60:02d}"

    def med_text(self, complete: float = 0.85) -> str:
        drug, dose = self.rng.choice(MEDS)
        parts = [f"Medication management: {drug} {dose} daily."]
        drop = (
            self.rng.choice(["response", "side", "adherence", "rationale"])
            if self.rng.random() > complete
            else ""
        )
        if drop != "response":
            parts.append(self.rng.choice([f"Mood improved on {drug}.", f"Partial response to {drug}."]))
        if drop != "side":
            parts.append(self.rng.choice(["Denies side effects.", "Mild nausea the first week, resolved."]))
        if drop != "adherence":
            parts.append(self.rng.choice(["Taking as prescribed.", "Missed 2 doses this month."]))
        plan = self.rng.choice([f"continue {drug} {dose}", f"increase {drug}"])
        if drop != "rationale":
            parts.append(f"Plan: {plan} because of residual symptoms; discussed risks and benefits.")
        else:
            parts.append(f"Plan: {plan}.")
        return " ".join(parts)

    def therapy_text(self, minutes: int) -> str:
        kind = self.rng.choice(
            ["CBT for depressive symptoms", "exposure work for panic", "DBT skills", "trauma processing"]
        )
        return f"Psychotherapy {self.clock(minutes)} ({minutes} minutes), {kind}."


def _encounter(g: _Gen, p: ProviderSpec) -> tuple[list[tuple[str, int | None]], str]:
    """Codes (with psychotherapy minutes) and the note of one visit."""
    r = g.rng
    kind = p.kind
    if kind == "prescriber_90863" and r.random() < p.p_90863:
        m = g.minutes("90834")
        return [("90834", m), ("90863", None)], f"Follow-up. {g.therapy_text(m)} {g.med_text()}"
    if kind in ("em", "prescriber_90863"):
        em = r.choices(["99213", "99214", "99215"], [0.35, 0.55, 0.1])[0]
        if r.random() < 0.15:
            return [(em, None)], f"Medication check. {g.med_text()} MSE unremarkable."
        add = r.choices(["90833", "90836", "90838"], [0.3, 0.6, 0.1])[0]
        m = g.minutes(add)
        note = (
            f"E/M visit, MDM moderate. {g.med_text()} "
            f"Psychotherapy time {m} minutes, separate from E/M; supportive therapy."
        )
        return [(em, None), (add, m)], note
    if kind in ("rxp_psychologist", "psychologist", "therapist"):
        code = "90837" if r.random() < p.p_90837 else r.choices(["90834", "90832"], [0.85, 0.15])[0]
        m = g.minutes(code)
        if p.thin_notes:
            return [(code, m)], r.choice(
                [
                    "Therapy session. Pt doing ok. Continue plan.",
                    "Session held. Discussed stressors. Continue plan.",
                ]
            )
        note = f"Individual psychotherapy. {g.therapy_text(m)} Goals reviewed per treatment plan."
        if kind == "rxp_psychologist" and r.random() < p.p_90863:
            return [(code, m), ("90863", None)], f"{note} {g.med_text()}"
        return [(code, m)], note
    raise ValueError(kind)


def generate(out: Path, months: int = 6, *, end: str | None = None, seed: int = 7) -> list[Path]:
    """Write the history; returns the files written (month CSVs, the 835s, then the roster)."""
    from claimscrub.writers.atomic import write_atomic

    if months < 1:
        raise ValueError("months must be at least 1")
    out.mkdir(parents=True, exist_ok=True)
    g = _Gen(seed)
    r = g.rng
    payer_rng = random.Random(f"{seed}-835")  # its own stream: the claims stay as they were
    written: list[Path] = []
    remits: list[tuple[str, list[dict[str, object]]]] = []
    panels = {}
    for i, p in enumerate(PROVIDERS):
        n_pat = max(20, int(p.per_day * p.days / 2.5))
        panels[i] = [
            (
                f"P{i:02d}{k:04d}",
                r.choices(["commercial", "medicaid", "medicare"], [0.6, 0.25, 0.15])[0],
                r.choice(DIAGNOSES),
            )
            for k in range(n_pat)
        ]
    for y, m in _months(end or default_end(), months):
        ndays = calendar.monthrange(y, m)[1]
        workdays = [dt.date(y, m, d) for d in range(1, ndays + 1) if dt.date(y, m, d).weekday() < 5]
        rows: list[dict[str, object]] = []
        for i, p in enumerate(PROVIDERS):
            npi = npi_for(i)
            days = sorted(r.sample(workdays, min(len(workdays), p.days)))
            seq = 0
            for day in days:
                n = max(1, round(r.gauss(p.per_day, max(1.0, p.per_day * 0.12))))
                for patient, payer, dx in r.sample(panels[i], min(n, len(panels[i]))):
                    seq += 1
                    codes, note = _encounter(g, p)
                    claim = f"{y:04d}{m:02d}-{i:02d}-{seq:04d}"
                    icd = dx if r.random() > 0.01 else dx.split(".")[0]  # rare category-only code
                    for ln, (code, minutes) in enumerate(codes, start=1):
                        rows.append(
                            {
                                "claim_id": claim,
                                "line_no": ln,
                                "patient_id": patient,
                                "service_date": day.isoformat(),
                                "payer": payer,
                                "provider_npi": npi,
                                "provider_credential": p.credential,
                                "provider_state": p.state,
                                "provider_rx_authority": p.rx,
                                "cpt": code,
                                "modifiers": "",
                                "units": 1,
                                "minutes": "" if minutes is None else minutes,
                                "pos": "11",
                                "icd10": icd,
                                "charge": CHARGES[code],
                                "note": note if ln == 1 else "",
                            }
                        )
        path = out / f"claims-{y:04d}-{m:02d}.csv"
        write_atomic(path, _csv(rows, COLUMNS))
        written.append(path)
        remits.append((f"{y:04d}-{m:02d}", rows))
    control = 0
    for month, rows in remits:
        for payer in ("commercial", "medicaid", "medicare"):
            control += 1
            path = out / f"remit-{month}-{payer}.835"
            write_atomic(
                path, remittance_835(_claims_of(rows, payer), payer, month, payer_rng, BANDS, control)
            )
            written.append(path)
    roster = [
        {
            "provider_npi": npi_for(i),
            "provider_name": p.name,
            "provider_credential": p.credential,
            "provider_state": p.state,
            "provider_rx_authority": p.rx,
            "role": p.role,
        }
        for i, p in enumerate(PROVIDERS)
    ]
    path = out / "providers.csv"
    write_atomic(path, _csv(roster, tuple(roster[0])))
    written.append(path)
    return written


def _claims_of(rows: list[dict[str, object]], payer: str) -> list[list[dict[str, object]]]:
    claims: dict[object, list[dict[str, object]]] = {}
    for r in rows:
        if r["payer"] == payer:
            claims.setdefault(r["claim_id"], []).append(r)
    return list(claims.values())


def _csv(rows: list[dict[str, object]], columns: tuple[str, ...]) -> str:
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()
