"""Early warning end to end on a real PostgreSQL: a city with five weeks of background complaints
following Milan's real daily/weekly load, and a planted outage surge on one site."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from netcomplaint.settings import CoreSettings
from reports import warning_store
from reports.settings import LevelThresholds, WarningSettings
from reports.warnings import refresh_warnings
from storage.db import Conn
from tests.test_report_factories import (
    Complaint,
    add_alarm,
    add_complaints,
    add_kpis,
    add_registration,
    at,
    milan_week_profile,
    msisdn,
    seed_city,
)

HISTORY_START = at("2024-03-04T00:00:00")  # a Monday
SURGE_START = at("2024-04-03T17:10:00")  # Wednesday, in the evening peak
SURGE_END = SURGE_START + timedelta(hours=3)
OUTAGE_END = SURGE_START + timedelta(minutes=150)
SURGE_SITE = "S33"
MASKED = re.compile(r"^\d{3}\*{4}\d{4}$")


def settings_for_test() -> WarningSettings:
    return WarningSettings(
        warn_orange=LevelThresholds(complaints=10),
        warn_red=LevelThresholds(complaints=30),
        warn_black=LevelThresholds(complaints=100),
    )


@dataclass
class City:
    background: list[Complaint]
    detached: str  # masked number with a registration anomaly during the surge


def build_city(conn: Conn, real_data: Path, *, alarm_cleared: bool = True) -> City:
    rng = random.Random(7)
    profile = milan_week_profile(real_data)
    background = seed_city(
        conn, rng, HISTORY_START, SURGE_START + timedelta(days=1), profile, per_site_per_day=2.0
    )
    surge = [
        Complaint(
            external_id=f"surge-{k}",
            number=msisdn(900_000 + k),  # not in the subscriber base: nobody VIP
            reported_at=SURGE_START + timedelta(minutes=3 * k),
            lat=45.46 + 3 * 0.0135 + rng.uniform(-0.003, 0.003),
            lon=9.16 + 3 * 0.019 + rng.uniform(-0.003, 0.003),
            cell_id=f"{SURGE_SITE}-{k % 3 + 1}",
            symptom="no_signal",
            cause="outage",
        )
        for k in range(60)
    ]
    add_complaints(conn, surge)
    kpi_from = SURGE_START - timedelta(days=8)
    kpi_to = SURGE_START + timedelta(days=1)
    for sector in (1, 2, 3):
        add_kpis(
            conn,
            f"{SURGE_SITE}-{sector}",
            kpi_from,
            kpi_to,
            overrides=[(SURGE_START, OUTAGE_END, {"availability_pct": 0.0, "rrc_users_avg": 0})],
        )
        add_kpis(conn, f"S32-{sector}", kpi_from, kpi_to)
    add_alarm(
        conn,
        "ALM-1",
        SURGE_SITE,
        SURGE_START - timedelta(minutes=2),
        OUTAGE_END if alarm_cleared else None,
        alarm_type="site_down",
    )
    on_site = [
        c
        for c in background
        if (c.cell_id or "").startswith(SURGE_SITE) and c.reported_at < SURGE_START
    ]
    detached = on_site[-1]
    add_registration(conn, detached.number, SURGE_START + timedelta(minutes=20), "detached")
    conn.commit()
    masked = detached.number[:3] + "****" + detached.number[-4:]
    return City(background, masked)


def test_daily_peaks_raise_nothing_and_the_surge_warns_within_one_interval(
    conn: Conn, real_data: Path
) -> None:
    build_city(conn, real_data)
    settings = settings_for_test()
    quiet = refresh_warnings(
        conn, since=SURGE_START - timedelta(days=7), as_of=SURGE_START, settings=settings
    )
    assert quiet.steps >= 7 * 96
    assert warning_store.query(conn) == [], "a normal week of daily peaks raised a warning"

    interval = timedelta(minutes=settings.warn_interval_min)
    refresh_warnings(conn, as_of=SURGE_START + interval, settings=settings)
    found = warning_store.query(conn)
    assert len(found) == 1, [
        (w.scope, w.area_key, w.started_at, w.complaints, w.cells[:5]) for w in found
    ]
    [warning] = found
    assert warning.status == "active"
    assert warning.scope == "area"
    assert SURGE_START <= warning.started_at < SURGE_START + timedelta(minutes=5)
    assert warning.detected_at <= SURGE_START + interval
    assert warning.level == "orange"
    assert 20 <= warning.complaints <= 25  # the planted 20 and background ones in the area
    assert {"S33-1", "S33-2", "S33-3"} <= set(warning.cells[:3])
    assert set(warning.degraded_cells) >= {"S33-1", "S33-2", "S33-3"}
    assert "S32-1" not in warning.degraded_cells  # healthy neighbour: linked, not degraded
    assert [a["alarm_id"] for a in warning.evidence["alarms"]] == ["ALM-1"]
    kpis = {(k["cell_id"], k["kpi"]) for k in warning.evidence["kpis"]}
    assert ("S33-1", "availability_pct") in kpis


def test_warning_lists_likely_affected_subscribers_masked(conn: Conn, real_data: Path) -> None:
    city = build_city(conn, real_data)
    refresh_warnings(conn, as_of=SURGE_START + timedelta(hours=1), settings=settings_for_test())
    [warning] = warning_store.query(conn)
    subscribers = warning.subscribers
    assert len(subscribers) >= 5
    assert all(MASKED.match(s["msisdn"]) for s in subscribers)
    assert (
        subscribers[0]["msisdn"] == city.detached and subscribers[0]["registration"] == "detached"
    )
    vip_seen = [s["vip"] for s in subscribers[1:]]
    assert vip_seen == sorted(vip_seen, reverse=True)  # VIPs before the others
    assert not any(s["msisdn"].startswith("138009") for s in subscribers)  # already complained


def test_warning_escalates_updates_and_clears_when_surge_and_outage_end(
    conn: Conn, real_data: Path
) -> None:
    build_city(conn, real_data)
    settings = settings_for_test()
    refresh_warnings(conn, as_of=SURGE_START + timedelta(hours=1), settings=settings)
    refresh_warnings(conn, as_of=SURGE_START + timedelta(hours=2), settings=settings)
    [warning] = warning_store.query(conn)
    assert warning.level == "red" and 40 <= warning.complaints <= 46
    assert [h["event"] for h in warning.history] == ["opened", "escalated", "escalated"]

    refresh_warnings(conn, as_of=SURGE_END + timedelta(hours=3), settings=settings)
    found = warning_store.query(conn)
    assert len(found) == 1, [(w.scope, w.area_keys, str(w.started_at)) for w in found]
    [warning] = found
    assert warning.status == "cleared" and 60 <= warning.complaints <= 70
    assert warning.cleared_at is not None
    assert SURGE_END <= warning.cleared_at <= SURGE_END + timedelta(hours=1, minutes=15)
    assert warning.level == "red"  # a cleared warning keeps the level it reached

    again = refresh_warnings(conn, as_of=SURGE_END + timedelta(hours=3), settings=settings)
    assert again.opened == [] and again.cleared == []
    assert warning_store.query(conn) == [warning]  # idempotent


def test_warning_stays_while_the_outage_lasts(conn: Conn, real_data: Path) -> None:
    build_city(conn, real_data, alarm_cleared=False)
    settings = settings_for_test()
    refresh_warnings(conn, as_of=SURGE_START + timedelta(hours=1), settings=settings)
    refresh_warnings(conn, as_of=SURGE_END + timedelta(hours=3), settings=settings)
    [warning] = warning_store.query(conn)
    assert warning.status == "active", "complaints stopped but the site is still down"


def test_warnings_api_filters_and_roles(
    conn: Conn, real_data: Path, settings: CoreSettings
) -> None:
    build_city(conn, real_data)
    as_of = (SURGE_START + timedelta(hours=1)).isoformat()
    planner = {"Authorization": "Bearer planner-key"}
    with TestClient(create_app(settings)) as client:
        response = client.get("/v1/warnings", params={"as_of": as_of}, headers=planner)
        assert response.status_code == 200, response.text
        body = response.json()
        assert isinstance(body, list) and len(body) == 1
        item = body[0]
        assert item["level"] == "orange" or item["level"] in ("yellow", "red", "black")
        for key in ("level", "area", "cells", "started_at", "complaints", "evidence"):
            assert key in item
        assert item["subscribers"] and all(MASKED.match(s["msisdn"]) for s in item["subscribers"])
        assert "msisdn_hash" not in response.text
        none = client.get(
            "/v1/warnings", params={"as_of": as_of, "level": "black"}, headers=planner
        )
        assert none.status_code == 200 and none.json() == []
        cleared = client.get(
            "/v1/warnings", params={"active": "false", "refresh": "false"}, headers=planner
        )
        assert cleared.json() == []
        one = client.get(f"/v1/warnings/{item['warning_id']}", headers=planner)
        assert one.status_code == 200 and one.json()["warning_id"] == item["warning_id"]
        bad = client.get("/v1/warnings", params={"level": "purple"}, headers=planner)
        assert bad.status_code == 422 and bad.json()["error"]["code"]
        assert (
            client.get("/v1/warnings", headers={"Authorization": "Bearer agent-key"}).status_code
            == 403
        )
        assert client.get("/v1/warnings").status_code == 401
