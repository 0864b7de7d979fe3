"""Work orders in the database: read, lock, transition, history; due times and evidence.

Opening, attaching, merging and escalating happen a batch at a time in ``hooks``.

Every change writes one row of history in ``work_order_events`` (who, when, from, to, note).
Orders keep their cells and abnormal evidence as the union over their complaints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.rows import dict_row

from netcomplaint.errors import NotFoundError
from storage.db import Conn
from workorders import lifecycle
from workorders.calendar import (
    WorkingCalendar,
    add_limit,
    add_working_hours,
    calendar_from_settings,
    limit_hours,
)
from workorders.settings import WorkOrderSettings

EVIDENCE_CAP = 200

ORDER_COLUMNS = """
    o.work_order_id, o.status, o.cause, o.route, o.department, o.grade, o.priority, o.urgent,
    o.assignee, o.cells, o.mass_event_id, o.created_at, o.updated_at, o.due_at, o.warn_at,
    o.progress_due_at, o.progress_reported_at, o.resolved_at, o.verified_at, o.closed_at,
    o.affected_users, o.repeat_count, o.escalated_at, o.overdue_warned_at, o.verification,
    (SELECT count(*) FROM work_order_complaints w WHERE w.work_order_id = o.work_order_id)
        AS complaint_count
"""

INSERT_EVENT = """
INSERT INTO work_order_events (work_order_id, at, actor, from_status, to_status, note)
VALUES (%s, %s, %s, %s, %s, %s)
"""


def now_utc() -> datetime:
    return datetime.now(UTC)


def load_calendar(conn: Conn, settings: WorkOrderSettings) -> WorkingCalendar:
    """The calendar from settings plus the ``work_calendar`` table."""
    rows = conn.execute("SELECT day, working FROM work_calendar").fetchall()
    holidays = frozenset(r[0] for r in rows if not r[1])
    extra = frozenset(r[0] for r in rows if r[1])
    return calendar_from_settings(settings, holidays=holidays, extra_working_days=extra)


def add_event(
    conn: Conn,
    order_id: str,
    *,
    at: datetime,
    actor: str,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
) -> None:
    conn.execute(INSERT_EVENT, (order_id, at, actor, from_status, to_status, note))


def due_times(
    opened: datetime, grade: str, urgent: bool, settings: WorkOrderSettings, cal: WorkingCalendar
) -> tuple[datetime, datetime, datetime | None]:
    """(due_at, warn_at, progress_due_at) for an order opened at ``opened``."""
    limit = settings.grade_limits[grade]
    due = add_limit(opened, limit, cal)
    warn = add_working_hours(opened, limit_hours(limit, cal) * settings.warn_share, cal)
    if urgent and settings.urgent_limit_hours is not None:
        urgent_due = opened + timedelta(hours=settings.urgent_limit_hours)
        if urgent_due < due:
            due = urgent_due
            warn = opened + timedelta(hours=settings.urgent_limit_hours * settings.warn_share)
    progress = None
    if grade in settings.progress_grades:
        progress = add_limit(opened, settings.progress_limit, cal)
    return due, min(warn, due), progress


def lock_order(conn: Conn, order_id: str) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            f"SELECT {ORDER_COLUMNS}, o.evidence FROM work_orders o "
            "WHERE o.work_order_id = %s FOR UPDATE OF o",
            (order_id,),
        ).fetchone()
    if row is None:
        raise NotFoundError(f"work order {order_id} not found")
    return row


def merge_evidence(
    existing: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]], complaint_id: str
) -> list[dict[str, Any]]:
    """Existing items plus the new ones not yet there (by check, cell and cause), capped."""
    merged = [dict(item) for item in existing]
    seen = {(i.get("check"), i.get("cell_id"), i.get("cause")) for i in merged}
    abnormal = [i for i in new if i.get("finding") == "abnormal"] or list(new)
    for item in abnormal:
        key = (item.get("check"), item.get("cell_id"), item.get("cause"))
        if key in seen or len(merged) >= EVIDENCE_CAP:
            continue
        seen.add(key)
        merged.append({**item, "complaint_id": complaint_id})
    return merged


def transition(
    conn: Conn,
    order_id: str,
    target: str,
    *,
    actor: str,
    note: str | None,
    at: datetime,
    settings: WorkOrderSettings,
    cal: WorkingCalendar,
) -> str:
    """Move an order to ``target`` (lifecycle-checked) and record it; return the old status.

    A reopened order gets a new time limit counted from the reopening.
    """
    row = lock_order(conn, order_id)
    current = str(row["status"])
    lifecycle.check_transition(current, target, note)
    sets = ["status = %(target)s", "updated_at = %(at)s"]
    sets += [f"{column} = %(at)s" for column in lifecycle.stamps(target)]
    sets += [f"{column} = NULL" for column in lifecycle.clears(target)]
    params: dict[str, Any] = {"target": target, "at": at, "id": order_id}
    if target == "reopened":
        due, warn, progress = due_times(at, row["grade"], bool(row["urgent"]), settings, cal)
        sets += [
            "due_at = %(due)s",
            "warn_at = %(warn)s",
            "progress_due_at = %(progress)s",
            "progress_reported_at = NULL",
            "overdue_warned_at = NULL",
            "progress_warned_at = NULL",
        ]
        params.update(due=due, warn=warn, progress=progress)
    conn.execute(f"UPDATE work_orders SET {', '.join(sets)} WHERE work_order_id = %(id)s", params)
    add_event(conn, order_id, at=at, actor=actor, from_status=current, to_status=target, note=note)
    return current
