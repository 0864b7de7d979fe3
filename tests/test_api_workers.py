"""``netcomplaint serve --workers N``: several processes on one port, one database, and one
view of the metrics. The server runs as a real subprocess (the CLI), against the test database.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.cli import worker_environment
from api.settings import ApiSettings
from netcomplaint.settings import CoreSettings
from tests.cli_helpers import ROOT
from tests.test_api_complaints import complaint
from tests.test_api_support import add_cells, auth


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(nc_env: dict[str, str], tmp_path: Path, workers: int) -> Iterator[str]:
    """``netcomplaint serve --workers N`` as a subprocess; yields its base URL once ready."""
    port = _free_port()
    env = {**nc_env, "NETCOMPLAINT_API_RETRY_INTERVAL_S": "0", "NETCOMPLAINT_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "netcomplaint", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(command, env=env, cwd=ROOT, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server not ready"
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    # uvicorn shuts down gracefully, then re-raises the SIGTERM it caught, which the CLI turns
    # into an exit with the same status (its atexit handlers run)
    codes = (0, -signal.SIGTERM, 128 + signal.SIGTERM)
    assert server.returncode in codes, (tmp_path / "serve.log").read_text()


@pytest.fixture
def two_workers(nc_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with serving(nc_env, tmp_path, 2) as base:
        yield base


def _post(base: str, body: dict[str, Any]) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=30) as client:  # a connection of its own
        return client.post("/v1/complaints", json=body, headers=auth("agent"))


def _diagnoses_counted(base: str) -> float:
    with httpx.Client(base_url=base, timeout=10) as client:
        text = client.get("/metrics").text
    found = re.findall(r"^netcomplaint_diagnoses_total\{[^}]*\} ([0-9.e+]+)$", text, re.M)
    return sum(float(v) for v in found)


def test_two_worker_processes_serve_one_database_and_add_up_their_metrics(
    two_workers: str, conn: psycopg.Connection[Any]
) -> None:
    add_cells(conn, 10)
    bodies = [complaint(f"W{i}", lon=116.30 + i * 0.0003) for i in range(16)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda b: _post(two_workers, b), bodies))
    assert [a.status_code for a in answers] == [201] * 16, answers[0].text
    ids = {a.json()["complaint_id"] for a in answers}
    assert len(ids) == 16 and all(a.json()["diagnosis"]["primary_cause"] for a in answers)
    again = _post(two_workers, bodies[3])
    assert again.status_code == 200 and again.json() == answers[3].json()
    stored = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE diagnosis_status = 'done') FROM complaints"
    ).fetchone()
    assert stored == (16, 16)
    # every scrape, whichever worker answers it, counts the diagnoses of both
    assert [_diagnoses_counted(two_workers) for _ in range(6)] == [16.0] * 6


def test_workers_get_every_setting_and_one_pii_key(settings: CoreSettings, tmp_path: Path) -> None:
    plain = settings.model_copy(update={"pii_key": None})
    env = worker_environment(plain, tmp_path / "metrics")
    assert env["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "metrics")
    assert env["NETCOMPLAINT_DATABASE_URL"] == settings.database_url
    assert env["NETCOMPLAINT_API_KEYS"] == settings.api_keys.get_secret_value()
    key_file = Path(settings.data_dir) / "pii.key"
    assert env["NETCOMPLAINT_PII_KEY"] == key_file.read_text().strip()  # made once, here
    assert env["NETCOMPLAINT_STATEMENT_TIMEOUT_MS"] == str(settings.statement_timeout_ms)


def test_one_process_serves_through_the_cli(
    nc_env: dict[str, str], tmp_path: Path, conn: psycopg.Connection[Any]
) -> None:
    add_cells(conn, 10)
    with serving(nc_env, tmp_path, 1) as base:
        answer = _post(base, complaint("ONE"))
        assert answer.status_code == 201 and answer.json()["diagnosis"]["primary_cause"]
        assert _diagnoses_counted(base) == 1.0


def test_server_processes_default_to_one_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert ApiSettings().server_processes() == 2
    assert ApiSettings().server_processes(3) == 3  # serve --workers 3
    assert ApiSettings(workers=1).server_processes() == 1
    monkeypatch.setattr("os.cpu_count", lambda: 32)
    assert ApiSettings().server_processes() == 8
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert ApiSettings().server_processes() == 1
