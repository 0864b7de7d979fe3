from __future__ import annotations

import json
from typing import Any

import psycopg

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
