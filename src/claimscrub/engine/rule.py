"""The rule base class and registry.

A rule is one small class with a permanent ID. Its docstring is its documentation
page (What it does / Why it matters / Example / Fix / Source); ``find`` returns,
as a lazy Polars query over the whole batch, the rows it fires on with a message
and a fix. The same code runs for one claim (API) and for a million lines.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from claimscrub.model import Severity

if TYPE_CHECKING:
    from claimscrub.engine.context import Context

_REGISTRY: dict[str, type[Rule]] = {}


class Rule:
    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    #: One line: when the rule fires (the spec §2 table).
    summary: ClassVar[str]
    #: Codes the rule is about, for the catalog (informational).
    codes: ClassVar[tuple[str, ...]] = ()
    #: The rule reads the notes' elements (DC001-DC004): a batch without notes gives nothing.
    reads_notes: ClassVar[bool] = False

    def triggers(self, ctx: Context) -> frozenset[str] | None:
        """The codes a line must have for this rule to fire on it, taken from the same data
        ``find`` reads; ``None``: any line. The runner skips the rule when no line of the batch
        has one of them (tests/rules/test_parity.py checks every case both ways)."""
        return None

    def find(self, ctx: Context) -> pl.LazyFrame:
        """Rows the rule fires on: columns ``_row`` (UInt32), ``message``, ``fix`` (String)."""
        raise NotImplementedError

    def autofix(self, ctx: Context) -> pl.LazyFrame | None:
        """Safe, mechanical corrections: ``_row``, ``field`` (a §1 column, or ``_delete``
        to drop the line) and ``value``. Only rules whose fix needs no judgement have one."""
        return None

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def describe(cls) -> dict[str, str]:
        return {
            "id": cls.id,
            "name": cls.name,
            "severity": str(cls.severity),
            "summary": cls.summary,
        }


def register(cls: type[Rule]) -> type[Rule]:
    if cls.id in _REGISTRY:
        raise ValueError(f"duplicate rule ID {cls.id}")
    _REGISTRY[cls.id] = cls
    return cls


def all_rules() -> list[Rule]:
    import claimscrub.rules  # noqa: F401  (registers every rule module)

    return [_REGISTRY[k]() for k in sorted(_REGISTRY)]


def rule_ids() -> list[str]:
    return [r.id for r in all_rules()]


def get_rule(rule_id: str) -> Rule | None:
    all_rules()
    cls = _REGISTRY.get(rule_id.upper())
    return cls() if cls else None


def fired(lf: pl.LazyFrame, when: pl.Expr, message: pl.Expr, fix: pl.Expr | str) -> pl.LazyFrame:
    """The usual shape of ``find``: filter the lines, attach message and fix.

    ``message`` and ``fix`` are evaluated on the filtered rows only, so a window
    (``.over``) they need must be added as a column of ``lf`` beforehand.
    """
    fix_expr = pl.lit(fix) if isinstance(fix, str) else fix
    return lf.filter(when).select(
        pl.col("_row"),
        message.cast(pl.String).alias("message"),
        fix_expr.cast(pl.String).alias("fix"),
    )
