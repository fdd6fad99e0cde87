"""The progress line: only on a terminal, only for runs longer than a moment."""

from __future__ import annotations

import io
import time

from claimscrub import progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_for_long_runs(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.05)
    tty = FakeTerminal()
    with progress.Progress("checking", stream=tty) as p:
        time.sleep(0.4)
        p.update("writing json")
        time.sleep(0.4)
    shown = tty.getvalue()
    assert "checking..." in shown and "writing json..." in shown


def test_progress_is_silent_when_not_a_terminal_or_quick(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pipe = io.StringIO()
    with progress.Progress("checking", stream=pipe):
        time.sleep(0.1)
    assert pipe.getvalue() == ""
    tty = FakeTerminal()
    with progress.Progress("checking", stream=tty):
        pass  # finishes before the delay
    assert tty.getvalue() == ""
