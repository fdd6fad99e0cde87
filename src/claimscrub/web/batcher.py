"""Micro-batching for ``POST /api/v1/check``.

One check of one claim is ~100 small Polars queries, whatever its size, so checking the
requests that arrive together as ONE batch (:func:`claimscrub.service.check_many`, the same
rule code, each request's ids tagged so requests never meet) costs little more than checking
one. A request waits at most ``max_wait`` seconds (or until ``max_batch`` are queued); at most
one batch per process runs at a time, in a worker thread, and what queues meanwhile is the
next batch. Each waiting handler gets its own document, or its own exception (raised in the
handler, so it becomes the same HTTP answer as without batching).

Off with ``CLAIMSCRUB_API_BATCH=0``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool

Records = Sequence[Mapping[str, Any]]
CheckMany = Callable[[list[Records]], list[Any]]


def batching_enabled() -> bool:
    return os.environ.get("CLAIMSCRUB_API_BATCH", "1").strip().lower() not in {"0", "false", "no", "off"}


def _check_many(requests: list[Records]) -> list[Any]:
    from claimscrub.service import CheckOptions, check_many

    return check_many(requests, CheckOptions())


class Batcher:
    def __init__(
        self, check: CheckMany = _check_many, *, max_wait: float = 0.003, max_batch: int = 64
    ) -> None:
        self.check = check
        self.max_wait = max_wait
        self.max_batch = max_batch
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reset()
        self.batches = 0  # batches run (for tests and curiosity)

    def _reset(self) -> None:
        self._pending: list[tuple[Records, asyncio.Future[Any]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running = False

    async def submit(self, records: Records) -> Any:
        """The §5 document of ``records`` (or raises what checking them alone raises)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests): nothing of the old one survives
            self._loop = loop
            self._reset()
        fut: asyncio.Future[Any] = loop.create_future()
        self._pending.append((records, fut))
        if not self._running:
            if len(self._pending) >= self.max_batch:
                self._start()
            elif self._timer is None:
                self._timer = loop.call_later(self.max_wait, self._start)
        return await fut

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._running or not self._pending:
            return
        batch = self._pending[: self.max_batch]
        del self._pending[: self.max_batch]
        self._running = True
        assert self._loop is not None
        self._loop.create_task(self._run(batch))

    async def _run(self, batch: list[tuple[Records, asyncio.Future[Any]]]) -> None:
        try:
            live = [(r, f) for r, f in batch if not f.done()]  # a client that left is not checked
            try:
                results = await run_in_threadpool(self.check, [r for r, _ in live]) if live else []
                if len(results) != len(live):
                    raise RuntimeError("check_many answered the wrong number of documents")
            except Exception as exc:
                results = [exc] * len(live)
            self.batches += 1
            for (_, fut), res in zip(live, results, strict=True):
                if fut.done():
                    continue
                if isinstance(res, BaseException):
                    fut.set_exception(res)
                else:
                    fut.set_result(res)
        finally:
            self._running = False
            if self._pending:  # they queued while this batch ran: they have waited enough
                self._start()
