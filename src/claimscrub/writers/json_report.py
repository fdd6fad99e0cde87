from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claimscrub.service import CheckResult


def render_json(result: CheckResult) -> str:
    from claimscrub.service import findings_json

    return json.dumps(findings_json(result), indent=1, default=str) + "\n"
