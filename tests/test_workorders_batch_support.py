"""The same history on two fresh databases, and what to compare (``test_workorders_batch``).

Complaints and diagnoses are stored as diagnostics stores them, earlier ones handed to the hook
one at a time, orders worked on through ``store.transition``; a run hands a batch to the hook
either as one ``on_diagnoses`` call or one ``on_diagnosis`` call per complaint.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from tests.conftest import _with_db
from tests.test_workorders_support import diagnosis, evidence
from workorders import store
from workorders.hooks import on_diagnoses, on_diagnosis
from workorders.settings import WorkOrderSettings

Conn = psycopg.Connection[Any]
Items = list[tuple[dict[str, Any], dict[str, Any]]]
Hook = Callable[[Conn, Items], list[str | None]]

T0 = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)  # a Monday
NOW = T0 + timedelta(hours=1)
SETTINGS = WorkOrderSettings()
HOME, TOWER, FIELD, PARK = (39.90, 116.40), (39.95, 116.30), (39.80, 116.50), (39.70, 116.60)
CHECKS = {
    "weak_coverage": ("mr_rsrp", -117.0, -110.0),
    "interference": ("ul_interference", -95.0, -105.0),
    "congestion": ("prb_busy_hour", 95.0, 80.0),
    "outage": ("availability", 10.0, 99.5),
}


@pytest.fixture
def other_conn(pg_admin_url: str, template_db: str) -> Iterator[Conn]:
    """A second fresh database, for the one-by-one run."""
    name = f"nc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template_db)
            )
        )
    try:
        with psycopg.connect(_with_db(pg_admin_url, name)) as connection:
            yield connection
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _batch_hook(conn: Conn, items: Items) -> list[str | None]:
    return on_diagnoses(conn, items, settings=SETTINGS, now=NOW)


def _one_by_one(conn: Conn, items: Items) -> list[str | None]:
    return [on_diagnosis(conn, c, d, settings=SETTINGS, now=NOW) for c, d in items]


def _complaint(
    conn: Conn,
    complaint_id: str,
    subscriber: str,
    at: datetime,
    place: tuple[float, float] = HOME,
    *,
    cell_id: str | None = None,
    symptom: str = "weak_signal",
    channel: str = "hotline",
) -> dict[str, Any]:
    row = {
        "complaint_id": complaint_id,
        "external_id": f"ext-{complaint_id}",
        "msisdn_hash": f"hash-{subscriber}",
        "msisdn_masked": "138****0000",
        "reported_at": at,
        "lat": place[0],
        "lon": place[1],
        "cell_id": cell_id,
        "symptom": symptom,
        "everywhere": None,
        "channel": channel,
        "urgent": False,
    }
    conn.execute(
        "INSERT INTO complaints (complaint_id, external_id, msisdn_hash, msisdn_masked,"
        " reported_at, lat, lon, cell_id, symptom, everywhere, channel, urgent,"
        " diagnosis_status) VALUES (%(complaint_id)s, %(external_id)s, %(msisdn_hash)s,"
        " %(msisdn_masked)s, %(reported_at)s, %(lat)s, %(lon)s, %(cell_id)s, %(symptom)s,"
        " %(everywhere)s, %(channel)s, %(urgent)s, 'done')",
        row,
    )
    return row


def _network(cause: str, cell: str | None, event: str | None = None) -> dict[str, Any]:
    check, value, threshold = CHECKS[cause]
    item = evidence(check, cause, cell_id=cell, value=value, threshold=threshold)
    return diagnosis(
        cause, evidence_items=[item], serving_cells=[cell] if cell else [], mass_event_id=event
    )


def _store(conn: Conn, row: dict[str, Any], diag: dict[str, Any]) -> None:
    """The diagnosis as diagnostics stores it before calling the hook."""
    conn.execute(
        "INSERT INTO diagnoses (complaint_id, primary_cause, attribution, confidence,"
        " serving_cells, mass_event_id, result) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            row["complaint_id"],
            diag["primary_cause"],
            diag["attribution"],
            diag["confidence"],
            diag["serving_cells"],
            diag["mass_event_id"],
            Jsonb(diag),
        ),
    )


def _relink(conn: Conn, event: str, complaint_ids: Sequence[str]) -> None:
    """What diagnostics does when a mass event forms over earlier complaints."""
    conn.execute(
        "UPDATE diagnoses SET mass_event_id = %s,"
        " result = jsonb_set(result::jsonb, '{mass_event_id}', to_jsonb(%s::text))::json"
        " WHERE complaint_id = ANY(%s)",
        (event, event, list(complaint_ids)),
    )


def _one_at_a_time(conn: Conn, rows: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    for row, diag in rows:
        _store(conn, row, diag)
        on_diagnosis(conn, row, diag, settings=SETTINGS, now=row["reported_at"])
        conn.commit()


def _move(conn: Conn, complaint_id: str, path: Sequence[str], at: datetime) -> None:
    """Work on the order of a complaint: through ``path``, an hour apart ending at ``at``."""
    found = conn.execute(
        "SELECT work_order_id FROM work_order_complaints WHERE complaint_id = %s", (complaint_id,)
    ).fetchone()
    assert found is not None
    cal = store.load_calendar(conn, SETTINGS)
    for k, target in enumerate(path):
        moment = at - timedelta(hours=len(path) - 1 - k)
        store.transition(
            conn,
            found[0],
            target,
            actor="engineer",
            note="fixed",
            at=moment,
            settings=SETTINGS,
            cal=cal,
        )
    conn.commit()


def _outcome(conn: Conn) -> dict[str, list[Any]]:
    queries = {
        "orders": "SELECT * FROM work_orders ORDER BY work_order_id",
        "links": "SELECT * FROM work_order_complaints ORDER BY work_order_id, complaint_id",
        "history": "SELECT work_order_id, at, actor, from_status, to_status, note"
        " FROM work_order_events ORDER BY work_order_id, event_id",
        "repeats": "SELECT * FROM complaint_repeats ORDER BY complaint_id",
        "repeat_of": "SELECT complaint_id, repeat_of FROM complaints ORDER BY complaint_id",
        "diagnoses": "SELECT complaint_id, work_order_id FROM diagnoses ORDER BY 1",
        "next_number": "SELECT nextval('work_order_seq')",
    }
    outcome = {name: conn.execute(q).fetchall() for name, q in queries.items()}
    with conn.cursor(row_factory=dict_row) as cur:  # every column, by name
        outcome["orders"] = cur.execute(queries["orders"]).fetchall()
    return outcome


def _run(conn: Conn, build: Callable[[Conn], Items], hook: Hook) -> tuple[Items, list[Any], Any]:
    items = build(conn)
    ids = hook(conn, items)
    conn.commit()
    return items, ids, _outcome(conn)


def _attached(conn: Conn) -> dict[str, str]:
    rows = conn.execute("SELECT complaint_id, work_order_id FROM work_order_complaints")
    return {str(c): str(o) for c, o in rows}


COUNTERS = "SELECT work_order_id, complaint_count, complainant_count, vip FROM work_orders"
COUNTED = """
SELECT o.work_order_id, count(w.complaint_id), count(DISTINCT c.msisdn_hash),
       coalesce(bool_or(s.vip), false)
FROM work_orders o
LEFT JOIN work_order_complaints w USING (work_order_id)
LEFT JOIN complaints c USING (complaint_id)
LEFT JOIN subscribers s ON s.msisdn_hash = c.msisdn_hash
GROUP BY o.work_order_id
"""


def counters_match(conn: Conn) -> None:
    """The counters the hook keeps on each order are what its complaints add up to."""
    kept = sorted(conn.execute(COUNTERS).fetchall())
    assert kept == sorted(conn.execute(COUNTED).fetchall())


def _same_outcome(conn: Conn, other_conn: Conn, build: Callable[[Conn], Items]) -> Any:
    items, ids, batch = _run(conn, build, _batch_hook)
    _, one_by_one_ids, one_by_one = _run(other_conn, build, _one_by_one)
    for name in batch:
        assert batch[name] == one_by_one[name], name
    counters_match(conn)
    counters_match(other_conn)
    attached = _attached(conn)
    for (complaint, _), order_id, alone in zip(items, ids, one_by_one_ids, strict=True):
        # the batch names the order each complaint ended in (after merges); one by one, a
        # complaint names its order at the time
        assert order_id == attached.get(str(complaint["complaint_id"]))
        assert alone is None or alone == order_id or alone not in attached.values()
    return batch
