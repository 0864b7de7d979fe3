"""Diagnosing many stored complaints chunk by chunk (``diagnosis_batch_size``), inside the
caller's transaction: what ``ingest complaints`` and the retry of pending complaints run (through
``service.submit_batch`` and ``service.diagnose_pending``).

Each chunk's evidence is read set-based, its checks run in a worker thread while the next
chunk's evidence is read (``engine.checks_worker``), then it is stored (``storing.store``).
Reading and storing each have a savepoint: a chunk that fails is marked failed with its error
(retried later), the others go on; the complaints themselves are never lost.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from diagnostics.engine import Result, batch_collector, checks_worker, chunks
from diagnostics.evidence import gather
from diagnostics.models import ComplaintRecord
from diagnostics.ranking import calibration_for
from diagnostics.settings import DiagnosticsSettings
from diagnostics.storing import store
from storage.db import Conn

log = logging.getLogger(__name__)

FAILED_SQL = """
UPDATE complaints SET diagnosis_status = 'failed', diagnosis_attempts = diagnosis_attempts + 1,
       diagnosis_error = left(%s, 2000)
WHERE complaint_id = ANY(%s)
"""


@dataclass
class BatchResult:
    """What a batch submission or a retry run did."""

    created: int = 0
    existing: int = 0
    diagnosed: int = 0
    failed: int = 0
    by_cause: Counter[str] = field(default_factory=Counter)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)  # external_id → body
    errors: list[str] = field(default_factory=list)
    # cell_id → complaints naming it without a position while no such cell is in the inventory
    unknown_cells: Counter[str] = field(default_factory=Counter)

    def add(self, other: BatchResult) -> None:
        """Count ``other`` in (another file's, or another process's part)."""
        self.created += other.created
        self.existing += other.existing
        self.diagnosed += other.diagnosed
        self.failed += other.failed
        self.by_cause.update(other.by_cause)
        self.bodies.update(other.bodies)
        self.errors.extend(other.errors)
        self.unknown_cells.update(other.unknown_cells)

    def summary(self) -> str:
        causes = ", ".join(f"{c} {n}" for c, n in self.by_cause.most_common()) or "none"
        return (
            f"complaints: {self.created} new, {self.existing} already stored; diagnosed "
            f"{self.diagnosed}"
            f" ({causes}); {self.failed} failed"
        )


def unknown_cells_note(cells: Counter[str]) -> str | None:
    """What to tell the user of complaints that name a cell the inventory doesn't have."""
    if not cells:
        return None
    named = ", ".join(c for c, _ in cells.most_common(5)) + (", …" if len(cells) > 5 else "")
    return (
        f"{cells.total()} complaint(s) name a cell that is not in the cell inventory ({named}): "
        "diagnosed without its place, site or neighbours (load the cells with "
        "netcomplaint ingest cells, or check the ids)"
    )


def body_of(result: Result, document: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "complaint_id": result.complaint.complaint_id,
        "external_id": result.complaint.external_id,
        "diagnosis": document if document is not None else result.diagnosis.as_json(),
    }


def diagnose_in_chunks(
    conn: Conn,
    records: Sequence[ComplaintRecord],
    settings: DiagnosticsSettings,
    out: BatchResult,
    keep_bodies: bool,
) -> None:
    """Diagnose and store chunk by chunk. The worker checks chunk k while chunk k+1's evidence is
    read, then chunk k+1 while chunk k is stored (``engine.checks_worker``): the database and
    Python work side by side. Reading and storing each have their own savepoint: a chunk that
    fails anywhere is marked failed, the others go on."""
    calibration = calibration_for(settings.confidence_calibration_file)
    parts = chunks(records, settings)
    with batch_collector(settings), checks_worker(len(parts)) as check:
        # at most two chunks in flight (one being stored, one checked): contexts don't pile up
        pending: deque[tuple[Sequence[ComplaintRecord], Future[list[Result]]]] = deque()
        for part in parts:
            try:
                with conn.transaction():
                    contexts = gather(conn, part, settings)
            except Exception as exc:  # rolled back to the savepoint; the complaints stay stored
                _failed(conn, part, exc, out)
                contexts = None
            if contexts is not None:
                pending.append((part, check(contexts, settings, calibration, True)))
            while len(pending) > (1 if contexts is not None else 0):
                _store_chunk(conn, *pending.popleft(), settings, out, keep_bodies)
        while pending:
            _store_chunk(conn, *pending.popleft(), settings, out, keep_bodies)


def _store_chunk(
    conn: Conn,
    part: Sequence[ComplaintRecord],
    checked: Future[list[Result]],
    settings: DiagnosticsSettings,
    out: BatchResult,
    keep_bodies: bool,
) -> None:
    try:
        results = checked.result()
        with conn.transaction():
            documents = store(conn, results, settings)
    except Exception as exc:  # the savepoint is rolled back; the complaints stay stored
        _failed(conn, part, exc, out)
        return
    out.diagnosed += len(results)
    out.by_cause.update(r.diagnosis.primary_cause for r in results)
    out.unknown_cells.update(
        r.complaint.cell_id
        for r in results
        if r.complaint.cell_id and not r.context.serving.known_cell
    )
    if keep_bodies:
        for r, doc in zip(results, documents, strict=True):
            out.bodies[r.complaint.external_id] = body_of(r, doc)


def _failed(conn: Conn, part: Sequence[ComplaintRecord], exc: Exception, out: BatchResult) -> None:
    log.error("diagnosis of %d complaint(s) failed", len(part), exc_info=exc)
    conn.execute(FAILED_SQL, (f"{type(exc).__name__}: {exc}", [r.complaint_id for r in part]))
    out.failed += len(part)
    out.errors.append(f"{type(exc).__name__}: {exc}")
