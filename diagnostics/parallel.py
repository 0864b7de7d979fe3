"""Diagnosing stored complaints in several processes: what ``ingest complaints --processes N``
runs once each file's complaints are committed.

One process diagnoses at most ~500 complaints/s whatever the machine: the checks are pure Python
and hold the GIL. So the complaints are cut into parts (at most ``diagnosis_batch_size``, at least
three per process), in file order, and a pool of processes takes them in turn. Each process has
its own connection, diagnoses a part as ``ingest complaints`` does in one process
(``chunked.diagnose_in_chunks``) and commits it: the global lock that storing takes (mass events,
work orders) is held for one part, not for the whole run, so the other processes' evidence reads
and checks go on meanwhile.

A part that fails is marked failed by its process (``diagnose_in_chunks``); a process that dies
leaves its part ``pending``. Either way the complaints are stored, and ``netcomplaint diagnose
--pending`` (or the API's retry loop) diagnoses them later.
"""

from __future__ import annotations

import atexit
import logging
import math
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from diagnostics.chunked import BatchResult, diagnose_in_chunks
from diagnostics.reads import records_of
from diagnostics.settings import DiagnosticsSettings
from netcomplaint.settings import get_settings
from storage.db import Conn, connect

log = logging.getLogger(__name__)

_url: str | None = None  # the worker process's database and settings (set by _start)
_settings: DiagnosticsSettings | None = None
_conn: Conn | None = None  # opened by its first part: a failure is that part's, with its message


def diagnose_parts(
    conn: Conn,
    url: str,
    complaint_ids: Sequence[str],
    settings: DiagnosticsSettings,
    processes: int,
) -> BatchResult:
    """Diagnose committed complaints, ``processes`` at a time, each part committed on its own.

    With one process, or no more than one chunk, they are diagnosed on ``conn`` (committed), as
    one run of ``diagnose_in_chunks``: starting a process costs more than it saves there."""
    step = settings.diagnosis_batch_size
    if processes <= 1 or len(complaint_ids) <= step:
        out = _diagnose(conn, list(complaint_ids), settings)
        conn.commit()
        return out
    # parts of one chunk at most (a part is checked inline, without the thread that overlaps a
    # run of chunks), and three per process at least, so that no process is left with the tail
    size = min(step, math.ceil(len(complaint_ids) / (3 * processes)))
    parts = [list(complaint_ids[k : k + size]) for k in range(0, len(complaint_ids), size)]
    out = BatchResult()
    # spawn, not fork: the parent holds a connection and threads that a fork would copy
    context = multiprocessing.get_context("spawn")
    workers = min(processes, len(parts))
    with ProcessPoolExecutor(workers, context, _start, (url, settings)) as pool:
        futures: list[Future[BatchResult]] = [pool.submit(_diagnose_part, p) for p in parts]
        for part, future in zip(parts, futures, strict=True):
            try:
                out.add(future.result())
            except Exception as exc:  # no connection, or the process died
                log.error("a diagnosing process failed on %d complaint(s): %s", len(part), exc)
                out.failed += len(part)
                out.errors.append(f"{type(exc).__name__}: {exc} ({len(part)} complaint(s))")
    return out


def _start(url: str, settings: DiagnosticsSettings) -> None:
    global _url, _settings
    _url, _settings = url, settings


def _diagnose_part(complaint_ids: list[str]) -> BatchResult:
    global _conn
    assert _url is not None and _settings is not None, "worker not started"
    if _conn is None or _conn.closed:
        _conn = connect(get_settings(), _url)
        atexit.register(_conn.close)  # a clean goodbye to the server when the pool shuts down
    out = _diagnose(_conn, complaint_ids, _settings)
    _conn.commit()
    return out


def _diagnose(conn: Conn, complaint_ids: list[str], settings: DiagnosticsSettings) -> BatchResult:
    """One part, in file order (a repeat complaint comes after the one it repeats)."""
    out = BatchResult()
    position = {c: i for i, c in enumerate(complaint_ids)}
    records = sorted(records_of(conn, complaint_ids), key=lambda r: position[r.complaint_id])
    diagnose_in_chunks(conn, records, settings, out, False)
    return out
