"""Mass events (群障): complaints close in space and time with a common network cause and
overlapping serving cells share one ``mass_event_id``, so the work-order domain links them to one
work order.

Rules (settings): only causes in ``mass_event_causes`` (the network causes); two complaints belong
together when they share a serving cell, are at most ``mass_radius_m`` apart (when both have a
place; ``mass_outage_radius_m`` for outages, whose shared cell is down) and at most
``mass_window_hours`` apart in time; a complaint joins an existing event of its cause when it
matches the event's cells, place and time span (± the window); a new event opens when complaints of
``mass_min_complaints`` different subscribers match. Set-based: one pass assigns a whole batch (two
reads, then the writes), under a transaction-level advisory lock so concurrent submissions don't
open duplicate events.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from diagnostics.geometry import distance_m
from diagnostics.settings import DiagnosticsSettings
from storage.db import Conn, pipelined

_LOCK = "netcomplaint.mass_events"

# The events a member could join: its cause, a shared cell, a span within its window. Per member
# (not the batch's whole time span, as for the candidates below): only these can ever match a
# member of the batch, since an event grows in the batch only by members that matched it.
EVENTS_SQL = """
SELECT DISTINCT ON (e.mass_event_id) e.mass_event_id, e.cause, e.cells, e.lat, e.lon,
       e.started_at, coalesce(e.ended_at, e.started_at), e.complaints
FROM unnest(%(t0)s::timestamptz[], %(t1)s::timestamptz[], %(cause)s::text[], %(cells)s::text[])
     AS w(t0, t1, cause, cells)
JOIN mass_events e ON e.cause = w.cause AND e.started_at <= w.t1
     AND coalesce(e.ended_at, e.started_at) >= w.t0
     AND e.cells && string_to_array(w.cells, chr(31))
ORDER BY e.mass_event_id
"""

# Earlier complaints that could keep a member company: same cause, a shared serving cell, within
# the window of that member (per member, not the batch's whole time span: a batch of complaints
# reported weeks apart would otherwise read every diagnosis in between). Cells: chr(31)-joined.
CANDIDATES_SQL = """
SELECT DISTINCT ON (x.complaint_id) x.*
FROM unnest(%(t0)s::timestamptz[], %(t1)s::timestamptz[], %(cause)s::text[], %(cells)s::text[])
     AS w(t0, t1, cause, cells)
-- per member: the diagnoses not in an event that share one of its cells, by their own event
-- cells (GIN index diagnoses_unassigned_event_cells: a cell has few), their complaints by key
-- within its window. OFFSET 0 keeps it a per-member probe: flattened, the planner scans every
-- diagnosis of the cause.
CROSS JOIN LATERAL (
    SELECT c.complaint_id, c.msisdn_hash, d.primary_cause, c.reported_at, c.lat, c.lon,
           d.event_cells, least(coalesce(c.occurred_from, c.reported_at), c.reported_at)
    FROM diagnoses d JOIN complaints c ON c.complaint_id = d.complaint_id
    WHERE d.event_cells && string_to_array(w.cells, chr(31)) AND d.mass_event_id IS NULL
      AND d.primary_cause = w.cause AND NOT (d.complaint_id = ANY(%(ids)s))
      AND c.reported_at >= w.t0
      AND least(coalesce(c.occurred_from, c.reported_at), c.reported_at) <= w.t1
    OFFSET 0
) x
ORDER BY x.complaint_id
"""

INSERT_SQL = """
INSERT INTO mass_events (mass_event_id, cause, cells, lat, lon, started_at, ended_at, complaints)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
"""

UPDATE_SQL = """
UPDATE mass_events
SET cells = %s, lat = %s, lon = %s, started_at = %s, ended_at = %s, complaints = %s
WHERE mass_event_id = %s
"""

RELINK_SQL = """
UPDATE diagnoses SET mass_event_id = %s WHERE complaint_id = %s
"""


@dataclass(frozen=True)
class Member:
    """A complaint that may belong to a mass event."""

    complaint_id: str
    msisdn_hash: str
    cause: str
    at: datetime
    lat: float | None
    lon: float | None
    cells: tuple[str, ...]
    # when the problem began, if the customer said so (occurred_from) before reporting it: a
    # report the next morning of last night's outage is of that outage
    since: datetime | None = None

    @property
    def began(self) -> datetime:
        return self.at if self.since is None else min(self.since, self.at)


@dataclass
class Event:
    mass_event_id: str
    cause: str
    cells: set[str]
    lat: float | None
    lon: float | None
    start: datetime
    end: datetime
    count: int
    new: bool = False
    dirty: bool = False
    members: list[str] = field(default_factory=list)

    def add(self, m: Member) -> None:
        self.cells.update(m.cells)
        if m.lat is not None and m.lon is not None:
            if self.lat is None or self.lon is None:
                self.lat, self.lon = m.lat, m.lon
            else:  # running centroid
                self.lat += (m.lat - self.lat) / (self.count + 1)
                self.lon += (m.lon - self.lon) / (self.count + 1)
        self.start, self.end = min(self.start, m.began), max(self.end, m.at)
        self.count += 1
        self.dirty = True
        self.members.append(m.complaint_id)


def new_event_id(at: datetime) -> str:
    return f"ME-{at:%Y%m%d}-{secrets.token_hex(4)}"


def _radius(cause: str, settings: DiagnosticsSettings) -> float:
    """How far apart complaints of a cause may share an event: an outage's share a cell down at
    the time, which is the common cause whatever the distance (a rural site's complaints, and
    its neighbours' down with it, lie kilometres apart: gens 27, 28); for the other causes a
    shared cell's footprint is wider than one problem's place."""
    return settings.mass_outage_radius_m if cause == "outage" else settings.mass_radius_m


def _close(a: Member, lat: float | None, lon: float | None, radius: float) -> bool:
    if a.lat is None or a.lon is None or lat is None or lon is None:
        return True  # no place on one side: the shared serving cell decides
    return distance_m(a.lat, a.lon, lat, lon) <= radius


def assign(conn: Conn, members: Sequence[Member], settings: DiagnosticsSettings) -> dict[str, str]:
    """Give each eligible member a mass event when it has company; returns {complaint_id: id}.

    Writes new and grown events and re-links earlier complaints that now form an event; the
    members' own diagnoses are the caller's to write (with the returned ids).
    """
    eligible = sorted(
        (m for m in members if m.cause in settings.mass_event_causes and m.cells),
        key=lambda m: m.at,
    )
    if not eligible:
        return {}
    window = timedelta(hours=settings.mass_window_hours)
    ids = [m.complaint_id for m in eligible]
    windows = {
        "t0": [m.began - window for m in eligible],
        "t1": [m.at + window for m in eligible],
        "cause": [m.cause for m in eligible],
        "cells": ["\x1f".join(m.cells) for m in eligible],
        "ids": ids,
    }
    with pipelined(conn):  # the lock and both reads (and what was queued) in one round trip
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK,))
        events_cur = conn.execute(EVENTS_SQL, windows)
        candidates_cur = conn.execute(CANDIDATES_SQL, windows)
        event_rows, candidate_rows = events_cur.fetchall(), candidates_cur.fetchall()
    events: dict[str, Event] = {}
    by_cell: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in event_rows:
        event = Event(str(r[0]), str(r[1]), set(r[2] or ()), r[3], r[4], r[5], r[6], int(r[7]))
        events[event.mass_event_id] = event
        for cell in event.cells:
            by_cell[(event.cause, cell)].add(event.mass_event_id)
    pool: dict[tuple[str, str], list[Member]] = defaultdict(list)
    for r in candidate_rows:
        old = Member(str(r[0]), str(r[1]), str(r[2]), r[3], r[4], r[5], tuple(r[6] or ()), r[7])
        for cell in old.cells:
            pool[(old.cause, cell)].append(old)
    assigned: dict[str, str] = {}
    relink: dict[str, str] = {}
    taken: set[str] = set()
    for m in eligible:
        radius = _radius(m.cause, settings)
        match = _matching_event(m, events, by_cell, window, radius)
        if match is None:
            company = _company(m, pool, taken, window, radius)
            subscribers = {m.msisdn_hash, *(o.msisdn_hash for o in company)}
            if (
                len(subscribers) >= settings.mass_min_complaints
            ):  # different people, not one repeating
                first = min([m, *company], key=lambda x: x.began)
                match = Event(
                    new_event_id(first.began),
                    m.cause,
                    set(),
                    None,
                    None,
                    first.began,
                    first.began,
                    0,
                    new=True,
                )
                events[match.mass_event_id] = match
                for other in company:
                    match.add(other)
                    taken.add(other.complaint_id)
                    if other.complaint_id in ids:
                        assigned[other.complaint_id] = match.mass_event_id
                    else:
                        relink[other.complaint_id] = match.mass_event_id
        if match is not None:
            match.add(m)
            assigned[m.complaint_id] = match.mass_event_id
            taken.add(m.complaint_id)
            for cell in match.cells:
                by_cell[(match.cause, cell)].add(match.mass_event_id)
        else:
            for cell in m.cells:
                pool[(m.cause, cell)].append(m)
    _write(conn, events, relink)
    return assigned


def _matching_event(
    m: Member,
    events: dict[str, Event],
    by_cell: dict[tuple[str, str], set[str]],
    window: timedelta,
    radius: float,
) -> Event | None:
    best: tuple[timedelta, Event] | None = None
    for cell in m.cells:
        for event_id in by_cell.get((m.cause, cell), ()):
            e = events[event_id]
            if not (e.start - window <= m.at and m.began <= e.end + window) or not _close(
                m, e.lat, e.lon, radius
            ):
                continue
            gap = max(e.start - m.at, m.began - e.end, timedelta(0))
            if best is None or gap < best[0]:
                best = (gap, e)
    return None if best is None else best[1]


def _company(
    m: Member,
    pool: dict[tuple[str, str], list[Member]],
    taken: set[str],
    window: timedelta,
    radius: float,
) -> list[Member]:
    """Unassigned complaints matching ``m`` (same cause, a shared cell, close in time and place)."""
    found: dict[str, Member] = {}
    for cell in m.cells:
        for other in pool.get((m.cause, cell), ()):
            if other.complaint_id in taken or other.complaint_id in found:
                continue
            apart = max(other.began - m.at, m.began - other.at, timedelta(0))
            if apart <= window and _close(m, other.lat, other.lon, radius):
                found[other.complaint_id] = other
    return list(found.values())


def _write(conn: Conn, events: dict[str, Event], relink: dict[str, str]) -> None:
    inserts = [
        (e.mass_event_id, e.cause, sorted(e.cells), e.lat, e.lon, e.start, e.end, e.count)
        for e in events.values()
        if e.new
    ]
    updates = [
        (sorted(e.cells), e.lat, e.lon, e.start, e.end, e.count, e.mass_event_id)
        for e in events.values()
        if e.dirty and not e.new
    ]
    with conn.cursor() as cur:
        if inserts:
            cur.executemany(INSERT_SQL, inserts)
        if updates:
            cur.executemany(UPDATE_SQL, updates)
        if relink:
            cur.executemany(RELINK_SQL, [(eid, cid) for cid, eid in relink.items()])
