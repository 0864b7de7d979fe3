"""The work-order decisions for each diagnosis of a batch, on the batch's ``State`` (pure).

``decide`` is the per-complaint procedure of the ``hooks`` module doc, step for step, on the
state, which holds the batch's snapshot plus everything earlier complaints of the batch did.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workorders.hook_state import CLOSED, NeedsMembers, Order, Position, State
from workorders.lifecycle import OPEN_STATUSES
from workorders.repeats import RepeatLink, pick_earlier
from workorders.routing import (
    NETWORK_CAUSES,
    affected_cells,
    customer_setting,
    is_urgent,
    route,
)
from workorders.settings import WorkOrderSettings

EARLIER_LIMIT = 50  # earlier complaints of the subscriber looked at (newest first)


@dataclass(frozen=True)
class Item:
    """One diagnosis of the batch and what the decisions derive from it up front."""

    index: int
    complaint: Mapping[str, Any]
    diagnosis: Mapping[str, Any]
    complaint_id: str
    reported: datetime  # reported_at, capped at now: the order's start
    cause: str
    network: bool  # a network cause not attributed to the user
    cells: list[str]
    evidence: list[Any]
    mass_event_id: str | None
    msisdn_hash: str | None
    position: Position
    urgent: bool  # the complaint itself is urgent (紧急投诉)

    def near_box(self, radius_m: float) -> tuple[float, float, float, float] | None:
        """(lat, lon, dlat, dlon) of the box around it; None without a numeric position."""
        lat, lon = self.position
        if not (isinstance(lat, int | float) and isinstance(lon, int | float)):
            return None
        dlat = radius_m / 111_320.0
        dlon = dlat / max(0.01, abs(math.cos(math.radians(lat))))
        return float(lat), float(lon), dlat, dlon


def _as_datetime(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def plan(
    items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    settings: WorkOrderSettings,
    now: datetime,
) -> list[Item]:
    out = []
    for index, (complaint, diagnosis) in enumerate(items):
        cause = str(diagnosis.get("primary_cause") or "")
        event = diagnosis.get("mass_event_id")
        out.append(
            Item(
                index=index,
                complaint=complaint,
                diagnosis=diagnosis,
                complaint_id=str(complaint["complaint_id"]),
                reported=min(_as_datetime(complaint["reported_at"]), now),
                cause=cause,
                network=cause in NETWORK_CAUSES
                and diagnosis.get("attribution") != "user"
                and not customer_setting(cause, list(diagnosis.get("evidence") or [])),
                cells=affected_cells(diagnosis, complaint),
                evidence=list(diagnosis.get("evidence") or []),
                mass_event_id=str(event) if event else None,
                msisdn_hash=str(complaint["msisdn_hash"]) if complaint.get("msisdn_hash") else None,
                position=(complaint.get("lat"), complaint.get("lon")),
                urgent=is_urgent(complaint, settings),
            )
        )
    return out


def decide(state: State, item: Item, now: datetime) -> str | None:
    """Open or attach to an order for this diagnosis; its id (None: no order)."""
    already = state.attached(item.complaint_id)
    if already is not None:  # diagnosed again (retry): the order it already has
        return already
    link = find_repeat(state, item)
    if not item.network and link is None:
        return None
    order = find_order(state, item, link, now)
    created = False
    if order is None:
        routed = route(item.cause, item.evidence, repeat=link is not None, settings=state.settings)
        if routed is None:
            return None
        order = state.create(
            cause=item.cause,
            route=routed.key,
            department=routed.department,
            grade=routed.grade,
            urgent=item.urgent or link is not None,
            cells=item.cells,
            mass_event_id=item.mass_event_id if item.network else None,
            opened=item.reported,
            note=f"opened for complaint {item.complaint_id}: {item.cause} → "
            f"{routed.department} (grade {routed.grade}; {routed.reason})",
        )
        created = True
    state.attach(
        order,
        item.complaint_id,
        cells=item.cells,
        evidence=item.evidence,
        at=now,
        position=item.position,
        urgent=item.urgent,
    )
    if item.network and item.mass_event_id and not created:
        state.adopt_event(order, item.mass_event_id)
    if link is not None:
        _apply_repeat(state, order, item.complaint_id, link, created, now)
    elif item.urgent and not created:
        state.make_urgent(order, at=now)
    if not created and item.network:
        _reopen_if_after_fix(state, order, item, now)
    state.refresh(order)
    return order.work_order_id


def find_repeat(state: State, item: Item) -> RepeatLink | None:
    """The earlier complaint of the subscriber this one repeats (``repeats.pick_earlier``)."""
    if item.msisdn_hash is None:
        return None
    rows = [
        row
        for row in state.snap.candidates.get(item.index, ())
        if (row["complaint_id"], item.complaint_id) not in state.repeated
    ][:EARLIER_LIMIT]
    new = {
        **item.complaint,
        "primary_cause": item.diagnosis.get("primary_cause"),
        "serving_cells": item.diagnosis.get("serving_cells") or [],
    }
    old = pick_earlier(new, rows, state.settings.repeat_radius_m)
    if old is None:
        return None
    repeat_of = str(old["complaint_id"])
    return RepeatLink(repeat_of=repeat_of, work_order_id=state.latest_order(repeat_of))


def find_order(state: State, item: Item, link: RepeatLink | None, now: datetime) -> Order | None:
    """One order per root cause: mass event, else the repeat's, else same cause nearby."""
    if item.network and item.mass_event_id:
        found = order_for_event(state, item.mass_event_id, now)
        if found is not None:
            return found
    if link is not None:
        linked = state.alive(link.work_order_id)
        if linked is not None and (not item.network or linked.cause == item.cause):
            return linked
    if not item.network:
        return None
    if item.cells:
        return state.same_cause_cells(item.cause, item.cells)
    return _same_cause_near(state, item)


def order_for_event(state: State, event: str, at: datetime) -> Order | None:
    """One order per mass event (群障), also when the event forms after its first complaints.

    Diagnostics relinks a new event's earlier complaints to it, and by then those may have
    orders of their own. So: the order that carries the event; else the oldest order holding one
    of the event's complaints is adopted (it now carries the event). Every other order holding
    the event's complaints that is still ``new`` (nobody acted on it) is merged into it —
    complaints, cells, evidence, the diagnosis JSON's ``work_order_id``; the emptied order is
    deleted and the merge is a history line of the order that stays. Orders already dispatched
    are left as they are."""
    own = state.alive(state.event_order.get(event))
    holding = state.holding(event)
    if own is None:
        free = [order for order in holding if order.mass_event_id is None]
        if not free:
            return None
        own = free[0]
        state.link_event(own, event, at)
    for other in holding:
        if other is not own and other.status == "new" and other.mass_event_id is None:
            state.merge(other, own, at=at, note=f"of mass event {event}")
    return own


def _same_cause_near(state: State, item: Item) -> Order | None:
    """Without cells: the newest order not yet verified with the cause and a complaint within
    ``attach_radius_m`` (a lat/lon box)."""
    box = item.near_box(state.settings.attach_radius_m)
    if box is None:
        return None
    lat, lon, dlat, dlon = box

    def inside(position: Position) -> bool:
        p_lat, p_lon = position
        return (
            p_lat is not None
            and p_lon is not None
            and lat - dlat <= p_lat <= lat + dlat
            and lon - dlon <= p_lon <= lon + dlon
        )

    near_before = state.snap.near.get(item.index, set())
    found = []
    for order_id in state.by_cause.get(item.cause, ()):
        order = state.alive(order_id)
        if order is None or order.status in CLOSED:
            continue
        members = state.members.get(order_id)
        if members is None and order.loaded_status in CLOSED:
            raise NeedsMembers([order_id])  # reopened now: where its complaints are isn't known
        if members is None:  # open before: the snapshot found it if it was near, else new links
            known = order_id in near_before
            members = state.added.get(order_id, {})
        else:
            known = False
        if known or any(inside(state.positions.get(c, (None, None))) for c in members):
            found.append(order)
    return max(found, key=lambda o: o.key) if found else None


def _apply_repeat(
    state: State, order: Order, complaint_id: str, link: RepeatLink, created: bool, now: datetime
) -> None:
    """Escalate the order of a repeat; back to work (or reopened) when it was fixed."""
    status = order.status
    note = f"repeat complaint {complaint_id} of {link.repeat_of} (重复投诉)"
    if created:
        action = "opened"
        state.escalate(order, at=now, note=f"{note}: opened urgent (升级投诉)")
    elif status in OPEN_STATUSES:
        action = "escalated"
        state.escalate(order, at=now, note=f"{note}: escalated (升级投诉)")
    else:
        action = "back_in_progress" if status == "resolved" else "reopened"
        target = "in_progress" if status == "resolved" else "reopened"
        state.escalate(order, at=now, note=f"{note}: escalated (升级投诉)")
        state.transition(order, target, at=now, note=f"{note}: the problem is back after the fix")
    state.record_repeat(complaint_id, link.repeat_of, order, action, now)


def _reopen_if_after_fix(state: State, order: Order, item: Item, now: datetime) -> None:
    """A complaint on the fault reported after the order's fix: the fix didn't hold."""
    resolved = order.resolved_at
    if order.status not in ("resolved", "verified", "closed") or resolved is None:
        return
    if item.reported <= resolved:
        return
    target = "in_progress" if order.status == "resolved" else "reopened"
    state.transition(
        order, target, at=now, note=f"complaint {item.complaint_id} reported after the fix"
    )
