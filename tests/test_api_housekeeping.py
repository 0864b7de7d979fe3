"""The service's background round keeps the loop turning without anyone running a command."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from api.retry import ROUND_LOCK, closed_loop_round
from netcomplaint.settings import CoreSettings
from storage.db import open_pool
from tests.test_workorders_support import ENGINEER, client, open_order

__all__ = ["client"]


@pytest.fixture
def pool(settings: CoreSettings) -> Iterator[ConnectionPool[Any]]:
    """The service's pool, as the background round gets it."""
    opened = open_pool(settings)
    opened.open(wait=True)
    try:
        yield opened
    finally:
        opened.close()


def test_background_round_raises_overdue_warnings_once(
    conn: psycopg.Connection[Any], client: TestClient, pool: ConnectionPool[Any]
) -> None:
    late = open_order(conn, reported_at=datetime(2024, 1, 5, 9, 0, tzinfo=UTC))
    first = closed_loop_round(pool, warnings=True)
    second = closed_loop_round(pool, warnings=False)
    assert first["overdue_warnings"] >= 1 and first["surge_refresh"] == 1
    assert second["overdue_warnings"] == 0  # each warning is raised once
    history = client.get(f"/v1/work-orders/{late}", headers=ENGINEER).json()["history"]
    assert sum("超时预警" in (event["note"] or "") for event in history) == 1


def test_a_round_another_worker_process_runs_is_skipped(
    conn: psycopg.Connection[Any], pool: ConnectionPool[Any], db_url: str
) -> None:
    late = open_order(conn, reported_at=datetime(2024, 1, 5, 9, 0, tzinfo=UTC))
    with psycopg.connect(db_url) as other:  # another ``serve`` worker in its round
        other.execute("SELECT pg_advisory_xact_lock(%s)", (ROUND_LOCK,))
        skipped = closed_loop_round(pool, warnings=True)
    after = closed_loop_round(pool, warnings=False)
    assert skipped == {}
    assert after["overdue_warnings"] >= 1
    warned = conn.execute(
        "SELECT overdue_warned_at IS NOT NULL FROM work_orders WHERE work_order_id = %s", (late,)
    ).fetchone()
    assert warned == (True,)
