"""The service's background round keeps the loop turning without anyone running a command."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from api.retry import ROUND_LOCK, closed_loop_round
from netcomplaint.settings import CoreSettings
from storage.db import open_pool
from tests.test_workorders_support import ENGINEER, client, open_order

__all__ = ["client"]


def test_background_round_raises_overdue_warnings_once(
    conn: psycopg.Connection[Any], client: TestClient, settings: CoreSettings
) -> None:
    late = open_order(conn, reported_at=datetime(2024, 1, 5, 9, 0, tzinfo=UTC))
    pool = open_pool(settings)
    pool.open(wait=True)
    try:
        first = closed_loop_round(pool, warnings=True)
        second = closed_loop_round(pool, warnings=False)
    finally:
        pool.close()
    assert first["overdue_warnings"] >= 1 and first["surge_refresh"] == 1
    assert second["overdue_warnings"] == 0  # each warning is raised once
    history = client.get(f"/v1/work-orders/{late}", headers=ENGINEER).json()["history"]
    assert sum("超时预警" in (event["note"] or "") for event in history) == 1


def test_a_round_another_worker_process_runs_is_skipped(
    conn: psycopg.Connection[Any], settings: CoreSettings, db_url: str
) -> None:
    late = open_order(conn, reported_at=datetime(2024, 1, 5, 9, 0, tzinfo=UTC))
    pool = open_pool(settings)
    pool.open(wait=True)
    try:
        with psycopg.connect(db_url) as other:  # another ``serve`` worker in its round
            other.execute("SELECT pg_advisory_xact_lock(%s)", (ROUND_LOCK,))
            skipped = closed_loop_round(pool, warnings=True)
        after = closed_loop_round(pool, warnings=False)
    finally:
        pool.close()
    assert skipped == {}
    assert after["overdue_warnings"] >= 1
    warned = conn.execute(
        "SELECT overdue_warned_at IS NOT NULL FROM work_orders WHERE work_order_id = %s", (late,)
    ).fetchone()
    assert warned == (True,)
