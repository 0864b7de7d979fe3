"""Bulk loading: COPY into a staging table, then one set-based upsert into the target.

Idempotency has two layers: a file whose bytes were loaded before (``ingested_files``, by
SHA-256) is skipped whole, and rows are upserted on their natural key, so a changed file only
changes what changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from psycopg import sql

from storage.db import Conn


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def already_loaded(conn: Conn, kind: str, sha256: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM ingested_files WHERE kind = %s AND sha256 = %s", (kind, sha256)
    ).fetchone()
    return row is not None


def record_loaded(conn: Conn, kind: str, sha256: str, path: Path, rows: int) -> None:
    conn.execute(
        """INSERT INTO ingested_files (kind, sha256, path, rows_loaded) VALUES (%s, %s, %s, %s)
           ON CONFLICT (kind, sha256) DO NOTHING""",
        (kind, sha256, str(path), rows),
    )


def copy_upsert(
    conn: Conn,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    key: Sequence[str],
    *,
    update: bool = True,
) -> int:
    """Load ``rows`` (tuples in ``columns`` order) into ``table``; return rows inserted or changed.

    Within one batch the last row for a key wins. With ``update`` a key that exists is updated
    only when a value differs, so re-loading the same data reports 0.
    """
    stage = sql.Identifier(f"_stage_{table}")
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    keys = sql.SQL(", ").join(sql.Identifier(c) for c in key)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(stage))
    conn.execute(
        sql.SQL(
            "CREATE TEMP TABLE {} ON COMMIT DROP AS"
            " SELECT {}, 0::bigint AS _seq FROM {} WITH NO DATA"
        ).format(stage, cols, sql.Identifier(table))
    )
    with conn.cursor().copy(sql.SQL("COPY {} ({}, _seq) FROM STDIN").format(stage, cols)) as copy:
        for seq, row in enumerate(rows):
            copy.write_row((*row, seq))
    others = [c for c in columns if c not in key]
    conflict: sql.Composable
    if update and others:
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in others
        )
        current = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in others)
        incoming = sql.SQL(", ").join(
            sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in others
        )
        conflict = sql.SQL("DO UPDATE SET {} WHERE ({}) IS DISTINCT FROM ({})").format(
            assignments, current, incoming
        )
    else:
        conflict = sql.SQL("DO NOTHING")
    result = conn.execute(
        sql.SQL(
            "INSERT INTO {table} AS t ({cols}) SELECT {cols} FROM ("
            " SELECT DISTINCT ON ({keys}) * FROM {stage} ORDER BY {keys}, _seq DESC) s"
            " ON CONFLICT ({keys}) {conflict}"
        ).format(table=sql.Identifier(table), cols=cols, keys=keys, stage=stage, conflict=conflict)
    )
    conn.execute(sql.SQL("DROP TABLE {}").format(stage))
    return max(result.rowcount, 0)
