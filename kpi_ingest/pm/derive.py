"""Canonical KPIs from stored raw PM counters, through the configured formulas.

Used right after a PM file is stored (for the cells and periods it touched) and by
``netcomplaint ingest recompute-kpis`` after a formula change. Rows are streamed from a
server-side cursor grouped by (cell, period), so memory does not grow with the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg import sql

from kpi_ingest.formulas import FormulaSet, resolve_plan
from kpi_ingest.kpis import KPI_BY_NAME, out_of_range
from kpi_ingest.settings import SuspectMode
from kpi_ingest.stats import refresh_if_stale
from storage.db import Conn

_BATCH = 5000
# a bin named BinX (28.552), or by its bare index (Huawei: L.ChMeas.CQI.DL.0 … .15)
_BIN = re.compile(r"(?:Bin)?(\d+)(?:\.|$)")
Plan = tuple[tuple[str, int | None, tuple[int, ...]], ...]

_ROWS = """
SELECT c.cell_id, c.ts, c.period_s, c.set_id, c.vals, c.arrays, c.suspect
FROM pm_counters c
JOIN {keys} k ON c.cell_id = k.cell_id AND c.ts = k.ts AND c.period_s = k.period_s
WHERE %(suspect)s <> 'skip' OR NOT c.suspect
ORDER BY c.cell_id, c.ts, c.period_s
"""


class _Env:
    __slots__ = ("arrays", "exact", "parts", "period_s")

    def __init__(self, period_s: int) -> None:
        self.period_s = period_s
        self.exact: dict[str, float] = {}
        self.parts: dict[str, dict[str, float]] = {}
        self.arrays: dict[str, list[float]] = {}

    def value(self, name: str) -> float | None:
        found = self.exact.get(name)
        if found is not None:
            return found
        parts = self.parts.get(name)
        return sum(parts.values()) if parts else None

    def pdf(self, name: str) -> Sequence[float] | None:
        """The array counter, or the distribution reported one counter per bin, as TS 28.552
        names them: ``NAME.BinX`` or ``NAME.BinX.BinY.BinZ`` (X the value's index, e.g. the
        CQI; the counts of the other indices are summed into X's bin), or as vendors do,
        ``NAME.X``."""
        found = self.arrays.get(name)
        if found is not None:
            return found
        bins: dict[int, float] = {}
        for counter, count in (self.parts.get(name) or {}).items():
            index = _BIN.match(counter, len(name) + 1)
            if index is not None:
                x = int(index.group(1))
                bins[x] = bins.get(x, 0.0) + count
        if not bins:
            return None
        out = [0.0] * (max(bins) + 1)
        for x, count in bins.items():
            out[x] = count
        return out


@dataclass
class DeriveResult:
    kpi_rows: int = 0
    out_of_range: int = 0
    examples: list[str] = field(default_factory=list)
    filled: set[str] = field(default_factory=set)  # KPIs some formula gave a value
    unused: set[str] = field(default_factory=set)  # reported counters no formula reads


@dataclass
class Deriver:
    conn: Conn
    formulas: FormulaSet
    suspect: SuspectMode
    _plans: dict[str, Plan] = field(default_factory=dict)
    _names: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def derive(self, keys_table: str) -> DeriveResult:
        """Recompute ``kpis`` for the (cell_id, ts, period_s) keys in the temp table named."""
        result = DeriveResult()
        columns = list(self.formulas.kpis)
        if not columns:
            return result
        stage = sql.Identifier("_pm_kpi_stage")
        self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(stage))
        self.conn.execute(
            sql.SQL(
                "CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT ts, cell_id, period_s, {} "
                "FROM kpis WITH NO DATA"
            ).format(stage, _idents(columns))
        )
        self.conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(keys_table)))
        query = sql.SQL(_ROWS).format(keys=sql.Identifier(keys_table))
        copy_sql = sql.SQL("COPY {} (ts, cell_id, period_s, {}) FROM STDIN").format(
            stage, _idents(columns)
        )
        batch: list[tuple[Any, ...]] = []
        # the server-side cursor can't FETCH while a COPY is open: write in batches between
        with self.conn.cursor(name="nc_pm_derive") as rows:
            rows.itersize = _BATCH
            rows.execute(query, {"suspect": self.suspect})
            for cell_id, ts, period_s, env in self._groups(rows):
                values = self._evaluate(env, cell_id, ts, result)
                result.filled.update(k for k, v in values.items() if v is not None)
                batch.append((ts, cell_id, period_s, *(values[c] for c in columns)))
                if len(batch) >= _BATCH:
                    self._write(copy_sql, batch)
        self._write(copy_sql, batch)
        self.conn.execute(sql.SQL("ANALYZE {}").format(stage))
        result.kpi_rows = self._upsert(stage, columns)
        for set_id, plan in self._plans.items():
            read = {i for _, _, subs in plan for i in subs}
            read |= {index for _, index, _ in plan if index is not None}
            names = self._names[set_id]
            result.unused.update(n for i, n in enumerate(names) if i not in read)
        return result

    def _groups(self, rows: Iterable[Any]) -> Iterator[tuple[str, datetime, int, _Env]]:
        key: tuple[str, datetime, int] | None = None
        env = _Env(0)
        wanted = self.formulas.counters
        downtime = self._downtime_counters() if self.suspect == "downtime" else frozenset()
        for cell_id, ts, period_s, set_id, vals, arrays, suspect in rows:
            if (cell_id, ts, period_s) != key:
                if key is not None:
                    yield (*key, env)
                key, env = (cell_id, ts, period_s), _Env(period_s)
            plan = self._plans.get(set_id)
            if plan is None:
                plan = self._plan(set_id)
            if suspect and self.suspect == "downtime":
                plan = tuple(step for step in plan if step[0] in downtime)
                arrays = None
            for name, index, subs in plan:
                if index is not None and vals[index] is not None:
                    env.exact[name] = vals[index]
                for i in subs:
                    if vals[i] is not None:
                        env.parts.setdefault(name, {})[self._names[set_id][i]] = vals[i]
            if arrays:
                env.arrays.update((k, v) for k, v in arrays.items() if k in wanted)
        if key is not None:
            yield (*key, env)

    def _downtime_counters(self) -> frozenset[str]:
        """The counters of the availability formulas: what a suspect period still measures."""
        formulas = self.formulas.kpis.get("availability_pct", ())
        return frozenset(name for f in formulas for name in f.counters)

    def _write(self, copy_sql: sql.Composed, batch: list[tuple[Any, ...]]) -> None:
        if batch:
            with self.conn.cursor().copy(copy_sql) as copy:
                for row in batch:
                    copy.write_row(row)
            batch.clear()

    def _plan(self, set_id: str) -> Plan:
        row = self.conn.execute(
            "SELECT counters FROM pm_counter_sets WHERE set_id = %s", (set_id,)
        ).fetchone()
        names: tuple[str, ...] = tuple(row[0]) if row else ()
        self._names[set_id] = names
        plan = resolve_plan(names, self.formulas.counters)
        self._plans[set_id] = plan
        return plan

    def _evaluate(
        self, env: _Env, cell_id: str, ts: datetime, result: DeriveResult
    ) -> dict[str, float | None]:
        reported = env.exact.keys() | env.parts.keys() | env.arrays.keys()
        values = self.formulas.evaluate(env, reported)
        for name, value in values.items():
            if value is not None and out_of_range(KPI_BY_NAME[name], value):
                values[name] = None
                result.out_of_range += 1
                if len(result.examples) < 3:
                    result.examples.append(
                        f"{name} = {value:.6g} for cell {cell_id} at {ts.isoformat()}"
                    )
        return values

    def _upsert(self, stage: sql.Identifier, columns: list[str]) -> int:
        cols = _idents(columns)
        any_s = sql.SQL(" OR ").join(
            sql.SQL("s.{} IS NOT NULL").format(sql.Identifier(c)) for c in columns
        )
        any_value = sql.SQL(" OR ").join(
            sql.SQL("{} IS NOT NULL").format(sql.Identifier(c)) for c in columns
        )
        sets = sql.SQL(", ").join(
            sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in columns
        )
        current = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in columns)
        incoming = sql.SQL(", ").join(
            sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in columns
        )
        inserted = self.conn.execute(
            sql.SQL(
                "INSERT INTO kpis AS t (ts, cell_id, period_s, {cols}) "
                "SELECT ts, cell_id, period_s, {cols} FROM {stage} WHERE {any} "
                "ON CONFLICT (cell_id, ts, period_s) DO UPDATE SET {sets} "
                "WHERE ROW({current}) IS DISTINCT FROM ROW({incoming})"
            ).format(
                cols=cols, stage=stage, any=any_value, sets=sets, current=current, incoming=incoming
            )
        ).rowcount
        # periods where no formula gives a value any more: clear what an older formula stored
        cleared = self.conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE NOT ({})").format(stage, any_value)
        ).fetchone()
        if cleared and cleared[0]:
            refresh_if_stale(self.conn, "kpis", max(inserted, 0))
            nulls = sql.SQL(", ").join(
                sql.SQL("{} = NULL").format(sql.Identifier(c)) for c in columns
            )
            self.conn.execute(
                sql.SQL(
                    "UPDATE kpis t SET {nulls} FROM {stage} s WHERE s.cell_id = t.cell_id "
                    "AND s.ts = t.ts AND s.period_s = t.period_s AND NOT ({any})"
                ).format(nulls=nulls, stage=stage, any=any_s)
            )
        return max(inserted, 0)


def _idents(names: Sequence[str]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)
