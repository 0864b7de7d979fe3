"""Hotspots from the database: the GeoJSON, its enrichment, the CLI command and the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.hotspots import hotspots_geojson
from geo.settings import get_geo_settings
from netcomplaint.errors import InputError
from netcomplaint.settings import CoreSettings
from tests.cli_helpers import invoke
from tests.test_geo_support import (
    END,
    START,
    assert_rfc7946,
    disc,
    insert_complaints,
    seed_city,
    times,
)

PLANNER = {"Authorization": "Bearer planner-key"}


@pytest.fixture(autouse=True)
def _fresh_geo_settings() -> Iterator[None]:
    get_geo_settings.cache_clear()
    yield
    get_geo_settings.cache_clear()


def test_planted_cluster_with_its_context(conn: Any, tmp_path: Path) -> None:
    city = seed_city(conn)
    collection = hotspots_geojson(conn, START, END)
    assert_rfc7946(collection)
    meta = collection["metadata"]
    assert meta["exposure"]["kind"] == "mr_samples" and meta["exposure"]["normalised"]
    assert "mr_grid.samples" in meta["exposure"]["description"]
    assert meta["complaints"] == city.complaints
    assert meta["method"]["fdr"] == "Benjamini-Hochberg"
    assert len(collection["features"]) == 1
    props = collection["features"][0]["properties"]
    assert props["complaints"] >= 100 and props["z"] > 3 and props["q"] <= 0.05
    assert props["dominant_cause"] == "weak_coverage" and props["dominant_share"] > 0.8
    assert sum(props["cause_counts"].values()) == props["complaints"]
    assert props["rate_ratio"] > 2
    assert len(props["serving_cells"]) == 5
    assert {k["kpi"] for k in props["worst_kpis"]} >= {"availability_pct", "prb_util_dl_pct"}
    assert props["mr"]["samples"] > 0 and props["mr"]["weak_share"] > 0.02
    planned = {p["name"] for p in props["planned_sites"]}
    assert planned == {"PLAN", "New site A"}
    assert props["trend"] == {"previous_complaints": 0, "change_pct": None, "direction": "new"}
    assert props["recommendation"] == "new_site" and "expedite" in props["recommendation_reason"]
    assert props["id"] == collection["features"][0]["id"] and props["id"].startswith("hs-")
    path = tmp_path / "hotspots.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    frame = gpd.read_file(path)
    assert len(frame) == 1 and frame.crs.to_epsg() == 4326


def test_without_mr_data_counts_are_used_and_said(conn: Any) -> None:
    seed_city(conn)
    conn.execute("DELETE FROM mr_grid")
    conn.commit()
    collection = hotspots_geojson(conn, START, END)
    assert collection["metadata"]["exposure"]["kind"] is None
    assert "no MR grid data" in collection["metadata"]["exposure"]["description"]
    assert collection["features"] and collection["features"][0]["properties"]["mr"] is None


def test_cause_filter_and_trend(conn: Any) -> None:
    city = seed_city(conn)
    rng = np.random.default_rng(3)
    lat, lon = disc(rng, *city.cluster, 250.0, 40)
    before = START - timedelta(days=7)
    insert_complaints(
        conn, lat, lon, times(rng, 40, before, START), causes=["weak_coverage"] * 40, prefix="p"
    )
    collection = hotspots_geojson(conn, START, END, cause="weak_coverage")
    assert collection["metadata"]["cause"] == "weak_coverage"
    props = collection["features"][0]["properties"]
    assert set(props["cause_counts"]) == {"weak_coverage"}
    trend = props["trend"]
    assert 30 <= trend["previous_complaints"] <= 40 and trend["direction"] == "rising"
    assert hotspots_geojson(conn, START, END, cause="congestion")["features"] == []


def test_cell_located_complaints_sit_at_their_cell(conn: Any) -> None:
    city = seed_city(conn, complaints=300, cluster=0)
    cell = city.cells[40]
    rows = [
        (f"x{i:03d}", f"ext-x{i}", "h", "138****0000", START + timedelta(hours=i), cell["cell_id"])
        for i in range(60)
    ]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO complaints (complaint_id, external_id, msisdn_hash, msisdn_masked,"
            " reported_at, cell_id) VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )
    conn.commit()
    collection = hotspots_geojson(conn, START, END, resolution=9)
    assert collection["metadata"]["complaints"] == 300 + 60
    peaks = [f["properties"]["peak"] for f in collection["features"]]
    assert any(abs(p[1] - cell["lat"]) < 0.003 and abs(p[0] - cell["lon"]) < 0.003 for p in peaks)


def test_bad_arguments(conn: Any) -> None:
    with pytest.raises(InputError):
        hotspots_geojson(conn, END, START)
    with pytest.raises(InputError):
        hotspots_geojson(conn, START, END, cause="gremlins")
    empty = hotspots_geojson(conn, START, END)
    assert empty["features"] == [] and empty["metadata"]["complaints"] == 0
    assert_rfc7946(empty)


def test_cli_writes_geojson(conn: Any, nc_env: dict[str, str], tmp_path: Path) -> None:
    seed_city(conn)
    out = tmp_path / "h.geojson"
    result = invoke(
        "hotspots", "--from", START.isoformat(), "--to", END.isoformat(), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert_rfc7946(collection)
    assert len(collection["features"]) == 1
    assert "1 hotspots from 600 complaints" in result.output
    bad = invoke("hotspots", "--from", "yesterday", "--to", END.isoformat())
    assert bad.exit_code == 1 and "not an ISO 8601 time" in bad.output


def test_api_roles_and_media_type(conn: Any, settings: CoreSettings) -> None:
    seed_city(conn)
    params = {"from": START.isoformat(), "to": END.isoformat()}
    with TestClient(create_app(settings)) as client:
        ok = client.get("/v1/hotspots", params=params, headers=PLANNER)
        assert ok.status_code == 200
        assert ok.headers["content-type"].startswith("application/geo+json")
        assert len(ok.json()["features"]) == 1
        admin = client.get(
            "/v1/hotspots", params=params, headers={"Authorization": "Bearer admin-key"}
        )
        assert admin.status_code == 200
        assert client.get("/v1/hotspots", params=params).status_code == 401
        agent = client.get(
            "/v1/hotspots", params=params, headers={"Authorization": "Bearer agent-key"}
        )
        assert agent.status_code == 403 and agent.json()["error"]["code"] == "forbidden"
        bad = client.get("/v1/hotspots", params={**params, "cause": "gremlins"}, headers=PLANNER)
        assert bad.status_code == 422
        swapped = client.get(
            "/v1/hotspots",
            params={"from": END.isoformat(), "to": START.isoformat()},
            headers=PLANNER,
        )
        assert swapped.status_code == 422
        # the MR exposure grid split to 1 m hexagons would be billions of them: refused at once
        too_fine = client.get("/v1/hotspots", params={**params, "resolution": 15}, headers=PLANNER)
        assert too_fine.status_code == 422, too_fine.text
        error = too_fine.json()["error"]
        assert error["field"] == "resolution" and "is the finest that fits" in error["message"]
