"""Storing diagnoses: mass events, the diagnoses (COPY + one upsert), the complaints' status, and
the work-order hook, all inside the caller's transaction.

``store(conn, results, settings)`` returns each result's diagnosis JSON with its mass event and
work-order ids filled in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import orjson
import psycopg

from diagnostics import mass_events
from diagnostics.engine import Result
from diagnostics.settings import DiagnosticsSettings
from storage.db import Conn
from workorders import hooks

log = logging.getLogger(__name__)

DONE_SQL = """
UPDATE complaints SET diagnosis_status = 'done', diagnosis_attempts = diagnosis_attempts + 1,
       diagnosis_error = NULL, diagnosed_at = now()
WHERE complaint_id = ANY(%s)
"""
WORK_ORDER_SQL = """
UPDATE diagnoses SET result = jsonb_set(result, '{work_order_id}', to_jsonb(%s::text))
WHERE complaint_id = %s
"""

STAGE_SQL = """
CREATE TEMP TABLE IF NOT EXISTS _diag_stage (
    complaint_id text, primary_cause text, attribution text, confidence double precision,
    serving_cells text[], mass_event_id text, result jsonb
) ON COMMIT DELETE ROWS
"""
UPSERT_SQL = """
INSERT INTO diagnoses AS d (complaint_id, primary_cause, attribution, confidence, serving_cells,
                            mass_event_id, result, diagnosed_at)
SELECT complaint_id, primary_cause, attribution, confidence, serving_cells, mass_event_id,
       result, now()
FROM _diag_stage
ON CONFLICT (complaint_id) DO UPDATE SET primary_cause = EXCLUDED.primary_cause,
    attribution = EXCLUDED.attribution, confidence = EXCLUDED.confidence,
    serving_cells = EXCLUDED.serving_cells, mass_event_id = EXCLUDED.mass_event_id,
    result = EXCLUDED.result, diagnosed_at = EXCLUDED.diagnosed_at
"""


def store(
    conn: Conn, results: Sequence[Result], settings: DiagnosticsSettings
) -> list[dict[str, Any]]:
    """Mass events, diagnoses (COPY + one upsert), complaint status, then the work-order hook per
    diagnosis; returns the diagnosis JSON of each result (with mass event and work order ids)."""
    if not results:
        return []
    members = [
        mass_events.Member(
            r.complaint.complaint_id,
            r.complaint.msisdn_hash,
            r.diagnosis.primary_cause,
            r.complaint.reported_at,
            *_place(r),
            tuple(r.diagnosis.serving_cells),
        )
        for r in results
    ]
    events = mass_events.assign(conn, members, settings)
    documents = []
    for r in results:
        r.diagnosis.mass_event_id = events.get(r.complaint.complaint_id)
        documents.append(r.diagnosis.as_json())
    conn.execute(STAGE_SQL)
    conn.execute("TRUNCATE _diag_stage")
    with conn.cursor().copy(
        "COPY _diag_stage (complaint_id, primary_cause, attribution, confidence, serving_cells, "
        "mass_event_id, result) FROM STDIN"
    ) as copy:
        for r, doc in zip(results, documents, strict=True):
            d = r.diagnosis
            copy.write_row(
                (
                    r.complaint.complaint_id,
                    d.primary_cause,
                    d.attribution,
                    round(d.confidence, 6),
                    d.serving_cells,
                    d.mass_event_id,
                    orjson.dumps(doc).decode(),  # ~10× json.dumps
                )
            )
    conn.execute(UPSERT_SQL)
    conn.execute(DONE_SQL, ([r.complaint.complaint_id for r in results],))
    _work_orders(conn, results, documents)
    return documents


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
    updates = []
    for r, doc, wo in zip(results, documents, ids, strict=True):
        r.diagnosis.work_order_id = wo
        doc["work_order_id"] = wo
        if wo:
            updates.append((wo, r.complaint.complaint_id))
    if updates:
        with conn.cursor() as cur:
            cur.executemany(WORK_ORDER_SQL, updates)


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
