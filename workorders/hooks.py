"""What diagnostics calls after storing diagnoses (see docs/DEVELOPING.md, interfaces).

``on_diagnoses`` runs in the caller's transaction and handles a batch as if each diagnosis were
handed over on its own, in batch order. For each one it decides, in this order:

1. is it a repeat (重复投诉) of an earlier complaint of the same subscriber? (``repeats``)
2. no order at all for a user-side cause or no fault found that isn't a repeat;
3. the order to use — one per root cause: the order of the diagnosis's mass event (merging
   the orders its earlier complaints got before the event formed, see
   ``hook_decide.order_for_event``); else the
   repeat's order (same cause, or the new diagnosis is user-side); else an order not yet
   verified with the same cause sharing a cell (or, without cells, a complaint within
   ``attach_radius_m``); else a new order routed by cause and evidence (``routing``);
4. attach the complaint (cells and evidence widen), apply the repeat (escalate, back to
   in_progress, or reopen), refresh priority.

Orders are opened with the complaint's ``reported_at`` as their start (capped at now), so time
limits and handling times run from when the customer complained. A transaction-level advisory
lock serialises the hook, so concurrent diagnoses of one fault can't open two orders.

A batch costs a handful of statements whatever its size: one pipeline reads everything the
decisions need (``hook_load``); the decisions run in memory, each complaint seeing what the
earlier ones did (``hook_decide`` on ``hook_state``); one pipeline writes the outcome (below):
orders opened are inserted and changed ones updated with their final values (they are locked
since the read, so that is what the per-complaint updates added up to), then the links, the
diagnosis JSON of complaints that moved with a merge, repeat links, merged-away orders, the
history in order; last, each order a complaint touched gets its priority, urgency and affected
users from its final complaints and cells, as recomputing it after each complaint would have
left them. The whole batch shares one ``now``. Each diagnosis gets the id of the order it ended up
in: when a later complaint's mass event merged its order away, the order that stayed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from storage.db import Conn, pipelined
from workorders import hook_load, store
from workorders.hook_decide import decide, plan
from workorders.hook_load import rows
from workorders.hook_state import NeedsMembers, Order, State
from workorders.routing import PriorityInput, priority
from workorders.settings import WorkOrderSettings, get_wo_settings

# hand back the order numbers reserved but not used, unless someone took numbers since
GIVE_BACK = (
    "SELECT setval('work_order_seq', %(next)b, false) FROM work_order_seq"
    " WHERE last_value = %(last)b"
)

# rows travel as one JSON document per statement (``hook_load.rows``); an order's columns:
ORDER_ROW = """
    work_order_id text, status text, cause text, route text, department text, grade text,
    urgent boolean, cells text[], mass_event_id text, evidence jsonb, created_at timestamptz,
    updated_at timestamptz, due_at timestamptz, warn_at timestamptz, progress_due_at timestamptz,
    progress_reported_at timestamptz, resolved_at timestamptz, verified_at timestamptz,
    closed_at timestamptz, escalated_at timestamptz, overdue_warned_at timestamptz,
    progress_warned_at timestamptz, repeat_count int
"""

ORDER_FIELDS = (
    "work_order_id",
    "status",
    "cause",
    "route",
    "department",
    "grade",
    "urgent",
    "cells",
    "mass_event_id",
    "created_at",
    "updated_at",
    "due_at",
    "warn_at",
    "progress_due_at",
    "progress_reported_at",
    "resolved_at",
    "verified_at",
    "closed_at",
    "escalated_at",
    "overdue_warned_at",
    "progress_warned_at",
    "repeat_count",
)

INSERT_ORDERS = (
    """
INSERT INTO work_orders (work_order_id, status, cause, route, department, grade, priority, urgent,
    cells, mass_event_id, evidence, created_at, updated_at, due_at, warn_at, progress_due_at,
    progress_reported_at, resolved_at, verified_at, closed_at, escalated_at, overdue_warned_at,
    progress_warned_at, repeat_count)
SELECT work_order_id, status, cause, route, department, grade, 0, urgent, cells, mass_event_id,
       coalesce(evidence, '[]'::jsonb), created_at, updated_at, due_at, warn_at, progress_due_at,
       progress_reported_at, resolved_at, verified_at, closed_at, escalated_at,
       overdue_warned_at, progress_warned_at, repeat_count
FROM jsonb_to_recordset(%b::jsonb) AS v("""
    + ORDER_ROW
    + ")"
)

# The updates join their rows by key *and* take the keys as an array: the planner guesses 100 rows
# for jsonb_to_recordset and would hash-join them over a scan of the whole table (O(table) per
# batch); the array of keys makes it an index scan.
UPDATE_ORDERS = (
    """
UPDATE work_orders o SET status = v.status, urgent = v.urgent, cells = v.cells,
    mass_event_id = v.mass_event_id, evidence = coalesce(v.evidence, o.evidence),
    updated_at = v.updated_at, due_at = v.due_at, warn_at = v.warn_at,
    progress_due_at = v.progress_due_at, progress_reported_at = v.progress_reported_at,
    resolved_at = v.resolved_at, verified_at = v.verified_at, closed_at = v.closed_at,
    escalated_at = v.escalated_at, overdue_warned_at = v.overdue_warned_at,
    progress_warned_at = v.progress_warned_at, repeat_count = v.repeat_count
FROM jsonb_to_recordset(%b::jsonb) AS v("""
    + ORDER_ROW
    + ") WHERE o.work_order_id = v.work_order_id AND o.work_order_id = ANY(%b::text[])"
)

# The links, and the orders' counters for them: a complainant is new to the order when the
# order's complainants table takes them. The lookups by key are LATERAL ... LIMIT 1 so they stay
# index lookups: the planner guesses 100 rows for jsonb_to_recordset and would otherwise hash
# them against whole tables.
INSERT_LINKS = """
WITH added AS (
    INSERT INTO work_order_complaints (work_order_id, complaint_id, attached_at)
    SELECT * FROM jsonb_to_recordset(%b::jsonb)
        AS v(work_order_id text, complaint_id text, attached_at timestamptz)
    ON CONFLICT DO NOTHING
    RETURNING work_order_id, complaint_id),
people AS (
    INSERT INTO work_order_complainants (work_order_id, msisdn_hash)
    SELECT DISTINCT a.work_order_id, c.msisdn_hash
    FROM added a
    CROSS JOIN LATERAL (SELECT c.msisdn_hash FROM complaints c
                        WHERE c.complaint_id = a.complaint_id LIMIT 1) c
    WHERE c.msisdn_hash IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING work_order_id, msisdn_hash),
vip AS (
    SELECT p.work_order_id, count(*) AS people, bool_or(s.vip) AS vip
    FROM people p
    LEFT JOIN LATERAL (SELECT s.vip FROM subscribers s
                       WHERE s.msisdn_hash = p.msisdn_hash LIMIT 1) s ON true
    GROUP BY p.work_order_id),
counts AS (
    SELECT a.work_order_id, count(*) AS complaints, coalesce(max(p.people), 0) AS people,
           coalesce(bool_or(p.vip), false) AS vip
    FROM added a LEFT JOIN vip p USING (work_order_id)
    GROUP BY a.work_order_id)
UPDATE work_orders o
SET complaint_count = o.complaint_count + n.complaints,
    complainant_count = o.complainant_count + n.people, vip = o.vip OR n.vip
FROM counts n
WHERE o.work_order_id = n.work_order_id AND o.work_order_id = ANY(%b::text[])
"""

FOLLOW = """
UPDATE diagnoses d SET work_order_id = v.work_order_id
FROM jsonb_to_recordset(%b::jsonb) AS v(complaint_id text, work_order_id text)
WHERE d.complaint_id = v.complaint_id AND d.complaint_id = ANY(%b::text[])
"""

RELINK_REPEATS = """
UPDATE complaint_repeats r SET work_order_id = v.dst
FROM jsonb_to_recordset(%b::jsonb) AS v(src text, dst text)
WHERE r.work_order_id = v.src AND r.work_order_id = ANY(%b::text[])
"""

INSERT_REPEATS = """
INSERT INTO complaint_repeats (complaint_id, repeat_of, work_order_id, action, detected_at)
SELECT * FROM jsonb_to_recordset(%b::jsonb) AS v(complaint_id text, repeat_of text,
    work_order_id text, action text, detected_at timestamptz)
ON CONFLICT (complaint_id) DO NOTHING
"""

SET_REPEAT_OF = """
UPDATE complaints c SET repeat_of = v.repeat_of
FROM jsonb_to_recordset(%b::jsonb) AS v(complaint_id text, repeat_of text)
WHERE c.complaint_id = v.complaint_id AND c.repeat_of IS NULL
  AND c.complaint_id = ANY(%b::text[])
"""

DELETE_ORDERS = "DELETE FROM work_orders WHERE work_order_id = ANY(%b::text[])"

INSERT_EVENTS = """
INSERT INTO work_order_events (work_order_id, at, actor, from_status, to_status, note)
SELECT work_order_id, at, actor, from_status, to_status, note
FROM jsonb_to_recordset(%b::jsonb) AS v(n int, work_order_id text, at timestamptz, actor text,
    from_status text, to_status text, note text)
ORDER BY n
"""

# complaints, complainants and VIP (the order's counters) and the cells' users for each order
# (its urgency is the order's own: every complaint attached made it urgent if the complaint was)
PRIORITY_INPUT = """
SELECT v.id, o.complaint_count, o.complainant_count, o.vip, u.users
FROM jsonb_to_recordset(%(orders)b::jsonb)
    AS v(id text, cells text[], since timestamptz, until timestamptz)
JOIN work_orders o ON o.work_order_id = v.id AND o.work_order_id = ANY(%(ids)b::text[])
CROSS JOIN LATERAL (
    SELECT coalesce(sum(users), 0) AS users FROM (
        SELECT max(k.rrc_users_avg) AS users FROM kpis k
        WHERE k.cell_id = ANY(v.cells) AND k.ts >= v.since AND k.ts < v.until
        GROUP BY k.cell_id) per_cell) u
"""

SET_PRIORITY = """
UPDATE work_orders o SET priority = v.priority, urgent = v.urgent, affected_users = v.affected
FROM jsonb_to_recordset(%b::jsonb) AS v(id text, priority int, urgent boolean, affected int)
WHERE o.work_order_id = v.id AND o.work_order_id = ANY(%b::text[])
"""


def on_diagnosis(
    conn: Conn,
    complaint: Mapping[str, Any],
    diagnosis: Mapping[str, Any],
    *,
    settings: WorkOrderSettings | None = None,
    now: datetime | None = None,
) -> str | None:
    """Open or attach to a work order for this diagnosis; return its id (None: no order)."""
    return on_diagnoses(conn, [(complaint, diagnosis)], settings=settings, now=now)[0]


def on_diagnoses(
    conn: Conn,
    items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    *,
    settings: WorkOrderSettings | None = None,
    now: datetime | None = None,
) -> list[str | None]:
    """``on_diagnosis`` for each (complaint, diagnosis) in order; each one's order id or None."""
    if not items:
        return []
    settings = settings or get_wo_settings()
    now = now or store.now_utc()
    batch = plan(items, settings, now)
    snapshot = hook_load.load(conn, batch, settings)
    while True:
        state = State(snapshot, settings)
        try:
            ids = [decide(state, item, now) for item in batch]
            break
        except NeedsMembers as need:  # rare: replay with those orders' complaints loaded
            hook_load.add_members(conn, snapshot, need.order_ids)
    _write(conn, state)
    return [state.final_id(order_id) for order_id in ids]


def _order_rows(state: State, orders: Sequence[Order]) -> Jsonb:
    out = []
    for order in orders:
        row = {name: getattr(order, name) for name in ORDER_FIELDS}
        row["evidence"] = state.evidence.get(order.work_order_id)  # None: unchanged
        out.append(row)
    return rows(out)


def _write(conn: Conn, state: State) -> None:
    """Everything the batch decided, in the order the per-complaint statements had it."""
    gone = state.deleted
    new = [state.orders[i] for i in state.created if i not in gone]
    changed = [
        state.orders[i] for i in sorted(state.dirty) if i not in gone and not state.orders[i].is_new
    ]
    links = [
        {"work_order_id": order_id, "complaint_id": complaint_id, "attached_at": at}
        for order_id, added in state.added.items()
        if order_id not in gone
        for complaint_id, at in added.items()
    ]
    repeats = [
        {
            "complaint_id": c,
            "repeat_of": of,
            "work_order_id": state.final_id(o),
            "action": action,
            "detected_at": at,
        }
        for c, of, o, action, at in state.repeats
    ]
    events = [
        {
            "n": n,
            "work_order_id": o,
            "at": at,
            "actor": actor,
            "from_status": source,
            "to_status": target,
            "note": note,
        }
        for n, (o, at, actor, source, target, note) in enumerate(state.events)
        if o not in gone
    ]
    touched = [state.orders[i] for i in state.touched if i not in gone]
    with pipelined(conn):
        _give_back(conn, state)
        if new:
            conn.execute(INSERT_ORDERS, (_order_rows(state, new),))
        if changed:
            conn.execute(UPDATE_ORDERS, (_order_rows(state, changed), _ids(changed)))
        if links:
            linked = sorted({str(link["work_order_id"]) for link in links})
            conn.execute(INSERT_LINKS, (rows(links), linked))
        if state.followed:
            moved = [
                {"complaint_id": c, "work_order_id": state.final_id(o)}
                for c, o in state.followed.items()
            ]
            conn.execute(FOLLOW, (rows(moved), list(state.followed)))
        if state.relinked:  # before the delete, which would null their order
            relinked = [{"src": src, "dst": state.final_id(dst)} for src, dst in state.relinked]
            conn.execute(RELINK_REPEATS, (rows(relinked), [src for src, _ in state.relinked]))
        if repeats:
            conn.execute(INSERT_REPEATS, (rows(repeats),))
        if state.repeat_of:
            marks = [{"complaint_id": c, "repeat_of": of} for c, of in state.repeat_of.items()]
            conn.execute(SET_REPEAT_OF, (rows(marks), list(state.repeat_of)))
        if state.relinked:
            conn.execute(DELETE_ORDERS, ([src for src, _ in state.relinked],))
        if events:
            conn.execute(INSERT_EVENTS, (rows(events),))
        if touched:
            _set_priorities(conn, state, touched)


def _ids(orders: Sequence[Order]) -> list[str]:
    return [o.work_order_id for o in orders]


def _give_back(conn: Conn, state: State) -> None:
    rest = state.snap.numbers[len(state.created) :]
    if rest and rest == list(range(rest[0], rest[0] + len(rest))):
        conn.execute(GIVE_BACK, {"next": rest[0], "last": rest[-1]})


def _set_priorities(conn: Conn, state: State, orders: Sequence[Order]) -> None:
    """Priority, urgency and affected users of each order touched, from its final complaints
    and cells (routing.priority)."""
    window = [
        {
            "id": o.work_order_id,
            "cells": o.cells,
            "since": o.created_at - timedelta(days=1),
            "until": o.created_at,
        }
        for o in orders
    ]
    params = {"orders": rows(window), "ids": _ids(orders)}
    inputs = {r[0]: r[1:] for r in conn.execute(PRIORITY_INPUT, params, binary=True).fetchall()}
    scores = []
    for order in orders:
        complaints, complainants, vip, cell_users = inputs[order.work_order_id]
        affected = max(int(complainants), round(float(cell_users or 0.0)))
        urgent = bool(order.urgent or order.urgent_member)
        score = priority(
            PriorityInput(
                cause=order.cause,
                urgent=urgent,
                vip=bool(vip),
                complaints=int(complaints),
                affected_users=affected,
                repeats=order.repeat_count,
            ),
            state.settings,
        )
        scores.append(
            {"id": order.work_order_id, "priority": score, "urgent": urgent, "affected": affected}
        )
    conn.execute(SET_PRIORITY, (rows(scores), _ids(orders)))
