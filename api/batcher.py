"""Micro-batches of the diagnoses of concurrent ``POST /v1/complaints``.

Why: the evidence queries are set-based, so a batch costs far less per complaint than one at a
time (every query serves the whole batch), and storing diagnoses takes global advisory locks
(mass events, work orders) that serialise requests diagnosed one by one, but a batch only once.

How: a request hands its complaint to the batcher and awaits its answer without holding a thread
or a connection. ``batch_workers`` threads each take what arrived within ``batch_window_ms`` of
the oldest waiting complaint (at most ``batch_max_size``; while a batch runs the next one fills
up anyway), store them in one statement and commit (``diagnostics.service.store_complaints``:
nothing is answered before its complaint is committed, so an acknowledged complaint is never
lost; one commit per batch instead of one per request), then diagnose them together in one
transaction (``diagnostics.service.diagnose_many``: evidence, store, mass events, the work-order
hook) and wake every request with its own body.

- A repeated ``external_id`` waiting in the queue joins the first (stored and diagnosed once; the
  first request gets 201, the others 200); one already stored is found by the unique key and,
  when its diagnosis is still running in another batch, waits for its row lock, so it gets the
  same stored complaint and is never diagnosed twice. One already diagnosed gets its stored body.
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

from api.deps import DatabaseGate, gated_connection
from api.settings import ApiSettings
from diagnostics.models import ComplaintIn
from diagnostics.service import Stored, diagnose_many, store_complaints
from diagnostics.settings import get_diag_settings
from netcomplaint.errors import DatabaseUnavailableError, NotFoundError

_log = logging.getLogger("api.batcher")
Body = dict[str, Any]
PHASES = ("insert", "lock", "evidence", "store", "commit")


@dataclass(frozen=True)
class Outcome:
    """What ``POST /v1/complaints`` answers: 201 with the body when created, else 200."""

    complaint_id: str
    created: bool
    body: Body


@dataclass
class _Waiting:
    complaint: ComplaintIn  # the first posted under its external_id (the first one wins)
    since: float  # monotonic time the complaint started waiting
    futures: list[Future[Outcome]] = field(default_factory=list)


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
        """Await the complaint's storing (committed) and diagnosis by a batch."""
        waiting = asyncio.wrap_future(self.enqueue(complaint))
        try:
            return await asyncio.wait_for(waiting, self.api.batch_wait_timeout_s)
        except TimeoutError:
            raise DatabaseUnavailableError(
                "storing and diagnosing the complaint took too long: send it again with the same"
                " external_id (it is never stored twice) for its diagnosis"
            ) from None

    def enqueue(self, complaint: ComplaintIn) -> Future[Outcome]:
        """A future of the complaint's outcome; an external_id waiting twice is stored once."""
        future: Future[Outcome] = Future()
        with self._cond:
            if self._stopping:
                future.set_exception(DatabaseUnavailableError("the service is shutting down"))
                return future
            entry = self._waiting.get(complaint.external_id)
            if entry is None:
                entry = self._waiting[complaint.external_id] = _Waiting(complaint, time.monotonic())
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
                _settle(batch, {}, {}, exc)

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
                stored = store_complaints(conn, [w.complaint for w in batch.values()], key=self.key)
                timings["insert"] = time.monotonic() - started
                ids = [s.complaint_id for s in stored.values() if isinstance(s, Stored)]
                bodies = diagnose_many(conn, ids, settings=get_diag_settings(), timings=timings)
        except DatabaseUnavailableError as exc:  # down, or lost mid-batch: the usual 503
            _log.warning("complaint batch of %d: database unavailable", len(batch))
            _settle(batch, {}, {}, exc)
            return
        _settle(batch, stored, bodies, None)
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


def _settle(
    batch: dict[str, _Waiting],
    stored: dict[str, Stored | Exception],
    bodies: dict[str, Body],
    error: Exception | None,
) -> None:
    """Wake every request of the batch with its outcome, or the error."""
    for external_id, entry in batch.items():
        complaint = stored.get(external_id)
        body = bodies.get(complaint.complaint_id) if isinstance(complaint, Stored) else None
        problem = error
        if problem is None and isinstance(complaint, Exception):
            problem = complaint
        elif problem is None and (complaint is None or body is None):
            problem = NotFoundError(f"no complaint {external_id!r}")
        for i, future in enumerate(entry.futures):
            if future.done() or not future.set_running_or_notify_cancel():  # request gone
                continue
            if problem is not None:
                future.set_exception(problem)
            else:
                assert isinstance(complaint, Stored) and body is not None
                # the first request of an external_id created it; the ones that joined repeat it
                future.set_result(
                    Outcome(complaint.complaint_id, complaint.created and i == 0, body)
                )
