"""Each rule's page in docs/rules/ is its docstring, kept current, with the five sections."""

from __future__ import annotations

from pathlib import Path

from claimscrub.engine.rule import all_rules
from claimscrub.rule_docs import generated_docs

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"


def test_docs_are_current() -> None:
    for name, text in generated_docs().items():
        path = DOCS / name
        assert path.exists() and path.read_text(encoding="utf-8") == text, (
            f"docs/rules/{name} is stale: run python scripts/gen_docs.py"
        )


def test_every_rule_page_has_the_sections() -> None:
    for rule in all_rules():
        doc = rule.doc()
        for section in ("What it does", "Why it matters", "Example", "Fix", "Source"):
            assert f"**{section}" in doc, f"{rule.id} lacks {section}"
