"""What diagnostics calls after storing a diagnosis (see docs/DEVELOPING.md, interfaces).

``on_diagnosis`` runs in the caller's transaction. It decides, in this order:

1. is it a repeat (重复投诉) of an earlier complaint of the same subscriber? (``repeats``)
2. no order at all for a user-side cause or no fault found that isn't a repeat;
3. the order to use — one per root cause: the order of the diagnosis's mass event (merging
   the orders its earlier complaints got before the event formed, see ``mass_events``); else the
   repeat's order (same cause, or the new diagnosis is user-side); else an order not yet
   verified with the same cause sharing a cell (or, without cells, a complaint within
   ``attach_radius_m``); else a new order routed by cause and evidence (``routing``);
4. attach the complaint (cells and evidence widen), apply the repeat (escalate, back to
   in_progress, or reopen), refresh priority.

Orders are opened with the complaint's ``reported_at`` as their start (capped at now), so time
limits and handling times run from when the customer complained. A transaction-level advisory
lock serialises order creation, so concurrent diagnoses of one fault can't open two orders.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from psycopg.rows import dict_row

from storage.db import Conn
from workorders import mass_events, repeats, store
from workorders.calendar import WorkingCalendar
from workorders.lifecycle import OPEN_STATUSES
from workorders.routing import NETWORK_CAUSES, affected_cells, is_urgent, route
from workorders.settings import WorkOrderSettings, get_wo_settings

_LOCK_ID = 0x6E63_776F  # "ncwo"

ADOPT_EVENT = """
UPDATE work_orders SET mass_event_id = %(event)s
WHERE work_order_id = %(id)s AND mass_event_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM work_orders WHERE mass_event_id = %(event)s)
"""

ATTACHED_TO = "SELECT work_order_id FROM work_order_complaints WHERE complaint_id = %s LIMIT 1"

SAME_CAUSE_CELLS = """
SELECT work_order_id, status FROM work_orders
WHERE cause = %(cause)s AND status NOT IN ('verified', 'closed') AND cells && %(cells)s
ORDER BY created_at DESC, work_order_id DESC LIMIT 1
"""

SAME_CAUSE_NEAR = """
SELECT o.work_order_id, o.status FROM work_orders o
JOIN work_order_complaints w USING (work_order_id)
JOIN complaints c USING (complaint_id)
WHERE o.cause = %(cause)s AND o.status NOT IN ('verified', 'closed')
  AND c.lat BETWEEN %(lat)s - %(dlat)s AND %(lat)s + %(dlat)s
  AND c.lon BETWEEN %(lon)s - %(dlon)s AND %(lon)s + %(dlon)s
ORDER BY o.created_at DESC, o.work_order_id DESC LIMIT 1
"""


def _as_datetime(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def on_diagnosis(
    conn: Conn,
    complaint: Mapping[str, Any],
    diagnosis: Mapping[str, Any],
    *,
    settings: WorkOrderSettings | None = None,
    now: datetime | None = None,
) -> str | None:
    """Open or attach to a work order for this diagnosis; return its id (None: no order)."""
    settings = settings or get_wo_settings()
    now = now or store.now_utc()
    complaint_id = str(complaint["complaint_id"])
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
    already = conn.execute(ATTACHED_TO, (complaint_id,)).fetchone()
    if already is not None:  # diagnosed again (retry): the order it already has
        return str(already[0])

    reported = min(_as_datetime(complaint["reported_at"]), now)
    cause = str(diagnosis.get("primary_cause") or "")
    attribution = diagnosis.get("attribution")
    network = cause in NETWORK_CAUSES and attribution != "user"
    link = repeats.find_repeat(conn, complaint, diagnosis, reported, settings)
    if not network and link is None:
        return None

    evidence = list(diagnosis.get("evidence") or [])
    cells = affected_cells(diagnosis, complaint)
    mass_event_id = diagnosis.get("mass_event_id")
    urgent = is_urgent(complaint, settings) or link is not None
    cal = store.load_calendar(conn, settings)

    order_id = _find_order(
        conn, cause, network, cells, complaint, mass_event_id, link, settings, now
    )
    created = False
    if order_id is None:
        routed = route(cause, evidence, repeat=link is not None, settings=settings)
        if routed is None:
            return None
        order_id = store.create_order(
            conn,
            cause=cause,
            route=routed.key,
            department=routed.department,
            grade=routed.grade,
            urgent=urgent,
            cells=cells,
            mass_event_id=mass_event_id if network else None,
            opened=reported,
            settings=settings,
            cal=cal,
            note=f"opened for complaint {complaint_id}: {cause} → {routed.department} "
            f"(grade {routed.grade}; {routed.reason})",
        )
        if order_id is None:  # the mass event got its order meanwhile
            order_id = _mass_event_order(conn, str(mass_event_id))
        else:
            created = True
    assert order_id is not None
    store.attach_complaint(conn, order_id, complaint_id, cells=cells, evidence=evidence, at=now)
    if network and mass_event_id and not created:
        conn.execute(ADOPT_EVENT, {"event": str(mass_event_id), "id": order_id})
    if link is not None:
        _apply_repeat(conn, order_id, complaint_id, link, created, now, settings, cal)
    elif urgent and not created:
        store.make_urgent(conn, order_id, at=now, settings=settings)
    if not created and network:
        _reopen_if_after_fix(conn, order_id, complaint_id, reported, now, settings, cal)
    store.refresh_priority(conn, order_id, settings)
    return order_id


def _mass_event_order(conn: Conn, mass_event_id: str) -> str | None:
    row = conn.execute(
        "SELECT work_order_id FROM work_orders WHERE mass_event_id = %s", (mass_event_id,)
    ).fetchone()
    return str(row[0]) if row else None


def _find_order(
    conn: Conn,
    cause: str,
    network: bool,
    cells: list[str],
    complaint: Mapping[str, Any],
    mass_event_id: Any,
    link: repeats.RepeatLink | None,
    settings: WorkOrderSettings,
    now: datetime,
) -> str | None:
    if network and mass_event_id:
        found = mass_events.order_for_event(conn, str(mass_event_id), at=now)
        if found:
            return found
    if link is not None and link.work_order_id is not None:
        row = conn.execute(
            "SELECT cause FROM work_orders WHERE work_order_id = %s", (link.work_order_id,)
        ).fetchone()
        if row is not None and (not network or row[0] == cause):
            return link.work_order_id
    if not network:
        return None
    with conn.cursor(row_factory=dict_row) as cur:
        if cells:
            hit = cur.execute(SAME_CAUSE_CELLS, {"cause": cause, "cells": cells}).fetchone()
            return str(hit["work_order_id"]) if hit else None
        lat, lon = complaint.get("lat"), complaint.get("lon")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            dlat = settings.attach_radius_m / 111_320.0
            dlon = dlat / max(0.01, abs(math.cos(math.radians(lat))))
            hit = cur.execute(
                SAME_CAUSE_NEAR,
                {"cause": cause, "lat": lat, "lon": lon, "dlat": dlat, "dlon": dlon},
            ).fetchone()
            return str(hit["work_order_id"]) if hit else None
    return None


def _apply_repeat(
    conn: Conn,
    order_id: str,
    complaint_id: str,
    link: repeats.RepeatLink,
    created: bool,
    now: datetime,
    settings: WorkOrderSettings,
    cal: WorkingCalendar,
) -> None:
    status = str(store.lock_order(conn, order_id)["status"])
    note = f"repeat complaint {complaint_id} of {link.repeat_of} (重复投诉)"
    if created:
        action = "opened"
        store.escalate(
            conn, order_id, at=now, note=f"{note}: opened urgent (升级投诉)", settings=settings
        )
    elif status in OPEN_STATUSES:
        action = "escalated"
        store.escalate(
            conn, order_id, at=now, note=f"{note}: escalated (升级投诉)", settings=settings
        )
    else:
        action = "back_in_progress" if status == "resolved" else "reopened"
        target = "in_progress" if status == "resolved" else "reopened"
        store.escalate(
            conn, order_id, at=now, note=f"{note}: escalated (升级投诉)", settings=settings
        )
        store.transition(
            conn,
            order_id,
            target,
            actor="system",
            at=now,
            settings=settings,
            cal=cal,
            note=f"{note}: the problem is back after the fix",
        )
    repeats.record_repeat(conn, complaint_id, link, work_order_id=order_id, action=action, at=now)


def _reopen_if_after_fix(
    conn: Conn,
    order_id: str,
    complaint_id: str,
    reported: datetime,
    now: datetime,
    settings: WorkOrderSettings,
    cal: WorkingCalendar,
) -> None:
    """A complaint on the fault reported after the order's fix: the fix didn't hold."""
    row = store.lock_order(conn, order_id)
    resolved: datetime | None = row["resolved_at"]
    if row["status"] not in ("resolved", "verified", "closed") or resolved is None:
        return
    if reported <= resolved:
        return
    target = "in_progress" if row["status"] == "resolved" else "reopened"
    store.transition(
        conn,
        order_id,
        target,
        actor="system",
        at=now,
        settings=settings,
        cal=cal,
        note=f"complaint {complaint_id} reported after the fix",
    )
