"""Regenerate docs/rules/ from the rules' docstrings:  python scripts/gen_docs.py"""

from pathlib import Path

from claimscrub.rule_docs import write_docs

if __name__ == "__main__":
    out = write_docs(Path(__file__).resolve().parents[1] / "docs" / "rules")
    print(f"wrote {len(out)} pages")
