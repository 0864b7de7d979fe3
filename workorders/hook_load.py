"""Reading a batch's ``Snapshot``: a few set-based queries sent in one pipeline.

After the advisory lock (one per batch), the snapshot holds, for the whole batch at once: order
numbers reserved from ``work_order_seq``; the calendar; which complaints already have a repeat
link; the complaints of the batch's mass events; each complaint's earlier complaints of the same
subscriber (the repeat candidates); and the orders any decision could pick — the ones holding
the batch's complaints, their repeat candidates or their mass events' complaints, the mass
events' own orders, open orders with a batch cause on a batch cell, and open orders of a cause
with a complaint near a batch complaint that has no cells. Those orders are locked (``FOR
UPDATE``, in id order) as the per-complaint code locked each order it touched. The complaints
of the orders a merge or a repeat can reach come with them (``Snapshot.members``); those of
other orders only when a decision asks (``add_members``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from itertools import product
from typing import Any

import orjson
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from storage.db import Conn, pipelined
from workorders.calendar import calendar_from_settings
from workorders.hook_decide import EARLIER_LIMIT, Item
from workorders.hook_state import Order, Snapshot
from workorders.settings import WorkOrderSettings

LOCK_ID = 0x6E63_776F  # "ncwo": serialises the hook, so one fault can't get two orders

# a statement of its own: each later one takes a fresh snapshot, so it sees what the batch that
# held the lock before committed
LOCK = "SELECT pg_advisory_xact_lock(%b)"

# one row: order numbers (one per complaint at most; those not used are given back after the
# writes), the calendar, complaints with a repeat link, the complaints of the batch's mass events
HEAD = """
SELECT ARRAY(SELECT nextval('work_order_seq') FROM generate_series(1, %(n)b::int)),
       ARRAY(SELECT day FROM work_calendar WHERE NOT working),
       ARRAY(SELECT day FROM work_calendar WHERE working),
       ARRAY(SELECT complaint_id FROM complaint_repeats WHERE complaint_id = ANY(%(ids)b::text[])),
       e.events, e.complaints
FROM (SELECT array_agg(mass_event_id) AS events, array_agg(complaint_id) AS complaints
      FROM diagnoses WHERE mass_event_id = ANY(%(events)b::text[])) e
"""

# the subscriber's earlier complaints for each complaint (newest first); the limit leaves
# EARLIER_LIMIT once the repeat links the batch itself stores (at most one per complaint of the
# subscriber) are taken out
EARLIER = """
SELECT i.ord, c.complaint_id, c.reported_at, c.lat, c.lon, c.cell_id, c.symptom, c.everywhere,
       c.primary_cause, c.serving_cells
FROM jsonb_to_recordset(%(earlier)b::jsonb) AS i(ord int, complaint_id text, msisdn_hash text,
    reported_at timestamptz, since timestamptz, lim int)
CROSS JOIN LATERAL (
    SELECT c.complaint_id, c.reported_at, c.created_at, c.lat, c.lon, c.cell_id, c.symptom,
           c.everywhere, d.primary_cause, d.serving_cells
    FROM complaints c
    LEFT JOIN diagnoses d USING (complaint_id)
    WHERE c.msisdn_hash = i.msisdn_hash
      AND c.complaint_id <> i.complaint_id
      AND c.reported_at <= i.reported_at
      AND c.reported_at >= i.since
      AND NOT EXISTS (SELECT 1 FROM complaint_repeats r
                      WHERE r.complaint_id = c.complaint_id AND r.repeat_of = i.complaint_id)
    ORDER BY c.reported_at DESC, c.created_at DESC, c.complaint_id DESC
    LIMIT i.lim) c
ORDER BY i.ord, c.reported_at DESC, c.created_at DESC, c.complaint_id DESC
"""

# for each complaint without cells: orders not yet verified of its cause with a complaint in
# the box around it
NEAR = """
SELECT i.ord, n.work_order_id
FROM jsonb_to_recordset(%(near)b::jsonb)
     AS i(ord int, cause text, lat float8, lon float8, dlat float8, dlon float8)
CROSS JOIN LATERAL (
    SELECT DISTINCT o.work_order_id FROM work_orders o
    JOIN work_order_complaints w USING (work_order_id)
    JOIN complaints c USING (complaint_id)
    WHERE o.cause = i.cause AND o.status NOT IN ('verified', 'closed')
      AND c.lat BETWEEN i.lat - i.dlat AND i.lat + i.dlat
      AND c.lon BETWEEN i.lon - i.dlon AND i.lon + i.dlon) n
"""

# The batch's keys go as arrays, not JSON: the server then plans these queries for the number of
# keys at hand; a plan made once for any number (the JSON way) was fine for one complaint and
# slow for thousands. Once the statement is prepared the plan is generic, though, so the lookups
# by key are LATERAL ... OFFSET 0 (kept as index lookups per key, where a guess at the number of
# keys could turn them into scans of a whole table or a month of complaints).
#
# Orders a repeat can reach (loaded with their complaints): those holding the batch's complaints
# and the earlier complaints of its subscribers. The orders of the batch's mass events (their
# own, and those holding their complaints) come without their complaints: an event's order grows
# with every complaint of the event, and only a merge needs them (``State.complaints_of`` asks,
# rarely).
HOLDING_BATCH = """
SELECT w.work_order_id FROM work_order_complaints w WHERE w.complaint_id = ANY(%(ids)b::text[])
"""
# the orders holding complaints of the batch's mass events, with the events (a CTE: the orders'
# rows name the events they hold)
EVENT_HOLDERS = """
holders AS (SELECT DISTINCT d.mass_event_id, w.work_order_id
            FROM diagnoses d
            CROSS JOIN LATERAL (SELECT w.work_order_id FROM work_order_complaints w
                                WHERE w.complaint_id = d.complaint_id OFFSET 0) w
            WHERE d.mass_event_id = ANY(%(events)b::text[])),
"""
HOLDING_EVENTS = """
SELECT work_order_id FROM holders
UNION
SELECT work_order_id FROM work_orders WHERE mass_event_id = ANY(%(events)b::text[])
"""
HOLDING_SUBSCRIBERS = """
SELECT w.work_order_id FROM unnest(%(hashes)b::text[]) AS h(msisdn_hash)
CROSS JOIN LATERAL (SELECT c.complaint_id FROM complaints c
                    WHERE c.msisdn_hash = h.msisdn_hash
                      AND c.reported_at BETWEEN %(lo)b::timestamptz AND %(hi)b::timestamptz
                    OFFSET 0) c
JOIN work_order_complaints w USING (complaint_id)
"""

# orders not yet verified with a batch cause on a batch cell
PLACED = """
SELECT work_order_id FROM work_orders
WHERE status NOT IN ('verified', 'closed') AND cause = ANY(%(causes)b::text[])
  AND cells && %(cells)b::text[]
"""

ORDER_COLUMNS = """
SELECT o.work_order_id, o.status, o.cause, o.route, o.department, o.grade, o.urgent, o.cells,
    o.mass_event_id, o.created_at, o.updated_at, o.due_at, o.warn_at, o.progress_due_at,
    o.progress_reported_at, o.resolved_at, o.verified_at, o.closed_at, o.escalated_at,
    o.overdue_warned_at, o.progress_warned_at, o.repeat_count, o.evidence::text AS evidence_json,
    ids.reachable, m.complaint_ids, m.attached, m.lats, m.lons, {holds} AS holds_events
FROM (SELECT * FROM ids ORDER BY work_order_id) ids
CROSS JOIN LATERAL (  -- one by key, locked as the hook did per complaint (in id order)
    SELECT * FROM work_orders o WHERE o.work_order_id = ids.work_order_id FOR UPDATE) o
LEFT JOIN LATERAL (  -- the complaints of the orders a repeat can reach (the filter inside: one
    -- test per order, not a scan of its complaints to drop)
    SELECT array_agg(w.complaint_id) AS complaint_ids, array_agg(w.attached_at) AS attached,
           array_agg(c.lat) AS lats, array_agg(c.lon) AS lons
    FROM work_order_complaints w JOIN complaints c USING (complaint_id)
    WHERE ids.reachable AND w.work_order_id = o.work_order_id) m ON true
ORDER BY o.work_order_id
"""
HOLDS = "ARRAY(SELECT h.mass_event_id FROM holders h WHERE h.work_order_id = o.work_order_id)"


def _orders_sql(events: bool, subscribers: bool, placed: bool, near: bool) -> str:
    """The orders statement with only the parts a batch needs (each part costs planning time,
    which is most of the statement's time for one complaint)."""
    reachable = HOLDING_BATCH
    reachable += " UNION " + HOLDING_SUBSCRIBERS if subscribers else ""
    others = [HOLDING_EVENTS] if events else []
    others += [PLACED] if placed else []
    others += ["SELECT work_order_id FROM (" + NEAR + ") near"] if near else []
    ids = "SELECT work_order_id, true AS reachable FROM (" + reachable + ") r"
    if others:
        ids += " UNION ALL SELECT work_order_id, false FROM (" + " UNION ".join(others) + ") p"
    return (
        "WITH "
        + (EVENT_HOLDERS if events else "")
        + "ids AS (SELECT work_order_id, bool_or(reachable) AS reachable FROM ("
        + ids
        + ") u GROUP BY work_order_id)"
        + ORDER_COLUMNS.replace("{holds}", HOLDS if events else "NULL::text[]")
    )


ORDERS = {flags: _orders_sql(*flags) for flags in product((False, True), repeat=4)}

MEMBERS_OF = """
SELECT w.work_order_id, w.complaint_id, w.attached_at, c.lat, c.lon
FROM work_order_complaints w JOIN complaints c USING (complaint_id)
WHERE w.work_order_id = ANY(%b::text[])
"""


def _json_default(value: Any) -> Any:
    if isinstance(value, float):  # float subclasses (numpy) orjson leaves to us
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(value: Any) -> str:
    # orjson writes datetimes as isoformat() does (to the microsecond, with the offset: read back
    # exactly), ~10x faster than json.dumps on the hook's rows
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def rows(items: Iterable[Mapping[str, Any]]) -> Jsonb:
    """Rows as one JSON document for ``jsonb_to_recordset``: one parameter per statement costs
    less to adapt than one per column when a batch is small."""
    return Jsonb(list(items), dumps=_dumps)


def _params(items: Sequence[Item], settings: WorkOrderSettings) -> dict[str, Any]:
    window = timedelta(days=settings.repeat_window_days)
    earlier = [i for i in items if i.msisdn_hash is not None]
    per_subscriber: dict[str, int] = {}
    for item in earlier:
        key = str(item.msisdn_hash)
        per_subscriber[key] = per_subscriber.get(key, 0) + 1
    near = [
        (i, box)
        for i in items
        if i.network and not i.cells
        for box in [i.near_box(settings.attach_radius_m)]
        if box is not None
    ]
    return {
        "n": len(items),
        "ids": [i.complaint_id for i in items],
        "events": sorted({i.mass_event_id for i in items if i.mass_event_id}),
        "hashes": sorted({str(i.msisdn_hash) for i in earlier}),
        "lo": min((i.reported - window for i in earlier), default=None),
        "hi": max((i.reported for i in earlier), default=None),
        "causes": sorted({i.cause for i in items if i.network}),
        "cells": sorted({c for i in items if i.network for c in i.cells}),
        "earlier": rows(
            {
                "ord": i.index,
                "complaint_id": i.complaint_id,
                "msisdn_hash": i.msisdn_hash,
                "reported_at": i.reported,
                "since": i.reported - window,
                "lim": EARLIER_LIMIT + per_subscriber[str(i.msisdn_hash)],
            }
            for i in earlier
        ),
        "near": rows(
            {"ord": i.index, "cause": i.cause, "lat": lat, "lon": lon, "dlat": dlat, "dlon": dlon}
            for i, (lat, lon, dlat, dlon) in near
        ),
        "any_earlier": bool(earlier),
        "any_near": bool(near),
    }


def load(conn: Conn, items: Sequence[Item], settings: WorkOrderSettings) -> Snapshot:
    """Lock, reserve order numbers and read everything the batch's decisions need."""
    p = _params(items, settings)
    with pipelined(conn):
        conn.execute(LOCK, (LOCK_ID,))
        head_cur = conn.execute(HEAD, p, binary=True)
        earlier_cur = near_cur = None
        if p["any_earlier"]:
            earlier_cur = conn.cursor(row_factory=dict_row).execute(EARLIER, p, binary=True)
        if p["any_near"]:
            near_cur = conn.execute(NEAR, p, binary=True)
        parts = (bool(p["events"]), p["any_earlier"], bool(p["cells"]), p["any_near"])
        orders_cur = conn.cursor(row_factory=dict_row).execute(ORDERS[parts], p, binary=True)
        head = head_cur.fetchone()
        assert head is not None
        numbers, holidays, extra_days, repeat_rows, events, event_complaints = head
        snap = Snapshot(
            orders={},
            members={},
            positions={},
            candidates={},
            event_complaints={},
            event_holders={},
            repeat_rows=set(repeat_rows),
            near={},
            calendar=calendar_from_settings(
                settings, holidays=frozenset(holidays), extra_working_days=frozenset(extra_days)
            ),
            numbers=sorted(numbers),
        )
        for event, complaint_id in zip(events or [], event_complaints or [], strict=True):
            snap.event_complaints.setdefault(event, []).append(complaint_id)
        for item in items:  # the batch's own diagnoses get their mass event after the hook
            if item.mass_event_id:
                listed = snap.event_complaints.setdefault(item.mass_event_id, [])
                if item.complaint_id not in listed:
                    listed.append(item.complaint_id)
        for row in earlier_cur.fetchall() if earlier_cur else []:
            snap.candidates.setdefault(row.pop("ord"), []).append(row)
        for ord_, order_id in near_cur.fetchall() if near_cur else []:
            snap.near.setdefault(ord_, set()).add(order_id)
        for row in orders_cur.fetchall():
            _add_order(snap, row)
    return snap


def _add_order(snap: Snapshot, row: dict[str, Any]) -> None:
    complaint_ids, attached, lats, lons = (
        row.pop(k) or [] for k in ("complaint_ids", "attached", "lats", "lons")
    )
    order_id = row["work_order_id"]
    for event in row.pop("holds_events") or ():
        snap.event_holders.setdefault(event, set()).add(order_id)
    if row.pop("reachable"):  # an event's own order may have no complaint yet: loaded, empty
        snap.members[order_id] = {}
        owners = [order_id] * len(complaint_ids)
        _add_members(snap, zip(owners, complaint_ids, attached, lats, lons, strict=True))
    # a stored order's urgency already takes in its urgent complaints (each attach refreshed it)
    snap.orders[order_id] = Order(**row, urgent_member=False, loaded_status=row["status"])


def _add_members(snap: Snapshot, links: Iterable[Sequence[Any]]) -> None:
    for order_id, complaint_id, attached_at, lat, lon in links:
        snap.members.setdefault(order_id, {})[complaint_id] = attached_at
        snap.positions[complaint_id] = (lat, lon)


def add_members(conn: Conn, snap: Snapshot, order_ids: Sequence[str]) -> None:
    """Load the complaints of more orders (a decision needed them; rare)."""
    missing = [o for o in order_ids if o not in snap.members]
    if not missing:  # a decision asking again for what it got would loop forever
        raise RuntimeError(f"complaints of {', '.join(order_ids)} asked for again")
    for order_id in missing:
        snap.members[order_id] = {}
    _add_members(snap, conn.execute(MEMBERS_OF, (missing,), binary=True).fetchall())
