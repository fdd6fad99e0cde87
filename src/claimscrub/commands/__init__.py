"""CLI command modules. Each module defines ``register(main: click.Group) -> None`` and is
picked up by :mod:`claimscrub.cli` automatically (add a file, no edit to cli.py needed)."""

from __future__ import annotations

import importlib
import pkgutil

import click


def register_all(main: click.Group) -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}").register(main)
