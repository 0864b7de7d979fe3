"""Routing (pure): cause + evidence → route key → department and grade; priority.

The route key names what the evidence says about the fault; the department and grade come from
``ROUTES`` (overridable per key with ``NETCOMPLAINT_WO_ROUTING`` / ``NETCOMPLAINT_WO_GRADES``).
Grades follow how far coordination must reach (handbook 电子工单处理时限): A within the
department that receives the order, B between departments, C with another city branch or the
provincial planning, D with outside parties (another operator, a roaming partner, the radio
regulator for an external interferer), E across provinces.

Evidence signals read (``finding == "abnormal"`` only; ``check``/``detail``/``alarm_type``
matched case-insensitively):

* new site: a ``planned_site`` check, a blind spot (``blind_spot``, "blind spot", 盲区) in a
  check or its detail, or a site-distance check (``distance``, ``isd``) with no site in reach
  (no value), or whose value is ≥ ``new_site_distance_factor`` × the local inter-site distance
  (unit ``ratio``: the value is already distance/ISD; otherwise value/threshold);
* outage: ``transmission``/``fibre``/``fiber``/传输/光缆 → transmission;
  ``power``/``site_down``/``hardware``/电源/停电 → field maintenance;
* interference: an ``interference_source`` check or ``external`` in the detail → outside party;
* roaming: ``visited_network``/``roaming_partner``/``partner`` → the partner operator.

>>> route("congestion", []).department
'capacity_planning'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workorders.settings import WorkOrderSettings

NETWORK_CAUSES = frozenset(
    {"weak_coverage", "interference", "congestion", "outage", "roaming_registration"}
)
USER_SIDE_CAUSES = frozenset({"terminal_sim", "no_fault_found"})

DEPARTMENTS: dict[str, dict[str, str]] = {
    "rf_optimisation": {"en": "RF optimisation", "zh": "无线网优"},
    "capacity_planning": {"en": "capacity planning", "zh": "容量规划"},
    "field_maintenance": {"en": "field maintenance", "zh": "现场维护"},
    "transmission": {"en": "transmission", "zh": "传输"},
    "core_network": {"en": "core network", "zh": "核心网"},
    "planning": {"en": "planning (new site)", "zh": "规划建站"},
}

# route key -> (department, grade, what it means)
ROUTES: dict[str, tuple[str, str, str]] = {
    "weak_coverage": (
        "rf_optimisation",
        "B",
        "weak coverage: test and optimise (tilt, azimuth, power)",
    ),
    "weak_coverage.new_site": (
        "planning",
        "C",
        "hole no optimisation can fix: new site / indoor system",
    ),
    "interference": ("rf_optimisation", "A", "interference hunt (pilot pollution, overshooting)"),
    "interference.external": (
        "rf_optimisation",
        "D",
        "external interferer: with the radio regulator",
    ),
    "congestion": ("capacity_planning", "B", "capacity: expansion, carriers, load balancing"),
    "outage": ("field_maintenance", "A", "cell unavailable: restore on site"),
    "outage.power": ("field_maintenance", "A", "site down / power / hardware: restore on site"),
    "outage.transmission": ("transmission", "B", "transmission alarm (fibre, microwave)"),
    "roaming_registration": ("core_network", "B", "registration: HLR/VLR subscriber data"),
    "roaming_registration.partner": ("core_network", "D", "roaming partner lacks data: coordinate"),
    "repeat.user_side": ("rf_optimisation", "B", "repeated user-side finding: test on site"),
}

_NEW_SITE_CHECKS = ("planned_site",)
_BLIND_SPOT = ("blind_spot", "blind spot", "盲区")
_DISTANCE_CHECKS = ("distance", "isd")
_TRANSMISSION = ("transmission", "fibre", "fiber", "microwave", "传输", "光缆")
_POWER = ("power", "site_down", "hardware", "电源", "停电", "断电")
_EXTERNAL = ("interference_source", "external", "外部干扰")
_PARTNER = ("visited_network", "roaming_partner", "partner")
_CUSTOMER_SETTINGS = ("roaming_switch", "call_forwarding")


@dataclass(frozen=True)
class Route:
    key: str
    department: str
    grade: str
    reason: str


def _abnormal(evidence: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [e for e in evidence if str(e.get("finding", "")).lower() == "abnormal"]


def _text(item: Mapping[str, Any]) -> str:
    parts = (item.get("check"), item.get("detail"), item.get("alarm_type"))
    return " ".join(str(p) for p in parts if p).lower()


def _any(items: Iterable[Mapping[str, Any]], words: Sequence[str]) -> bool:
    return any(word in _text(item) for item in items for word in words)


def customer_setting(cause: str, evidence: Sequence[Mapping[str, Any]]) -> bool:
    """A registration fault the customer's own phone settings explain (roaming switched off,
    calls forwarded) with no network's reject on record: the reply tells them how to change it,
    so there is nothing for engineers unless it comes back (a repeat)."""
    if cause != "roaming_registration":
        return False
    abnormal = _abnormal(evidence)
    if not {str(e.get("check")) for e in abnormal} & set(_CUSTOMER_SETTINGS):
        return False
    return not any(
        "reject" in str(e.get("detail") or "").lower()
        for e in abnormal
        if e.get("check") == "registration_status"
    )


def _far_beyond_isd(items: Iterable[Mapping[str, Any]], factor: float) -> bool:
    for item in items:
        check = str(item.get("check", "")).lower()
        if not any(word in check for word in _DISTANCE_CHECKS):
            continue
        value, threshold = item.get("value"), item.get("threshold")
        if value is None:  # no active site within reach at all
            return True
        if not isinstance(value, int | float):
            continue
        if str(item.get("unit") or "").lower() == "ratio":
            if value >= factor:
                return True
        elif isinstance(threshold, int | float) and threshold > 0 and value >= factor * threshold:
            return True
    return False


def route_key(
    cause: str,
    evidence: Sequence[Mapping[str, Any]],
    *,
    repeat: bool = False,
    new_site_factor: float = 1.0,
) -> str | None:
    """The route key for a diagnosis, or None when it opens no order (user side, not repeated)."""
    abnormal = _abnormal(evidence)
    if cause == "weak_coverage":
        checks = " ".join(str(e.get("check", "")).lower() for e in abnormal)
        new_site = any(w in checks for w in _NEW_SITE_CHECKS) or _any(abnormal, _BLIND_SPOT)
        if new_site or _far_beyond_isd(abnormal, new_site_factor):
            return "weak_coverage.new_site"
        return "weak_coverage"
    if cause == "interference":
        return "interference.external" if _any(abnormal, _EXTERNAL) else "interference"
    if cause == "congestion":
        return "congestion"
    if cause == "outage":
        if _any(abnormal, _TRANSMISSION):
            return "outage.transmission"
        if _any(abnormal, _POWER):
            return "outage.power"
        return "outage"
    if cause == "roaming_registration":
        if customer_setting(cause, evidence):
            return "repeat.user_side" if repeat else None
        if _any(abnormal, _PARTNER):
            return "roaming_registration.partner"
        return "roaming_registration"
    return "repeat.user_side" if repeat else None


def route(
    cause: str,
    evidence: Sequence[Mapping[str, Any]],
    *,
    repeat: bool = False,
    settings: WorkOrderSettings | None = None,
) -> Route | None:
    """Department and grade for a diagnosis (None: no order)."""
    factor = settings.new_site_distance_factor if settings else 1.0
    key = route_key(cause, evidence, repeat=repeat, new_site_factor=factor)
    if key is None:
        return None
    department, grade, reason = ROUTES[key]
    if settings is not None:
        department = settings.routing.get(key, department)
        grade = settings.grades.get(key, grade)
    return Route(key=key, department=department, grade=grade, reason=reason)


@dataclass(frozen=True)
class PriorityInput:
    cause: str
    urgent: bool
    vip: bool
    complaints: int
    affected_users: int
    repeats: int = 0


def priority(inp: PriorityInput, settings: WorkOrderSettings) -> int:
    """0–100, higher first: cause base + urgency + customer level + complaints + users + repeats.

    >>> from workorders.settings import WorkOrderSettings
    >>> priority(PriorityInput("outage", True, False, 1, 9), WorkOrderSettings())
    68
    """
    score = float(settings.priority_base.get(inp.cause, 10))
    if inp.urgent:
        score += settings.priority_urgent
    if inp.vip:
        score += settings.priority_vip
    score += settings.priority_per_complaint * min(
        max(inp.complaints, 0), settings.priority_complaints_cap
    )
    score += settings.priority_per_log10_user * math.log10(1 + max(inp.affected_users, 0))
    score += settings.priority_per_repeat * max(inp.repeats, 0)
    return max(0, min(100, round(score)))


def is_urgent(complaint: Mapping[str, Any], settings: WorkOrderSettings) -> bool:
    """Urgent (紧急投诉): flagged so, or through the regulator/media channels."""
    return bool(complaint.get("urgent")) or complaint.get("channel") in settings.urgent_channels


def affected_cells(diagnosis: Mapping[str, Any], complaint: Mapping[str, Any]) -> list[str]:
    """Cells of the fault: abnormal evidence cells, else serving cells, else the complaint's."""
    cause = diagnosis.get("primary_cause")
    evidence = diagnosis.get("evidence") or []
    cells = [
        str(e["cell_id"])
        for e in _abnormal(evidence)
        if e.get("cell_id") and (e.get("cause") in (None, cause))
    ]
    if not cells:
        cells = [str(c) for c in diagnosis.get("serving_cells") or [] if c]
    if not cells and complaint.get("cell_id"):
        cells = [str(complaint["cell_id"])]
    return list(dict.fromkeys(cells))
