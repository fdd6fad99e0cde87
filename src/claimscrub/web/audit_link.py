"""Integration point with the audit profiles (``claimscrub.audit``), when installed."""

from __future__ import annotations

from typing import Any


def profiles() -> list[dict[str, Any]] | None:
    """Audit profiles as JSON-ready dicts, or None when the audit module is not installed."""
    try:
        import claimscrub.audit as audit
    except ImportError:
        return None
    lister = getattr(audit, "list_profiles", None) or getattr(audit, "profiles", None)
    if lister is None:
        return None
    found = lister() if callable(lister) else lister
    out = []
    for p in found:
        if isinstance(p, dict):
            out.append(p)
        elif hasattr(p, "to_dict"):
            out.append(p.to_dict())
        else:
            out.append({"name": str(getattr(p, "name", p))})
    return out
