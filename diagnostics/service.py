"""Complaint storage and diagnosis: the interface other domains use (docs/DEVELOPING.md).

- ``submit_complaint(conn, complaint)``: stores the complaint and commits (never lost), then
  diagnoses it under a row lock and commits again; a repeated ``external_id`` returns the stored
  diagnosis (``created=False``), also under concurrent posts. A diagnosis that raises leaves the
  complaint ``failed`` with its error, to be retried by ``diagnose_pending``.
- ``store_complaints`` + ``diagnose_many``: the same in two steps, each for many complaints at
  once (the API's micro-batches of concurrent posts); ``store_complaint`` stores one.
- ``submit_batch(conn, complaints)``: the same for many, set-based, inside the caller's
  transaction (``ingest complaints`` runs one per file), chunk by chunk (``diagnostics.chunked``);
  chunks that fail are marked failed.
- ``get_complaint``, ``list_complaints``: reads (MSISDN only masked).

Diagnoses are stored by ``diagnostics.storing`` (mass events, the work-order hook) in the same
transaction; the work-order id is written into the diagnosis JSON.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from diagnostics.chunked import FAILED_SQL, BatchResult, body_of, diagnose_in_chunks
from diagnostics.engine import diagnose
from diagnostics.evidence import GENERIC_PLANS_SQL
from diagnostics.models import ComplaintIn, ComplaintRecord
from diagnostics.profiles import link_profiles
from diagnostics.reads import (
    COLUMNS,
    SELECT_SQL,
    ComplaintFilters,
    _bodies,
    _from_row,
    get_complaint,
    list_complaints,
    record_row,
    records_of,
)
from diagnostics.settings import DiagnosticsSettings, get_diag_settings
from diagnostics.storing import store
from netcomplaint.errors import NotFoundError
from netcomplaint.privacy import hash_msisdn, mask_msisdn, pii_key
from netcomplaint.settings import get_settings
from storage.db import Conn

log = logging.getLogger(__name__)
__all__ = [  # the reads live in diagnostics.reads; this module is the interface
    "BatchResult",
    "ComplaintFilters",
    "Stored",
    "SubmitResult",
    "diagnose_many",
    "diagnose_pending",
    "diagnose_stored",
    "get_complaint",
    "list_complaints",
    "records_of",
    "store_complaint",
    "store_complaints",
    "submit_batch",
    "submit_complaint",
]

_TYPES = (  # the unnest array types of COLUMNS, in order
    ("text",) * 4
    + ("timestamptz", "float8", "float8", "text", "text", "timestamptz", "timestamptz", "text")
    + ("bool", "int", "text", "text", "bool", "text", "bool", "int", "bool")
)
INSERT_ONE_SQL = (
    f"INSERT INTO complaints ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join(f'%s::{t}' for t in _TYPES)}) "
    "ON CONFLICT (external_id) DO NOTHING RETURNING complaint_id, external_id"
)
INSERT_SQL = (
    f"INSERT INTO complaints ({', '.join(COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in _TYPES)}) "
    "ON CONFLICT (external_id) DO NOTHING RETURNING complaint_id, external_id"
)


@dataclass(frozen=True)
class SubmitResult:
    complaint_id: str
    created: bool
    body: dict[str, Any]


def new_complaint_id(at: datetime) -> str:
    return f"C{at.astimezone(UTC):%Y%m%d}-{secrets.token_hex(6)}"


def to_record(
    complaint: ComplaintIn, key: bytes, complaint_id: str | None = None
) -> ComplaintRecord:
    return ComplaintRecord(
        complaint_id=complaint_id or new_complaint_id(complaint.reported_at),
        external_id=complaint.external_id,
        msisdn_hash=hash_msisdn(complaint.msisdn, key),
        msisdn_masked=mask_msisdn(complaint.msisdn),
        reported_at=complaint.reported_at,
        symptom=complaint.symptom.value,
        lat=complaint.lat,
        lon=complaint.lon,
        cell_id=complaint.cell_id,
        occurred_from=complaint.occurred_from,
        occurred_to=complaint.occurred_to,
        description=complaint.description,
        indoor=complaint.indoor,
        floor=complaint.floor,
        frequency=complaint.frequency,
        neighbours_affected=complaint.neighbours_affected,
        everywhere=complaint.everywhere,
        channel=complaint.channel,
        urgent=complaint.urgent,
        symptom_inferred=complaint.symptom_inferred,
    )


def _records(
    conn: Conn, complaints: Sequence[ComplaintIn], key: bytes
) -> dict[str, ComplaintRecord]:
    """external_id → record, the first of a repeated external_id winning (as with the API), its
    number in the form the subscriber data know (``profiles.link_profiles``)."""
    first: dict[str, ComplaintIn] = {}
    for c in complaints:
        first.setdefault(c.external_id, c)
    pairs = [(c, to_record(c, key)) for c in first.values()]
    return {r.external_id: r for r in link_profiles(conn, pairs, key)}


def _insert(conn: Conn, records: Sequence[ComplaintRecord]) -> dict[str, str]:
    """Insert; returns {external_id: complaint_id} of the rows actually created."""
    if len(records) == 1:  # the API's case: a plain prepared INSERT, no arrays to build
        rows = conn.execute(INSERT_ONE_SQL, record_row(records[0])).fetchall()
    else:
        columns = list(zip(*(record_row(r) for r in records), strict=True))
        rows = conn.execute(INSERT_SQL, [list(col) for col in columns]).fetchall()
    created = {str(e): str(c) for c, e in rows}
    # Repeat complaints (重复投诉) are detected by the work-order rule (workorders/repeats.py),
    # the one definition behind complaints.repeat_of and the repeat-complaint rate.
    return created


# --- one complaint ----------------------------------------------------------------------------


def submit_complaint(
    conn: Conn,
    complaint: ComplaintIn,
    *,
    settings: DiagnosticsSettings | None = None,
    key: bytes | None = None,
) -> SubmitResult:
    """Store (committed), diagnose, store the diagnosis; see the module docstring."""
    settings = settings or get_diag_settings()
    complaint_id, created, _ = store_complaint(conn, complaint, key=key)
    body = diagnose_stored(conn, complaint_id, settings=settings)
    return SubmitResult(complaint_id, created, body)


@dataclass(frozen=True)
class Stored:
    """A complaint as stored: its id, whether this call created it, its diagnosis status."""

    complaint_id: str
    created: bool
    status: str


def store_complaint(
    conn: Conn, complaint: ComplaintIn, *, key: bytes | None = None
) -> tuple[str, bool, str]:
    """Store one complaint and commit (never lost); ``(complaint_id, created, status)``, where a
    repeated ``external_id`` gives the stored complaint's id and diagnosis status."""
    stored = store_complaints(conn, [complaint], key=key)[complaint.external_id]
    if isinstance(stored, Exception):
        raise stored
    return stored.complaint_id, stored.created, stored.status


def store_complaints(
    conn: Conn, complaints: Sequence[ComplaintIn], *, key: bytes | None = None
) -> dict[str, Stored | Exception]:
    """Store complaints and commit (never lost): per ``external_id`` its stored complaint, or the
    error that kept that one out. The first of a repeated ``external_id`` wins.

    One statement for all (the API's micro-batches: one commit instead of one per request);
    when the database refuses it, each is stored alone so an error stays with its complaint.
    A lost connection is raised.
    """
    key = key or pii_key(get_settings())
    records = _records(conn, complaints, key)
    try:
        stored = _store_records(conn, list(records.values()))
        conn.commit()
        return stored
    except psycopg.Error:
        if conn.broken or conn.closed or len(records) == 1:
            raise
        conn.rollback()
    log.warning("storing %d complaints together failed; storing them one by one", len(records))
    out: dict[str, Stored | Exception] = {}
    for record in records.values():
        try:
            out.update(_store_records(conn, [record]))
            conn.commit()
        except psycopg.Error as exc:
            if conn.broken or conn.closed:
                raise
            conn.rollback()
            out[record.external_id] = exc
    return out


def _store_records(conn: Conn, records: Sequence[ComplaintRecord]) -> dict[str, Stored | Exception]:
    created = _insert(conn, records)
    out: dict[str, Stored | Exception] = {e: Stored(c, True, "pending") for e, c in created.items()}
    old = [r.external_id for r in records if r.external_id not in created]
    if old:
        rows = conn.execute(
            "SELECT external_id, complaint_id, diagnosis_status FROM complaints"
            " WHERE external_id = ANY(%s)",
            (old,),
        ).fetchall()
        for external_id, complaint_id, status in rows:
            out[str(external_id)] = Stored(str(complaint_id), False, str(status))
        for external_id in old:  # deleted between the conflict and now
            out.setdefault(
                external_id,
                NotFoundError(f"complaint {external_id!r} vanished while being stored"),
            )
    return out


def diagnose_stored(
    conn: Conn,
    complaint_id: str,
    *,
    settings: DiagnosticsSettings | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Diagnose one stored complaint unless it is done (or ``force``); commits; returns the body."""
    settings = settings or get_diag_settings()
    try:
        row = conn.execute(
            SELECT_SQL + " WHERE complaint_id = %s FOR UPDATE", (complaint_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no complaint {complaint_id}")
        if row[-1] == "done" and not force:
            body = _bodies(conn, [complaint_id])[complaint_id]
            conn.commit()
            return body
        results = diagnose(conn, [_from_row(row[:-1])], settings)
        documents = store(conn, results, settings)
        conn.commit()
        return body_of(results[0], documents[0])
    except NotFoundError:
        conn.rollback()
        raise
    except Exception as exc:  # never lose the complaint: mark it failed, retried later
        conn.rollback()
        log.exception("diagnosis of %s failed", complaint_id)
        conn.execute(FAILED_SQL, (f"{type(exc).__name__}: {exc}", [complaint_id]))
        conn.commit()
        return _bodies(conn, [complaint_id])[complaint_id]


LOCK_ROWS_SQL = SELECT_SQL + " WHERE complaint_id = ANY(%s) ORDER BY complaint_id FOR NO KEY UPDATE"


def diagnose_many(
    conn: Conn,
    complaint_ids: Sequence[str],
    *,
    settings: DiagnosticsSettings | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, dict[str, Any]]:
    """Diagnose stored complaints together (set-based, one transaction, committed); returns
    ``{complaint_id: body}`` without ids that don't exist.

    Rows are locked in id order (concurrent callers can't deadlock on them), ``FOR NO KEY UPDATE``
    (excludes other diagnoses, not foreign-key checks of rows referring to them); those already
    done give their stored bodies. When the batch raises, each is diagnosed alone
    (``diagnose_stored``), so a bad complaint only fails itself (kept ``failed``, retried later);
    a lost connection is raised. ``timings`` receives seconds per phase.
    """
    settings = settings or get_diag_settings()
    ids = sorted(set(complaint_ids))
    marks = [time.perf_counter()]
    try:
        with conn.pipeline():  # generic plans from the transaction's first statement on
            conn.execute(GENERIC_PLANS_SQL)
            rows = conn.execute(LOCK_ROWS_SQL, (ids,)).fetchall()
        bodies = _bodies(conn, [str(r[0]) for r in rows if r[-1] == "done"])
        marks.append(time.perf_counter())
        results = diagnose(conn, [_from_row(r[:-1]) for r in rows if r[-1] != "done"], settings)
        marks.append(time.perf_counter())
        documents = store(conn, results, settings, commit=True)
        marks.append(time.perf_counter())
        conn.commit()  # when there was nothing to store
        marks.append(time.perf_counter())
    except Exception:
        if conn.broken or conn.closed:  # the server went away: nothing to retry here
            raise
        conn.rollback()
        log.exception("diagnosis of a batch of %d failed; diagnosing one by one", len(ids))
        bodies = {}
        for complaint_id in ids:
            with contextlib.suppress(NotFoundError):  # deleted meanwhile: left out
                bodies[complaint_id] = diagnose_stored(conn, complaint_id, settings=settings)
        return bodies
    for r, doc in zip(results, documents, strict=True):
        bodies[r.complaint.complaint_id] = body_of(r, doc)
    if timings is not None:
        phases = ("lock", "evidence", "store", "commit")
        timings.update((k, b - a) for k, a, b in zip(phases, marks[:-1], marks[1:], strict=True))
    return bodies


# --- many complaints --------------------------------------------------------------------------


def submit_batch(
    conn: Conn,
    complaints: Sequence[ComplaintIn],
    *,
    settings: DiagnosticsSettings | None = None,
    key: bytes | None = None,
    keep_bodies: bool = False,
) -> BatchResult:
    """Store and diagnose many complaints inside the caller's transaction (no commit)."""
    settings = settings or get_diag_settings()
    out, records = _store_batch(conn, complaints, key, keep_bodies)
    diagnose_in_chunks(conn, records, settings, out, keep_bodies)
    return out


def store_batch(
    conn: Conn, complaints: Sequence[ComplaintIn], *, key: bytes | None = None
) -> tuple[BatchResult, list[str]]:
    """Store many complaints inside the caller's transaction (no commit), without diagnosing
    them: the counts, and the ids still to diagnose (new, and stored before but not done), in
    file order. ``diagnostics.parallel`` diagnoses them once they are committed."""
    out, records = _store_batch(conn, complaints, key, False)
    return out, [r.complaint_id for r in records]


def _store_batch(
    conn: Conn, complaints: Sequence[ComplaintIn], key: bytes | None, keep_bodies: bool
) -> tuple[BatchResult, list[ComplaintRecord]]:
    key = key or pii_key(get_settings())
    out = BatchResult()
    if not complaints:
        return out, []
    records = list(_records(conn, complaints, key).values())
    created = _insert(conn, records)
    out.created = len(created)
    fresh = [r for r in records if created.get(r.external_id) == r.complaint_id]
    old = [r.external_id for r in records if r.external_id not in created]
    out.existing = len(old)
    retry: list[ComplaintRecord] = []
    if old:
        rows = conn.execute(SELECT_SQL + " WHERE external_id = ANY(%s)", (old,)).fetchall()
        retry = [_from_row(r[:-1]) for r in rows if r[-1] != "done"]
        if keep_bodies:
            done_ids = [str(r[0]) for r in rows if r[-1] == "done"]
            for body in _bodies(conn, done_ids).values():
                out.bodies[body["external_id"]] = body
    return out, [*fresh, *retry]


def diagnose_pending(
    conn: Conn, *, limit: int = 10_000, settings: DiagnosticsSettings | None = None
) -> BatchResult:
    """Retry complaints left pending or failed (fewer than ``diagnosis_max_attempts`` tries)."""
    settings = settings or get_diag_settings()
    rows = conn.execute(
        SELECT_SQL + " WHERE diagnosis_status <> 'done' AND diagnosis_attempts < %s"
        " ORDER BY reported_at LIMIT %s",
        (settings.diagnosis_max_attempts, limit),
    ).fetchall()
    out = BatchResult()
    diagnose_in_chunks(conn, [_from_row(r[:-1]) for r in rows], settings, out, False)
    return out
