"""Documentation templates per billed code: every element the note rules look for."""

from __future__ import annotations

from functools import cache

import yaml

from .lexicon import data_text


@cache
def _templates() -> dict[str, dict[str, object]]:
    return yaml.safe_load(data_text("note_templates.yaml"))["templates"]


@cache
def _code_map() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, tpl in _templates().items():
        for code in tpl["codes"]:  # type: ignore[union-attr]
            out[str(code)] = name
    return out


SUPPORTED_CODES: tuple[str, ...] = ()


def supported_codes() -> tuple[str, ...]:
    """Codes that have a template."""
    return tuple(sorted(_code_map()))


def render_template(code: str) -> str:
    """The documentation template for a CPT code (e.g. ``"90863"``, ``"90834"``, ``"90833"``).

    Raises ``ValueError`` naming the supported codes when there is no template for ``code``.
    """
    key = str(code).strip().upper()
    name = _code_map().get(key)
    if name is None:
        raise ValueError(
            f"no documentation template for code {key!r}; supported codes: " + ", ".join(supported_codes())
        )
    tpl = _templates()[name]
    body = str(tpl["body"]).rstrip() + "\n"
    return body.replace("{code}", key)


SUPPORTED_CODES = supported_codes()
