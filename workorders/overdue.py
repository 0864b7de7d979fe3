"""超时预警: record a warning event once for each order past its time limit or progress due.

Orders show ``overdue``/``progress_overdue`` live in the API whatever this does; this scan adds
the warning to each order's history (actor ``system``) once, so it is pushed and auditable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Conn
from workorders import store
from workorders.lifecycle import OPEN_STATUSES

OVERDUE = """
UPDATE work_orders SET overdue_warned_at = %(now)s
WHERE status = ANY(%(open)s) AND due_at < %(now)s AND overdue_warned_at IS NULL
RETURNING work_order_id, department, grade, due_at
"""

PROGRESS = """
UPDATE work_orders SET progress_warned_at = %(now)s
WHERE status = ANY(%(open)s) AND progress_due_at < %(now)s AND progress_reported_at IS NULL
  AND progress_warned_at IS NULL
RETURNING work_order_id, department, grade, progress_due_at
"""


@dataclass(frozen=True)
class Warned:
    work_order_id: str
    kind: str  # overdue | progress_overdue
    department: str
    grade: str
    due_at: datetime


def raise_warnings(conn: Conn, *, now: datetime) -> list[Warned]:
    """Warn (once) for each open order past its due time or its progress-report time."""
    params = {"now": now, "open": sorted(OPEN_STATUSES)}
    warned: list[Warned] = []
    for row in conn.execute(OVERDUE, params).fetchall():
        warned.append(Warned(row[0], "overdue", row[1], row[2], row[3]))
    for row in conn.execute(PROGRESS, params).fetchall():
        warned.append(Warned(row[0], "progress_overdue", row[1], row[2], row[3]))
    for item in warned:
        label = "超时预警" if item.kind == "overdue" else "进展反馈超时"
        what = "time limit" if item.kind == "overdue" else "progress report"
        store.add_event(
            conn,
            item.work_order_id,
            at=now,
            actor="system",
            note=f"{label}: {what} of grade {item.grade} passed at {item.due_at.isoformat()}",
        )
    return warned
