from __future__ import annotations

from typing import Any

import psycopg
from fastapi.testclient import TestClient

from tests.test_api_support import add_cells, add_kpis, auth, client

__all__ = ["client"]


def test_cells_paginate_in_stable_order(client: TestClient, conn: psycopg.Connection[Any]) -> None:
    ids = add_cells(conn, 25)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 10}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/cells", params=params, headers=auth("engineer"))
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [cell["cell_id"] for cell in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids) and pages == 3


def test_cells_bbox_filter(client: TestClient, conn: psycopg.Connection[Any]) -> None:
    add_cells(conn, 20)  # lon 116.300 … 116.319
    box = "116.3045,39.0,116.3105,41.0"
    body = client.get("/v1/cells", params={"bbox": box}, headers=auth("admin")).json()
    assert [c["cell_id"] for c in body["items"]] == [f"C{i:05d}" for i in range(5, 11)]
    across = "179.9,-10,-179.9,10"  # crosses the antimeridian: nothing there
    assert client.get("/v1/cells", params={"bbox": across}, headers=auth("admin")).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_bad_bbox_and_limit_are_422_with_the_field(client: TestClient) -> None:
    for bbox in ("1,2,3", "200,0,201,1", "0,10,1,5", "a,b,c,d", "0,-91,1,1"):
        response = client.get("/v1/cells", params={"bbox": bbox}, headers=auth("engineer"))
        assert response.status_code == 422, bbox
        assert response.json()["error"]["field"] == "bbox"
    response = client.get("/v1/cells", params={"limit": 1001}, headers=auth("engineer"))
    assert response.status_code == 422 and response.json()["error"]["field"] == "limit"
    response = client.get("/v1/cells", params={"cursor": "bm9wZQ"}, headers=auth("engineer"))
    assert response.status_code == 422 and response.json()["error"]["field"] == "cursor"
    for when in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1714550400"):
        response = client.get("/v1/cells/C1/kpis", params={"from": when}, headers=auth("engineer"))
        assert response.status_code == 422 and response.json()["error"]["field"] == "from"


def test_kpi_series_window_pages_and_404(client: TestClient, conn: psycopg.Connection[Any]) -> None:
    add_cells(conn, 2)
    add_kpis(conn, "C00001", 96)  # one day of 15-minute periods from 2024-05-01
    params: dict[str, str | int] = {
        "from": "2024-05-01T06:00:00Z",
        "to": "2024-05-01T12:00:00",
        "limit": 20,
    }
    first = client.get("/v1/cells/C00001/kpis", params=params, headers=auth("engineer")).json()
    assert first["cell_id"] == "C00001" and len(first["items"]) == 20
    assert first["items"][0]["ts"].startswith("2024-05-01T06:00:00")
    second = client.get(
        "/v1/cells/C00001/kpis",
        params={**params, "cursor": first["next_cursor"]},
        headers=auth("engineer"),
    ).json()
    assert len(second["items"]) == 4 and second["next_cursor"] is None
    assert second["items"][-1]["ts"].startswith("2024-05-01T11:45:00")
    empty = client.get("/v1/cells/C00000/kpis", headers=auth("engineer")).json()
    assert empty["items"] == []
    missing = client.get("/v1/cells/NOPE/kpis", headers=auth("engineer"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    backwards = client.get(
        "/v1/cells/C00001/kpis",
        params={"from": "2024-05-02T00:00:00Z", "to": "2024-05-01T00:00:00Z"},
        headers=auth("engineer"),
    )
    assert backwards.status_code == 422 and backwards.json()["error"]["field"] == "to"
