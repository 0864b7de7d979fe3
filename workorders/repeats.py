"""Repeat complaints (重复投诉): the same subscriber, the same problem, within the window.

Same problem (pure ``same_problem``): the same symptom family (coverage, voice, data, SMS,
roaming) or the same diagnosed cause, at the same place — within ``repeat_radius_m`` when
both complaints have a position, else sharing a cell (the complaint's cell or serving cells).
The place doesn't matter when either complaint says the problem happens everywhere or the cause
is the terminal/SIM (it follows the user).

What a repeat does to the order of the earlier complaint (see ``workorders.hooks``): an open
order is escalated (urgent, 升级投诉); a resolved order goes back to in_progress; a verified or
closed order is reopened. An earlier complaint with no order (user side, no fault found) now
opens one, urgent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg.rows import dict_row

from storage.db import Conn
from workorders.settings import WorkOrderSettings

SYMPTOM_FAMILY = {
    "no_signal": "coverage",
    "weak_signal": "coverage",
    "call_drop": "voice",
    "poor_voice": "voice",
    "cannot_call": "voice",
    "cannot_receive": "voice",
    "slow_data": "data",
    "no_data": "data",
    "sms_failure": "sms",
    "roaming_failure": "roaming",
}
PLACE_FREE_CAUSES = frozenset({"terminal_sim"})

EARLIER = """
SELECT c.complaint_id, c.reported_at, c.lat, c.lon, c.cell_id, c.symptom, c.everywhere,
       d.primary_cause, d.serving_cells, w.work_order_id
FROM complaints c
LEFT JOIN diagnoses d USING (complaint_id)
LEFT JOIN LATERAL (
    SELECT wc.work_order_id FROM work_order_complaints wc
    WHERE wc.complaint_id = c.complaint_id ORDER BY wc.attached_at DESC LIMIT 1) w ON true
WHERE c.msisdn_hash = %(msisdn_hash)s
  AND c.complaint_id <> %(complaint_id)s
  AND c.reported_at <= %(reported_at)s
  AND c.reported_at >= %(since)s
  AND NOT EXISTS (SELECT 1 FROM complaint_repeats r
                  WHERE r.complaint_id = c.complaint_id AND r.repeat_of = %(complaint_id)s)
ORDER BY c.reported_at DESC, c.created_at DESC
LIMIT 50
"""


@dataclass(frozen=True)
class RepeatLink:
    """The complaint repeats ``repeat_of``, whose order (if any) is ``work_order_id``."""

    repeat_of: str
    work_order_id: str | None


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres.

    >>> round(haversine_m(39.9, 116.4, 39.9, 116.41))
    853
    """
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, a)))


def _cells(item: Mapping[str, Any]) -> set[str]:
    cells = {str(c) for c in item.get("serving_cells") or [] if c}
    if item.get("cell_id"):
        cells.add(str(item["cell_id"]))
    return cells


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def same_problem(new: Mapping[str, Any], old: Mapping[str, Any], radius_m: float) -> bool:
    """Whether two complaints of one subscriber are about the same problem (see module doc)."""
    family_new = SYMPTOM_FAMILY.get(str(new.get("symptom")))
    family_old = SYMPTOM_FAMILY.get(str(old.get("symptom")))
    same_kind = (family_new is not None and family_new == family_old) or (
        new.get("primary_cause") is not None
        and new.get("primary_cause") == old.get("primary_cause")
    )
    if not same_kind:
        return False
    if new.get("everywhere") or old.get("everywhere"):
        return True
    if {new.get("primary_cause"), old.get("primary_cause")} & PLACE_FREE_CAUSES:
        return True
    lat1, lon1, lat2, lon2 = (
        _num(new.get("lat")),
        _num(new.get("lon")),
        _num(old.get("lat")),
        _num(old.get("lon")),
    )
    if lat1 is not None and lon1 is not None and lat2 is not None and lon2 is not None:
        return haversine_m(lat1, lon1, lat2, lon2) <= radius_m
    return bool(_cells(new) & _cells(old))


def pick_earlier(
    new: Mapping[str, Any], candidates: Iterable[Mapping[str, Any]], radius_m: float
) -> Mapping[str, Any] | None:
    """The most recent earlier complaint on the same problem (candidates newest first)."""
    for old in candidates:
        if same_problem(new, old, radius_m):
            return old
    return None


def find_repeat(
    conn: Conn,
    complaint: Mapping[str, Any],
    diagnosis: Mapping[str, Any],
    reported_at: datetime,
    settings: WorkOrderSettings,
) -> RepeatLink | None:
    """The earlier complaint this one repeats, within the window, or None."""
    if not complaint.get("msisdn_hash"):
        return None
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            EARLIER,
            {
                "msisdn_hash": complaint["msisdn_hash"],
                "complaint_id": complaint["complaint_id"],
                "reported_at": reported_at,
                "since": reported_at - timedelta(days=settings.repeat_window_days),
            },
        ).fetchall()
    new = {
        **complaint,
        "primary_cause": diagnosis.get("primary_cause"),
        "serving_cells": diagnosis.get("serving_cells") or [],
    }
    old = pick_earlier(new, rows, settings.repeat_radius_m)
    if old is None:
        return None
    return RepeatLink(repeat_of=str(old["complaint_id"]), work_order_id=old["work_order_id"])


def record_repeat(
    conn: Conn,
    complaint_id: str,
    link: RepeatLink,
    *,
    work_order_id: str | None,
    action: str,
    at: datetime,
) -> None:
    """Store the link; mark ``complaints.repeat_of`` where nothing set it yet."""
    conn.execute(
        "INSERT INTO complaint_repeats"
        " (complaint_id, repeat_of, work_order_id, action, detected_at)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (complaint_id) DO NOTHING",
        (complaint_id, link.repeat_of, work_order_id, action, at),
    )
    conn.execute(
        "UPDATE complaints SET repeat_of = %s WHERE complaint_id = %s AND repeat_of IS NULL",
        (link.repeat_of, complaint_id),
    )
