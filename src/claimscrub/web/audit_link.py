"""Integration point with the audit module (``claimscrub.audit``): provider profiles and the peer
comparison over the claim history store, when both are installed."""

from __future__ import annotations

import math
from typing import Any

PROFILE_FIELDS = (
    "provider_npi",
    "provider_credential",
    "provider_class",
    "provider_state",
    "lines",
    "sessions",
    "rate_90863",
    "orphan_90863",
    "share_90837",
    "error_rate",
    "doc_completeness",
)


def _clean(v: Any) -> Any:
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def profiles(url: str | None = None) -> list[dict[str, Any]] | None:
    """One dict per rendering provider (profile metrics, ``risk_score``, ``reasons``), sorted by
    risk; ``None`` when the audit module or the store is not installed; ``[]`` when no batch is
    stored yet."""
    try:
        from claimscrub.audit import peers
        from claimscrub.audit import profiles as prof
        from claimscrub.store import StoreError, open_store
    except ImportError:
        return None
    if url is None:
        return None
    try:
        engine = open_store(url, create=False)
    except StoreError:
        return []
    try:
        p = prof.load(engine)
        if p.overall.height == 0:
            return []
        compared = peers.compare(p.overall)
    except Exception:  # noqa: BLE001 - an empty or partial history must not break the page
        return []
    finally:
        engine.dispose()
    overall = {r["provider_npi"]: r for r in p.overall.to_dicts()}
    out = []
    for c in compared.to_dicts():
        base = overall.get(c["provider_npi"], {})
        row = {k: _clean(base.get(k)) for k in PROFILE_FIELDS if k in base}
        row["peer_group"] = c.get("peer_group")
        row["risk_score"] = _clean(c.get("risk_score"))
        row["reasons"] = list(c.get("reasons") or [])
        out.append(row)
    out.sort(key=lambda r: (-(r.get("risk_score") or 0), str(r.get("provider_npi"))))
    return out
