"""Alarms from VES fault events (ONAP VES 5.x–7.x): batched ``eventList`` or a single ``event``.

Two payload families carry faults: domain ``fault`` (``faultFields``) and domain ``stndDefined``
with a 3GPP TS 28.532 notification (``notifyNewAlarm`` / ``notifyClearedAlarm``). We route on the
notification type, not on ``stndDefinedNamespace``, which producers get wrong. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from netcomplaint.errors import FileFormatError

_TYPE_RULES: tuple[tuple[str, str], ...] = (
    (r"power|battery|mains|rectifier", "power"),
    (
        r"transmission|transport|fib(re|er)|\bS1\b|backhaul|link ?down|optical"
        r"|COMMUNICATIONS_ALARM",
        "transmission",
    ),
    (
        r"site ?down|node ?b ?down|enodeb ?down|gnb ?down|ne ?down|out of service"
        r"|site ?locked|site (?:switched|powered|turned) off|planned ?works|construction works",
        "site_down",
    ),
    (r"cells? ?(unavailable|down|disabled|out)|sector ?down", "cell_unavailable"),
    (r"interference|rssi|noise rise", "interference"),
    (
        r"hardware|board|fan|temperature|EQUIPMENT_ALARM|\bRRU\b|\bBBU\b|baseband|radio ?unit"
        r"|\bequipment\b",
        "hardware",
    ),
)
_SEVERITY = {
    "CRITICAL": "critical",
    "MAJOR": "major",
    "MINOR": "minor",
    "WARNING": "warning",
    "INDETERMINATE": "warning",
}
_CLEARED = {"NORMAL", "CLEARED"}


@dataclass(frozen=True)
class VesAlarm:
    alarm_id: str
    object_id: str
    alarm_type: str
    severity: str
    raised_at: datetime
    cleared_at: datetime | None
    text: str


def classify(*texts: str) -> str:
    joined = " ".join(t for t in texts if t)
    for pattern, alarm_type in _TYPE_RULES:
        if re.search(pattern, joined, flags=re.IGNORECASE):
            return alarm_type
    return "other"


def _epoch_micro(value: Any) -> datetime | None:
    try:
        micro = float(value)
    except (TypeError, ValueError):
        return None
    if micro <= 0:
        return None
    return datetime.fromtimestamp(micro / 1_000_000, tz=UTC)


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def events_of(document: Any) -> list[dict[str, Any]]:
    """The events of a VES document: ``{"eventList": […]}``, ``{"event": {…}}`` or a list."""
    if isinstance(document, dict) and isinstance(document.get("eventList"), list):
        raw: list[Any] = document["eventList"]
    elif isinstance(document, dict) and isinstance(document.get("event"), dict):
        raw = [document["event"]]
    elif isinstance(document, list):
        raw = [e.get("event", e) if isinstance(e, dict) else e for e in document]
    else:
        raise FileFormatError("not a VES document: expected 'eventList' or 'event' at the top")
    return [e for e in raw if isinstance(e, dict)]


def alarm_from_event(event: dict[str, Any]) -> VesAlarm | str:
    """The alarm an event raises or clears, or the reason it carries none."""
    header = event.get("commonEventHeader")
    if not isinstance(header, dict):
        return "event without commonEventHeader"
    domain = str(header.get("domain", ""))
    source = str(header.get("sourceName") or header.get("reportingEntityName") or "").strip()
    event_id = str(header.get("eventId") or "").strip()
    start = _epoch_micro(header.get("startEpochMicrosec"))
    last = _epoch_micro(header.get("lastEpochMicrosec")) or start
    if domain == "fault" and isinstance(event.get("faultFields"), dict):
        fields: dict[str, Any] = event["faultFields"]
        raw_severity = str(fields.get("eventSeverity", "")).upper()
        condition = str(fields.get("alarmCondition", ""))
        problem = str(fields.get("specificProblem", ""))
        name = str(header.get("eventName", ""))
        text = " / ".join(t for t in (condition, problem) if t)
        kind_texts = (condition, problem, name, str(fields.get("eventCategory", "")))
        cleared = raw_severity in _CLEARED or str(fields.get("vfStatus", "")).lower() == "idle"
    elif domain == "stndDefined" and isinstance(event.get("stndDefinedFields"), dict):
        data = event["stndDefinedFields"].get("data")
        if not isinstance(data, dict):
            return "stndDefined event without data"
        notification = str(data.get("notificationType", ""))
        if notification not in ("notifyNewAlarm", "notifyClearedAlarm", "notifyChangedAlarm"):
            return f"stndDefined notification {notification or '(none)'} is not an alarm"
        raw_severity = str(data.get("perceivedSeverity", "")).upper()
        start = _iso(data.get("eventTime")) or start  # producers send junk here ("xyz")
        text = " / ".join(
            str(data.get(k)) for k in ("specificProblem", "additionalText") if data.get(k)
        )
        name = str(header.get("eventName", ""))
        kind_texts = (
            name,
            str(data.get("alarmType", "")),
            text,
            str(data.get("probableCause", "")),
        )
        cleared = notification == "notifyClearedAlarm" or raw_severity in _CLEARED
        source = str(data.get("href") if isinstance(data.get("href"), str) else "") or source
        event_id = str(data.get("alarmId") or event_id)
    else:
        return f"domain {domain or '(none)'} carries no fault"
    if not source:
        return "fault event without sourceName"
    if start is None:
        return "fault event without a usable time (startEpochMicrosec)"
    severity = _SEVERITY.get(raw_severity, "major" if cleared else "warning")
    return VesAlarm(
        alarm_id=f"ves:{source}:{event_id or int(start.timestamp())}",
        object_id=source,
        alarm_type=classify(*kind_texts),
        severity=severity,
        raised_at=start,
        cleared_at=last if cleared else None,
        text=text or name,
    )
