"""A quiet progress line on stderr: shown only on a terminal and only after a few seconds."""

from __future__ import annotations

import sys
import threading
import time

DELAY_SECONDS = 2.0


class Progress:
    def __init__(self, label: str, stream=None) -> None:  # type: ignore[no-untyped-def]
        self.stream = stream or sys.stderr
        self.label = label
        self.start = time.monotonic()
        self.enabled = self.stream.isatty()
        self._stop = threading.Event()
        self._shown = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread.start()
        return self

    def update(self, label: str) -> None:
        self.label = label

    def _run(self) -> None:
        spin = "|/-\\"
        i = 0
        if self._stop.wait(DELAY_SECONDS):
            return
        while not self._stop.is_set():
            elapsed = time.monotonic() - self.start
            self.stream.write(f"\r{spin[i % 4]} {self.label}... {elapsed:5.1f}s ")
            self.stream.flush()
            self._shown = True
            i += 1
            self._stop.wait(0.2)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()
            if self._shown:
                self.stream.write("\r" + " " * 40 + "\r")
                self.stream.flush()
