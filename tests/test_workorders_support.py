"""Seeding for the work-order tests: complaints and diagnoses as diagnostics stores them, then
the hook diagnostics calls (``workorders.hooks.on_diagnosis``) in the same transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.types.json import Jsonb

from api.app import create_app
from netcomplaint.settings import CoreSettings
from workorders.hooks import on_diagnosis
from workorders.settings import WorkOrderSettings, get_wo_settings

ENGINEER = {"Authorization": "Bearer engineer-key"}
PLANNER = {"Authorization": "Bearer planner-key"}
ADMIN = {"Authorization": "Bearer admin-key"}
AGENT = {"Authorization": "Bearer agent-key"}
_ids = count(1)


@pytest.fixture(autouse=True)
def _fresh_wo_settings() -> Iterator[None]:
    get_wo_settings.cache_clear()
    yield
    get_wo_settings.cache_clear()


@pytest.fixture
def client(settings: CoreSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def complaint(
    conn: psycopg.Connection[Any],
    *,
    msisdn: str | None = None,
    reported_at: datetime | None = None,
    lat: float | None = 39.9042,
    lon: float | None = 116.4074,
    cell_id: str | None = None,
    symptom: str = "weak_signal",
    urgent: bool = False,
    channel: str = "hotline",
    everywhere: bool | None = None,
) -> dict[str, Any]:
    """Store a complaint row as diagnostics does; return the mapping the hook receives."""
    n = next(_ids)
    msisdn = msisdn or f"138{n:08d}"
    row: dict[str, Any] = {
        "complaint_id": f"C{n:06d}",
        "external_id": f"ext-{n}",
        "msisdn_hash": f"hash-{msisdn}",
        "msisdn_masked": f"{msisdn[:3]}****{msisdn[-4:]}",
        "reported_at": reported_at or ago(minutes=5),
        "lat": lat,
        "lon": lon,
        "cell_id": cell_id,
        "symptom": symptom,
        "everywhere": everywhere,
        "channel": channel,
        "urgent": urgent,
    }
    conn.execute(
        "INSERT INTO complaints (complaint_id, external_id, msisdn_hash, msisdn_masked,"
        " reported_at, lat, lon, cell_id, symptom, everywhere, channel, urgent,"
        " diagnosis_status) VALUES (%(complaint_id)s, %(external_id)s, %(msisdn_hash)s,"
        " %(msisdn_masked)s, %(reported_at)s, %(lat)s, %(lon)s, %(cell_id)s, %(symptom)s,"
        " %(everywhere)s, %(channel)s, %(urgent)s, 'done')",
        row,
    )
    return row


def evidence(
    check: str,
    cause: str,
    *,
    finding: str = "abnormal",
    cell_id: str | None = None,
    value: float | None = None,
    threshold: float | None = None,
    unit: str | None = None,
    detail: str = "",
) -> dict[str, Any]:
    return {
        "check": check,
        "cause": cause,
        "finding": finding,
        "cell_id": cell_id,
        "value": value,
        "threshold": threshold,
        "unit": unit,
        "window": None,
        "detail": detail,
    }


def diagnosis(
    cause: str,
    *,
    attribution: str | None = None,
    evidence_items: Sequence[dict[str, Any]] = (),
    serving_cells: Sequence[str] = (),
    mass_event_id: str | None = None,
) -> dict[str, Any]:
    if attribution is None:
        attribution = "user" if cause in ("terminal_sim", "no_fault_found") else "network"
    return {
        "primary_cause": cause,
        "attribution": attribution,
        "confidence": 0.8,
        "causes": [{"cause": cause, "score": 0.8}],
        "evidence": list(evidence_items),
        "serving_cells": list(serving_cells),
        "reply_script": {"zh": "…", "en": "…"},
        "actions": [],
        "work_order_id": None,
        "mass_event_id": mass_event_id,
    }


def mass_event(
    conn: psycopg.Connection[Any], event_id: str, cause: str, cells: Sequence[str]
) -> None:
    conn.execute(
        "INSERT INTO mass_events (mass_event_id, cause, cells, started_at)"
        " VALUES (%s, %s, %s, now() - interval '1 hour') ON CONFLICT DO NOTHING",
        (event_id, cause, list(cells)),
    )


def diagnose(
    conn: psycopg.Connection[Any],
    row: dict[str, Any],
    diag: dict[str, Any],
    *,
    settings: WorkOrderSettings | None = None,
    now: datetime | None = None,
) -> str | None:
    """Store the diagnosis and call the hook in the same transaction, as diagnostics does."""
    conn.execute(
        "INSERT INTO diagnoses (complaint_id, primary_cause, attribution, confidence,"
        " serving_cells, mass_event_id, result) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (complaint_id) DO NOTHING",
        (
            row["complaint_id"],
            diag["primary_cause"],
            diag["attribution"],
            diag["confidence"],
            diag["serving_cells"],
            diag["mass_event_id"],
            Jsonb(diag),
        ),
    )
    order_id = on_diagnosis(conn, row, diag, settings=settings, now=now)
    conn.commit()
    return order_id


def weak_coverage(cell: str = "CELL-1") -> dict[str, Any]:
    return diagnosis(
        "weak_coverage",
        evidence_items=[
            evidence(
                "mr_rsrp", "weak_coverage", cell_id=cell, value=-117, threshold=-110, unit="dBm"
            ),
        ],
        serving_cells=[cell],
    )


def open_order(conn: psycopg.Connection[Any], **kwargs: Any) -> str:
    """One new order (weak coverage on a cell of its own unless a ``diag`` is given)."""
    diag = kwargs.pop("diag", None) or weak_coverage(f"CELL-{next(_ids)}")
    order_id = diagnose(conn, complaint(conn, **kwargs), diag)
    assert order_id is not None
    return order_id


def patch(client: TestClient, order_id: str, **body: Any) -> Any:
    return client.patch(f"/v1/work-orders/{order_id}", json=body, headers=ENGINEER)


def get(client: TestClient, order_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/work-orders/{order_id}", headers=ENGINEER)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
