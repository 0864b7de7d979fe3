"""What the API does to one order: apply a PATCH (status, note, assignee, re-routing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from netcomplaint.errors import ConflictError
from storage.db import Conn
from workorders import lifecycle, store, views
from workorders.calendar import WorkingCalendar
from workorders.models import WorkOrderPatch
from workorders.settings import WorkOrderSettings

# the centre may re-route (department/grade) an order it holds or is dispatching again
REROUTE_FROM = frozenset({"new", "rejected", "reopened"})


def patch_order(
    conn: Conn,
    order_id: str,
    patch: WorkOrderPatch,
    *,
    actor: str,
    now: datetime,
    settings: WorkOrderSettings,
) -> dict[str, Any]:
    """Apply ``patch`` to an order and return it (404 unknown, 409 forbidden transition).

    A note from anyone but the system counts as a progress report (进展反馈).
    """
    row = store.lock_order(conn, order_id)
    cal = store.load_calendar(conn, settings)
    current = str(row["status"])
    target = patch.status if patch.status and patch.status != current else None
    text = patch.text

    if target is not None:
        lifecycle.check_transition(current, target, text)
    if patch.department or patch.grade:
        rerouting = current in REROUTE_FROM or target == "dispatched"
        if not rerouting:
            raise ConflictError(
                f"an order in status {current} can't be re-routed;"
                " reject it back to the centre first"
            )
        _reroute(conn, row, patch, actor=actor, now=now, settings=settings, cal=cal)
    if patch.assignee is not None and patch.assignee != (row["assignee"] or ""):
        conn.execute(
            "UPDATE work_orders SET assignee = %s, updated_at = %s WHERE work_order_id = %s",
            (patch.assignee or None, now, order_id),
        )
        store.add_event(
            conn,
            order_id,
            at=now,
            actor=actor,
            note=f"assigned to {patch.assignee}" if patch.assignee else "unassigned",
        )
    if target is not None:
        store.transition(
            conn, order_id, target, actor=actor, note=text, at=now, settings=settings, cal=cal
        )
        if target == "verified":
            conn.execute(
                "UPDATE work_orders SET verification = %s WHERE work_order_id = %s",
                (_manual_verification(actor, now, text), order_id),
            )
    elif text:
        store.add_event(conn, order_id, at=now, actor=actor, note=text)
    if text and actor != "system":
        conn.execute(
            "UPDATE work_orders SET progress_reported_at = coalesce(progress_reported_at, %s), "
            "updated_at = %s WHERE work_order_id = %s",
            (now, now, order_id),
        )
    return views.get_order(conn, order_id, now)


def _manual_verification(actor: str, now: datetime, note: str | None) -> Jsonb:
    return Jsonb({"result": "manual", "by": actor, "checked_at": now.isoformat(), "note": note})


def _reroute(
    conn: Conn,
    row: dict[str, Any],
    patch: WorkOrderPatch,
    *,
    actor: str,
    now: datetime,
    settings: WorkOrderSettings,
    cal: WorkingCalendar,
) -> None:
    order_id = row["work_order_id"]
    notes: list[str] = []
    if patch.department and patch.department != row["department"]:
        conn.execute(
            "UPDATE work_orders SET department = %s, updated_at = %s WHERE work_order_id = %s",
            (patch.department, now, order_id),
        )
        notes.append(f"re-routed from {row['department']} to {patch.department}")
    if patch.grade and patch.grade != row["grade"]:
        due, warn, progress = store.due_times(
            row["created_at"], patch.grade, bool(row["urgent"]), settings, cal
        )
        conn.execute(
            "UPDATE work_orders SET grade = %s, due_at = %s, warn_at = %s, progress_due_at = %s, "
            "updated_at = %s WHERE work_order_id = %s",
            (patch.grade, due, warn, progress, now, order_id),
        )
        notes.append(f"grade {row['grade']} → {patch.grade}, due {due.isoformat()}")
    if notes:
        store.add_event(conn, order_id, at=now, actor=actor, note="; ".join(notes))
