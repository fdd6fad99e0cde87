from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "examples" / "notes"
HELDOUT = Path(__file__).resolve().parent / "heldout"
BLIND = Path(__file__).resolve().parent / "blind"


def load_labeled(folder: Path) -> list[tuple[str, str, dict]]:
    rows = []
    for line in (folder / "labels.jsonl").read_text().splitlines():
        if line.strip():
            d = json.loads(line)
            rows.append((d["id"], (folder / f"{d['id']}.txt").read_text(encoding="utf-8"), d))
    return rows


@pytest.fixture(scope="session")
def dev_rows() -> list[tuple[str, str, dict]]:
    if not (DEV / "labels.jsonl").exists():
        pytest.skip("development notes (shared/examples/notes) not present")
    return load_labeled(DEV)


@pytest.fixture(scope="session")
def heldout_rows() -> list[tuple[str, str, dict]]:
    return load_labeled(HELDOUT)


@pytest.fixture(scope="session")
def blind_rows() -> list[tuple[str, str, dict]]:
    return load_labeled(BLIND)
