"""Work orders in the database: create, attach, read, transition, events.

Every change writes one row of history in ``work_order_events`` (who, when, from, to, note).
Orders keep their cells and abnormal evidence as the union over their complaints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

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
from workorders.routing import PriorityInput, priority
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

INSERT_ORDER = """
INSERT INTO work_orders (work_order_id, status, cause, route, department, grade, priority, urgent,
                         cells, mass_event_id, evidence, created_at, updated_at, due_at, warn_at,
                         progress_due_at)
VALUES (%(id)s, 'new', %(cause)s, %(route)s, %(department)s, %(grade)s, 0, %(urgent)s,
        %(cells)s, %(mass_event_id)s, %(evidence)s, %(created_at)s, %(created_at)s, %(due_at)s,
        %(warn_at)s, %(progress_due_at)s)
ON CONFLICT (mass_event_id) WHERE mass_event_id IS NOT NULL DO NOTHING
RETURNING work_order_id
"""

INSERT_EVENT = """
INSERT INTO work_order_events (work_order_id, at, actor, from_status, to_status, note)
VALUES (%s, %s, %s, %s, %s, %s)
"""

IMPACT = """
SELECT count(*) AS complaints,
       count(DISTINCT c.msisdn_hash) AS complainants,
       coalesce(bool_or(s.vip), false) AS vip,
       coalesce(bool_or(c.urgent OR c.channel = ANY(%(urgent_channels)s)), false) AS urgent
FROM work_order_complaints w
JOIN complaints c USING (complaint_id)
LEFT JOIN subscribers s ON s.msisdn_hash = c.msisdn_hash
WHERE w.work_order_id = %(id)s
"""

CELL_USERS = """
SELECT coalesce(sum(users), 0) FROM (
    SELECT max(rrc_users_avg) AS users FROM kpis
    WHERE cell_id = ANY(%(cells)s) AND ts >= %(since)s AND ts < %(until)s
    GROUP BY cell_id) per_cell
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


def next_order_id(conn: Conn, opened: datetime) -> str:
    row = conn.execute("SELECT nextval('work_order_seq')").fetchone()
    assert row is not None
    return f"WO-{opened:%Y%m%d}-{int(row[0]):06d}"


def create_order(
    conn: Conn,
    *,
    cause: str,
    route: str,
    department: str,
    grade: str,
    urgent: bool,
    cells: Sequence[str],
    mass_event_id: str | None,
    opened: datetime,
    settings: WorkOrderSettings,
    cal: WorkingCalendar,
    note: str,
) -> str | None:
    """Insert a new order (status new) and its first event; None if the mass event has one."""
    due, warn, progress = due_times(opened, grade, urgent, settings, cal)
    order_id = next_order_id(conn, opened)
    row = conn.execute(
        INSERT_ORDER,
        {
            "id": order_id,
            "cause": cause,
            "route": route,
            "department": department,
            "grade": grade,
            "urgent": urgent,
            "cells": list(cells),
            "mass_event_id": mass_event_id,
            "evidence": Jsonb([]),
            "created_at": opened,
            "due_at": due,
            "warn_at": warn,
            "progress_due_at": progress,
        },
    ).fetchone()
    if row is None:
        return None
    add_event(conn, order_id, at=opened, actor="system", to_status="new", note=note)
    return order_id


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


def attach_complaint(
    conn: Conn,
    order_id: str,
    complaint_id: str,
    *,
    cells: Sequence[str],
    evidence: Sequence[Mapping[str, Any]],
    at: datetime,
    note: str | None = None,
) -> bool:
    """Link a complaint to an order, widen its cells and evidence; False if already linked."""
    inserted = conn.execute(
        "INSERT INTO work_order_complaints (work_order_id, complaint_id, attached_at) "
        "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
        (order_id, complaint_id, at),
    ).fetchone()
    if inserted is None:
        return False
    row = lock_order(conn, order_id)
    merged_cells = list(dict.fromkeys([*row["cells"], *cells]))
    merged = merge_evidence(row["evidence"] or [], evidence, complaint_id)
    conn.execute(
        "UPDATE work_orders SET cells = %s, evidence = %s, updated_at = %s"
        " WHERE work_order_id = %s",
        (merged_cells, Jsonb(merged), at, order_id),
    )
    add_event(
        conn, order_id, at=at, actor="system", note=note or f"complaint {complaint_id} attached"
    )
    return True


def refresh_priority(
    conn: Conn, order_id: str, settings: WorkOrderSettings, *, force_urgent: bool = False
) -> None:
    """Recompute urgency, affected users and priority from the order's complaints and cells."""
    row = lock_order(conn, order_id)
    with conn.cursor(row_factory=dict_row) as cur:
        impact = cur.execute(
            IMPACT, {"id": order_id, "urgent_channels": settings.urgent_channels}
        ).fetchone()
    assert impact is not None
    opened: datetime = row["created_at"]
    users_row = conn.execute(
        CELL_USERS, {"cells": row["cells"], "since": opened - timedelta(days=1), "until": opened}
    ).fetchone()
    cell_users = float(users_row[0]) if users_row and users_row[0] is not None else 0.0
    affected = max(int(impact["complainants"]), round(cell_users))
    urgent = bool(row["urgent"] or impact["urgent"] or force_urgent)
    score = priority(
        PriorityInput(
            cause=row["cause"],
            urgent=urgent,
            vip=bool(impact["vip"]),
            complaints=int(impact["complaints"]),
            affected_users=affected,
            repeats=int(row["repeat_count"]),
        ),
        settings,
    )
    conn.execute(
        "UPDATE work_orders SET priority = %s, urgent = %s, affected_users = %s "
        "WHERE work_order_id = %s",
        (score, urgent, affected, order_id),
    )


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


def make_urgent(conn: Conn, order_id: str, *, at: datetime, settings: WorkOrderSettings) -> None:
    """An urgent complaint (紧急投诉) joined the order: urgent, due within the urgent limit."""
    row = conn.execute(
        "UPDATE work_orders SET urgent = true, updated_at = %s"
        " WHERE work_order_id = %s AND NOT urgent RETURNING 1",
        (at, order_id),
    ).fetchone()
    if row is None:
        return
    if settings.urgent_limit_hours is not None:
        urgent_due = at + timedelta(hours=settings.urgent_limit_hours)
        conn.execute(
            "UPDATE work_orders SET due_at = LEAST(due_at, %(d)s), warn_at = LEAST(warn_at, %(d)s)"
            " WHERE work_order_id = %(id)s AND resolved_at IS NULL",
            {"d": urgent_due, "id": order_id},
        )
    add_event(conn, order_id, at=at, actor="system", note="urgent complaint attached (紧急投诉)")


def escalate(
    conn: Conn, order_id: str, *, at: datetime, note: str, settings: WorkOrderSettings
) -> None:
    """A repeat (升级投诉): urgent, one more repeat, due no later than the urgent limit."""
    sets = (
        "urgent = true, repeat_count = repeat_count + 1, escalated_at = %(at)s, updated_at = %(at)s"
    )
    params: dict[str, Any] = {"at": at, "id": order_id}
    if settings.urgent_limit_hours is not None:
        sets += ", due_at = LEAST(due_at, %(urgent_due)s), warn_at = LEAST(warn_at, %(urgent_due)s)"
        params["urgent_due"] = at + timedelta(hours=settings.urgent_limit_hours)
    conn.execute(f"UPDATE work_orders SET {sets} WHERE work_order_id = %(id)s", params)
    add_event(conn, order_id, at=at, actor="system", note=note)
    refresh_priority(conn, order_id, settings, force_urgent=True)
