"""Reading work orders: the order JSON (due state, 超时预警 warnings), one order, pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import sql
from psycopg.rows import dict_row

from netcomplaint.errors import NotFoundError
from storage.db import Conn
from workorders import lifecycle
from workorders.routing import DEPARTMENTS, ROUTES
from workorders.store import ORDER_COLUMNS

COMPLAINTS = """
SELECT c.complaint_id, c.external_id, c.msisdn_masked, c.reported_at, c.symptom, c.lat, c.lon,
       c.cell_id, c.urgent, c.channel, w.attached_at, d.primary_cause, r.repeat_of
FROM work_order_complaints w
JOIN complaints c USING (complaint_id)
LEFT JOIN diagnoses d USING (complaint_id)
LEFT JOIN complaint_repeats r ON r.complaint_id = c.complaint_id
WHERE w.work_order_id = %s
ORDER BY c.reported_at, c.complaint_id
"""

HISTORY = """
SELECT at, actor, from_status, to_status, note FROM work_order_events
WHERE work_order_id = %s ORDER BY at, event_id
"""


def due_state(row: Mapping[str, Any], now: datetime) -> str:
    """met | missed (resolved on time or late), cancelled, overdue, due_soon, on_time."""
    resolved: datetime | None = row["resolved_at"]
    due: datetime = row["due_at"]
    if resolved is not None:
        return "met" if resolved <= due else "missed"
    if row["status"] not in lifecycle.OPEN_STATUSES:
        return "cancelled"
    if now > due:
        return "overdue"
    warn: datetime | None = row.get("warn_at")
    if warn is not None and now >= warn:
        return "due_soon"
    return "on_time"


def progress_overdue(row: Mapping[str, Any], now: datetime) -> bool:
    due: datetime | None = row["progress_due_at"]
    return (
        due is not None
        and row["status"] in lifecycle.OPEN_STATUSES
        and row["progress_reported_at"] is None
        and now > due
    )


def warnings(row: Mapping[str, Any], now: datetime) -> list[dict[str, Any]]:
    state = due_state(row, now)
    found: list[dict[str, Any]] = []
    if state == "overdue":
        found.append(
            {
                "code": "overdue",
                "label": "超时预警",
                "since": row["due_at"],
                "message": f"past its {row['grade']}-grade time limit"
                f" (due {row['due_at']:%Y-%m-%d %H:%M} UTC)",
            }
        )
    elif state == "due_soon":
        found.append(
            {
                "code": "due_soon",
                "label": "即将超时",
                "since": row.get("warn_at"),
                "message": f"due {row['due_at']:%Y-%m-%d %H:%M} UTC",
            }
        )
    if progress_overdue(row, now):
        found.append(
            {
                "code": "progress_overdue",
                "label": "进展反馈超时",
                "since": row["progress_due_at"],
                "message": "no progress report within one working day",
            }
        )
    return found


def order_json(row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    state = due_state(row, now)
    route = row.get("route")
    return {
        "work_order_id": row["work_order_id"],
        "status": row["status"],
        "cause": row["cause"],
        "route": route,
        "route_reason": ROUTES[route][2] if route in ROUTES else None,
        "department": row["department"],
        "department_label": DEPARTMENTS.get(row["department"]),
        "grade": row["grade"],
        "priority": row["priority"],
        "urgent": row["urgent"],
        "assignee": row["assignee"],
        "cells": list(row["cells"]),
        "mass_event_id": row["mass_event_id"],
        "complaint_count": int(row["complaint_count"]),
        "affected_users": row["affected_users"],
        "repeat_count": row["repeat_count"],
        "escalated": row["escalated_at"] is not None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "due_at": row["due_at"],
        "progress_due_at": row["progress_due_at"],
        "progress_reported_at": row["progress_reported_at"],
        "resolved_at": row["resolved_at"],
        "verified_at": row["verified_at"],
        "closed_at": row["closed_at"],
        "due_state": state,
        "overdue": state == "overdue",
        "progress_overdue": progress_overdue(row, now),
        "warnings": warnings(row, now),
        "verification": row["verification"],
    }


def get_order(conn: Conn, order_id: str, now: datetime) -> dict[str, Any]:
    """One order with its complaints, cells, evidence and history."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            f"SELECT {ORDER_COLUMNS}, o.evidence FROM work_orders o WHERE o.work_order_id = %s",
            (order_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"work order {order_id} not found")
        complaints = cur.execute(COMPLAINTS, (order_id,)).fetchall()
        history = cur.execute(HISTORY, (order_id,)).fetchall()
    body = order_json(row, now)
    body["complaints"] = [
        {
            "complaint_id": c["complaint_id"],
            "external_id": c["external_id"],
            "msisdn": c["msisdn_masked"],
            "reported_at": c["reported_at"],
            "symptom": c["symptom"],
            "lat": c["lat"],
            "lon": c["lon"],
            "cell_id": c["cell_id"],
            "urgent": c["urgent"],
            "channel": c["channel"],
            "primary_cause": c["primary_cause"],
            "repeat_of": c["repeat_of"],
            "attached_at": c["attached_at"],
        }
        for c in complaints
    ]
    body["evidence"] = row["evidence"]
    body["history"] = [
        {
            "at": h["at"],
            "actor": h["actor"],
            "from": h["from_status"],
            "to": h["to_status"],
            "note": h["note"],
        }
        for h in history
    ]
    return body


@dataclass(frozen=True)
class OrderFilters:
    status: list[str] | None = None
    department: list[str] | None = None
    cause: str | None = None
    grade: str | None = None
    urgent: bool | None = None
    overdue: bool | None = None
    mass_event_id: str | None = None


def list_orders(
    conn: Conn,
    filters: OrderFilters,
    *,
    now: datetime,
    fetch: int,
    after: Sequence[Any] | None = None,
) -> list[dict[str, Any]]:
    """Up to ``fetch`` orders, newest first (created_at, id descending: stable under inserts),
    after the sort key ``after`` (created_at, work_order_id) of the previous page."""
    where: list[sql.Composable] = []
    params: dict[str, Any] = {"now": now, "limit": fetch}
    if filters.status:
        where.append(sql.SQL("o.status = ANY(%(status)s)"))
        params["status"] = filters.status
    if filters.department:
        where.append(sql.SQL("o.department = ANY(%(department)s)"))
        params["department"] = filters.department
    for name in ("cause", "grade", "urgent", "mass_event_id"):
        value = getattr(filters, name)
        if value is not None:
            where.append(sql.SQL("o.{} = %({})s").format(sql.Identifier(name), sql.SQL(name)))
            params[name] = value
    if filters.overdue is not None:
        overdue = sql.SQL("(o.status = ANY(%(open)s) AND o.due_at < %(now)s)")
        where.append(overdue if filters.overdue else sql.SQL("NOT ") + overdue)
        params["open"] = sorted(lifecycle.OPEN_STATUSES)
    if after is not None:
        where.append(sql.SQL("(o.created_at, o.work_order_id) < (%(c_at)s, %(c_id)s)"))
        params.update(c_at=after[0], c_id=after[1])
    clause = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(where) if where else sql.SQL("")
    query = sql.SQL(
        "SELECT {cols} FROM work_orders o{where} "
        "ORDER BY o.created_at DESC, o.work_order_id DESC LIMIT %(limit)s"
    ).format(cols=sql.SQL(ORDER_COLUMNS), where=clause)
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, params).fetchall()
    return [order_json(r, now) for r in rows]
