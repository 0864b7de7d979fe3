"""Micro-batches of the diagnoses of concurrent ``POST /v1/complaints``.

Why: the evidence queries are set-based, so a batch costs far less per complaint than one at a
time (every query serves the whole batch), and storing diagnoses takes global advisory locks
(mass events, work orders) that serialise requests diagnosed one by one, but a batch only once.

How: a request stores its complaint first (committed before anything else: an accepted complaint
is never lost; ``diagnostics.service.store_complaint``, in the threadpool), then hands its id to
the batcher and awaits its body without holding a thread or a connection. ``batch_workers``
threads each take what arrived within ``batch_window_ms`` of the oldest waiting complaint (at
most ``batch_max_size``; while a batch runs the next one fills up anyway), diagnose them together
in one transaction (``diagnostics.service.diagnose_many``: evidence, store, mass events, the
work-order hook) and wake every request with its own body.

- A repeated ``external_id`` already diagnosed is answered from the database at once; one still
  waiting or in a batch joins it (the same id waits once) or waits for its row lock, so it gets
  the same stored complaint and is never diagnosed twice.
- A batch that raises is diagnosed one by one (``diagnose_many``); a complaint that still fails is
  kept ``failed`` (retried by ``api/retry.py``) and answered as such.
- The database going away fails the batch's requests with the usual 503 (``database_unavailable``,
  ``api/deps.py``); the next batch takes a fresh pooled connection, so the service recovers alone.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool
from starlette.concurrency import run_in_threadpool

from api.deps import DatabaseGate, gated_connection
from api.settings import ApiSettings
from diagnostics.models import ComplaintIn
from diagnostics.service import diagnose_many, diagnose_stored, store_complaint
from diagnostics.settings import get_diag_settings
from netcomplaint.errors import DatabaseUnavailableError, NotFoundError

_log = logging.getLogger("api.batcher")
Body = dict[str, Any]
PHASES = ("lock", "evidence", "store", "commit")


@dataclass(frozen=True)
class Outcome:
    """What ``POST /v1/complaints`` answers: 201 with the body when created, else 200."""

    complaint_id: str
    created: bool
    body: Body


@dataclass
class _Waiting:
    since: float  # monotonic time the complaint started waiting
    futures: list[Future[Body]] = field(default_factory=list)


@dataclass
class _Stats:
    """Batch sizes and seconds per phase since the last timing log line."""

    batches: int = 0
    complaints: int = 0
    largest: int = 0
    queued_s: float = 0.0  # the oldest complaint's wait before its batch started
    busy_s: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    since: float = field(default_factory=time.monotonic)


class Batcher:
    """Collects complaint ids, diagnoses them in batches on worker threads (see module doc)."""

    def __init__(
        self,
        pool: ConnectionPool[psycopg.Connection[Any]],
        gate: DatabaseGate,
        api: ApiSettings,
        key: bytes,
    ) -> None:
        self.pool, self.gate, self.api, self.key = pool, gate, api, key
        self._waiting: dict[str, _Waiting] = {}  # insertion order: oldest first
        self._cond = threading.Condition()
        self._stopping = False
        self._stats = _Stats()
        self._threads = [
            threading.Thread(target=self._run, name=f"nc-diagnosis-batch-{i}", daemon=True)
            for i in range(api.batch_workers)
        ]
        if api.batch_timing_log_s > 0:  # asked for: shown even when the service logs warnings
            _log.setLevel(logging.INFO)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Diagnose what is still waiting, then end the workers."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=self.api.batch_wait_timeout_s)

    # --- the request's side -------------------------------------------------------------------

    async def submit(self, complaint: ComplaintIn) -> Outcome:
        """Store the complaint (committed), then await its diagnosis from a batch."""
        complaint_id, created, body = await run_in_threadpool(self._store, complaint)
        if body is None:
            waiting = asyncio.wrap_future(self.enqueue(complaint_id))
            try:
                body = await asyncio.wait_for(waiting, self.api.batch_wait_timeout_s)
            except TimeoutError:
                raise DatabaseUnavailableError(
                    "the diagnosis took too long; the complaint is stored: send it again for its"
                    " diagnosis"
                ) from None
        return Outcome(complaint_id, created, body)

    def _store(self, complaint: ComplaintIn) -> tuple[str, bool, Body | None]:
        """Store; the body at once when the complaint was stored and diagnosed before."""
        with gated_connection(self.pool, self.gate, self.api) as conn:
            complaint_id, created, status = store_complaint(conn, complaint, key=self.key)
            if status != "done":
                return complaint_id, created, None
            return complaint_id, created, diagnose_stored(conn, complaint_id)

    def enqueue(self, complaint_id: str) -> Future[Body]:
        """A future of the complaint's body; the same id waiting twice is diagnosed once."""
        future: Future[Body] = Future()
        with self._cond:
            if self._stopping:
                future.set_exception(DatabaseUnavailableError("the service is shutting down"))
                return future
            entry = self._waiting.setdefault(complaint_id, _Waiting(time.monotonic()))
            entry.futures.append(future)
            if len(self._waiting) in (1, self.api.batch_max_size):  # a worker may be waiting
                self._cond.notify()
        return future

    # --- the workers' side --------------------------------------------------------------------

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            try:
                self._diagnose(batch)
            except Exception as exc:  # never let a worker die: its requests get the error
                _log.exception("diagnosis batch failed")
                _settle(batch, {}, exc)

    def _take(self) -> dict[str, _Waiting] | None:
        """The next batch: waits for a first complaint, then up to the window for more."""
        window = self.api.batch_window_ms / 1000
        size = self.api.batch_max_size
        with self._cond:
            while True:  # re-checked on every wake-up: another worker may have taken them
                if not self._waiting:
                    if self._stopping:
                        return None
                    self._cond.wait()
                    continue
                oldest = next(iter(self._waiting.values())).since
                remaining = oldest + window - time.monotonic()
                if remaining > 0 and len(self._waiting) < size and not self._stopping:
                    self._cond.wait(remaining)
                    continue
                ids = list(self._waiting)[:size]
                batch = {cid: self._waiting.pop(cid) for cid in ids}
                if self._waiting:  # more than one batch waits: let another worker start on it
                    self._cond.notify()
                return batch

    def _diagnose(self, batch: dict[str, _Waiting]) -> None:
        started = time.monotonic()
        timings: dict[str, float] = {}
        try:
            with gated_connection(self.pool, self.gate, self.api) as conn:
                bodies = diagnose_many(
                    conn, list(batch), settings=get_diag_settings(), timings=timings
                )
        except DatabaseUnavailableError as exc:  # down, or lost mid-batch: the usual 503
            _log.warning("diagnosis batch of %d: database unavailable", len(batch))
            _settle(batch, {}, exc)
            return
        _settle(batch, bodies, None)
        self._record(batch, started, timings)

    def _record(
        self, batch: dict[str, _Waiting], started: float, timings: dict[str, float]
    ) -> None:
        if self.api.batch_timing_log_s <= 0:
            return
        now = time.monotonic()
        with self._cond:
            stats = self._stats
            stats.batches += 1
            stats.complaints += len(batch)
            stats.largest = max(stats.largest, len(batch))
            stats.queued_s += started - min(w.since for w in batch.values())
            stats.busy_s += now - started
            for phase, seconds in timings.items():
                stats.phases[phase] = stats.phases.get(phase, 0.0) + seconds
            if now - stats.since < self.api.batch_timing_log_s:
                return
            self._stats = _Stats()
        per_batch = {p: round(stats.phases.get(p, 0.0) / stats.batches * 1000, 1) for p in PHASES}
        _log.info(
            "diagnosis batches: %d of %.1f complaints on average (largest %d) in %.1f s; per "
            "batch: queued %.1f ms, busy %.1f ms (%s ms); workers busy %.0f%%",
            stats.batches,
            stats.complaints / stats.batches,
            stats.largest,
            now - stats.since,
            stats.queued_s / stats.batches * 1000,
            stats.busy_s / stats.batches * 1000,
            ", ".join(f"{p} {ms}" for p, ms in per_batch.items()),
            stats.busy_s / (now - stats.since) / self.api.batch_workers * 100,
            extra={"batch_phases_ms": per_batch},
        )


def _settle(batch: dict[str, _Waiting], bodies: dict[str, Body], error: Exception | None) -> None:
    """Wake every request of the batch with its body, or the error."""
    for complaint_id, entry in batch.items():
        body = bodies.get(complaint_id)
        problem = error or (
            None if body is not None else NotFoundError(f"no complaint {complaint_id}")
        )
        for future in entry.futures:
            if future.done() or not future.set_running_or_notify_cancel():  # request gone
                continue
            if problem is not None:
                future.set_exception(problem)
            else:
                assert body is not None
                future.set_result(body)
