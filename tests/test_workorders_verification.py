"""Verification after the fix: KPIs/MR back to normal → verified, else back to in_progress."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.test_workorders_support import (
    _fresh_wo_settings,
    client,
    complaint,
    diagnose,
    diagnosis,
    evidence,
    get,
    patch,
)
from workorders.cli import register
from workorders.settings import WorkOrderSettings
from workorders.verification import verify_due

__all__ = ["_fresh_wo_settings", "client"]  # fixtures

SETTINGS = WorkOrderSettings()


def _resolved(conn: psycopg.Connection[Any], client: TestClient, diag: dict[str, Any]) -> str:
    order_id = diagnose(conn, complaint(conn, lat=39.9042, lon=116.4074), diag)
    assert order_id is not None
    for status in ("dispatched", "in_progress", "resolved"):
        assert patch(client, order_id, status=status, note="fixed").status_code == 200
    return order_id


def _resolved_at(client: TestClient, order_id: str) -> datetime:
    return datetime.fromisoformat(get(client, order_id)["resolved_at"])


def _kpis(
    conn: psycopg.Connection[Any], cell: str, start: datetime, hours: int, **values: float
) -> None:
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO kpis (ts, cell_id, period_s, {columns}) VALUES (%s, %s, 900, {marks})",
            [(start + timedelta(minutes=15 * q), cell, *values.values()) for q in range(hours * 4)],
        )
    conn.commit()


CONGESTION = diagnosis(
    "congestion",
    evidence_items=[
        evidence(
            "prb_util_busy_hour", "congestion", cell_id="VK1", value=93, threshold=80, unit="%"
        ),
        evidence("ul_interference", "interference", cell_id="VK1", value=-100, threshold=-105),
    ],
    serving_cells=["VK1"],
)


def test_recovered_kpis_verify_the_order(conn: psycopg.Connection[Any], client: TestClient) -> None:
    order_id = _resolved(conn, client, CONGESTION)
    fixed = _resolved_at(client, order_id)
    _kpis(conn, "VK1", fixed, 25, prb_util_dl_pct=55.0)
    # before the verification period has passed nothing happens
    assert verify_due(conn, now=fixed + timedelta(hours=12), settings=SETTINGS) == {}
    assert verify_due(conn, now=fixed + timedelta(hours=25), settings=SETTINGS) == {"recovered": 1}
    conn.commit()
    order = get(client, order_id)
    assert order["status"] == "verified" and order["verified_at"]
    check = order["verification"]["checks"][0]
    # only the order's own cause is re-checked (the interference finding is not)
    assert len(order["verification"]["checks"]) == 1
    assert (check["metric"], check["cell_id"], check["result"]) == (
        "prb_util_dl_pct",
        "VK1",
        "normal",
    )
    assert order["history"][-1]["actor"] == "system"
    assert order["history"][-1]["to"] == "verified"


def test_not_recovered_kpis_send_it_back_with_evidence(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    order_id = _resolved(conn, client, CONGESTION)
    fixed = _resolved_at(client, order_id)
    _kpis(conn, "VK1", fixed, 20, prb_util_dl_pct=55.0)
    _kpis(conn, "VK1", fixed + timedelta(hours=20), 5, prb_util_dl_pct=91.0)
    assert verify_due(conn, now=fixed + timedelta(hours=25), settings=SETTINGS) == {
        "not_recovered": 1
    }
    conn.commit()
    order = get(client, order_id)
    assert order["status"] == "in_progress" and order["resolved_at"] is None
    assert order["verification"]["result"] == "not_recovered"
    check = order["verification"]["checks"][0]
    assert check["result"] == "abnormal" and check["observed"] == 91.0
    last = order["history"][-1]
    assert (last["from"], last["to"]) == ("resolved", "in_progress")
    assert "prb_util_dl_pct@VK1 abnormal" in last["note"]


def test_missing_data_leaves_the_order_resolved(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    order_id = _resolved(conn, client, CONGESTION)
    fixed = _resolved_at(client, order_id)
    _kpis(conn, "VK1", fixed, 3, prb_util_dl_pct=55.0)  # 3 of 24 hours
    assert verify_due(conn, now=fixed + timedelta(hours=25), settings=SETTINGS) == {"pending": 1}
    conn.commit()
    order = get(client, order_id)
    assert order["status"] == "resolved" and order["verification"]["result"] == "pending"


def test_outage_alarm_still_active_is_not_recovered(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    diag = diagnosis(
        "outage",
        evidence_items=[evidence("alarm", "outage", cell_id="VA1", detail="cell_unavailable")],
        serving_cells=["VA1"],
    )
    order_id = _resolved(conn, client, diag)
    fixed = _resolved_at(client, order_id)
    conn.execute(
        "INSERT INTO alarms (alarm_id, object_id, alarm_type, severity, raised_at)"
        " VALUES ('AL-1', 'VA1', 'cell_unavailable', 'critical', %s)",
        (fixed + timedelta(hours=3),),
    )
    conn.commit()
    assert verify_due(conn, now=fixed + timedelta(hours=30), settings=SETTINGS) == {
        "not_recovered": 1
    }
    conn.commit()
    assert get(client, order_id)["status"] == "in_progress"


def _mr(conn: psycopg.Connection[Any], start: datetime, rsrp: float, n: int) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO mr_samples (ts, lat, lon, rsrp_dbm, grid_id) VALUES (%s, %s, %s, %s, 'g')",
            [
                (start + timedelta(minutes=10 * i), 39.9042 + 0.0001 * (i % 5), 116.4074, rsrp)
                for i in range(n)
            ],
        )
    conn.commit()


def test_mr_coverage_recovered_after_the_fix(
    conn: psycopg.Connection[Any], client: TestClient, nc_env: dict[str, str]
) -> None:
    diag = diagnosis(
        "weak_coverage",
        evidence_items=[
            evidence(
                "mr_rsrp", "weak_coverage", cell_id="VM1", value=-118, threshold=-110, unit="dBm"
            )
        ],
        serving_cells=["VM1"],
    )
    order_id = _resolved(conn, client, diag)
    fixed = _resolved_at(client, order_id)
    _mr(conn, fixed - timedelta(hours=5), -120.0, 20)  # before the fix: ignored
    _mr(conn, fixed + timedelta(hours=1), -98.0, 40)
    app = typer.Typer()
    register(app)
    now = (fixed + timedelta(hours=26)).isoformat()
    result = CliRunner().invoke(app, ["workorders", "verify", "--now", now])
    assert result.exit_code == 0, result.output
    assert "recovered 1" in result.stdout
    order = get(client, order_id)
    assert order["status"] == "verified"
    assert order["verification"]["checks"][0]["metric"] == "mr_covered_share"


def test_nothing_measurable_is_verified_when_no_one_complains_again(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    diag = diagnosis(
        "roaming_registration",
        evidence_items=[evidence("hlr_subscriber_data", "roaming_registration")],
    )
    order_id = _resolved(conn, client, diag)
    fixed = _resolved_at(client, order_id)
    assert verify_due(conn, now=fixed + timedelta(hours=25), settings=SETTINGS) == {
        "no_measurable_findings": 1
    }
    conn.commit()
    assert get(client, order_id)["status"] == "verified"
