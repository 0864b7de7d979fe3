"""Storing MR samples and keeping the coverage grid (``mr_grid``) up to date.

Samples go straight into ``mr_samples`` by binary COPY, chunk by chunk; the (grid, day) keys a
file touched are collected in a temp table, and ``mr_grid`` is recomputed set-based for exactly
those keys from every stored sample (so a second file on the same day and place is merged, and
re-running changes nothing). Days are UTC days. Per grid cell and day there is one row per
serving cell and one with ``cell_id = ''`` over all samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from psycopg import sql

from kpi_ingest.csvsource import FileReport
from kpi_ingest.mr import FloatArray, MrChunk, MrOptions, read_mr
from kpi_ingest.stats import refresh_if_stale
from storage.db import Conn

_SAMPLE_COLUMNS = "ts, lat, lon, rsrp_dbm, rsrq_db, sinr_db, cell_id, source, grid_id"
# timestamptz and timestamp share the binary format (microseconds since 2000-01-01 UTC):
# naive UTC datetimes are sent as "timestamp" into the timestamptz column.
_SAMPLE_TYPES = [
    "timestamp",
    "float8",
    "float8",
    "float8",
    "float8",
    "float8",
    "text",
    "text",
    "text",
]

REGRID = """
INSERT INTO mr_grid AS g (grid_id, cell_id, day, samples, rsrp_mean, rsrp_p10, rsrp_p50,
                          rsrp_p90, weak_share, sinr_mean, poor_sinr_share)
SELECT grid_id, cell, day, n, mean, p[1], p[2], p[3], weak, sinr, poor FROM (
    SELECT s.grid_id, CASE WHEN GROUPING(s.cell_id) = 1 THEN '' ELSE s.cell_id END AS cell,
           s.day, count(*) AS n, avg(s.rsrp_dbm) AS mean,
           percentile_cont(ARRAY[0.1, 0.5, 0.9]) WITHIN GROUP (ORDER BY s.rsrp_dbm) AS p,
           avg((s.rsrp_dbm < %(weak)s)::int)::float8 AS weak,
           avg(s.sinr_db) AS sinr,
           avg((s.sinr_db < %(poor)s)::int)::float8 AS poor
    FROM (
        SELECT m.grid_id, m.cell_id, k.day, m.rsrp_dbm, m.sinr_db
        FROM (SELECT DISTINCT grid_id, day FROM {keys}) k
        JOIN mr_samples m ON m.grid_id = k.grid_id
         AND m.ts >= k.day::timestamp AT TIME ZONE 'UTC'
         AND m.ts < (k.day + 1)::timestamp AT TIME ZONE 'UTC'
    ) s
    GROUP BY GROUPING SETS ((s.grid_id, s.day), (s.grid_id, s.day, s.cell_id))
    HAVING GROUPING(s.cell_id) = 1 OR s.cell_id IS NOT NULL
) a
ON CONFLICT (grid_id, cell_id, day) DO UPDATE SET
    samples = EXCLUDED.samples, rsrp_mean = EXCLUDED.rsrp_mean, rsrp_p10 = EXCLUDED.rsrp_p10,
    rsrp_p50 = EXCLUDED.rsrp_p50, rsrp_p90 = EXCLUDED.rsrp_p90,
    weak_share = EXCLUDED.weak_share, sinr_mean = EXCLUDED.sinr_mean,
    poor_sinr_share = EXCLUDED.poor_sinr_share
"""


@dataclass(frozen=True)
class GridThresholds:
    weak_rsrp_dbm: float
    poor_sinr_db: float


def load_mr_file(
    conn: Conn, path: Path, report: FileReport, options: MrOptions, thresholds: GridThresholds
) -> int:
    """Store one file's samples and regrid what it touched; return the samples stored."""
    conn.execute("DROP TABLE IF EXISTS _mr_keys")
    conn.execute("CREATE TEMP TABLE _mr_keys (grid_id text, day date) ON COMMIT DROP")
    stored = 0
    for chunk in read_mr(path, report, options):
        _write_samples(conn, chunk)
        _write_keys(conn, chunk)
        stored += len(chunk)
    if stored:
        refresh_if_stale(conn, "mr_samples", stored)
        regrid(conn, "_mr_keys", thresholds)
    return stored


def _write_samples(conn: Conn, chunk: MrChunk) -> None:
    ts = chunk.ts.tolist()
    rsrq = _nullable(chunk.rsrq)
    sinr = _nullable(chunk.sinr)
    rows = zip(
        ts,
        chunk.lat.tolist(),
        chunk.lon.tolist(),
        chunk.rsrp.tolist(),
        rsrq,
        sinr,
        chunk.cell_id,
        chunk.source,
        chunk.grid,
        strict=True,
    )
    with conn.cursor().copy(
        f"COPY mr_samples ({_SAMPLE_COLUMNS}) FROM STDIN (FORMAT BINARY)".encode()
    ) as copy:
        copy.set_types(_SAMPLE_TYPES)
        for row in rows:
            copy.write_row(row)


def _nullable(values: FloatArray) -> list[float | None]:
    out: list[float | None] = values.tolist()
    if np.isnan(values).any():
        out = [None if v != v else v for v in out]
    return out


def _write_keys(conn: Conn, chunk: MrChunk) -> None:
    days = chunk.ts.astype("datetime64[D]")
    keys = sorted(set(zip(chunk.grid, days.tolist(), strict=True)))
    with conn.cursor().copy(b"COPY _mr_keys (grid_id, day) FROM STDIN") as copy:
        for key in keys:
            copy.write_row(key)


def regrid(conn: Conn, keys_table: str, thresholds: GridThresholds) -> int:
    """Recompute ``mr_grid`` for the (grid_id, day) pairs in ``keys_table``; rows written."""
    # temp tables have no statistics: without them the planner scans all of mr_samples
    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(keys_table)))
    conn.execute("SELECT set_config('work_mem', '256MB', true)")  # the percentile sort
    statement = sql.SQL(REGRID).format(keys=sql.Identifier(keys_table))
    result = conn.execute(
        statement, {"weak": thresholds.weak_rsrp_dbm, "poor": thresholds.poor_sinr_db}
    )
    return max(result.rowcount, 0)


def regrid_all(conn: Conn, thresholds: GridThresholds) -> int:
    """Recompute the whole grid (after a threshold change): every stored (grid, day)."""
    conn.execute("DROP TABLE IF EXISTS _mr_all_keys")
    conn.execute(
        "CREATE TEMP TABLE _mr_all_keys ON COMMIT DROP AS SELECT DISTINCT grid_id, "
        "(ts AT TIME ZONE 'UTC')::date AS day FROM mr_samples"
    )
    return regrid(conn, "_mr_all_keys", thresholds)
