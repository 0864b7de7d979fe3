"""Property-based tests of every route in our live OpenAPI document (schemathesis).

No 5xx, responses that match their declared schemas, status codes and content types that the
document declares. The benchmark (``bench/bench_api_schemathesis.py``) runs the same against a
served instance with ≥ 1,000 requests; ``make test`` runs this shorter pass.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from psycopg import sql
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi import checks

from api.app import create_app
from netcomplaint.settings import CoreSettings, get_settings
from tests.test_api_support import TEST_KEYS, add_cells, add_kpis, auth

EXAMPLES = int(os.environ.get("NETCOMPLAINT_SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def _with_db(url: str, dbname: str) -> str:
    params: dict[str, Any] = psycopg.conninfo.conninfo_to_dict(url)
    user, host, port = params.get("user") or "postgres", str(params.get("host")), params.get("port")
    if host.startswith("/"):
        return f"postgresql://{user}@/{dbname}?host={host}" + (f"&port={port}" if port else "")
    password = f":{params['password']}" if params.get("password") else ""
    return f"postgresql://{user}{password}@{host}:{port or 5432}/{dbname}"


@pytest.fixture(scope="module")
def api_schema(
    pg_admin_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    name = f"nc_st_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template_db)
            )
        )
    url = _with_db(pg_admin_url, name)
    with psycopg.connect(url) as conn:
        add_cells(conn, 30)
        add_kpis(conn, "C00001", 48)
    data_dir: Path = tmp_path_factory.mktemp("st-data")
    with pytest.MonkeyPatch.context() as env:
        for key, value in {
            "NETCOMPLAINT_DATABASE_URL": url,
            "NETCOMPLAINT_DATA_DIR": str(data_dir),
            "NETCOMPLAINT_API_KEYS": TEST_KEYS,
            "NETCOMPLAINT_PII_KEY": "schemathesis-pii-key",
        }.items():
            env.setenv(key, value)
        get_settings.cache_clear()
        app = create_app(get_settings())
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
        asgi.shutdown_lifespans()
        get_settings.cache_clear()
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        admin.execute(drop.format(sql.Identifier(name)))


def _operations() -> list[tuple[str, str, GenerationMode]]:
    """Every (method, path) of the live OpenAPI document (built without a database), with
    valid data, and with invalid data where the operation takes any input."""
    document = create_app(CoreSettings(api_keys=SecretStr(TEST_KEYS))).openapi()
    found = []
    for path, item in sorted(document["paths"].items()):
        for method, spec in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((method.upper(), path, GenerationMode.POSITIVE))
                if spec.get("parameters") or spec.get("requestBody"):
                    found.append((method.upper(), path, GenerationMode.NEGATIVE))
    return found


@pytest.mark.parametrize(("method", "path", "mode"), _operations())
def test_every_route_against_its_openapi(
    api_schema: Any, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]
    calls: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,  # the same examples on every run: CI stays reproducible
    )
    def run(case: Any) -> None:
        # A valid key always (schemathesis would invent one): auth has its own matrix test.
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        case.headers = {**headers, **auth("admin")}
        response = case.call_and_validate(checks=CHECKS)
        calls.append(response.status_code)

    run()
    assert calls
    assert 401 not in calls, "the admin key was refused"
