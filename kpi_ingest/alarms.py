"""Loading alarms: the contract CSV, or VES fault-event JSON (detected by content)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from kpi_ingest.csvsource import FileReport
from kpi_ingest.loader import copy_upsert
from kpi_ingest.reference import SPECS, LoadContext, load_reference_csv
from kpi_ingest.ves import VesAlarm, alarm_from_event, events_of
from netcomplaint.errors import FileFormatError
from storage.db import Conn

_COLUMNS = [
    "alarm_id",
    "object_id",
    "alarm_type",
    "severity",
    "raised_at",
    "cleared_at",
    "text",
    "source",
]


def looks_like_json(path: Path) -> bool:
    if path.suffix.lower() == ".json":
        return True
    with path.open("rb") as handle:
        head = handle.read(256).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def load_alarms(
    conn: Conn, path: Path, report: FileReport, rename: Mapping[str, str], ctx: LoadContext
) -> int:
    if looks_like_json(path):
        return load_ves(conn, path, report)
    return load_reference_csv(conn, SPECS["alarms"], path, report, rename, ctx)


def load_ves(conn: Conn, path: Path, report: FileReport) -> int:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise FileFormatError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    events = events_of(document)
    raised: list[VesAlarm] = []
    cleared: list[VesAlarm] = []
    reasons: list[str] = []
    for index, event in enumerate(events, start=1):
        report.rows_read += 1
        alarm = alarm_from_event(event)
        if isinstance(alarm, str):
            reasons.append(f"event {index}: {alarm}")
            continue
        (cleared if alarm.cleared_at and alarm.severity else raised).append(alarm)
    if not raised and not cleared:
        detail = "; ".join(reasons[:3]) or "no events"
        raise FileFormatError(f"{path}: no fault events to load ({detail})")
    for reason in reasons:  # e.g. a measurement event inside a fault batch
        report.reject_row(0, None, reason)
    loaded = copy_upsert(conn, "alarms", _COLUMNS, (_row(a) for a in raised), ("alarm_id",))
    for alarm in cleared:
        loaded += _apply_clear(conn, alarm)
    return loaded


def _row(alarm: VesAlarm) -> tuple[object, ...]:
    return (
        alarm.alarm_id,
        alarm.object_id,
        alarm.alarm_type,
        alarm.severity,
        alarm.raised_at,
        alarm.cleared_at,
        alarm.text,
        "ves",
    )


def _apply_clear(conn: Conn, alarm: VesAlarm) -> int:
    """A clear closes the open alarm of the same object and text, else is kept on its own."""
    result = conn.execute(
        """UPDATE alarms SET cleared_at = %s
           WHERE object_id = %s AND text = %s AND source = 'ves' AND cleared_at IS NULL
             AND raised_at <= %s""",
        (alarm.cleared_at, alarm.object_id, alarm.text, alarm.cleared_at),
    )
    if result.rowcount:
        return result.rowcount
    return copy_upsert(conn, "alarms", _COLUMNS, [_row(alarm)], ("alarm_id",))
