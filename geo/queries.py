"""The geo domain's reads from the database (SQL in ``geo/sql``), returned as plain arrays/dicts.

Positions are streamed with binary COPY and decoded by numpy in one step (a million complaints
is 26 MB and ~0.2 s), so no Python object is made per complaint.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
from psycopg.rows import dict_row

from geo.h3fast import CellArray
from geo.kpistate import summary_query
from storage.db import Conn

FloatArray = npt.NDArray[np.float64]
_POINT = np.dtype([("lat", ">f8"), ("lon", ">f8")])
_H3_CHARS = 15


@cache
def sql_text(name: str) -> str:
    return resources.files("geo").joinpath(f"sql/{name}.sql").read_text(encoding="utf-8")


def _blob(conn: Conn, name: str, params: dict[str, Any]) -> bytes:
    row = conn.execute(sql_text(name), params, binary=True).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def complaint_points(
    conn: Conn, start: datetime, end: datetime, cause: str | None
) -> tuple[FloatArray, FloatArray]:
    """(lat, lon) of the complaints of the period (cause-filtered when given)."""
    data = _blob(conn, "points", {"start": start, "end": end, "cause": cause})
    table = np.frombuffer(data, dtype=_POINT)
    return table["lat"].astype(np.float64), table["lon"].astype(np.float64)


@dataclass(frozen=True)
class MrGrid:
    """MR per grid cell (h3, any resolution) over ``first_day``–``last_day``: samples, and the
    sample-weighted sums of weak share and RSRP (NaN where unknown)."""

    cells: CellArray
    samples: FloatArray
    weak_sum: FloatArray
    rsrp_sum: FloatArray
    first_day: date | None
    last_day: date | None
    fallback: bool  # the period had no MR data: the whole MR history was used


_HEX = np.full(256, 255, dtype=np.uint8)
_HEX[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)


def hex_ids(text: bytes) -> tuple[CellArray, npt.NDArray[np.bool_]]:
    """15-character hex h3 ids, concatenated, as integers (and which ones were valid hex)."""
    digits = _HEX[np.frombuffer(text, dtype=np.uint8).reshape(-1, _H3_CHARS)]
    valid: npt.NDArray[np.bool_] = np.asarray((digits != 255).all(axis=1))
    values = np.zeros(len(digits), dtype=np.uint64)
    four = np.uint64(4)
    for k in range(_H3_CHARS):
        values = (values << four) | digits[:, k].astype(np.uint64)
    return values, valid


def _mr_query(conn: Conn, first: date, last: date) -> tuple[bytes, list[bytes]]:
    row = conn.execute(
        sql_text("mr_grid"), {"first_day": first, "last_day": last}, binary=True
    ).fetchone()
    if row is None:
        return b"", [b"", b"", b""]
    return str(row[0]).encode("ascii"), [bytes(v) for v in row[1:]]


_cache: dict[tuple[Any, ...], tuple[float, MrGrid]] = {}
_cache_lock = threading.Lock()
_key_locks: dict[tuple[Any, ...], threading.Lock] = {}


def mr_grid(conn: Conn, start: datetime, end: datetime, *, cache_s: float = 0.0) -> MrGrid:
    """MR per grid over the days of [start, end); all MR days when those have none.

    With ``cache_s`` > 0 the answer is kept that long per database and period (the map asks
    again on every pan; MR data changes daily), so new MR shows up after at most ``cache_s``.
    """
    info = conn.info
    key = (
        info.host,
        info.port,
        info.dbname,
        start.date(),
        (end - timedelta(microseconds=1)).date(),
    )
    if cache_s <= 0:
        return _load_mr(conn, start, end)
    with _cache_lock:
        lock = _key_locks.setdefault(key, threading.Lock())
    with lock:  # concurrent requests for the same period wait for one load
        now = time.monotonic()
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < cache_s:
            return hit[1]
        found = _load_mr(conn, start, end)
        with _cache_lock:
            for old in [k for k, (t, _) in _cache.items() if now - t >= cache_s]:
                del _cache[old]
                _key_locks.pop(old, None)
            _cache[key] = (time.monotonic(), found)
        return found


def _load_mr(conn: Conn, start: datetime, end: datetime) -> MrGrid:
    first, last = start.date(), (end - timedelta(microseconds=1)).date()
    ids, columns = _mr_query(conn, first, last)
    fallback = False
    if not ids:
        span = conn.execute(sql_text("mr_days")).fetchone()
        if span is not None and span[0] is not None:
            first, last = span[0], span[1]
            fallback = True
            ids, columns = _mr_query(conn, first, last)
    cells, valid = hex_ids(ids)
    samples, weak, rsrp = (np.frombuffer(c, dtype=">f8").astype(np.float64)[valid] for c in columns)
    cells = cells[valid]
    order = np.argsort(cells, kind="stable")
    return MrGrid(
        cells=cells[order],
        samples=samples[order],
        weak_sum=weak[order],
        rsrp_sum=rsrp[order],
        first_day=first if len(cells) else None,
        last_day=last if len(cells) else None,
        fallback=fallback,
    )


def mr_summary(conn: Conn, grids: list[str], first: date, last: date) -> list[dict[str, Any]]:
    """Sample-weighted coverage of the given grid ids (rows without data are absent)."""
    if not grids:
        return []
    params = {"grids": grids, "first_day": first, "last_day": last}
    return conn.cursor(row_factory=dict_row).execute(sql_text("mr_summary"), params).fetchall()


def hotspot_complaints(
    conn: Conn,
    boxes: list[tuple[float, float, float, float]],
    prev_start: datetime,
    start: datetime,
    end: datetime,
    cause: str | None,
) -> list[dict[str, Any]]:
    """Complaints of [prev_start, end) inside the boxes (min_lon, min_lat, max_lon, max_lat)."""
    if not boxes:
        return []
    params = {
        "min_lon": [b[0] for b in boxes],
        "min_lat": [b[1] for b in boxes],
        "max_lon": [b[2] for b in boxes],
        "max_lat": [b[3] for b in boxes],
        "prev_start": prev_start,
        "start": start,
        "end": end,
        "cause": cause,
    }
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for row in conn.cursor(row_factory=dict_row).execute(sql_text("hotspot_complaints"), params):
        if row["complaint_id"] not in seen:
            seen.add(row["complaint_id"])
            out.append(row)
    return out


def cell_kpis(
    conn: Conn, cells: list[str], start: datetime, end: datetime
) -> dict[str, dict[str, float | None]]:
    if not cells:
        return {}
    rows = conn.cursor(row_factory=dict_row).execute(
        summary_query(), {"cells": cells, "start": start, "end": end}
    )
    return {
        r["cell_id"]: {
            k: (float(v) if v is not None else None) for k, v in r.items() if k != "cell_id"
        }
        for r in rows
    }


def _box(box: tuple[float, float, float, float]) -> dict[str, float]:
    return {"min_lon": box[0], "min_lat": box[1], "max_lon": box[2], "max_lat": box[3]}


def areas_in_box(conn: Conn, box: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    return conn.cursor(row_factory=dict_row).execute(sql_text("areas_in_box"), _box(box)).fetchall()


def cells_in_box(conn: Conn, box: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    return conn.cursor(row_factory=dict_row).execute(sql_text("cells_in_box"), _box(box)).fetchall()
