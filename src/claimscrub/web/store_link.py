"""Integration point with the claim history store (``claimscrub.store``): an uploaded batch is
also imported there (lines with note elements, never note text; findings; prices), which feeds
the audit profiles. Kept small on purpose; the web tables only keep the link."""

from __future__ import annotations

import logging
from pathlib import Path

from claimscrub.service import CheckOptions, CheckResult

log = logging.getLogger("claimscrub.web")


def store_result(url: str, batch: object, result: CheckResult) -> str | None:
    try:
        from claimscrub.store import StoreError, open_store
        from claimscrub.store.importer import import_paths
    except ImportError:
        return None
    try:
        engine = open_store(url)
        try:
            report = import_paths(
                engine,
                [Path(batch.path)],
                CheckOptions(input_format=batch.input_format),  # type: ignore[attr-defined]
                result=result,  # already checked: store it, do not check again
            )
        finally:
            engine.dispose()
    except StoreError as exc:
        log.warning("batch %s not stored: %s", batch.id, type(exc).__name__)  # type: ignore[attr-defined]
        return None
    return None if report.batch_id is None else str(report.batch_id)
