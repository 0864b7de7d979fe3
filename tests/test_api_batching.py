"""Micro-batched diagnoses of concurrent ``POST /v1/complaints`` (api/batcher.py), end to end.

Each test posts from many threads at once through the HTTP API against the real database, with a
wide batch window so concurrent posts share batches; ``diagnose_many`` is wrapped (not replaced)
to see the batches, and the engine is made to raise for one complaint where a test needs it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

import api.batcher
import diagnostics.engine
import diagnostics.service
from api.app import create_app
from api.metrics import DIAGNOSES
from api.settings import ApiSettings
from diagnostics.models import ComplaintRecord
from netcomplaint.settings import CoreSettings
from storage.migrate import migrate
from tests.test_api_complaints import complaint
from tests.test_api_resilience import Restartable, _settings, restartable
from tests.test_api_support import add_cells, auth

__all__ = ["restartable"]
WIDE = ApiSettings(batch_window_ms=300, retry_interval_s=0)


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The complaint ids of every batch the batcher diagnoses (diagnose_many still runs)."""
    seen: list[list[str]] = []
    real = diagnostics.service.diagnose_many

    def recording(conn: Any, ids: Sequence[str], **kwargs: Any) -> dict[str, dict[str, Any]]:
        seen.append(list(ids))
        return real(conn, ids, **kwargs)

    monkeypatch.setattr(api.batcher, "diagnose_many", recording)
    return seen


@pytest.fixture
def wide_client(settings: CoreSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, WIDE)) as client:
        yield client


def at_once(count: int, send: Callable[[int], Any]) -> list[Any]:
    """``send(i)`` from ``count`` threads released together; the answers in order of i."""
    answers: list[Any] = [None] * count
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = send(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def post(client: TestClient, body: dict[str, Any]) -> Any:
    return client.post("/v1/complaints", json=body, headers=auth("agent"))


def failures_counted() -> float:
    return REGISTRY.get_sample_value("netcomplaint_diagnosis_failures_total") or 0.0


def diagnoses_counted() -> float:
    return sum(s.value for m in DIAGNOSES.collect() for s in m.samples if s.name.endswith("_total"))


def test_concurrent_posts_share_batches_and_each_gets_its_own_diagnosis(
    wide_client: TestClient, conn: psycopg.Connection[Any], batches: list[list[str]]
) -> None:
    add_cells(conn, 10)
    counted = diagnoses_counted()
    bodies = [complaint(f"B{i}", lon=116.30 + i * 0.0002) for i in range(40)]
    answers = at_once(40, lambda i: post(wide_client, bodies[i]))
    for i, response in enumerate(answers):
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["external_id"] == f"B{i}" and body["diagnosis"]["primary_cause"]
        assert response.headers["location"] == f"/v1/complaints/{body['complaint_id']}"
    ids = {r.json()["complaint_id"] for r in answers}
    assert len(ids) == 40
    assert max(len(b) for b in batches) > 1 and sum(len(b) for b in batches) == 40
    rows = conn.execute(
        "SELECT c.external_id, c.complaint_id, c.diagnosis_status, c.diagnosis_attempts,"
        " d.result::jsonb || jsonb_build_object('mass_event_id', d.mass_event_id,"
        "                                'work_order_id', d.work_order_id)"
        " FROM complaints c JOIN diagnoses d USING (complaint_id)"
    ).fetchall()
    assert len(rows) == 40 and {r[1] for r in rows} == ids  # each stored and diagnosed once
    assert all(r[2] == "done" and r[3] == 1 for r in rows)
    stored = {r[0]: r[4] for r in rows}
    for i, response in enumerate(answers):  # the answer is the stored diagnosis, not another's
        assert response.json()["diagnosis"] == stored[f"B{i}"]
    assert diagnoses_counted() - counted == 40


@pytest.mark.parametrize("workers", [1, 2])
def test_duplicates_of_a_complaint_in_a_batch_get_the_stored_one(
    settings: CoreSettings,
    conn: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
    workers: int,
) -> None:
    """Repeats sent while the first is still being diagnosed wait for it: one diagnosis."""
    add_cells(conn, 10)
    real = diagnostics.engine.diagnose
    started = threading.Event()

    def slow(conn: Any, records: Sequence[ComplaintRecord], *args: Any) -> Any:
        if any(r.external_id == "DUP" for r in records):
            started.set()
            time.sleep(0.5)  # the repeats arrive meanwhile
        return real(conn, records, *args)

    monkeypatch.setattr(diagnostics.service, "diagnose", slow)
    api = ApiSettings(batch_window_ms=20, batch_workers=workers, retry_interval_s=0)
    with TestClient(create_app(settings, api)) as client:
        first: list[Any] = []
        sender = threading.Thread(target=lambda: first.append(post(client, complaint("DUP"))))
        sender.start()
        assert started.wait(10)
        bodies = [complaint("DUP") if i % 2 else complaint(f"OTHER{i}") for i in range(12)]
        answers = at_once(12, lambda i: post(client, bodies[i]))
        sender.join()
    assert first[0].status_code == 201
    stored = first[0].json()
    for i, response in enumerate(answers):
        if i % 2:
            assert response.status_code == 200 and response.json() == stored
        else:
            assert response.status_code == 201 and response.json()["external_id"] == f"OTHER{i}"
    row = conn.execute(
        "SELECT count(*), min(diagnosis_attempts) FROM complaints WHERE external_id = 'DUP'"
    ).fetchone()
    assert row == (1, 1)  # stored once, diagnosed once


def test_one_failing_diagnosis_does_not_fail_the_rest_of_its_batch(
    wide_client: TestClient,
    conn: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
    batches: list[list[str]],
) -> None:
    add_cells(conn, 10)
    real = diagnostics.engine.diagnose
    raised: list[int] = []

    def fragile(conn: Any, records: Sequence[ComplaintRecord], *args: Any) -> Any:
        if any(r.external_id == "BAD" for r in records):
            raised.append(len(records))
            raise RuntimeError("the engine choked on BAD")
        return real(conn, records, *args)

    monkeypatch.setattr(diagnostics.service, "diagnose", fragile)
    failures = failures_counted()
    names = ["BAD", *(f"GOOD{i}" for i in range(9))]
    answers = at_once(10, lambda i: post(wide_client, complaint(names[i])))
    assert failures_counted() - failures == 1
    assert max(raised) > 1  # BAD shared a batch with others, which then went one by one
    for name, response in zip(names, answers, strict=True):
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["external_id"] == name
        if name == "BAD":
            assert body["diagnosis"] is None and body["diagnosis_status"] == "failed"
        else:
            assert body["diagnosis"]["primary_cause"] and body["diagnosis_status"] == "done"
    rows = dict(conn.execute("SELECT external_id, diagnosis_status FROM complaints").fetchall())
    assert rows == {name: "failed" if name == "BAD" else "done" for name in names}
    error = conn.execute(
        "SELECT diagnosis_error FROM complaints WHERE external_id = 'BAD'"
    ).fetchone()
    assert error is not None and "choked" in error[0]


def test_database_lost_mid_batch_gives_503_then_recovers(
    restartable: Restartable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect(restartable.url, autocommit=True) as admin:
        migrate(admin)
    with psycopg.connect(restartable.url) as conn:
        add_cells(conn, 3)
    real = diagnostics.engine.diagnose
    stopped = threading.Event()

    def outage(conn: Any, records: Sequence[ComplaintRecord], *args: Any) -> Any:
        if not stopped.is_set():  # the server stops while the batch is being diagnosed
            stopped.set()
            restartable.stop()
        return real(conn, records, *args)

    monkeypatch.setattr(diagnostics.service, "diagnose", outage)
    api = ApiSettings(batch_window_ms=100, retry_interval_s=0)
    with TestClient(create_app(_settings(restartable, tmp_path), api)) as client:
        answers = at_once(4, lambda i: post(client, complaint(f"LOST{i}")))
        for response in answers:
            assert response.status_code == 503, response.text
            assert response.json()["error"]["code"] == "database_unavailable"
            assert response.headers["retry-after"]
        restartable.start()
        with psycopg.connect(restartable.url) as conn:  # committed before the batch began
            stored = [r[0] for r in conn.execute("SELECT external_id FROM complaints")]
        assert stored
        deadline = time.monotonic() + 15
        again = post(client, complaint(stored[0]))
        while again.status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.2)
            again = post(client, complaint(stored[0]))
        assert again.status_code == 200, again.text  # the stored one, diagnosed now
        assert again.json()["diagnosis"]["primary_cause"]
        fresh = post(client, complaint("AFTER"))
        assert fresh.status_code == 201 and fresh.json()["diagnosis"]["primary_cause"]
    with psycopg.connect(restartable.url) as conn:
        count = conn.execute("SELECT count(*) FROM complaints").fetchone()
    assert count == (len(stored) + 1,)


def test_a_complaint_the_database_refuses_fails_alone_in_its_batch(
    wide_client: TestClient, conn: psycopg.Connection[Any], batches: list[list[str]]
) -> None:
    """The batch's one INSERT fails on it; each is then stored alone: only it is refused."""
    add_cells(conn, 10)
    bodies = [complaint(f"S{i}", lon=116.30 + i * 0.0003) for i in range(6)]
    bodies[2]["description"] = "a NUL \u0000 PostgreSQL text can't hold"
    answers = at_once(6, lambda i: post(wide_client, bodies[i]))
    assert answers[2].status_code == 422, answers[2].text
    assert answers[2].json()["error"]["code"] == "invalid_input"
    for i in (0, 1, 3, 4, 5):
        assert answers[i].status_code == 201, answers[i].text
        assert answers[i].json()["diagnosis"]["primary_cause"]
    assert max(len(b) for b in batches) > 1  # they did share a batch
    stored = {r[0] for r in conn.execute("SELECT external_id FROM complaints")}
    assert stored == {"S0", "S1", "S3", "S4", "S5"}
