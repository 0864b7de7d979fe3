"""One order per mass event (群障), also when the event forms after its first complaints.

Diagnostics opens a mass event once enough complaints match, and relinks the earlier ones to it
(``diagnoses.mass_event_id``); by then those may already have orders of their own (opened or
attached by cell). When a complaint of the event arrives, ``order_for_event``:

1. uses the order that carries the event, else adopts the oldest order holding one of the
   event's complaints (it now carries the event);
2. merges into it every other order holding the event's complaints that is still ``new``
   (nobody acted on it yet): complaints, cells and evidence move, the diagnosis JSON's
   ``work_order_id`` follows, the emptied order is deleted and the merge is an event in the
   history of the order that stays. Orders already dispatched are left as they are.
"""

from __future__ import annotations

from datetime import datetime

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from storage.db import Conn
from workorders import store

OWN = "SELECT work_order_id FROM work_orders WHERE mass_event_id = %s"

HOLDING = """
SELECT DISTINCT o.work_order_id, o.status, o.mass_event_id, o.created_at
FROM diagnoses d
JOIN work_order_complaints w USING (complaint_id)
JOIN work_orders o USING (work_order_id)
WHERE d.mass_event_id = %s
ORDER BY o.created_at, o.work_order_id
"""

MOVE_COMPLAINTS = """
INSERT INTO work_order_complaints (work_order_id, complaint_id, attached_at)
SELECT %(dst)s, complaint_id, attached_at FROM work_order_complaints WHERE work_order_id = %(src)s
ON CONFLICT DO NOTHING
RETURNING complaint_id
"""

FOLLOW = """
UPDATE diagnoses SET result = jsonb_set(result, '{work_order_id}', to_jsonb(%(dst)s::text))
WHERE complaint_id = ANY(%(ids)s) AND result ? 'work_order_id'
"""


def order_for_event(conn: Conn, mass_event_id: str, *, at: datetime) -> str | None:
    """The one order of the mass event (None: no complaint of it has an order yet)."""
    row = conn.execute(OWN, (mass_event_id,)).fetchone()
    own = str(row[0]) if row else None
    with conn.cursor(row_factory=dict_row) as cur:
        holding = cur.execute(HOLDING, (mass_event_id,)).fetchall()
    if own is None:
        free = [h for h in holding if h["mass_event_id"] is None]
        if not free:
            return None
        own = str(free[0]["work_order_id"])
        conn.execute(
            "UPDATE work_orders SET mass_event_id = %s, updated_at = %s WHERE work_order_id = %s",
            (mass_event_id, at, own),
        )
        store.add_event(
            conn, own, at=at, actor="system", note=f"linked to mass event {mass_event_id}"
        )
    for other in holding:
        src = str(other["work_order_id"])
        if src != own and other["status"] == "new" and other["mass_event_id"] is None:
            merge(conn, src, own, at=at, note=f"of mass event {mass_event_id}")
    return own


def merge(conn: Conn, src: str, dst: str, *, at: datetime, note: str = "") -> list[str]:
    """Move everything of order ``src`` into ``dst`` and delete ``src``; the moved complaints."""
    source = store.lock_order(conn, src)
    target = store.lock_order(conn, dst)
    moved = [str(r[0]) for r in conn.execute(MOVE_COMPLAINTS, {"src": src, "dst": dst})]
    cells = list(dict.fromkeys([*target["cells"], *source["cells"]]))
    evidence = list(target["evidence"] or [])
    seen = {(e.get("check"), e.get("cell_id"), e.get("cause")) for e in evidence}
    for item in source["evidence"] or []:
        key = (item.get("check"), item.get("cell_id"), item.get("cause"))
        if key not in seen and len(evidence) < store.EVIDENCE_CAP:
            seen.add(key)
            evidence.append(item)
    conn.execute(
        "UPDATE work_orders SET cells = %s, evidence = %s, updated_at = %s,"
        " urgent = urgent OR %s, repeat_count = repeat_count + %s WHERE work_order_id = %s",
        (cells, Jsonb(evidence), at, bool(source["urgent"]), int(source["repeat_count"]), dst),
    )
    conn.execute(
        "UPDATE complaint_repeats SET work_order_id = %s WHERE work_order_id = %s", (dst, src)
    )
    conn.execute(FOLLOW, {"dst": dst, "ids": moved})
    conn.execute("DELETE FROM work_orders WHERE work_order_id = %s", (src,))
    store.add_event(
        conn,
        dst,
        at=at,
        actor="system",
        note=f"merged order {src} ({len(moved)} complaint(s)) {note}".rstrip(),
    )
    return moved
