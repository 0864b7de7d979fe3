"""One order per root cause: mass events and same cell + cause attach to the open order."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from tests.test_workorders_support import (
    ENGINEER,
    _fresh_wo_settings,
    ago,
    client,
    complaint,
    diagnose,
    diagnosis,
    evidence,
    get,
    mass_event,
    patch,
)

__all__ = ["_fresh_wo_settings", "client"]  # fixtures


def _outage(cell: str, event: str | None = None) -> dict[str, Any]:
    return diagnosis(
        "outage",
        evidence_items=[
            evidence("alarm", "outage", cell_id=cell, detail="site_down on the serving site"),
            evidence("availability", "outage", cell_id=cell, value=0, threshold=99.5),
        ],
        serving_cells=[cell, "NEIGH-1"],
        mass_event_id=event,
    )


def test_mass_event_complaints_share_one_order(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    mass_event(conn, "ME-1", "outage", ["S1-A", "S1-B"])
    ids = {
        diagnose(conn, complaint(conn, lat=39.90 + n * 0.01), _outage(cell, "ME-1"))
        for n, cell in enumerate(["S1-A", "S1-B", "S1-A", "S1-B"])
    }
    assert len(ids) == 1
    order_id = ids.pop()
    assert order_id is not None
    order = get(client, order_id)
    assert order["mass_event_id"] == "ME-1"
    assert order["complaint_count"] == 4 and len(order["complaints"]) == 4
    assert set(order["cells"]) == {"S1-A", "S1-B"}
    assert {(e["check"], e["cell_id"]) for e in order["evidence"]} == {
        ("alarm", "S1-A"),
        ("availability", "S1-A"),
        ("alarm", "S1-B"),
        ("availability", "S1-B"),
    }
    assert all(c["msisdn"].count("*") == 4 for c in order["complaints"])
    by_event = client.get("/v1/work-orders", params={"mass_event_id": "ME-1"}, headers=ENGINEER)
    assert [o["work_order_id"] for o in by_event.json()["items"]] == [order_id]


def test_same_cell_and_cause_attach_other_cause_opens_another(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    first = diagnose(conn, complaint(conn), _outage("X1"))
    second = diagnose(conn, complaint(conn, lat=39.95), _outage("X1"))
    assert first == second
    congestion = diagnose(conn, complaint(conn), diagnosis("congestion", serving_cells=["X1"]))
    assert congestion != first
    elsewhere = diagnose(conn, complaint(conn), _outage("X2"))
    assert elsewhere not in (first, congestion)
    assert first is not None
    assert get(client, first)["complaint_count"] == 2


def test_verified_orders_take_no_new_complaints(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    first = diagnose(conn, complaint(conn), _outage("V1"))
    assert first is not None
    for status in ("dispatched", "in_progress", "resolved", "verified"):
        assert patch(client, first, status=status).status_code == 200
    later = diagnose(conn, complaint(conn), _outage("V1"))
    assert later is not None and later != first


def test_complaint_after_the_fix_sends_a_resolved_order_back(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    first = diagnose(conn, complaint(conn), _outage("R1"))
    assert first is not None
    for status in ("dispatched", "in_progress", "resolved"):
        assert patch(client, first, status=status).status_code == 200
    assert diagnose(conn, complaint(conn, reported_at=ago(seconds=0)), _outage("R1")) == first
    order = get(client, first)
    assert order["status"] == "in_progress" and order["resolved_at"] is None
    assert "reported after the fix" in order["history"][-1]["note"]


def test_rediagnosis_is_idempotent(conn: psycopg.Connection[Any], client: TestClient) -> None:
    row = complaint(conn)
    first = diagnose(conn, row, _outage("I1"))
    again = diagnose(conn, row, _outage("I1"))
    assert first == again and first is not None
    assert get(client, first)["complaint_count"] == 1


def test_without_cells_attach_by_place(conn: psycopg.Connection[Any], client: TestClient) -> None:
    hole = diagnosis("weak_coverage", evidence_items=[evidence("blind_spot", "weak_coverage")])
    first = diagnose(conn, complaint(conn, lat=31.2304, lon=121.4737), hole)
    near = diagnose(conn, complaint(conn, lat=31.2320, lon=121.4737), hole)  # ~180 m
    far = diagnose(conn, complaint(conn, lat=31.2600, lon=121.4737), hole)  # ~3 km
    assert first == near and far != first


def test_concurrent_diagnoses_of_one_mass_event_open_one_order(
    conn: psycopg.Connection[Any], db_url: str
) -> None:
    mass_event(conn, "ME-C", "outage", ["K1"])
    rows = [complaint(conn) for _ in range(8)]
    conn.commit()
    results: list[str | None] = []
    barrier = threading.Barrier(len(rows))

    def worker(row: dict[str, Any]) -> None:
        with psycopg.connect(db_url) as own:
            barrier.wait()
            results.append(diagnose(own, row, _outage("K1", "ME-C")))

    threads = [threading.Thread(target=worker, args=(row,)) for row in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(set(results)) == 1 and results[0] is not None
    count = conn.execute("SELECT count(*) FROM work_orders").fetchone()
    assert count is not None and count[0] == 1
