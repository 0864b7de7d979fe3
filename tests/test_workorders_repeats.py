"""Repeat complaints (重复投诉): detection, escalation (升级投诉), reopening."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.test_workorders_support import (
    _fresh_wo_settings,
    ago,
    client,
    complaint,
    diagnose,
    diagnosis,
    get,
    patch,
    weak_coverage,
)

__all__ = ["_fresh_wo_settings", "client"]  # fixtures

MSISDN = "13912345678"


def _repeat_row(conn: psycopg.Connection[Any], complaint_id: str) -> tuple[Any, ...] | None:
    return conn.execute(
        "SELECT r.repeat_of, r.action, c.repeat_of FROM complaint_repeats r"
        " JOIN complaints c USING (complaint_id) WHERE r.complaint_id = %s",
        (complaint_id,),
    ).fetchone()


def test_repeat_of_an_open_order_escalates_it(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    first = complaint(conn, msisdn=MSISDN, reported_at=ago(days=2))
    order_id = diagnose(conn, first, weak_coverage("RP1"))
    assert order_id is not None
    before = get(client, order_id)
    assert not before["urgent"] and before["repeat_count"] == 0
    again = complaint(conn, msisdn=MSISDN, reported_at=ago(hours=1), lat=39.9050)
    assert diagnose(conn, again, weak_coverage("RP1")) == order_id
    after = get(client, order_id)
    assert after["urgent"] and after["escalated"] and after["repeat_count"] == 1
    assert after["priority"] > before["priority"]
    assert any("升级投诉" in (e["note"] or "") for e in after["history"])
    assert [c["repeat_of"] for c in after["complaints"]] == [None, first["complaint_id"]]
    assert _repeat_row(conn, again["complaint_id"]) == (
        first["complaint_id"],
        "escalated",
        first["complaint_id"],
    )


@pytest.mark.parametrize(
    ("reached", "expected"),
    [("resolved", "in_progress"), ("verified", "reopened"), ("closed", "reopened")],
)
def test_repeat_after_the_fix_reopens(
    conn: psycopg.Connection[Any], client: TestClient, reached: str, expected: str
) -> None:
    first = complaint(conn, msisdn=MSISDN, reported_at=ago(days=3))
    order_id = diagnose(conn, first, weak_coverage("RP2"))
    assert order_id is not None
    path = ["dispatched", "in_progress", "resolved", "verified", "closed"]
    for status in path[: path.index(reached) + 1]:
        assert patch(client, order_id, status=status).status_code == 200
    again = complaint(conn, msisdn=MSISDN, reported_at=ago(seconds=0))
    assert diagnose(conn, again, weak_coverage("RP2")) == order_id
    order = get(client, order_id)
    assert order["status"] == expected and order["urgent"] and order["repeat_count"] == 1
    assert order["resolved_at"] is None
    if expected == "reopened":  # a new time limit from the reopening
        assert order["due_state"] in ("on_time", "due_soon")
    else:  # the fix didn't hold: the original limit still counts
        assert order["due_state"] == "overdue"
    row = _repeat_row(conn, again["complaint_id"])
    assert row is not None and row[1] in ("back_in_progress", "reopened")


def test_repeat_of_a_user_side_complaint_opens_an_urgent_order(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    first = complaint(conn, msisdn=MSISDN, reported_at=ago(days=5), symptom="call_drop")
    assert diagnose(conn, first, diagnosis("terminal_sim")) is None
    again = complaint(
        conn, msisdn=MSISDN, reported_at=ago(hours=2), symptom="call_drop", lat=30.0, lon=120.0
    )  # terminal faults follow the user: place ignored
    order_id = diagnose(conn, again, diagnosis("terminal_sim", serving_cells=["U1"]))
    assert order_id is not None
    order = get(client, order_id)
    assert (order["route"], order["department"], order["urgent"]) == (
        "repeat.user_side",
        "rf_optimisation",
        True,
    )
    assert _repeat_row(conn, again["complaint_id"]) == (
        first["complaint_id"],
        "opened",
        first["complaint_id"],
    )


@pytest.mark.parametrize(
    ("window", "first_kwargs", "again_kwargs"),
    [
        # outside the window
        ("30", {"reported_at": ago(days=40)}, {}),
        # another place (3 km away)
        ("30", {}, {"lat": 39.93}),
        # another problem (data vs coverage), and another cause
        ("30", {}, {"symptom": "slow_data"}),
        # the window is configurable
        ("1", {"reported_at": ago(days=2)}, {}),
    ],
)
def test_not_a_repeat(
    conn: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
    window: str,
    first_kwargs: dict[str, Any],
    again_kwargs: dict[str, Any],
) -> None:
    monkeypatch.setenv("NETCOMPLAINT_WO_REPEAT_WINDOW_DAYS", window)
    kwargs = {"reported_at": ago(days=1), **first_kwargs}
    first = complaint(conn, msisdn=MSISDN, **kwargs)
    first_order = diagnose(conn, first, weak_coverage("NR1"))
    again = complaint(conn, msisdn=MSISDN, **again_kwargs)
    cause = "congestion" if again_kwargs.get("symptom") == "slow_data" else "weak_coverage"
    second_order = diagnose(conn, again, diagnosis(cause, serving_cells=["NR2"]))
    assert _repeat_row(conn, again["complaint_id"]) is None
    assert second_order != first_order
