"""Time limits: due times in working time across weekends and holidays, 超时预警, progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
import typer
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.test_workorders_support import (
    ENGINEER,
    _fresh_wo_settings,
    client,
    complaint,
    diagnose,
    diagnosis,
    evidence,
    get,
    open_order,
    patch,
)
from workorders.calendar import (
    WorkingCalendar,
    add_working_hours,
    working_hours_between,
)
from workorders.cli import register

__all__ = ["_fresh_wo_settings", "client"]  # fixtures

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def due_of(client: TestClient, order_id: str) -> datetime:
    return datetime.fromisoformat(get(client, order_id)["due_at"]).astimezone(SHANGHAI)


INTERFERENCE = diagnosis(
    "interference",
    evidence_items=[
        evidence("ul_interference", "interference", cell_id="T1", value=-97, threshold=-105)
    ],
    serving_cells=["T1"],
)
NEW_SITE = diagnosis(
    "weak_coverage",
    evidence_items=[evidence("planned_site", "weak_coverage", detail="planned site nearby")],
    serving_cells=["T2"],
)


@pytest.mark.parametrize(
    ("reported", "diag", "due"),
    [
        # B (1 working day) from Friday 17:00 → Monday 17:00
        (local(2024, 1, 5, 17, 0), None, local(2024, 1, 8, 17, 0)),
        # B from Saturday 10:00: the clock starts Monday 09:00 → Monday 18:00
        (local(2024, 1, 6, 10, 0), None, local(2024, 1, 8, 18, 0)),
        # B from Friday 20:00 (after hours) → Monday 18:00
        (local(2024, 1, 5, 20, 0), None, local(2024, 1, 8, 18, 0)),
        # A (2 working hours) from Friday 17:30 → Monday 10:30
        (local(2024, 1, 5, 17, 30), INTERFERENCE, local(2024, 1, 8, 10, 30)),
        # C (2 working days) from Thursday 10:00 → Monday 10:00
        (local(2024, 1, 4, 10, 0), NEW_SITE, local(2024, 1, 8, 10, 0)),
    ],
)
def test_due_times_across_weekends(
    conn: psycopg.Connection[Any],
    client: TestClient,
    reported: datetime,
    diag: dict[str, Any] | None,
    due: datetime,
) -> None:
    kwargs: dict[str, Any] = {"reported_at": reported}
    if diag is not None:
        kwargs["diag"] = diag
    order_id = open_order(conn, **kwargs)
    assert due_of(client, order_id) == due


def test_progress_report_due_within_one_working_day_for_long_grades(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    long_grade = open_order(conn, reported_at=local(2024, 1, 4, 10, 0), diag=NEW_SITE)
    order = get(client, long_grade)
    assert order["grade"] == "C"
    progress_due = datetime.fromisoformat(order["progress_due_at"]).astimezone(SHANGHAI)
    assert progress_due == local(2024, 1, 5, 10, 0)
    assert order["progress_overdue"] is True
    assert {w["code"] for w in order["warnings"]} >= {"progress_overdue", "overdue"}
    reported = patch(client, long_grade, note="site survey booked for next week").json()
    assert reported["progress_overdue"] is False and reported["progress_reported_at"]
    short_grade = open_order(conn, reported_at=local(2024, 1, 4, 10, 0))
    assert get(client, short_grade)["progress_due_at"] is None


def test_holidays_and_days_worked_in_lieu(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    conn.execute("INSERT INTO work_calendar VALUES ('2024-01-08', false, '假日')")
    conn.commit()
    over_holiday = open_order(conn, reported_at=local(2024, 1, 5, 17, 0))
    assert due_of(client, over_holiday) == local(2024, 1, 9, 17, 0)
    conn.execute("INSERT INTO work_calendar VALUES ('2024-01-13', true, '调休')")
    conn.commit()
    makeup = open_order(conn, reported_at=local(2024, 1, 12, 17, 0))
    assert due_of(client, makeup) == local(2024, 1, 13, 17, 0)


def test_configured_zone_hours_and_holidays(
    conn: psycopg.Connection[Any], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETCOMPLAINT_WO_TIME_ZONE", "Europe/Berlin")
    monkeypatch.setenv("NETCOMPLAINT_WO_WORK_START", "08:00")
    monkeypatch.setenv("NETCOMPLAINT_WO_WORK_END", "16:00")
    monkeypatch.setenv("NETCOMPLAINT_WO_HOLIDAYS", '["2024-01-08"]')
    berlin = ZoneInfo("Europe/Berlin")
    order_id = open_order(conn, reported_at=datetime(2024, 1, 5, 15, 0, tzinfo=berlin))
    due = datetime.fromisoformat(get(client, order_id)["due_at"]).astimezone(berlin)
    assert due == datetime(2024, 1, 9, 15, 0, tzinfo=berlin)


def test_urgent_orders_are_due_within_the_urgent_limit(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    reported = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    order_id = open_order(conn, reported_at=reported, urgent=True)
    order = get(client, order_id)
    assert order["urgent"] is True
    assert datetime.fromisoformat(order["due_at"]) <= reported + timedelta(hours=4)


def test_overdue_orders_warn_and_filter(conn: psycopg.Connection[Any], client: TestClient) -> None:
    late = open_order(conn, reported_at=local(2024, 1, 5, 17, 0))
    fresh = open_order(conn)
    late_order = get(client, late)
    assert late_order["overdue"] is True and late_order["due_state"] == "overdue"
    assert late_order["warnings"][0]["code"] == "overdue"
    assert late_order["warnings"][0]["label"] == "超时预警"
    assert get(client, fresh)["overdue"] is False
    flagged = client.get("/v1/work-orders", params={"overdue": "true"}, headers=ENGINEER).json()
    assert [o["work_order_id"] for o in flagged["items"]] == [late]
    others = client.get("/v1/work-orders", params={"overdue": "false"}, headers=ENGINEER).json()
    assert [o["work_order_id"] for o in others["items"]] == [fresh]
    # resolving late ends the warning; the order stays marked as having missed its limit
    for status in ("dispatched", "in_progress", "resolved"):
        assert patch(client, late, status=status).status_code == 200
    done = get(client, late)
    assert done["overdue"] is False and done["due_state"] == "missed" and not done["warnings"]


def test_overdue_command_warns_once(
    conn: psycopg.Connection[Any], client: TestClient, nc_env: dict[str, str]
) -> None:
    late = open_order(conn, reported_at=local(2024, 1, 5, 17, 0))
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    first = runner.invoke(app, ["workorders", "overdue", "--json"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert late in first.stdout and "overdue" in first.stdout
    second = runner.invoke(app, ["workorders", "overdue"], catch_exceptions=False)
    assert late not in second.stdout
    notes = [e["note"] or "" for e in get(client, late)["history"]]
    assert sum("超时预警" in n for n in notes) == 1
    bad = runner.invoke(app, ["workorders", "overdue", "--now", "yesterday"])
    assert bad.exit_code == 1


CAL = WorkingCalendar(zone=SHANGHAI, holidays=frozenset({local(2024, 1, 8).date()}))


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2023, 12, 1), max_value=datetime(2024, 2, 1), timezones=st.just(UTC)
    ),
    hours=st.floats(min_value=0, max_value=60, allow_nan=False),
)
def test_working_hours_round_trip(start: datetime, hours: float) -> None:
    end = add_working_hours(start, hours, CAL)
    assert end >= start
    assert working_hours_between(start, end, CAL) == pytest.approx(hours, abs=1e-6)
    local_end = end.astimezone(SHANGHAI)
    assert CAL.is_working_day(local_end.date())
    assert CAL.start <= local_end.time() <= CAL.end or hours == 0


def test_an_urgent_complaint_joining_an_order_tightens_its_limit(
    conn: psycopg.Connection[Any], client: TestClient
) -> None:
    order_id = open_order(conn, reported_at=datetime.now(UTC) - timedelta(minutes=2))
    calm = get(client, order_id)
    assert not calm["urgent"]
    cell = calm["cells"][0]
    joined = diagnose(
        conn,
        complaint(conn, channel="regulator"),  # regulator involved: urgent (紧急投诉)
        diagnosis("weak_coverage", serving_cells=[cell]),
    )
    assert joined == order_id
    urgent = get(client, order_id)
    assert urgent["urgent"] and urgent["priority"] > calm["priority"]
    assert datetime.fromisoformat(urgent["due_at"]) <= datetime.now(UTC) + timedelta(hours=4)
    assert datetime.fromisoformat(urgent["due_at"]) < datetime.fromisoformat(calm["due_at"])
