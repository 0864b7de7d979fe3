"""The warnings state table (migration 050): load, save, list, and the run bookmark."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from netcomplaint.errors import InputError, NotFoundError
from reports.settings import LEVELS
from storage.db import Conn, dict_cursor

_JSON_FIELDS = ("level_reasons", "evidence", "subscribers", "history")


@dataclass
class SurgeWarning:
    warning_id: str
    scope: str  # area | cell
    area_key: str  # h3 cell id | cell_id
    status: str  # active | cleared
    level: str
    started_at: datetime
    detected_at: datetime
    evaluated_at: datetime
    complaints: int
    window_complaints: int
    expected: float
    p_value: float
    peak_ratio: float
    vip_complaints: int = 0
    affected_users: int = 0
    lat: float | None = None
    lon: float | None = None
    cleared_at: datetime | None = None
    area_keys: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    degraded_cells: list[str] = field(default_factory=list)
    level_reasons: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    subscribers: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def make_id(scope: str, key: str, started_at: datetime) -> str:
        digest = hashlib.sha1(f"{scope}|{key}|{started_at.isoformat()}".encode()).hexdigest()
        return f"W-{digest[:16]}"


_COLUMNS = [f.name for f in fields(SurgeWarning)]

UPSERT_SQL = f"""
INSERT INTO surge_warnings ({", ".join(_COLUMNS)}, updated_at)
VALUES ({", ".join(f"%({c})s" for c in _COLUMNS)}, now())
ON CONFLICT (warning_id) DO UPDATE SET
{", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "warning_id")}, updated_at = now()
"""

SELECT_SQL = f"SELECT {', '.join(_COLUMNS)} FROM surge_warnings"


def _from_row(row: dict[str, Any]) -> SurgeWarning:
    return SurgeWarning(**{c: row[c] for c in _COLUMNS})


def save(conn: Conn, warnings: list[SurgeWarning]) -> None:
    """Upsert; cleared ones first so a key's new warning never collides with the old one."""
    ordered = sorted(warnings, key=lambda w: (w.status != "cleared", w.started_at))
    with conn.cursor() as cur:
        for warning in ordered:
            values = asdict(warning)
            for name in _JSON_FIELDS:
                values[name] = Jsonb(values[name])
            cur.execute(UPSERT_SQL, values)


def load_active(conn: Conn) -> list[SurgeWarning]:
    with dict_cursor(conn) as cur:
        rows = cur.execute(SELECT_SQL + " WHERE status = 'active' ORDER BY started_at").fetchall()
    return [_from_row(r) for r in rows]


def get(conn: Conn, warning_id: str) -> SurgeWarning:
    with dict_cursor(conn) as cur:
        row = cur.execute(SELECT_SQL + " WHERE warning_id = %s", (warning_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no warning {warning_id}")
    return _from_row(row)


def query(
    conn: Conn,
    *,
    levels: list[str] | None = None,
    min_level: str | None = None,
    active: bool | None = None,
    at: datetime | None = None,
    started_from: datetime | None = None,
    started_to: datetime | None = None,
    cleared_from: datetime | None = None,
    limit: int = 500,
) -> list[SurgeWarning]:
    """Warnings, most severe and most recent first. ``at``: those in force at that time."""
    for level in [*(levels or []), *([min_level] if min_level else [])]:
        if level not in LEVELS:
            raise InputError(f"level must be one of {', '.join(LEVELS)}", field="level")
    where: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    if levels:
        where.append("level = ANY(%(levels)s)")
        params["levels"] = levels
    if min_level:
        where.append("array_position(%(order)s::text[], level) >= %(min_rank)s")
        params["order"] = list(LEVELS)
        params["min_rank"] = LEVELS.index(min_level) + 1
    if active is not None:
        where.append("status = %(status)s")
        params["status"] = "active" if active else "cleared"
    if at is not None:
        where.append("detected_at <= %(at)s AND (cleared_at IS NULL OR cleared_at > %(at)s)")
        params["at"] = at
    if started_from is not None:
        where.append("started_at >= %(sfrom)s")
        params["sfrom"] = started_from
    if started_to is not None:
        where.append("started_at < %(sto)s")
        params["sto"] = started_to
    if cleared_from is not None:
        where.append("cleared_at >= %(cfrom)s")
        params["cfrom"] = cleared_from
    sql = SELECT_SQL + (" WHERE " + " AND ".join(where) if where else "")
    sql += (
        " ORDER BY (status = 'active') DESC,"
        " array_position(ARRAY['yellow','orange','red','black'], level) DESC,"
        " started_at DESC, warning_id LIMIT %(limit)s"
    )
    with dict_cursor(conn) as cur:
        rows = cur.execute(sql, params).fetchall()
    return [_from_row(r) for r in rows]


def last_step(conn: Conn) -> datetime | None:
    row = conn.execute("SELECT last_step_at FROM surge_warning_runs WHERE id = 1").fetchone()
    return row[0] if row else None


def set_last_step(conn: Conn, at: datetime) -> None:
    conn.execute(
        """INSERT INTO surge_warning_runs (id, last_step_at, ran_at) VALUES (1, %s, now())
           ON CONFLICT (id) DO UPDATE SET last_step_at = EXCLUDED.last_step_at, ran_at = now()""",
        (at,),
    )
