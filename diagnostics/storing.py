"""Storing diagnoses: the diagnoses (one upsert, with their JSON) and the complaints' status, then,
under the global lock, mass events, the work-order hook and the ids they decided, all inside the
caller's transaction.

A diagnosis's ``mass_event_id`` and ``work_order_id`` are columns of ``diagnoses``, merged into
its JSON on read (``diagnostics.reads``), never kept in the stored JSON.

``store(conn, results, settings)`` returns each result's diagnosis JSON with its mass event and
work-order ids filled in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import psycopg

from diagnostics import mass_events
from diagnostics.checks.alarms import down_around, outage_began
from diagnostics.engine import Result
from diagnostics.settings import DiagnosticsSettings
from diagnostics.sqlparams import SEP
from storage.db import Conn
from workorders import hooks

log = logging.getLogger(__name__)

DONE_SQL = """
UPDATE complaints SET diagnosis_status = 'done', diagnosis_attempts = diagnosis_attempts + 1,
       diagnosis_error = NULL, diagnosed_at = now()
WHERE complaint_id = ANY(%s)
"""
# The diagnoses go in whole before the mass events (which leave the batch's own out) and the
# work-order hook (which reads the batch's causes and cells from them, and takes their mass
# events from the batch): outside the lock. The ids those decide are set after the hook, in the
# lock, only on the rows that got one: two short columns, not the JSON (~10 KB, TOASTed) again.
UPSERT_SQL = """
INSERT INTO diagnoses AS d (complaint_id, primary_cause, attribution, confidence, serving_cells,
                            event_cells, mass_event_id, work_order_id, result, diagnosed_at)
SELECT v.complaint_id, v.primary_cause, v.attribution, v.confidence,
       string_to_array(v.cells, chr(31)), string_to_array(v.event_cells, chr(31)), NULL, NULL,
       v.result::json, now()
FROM unnest(%b::text[], %b::text[], %b::text[], %b::float8[], %b::text[], %b::text[], %b::text[])
     AS v(complaint_id, primary_cause, attribution, confidence, cells, event_cells, result)
ON CONFLICT (complaint_id) DO UPDATE SET primary_cause = EXCLUDED.primary_cause,
    attribution = EXCLUDED.attribution, confidence = EXCLUDED.confidence,
    serving_cells = EXCLUDED.serving_cells, event_cells = EXCLUDED.event_cells,
    mass_event_id = NULL, work_order_id = NULL,
    result = EXCLUDED.result, diagnosed_at = EXCLUDED.diagnosed_at
"""
IDS_SQL = """
UPDATE diagnoses d SET mass_event_id = v.mass_event_id, work_order_id = v.work_order_id
FROM unnest(%b::text[], %b::text[], %b::text[]) AS v(complaint_id, mass_event_id, work_order_id)
WHERE d.complaint_id = v.complaint_id
"""
IDS = ("mass_event_id", "work_order_id")  # columns of diagnoses, not stored in its JSON


def store(
    conn: Conn,
    results: Sequence[Result],
    settings: DiagnosticsSettings,
    *,
    commit: bool = False,
) -> list[dict[str, Any]]:
    """Diagnoses (one upsert), complaint status, mass events, the work-order hook, their ids (one
    update); returns each result's diagnosis JSON (with mass event and work order).
    ``commit`` ends the caller's transaction in the ids' round trip (none without results)."""
    if not results:
        return []
    members = [
        mass_events.Member(
            r.complaint.complaint_id,
            r.complaint.msisdn_hash,
            r.diagnosis.primary_cause,
            r.complaint.reported_at,
            *_place(r),
            _event_cells(r, settings),
            _since(r, settings),
        )
        for r in results
    ]
    # Everything from the mass events on runs under their lock, which serialises the batches of
    # every process: its time is the service's throughput. So the JSON is built and written
    # before it (the ids filled in after), and the statements go in one pipeline: the writes
    # before the hook with its first read, the ids with the commit, instead of a round trip each.
    documents = [r.diagnosis.as_json() if r.document is None else r.document for r in results]
    with conn.pipeline():
        _store(conn, results, members, documents, settings)
        if commit:  # not conn.commit(), which syncs on its own: a round trip more in the lock
            conn.execute("COMMIT", prepare=False)
    return documents


def _store(
    conn: Conn,
    results: Sequence[Result],
    members: list[mass_events.Member],
    documents: list[dict[str, Any]],
    settings: DiagnosticsSettings,
) -> None:
    """The statements of ``store``; fills each document's mass event and work order in."""
    # an array element per diagnosis, each document checked once as json (not one JSON array of
    # them all, which the server built whole as jsonb before taking it apart); the serving cells
    # joined by SEP. orjson is ~10x json.dumps.
    conn.execute(
        UPSERT_SQL,
        (
            [r.complaint.complaint_id for r in results],
            [r.diagnosis.primary_cause for r in results],
            [r.diagnosis.attribution for r in results],
            [round(r.diagnosis.confidence, 6) for r in results],
            [SEP.join(r.diagnosis.serving_cells) for r in results],
            [SEP.join(m.cells) for m in members],
            [
                orjson.dumps({k: v for k, v in document.items() if k not in IDS}).decode()
                for document in documents
            ],
        ),
    )
    conn.execute(DONE_SQL, ([r.complaint.complaint_id for r in results],))
    events = mass_events.assign(conn, members, settings)
    for r, document in zip(results, documents, strict=True):
        r.diagnosis.mass_event_id = document["mass_event_id"] = events.get(r.complaint.complaint_id)
    _work_orders(conn, results, documents)
    linked = [(r, d) for r, d in zip(results, documents, strict=True) if any(d[k] for k in IDS)]
    if linked:
        conn.execute(
            IDS_SQL,
            (
                [r.complaint.complaint_id for r, _ in linked],
                [d["mass_event_id"] for _, d in linked],
                [d["work_order_id"] for _, d in linked],
            ),
        )


def _event_cells(r: Result, settings: DiagnosticsSettings) -> tuple[str, ...]:
    """The cells a complaint shares an event by: every cell of its serving sites (a site down
    takes all its sectors; complaints around it are served by different ones), its serving cells
    when no site is known. Only complaints with serving cells take part.

    An outage's also takes the neighbouring cells and sites down at the same time: a power cut or
    a fibre cut takes several sites, and the complaints of each are of one event (gens 25 and 26:
    one cut of 7 sites had made 8 events)."""
    serving = tuple(r.diagnosis.serving_cells)
    if not serving:
        return ()
    cells = [*serving, *r.context.serving.site_cells]
    if r.diagnosis.primary_cause == "outage":
        cells += down_around(r.context, settings)
    return tuple(dict.fromkeys(cells))


def _since(r: Result, settings: DiagnosticsSettings) -> datetime | None:
    """When the problem began: as the customer said (``occurred_from``), or for an outage, when
    its alarm was raised (told the next morning without times, gens 25 and 26)."""
    said = r.complaint.occurred_from
    if r.diagnosis.primary_cause != "outage":
        return said
    began = outage_began(r.context, settings)
    return min((t for t in (said, began) if t is not None), default=None)


def _place(r: Result) -> tuple[float | None, float | None]:
    loc = r.context.serving.location
    return (loc[0], loc[1]) if loc is not None else (None, None)


def _work_orders(
    conn: Conn, results: Sequence[Result], documents: Sequence[dict[str, Any]]
) -> None:
    ids: list[str | None] | None = None
    if len(results) > 1:  # a batch of one is the one-at-a-time path below
        items = [(r.complaint.as_mapping(), doc) for r, doc in zip(results, documents, strict=True)]
        try:
            with conn.transaction():  # one savepoint and one hook call for the batch
                ids = hooks.on_diagnoses(conn, items)
        except psycopg.Error:  # rolled back: one bad complaint mustn't cost the others
            log.exception("work-order hook failed for the batch; retrying one by one")
        except Exception:  # a bug in the hook: rolled back too, the diagnoses are kept
            log.exception("work-order hook raised for the batch; retrying one by one")
    if ids is None:
        ids = [_hook(conn, r, doc) for r, doc in zip(results, documents, strict=True)]
    for r, doc, wo in zip(results, documents, ids, strict=True):
        r.diagnosis.work_order_id = wo
        doc["work_order_id"] = wo


def _hook(conn: Conn, r: Result, document: dict[str, Any]) -> str | None:
    """One diagnosis's work-order step in its own savepoint; None (logged) when it fails."""
    try:
        with conn.transaction():
            return hooks.on_diagnosis(conn, r.complaint.as_mapping(), document)
    except psycopg.Error:
        log.exception("work-order hook failed for %s", r.complaint.complaint_id)
        return None
    except Exception:  # a bug in the hook must not lose the diagnosis
        log.exception("work-order hook raised for %s", r.complaint.complaint_id)
        return None
