"""Creation and routing: network causes open an order routed by cause and evidence."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.test_workorders_support import (
    ENGINEER,
    _fresh_wo_settings,
    client,
    complaint,
    diagnose,
    diagnosis,
    evidence,
    get,
)

__all__ = ["_fresh_wo_settings", "client"]  # fixtures

E = evidence
ROUTING_TABLE: list[tuple[str, list[dict[str, Any]], str, str, str]] = [
    # cause, evidence, route, department, grade
    (
        "weak_coverage",
        [E("mr_rsrp", "weak_coverage", cell_id="C1", value=-118, threshold=-110)],
        "weak_coverage",
        "rf_optimisation",
        "B",
    ),
    (
        "weak_coverage",
        [E("planned_site", "weak_coverage", detail="planned site 'Dongcheng-12'")],
        "weak_coverage.new_site",
        "planning",
        "C",
    ),
    (
        "weak_coverage",
        [E("blind_spot", "weak_coverage", detail="inside a recorded blind spot")],
        "weak_coverage.new_site",
        "planning",
        "C",
    ),
    (
        "weak_coverage",
        [
            E(
                "site_distance",
                "weak_coverage",
                cell_id="C1",
                value=2400,
                threshold=800,
                unit="m",
                detail="nearest site vs local ISD",
            )
        ],
        "weak_coverage.new_site",
        "planning",
        "C",
    ),
    (
        "weak_coverage",
        [E("site_distance", "weak_coverage", cell_id="C1", value=600, threshold=800, unit="m")],
        "weak_coverage",
        "rf_optimisation",
        "B",
    ),
    # as diagnostics writes them: distance/ISD ratios, recorded blind spots, nothing in reach
    (
        "weak_coverage",
        [
            E(
                "site_distance",
                "weak_coverage",
                cell_id="C1",
                value=1.3,
                threshold=0.6,
                unit="ratio",
                detail="at the cell edge",
            )
        ],
        "weak_coverage.new_site",
        "planning",
        "C",
    ),
    (
        "weak_coverage",
        [
            E(
                "site_distance",
                "weak_coverage",
                cell_id="C1",
                value=0.7,
                threshold=0.6,
                unit="ratio",
                detail="at the cell edge",
            )
        ],
        "weak_coverage",
        "rf_optimisation",
        "B",
    ),
    (
        "weak_coverage",
        [
            E(
                "site_distance",
                "weak_coverage",
                threshold=3000,
                unit="m",
                detail="no active cell within 3.0 km of the place",
            )
        ],
        "weak_coverage.new_site",
        "planning",
        "C",
    ),
    (
        "weak_coverage",
        [
            E(
                "known_weak_area",
                "weak_coverage",
                value=0,
                threshold=50,
                unit="m",
                detail="inside the recorded blind spot (盲区) 'Hill'",
            )
        ],
        "weak_coverage.new_site",
        "planning",
        "C",
    ),
    (
        "weak_coverage",
        [
            E(
                "known_weak_area",
                "weak_coverage",
                value=0,
                threshold=50,
                unit="m",
                detail="inside the recorded weak-coverage area (弱覆盖)",
            )
        ],
        "weak_coverage",
        "rf_optimisation",
        "B",
    ),
    (
        "interference",
        [
            E(
                "interference_source_area",
                "interference",
                value=0,
                unit="m",
                detail="inside a recorded interference source 'Steel works'",
            )
        ],
        "interference.external",
        "rf_optimisation",
        "D",
    ),
    (
        "outage",
        [
            E(
                "outage_alarms",
                "outage",
                cell_id="SITE-9",
                value=2,
                threshold=1,
                unit="alarms",
                detail="transmission alarm A-7 on SITE-9 (critical) raised "
                "2024-01-05 09:00 UTC, still active: fibre cut",
            )
        ],
        "outage.transmission",
        "transmission",
        "B",
    ),
    (
        "outage",
        [
            E(
                "outage_alarms",
                "outage",
                cell_id="SITE-9",
                value=1,
                threshold=1,
                unit="alarms",
                detail="power alarm A-8 on SITE-9 (major) raised …",
            )
        ],
        "outage.power",
        "field_maintenance",
        "A",
    ),
    (
        "interference",
        [E("ul_interference", "interference", cell_id="C1", value=-98, threshold=-105, unit="dBm")],
        "interference",
        "rf_optimisation",
        "A",
    ),
    (
        "interference",
        [E("interference_source", "interference", detail="factory near the cell")],
        "interference.external",
        "rf_optimisation",
        "D",
    ),
    (
        "congestion",
        [E("prb_util_busy_hour", "congestion", cell_id="C1", value=93, threshold=80)],
        "congestion",
        "capacity_planning",
        "B",
    ),
    (
        "outage",
        [E("alarm", "outage", cell_id="C1", detail="transmission alarm (fibre cut)")],
        "outage.transmission",
        "transmission",
        "B",
    ),
    (
        "outage",
        [E("alarm", "outage", cell_id="C1", detail="site_down: power failure")],
        "outage.power",
        "field_maintenance",
        "A",
    ),
    (
        "outage",
        [E("availability", "outage", cell_id="C1", value=40, threshold=99.5)],
        "outage",
        "field_maintenance",
        "A",
    ),
    (
        "roaming_registration",
        [E("registration", "roaming_registration", detail="not registered on the network")],
        "roaming_registration",
        "core_network",
        "B",
    ),
    (
        "roaming_registration",
        [
            E(
                "visited_network",
                "roaming_registration",
                detail="visited network 310-260 has no subscriber data",
            )
        ],
        "roaming_registration.partner",
        "core_network",
        "D",
    ),
]


@pytest.mark.parametrize(("cause", "items", "route", "department", "grade"), ROUTING_TABLE)
def test_routing_table(
    conn: psycopg.Connection[Any],
    client: TestClient,
    cause: str,
    items: list[dict[str, Any]],
    route: str,
    department: str,
    grade: str,
) -> None:
    diag = diagnosis(cause, evidence_items=items, serving_cells=["C1", "C2"])
    order_id = diagnose(conn, complaint(conn), diag)
    assert order_id is not None
    order = get(client, order_id)
    assert (order["route"], order["department"], order["grade"]) == (route, department, grade)
    assert order["status"] == "new" and order["cause"] == cause
    assert order["complaint_count"] == 1 and order["history"][0]["to"] == "new"
    assert order["evidence"] and all(e["finding"] == "abnormal" for e in order["evidence"])


@pytest.mark.parametrize("cause", ["terminal_sim", "no_fault_found"])
def test_user_side_and_no_fault_open_no_order(
    conn: psycopg.Connection[Any], client: TestClient, cause: str
) -> None:
    assert diagnose(conn, complaint(conn), diagnosis(cause)) is None
    assert client.get("/v1/work-orders", headers=ENGINEER).json()["items"] == []


def test_network_cause_attributed_to_the_user_opens_nothing(
    conn: psycopg.Connection[Any],
) -> None:
    assert diagnose(conn, complaint(conn), diagnosis("weak_coverage", attribution="user")) is None


def test_a_customer_s_own_phone_setting_opens_no_order(conn: psycopg.Connection[Any]) -> None:
    """Roaming switched off or calls forwarded, and no network's reject on record: the reply
    tells the customer how to change it; an order opens only when it comes back, or when a
    network rejected the number (gens 22-24: every call-forwarding complaint got an order)."""
    switched_off = [
        E("roaming_switch", "roaming_registration", detail="roaming is switched off"),
        E("registration_status", "roaming_registration", detail="not registered at …"),
    ]
    assert (
        diagnose(
            conn, complaint(conn), diagnosis("roaming_registration", evidence_items=switched_off)
        )
        is None
    )
    forwarded = [E("call_forwarding", "roaming_registration", detail="calls are forwarded")]
    assert (
        diagnose(conn, complaint(conn), diagnosis("roaming_registration", evidence_items=forwarded))
        is None
    )
    rejected = [
        *switched_off[:1],
        E(
            "registration_status",
            "roaming_registration",
            detail="rejected on 454-00, reject cause 13",
        ),
    ]
    assert diagnose(
        conn, complaint(conn), diagnosis("roaming_registration", evidence_items=rejected)
    )


def test_routing_overrides_from_settings(
    conn: psycopg.Connection[Any], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETCOMPLAINT_WO_ROUTING", '{"congestion": "rf_optimisation"}')
    monkeypatch.setenv("NETCOMPLAINT_WO_GRADES", '{"congestion": "A"}')
    order_id = diagnose(conn, complaint(conn), diagnosis("congestion", serving_cells=["C9"]))
    assert order_id is not None
    order = get(client, order_id)
    assert (order["department"], order["grade"]) == ("rf_optimisation", "A")


def test_priority_grows_with_urgency_vip_and_complaints(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    calm = diagnose(conn, complaint(conn), diagnosis("congestion", serving_cells=["P1"]))
    conn.execute(
        "INSERT INTO subscribers (msisdn_hash, msisdn_masked, tac, sim_type, vip)"
        " VALUES ('hash-13900000001', '139****0001', '35332509', '4g', true)"
    )
    vip = diagnose(
        conn,
        complaint(conn, msisdn="13900000001", channel="regulator"),
        diagnosis("congestion", serving_cells=["P2"]),
    )
    assert calm and vip
    calm_order, vip_order = get(client, calm), get(client, vip)
    assert vip_order["urgent"] and not calm_order["urgent"]
    assert vip_order["priority"] > calm_order["priority"]
    before = calm_order["priority"]
    for n in range(3):
        other = complaint(conn, msisdn=f"1370000000{n}")
        assert diagnose(conn, other, diagnosis("congestion", serving_cells=["P1"])) == calm
    after = get(client, calm)
    assert after["complaint_count"] == 4 and after["affected_users"] == 4
    assert after["priority"] > before


def test_list_filters_and_pagination(conn: psycopg.Connection[Any], client: TestClient) -> None:
    ids = [
        diagnose(conn, complaint(conn), diagnosis("congestion", serving_cells=[f"L{n}"]))
        for n in range(5)
    ]
    ids.append(diagnose(conn, complaint(conn), diagnosis("interference", serving_cells=["LX"])))
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, "department": "capacity_planning"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/work-orders", params=params, headers=ENGINEER).json()
        seen += [o["work_order_id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(i for i in ids[:5] if i)
    assert len(set(seen)) == 5
    only_new = client.get("/v1/work-orders", params={"status": "new"}, headers=ENGINEER).json()
    assert len(only_new["items"]) == 6
    bad = client.get("/v1/work-orders", params={"status": "nope"}, headers=ENGINEER)
    assert bad.status_code == 422
    bad_cursor = client.get("/v1/work-orders", params={"cursor": "xyz"}, headers=ENGINEER)
    assert bad_cursor.status_code == 422 and bad_cursor.json()["error"]["field"] == "cursor"


def test_roles(client: TestClient) -> None:
    assert client.get("/v1/work-orders").status_code == 401
    agent = client.get("/v1/work-orders", headers={"Authorization": "Bearer agent-key"})
    assert agent.status_code == 403
    admin = client.get("/v1/work-orders", headers={"Authorization": "Bearer admin-key"})
    assert admin.status_code == 200
    missing = client.get("/v1/work-orders/WO-19700101-000001", headers=ENGINEER)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
