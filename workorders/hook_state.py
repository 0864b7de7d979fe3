"""The in-memory state of one batch of the work-order hook (pure: no I/O).

``hooks.on_diagnoses`` reads a ``Snapshot`` of everything the batch's decisions need
(``hook_load``), replays the per-complaint steps on a ``State`` built from it (``hook_decide``)
and writes what changed with a few set-based statements (``hooks``). Each method of
``State`` is one step of the procedure (open, attach, adopt or merge for a mass event,
escalate, make urgent, transition, record a repeat) done in memory with the history line it
writes, so a later complaint of the batch sees the orders earlier ones opened or changed.

Priority is not computed here: every order a complaint touches gets it recomputed once after
the writes (``hooks``), from its final complaints and cells — the same as recomputing it after
each complaint and keeping the last.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workorders import lifecycle
from workorders.calendar import WorkingCalendar
from workorders.settings import WorkOrderSettings
from workorders.store import EVIDENCE_CAP, due_times, merge_evidence

CLOSED = frozenset({"verified", "closed"})  # orders no longer found by cause and place
Position = tuple[Any, Any]  # (lat, lon) as stored; either may be None


class NeedsMembers(Exception):
    """The decisions need the complaints of orders the snapshot didn't load."""

    def __init__(self, order_ids: Iterable[str]) -> None:
        self.order_ids = sorted(set(order_ids))
        super().__init__(f"complaints of {', '.join(self.order_ids)} not loaded")


@dataclass
class Order:
    """A work order as the hook sees it: loaded (locked) from the database or opened now."""

    work_order_id: str
    status: str
    cause: str
    route: str | None
    department: str
    grade: str
    urgent: bool
    cells: list[str]
    mass_event_id: str | None
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    warn_at: datetime | None
    progress_due_at: datetime | None
    repeat_count: int
    evidence_json: str  # as stored: parsed only if the batch widens it
    urgent_member: bool  # a complaint attached in this batch is urgent (its urgency ORs that in)
    loaded_status: str  # before the batch: what the snapshot's place queries filtered on
    progress_reported_at: datetime | None = None
    resolved_at: datetime | None = None
    verified_at: datetime | None = None
    closed_at: datetime | None = None
    escalated_at: datetime | None = None
    overdue_warned_at: datetime | None = None
    progress_warned_at: datetime | None = None
    is_new: bool = False

    @property
    def key(self) -> tuple[datetime, str]:
        """``ORDER BY created_at, work_order_id`` of the queries this replaces."""
        return (self.created_at, self.work_order_id)


@dataclass
class Snapshot:
    """What the database said when the batch started (see ``hook_load``)."""

    orders: dict[str, Order]
    members: dict[str, dict[str, datetime]]  # loaded orders: complaint → attached_at
    positions: dict[str, Position]  # complaint → where it was made
    candidates: dict[int, list[dict[str, Any]]]  # item → earlier complaints (newest first)
    event_complaints: dict[str, list[str]]  # mass event → its complaints (diagnoses)
    event_holders: dict[str, set[str]]  # mass event → orders holding one of its complaints
    repeat_rows: set[str]  # complaints that have a complaint_repeats row
    near: dict[int, set[str]]  # item → open orders of its cause with a complaint nearby
    calendar: WorkingCalendar
    numbers: list[int]  # reserved work_order_seq values, in order


Event = tuple[str, datetime, str, str | None, str | None, str | None]


class State:
    """The batch so far: the snapshot plus what the complaints handled until now changed."""

    def __init__(self, snap: Snapshot, settings: WorkOrderSettings) -> None:
        self.snap, self.settings, self.cal = snap, settings, snap.calendar
        # copies: a replay after NeedsMembers starts again from the untouched snapshot (cells
        # lists are replaced, never changed in place)
        self.orders = {k: dataclasses.replace(o) for k, o in snap.orders.items()}
        self.members = {k: dict(v) for k, v in snap.members.items()}  # complete member lists
        self.added: dict[str, dict[str, datetime]] = {}  # links made now (to insert)
        self.positions = dict(snap.positions)
        self.orders_of: dict[str, set[str]] = {}
        for order_id, members in self.members.items():
            for complaint_id in members:
                self.orders_of.setdefault(complaint_id, set()).add(order_id)
        self.event_order = {o.mass_event_id: k for k, o in self.orders.items() if o.mass_event_id}
        self.by_cell: dict[tuple[str, str], set[str]] = {}
        self.by_cause: dict[str, list[str]] = {}
        for order in self.orders.values():
            self.by_cause.setdefault(order.cause, []).append(order.work_order_id)
            self._index(order, order.cells)
        self.evidence: dict[str, list[dict[str, Any]]] = {}  # widened evidence (to write)
        self.dirty: set[str] = set()
        self.touched: dict[str, None] = {}  # orders whose priority to recompute
        self.deleted: dict[str, str] = {}  # merged away → the order that stayed
        self.events: list[Event] = []
        self.repeats: list[tuple[str, str, str, str, datetime]] = []
        self.repeat_rows = set(snap.repeat_rows)
        self.repeated: set[tuple[str, str]] = set()  # (complaint, repeat_of) stored now
        self.repeat_of: dict[str, str] = {}  # complaints.repeat_of to set where still null
        self.followed: dict[str, str] = {}  # moved complaint → the order it moved to
        self.relinked: list[tuple[str, str]] = []  # (merged order, order) of older repeat rows
        self.created: list[str] = []
        self._numbers = iter(snap.numbers)

    # ---- reading -------------------------------------------------------------------------

    def alive(self, order_id: str | None) -> Order | None:
        if order_id is None or order_id in self.deleted:
            return None
        return self.orders.get(order_id)

    def final_id(self, order_id: str | None) -> str | None:
        while order_id is not None and order_id in self.deleted:
            order_id = self.deleted[order_id]
        return order_id

    def attached_at(self, order_id: str, complaint_id: str) -> datetime | None:
        members = self.members.get(order_id)  # None: only this batch's links are known
        known = self.added.get(order_id, {}) if members is None else members
        return known.get(complaint_id)

    def attached(self, complaint_id: str) -> str | None:
        """An order the complaint is already attached to (diagnosed again: it keeps it)."""
        orders = sorted(self.orders_of.get(complaint_id, ()))
        return orders[0] if orders else None

    def latest_order(self, complaint_id: str) -> str | None:
        """The order the complaint was attached to last (the repeat query's lateral join)."""
        best: tuple[datetime, str] | None = None
        for order_id in self.orders_of.get(complaint_id, ()):
            at = self.attached_at(order_id, complaint_id)
            if at is not None and (best is None or (at, order_id) > best):
                best = (at, order_id)
        return best[1] if best else None

    def newest(self, order_ids: Iterable[str]) -> Order | None:
        found = [o for o in map(self.alive, order_ids) if o is not None]
        return max(found, key=lambda o: o.key) if found else None

    def same_cause_cells(self, cause: str, cells: Iterable[str]) -> Order | None:
        """The newest order not yet verified with the cause on one of the cells."""
        ids = {i for cell in cells for i in self.by_cell.get((cause, cell), ())}
        return self.newest(i for i in ids if self.orders[i].status not in CLOSED)

    def holding(self, event: str) -> list[Order]:
        """Orders holding complaints of the event, oldest first: as stored (those merged away
        now are no longer alive) and as linked now."""
        ids = set(self.snap.event_holders.get(event, ()))
        ids.update(
            o for c in self.snap.event_complaints.get(event, ()) for o in self.orders_of.get(c, ())
        )
        found = [o for o in map(self.alive, ids) if o is not None]
        return sorted(found, key=lambda o: o.key)

    def complaints_of(self, order: Order) -> dict[str, datetime]:
        members = self.members.get(order.work_order_id)
        if members is None:
            raise NeedsMembers([order.work_order_id])
        return members

    def evidence_of(self, order: Order) -> list[dict[str, Any]]:
        if order.work_order_id not in self.evidence:
            self.evidence[order.work_order_id] = json.loads(order.evidence_json)
        return self.evidence[order.work_order_id]

    # ---- changing (in memory) ----------------------------------------------------------------

    def _index(self, order: Order, cells: Iterable[str]) -> None:
        for cell in cells:
            self.by_cell.setdefault((order.cause, cell), set()).add(order.work_order_id)

    def _changed(self, order: Order) -> None:
        self.dirty.add(order.work_order_id)

    def add_event(
        self,
        order: Order,
        at: datetime,
        note: str | None,
        from_status: str | None = None,
        to_status: str | None = None,
    ) -> None:
        self.events.append((order.work_order_id, at, "system", from_status, to_status, note))

    def create(
        self,
        *,
        cause: str,
        route: str,
        department: str,
        grade: str,
        urgent: bool,
        cells: list[str],
        mass_event_id: str | None,
        opened: datetime,
        note: str,
    ) -> Order:
        """A new order (status new) and its first event."""
        due, warn, progress = due_times(opened, grade, urgent, self.settings, self.cal)
        order_id = f"WO-{opened:%Y%m%d}-{next(self._numbers):06d}"
        order = Order(
            work_order_id=order_id,
            status="new",
            cause=cause,
            route=route,
            department=department,
            grade=grade,
            urgent=urgent,
            cells=list(cells),
            mass_event_id=mass_event_id,
            created_at=opened,
            updated_at=opened,
            due_at=due,
            warn_at=warn,
            progress_due_at=progress,
            repeat_count=0,
            evidence_json="[]",
            urgent_member=False,
            loaded_status="new",
            is_new=True,
        )
        self.orders[order_id] = order
        self.members[order_id] = {}
        self.by_cause.setdefault(cause, []).append(order_id)
        self._index(order, order.cells)
        if mass_event_id:
            self.event_order[mass_event_id] = order_id
        self.created.append(order_id)
        self.add_event(order, opened, note, to_status="new")
        return order

    def _link(self, order: Order, complaint_id: str, at: datetime) -> None:
        self.added.setdefault(order.work_order_id, {})[complaint_id] = at
        members = self.members.get(order.work_order_id)
        if members is not None:
            members[complaint_id] = at
        self.orders_of.setdefault(complaint_id, set()).add(order.work_order_id)

    def _widen(self, order: Order, cells: Iterable[str]) -> None:
        order.cells = list(dict.fromkeys([*order.cells, *cells]))
        self._index(order, order.cells)

    def attach(
        self,
        order: Order,
        complaint_id: str,
        *,
        cells: list[str],
        evidence: list[Any],
        at: datetime,
        position: Position,
        urgent: bool,
    ) -> bool:
        """Link, widen cells and evidence; False if already linked."""
        if self.attached_at(order.work_order_id, complaint_id) is not None:
            return False
        self._link(order, complaint_id, at)
        self.positions[complaint_id] = position
        self._widen(order, cells)
        merged = merge_evidence(self.evidence_of(order), evidence, complaint_id)
        self.evidence[order.work_order_id] = merged
        order.updated_at = at
        order.urgent_member = order.urgent_member or urgent
        self._changed(order)
        self.add_event(order, at, f"complaint {complaint_id} attached")
        return True

    def link_event(self, order: Order, event: str, at: datetime) -> None:
        """``hook_decide.order_for_event`` adopting an order for its mass event."""
        order.mass_event_id, order.updated_at = event, at
        self.event_order[event] = order.work_order_id
        self._changed(order)
        self.add_event(order, at, f"linked to mass event {event}")

    def adopt_event(self, order: Order, event: str) -> None:
        """A complaint of a mass event joined an order without one: the order carries the event,
        unless another order already does."""
        if order.mass_event_id is None and self.alive(self.event_order.get(event)) is None:
            order.mass_event_id = event
            self.event_order[event] = order.work_order_id
            self._changed(order)

    def merge(self, src: Order, dst: Order, *, at: datetime, note: str) -> None:
        """Everything of ``src`` into ``dst`` (a mass event's merge); ``src`` is deleted."""
        missing = [o.work_order_id for o in (src, dst) if o.work_order_id not in self.members]
        if missing:  # both at once: one replay, not two
            raise NeedsMembers(missing)
        source, target = self.complaints_of(src), self.complaints_of(dst)
        moved = [c for c in source if c not in target]
        for complaint_id, attached in list(source.items()):
            self.orders_of[complaint_id].discard(src.work_order_id)
            if complaint_id in moved:
                self._link(dst, complaint_id, attached)
                self.followed[complaint_id] = dst.work_order_id
        self._widen(dst, src.cells)
        evidence = self.evidence_of(dst)
        seen = {(e.get("check"), e.get("cell_id"), e.get("cause")) for e in evidence}
        for item in self.evidence_of(src):
            key = (item.get("check"), item.get("cell_id"), item.get("cause"))
            if key not in seen and len(evidence) < EVIDENCE_CAP:
                seen.add(key)
                evidence.append(item)
        dst.updated_at = at
        dst.urgent = dst.urgent or src.urgent
        dst.urgent_member = dst.urgent_member or src.urgent_member
        dst.repeat_count += src.repeat_count
        self._changed(dst)
        self.deleted[src.work_order_id] = dst.work_order_id
        if not src.is_new:
            self.relinked.append((src.work_order_id, dst.work_order_id))
        text = f"merged order {src.work_order_id} ({len(moved)} complaint(s)) {note}".rstrip()
        self.add_event(dst, at, text)

    def _urgent_due(self, order: Order, at: datetime) -> None:
        if self.settings.urgent_limit_hours is None:
            return
        limit = at + timedelta(hours=self.settings.urgent_limit_hours)
        order.due_at = min(order.due_at, limit)
        order.warn_at = limit if order.warn_at is None else min(order.warn_at, limit)

    def escalate(self, order: Order, *, at: datetime, note: str) -> None:
        """A repeat (升级投诉): urgent, one more repeat, due within the urgent limit."""
        order.urgent, order.repeat_count = True, order.repeat_count + 1
        order.escalated_at = order.updated_at = at
        self._urgent_due(order, at)
        self._changed(order)
        self.add_event(order, at, note)
        self.refresh(order, force_urgent=True)

    def make_urgent(self, order: Order, *, at: datetime) -> None:
        """An urgent complaint (紧急投诉) joined an order that wasn't urgent."""
        if order.urgent:
            return
        order.urgent, order.updated_at = True, at
        if order.resolved_at is None:
            self._urgent_due(order, at)
        self._changed(order)
        self.add_event(order, at, "urgent complaint attached (紧急投诉)")

    def transition(self, order: Order, target: str, *, at: datetime, note: str) -> None:
        """``store.transition`` by the system (lifecycle-checked, reopening resets limits)."""
        current = order.status
        lifecycle.check_transition(current, target, note)
        order.status, order.updated_at = target, at
        for column in lifecycle.stamps(target):
            setattr(order, column, at)
        for column in lifecycle.clears(target):
            setattr(order, column, None)
        if target == "reopened":
            due = due_times(at, order.grade, order.urgent, self.settings, self.cal)
            order.due_at, order.warn_at, order.progress_due_at = due
            order.progress_reported_at = order.overdue_warned_at = None
            order.progress_warned_at = None
        self._changed(order)
        self.add_event(order, at, note, from_status=current, to_status=target)

    def refresh(self, order: Order, *, force_urgent: bool = False) -> None:
        """The urgency part of the priority; the score comes after the writes."""
        order.urgent = order.urgent or order.urgent_member or force_urgent
        self.touched[order.work_order_id] = None

    def record_repeat(
        self, complaint_id: str, repeat_of: str, order: Order, action: str, at: datetime
    ) -> None:
        """The repeat link (first one wins) and ``complaints.repeat_of``."""
        if complaint_id not in self.repeat_rows:
            self.repeat_rows.add(complaint_id)
            self.repeated.add((complaint_id, repeat_of))
            self.repeats.append((complaint_id, repeat_of, order.work_order_id, action, at))
        self.repeat_of.setdefault(complaint_id, repeat_of)
