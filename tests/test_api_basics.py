from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from netcomplaint.settings import CoreSettings


def test_healthz_and_readyz(settings: CoreSettings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["database"] == "up"


def test_unknown_path_uses_the_error_shape(settings: CoreSettings) -> None:
    with TestClient(create_app(settings)) as client:
        response = client.get("/v1/nothing-here")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
