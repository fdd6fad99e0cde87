"""Rule documentation pages, generated from each rule's docstring (``docs/rules/<ID>.md``)."""

from __future__ import annotations

from pathlib import Path

from claimscrub.engine.rule import Rule, all_rules


def rule_page(rule: Rule) -> str:
    codes = ", ".join(rule.codes) if rule.codes else "any"
    return (
        f"# {rule.id}: {rule.name}\n\n"
        f"| severity | codes | code | cases |\n|---|---|---|---|\n"
        f"| {rule.severity} | {codes} | `src/claimscrub/rules/{rule.id.lower()}.py` "
        f"| `tests/rules/cases/{rule.id}.yaml` |\n\n"
        f"{rule.doc()}\n"
    )


def index_page(rules: list[Rule]) -> str:
    rows = "\n".join(f"| [{r.id}]({r.id}.md) | {r.severity} | {r.summary} |" for r in rules)
    return (
        "# Rule catalog\n\nGenerated from the rules' docstrings by `python scripts/gen_docs.py`; "
        "payer policies may change a severity or switch a rule off.\n\n"
        "| ID | severity | fires when |\n|---|---|---|\n" + rows + "\n"
    )


def generated_docs() -> dict[str, str]:
    rules = all_rules()
    pages = {f"{r.id}.md": rule_page(r) for r in rules}
    pages["README.md"] = index_page(rules)
    return pages


def write_docs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in generated_docs().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
