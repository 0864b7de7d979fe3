"""Helpers shared by the API tests (no tests here): keys, clients, small data sets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from netcomplaint.settings import CoreSettings

TEST_KEYS = "agent-key:agent,engineer-key:engineer,planner-key:planner,admin-key:admin"
KEYS = {
    "agent": "agent-key",
    "engineer": "engineer-key",
    "planner": "planner-key",
    "admin": "admin-key",
}
T0 = datetime(2024, 5, 1, tzinfo=UTC)


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[role]}"}


@pytest.fixture
def client(settings: CoreSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def add_cells(conn: psycopg.Connection[Any], count: int, *, lat0: float = 39.9) -> list[str]:
    """``count`` LTE cells on a line going east from (lat0, 116.3), ids C00000…"""
    rows = [
        (f"C{i:05d}", f"S{i // 3:05d}", lat0 + (i % 7) * 0.001, 116.3 + i * 0.001, "LTE")
        for i in range(count)
    ]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO cells (cell_id, site_id, lat, lon, technology) VALUES (%s,%s,%s,%s,%s)",
            rows,
        )
    conn.commit()
    return [row[0] for row in rows]


def add_kpis(conn: psycopg.Connection[Any], cell_id: str, periods: int) -> None:
    rows = [(T0 + timedelta(minutes=15 * i), cell_id, 99.5, 40.0 + i % 10) for i in range(periods)]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO kpis (ts, cell_id, availability_pct, prb_util_dl_pct)"
            " VALUES (%s,%s,%s,%s)",
            rows,
        )
    conn.commit()
