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
from typing import Any

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
