"""Lifecycle through the API: every allowed and every forbidden transition, events, notes."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.test_workorders_support import (
    ENGINEER,
    _fresh_wo_settings,
    client,
    get,
    open_order,
    patch,
)
from workorders.lifecycle import STATUSES, TRANSITIONS

__all__ = ["_fresh_wo_settings", "client"]  # fixtures

# how to reach each status from new (each step a PATCH body)
PATHS: dict[str, list[dict[str, str]]] = {
    "new": [],
    "dispatched": [{"status": "dispatched"}],
    "in_progress": [{"status": "dispatched"}, {"status": "in_progress"}],
    "resolved": [{"status": "dispatched"}, {"status": "in_progress"}, {"status": "resolved"}],
    "verified": [
        {"status": "dispatched"},
        {"status": "in_progress"},
        {"status": "resolved"},
        {"status": "verified", "note": "drive test ok"},
    ],
    "closed": [
        {"status": "dispatched"},
        {"status": "in_progress"},
        {"status": "resolved"},
        {"status": "verified"},
        {"status": "closed"},
    ],
    "rejected": [{"status": "dispatched"}, {"status": "rejected", "reason": "not ours"}],
    "reopened": [
        {"status": "dispatched"},
        {"status": "in_progress"},
        {"status": "resolved"},
        {"status": "verified"},
        {"status": "reopened", "note": "customer called again"},
    ],
}


def _walk(client: TestClient, order_id: str, status: str) -> None:
    for step in PATHS[status]:
        response = patch(client, order_id, **step)
        assert response.status_code == 200, (step, response.text)
    assert get(client, order_id)["status"] == status


@pytest.mark.parametrize("current", STATUSES)
def test_every_transition_from(
    conn: psycopg.Connection[Any], client: TestClient, current: str
) -> None:
    for target in STATUSES:
        order_id = open_order(conn)
        _walk(client, order_id, current)
        before = get(client, order_id)
        response = patch(client, order_id, status=target, reason="because", note="test")
        if target == current:  # not a transition: the note is recorded, status unchanged
            assert response.status_code == 200
            assert response.json()["status"] == current
        elif target in TRANSITIONS[current]:
            assert response.status_code == 200, (current, target, response.text)
            after = response.json()
            assert after["status"] == target
            last = after["history"][-1]
            assert (last["from"], last["to"], last["actor"]) == (current, target, "api:engineer")
            assert "because" in last["note"]
        else:
            assert response.status_code == 409, (current, target, response.text)
            body = response.json()
            assert body["error"]["code"] == "conflict"
            assert f"from {current} to {target}" in body["error"]["message"]
            assert get(client, order_id)["history"] == before["history"]


def test_reject_needs_a_reason_and_goes_back_to_the_centre(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    order_id = open_order(conn)
    _walk(client, order_id, "dispatched")
    missing = patch(client, order_id, status="rejected")
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "reason"
    reason = "no coverage issue: a handset fault"
    rejected = patch(client, order_id, status="rejected", reason=reason)
    assert rejected.status_code == 200
    assert rejected.json()["history"][-1]["note"] == "no coverage issue: a handset fault"
    # the centre re-routes it to another department and dispatches it again
    again = patch(client, order_id, status="dispatched", department="field_maintenance", grade="A")
    assert again.status_code == 200, again.text
    body = again.json()
    assert (body["status"], body["department"], body["grade"]) == (
        "dispatched",
        "field_maintenance",
        "A",
    )
    assert any("re-routed" in (e["note"] or "") for e in body["history"])


def test_reroute_of_an_order_in_work_is_a_conflict(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    order_id = open_order(conn)
    _walk(client, order_id, "in_progress")
    assert patch(client, order_id, department="transmission").status_code == 409


def test_history_records_who_when_from_to_note(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    order_id = open_order(conn)
    assert patch(client, order_id, status="dispatched", assignee="wang.li").status_code == 200
    response = patch(client, order_id, status="in_progress", actor="wang.li", note="on site")
    body = response.json()
    assert body["assignee"] == "wang.li"
    notes = [(e["actor"], e["from"], e["to"], e["note"]) for e in body["history"]]
    assert ("api:engineer", None, None, "assigned to wang.li") in notes
    assert ("api:engineer", "new", "dispatched", None) in notes
    assert notes[-1] == ("wang.li", "dispatched", "in_progress", "on site")
    assert all(e["at"] for e in body["history"])
    resolved = patch(client, order_id, status="resolved", note="tilt changed 4→6°").json()
    assert resolved["resolved_at"] is not None and resolved["due_state"] in ("met", "missed")


def test_note_only_and_bad_bodies(conn: psycopg.Connection[Any], client: TestClient) -> None:
    order_id = open_order(conn)
    noted = patch(client, order_id, note="called the customer back")
    assert noted.status_code == 200
    assert noted.json()["history"][-1]["note"] == "called the customer back"
    assert patch(client, order_id).status_code == 422
    assert patch(client, order_id, status="bogus").status_code == 422
    assert patch(client, order_id, colour="red").status_code == 422
    unknown = client.patch(
        "/v1/work-orders/WO-00000000-999999", json={"note": "x"}, headers=ENGINEER
    )
    assert unknown.status_code == 404
    planner = client.patch(
        f"/v1/work-orders/{order_id}",
        json={"note": "x"},
        headers={"Authorization": "Bearer planner-key"},
    )
    assert planner.status_code == 403
