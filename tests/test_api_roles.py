"""The role matrix: every /v1 endpoint × every role, plus no key and a wrong key."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from netcomplaint.settings import CoreSettings
from tests.test_api_support import KEYS, TEST_KEYS, auth, client

__all__ = ["client"]

# The contract's table: (method, path with {} for parameters) → role.
CONTRACT = {
    ("POST", "/v1/complaints"): "agent",
    ("GET", "/v1/complaints/{}"): "agent",
    ("GET", "/v1/complaints"): "agent",
    ("GET", "/v1/work-orders"): "engineer",
    ("GET", "/v1/work-orders/{}"): "engineer",
    ("PATCH", "/v1/work-orders/{}"): "engineer",
    ("GET", "/v1/cells"): "engineer",
    ("GET", "/v1/cells/{}/kpis"): "engineer",
    ("GET", "/v1/hotspots"): "planner",
    ("GET", "/v1/warnings"): "planner",
    ("GET", "/v1/process-kpis"): "planner",
    ("GET", "/v1/reports/hotspots"): "planner",
}
# Endpoints beyond the table follow their resource's roles.
ROLE_BY_PREFIX = {
    "/v1/complaints": "agent",
    "/v1/work-orders": "engineer",
    "/v1/cells": "engineer",
    "/v1/hotspots": "planner",
    "/v1/warnings": "planner",
    "/v1/process-kpis": "planner",
    "/v1/reports": "planner",
    "/v1/map": "planner engineer",  # the map's data: for both who use the map
}
# Served by domains still being built (issue 6 was written before them); remove when they land.
OPEN = [("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/map")]


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _registered() -> list[tuple[str, str]]:
    """Every (method, path) the app serves, as its live OpenAPI document lists them."""
    document = create_app(CoreSettings(api_keys=SecretStr(TEST_KEYS))).openapi()
    return sorted(
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    )


def _role_of(method: str, path: str) -> str:
    shaped = (method, _shape(path))
    if shaped in CONTRACT:
        return CONTRACT[shaped]
    prefix = next((p for p in ROLE_BY_PREFIX if path.startswith(p)), None)
    assert prefix, f"{method} {path}: add it to the role table of this test"
    return ROLE_BY_PREFIX[prefix]


V1 = [(m, p) for m, p in _registered() if p.startswith("/v1/")]


@pytest.mark.parametrize(("method", "path"), V1)
def test_role_matrix(client: TestClient, method: str, path: str) -> None:
    needed = set(_role_of(method, path).split()) | {"admin"}
    url = re.sub(r"\{[^}]+\}", "X1", path)
    body: dict[str, Any] | None = {} if method in ("POST", "PATCH", "PUT") else None

    def call(headers: dict[str, str]) -> int:
        return client.request(method, url, headers=headers, json=body).status_code

    for role in KEYS:
        status = call(auth(role))
        if role in needed:
            assert status not in (401, 403), (role, status)
        else:
            assert status == 403, (role, status)
    for headers in ({}, {"Authorization": "Bearer not-a-key"}, {"Authorization": "Basic eDp5"}):
        response = client.request(method, url, headers=headers, json=body)
        assert response.status_code == 401, headers
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


def test_every_contract_endpoint_is_served() -> None:
    served = {(m, _shape(p)) for m, p in V1}
    missing = sorted(set(CONTRACT) - served)
    assert not missing, f"contract endpoints not served: {missing}"


def test_open_endpoints_need_no_key(client: TestClient) -> None:
    for method, path in OPEN:  # /map is in the contract but kept out of the API document
        status = client.request(method, path).status_code
        assert status == 200, path
