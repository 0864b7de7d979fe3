"""Diagnosing stored complaints in several processes (``diagnostics.parallel``); the CLI path
(``ingest complaints --processes 2``) is in test_diag_cli.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from diagnostics.chunked import BatchResult
from diagnostics.models import parse_complaint
from diagnostics.parallel import diagnose_parts
from diagnostics.service import store_batch
from diagnostics.settings import DiagnosticsSettings
from netcomplaint.cli import app
from netcomplaint.settings import CoreSettings
from storage.db import connect
from tests import test_diag_factories as f

NOWHERE = "postgresql://nobody@127.0.0.1:9/none?connect_timeout=2"  # nothing listens on port 9


def _stored(conn: psycopg.Connection[Any], n: int) -> list[str]:
    t = f.town(conn)
    complaints = [
        parse_complaint(
            f.complaint(f"P{k}", *t.place, "slow_data", t.now + timedelta(minutes=k), f"139{k:08d}")
        )
        for k in range(n)
    ]
    out, ids = store_batch(conn, complaints, key=b"test-pii-key")
    conn.commit()
    assert out.created == n and len(ids) == n
    return ids


def _diagnosed(
    settings: CoreSettings, db_url: str, ids: list[str], workers_url: str, processes: int, part: int
) -> BatchResult:
    """diagnose_parts on a connection of its own, its processes connecting to ``workers_url``."""
    with connect(settings, db_url) as own:
        diag = DiagnosticsSettings(diagnosis_batch_size=part)
        return diagnose_parts(own, workers_url, ids, diag, processes)


def test_parts_are_diagnosed_by_several_processes_each_once(
    settings: CoreSettings, conn: psycopg.Connection[Any], db_url: str
) -> None:
    ids = _stored(conn, 5)
    out = _diagnosed(settings, db_url, ids, db_url, processes=2, part=2)
    assert (out.diagnosed, out.failed, out.errors) == (5, 0, [])
    rows = conn.execute(
        "SELECT c.complaint_id, c.diagnosis_status, c.diagnosis_attempts, d.primary_cause"
        " FROM complaints c JOIN diagnoses d USING (complaint_id) ORDER BY c.complaint_id"
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(ids)  # each diagnosed exactly once
    assert all(r[1:3] == ("done", 1) for r in rows)
    assert sum(out.by_cause.values()) == 5


def test_a_process_that_cannot_diagnose_leaves_its_complaints_to_retry(
    settings: CoreSettings, conn: psycopg.Connection[Any], db_url: str
) -> None:
    ids = _stored(conn, 4)
    out = _diagnosed(settings, db_url, ids, NOWHERE, processes=2, part=2)
    assert (out.diagnosed, out.failed) == (0, 4)
    assert out.errors and all("cannot reach the database" in e for e in out.errors)
    statuses = conn.execute("SELECT DISTINCT diagnosis_status FROM complaints").fetchall()
    assert statuses == [("pending",)]  # stored, never lost
    retried = CliRunner().invoke(app, ["diagnose", "--pending"])
    assert retried.exit_code == 0 and "diagnosed 4" in retried.stdout, retried.output


def test_one_part_is_diagnosed_without_starting_a_process(
    settings: CoreSettings, conn: psycopg.Connection[Any], db_url: str
) -> None:
    ids = _stored(conn, 3)  # one part: the unreachable URL is never used, no process starts
    out = _diagnosed(settings, db_url, ids, NOWHERE, processes=4, part=1000)
    assert (out.diagnosed, out.failed) == (3, 0)


def test_processes_default_to_one_per_core_for_big_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    settings = DiagnosticsSettings(diagnosis_parallel_min=2000)
    assert settings.processes_for(1999) == 1  # starting processes would cost what they save
    assert settings.processes_for(2000) == 2
    assert settings.processes_for(10, asked=3) == 3  # --processes 3
    assert settings.processes_for(5000, asked=1) == 1
    assert DiagnosticsSettings(diagnosis_processes=4).processes_for(10) == 4
    monkeypatch.setattr("os.cpu_count", lambda: 32)
    assert settings.processes_for(5000) == 8
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert settings.processes_for(5000) == 1
