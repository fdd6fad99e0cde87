"""SARIF 2.1.0, so code-scanning dashboards can show claim findings."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from claimscrub import __version__
from claimscrub.engine.rule import all_rules

if TYPE_CHECKING:
    from claimscrub.service import CheckResult

LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render_sarif(result: CheckResult) -> str:
    rules = [
        {
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc()},
        }
        for r in all_rules()
    ]
    src = result.lines.select("_row", "_source", "_line")
    rows = result.findings.join(src, on="_row", how="left")
    results = [
        {
            "ruleId": f["rule"],
            "level": LEVEL[f["severity"]],
            "message": {"text": f"{f['message']}. Fix: {f['fix']}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f["_source"]},
                        "region": {"startLine": int(f["_line"] or 1)},
                    },
                    "logicalLocations": [
                        {"name": f"claim {f['claim_id']} line {f['line_no']}", "kind": "element"}
                    ],
                }
            ],
        }
        for f in rows.iter_rows(named=True)
    ]
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "claimscrub", "version": __version__, "rules": rules}},
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=1) + "\n"
