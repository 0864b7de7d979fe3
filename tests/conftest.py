"""Test fixtures: a real embedded PostgreSQL per test worker, a fresh database per test.

The schema is migrated once into a template database; each test gets ``CREATE DATABASE … TEMPLATE``
(tens of milliseconds), so tests are isolated without mocking anything.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from diagnostics.settings import get_diag_settings
from netcomplaint.settings import CoreSettings, get_settings
from storage.migrate import migrate
from storage.server import embedded_server

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = ROOT.parent / "shared" / "data" / "real"
TEST_API_KEYS = "agent-key:agent,engineer-key:engineer,planner-key:planner,admin-key:admin"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """Admin URL of this worker's embedded server, or of NETCOMPLAINT_TEST_DATABASE_URL."""
    external = os.environ.get("NETCOMPLAINT_TEST_DATABASE_URL")
    if external:
        yield external
        return
    base = Path(tempfile.mkdtemp(prefix="nc-test-pg-"))
    server = embedded_server(base, cleanup_mode="delete")
    yield str(server.get_uri())
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def template_db(pg_admin_url: str) -> str:
    name = f"nc_template_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(_with_db(pg_admin_url, name), autocommit=True) as conn:
        migrate(conn)
    return name


def _with_db(url: str, dbname: str) -> str:
    """The same server as ``url`` with another database, as a postgresql:// URL."""
    params: dict[str, Any] = psycopg.conninfo.conninfo_to_dict(url)
    user = params.get("user") or "postgres"
    host = str(params.get("host") or "localhost")
    port = params.get("port")
    if host.startswith("/"):
        return f"postgresql://{user}@/{dbname}?host={host}" + (f"&port={port}" if port else "")
    password = f":{params['password']}" if params.get("password") else ""
    return f"postgresql://{user}{password}@{host}:{port or 5432}/{dbname}"


@pytest.fixture
def db_url(pg_admin_url: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated database for this test."""
    name = f"nc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template_db)
            )
        )
    yield _with_db(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(db_url) as connection:
        yield connection


@pytest.fixture
def nc_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment pointing the product (CLI in-process or subprocess, API) at the test database."""
    env = {
        "NETCOMPLAINT_DATABASE_URL": db_url,
        "NETCOMPLAINT_DATA_DIR": str(tmp_path / "data"),
        "NETCOMPLAINT_API_KEYS": TEST_API_KEYS,
        "NETCOMPLAINT_PII_KEY": "test-pii-key",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield_env = dict(os.environ)
    yield_env.update(env)
    return yield_env


@pytest.fixture
def settings(nc_env: dict[str, str]) -> CoreSettings:
    return get_settings()


@pytest.fixture(autouse=True)
def _fresh_settings_cache() -> Iterator[None]:
    get_settings.cache_clear()
    get_diag_settings.cache_clear()
    yield
    get_settings.cache_clear()
    get_diag_settings.cache_clear()


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.fail(f"real data not found at {REAL_DATA}: clone with ../shared beside the repo")
    return REAL_DATA
