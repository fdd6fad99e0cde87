"""Synthetic 835 remittances for the ``demo-history`` claims: what the payers answered.

One X12 835 (005010X221) file per month and payer (``remit-YYYY-MM-<payer>.835``).  The payer
sees the claim, not our findings: it denies a line for the defect the generator built into it,
at the rates of ``DEFECT_OUTCOMES`` (so some lines with an error finding are paid anyway), and
denies a few clean claims for reasons no pre-submission check can see (``UNPREDICTABLE``:
coverage ended, filing limit, missing authorization).  Paid lines carry the routine contractual
reduction (CO-45) and, for Medicare, 20% coinsurance (PR-2).  CARC/RARC numbers and their
meanings: ``data/remit_codes.csv``.  The rates are invented for the demo; industry reports put
initial denials at roughly one claim in ten.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
#: share of the charge each payer allows on a paid line
ALLOWED_SHARE = {"commercial": Decimal("0.72"), "medicaid": Decimal("0.48"), "medicare": Decimal("0.55")}
FILING_INDICATOR = {"commercial": "CI", "medicaid": "MC", "medicare": "MB"}
PAYER_NAME = {"commercial": "DEMO COMMERCIAL PLAN", "medicaid": "DEMO MEDICAID", "medicare": "DEMO MEDICARE"}
PAYMENT_DELAY_DAYS = 24


@dataclass(frozen=True)
class Outcome:
    deny_rate: float
    group: str
    carc: str
    rarc: str


#: defect built into a line (see ``line_defect``) -> how often and how the payer denies it
DEFECT_OUTCOMES = {
    "medicare_90863": Outcome(0.95, "CO", "181", "N56"),  # status I code (facts.md §2.12)
    "category_dx": Outcome(0.8, "CO", "16", "M76"),  # diagnosis not billable
    "minutes_off_band": Outcome(0.25, "CO", "150", "N657"),  # only when the payer asks for records
}
#: reasons a payer denies a clean claim that no check of the claim file can see
UNPREDICTABLE = (
    (0.012, Outcome(1.0, "CO", "27", "N30")),  # coverage ended
    (0.006, Outcome(1.0, "CO", "29", "")),  # filing limit
    (0.008, Outcome(1.0, "CO", "197", "")),  # authorization absent
)


def line_defect(row: dict[str, object], bands: dict[str, tuple[int, int]]) -> str | None:
    """The defect the generator put into ``row`` (the same ones the rules flag as errors)."""
    if row["payer"] == "medicare" and row["cpt"] == "90863":
        return "medicare_90863"
    if "." not in str(row["icd10"]) and row["line_no"] == 1:
        return "category_dx"  # the demo payer denies a bad diagnosis once per claim, on its first line
    band = bands.get(str(row["cpt"]))
    minutes = row["minutes"]
    if band and minutes != "" and not band[0] <= int(minutes) <= band[1]:  # type: ignore[call-overload]
        return "minutes_off_band"
    return None


def _money(v: Decimal) -> str:
    return f"{v.quantize(CENT, ROUND_HALF_UP)}"


class _Writer:
    def __init__(self, payer: str, month: str, control: int) -> None:
        self.segs: list[str] = []
        self.payer = payer
        self.month = month
        self.control = control

    def seg(self, *els: object) -> None:
        self.segs.append("*".join(str(e) for e in els))

    def text(self, pay_date: dt.date, total: Decimal) -> str:
        d8, d6 = pay_date.strftime("%Y%m%d"), pay_date.strftime("%y%m%d")
        ctl = f"{self.control:09d}"
        head = [
            f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{'DEMOPAYER':<15}*ZZ*{'DEMOPRACTICE':<15}*{d6}*1200*^*00501*"
            f"{ctl}*0*T*:",
            f"GS*HP*DEMOPAYER*DEMOPRACTICE*{d8}*1200*{self.control}*X*005010X221A1",
        ]
        body = [
            "ST*835*0001",
            f"BPR*I*{_money(total)}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*{d8}",
            f"TRN*1*{self.month.replace('-', '')}{self.control:04d}*1512345678",
            f"DTM*405*{d8}",
            f"N1*PR*{PAYER_NAME[self.payer]}",
            "N1*PE*DEMO BEHAVIORAL HEALTH*XX*1234567893",
            "LX*1",
            *self.segs,
        ]
        body.append(f"SE*{len(body) + 1}*0001")
        tail = [f"GE*1*{self.control}", f"IEA*1*{ctl}"]
        return "~\n".join(head + body + tail) + "~\n"


def remittance_835(
    claims: Iterable[list[dict[str, object]]],
    payer: str,
    month: str,
    rng: random.Random,
    bands: dict[str, tuple[int, int]],
    control: int,
) -> str:
    """The 835 of one payer for one month: ``claims`` = the lines of each claim, in order."""
    w = _Writer(payer, month, control)
    total = Decimal(0)
    last_day = dt.date(1900, 1, 1)
    for lines in claims:
        claim_reason = None
        draw = rng.random()
        for share, outcome in UNPREDICTABLE:
            if draw < share:
                claim_reason = outcome
                break
            draw -= share
        svc: list[str] = []
        charge_sum = paid_sum = patient_sum = Decimal(0)
        for row in lines:
            charge = Decimal(str(row["charge"]))
            defect = line_defect(row, bands)
            outcome = claim_reason
            if outcome is None and defect is not None:
                o = DEFECT_OUTCOMES[defect]
                outcome = o if rng.random() < o.deny_rate else None
            day = dt.date.fromisoformat(str(row["service_date"]))
            last_day = max(last_day, day)
            if outcome is not None:
                paid, cas = Decimal(0), [f"CAS*{outcome.group}*{outcome.carc}*{_money(charge)}"]
            else:
                allowed = (charge * ALLOWED_SHARE[payer]).quantize(CENT, ROUND_HALF_UP)
                cas = [f"CAS*CO*45*{_money(charge - allowed)}"] if charge > allowed else []
                paid = allowed
                if payer == "medicare":
                    coins = (allowed * Decimal("0.2")).quantize(CENT, ROUND_HALF_UP)
                    cas.append(f"CAS*PR*2*{_money(coins)}")
                    paid -= coins
                    patient_sum += coins
            charge_sum += charge
            paid_sum += paid
            svc += [
                f"SVC*HC:{row['cpt']}*{_money(charge)}*{_money(paid)}**{row['units']}",
                f"DTM*472*{day.strftime('%Y%m%d')}",
                *cas,
            ]
            if outcome is not None and outcome.rarc:
                svc.append(f"LQ*HE*{outcome.rarc}")
        status = "4" if paid_sum == 0 else "1"
        first = lines[0]
        w.seg(
            "CLP",
            first["claim_id"],
            status,
            _money(charge_sum),
            _money(paid_sum),
            _money(patient_sum) if patient_sum else "",
            FILING_INDICATOR[payer],
            f"PCN{control:03d}{len(w.segs):06d}",
        )
        w.seg("NM1", "QC", "1", "DEMO", "PATIENT", "", "", "", "MI", first["patient_id"])
        w.segs.extend(svc)
        total += paid_sum
    pay_date = last_day + dt.timedelta(days=PAYMENT_DELAY_DAYS)
    return w.text(pay_date, total)
