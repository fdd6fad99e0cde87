"""ICD-10-CM billable codes from the maintained ``simple-icd-10-cm`` package (the CDC code set).

Parsing that package's XML takes over a second, so the set of billable codes (dots removed)
is cached on first use in ``$XDG_CACHE_HOME/claimscrub`` keyed by the package version; the
package stays the only source. Codes are compared without dots, upper case.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from importlib.metadata import version
from pathlib import Path

PACKAGE = "simple-icd-10-cm"


def _cache_file() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "claimscrub"
    return base / f"icd10cm-billable-{version(PACKAGE)}.txt"


def _from_package() -> frozenset[str]:
    import simple_icd_10_cm as icd

    return frozenset(c.replace(".", "").upper() for c in icd.get_all_codes(with_dots=False) if icd.is_leaf(c))


@cache
def billable_codes() -> frozenset[str]:
    path = _cache_file()
    try:
        return frozenset(path.read_text(encoding="ascii").split())
    except OSError:
        pass
    codes = _from_package()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write("\n".join(sorted(codes)))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs speed
    return codes
