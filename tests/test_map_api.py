"""The map page, its assets and the ``/v1/map`` layer endpoints (through the real app)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xstatic.pkg.leaflet
from fastapi.testclient import TestClient

from api.app import create_app
from geo.settings import get_geo_settings
from netcomplaint.settings import CoreSettings
from tests.test_geo_support import END, START, City, seed_city

PLANNER = {"Authorization": "Bearer planner-key"}
ENGINEER = {"Authorization": "Bearer engineer-key"}
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}


@pytest.fixture
def city(conn: Any) -> City:
    return seed_city(conn)


@pytest.fixture
def client(settings: CoreSettings, city: City) -> Iterator[TestClient]:
    get_geo_settings.cache_clear()
    with TestClient(create_app(settings)) as test_client:
        yield test_client
    get_geo_settings.cache_clear()


def box(city: City, pad: float = 0.0) -> str:
    lats = [c["lat"] for c in city.cells]
    lons = [c["lon"] for c in city.cells]
    return f"{min(lons) - pad},{min(lats) - pad},{max(lons) + pad},{max(lats) + pad}"


def test_page_needs_no_key_and_loads_nothing_from_outside(client: TestClient) -> None:
    page = client.get("/map")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert '"tileUrl": null' in html and "key-dialog" in html
    for ref in (
        "/map/assets/leaflet/leaflet.js",
        "/map/assets/markercluster/",
        "/map/assets/app/map.js",
        "/map/assets/app/map.css",
    ):
        assert ref in html
    assert "http://" not in html and "https://" not in html


def test_assets_come_from_the_packages(client: TestClient) -> None:
    js = client.get("/map/assets/leaflet/leaflet.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert js.content == (Path(xstatic.pkg.leaflet.BASE_DIR) / "leaflet.js").read_bytes()
    assert client.get("/map/assets/markercluster/leaflet.markercluster.js").status_code == 200
    assert client.get("/map/assets/app/map.js").status_code == 200
    assert client.get("/map/assets/leaflet/images/layers.png").status_code == 200
    assert client.get("/map/assets/app/../settings.py").status_code == 404
    assert client.get("/map/assets/app/%2e%2e/settings.py").status_code == 404
    assert client.get("/map/assets/nope/x.js").status_code == 404


def test_roles(client: TestClient) -> None:
    assert client.get("/v1/map/session").status_code == 401
    agent = client.get("/v1/map/session", headers={"Authorization": "Bearer agent-key"})
    assert agent.status_code == 403
    planner = client.get("/v1/map/session", headers=PLANNER).json()
    assert planner["role"] == "planner" and planner["hotspots"] is True
    engineer = client.get("/v1/map/session", headers=ENGINEER).json()
    assert engineer["hotspots"] is False
    assert planner["period"] == {"from": START.isoformat(), "to": END.isoformat()}
    assert planner["bounds"][0][0] < planner["bounds"][1][0] and planner["cells"] == 148


def test_cells_sectors_or_sites(
    client: TestClient, city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = client.get("/v1/map/cells", params={"bbox": box(city, 0.01)}, headers=PLANNER).json()
    assert data["mode"] == "cells" and len(data["rows"]) == 148
    assert data["fields"][:6] == [
        "cell_id",
        "site_id",
        "lat",
        "lon",
        "azimuth_deg",
        "beamwidth_deg",
    ]
    monkeypatch.setenv("NETCOMPLAINT_MAP_MAX_FEATURES", "100")
    get_geo_settings.cache_clear()
    sites = client.get(
        "/v1/map/cells", params={"bbox": box(city, 0.01), "zoom": 11}, headers=PLANNER
    )
    body = sites.json()
    assert body["mode"] == "sites" and sum(r[0] for r in body["rows"]) == 148
    assert len(body["rows"]) <= 100


def test_cell_states_and_sparkline(client: TestClient, city: City) -> None:
    states = client.get(
        "/v1/map/cell-states", params={**PERIOD, "bbox": box(city, 0.01)}, headers=ENGINEER
    ).json()
    bad = sorted(c for c, (_, state) in states["cells"].items() if state == "bad")
    assert bad == sorted(c["cell_id"] for c in city.cells[:3])
    assert states["threshold"] == 99.5
    prb = client.get(
        "/v1/map/cell-states", params={**PERIOD, "kpi": "prb_util_dl_pct"}, headers=ENGINEER
    ).json()
    assert prb["cells"][city.cells[0]["cell_id"]] == [92.0, "bad"]
    spark = client.get(
        f"/v1/map/cells/{city.cells[0]['cell_id']}/sparkline", params=PERIOD, headers=ENGINEER
    ).json()
    assert spark["state"] == "bad" and spark["worst"] == 96.0
    assert 0 < len(spark["v"]) <= 168 and len(spark["t"]) == len(spark["v"])
    assert client.get("/v1/map/cells/NOPE/sparkline", headers=ENGINEER).status_code == 404
    bad_kpi = client.get("/v1/map/cell-states", params={"kpi": "beer"}, headers=ENGINEER)
    assert bad_kpi.status_code == 422 and bad_kpi.json()["error"]["field"] == "kpi"


def test_complaints_points_clusters_and_detail(
    client: TestClient, city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    params: dict[str, str | int] = {**PERIOD, "bbox": box(city, 0.02), "zoom": 13}
    points = client.get("/v1/map/complaints", params=params, headers=PLANNER).json()
    assert points["mode"] == "points" and points["total"] == 600 == len(points["rows"])
    causes = {row[3] for row in points["rows"]}
    assert {"weak_coverage", "undiagnosed"} <= causes
    only = client.get(
        "/v1/map/complaints", params={**params, "cause": "weak_coverage"}, headers=PLANNER
    ).json()
    assert only["total"] == 120
    monkeypatch.setenv("NETCOMPLAINT_MAP_MAX_FEATURES", "100")
    get_geo_settings.cache_clear()
    clusters = client.get("/v1/map/complaints", params=params, headers=PLANNER).json()
    assert clusters["mode"] == "clusters" and len(clusters["rows"]) <= 100
    assert sum(r[0] for r in clusters["rows"]) == 600
    one = points["rows"][-1][0]
    detail = client.get(f"/v1/map/complaints/{one}", headers=PLANNER).json()
    assert detail["msisdn_masked"] == "138****0000" and "msisdn_hash" not in detail
    assert detail["diagnosis"] is None or detail["diagnosis"]["evidence"]
    assert client.get("/v1/map/complaints/none", headers=PLANNER).status_code == 404


def test_mr_grid_follows_the_zoom(client: TestClient, city: City) -> None:
    near = client.get(
        "/v1/map/mr-grid", params={**PERIOD, "bbox": box(city), "zoom": 15}, headers=PLANNER
    ).json()
    far = client.get(
        "/v1/map/mr-grid", params={**PERIOD, "bbox": box(city), "zoom": 11}, headers=PLANNER
    ).json()
    assert near["resolution"] > far["resolution"] and len(near["rows"]) > len(far["rows"]) > 0
    _, samples, weak, rsrp, ring = near["rows"][0]
    assert samples > 0 and 0 <= weak <= 1 and rsrp == -95.0 and len(ring) >= 6
    empty = client.get(
        "/v1/map/mr-grid", params={"from": "2020-01-01", "to": "2020-01-02"}, headers=PLANNER
    ).json()
    assert empty["fallback"] is True and empty["rows"]  # no MR then: all MR days instead
    assert near["fallback"] is False and near["days"] == ["2026-03-02", "2026-03-08"]


def test_areas_and_planned_cells(client: TestClient) -> None:
    fc = client.get("/v1/map/areas", headers=PLANNER).json()
    kinds = sorted(f["properties"]["kind"] for f in fc["features"])
    assert kinds == ["interference_source", "planned_cell", "planned_site"]
    bad_box = client.get("/v1/map/areas", params={"bbox": "170,0,-170,10"}, headers=PLANNER)
    assert bad_box.status_code == 422
