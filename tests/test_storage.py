from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
import typer

from netcomplaint.runtime import cli_errors
from storage.db import pipelined
from storage.migrate import latest_version, migrate
from tests.cli_helpers import run_cli


def test_migrate_twice_is_idempotent(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert migrate(conn) == []  # the template already has everything
        versions = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
        assert versions is not None and versions[0] >= 2


def test_db_init_and_status_through_cli(nc_env: dict[str, str]) -> None:
    first = run_cli("db", "init", env=nc_env)
    assert first.returncode == 0, first.stderr
    second = run_cli("db", "init", env=nc_env)
    assert second.returncode == 0 and "already at version" in second.stdout
    status = run_cli("db", "status", "--json", env=nc_env)
    assert status.returncode == 0, status.stderr
    body: dict[str, Any] = json.loads(status.stdout)
    assert body["schema_version"] == latest_version()
    assert body["timescaledb"] is False
    assert body["tables"]["cells"] == 0 and "complaints" in body["tables"]


def test_unreachable_database_is_one_clear_line(nc_env: dict[str, str]) -> None:
    env = dict(nc_env, NETCOMPLAINT_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    result = run_cli("db", "status", env=env)
    assert result.returncode == 1
    assert "cannot reach the database at postgresql://nobody@127.0.0.1:1/none" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrations_run_without_the_api_statement_timeout(db_url: str) -> None:
    """An index over months of KPIs takes minutes; the API's timeout must not cancel it."""
    with psycopg.connect(db_url, autocommit=True, options="-c statement_timeout=5") as conn:
        migrate(conn)
        row = conn.execute("SHOW statement_timeout").fetchone()
        assert row is not None and row[0] == "0"


def test_database_errors_in_commands_are_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    @cli_errors
    def command() -> None:
        raise psycopg.errors.QueryCanceled("canceling statement due to statement timeout")

    with pytest.raises(typer.Exit) as stopped:
        command()
    assert stopped.value.exit_code == 1
    err = capsys.readouterr().err
    assert "the database stopped the command: canceling statement due to statement timeout" in err
    assert "Traceback" not in err


def test_gin_indexes_keep_no_pending_list(db_url: str) -> None:
    """Every GIN index is probed per complaint as often as it is written: a pending list (GIN's
    fastupdate) would be scanned in full by every probe until a vacuum (migration 033)."""
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT c.relname, coalesce(c.reloptions, '{}') FROM pg_class c"
            " JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin'"
            " AND c.relnamespace = 'public'::regnamespace"
        ).fetchall()
    assert {name for name, _ in rows} >= {
        "diagnoses_unassigned_event_cells",
        "work_orders_open_cells_idx",
    }
    assert all("fastupdate=off" in options for _, options in rows), rows


def test_pipelined_joins_an_open_pipeline(conn: psycopg.Connection[Any]) -> None:
    """No nested block: what it queued goes with the next round trip, not one of its own."""
    conn.execute("CREATE TEMP TABLE t (x int PRIMARY KEY)")
    reached = []
    with pytest.raises(psycopg.errors.UniqueViolation), conn.pipeline():
        with pipelined(conn):
            conn.execute("INSERT INTO t VALUES (1), (1)")  # fails when it reaches the server
        reached.append(True)  # a nested pipeline would have synced and raised at its end
    assert reached == [True]
    conn.rollback()
    with pipelined(conn):  # none open: it opens one
        assert conn.pgconn.pipeline_status != psycopg.pq.PipelineStatus.OFF
        conn.execute("SELECT 1")
    assert conn.pgconn.pipeline_status == psycopg.pq.PipelineStatus.OFF
