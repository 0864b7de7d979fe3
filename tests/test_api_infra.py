"""Request ids, structured logs without secrets, metrics, the error shape for HTTP errors."""

from __future__ import annotations

import gc
import json
import logging
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.logs import REQUEST_ID, JsonFormatter, RequestIdFilter, mask_pii
from netcomplaint.settings import CoreSettings
from tests.test_api_support import add_cells, auth, client

__all__ = ["client"]


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "call-42.a"})
    assert given.headers["x-request-id"] == "call-42.a"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(made.headers["x-request-id"]) == 32
    assert client.get("/v1/cells").headers["x-request-id"]  # errors carry one too


def test_access_log_is_json_with_route_status_latency_and_no_secrets(
    client: TestClient, conn: psycopg.Connection[Any], caplog: pytest.LogCaptureFixture
) -> None:
    add_cells(conn, 2)
    caplog.set_level(logging.INFO, logger="api.access")
    client.get("/v1/cells/C00001/kpis", headers={**auth("engineer"), "X-Request-ID": "r-1"})
    echoed = client.get("/v1/cells/13800138000/kpis", headers=auth("engineer"))
    assert echoed.status_code == 404 and "13800138000" not in echoed.text
    records = [r for r in caplog.records if r.name == "api.access"]
    assert len(records) == 2
    formatter = JsonFormatter()
    first, second = (json.loads(formatter.format(r)) for r in records)
    assert first["request_id"] == "r-1" and first["status"] == 200
    assert first["route"] == "/v1/cells/{cell_id}/kpis" and first["method"] == "GET"
    assert isinstance(first["latency_ms"], float)
    assert second["status"] == 404 and "13800138000" not in json.dumps(second)
    assert "138****8000" in second["path"]
    assert all("engineer-key" not in formatter.format(r) for r in records)


def test_masking_of_numbers_and_tokens() -> None:
    assert mask_pii("call from +8613800138000 now") == "call from 861****8000 now"
    assert mask_pii("Authorization: Bearer s3cret-key") == "Authorization: Bearer ***"
    assert mask_pii("cell C00001 at 2024-05-01 10:00") == "cell C00001 at 2024-05-01 10:00"
    record = logging.makeLogRecord({"msg": "msisdn %s", "args": ("13900139000",)})
    assert "139****9000" in JsonFormatter().format(record)


def test_request_id_reaches_other_log_records() -> None:
    outside = logging.makeLogRecord({"msg": "outside a request"})
    assert RequestIdFilter().filter(outside) and not hasattr(outside, "request_id")
    token = REQUEST_ID.set("abc")
    try:
        inside = logging.makeLogRecord({"msg": "inside"})
        RequestIdFilter().filter(inside)
    finally:
        REQUEST_ID.reset(token)
    assert json.loads(JsonFormatter().format(inside))["request_id"] == "abc"


def test_metrics_count_requests_by_route_template(
    client: TestClient, conn: psycopg.Connection[Any]
) -> None:
    add_cells(conn, 2)
    for cell in ("C00000", "C00001"):
        client.get(f"/v1/cells/{cell}/kpis", headers=auth("engineer"))
    text = client.get("/metrics").text
    assert (
        'netcomplaint_http_requests_total{method="GET",route="/v1/cells/{cell_id}/kpis",'
        'status="200"}' in text
    )
    assert "netcomplaint_http_request_duration_seconds_bucket" in text
    assert "netcomplaint_db_pool_size" in text
    assert "C00001" not in text


def test_http_errors_use_the_error_shape(client: TestClient) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong_method = client.delete("/v1/cells", headers=auth("engineer"))
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert "/v1/complaints" in document["paths"]
    assert "ErrorResponse" in document["components"]["schemas"]
    assert client.get("/docs").status_code == 200
    ready = client.get("/readyz").json()
    assert ready["status"] == "ok" and ready["database"] == "up"


def test_the_service_freezes_its_startup_objects_out_of_the_collector(
    settings: CoreSettings,
) -> None:
    """Full collections otherwise walk every imported module's objects: ~90 ms stops."""
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(settings)) as running:
        assert running.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0  # given back at shutdown
