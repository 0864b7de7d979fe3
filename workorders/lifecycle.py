"""The work-order lifecycle (pure): statuses, the allowed transitions, events.

::

    new ──► dispatched ──► in_progress ──► resolved ──► verified ──► closed
     │          │  ▲            │  ▲          │                │         │
     │          ▼  │            ▼  └──────────┘ (verification   ▼         ▼
     │        rejected ◄────────┘                not recovered) reopened ◄┘
     └──► closed (cancelled by the centre, with a note)

* ``rejected``: the department sends the order back to the centre with a reason; the centre
  dispatches it again (possibly to another department) or closes it with a note.
* ``resolved → in_progress``: verification found the fault still there (or a new complaint).
* ``reopened``: a verified or closed order whose problem came back (repeat complaint); it is
  dispatched again or taken straight back into work.

Setting the status an order already has is not a transition (a no-op), so a retried PATCH is
harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from netcomplaint.errors import ConflictError, InputError

STATUSES = (
    "new",
    "dispatched",
    "in_progress",
    "resolved",
    "verified",
    "closed",
    "rejected",
    "reopened",
)

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"dispatched", "closed"}),
    "dispatched": frozenset({"in_progress", "rejected"}),
    "in_progress": frozenset({"resolved", "rejected"}),
    "resolved": frozenset({"verified", "in_progress"}),
    "verified": frozenset({"closed", "reopened"}),
    "closed": frozenset({"reopened"}),
    "rejected": frozenset({"dispatched", "closed"}),
    "reopened": frozenset({"dispatched", "in_progress"}),
}

# statuses in which the order still waits for a fix (the due time runs)
OPEN_STATUSES = frozenset({"new", "dispatched", "in_progress", "rejected", "reopened"})
# statuses after the fix
DONE_STATUSES = frozenset({"resolved", "verified", "closed"})
# transitions that need a note saying why
NEEDS_REASON = frozenset({("*", "rejected"), ("new", "closed"), ("rejected", "closed")})


@dataclass(frozen=True)
class Event:
    """One line of an order's history: who, when, from, to, note."""

    at: datetime
    actor: str
    from_status: str | None
    to_status: str | None
    note: str | None


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def needs_reason(current: str, target: str) -> bool:
    return ("*", target) in NEEDS_REASON or (current, target) in NEEDS_REASON


def check_transition(current: str, target: str, note: str | None) -> None:
    """Raise ConflictError for a transition the lifecycle forbids, InputError for a missing reason.

    >>> check_transition("new", "dispatched", None)
    >>> allowed("new", "resolved")
    False
    """
    if target not in STATUSES:
        raise InputError(f"unknown status {target!r}", field="status")
    if not allowed(current, target):
        options = ", ".join(sorted(TRANSITIONS.get(current, frozenset()))) or "none"
        raise ConflictError(
            f"a work order can't go from {current} to {target} (allowed: {options})"
        )
    if needs_reason(current, target) and not (note and note.strip()):
        raise InputError(f"going from {current} to {target} needs a reason", field="reason")


def stamps(target: str) -> tuple[str, ...]:
    """Timestamp columns set when an order enters ``target``."""
    return {
        "resolved": ("resolved_at",),
        "verified": ("verified_at",),
        "closed": ("closed_at",),
    }.get(target, ())


def clears(target: str) -> tuple[str, ...]:
    """Timestamp columns cleared when an order enters ``target`` (work on it starts again)."""
    if target in ("in_progress", "reopened", "dispatched"):
        return ("resolved_at", "verified_at", "closed_at")
    return ()
