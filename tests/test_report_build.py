"""The planners' report: every section, from the real geo/workorders interfaces and from fakes,
the same HTML from the CLI and the API, and a PDF whose Chinese text is not tofu."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from netcomplaint.settings import CoreSettings
from reports.data import build_report
from reports.render import render_html
from reports.settings import ReportSettings
from storage.db import Conn
from tests.cli_helpers import invoke
from tests.test_report_factories import (  # noqa: F401  (fixtures)
    END,
    START,
    at,
    db_url,
    seeded_template,
)

SECTIONS = (
    "headline",
    "map",
    "hotspots",
    "timing",
    "districts",
    "breakdowns",
    "process",
    "work-orders",
    "warnings",
    "notes",
)

FAKE_HOTSPOTS: dict[str, Any] = {
    "type": "FeatureCollection",
    "bbox": [9.20, 45.49, 9.23, 45.51],
    "features": [
        {
            "type": "Feature",
            "id": "hs-fake-1",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [9.21, 45.495],
                        [9.225, 45.495],
                        [9.225, 45.505],
                        [9.21, 45.505],
                        [9.21, 45.495],
                    ]
                ],
            },
            "properties": {
                "id": "hs-fake-1",
                "complaints": 66,
                "z": 5.2,
                "q": 0.001,
                "cause_counts": {"outage": 56, "weak_coverage": 7, "congestion": 3},
                "dominant_cause": "outage",
                "dominant_share": 0.85,
                "serving_cells": [
                    {"cell_id": "S33-1", "complaints": 23},
                    {"cell_id": "S33-2", "complaints": 21},
                ],
                "worst_kpis": [
                    {
                        "kpi": "availability_pct",
                        "label": "availability",
                        "cell_id": "S33-1",
                        "value": 61.2,
                        "threshold": 99.0,
                        "unit": "%",
                        "state": "bad",
                    }
                ],
                "planned_sites": [
                    {"kind": "planned_cell", "name": "PLANNED-P7", "planned_on_air": "2024-09-01"}
                ],
                "trend": {"previous_complaints": 13, "change_pct": 407.7, "direction": "rising"},
                "recommendation": "outage_follow_up",
                "recommendation_reason": "FAKE-REASON: outages dominate",
            },
        }
    ],
    "metadata": {"method": {"statistic": "fake statistic", "fdr": "BH", "alpha": 0.05}},
}

FAKE_PROCESS: dict[str, Any] = {
    "overall": {
        "timeliness_rate": 0.912,
        "resolution_rate": 0.874,
        "repeat_complaint_rate": 0.061,
        "first_contact_resolution": 0.55,
        "verification_rate": 0.5,
        "mean_handling_hours": 20.5,
        "p90_handling_hours": 41.0,
    },
    "targets": {"timeliness_rate": 0.95, "resolution_rate": 0.9},
}


def sections(html: str) -> dict[str, str]:
    """Section id → its HTML."""
    found = re.findall(r'<section id="([a-z-]+)"[^>]*>(.*?)</section>', html, flags=re.S)
    return dict(found)


def assert_self_contained(html: str) -> None:
    assert not re.search(r'(src|href)="(?!data:)', html), "external resource in the report"
    assert "<script" not in html and "<link" not in html and "@font-face" not in html


def test_report_has_every_section_with_the_interfaces_faked(conn: Conn) -> None:
    data = build_report(conn, START, END, hotspots=FAKE_HOTSPOTS, process_kpis=FAKE_PROCESS)
    html = render_html(data)
    found = sections(html)
    assert list(found) == list(SECTIONS)
    assert_self_contained(html)
    head = found["headline"]
    assert "投诉量 Complaints" in head and "网络原因占比" in head
    complaints = data.total("current", "complaints")
    assert f">{complaints:,}<" in head and complaints > 400
    assert "91.2%" in head and "87.4%" in head and "6.1%" in head  # process KPIs
    assert "基站故障 outage" in head  # top causes, bilingual
    assert found["map"].count("data:image/png;base64,") == 1
    spots = found["hotspots"]
    for text in ("PLANNED-P7", "FAKE-REASON", "故障整治 outage follow-up", "S33-1 (23)",
                 "availability 61.2%", "上升 rising", "+408%"):  # fmt: skip
        assert text in spots, text
    assert found["timing"].count("data:image/png") == 2
    assert "D1" in found["districts"] and "data:image/png" in found["districts"]
    breakdowns = found["breakdowns"]
    for text in ("热线 hotline", "重要客户 VIP", "普通客户 regular", "无信号 no signal"):
        assert text in breakdowns, text
    assert breakdowns.count("data:image/png") == 4
    orders = found["work-orders"]
    assert "新开 opened" in orders and "overdue" in orders and "verified" in orders
    assert ">12<" in orders  # 12 orders opened in the period
    assert "红色 red" in found["warnings"] or "橙色 orange" in found["warnings"]
    assert "S33-1" in found["warnings"]


def test_report_uses_the_real_hotspots_and_process_kpis(conn: Conn) -> None:
    data = build_report(conn, START, END)
    assert data.hotspots["type"] == "FeatureCollection" and data.hotspots["features"]
    assert data.process is not None and "overall" in data.process
    html = render_html(data)
    found = sections(html)
    assert list(found) == list(SECTIONS)
    assert "S33" in found["hotspots"]  # the outage site serves the top hotspot
    assert "及时率 Timeliness" in found["headline"]


def test_empty_period_still_renders_every_section(conn: Conn) -> None:
    empty = FAKE_HOTSPOTS | {"features": []}
    html = render_html(build_report(conn, at("2020-01-01"), at("2020-01-08"), hotspots=empty))
    found = sections(html)
    assert list(found) == list(SECTIONS)
    assert "No complaints in the period" in found["headline"]
    assert "No significant hotspots" in found["hotspots"]


def test_report_rejects_a_bad_period(conn: Conn) -> None:
    from netcomplaint.errors import InputError

    with pytest.raises(InputError):
        build_report(conn, END, START)


def test_cli_writes_html_and_pdf(conn: Conn, nc_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = invoke(
        "report", "--from", "2024-04-01", "--to", "2024-04-08", "--out", str(out), "--pdf"
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert list(sections(out.read_text(encoding="utf-8"))) == list(SECTIONS)
    assert "complaints" in result.output and "written to" in result.output
    bad = invoke("report", "--from", "yesterday", "--to", "2024-04-08", "--out", str(out))
    assert bad.exit_code == 1 and "ISO 8601" in bad.output
    wrong = invoke(
        "report", "--from", "2024-04-01", "--to", "2024-04-08", "--out", str(tmp_path / "r.txt")
    )
    assert wrong.exit_code == 1 and ".html or .pdf" in wrong.output


def test_api_serves_the_same_report(conn: Conn, settings: CoreSettings) -> None:
    planner = {"Authorization": "Bearer planner-key"}
    params = {"from": "2024-04-01T00:00:00Z", "to": "2024-04-08T00:00:00Z"}
    with TestClient(create_app(settings)) as client:
        response = client.get("/v1/reports/hotspots", params=params, headers=planner)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert list(sections(response.text)) == list(SECTIONS)
        assert_self_contained(response.text)
        direct = render_html(build_report(conn, START, END))
        strip = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+|生成 generated [0-9: -]+")
        assert strip.sub("", response.text) == strip.sub("", direct)  # same look as the CLI
        pdf = client.get(
            "/v1/reports/hotspots", params={**params, "format": "pdf"}, headers=planner
        )
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        agent = client.get("/v1/reports/hotspots", headers={"Authorization": "Bearer agent-key"})
        assert agent.status_code == 403
        backwards = client.get(
            "/v1/reports/hotspots",
            params={"from": params["to"], "to": params["from"]},
            headers=planner,
        )
        assert backwards.status_code == 422


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETCOMPLAINT_REPORT_DISTRICT_H3_RES", "7")
    assert ReportSettings().report_district_h3_res == 7
