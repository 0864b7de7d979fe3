"""Process KPIs (GET /v1/process-kpis): definitions checked on a hand-built period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from netcomplaint.errors import InputError
from tests.test_workorders_support import (
    ADMIN,
    AGENT,
    ENGINEER,
    PLANNER,
    _fresh_wo_settings,
    ago,
    client,
    complaint,
    diagnose,
    diagnosis,
    patch,
)
from workorders.process_kpis import process_kpis

__all__ = ["_fresh_wo_settings", "client"]  # fixtures

LONG_AGO = datetime(2024, 1, 5, 9, 0, tzinfo=UTC)


def _order(conn: psycopg.Connection[Any], cause: str, cell: str, **kwargs: Any) -> str:
    order_id = diagnose(conn, complaint(conn, **kwargs), diagnosis(cause, serving_cells=[cell]))
    assert order_id is not None
    return order_id


def _walk(client: TestClient, order_id: str, *statuses: str, **body: str) -> None:
    for status in statuses:
        assert patch(client, order_id, status=status, **body).status_code == 200


def _seed(conn: psycopg.Connection[Any], client: TestClient) -> None:
    on_time = _order(conn, "congestion", "K1")
    _walk(client, on_time, "dispatched", "in_progress", "resolved")
    late = _order(conn, "outage", "K2", reported_at=LONG_AGO)
    _walk(client, late, "dispatched", "in_progress", "resolved")
    _order(conn, "weak_coverage", "K3", reported_at=LONG_AGO)  # open and overdue
    cancelled = _order(conn, "interference", "K4")
    _walk(client, cancelled, "closed", reason="duplicate of another order")
    assert diagnose(conn, complaint(conn), diagnosis("terminal_sim")) is None  # first contact
    first = complaint(conn, msisdn="13611112222", reported_at=ago(days=3))
    assert diagnose(conn, first, diagnosis("no_fault_found")) is None
    again = complaint(conn, msisdn="13611112222", reported_at=ago(hours=1))
    assert diagnose(conn, again, diagnosis("no_fault_found")) is not None  # repeat: an order


def test_process_kpis_definitions(conn: psycopg.Connection[Any], client: TestClient) -> None:
    _seed(conn, client)
    params = {"from": "2024-01-01T00:00:00Z", "to": (ago(hours=-1)).isoformat()}
    response = client.get("/v1/process-kpis", params=params, headers=PLANNER)
    assert response.status_code == 200, response.text
    body = response.json()
    overall = body["overall"]
    assert overall["orders"] == 5 and overall["cancelled"] == 1
    assert (overall["resolved"], overall["on_time"], overall["late"]) == (2, 1, 1)
    assert overall["overdue_open"] == 1
    assert overall["timeliness_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert overall["resolution_rate"] == 0.5
    assert overall["complaints"] == 7 and overall["repeat_complaints"] == 1
    assert overall["repeat_complaint_rate"] == pytest.approx(1 / 7, abs=1e-4)
    assert overall["first_contact_resolved"] == 1
    assert overall["first_contact_resolution"] == pytest.approx(1 / 7, abs=1e-4)
    assert overall["p90_handling_hours"] >= overall["mean_handling_hours"] > 0
    departments = {d["department"]: d for d in body["by_department"]}
    assert departments["capacity_planning"]["timeliness_rate"] == 1.0
    assert departments["capacity_planning"]["first_contact_resolution"] is None
    assert departments["field_maintenance"]["late"] == 1
    causes = {c["cause"]: c for c in body["by_cause"]}
    assert causes["terminal_sim"]["orders"] == 0
    assert causes["terminal_sim"]["first_contact_resolution"] == 1.0
    assert causes["no_fault_found"]["repeat_complaint_rate"] == 0.5
    assert causes["no_fault_found"]["first_contact_resolution"] == 0.0
    assert body["targets"] == {"timeliness_rate": 0.95, "resolution_rate": 0.9}
    # a period with nothing in it: counts 0, rates null
    empty = client.get(
        "/v1/process-kpis",
        params={"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"},
        headers=ADMIN,
    ).json()
    assert empty["overall"]["orders"] == 0 and empty["overall"]["timeliness_rate"] is None
    assert empty["by_department"] == [] and empty["by_cause"] == []


def test_process_kpis_function_matches_the_api(conn: psycopg.Connection[Any]) -> None:
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(hours=1)
    assert process_kpis(conn, start, end)["overall"]["orders"] == 0
    with pytest.raises(InputError, match="after"):
        process_kpis(conn, end, start)


def test_process_kpis_roles_and_bad_input(client: TestClient) -> None:
    assert client.get("/v1/process-kpis", headers=PLANNER).status_code == 200
    assert client.get("/v1/process-kpis", headers=ENGINEER).status_code == 403
    assert client.get("/v1/process-kpis", headers=AGENT).status_code == 403
    assert client.get("/v1/process-kpis").status_code == 401
    backwards = client.get(
        "/v1/process-kpis",
        params={"from": "2024-02-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
        headers=PLANNER,
    )
    assert backwards.status_code == 422
    garbage = client.get("/v1/process-kpis", params={"from": "soon"}, headers=PLANNER)
    assert garbage.status_code == 422
