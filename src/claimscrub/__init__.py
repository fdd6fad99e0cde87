"""claimscrub: checks behavioral-health claims before they go to a payer.

In-process use (the same engine and findings as ``claimscrub check``)::

    import claimscrub

    result = claimscrub.check_records([{"claim_id": "C1", ...}, ...])
    result = claimscrub.check_paths(["week.csv"], notes_dir="notes/", price=False)
    result.findings        # Polars frame, one row per finding (docs/architecture.md)
    result.document()      # the same JSON document as ``check --format json``
    result.exit_code       # 0 no error finding, 1 at least one

Options (keywords): ``notes_dir``, ``providers``, ``policy_dir``, ``input_format``,
``read_notes``, ``price``. The engine is imported on first use, so ``import claimscrub``
stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["check_paths", "check_records"]

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from os import PathLike

    from claimscrub.service import CheckResult


def check_records(lines: Sequence[Mapping[str, object]], **options: Any) -> CheckResult:
    """Check claim lines given as dicts (input columns, docs/input.md; values may be
    strings or numbers). Raises :class:`claimscrub.errors.InputError` for unreadable input."""
    from claimscrub.service import check_records as check
    from claimscrub.service import options_from

    return check(lines, options_from(options))


def check_paths(paths: Sequence[str | PathLike[str]], **options: Any) -> CheckResult:
    """Check claim files (CSV, X12 837P, FHIR JSON; several files are one batch)."""
    from pathlib import Path

    from claimscrub.service import check_paths as check
    from claimscrub.service import options_from

    if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__"):
        paths = [paths]  # type: ignore[list-item]
    return check([Path(p) for p in paths], options_from(options))
