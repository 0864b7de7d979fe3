"""Stored complaints: their columns, a ``ComplaintRecord`` to a row and back, and the reads —
``get_complaint`` and ``list_complaints`` (both re-exported by ``diagnostics.service``, the
interface other domains use). The MSISDN only ever leaves masked.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from diagnostics.models import ComplaintRecord
from netcomplaint.errors import InputError, NotFoundError
from storage.db import Conn

COLUMNS = (
    "complaint_id",
    "external_id",
    "msisdn_hash",
    "msisdn_masked",
    "reported_at",
    "lat",
    "lon",
    "cell_id",
    "symptom",
    "occurred_from",
    "occurred_to",
    "description",
    "indoor",
    "floor",
    "frequency",
    "neighbours_affected",
    "everywhere",
    "channel",
    "urgent",
    "utc_offset_min",
    "symptom_inferred",
)
SELECT_SQL = f"SELECT {', '.join(COLUMNS)}, diagnosis_status FROM complaints"
BODY_SQL = """
SELECT c.complaint_id, c.external_id, c.diagnosis_status,
       d.result::jsonb || jsonb_build_object('mass_event_id', d.mass_event_id,
                                      'work_order_id', d.work_order_id)
FROM complaints c LEFT JOIN diagnoses d USING (complaint_id)
WHERE c.complaint_id = ANY(%s)
"""


def _from_row(row: Sequence[Any]) -> ComplaintRecord:
    values = dict(zip(COLUMNS, row, strict=False))
    zone = timezone(timedelta(minutes=values.pop("utc_offset_min") or 0))

    def local(v: datetime | None) -> datetime | None:
        return v.astimezone(zone) if v is not None else None

    reported = local(values.pop("reported_at"))
    assert reported is not None
    values["occurred_from"] = local(values["occurred_from"])
    values["occurred_to"] = local(values["occurred_to"])
    return ComplaintRecord(reported_at=reported, **values)


def offset_min(value: datetime) -> int:
    offset = value.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def record_row(r: ComplaintRecord) -> tuple[Any, ...]:
    return (
        r.complaint_id,
        r.external_id,
        r.msisdn_hash,
        r.msisdn_masked,
        r.reported_at,
        r.lat,
        r.lon,
        r.cell_id,
        r.symptom,
        r.occurred_from,
        r.occurred_to,
        r.description,
        r.indoor,
        r.floor,
        r.frequency,
        r.neighbours_affected,
        r.everywhere,
        r.channel,
        r.urgent,
        offset_min(r.reported_at),
        r.symptom_inferred,
    )


def _bodies(conn: Conn, complaint_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if not complaint_ids:  # the usual batch: nothing diagnosed before, no round trip
        return out
    for cid, ext, status, result in conn.execute(BODY_SQL, (list(complaint_ids),)).fetchall():
        body: dict[str, Any] = {"complaint_id": cid, "external_id": ext, "diagnosis": result}
        if status != "done":
            body["diagnosis_status"] = status
        out[str(cid)] = body
    return out


# --- reads ------------------------------------------------------------------------------------


def _complaint_json(r: ComplaintRecord) -> dict[str, Any]:
    def iso(v: datetime | None) -> str | None:
        return v.isoformat() if v is not None else None

    return {
        "external_id": r.external_id,
        "msisdn": r.msisdn_masked,
        "reported_at": iso(r.reported_at),
        "lat": r.lat,
        "lon": r.lon,
        "cell_id": r.cell_id,
        "symptom": r.symptom,
        "symptom_inferred": r.symptom_inferred,
        "occurred_from": iso(r.occurred_from),
        "occurred_to": iso(r.occurred_to),
        "description": r.description,
        "indoor": r.indoor,
        "floor": r.floor,
        "frequency": r.frequency,
        "neighbours_affected": r.neighbours_affected,
        "everywhere": r.everywhere,
        "channel": r.channel,
        "urgent": r.urgent,
    }


def get_complaint(conn: Conn, complaint_id: str) -> dict[str, Any]:
    """The diagnosis JSON of a complaint plus the complaint itself (MSISDN masked)."""
    row = conn.execute(SELECT_SQL + " WHERE complaint_id = %s", (complaint_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no complaint {complaint_id}")
    body = _bodies(conn, [complaint_id])[complaint_id]
    body["diagnosis_status"] = row[-1]
    body["complaint"] = _complaint_json(_from_row(row[:-1]))
    return body


@dataclass(frozen=True)
class ComplaintFilters:
    """Filters of GET /v1/complaints: reported between start and end, inside bbox, by cause."""

    start: datetime | None = None
    end: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    cause: str | None = None
    limit: int = 100
    cursor: str | None = None


def _cursor(reported_at: datetime, complaint_id: str) -> str:
    return base64.urlsafe_b64encode(f"{reported_at.isoformat()}|{complaint_id}".encode()).decode()


def _parse_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        at, _, cid = text.partition("|")
        return datetime.fromisoformat(at), cid
    except (ValueError, UnicodeDecodeError):
        raise InputError("cursor is not one this service returned", field="cursor") from None


def list_complaints(conn: Conn, filters: ComplaintFilters) -> dict[str, Any]:
    """A page of complaints with their diagnosis summary, oldest first; ``next_cursor`` pages on."""
    if filters.limit < 1 or filters.limit > 1000:
        raise InputError("limit must be between 1 and 1000", field="limit")
    where: list[str] = ["TRUE"]
    params: list[Any] = []
    if filters.start is not None:
        where.append("c.reported_at >= %s")
        params.append(filters.start)
    if filters.end is not None:
        where.append("c.reported_at < %s")
        params.append(filters.end)
    if filters.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = filters.bbox
        if not (min_lon <= max_lon and min_lat <= max_lat):
            raise InputError("bbox must be min_lon,min_lat,max_lon,max_lat", field="bbox")
        where.append("c.lat BETWEEN %s AND %s AND c.lon BETWEEN %s AND %s")
        params += [min_lat, max_lat, min_lon, max_lon]
    if filters.cause is not None:
        where.append("d.primary_cause = %s")
        params.append(filters.cause)
    if filters.cursor:
        at, cid = _parse_cursor(filters.cursor)
        where.append("(c.reported_at, c.complaint_id) > (%s, %s)")
        params += [at, cid]
    sql = (
        f"SELECT {', '.join('c.' + c for c in COLUMNS)}, c.diagnosis_status, d.primary_cause, "
        "d.attribution,"
        " d.confidence, d.mass_event_id, d.work_order_id"
        " FROM complaints c LEFT JOIN diagnoses d USING (complaint_id)"
        f" WHERE {' AND '.join(where)} ORDER BY c.reported_at, c.complaint_id LIMIT %s"
    )
    rows = conn.execute(sql.encode(), [*params, filters.limit + 1]).fetchall()
    items = []
    for row in rows[: filters.limit]:
        record = _from_row(row[: len(COLUMNS)])
        status, cause, attribution, confidence, mass, work_order = row[len(COLUMNS) :]
        items.append(
            {
                "complaint_id": record.complaint_id,
                **_complaint_json(record),
                "diagnosis_status": status,
                "primary_cause": cause,
                "attribution": attribution,
                "confidence": confidence,
                "mass_event_id": mass,
                "work_order_id": work_order,
            }
        )
    next_cursor = None
    if len(rows) > filters.limit and items:
        last = rows[filters.limit - 1]
        next_cursor = _cursor(last[COLUMNS.index("reported_at")], str(last[0]))
    return {"items": items, "next_cursor": next_cursor}


def records_of(conn: Conn, complaint_ids: Iterable[str]) -> list[ComplaintRecord]:
    rows = conn.execute(
        SELECT_SQL + " WHERE complaint_id = ANY(%s)", (list(complaint_ids),)
    ).fetchall()
    return [_from_row(r[:-1]) for r in rows]
