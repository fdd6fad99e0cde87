"""Errors that stop a run with exit code 2 (the input could not be read)."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: names the file, the place in it (line / record / segment) and the field.

    The message never contains field *values* that may be patient data (note text,
    patient identifiers); it names where the problem is and what was expected.
    """

    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        segment: str | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.segment = segment
        self.field = field
        self.reason = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.segment is not None:
            where.append(f"segment {self.segment}")
        if self.field is not None:
            where.append(f"field {self.field}")
        return f"{': '.join([', '.join(where), self.reason])}"


class PolicyError(Exception):
    """A payer policy file is invalid (unknown rule ID or key, bad value)."""


class EngineError(Exception):
    """The engine could not run (Spark job failed, executors without claimscrub, the
    streaming spill failed): exit 2 with this one-line message, never exit 1, which
    means "error findings". The message names the cause and what to do, never a value."""
