"""A scenario run: mass events produce exactly one order each, whatever the arrival order.

Diagnostics opens a mass event only once enough complaints match and then relinks the earlier
ones; those already got orders of their own (here deliberately on different cells of the event,
so two orders exist before the event does). The run replays complaints of several events and
isolated ones in a seeded random order, as diagnostics would store and hand them over.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from diagnostics.reads import get_complaint
from tests.test_workorders_support import (
    ENGINEER,
    _fresh_wo_settings,
    ago,
    client,
    complaint,
    diagnose,
    diagnosis,
    evidence,
)

__all__ = ["_fresh_wo_settings", "client"]  # fixtures

EVENT_CAUSES = ["outage", "congestion", "interference", "outage", "congestion", "weak_coverage"]
CHECK = {
    "outage": ("availability", 10.0, 99.5),
    "congestion": ("prb_busy_hour", 95.0, 80.0),
    "interference": ("ul_interference", -95.0, -105.0),
    "weak_coverage": ("mr_weak_share", 0.6, 0.1),
}
MIN_COMPLAINTS = 3  # diagnostics opens an event at the 3rd matching complaint


def _diag(cause: str, cell: str, event: str | None) -> dict[str, Any]:
    check, value, threshold = CHECK[cause]
    return diagnosis(
        cause,
        evidence_items=[evidence(check, cause, cell_id=cell, value=value, threshold=threshold)],
        serving_cells=[cell],
        mass_event_id=event,
    )


def _open_event(conn: psycopg.Connection[Any], event: str, cause: str, members: list[str]) -> None:
    """What diagnostics does when an event forms: the row, then relink earlier members."""
    conn.execute(
        "INSERT INTO mass_events (mass_event_id, cause, started_at) VALUES (%s, %s, now())",
        (event, cause),
    )
    for complaint_id in members:
        conn.execute(
            "UPDATE diagnoses SET mass_event_id = %s WHERE complaint_id = %s", (event, complaint_id)
        )


def _write_back(conn: psycopg.Connection[Any], complaint_id: str, order_id: str | None) -> None:
    """Diagnostics writes the hook's answer beside the diagnosis JSON."""
    conn.execute(
        "UPDATE diagnoses SET work_order_id = %s WHERE complaint_id = %s", (order_id, complaint_id)
    )
    conn.commit()


def test_each_mass_event_gets_exactly_one_order(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    rng = random.Random(20240105)
    arrivals: list[tuple[str, str, str | None]] = []  # (cause, cell, event or None)
    for n, cause in enumerate(EVENT_CAUSES):
        cells = [f"E{n}-{k}" for k in range(3)]
        size = rng.randint(5, 12)
        arrivals += [(cause, cells[i % len(cells)], f"ME-{n}") for i in range(size)]
    isolated = [("outage", f"ISO-{k}", None) for k in range(4)]
    isolated += [("terminal_sim", f"ISO-U{k}", None) for k in range(4)]
    arrivals += isolated
    rng.shuffle(arrivals)

    seen_by_event: dict[str, list[str]] = defaultdict(list)
    opened: set[str] = set()
    complaints_of_event: dict[str, set[str]] = defaultdict(set)
    start = ago(hours=6)
    for i, (cause, cell, event) in enumerate(arrivals):
        row = complaint(
            conn, reported_at=start + timedelta(minutes=3 * i), cell_id=cell, lat=None, lon=None
        )
        linked: str | None = None
        if event is not None:
            earlier = seen_by_event[event]
            if event in opened:
                linked = event
            elif len(earlier) + 1 >= MIN_COMPLAINTS:
                _open_event(conn, event, cause, earlier)
                opened.add(event)
                linked = event
            earlier.append(row["complaint_id"])
            complaints_of_event[event].add(row["complaint_id"])
        order_id = diagnose(
            conn,
            row,
            _diag(cause, cell, linked) if cause != "terminal_sim" else diagnosis("terminal_sim"),
        )
        _write_back(conn, row["complaint_id"], order_id)

    orders = conn.execute(
        "SELECT mass_event_id, count(*) FROM work_orders GROUP BY 1 ORDER BY 1 NULLS LAST"
    ).fetchall()
    per_event = {event: n for event, n in orders if event is not None}
    assert per_event == {f"ME-{n}": 1 for n in range(len(EVENT_CAUSES))}
    assert dict(orders).get(None) == 4  # the isolated outages; user-side complaints open none

    for event, members in complaints_of_event.items():
        page = client.get(
            "/v1/work-orders", params={"mass_event_id": event}, headers=ENGINEER
        ).json()
        assert len(page["items"]) == 1
        order = client.get(
            f"/v1/work-orders/{page['items'][0]['work_order_id']}", headers=ENGINEER
        ).json()
        assert {c["complaint_id"] for c in order["complaints"]} == members
        assert order["complaint_count"] == len(members)
        assert len(order["cells"]) == 3
        # the diagnosis JSON of every member names the order that stayed
        ids = {get_complaint(conn, c)["diagnosis"]["work_order_id"] for c in members}
        assert ids == {order["work_order_id"]}
        if any("merged order" in (e["note"] or "") for e in order["history"]):
            assert order["history"][0]["to"] == "new"


def test_through_diagnostics_an_outage_gives_one_order(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    """End to end: complaints submitted to diagnostics around a site that is down."""
    from diagnostics.models import parse_complaint
    from diagnostics.service import submit_complaint
    from tests import test_diag_factories as f

    sites = f.network(conn, rings=1)
    down = sites[0]
    cells = [down.cell(k) for k in range(3)]
    f.kpis(
        conn,
        [s.cell(k) for s in sites for k in range(3)],
        f.T0 - timedelta(days=2),
        60,
        fault=lambda cell, ts, v: (
            v.update(availability_pct=0.0)
            if cell in cells and ts >= f.T0 - timedelta(hours=3)
            else None
        ),
    )
    f.alarm(conn, "AL-SITE", down.site_id, "site_down", f.T0 - timedelta(hours=3))
    ids: set[str | None] = set()
    for n in range(6):
        lat, lon = f.offset(down.lat, down.lon, 60.0 * n - 150.0, 40.0)
        body = f.complaint(
            f"E2E-{n}",
            lat,
            lon,
            "no_signal",
            f.T0 + timedelta(minutes=5 * n),
            msisdn=f"1390000{n:04d}",
            neighbours_affected="yes",
            frequency="persistent",
        )
        result = submit_complaint(conn, parse_complaint(body))
        conn.commit()
        ids.add(result.body["diagnosis"]["work_order_id"])
    orders = conn.execute(
        "SELECT work_order_id, mass_event_id, department, cause FROM work_orders"
    ).fetchall()
    assert len(orders) == 1, orders
    order_id, event, department, cause = orders[0]
    assert cause == "outage" and department == "field_maintenance" and event is not None
    assert ids == {order_id}
    detail = client.get(f"/v1/work-orders/{order_id}", headers=ENGINEER).json()
    assert detail["complaint_count"] == 6
