"""Process KPIs of the closed loop, over any period, overall, by department and by cause.

Orders count when opened (``created_at``) in ``[start, end)``; complaints when reported in it.

* timeliness rate (及时率) = orders resolved within their time limit / (resolved + still open
  and past the limit at ``as_of``);
* resolution rate (解决率) = orders resolved (resolved, verified or closed after a fix) / orders
  not cancelled (closed without a fix);
* repeat-complaint rate (重复投诉率) = complaints marked repeats (``complaint_repeats``, the
  work-order rule: same subscriber, same problem, within the window) / complaints;
* first-contact resolution (一次解决率) = diagnosed complaints closed by the diagnosis alone (no
  work order, never repeated) / diagnosed complaints;
* handling time (处理时长) = resolved_at − created_at of resolved orders, mean and p90, hours.

By department, complaint rates count the complaints attached to that department's orders (so
first-contact resolution, which has no order by definition, is null there).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import dict_row

from netcomplaint.errors import InputError
from storage.db import Conn
from workorders.lifecycle import OPEN_STATUSES
from workorders.settings import WorkOrderSettings, get_wo_settings
from workorders.store import now_utc

ORDERS = """
SELECT GROUPING(department) AS g_dep, GROUPING(cause) AS g_cause, department, cause,
       count(*) AS orders,
       count(*) FILTER (WHERE status = 'closed' AND resolved_at IS NULL) AS cancelled,
       count(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved,
       count(*) FILTER (WHERE resolved_at <= due_at) AS on_time,
       count(*) FILTER (WHERE resolved_at > due_at) AS late,
       count(*) FILTER (WHERE resolved_at IS NULL AND status = ANY(%(open)s)
                          AND due_at < %(as_of)s) AS overdue_open,
       count(*) FILTER (WHERE verified_at IS NOT NULL) AS verified,
       avg(extract(epoch FROM resolved_at - created_at)) / 3600 AS mean_hours,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at))
           / 3600 AS p90_hours
FROM work_orders
WHERE created_at >= %(start)s AND created_at < %(end)s
GROUP BY GROUPING SETS ((), (department), (cause))
"""

COMPLAINTS = """
WITH repeats AS (SELECT complaint_id, repeat_of FROM complaint_repeats),
scoped AS (
    SELECT c.complaint_id,
           d.primary_cause AS cause,
           d.complaint_id IS NOT NULL AS diagnosed,
           mine.complaint_id IS NOT NULL AS is_repeat,
           later.repeat_of IS NOT NULL AS repeated_later,
           o.department
    FROM complaints c
    LEFT JOIN diagnoses d USING (complaint_id)
    LEFT JOIN (SELECT DISTINCT complaint_id FROM repeats) mine
        ON mine.complaint_id = c.complaint_id
    LEFT JOIN (SELECT DISTINCT repeat_of FROM repeats) later ON later.repeat_of = c.complaint_id
    LEFT JOIN (
        SELECT DISTINCT ON (w.complaint_id) w.complaint_id, wo.department
        FROM work_order_complaints w JOIN work_orders wo USING (work_order_id)
        ORDER BY w.complaint_id, w.attached_at) o ON o.complaint_id = c.complaint_id
    WHERE c.reported_at >= %(start)s AND c.reported_at < %(end)s
)
SELECT GROUPING(department) AS g_dep, GROUPING(cause) AS g_cause, department, cause,
       count(*) AS complaints,
       count(*) FILTER (WHERE is_repeat) AS repeat_complaints,
       count(*) FILTER (WHERE diagnosed) AS diagnosed,
       count(*) FILTER (WHERE diagnosed AND department IS NULL AND NOT repeated_later)
           AS first_contact_resolved
FROM scoped
GROUP BY GROUPING SETS ((), (department), (cause))
"""

ORDER_COUNTS = ("orders", "cancelled", "resolved", "on_time", "late", "overdue_open", "verified")
COMPLAINT_COUNTS = ("complaints", "repeat_complaints", "diagnosed", "first_contact_resolved")


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _hours(value: Any) -> float | None:
    return round(float(value), 2) if value is not None else None


def _metrics(orders: dict[str, Any] | None, complaints: dict[str, Any] | None) -> dict[str, Any]:
    o = {k: int(orders[k]) if orders else 0 for k in ORDER_COUNTS}
    c = {k: int(complaints[k]) if complaints else 0 for k in COMPLAINT_COUNTS}
    return {
        **o,
        "timeliness_rate": _rate(o["on_time"], o["on_time"] + o["late"] + o["overdue_open"]),
        "resolution_rate": _rate(o["resolved"], o["orders"] - o["cancelled"]),
        "verification_rate": _rate(o["verified"], o["resolved"]),
        "mean_handling_hours": _hours(orders["mean_hours"]) if orders else None,
        "p90_handling_hours": _hours(orders["p90_hours"]) if orders else None,
        **c,
        "repeat_complaint_rate": _rate(c["repeat_complaints"], c["complaints"]),
        "first_contact_resolution": _rate(c["first_contact_resolved"], c["diagnosed"]),
    }


def _split(
    rows: list[dict[str, Any]],
) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    overall: dict[str, Any] | None = None
    by_dep: dict[str, dict[str, Any]] = {}
    by_cause: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["g_dep"] and row["g_cause"]:
            overall = row
        elif not row["g_dep"] and row["department"] is not None:
            by_dep[row["department"]] = row
        elif not row["g_cause"] and row["cause"] is not None:
            by_cause[row["cause"]] = row
    return overall, by_dep, by_cause


def process_kpis(
    conn: Conn,
    start: datetime,
    end: datetime,
    *,
    as_of: datetime | None = None,
    settings: WorkOrderSettings | None = None,
) -> dict[str, Any]:
    """The process KPIs for ``[start, end)`` (see the module doc for the definitions)."""
    if end <= start:
        raise InputError("'to' must be after 'from'", field="to")
    settings = settings or get_wo_settings()
    as_of = as_of or now_utc()
    params = {"start": start, "end": end, "as_of": as_of, "open": sorted(OPEN_STATUSES)}
    with conn.cursor(row_factory=dict_row) as cur:
        order_rows = cur.execute(ORDERS, params).fetchall()
        complaint_rows = cur.execute(COMPLAINTS, params).fetchall()
    o_all, o_dep, o_cause = _split(order_rows)
    c_all, c_dep, c_cause = _split(complaint_rows)
    by_department = []
    for department in sorted(o_dep):
        metrics = _metrics(o_dep[department], c_dep.get(department))
        metrics["first_contact_resolution"] = None
        metrics["first_contact_resolved"] = None
        by_department.append({"department": department, **metrics})
    by_cause = [
        {"cause": cause, **_metrics(o_cause.get(cause), c_cause.get(cause))}
        for cause in sorted(set(o_cause) | set(c_cause))
    ]
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "as_of": as_of.isoformat(),
        "overall": _metrics(o_all, c_all),
        "by_department": by_department,
        "by_cause": by_cause,
        "targets": {
            "timeliness_rate": settings.target_timeliness,
            "resolution_rate": settings.target_resolution,
        },
    }
