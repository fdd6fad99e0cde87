"""Terminal report: findings grouped by claim, then a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from claimscrub.writers.money import money_lines, usd, whatif_rows

if TYPE_CHECKING:
    from claimscrub.service import CheckResult

COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
RESET = "\x1b[0m"


def render_text(result: CheckResult, *, color: bool = False) -> str:
    out: list[str] = []
    f = result.findings
    if f.height:
        for (claim_id,), group in f.group_by("claim_id", maintain_order=True):
            out.append(f"claim {claim_id}")
            for row in group.iter_rows(named=True):
                sev = row["severity"]
                tag = f"{COLORS[sev]}{sev:<7}{RESET}" if color else f"{sev:<7}"
                code = row["code"] or ""  # IN001 does not repeat a code it could not read
                out.append(f"  line {row['line_no']!s:<3} {code:<6} {tag} {row['rule']}  {row['message']}")
                out.append(f"{'':17}fix: {row['fix']}")
            out.append("")
    s = result.summary
    out.append(
        f"{s['claims']} claims, {s['lines']} lines: {s['errors']} errors, "
        f"{s['warnings']} warnings, {s['infos']} infos"
    )
    if ignored := getattr(result, "ignored_columns", None):
        out.append("ignored column(s) not in the input spec: " + ", ".join(ignored))
    if f.height:
        counts = f.group_by("rule").len().sort(["len", "rule"], descending=[True, False])
        out.append("by rule: " + ", ".join(f"{r} {n}" for r, n in counts.iter_rows()))
    out += money_lines(result)
    for w in whatif_rows(result):
        out.append(
            f"what-if claim {w['claim_id']}: billed {w['billed_codes']} {usd(w['billed_payment'])} "
            f"vs {w['crosswalk_codes']} {usd(w['crosswalk_payment'])} under {w['policy']}"
        )
    return "\n".join(out) + "\n"
