"""The diagnosis of complaints, without storage: evidence → checks → ranking → reply → actions.

``diagnose(conn, complaints)`` reads (set-based, see evidence.py) and returns one ``Diagnosis``
per complaint; ``diagnose_context`` is the pure part, for one gathered context. Storage, mass
events and work orders are the service's business (service.py).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from diagnostics.actions import actions
from diagnostics.checks import run_checks
from diagnostics.evidence import Context, gather
from diagnostics.models import CauseScore, ComplaintRecord, Diagnosis, Evidence
from diagnostics.ranking import Calibration, Ranking, calibration_for, rank
from diagnostics.replies import facts, reply_script, situation
from diagnostics.settings import DiagnosticsSettings, get_diag_settings
from storage.db import Conn


@dataclass(frozen=True)
class Result:
    """A diagnosis with what produced it (for the service, mass events and the harness)."""

    complaint: ComplaintRecord
    diagnosis: Diagnosis
    ranking: Ranking
    context: Context
    # the diagnosis JSON, built by the checks worker when the caller stores it (storing fills its
    # mass event and work order in): one thing less for the caller's thread
    document: dict[str, Any] | None = None


CheckRunner = Callable[
    [Sequence[Context], DiagnosticsSettings, Calibration, bool], "Future[list[Result]]"
]
_OTHER_RANK = {"abnormal": 2, "unknown": 3, "normal": 4}


def _order(evidence: list[Evidence], primary: str) -> list[Evidence]:
    """The primary cause's evidence first (abnormal findings first), then the other causes'
    abnormal, unknown and normal findings; stable within each group. (Bucketed rather than
    sorted with a key function: ~30 items per diagnosis, thousands of diagnoses per batch.)"""
    buckets: tuple[list[Evidence], ...] = ([], [], [], [], [])
    for e in evidence:
        if e.cause == primary:
            buckets[0 if e.finding == "abnormal" else 1].append(e)
        else:
            buckets[_OTHER_RANK[e.finding]].append(e)
    return [e for bucket in buckets for e in bucket]


def diagnose_context(
    ctx: Context, settings: DiagnosticsSettings, calibration: Calibration
) -> Result:
    evidence = run_checks(ctx, settings)
    ranking = rank(
        evidence,
        ctx.complaint.symptom,
        settings,
        calibration,
        inferred=ctx.complaint.symptom_inferred,
    )
    primary = ranking.primary
    case = situation(primary, ctx, evidence, settings)
    known = facts(ctx, settings)
    diagnosis = Diagnosis(
        primary_cause=primary,
        attribution=ranking.attribution,  # type: ignore[arg-type]  # values of ATTRIBUTION_BY_CAUSE
        confidence=ranking.confidence,
        causes=[CauseScore(c, p) for c, p in ranking.probabilities],
        evidence=_order(evidence, primary),
        serving_cells=list(ctx.serving.cells),
        reply_script=reply_script(primary, case, known),
        actions=actions(primary, case, ctx, evidence, known),
    )
    return Result(ctx.complaint, diagnosis, ranking, ctx)


def diagnose_contexts(
    contexts: Sequence[Context],
    settings: DiagnosticsSettings,
    calibration: Calibration,
    documents: bool = False,
) -> list[Result]:
    results = [diagnose_context(ctx, settings, calibration) for ctx in contexts]
    if documents:
        return [replace(r, document=r.diagnosis.as_json()) for r in results]
    return results


def chunks(
    complaints: Sequence[ComplaintRecord], settings: DiagnosticsSettings
) -> list[Sequence[ComplaintRecord]]:
    step = settings.diagnosis_batch_size
    return [complaints[start : start + step] for start in range(0, len(complaints), step)]


_collector_lock = threading.Lock()
_collector_users = 0
_collector_saved: tuple[int, int, int] | None = None


@contextmanager
def batch_collector(settings: DiagnosticsSettings) -> Iterator[None]:
    """The garbage collector's young generation at ``diagnosis_gc_threshold`` while batches run.

    Evidence, checks and JSON allocate millions of small objects that die young and form no
    cycles; at the interpreter's threshold (700) the collector ran every few hundred of them and
    took ~20 % of the checks' time. Process-wide, so counted: batches in several threads (the
    API's batcher and retry loop) share one setting, restored when the last one ends."""
    global _collector_users, _collector_saved
    if settings.diagnosis_gc_threshold <= 0:
        yield
        return
    with _collector_lock:
        if _collector_users == 0:
            _collector_saved = gc.get_threshold()
            gc.set_threshold(settings.diagnosis_gc_threshold, *_collector_saved[1:])
        _collector_users += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_users -= 1
            if _collector_users == 0 and _collector_saved is not None:
                gc.set_threshold(*_collector_saved)
                _collector_saved = None


@contextmanager
def checks_worker(n_chunks: int) -> Iterator[CheckRunner]:
    """Runs ``diagnose_contexts`` of one chunk while the caller reads the next one's evidence (or
    stores the previous one's diagnoses, ``chunked``).

    Reading and storing mostly wait on the database (psycopg releases the GIL meanwhile) and the
    checks are pure Python, so the two overlap: the database works on one core while Python runs
    the checks on the other. One worker thread, so chunks are checked in order; a single chunk
    runs inline (the API's micro-batches: no thread to start). ``documents``: also build each
    diagnosis JSON (``Result.document``) for the caller to store."""
    if n_chunks <= 1:
        yield _inline
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nc-checks") as pool:
        yield lambda contexts, settings, calibration, documents: pool.submit(
            diagnose_contexts, contexts, settings, calibration, documents
        )


def _inline(
    contexts: Sequence[Context],
    settings: DiagnosticsSettings,
    calibration: Calibration,
    documents: bool,
) -> Future[list[Result]]:
    done: Future[list[Result]] = Future()
    try:
        done.set_result(diagnose_contexts(contexts, settings, calibration, documents))
    except Exception as exc:  # raised where the result is asked for, as from the worker
        done.set_exception(exc)
    return done


def diagnose(
    conn: Conn,
    complaints: Sequence[ComplaintRecord],
    settings: DiagnosticsSettings | None = None,
) -> list[Result]:
    """Diagnose complaints (already stored or not) with set-based evidence queries, chunk by
    chunk (``diagnosis_batch_size``), checking one chunk while reading the next one's evidence."""
    settings = settings or get_diag_settings()
    calibration = calibration_for(settings.confidence_calibration_file)
    parts = chunks(complaints, settings)
    results: list[Result] = []
    with batch_collector(settings), checks_worker(len(parts)) as check:
        pending: Future[list[Result]] | None = None
        for part in parts:
            contexts = gather(conn, part, settings)
            if pending is not None:  # at most one chunk waits: contexts don't pile up
                results.extend(pending.result())
            pending = check(contexts, settings, calibration, False)
        if pending is not None:
            results.extend(pending.result())
    return results
