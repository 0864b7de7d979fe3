from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

import diagnostics.service
from api.retry import retry_round
from api.schemas import ComplaintDiagnosis
from netcomplaint.settings import CoreSettings, get_settings
from tests.test_api_support import add_cells, auth, client

__all__ = ["client"]
MSISDN = "13800138000"


def complaint(external_id: str = "E1", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": external_id,
        "msisdn": MSISDN,
        "reported_at": "2024-05-01T10:00:00+08:00",
        "lat": 39.9,
        "lon": 116.305,
        "symptom": "weak_signal",
        "description": "信号不好, only one or two bars",
    }
    return {**body, **changes}


def post(client: TestClient, body: Any) -> Any:
    return client.post("/v1/complaints", json=body, headers=auth("agent"))


def test_post_diagnoses_then_repeat_returns_the_stored_one(
    client: TestClient, conn: psycopg.Connection[Any], caplog: pytest.LogCaptureFixture
) -> None:
    add_cells(conn, 10)
    caplog.set_level(logging.INFO)
    first = post(client, complaint())
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["external_id"] == "E1" and body["diagnosis"]["primary_cause"]
    assert set(body["diagnosis"]["reply_script"]) >= {"zh", "en"}
    assert first.headers["location"] == f"/v1/complaints/{body['complaint_id']}"
    assert (
        first.headers["content-type"] == "application/json" and body["diagnosis_status"] == "done"
    )
    # served without the response model's own pass: it must still be a valid ComplaintDiagnosis
    assert (
        ComplaintDiagnosis.model_validate(body).model_dump(mode="json", exclude_unset=True) == body
    )
    again = post(client, complaint(description="changed"))
    assert again.status_code == 200 and again.json() == body
    one = client.get(f"/v1/complaints/{body['complaint_id']}", headers=auth("agent"))
    assert one.status_code == 200 and one.json()["complaint"]["msisdn"] == "138****8000"
    assert one.json()["diagnosis"] == body["diagnosis"]
    assert MSISDN not in first.text + one.text
    assert MSISDN not in caplog.text and "agent-key" not in caplog.text
    rows = conn.execute("SELECT count(*) FROM complaints").fetchone()
    assert rows == (1,)


def test_concurrent_duplicates_store_exactly_one(
    client: TestClient, conn: psycopg.Connection[Any]
) -> None:
    add_cells(conn, 10)
    statuses: list[int] = []
    ids: set[str] = set()
    barrier = threading.Barrier(8)

    def send() -> None:
        barrier.wait()
        response = post(client, complaint("DUP-1"))
        statuses.append(response.status_code)
        ids.add(response.json()["complaint_id"])

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 7 + [201] and len(ids) == 1
    count = conn.execute("SELECT count(*) FROM complaints WHERE external_id = 'DUP-1'").fetchone()
    assert count == (1,)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lat": "north"}, "lat"),
        ({"floor": "high"}, "floor"),
        ({"lat": 91.0}, "lat"),
        ({"lon": -180.5}, "lon"),
        ({"symptom": "bad_vibes", "description": None}, "symptom"),
        ({"occurred_to": "later"}, "occurred_to"),
        ({"reported_at": "yesterday"}, "reported_at"),
        ({"msisdn": "call me"}, "msisdn"),
        ({"external_id": None}, "external_id"),
    ],
)
def test_bad_complaints_are_422_naming_the_field(
    client: TestClient, changes: dict[str, Any], field: str
) -> None:
    response = post(client, complaint(**changes))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == field
    assert error["message"].startswith(f"{field}: ")


def test_a_window_typed_the_wrong_way_round_is_kept_in_order(
    client: TestClient, conn: psycopg.Connection[Any]
) -> None:
    """A window of 22:01 till 22:00 (one end rounded to the hour): the complaint is kept, not
    refused over an optional field, and its window read in order."""
    body = complaint(
        "E-rev",
        occurred_from="2024-05-01T09:01:36+08:00",
        occurred_to="2024-05-01T09:00:00+08:00",
    )
    assert post(client, body).status_code == 201
    stored = conn.execute(
        "SELECT occurred_from < occurred_to, extract(epoch FROM occurred_to - occurred_from) "
        "FROM complaints WHERE external_id = 'E-rev'"
    ).fetchone()
    assert stored == (True, 96)


def test_bad_bodies_are_422_in_our_shape(client: TestClient) -> None:
    headers = {**auth("agent"), "Content-Type": "application/json"}
    cases = [
        (b'{"external_id": ', headers, "invalid_json"),
        (b"\xff\xfe\x00garbage", headers, "invalid_json"),
        (b"[1, 2]", headers, "invalid_input"),
        (
            json.dumps(complaint()).encode(),
            {**auth("agent"), "Content-Type": "text/plain"},
            "unsupported_media_type",
        ),
        (b"x" * 10_000_000, headers, "body_too_large"),
    ]
    for content, sent_headers, code in cases:
        response = client.post("/v1/complaints", content=content, headers=sent_headers)
        assert response.status_code == 422, (code, response.text)
        assert response.json()["error"]["code"] == code
        assert response.json()["error"]["field"] == "body"


def test_failed_diagnosis_keeps_the_complaint_and_is_retried(
    client: TestClient, conn: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_cells(conn, 10)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("evidence store exploded")

    with monkeypatch.context() as patch:
        patch.setattr(diagnostics.service, "diagnose", broken)
        response = post(client, complaint("FAIL-1"))
    assert response.status_code == 201
    assert response.json()["diagnosis"] is None
    assert response.json()["diagnosis_status"] == "failed"
    status = conn.execute(
        "SELECT diagnosis_status FROM complaints WHERE external_id = 'FAIL-1'"
    ).fetchone()
    assert status == ("failed",)
    conn.commit()
    pool = client.app.state.pool  # type: ignore[attr-defined]
    assert retry_round(pool, min_age_s=0) == 1
    again = post(client, complaint("FAIL-1"))
    assert again.status_code == 200 and again.json()["diagnosis"]["primary_cause"]


def test_list_filters_and_pages(client: TestClient, conn: psycopg.Connection[Any]) -> None:
    add_cells(conn, 10)
    for i in range(5):
        at = f"2024-05-0{i + 1}T10:00:00Z"
        assert post(client, complaint(f"L{i}", reported_at=at, lon=116.30 + i * 0.01)).status_code
    params: dict[str, Any] = {"from": "2024-05-02T00:00:00Z", "to": "2024-05-05T00:00:00Z"}
    listed = client.get("/v1/complaints", params=params, headers=auth("agent")).json()
    assert [c["external_id"] for c in listed["items"]] == ["L1", "L2", "L3"]
    boxed = client.get(
        "/v1/complaints", params={"bbox": "116.315,39,116.335,41"}, headers=auth("agent")
    ).json()
    assert [c["external_id"] for c in boxed["items"]] == ["L2", "L3"]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page_params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/complaints", params=page_params, headers=auth("agent")).json()
        seen += [c["external_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["L0", "L1", "L2", "L3", "L4"]
    cause = listed["items"][0]["primary_cause"]
    by_cause = client.get("/v1/complaints", params={"cause": cause}, headers=auth("agent"))
    assert all(c["primary_cause"] == cause for c in by_cause.json()["items"])
    bad = client.get("/v1/complaints", params={"cause": "gremlins"}, headers=auth("agent"))
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cause"
    missing = client.get("/v1/complaints/C20240501-000000000000", headers=auth("agent"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_times_without_an_offset_are_in_the_default_zone(
    client: TestClient, conn: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call centre posting its wall-clock times ("2026-09-15 15:44") sets its zone once:
    NETCOMPLAINT_DEFAULT_TZ, as for the CSV ingest; they were read as UTC, 8 hours off, and a
    factory's daytime interference was looked for at night (gen 27)."""
    add_cells(conn, 10)
    monkeypatch.setenv("NETCOMPLAINT_DEFAULT_TZ", "Asia/Shanghai")
    get_settings.cache_clear()
    naive = complaint("TZ-1", reported_at="2024-05-01 10:00", occurred_from="2024-05-01T08:30:00")
    response = post(client, naive)
    assert response.status_code == 201, response.text
    stored = conn.execute(
        "SELECT reported_at, occurred_from, utc_offset_min FROM complaints WHERE external_id = %s",
        ("TZ-1",),
    ).fetchone()
    assert stored == (
        datetime(2024, 5, 1, 2, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 0, 30, tzinfo=UTC),
        480,
    )
    given = post(client, complaint("TZ-2", reported_at="2024-05-01T10:00:00Z"))
    assert given.status_code == 201  # an offset given is kept
    row = conn.execute("SELECT reported_at FROM complaints WHERE external_id = 'TZ-2'").fetchone()
    assert row == (datetime(2024, 5, 1, 10, 0, tzinfo=UTC),)


def test_an_unknown_default_zone_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETCOMPLAINT_DEFAULT_TZ", "China/Shenzhen")
    with pytest.raises(ValueError, match="'China/Shenzhen' is not a time zone"):
        CoreSettings()
