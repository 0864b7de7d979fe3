"""Set-based SQL for KPI CSV files staged as text: validation, casts and the upsert into ``kpis``.

The file's fields are COPYed as text into a temp table ``_kpi_csv_stage (c0 … cN, _row)``;
``_row`` numbers the data rows in file order. Every check is an SQL expression giving the reason
a value is bad (or NULL), so bad rows are found with their row numbers in one scan, and the good
rows are cast and upserted in another, without a Python loop over the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from psycopg import sql

from kpi_ingest.kpis import DEFAULT_PERIOD_S, KPI_BY_NAME, KPI_NAMES

STAGE = "_kpi_csv_stage"
KEY = ("cell_id", "ts", "period_s")
NULL_TOKENS = ("", "NULL", "NA", "N/A", "NAN", "NONE", "-")
TIME_ONLY = r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"
# a date and a wall-clock time with nothing after it: no offset, read in the file's zone
WALL_CLOCK = r"^\S+[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"


def create_stage(n_fields: int) -> sql.Composed:
    fields = sql.SQL(", ").join(
        sql.SQL("{} text").format(sql.Identifier(f"c{i}")) for i in range(n_fields)
    )
    return sql.SQL(
        "CREATE TEMP TABLE {} ({}, _row bigint GENERATED ALWAYS AS IDENTITY (CACHE 10000)) "
        "ON COMMIT DROP"
    ).format(sql.Identifier(STAGE), fields)


def copy_stage(n_fields: int, delimiter: str, encoding: str = "UTF8") -> sql.Composed:
    fields = sql.SQL(", ").join(sql.Identifier(f"c{i}") for i in range(n_fields))
    return sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, DELIMITER {}, ENCODING {})").format(
        sql.Identifier(STAGE), fields, sql.Literal(delimiter), sql.Literal(encoding)
    )


@dataclass(frozen=True)
class StagedKpis:
    """SQL over the stage for one file: ``positions`` maps our column → field index.

    Three levels, each computed once per row (``OFFSET 0`` keeps PostgreSQL from inlining a
    level and evaluating its expressions again for every reference): normalised text per
    column, then the first error of the row, then the casts of the good rows.
    """

    positions: Mapping[str, int]
    day: date | None = None

    @property
    def kpis(self) -> list[str]:
        return [k for k in KPI_NAMES if k in self.positions]

    def _text(self, column: str) -> sql.Composable:
        index = self.positions.get(column)
        if index is None:
            return sql.SQL("NULL::text")
        field = sql.Identifier(f"c{index}")
        tokens = sql.SQL(", ").join(sql.Literal(t) for t in NULL_TOKENS)
        normal = sql.SQL(
            "(CASE WHEN upper(btrim({f})) IN ({t}) THEN NULL ELSE btrim({f}) END)"
        ).format(f=field, t=tokens)
        if column != "ts" or self.day is None:
            return normal
        return sql.SQL(
            "(CASE WHEN btrim({f}) ~ {p} THEN {d} || ' ' || btrim({f}) ELSE {n} END)"
        ).format(f=field, p=sql.Literal(TIME_ONLY), d=sql.Literal(self.day.isoformat()), n=normal)

    def _normalised(self, n_fields: int) -> sql.Composed:
        columns = ["ts", "cell_id", "period_s", *self.kpis]
        texts = sql.SQL(", ").join(
            sql.SQL("{} AS {}").format(self._text(c), sql.Identifier(c)) for c in columns
        )
        return sql.SQL("SELECT _row, {texts} FROM {stage} OFFSET 0").format(
            texts=texts, stage=sql.Identifier(STAGE)
        )

    def _checked(self, n_fields: int) -> sql.Composed:
        columns = ["ts", "cell_id", "period_s", *self.kpis]
        blank = sql.SQL(" AND ").join(
            sql.SQL("{} IS NULL").format(sql.Identifier(c)) for c in columns
        )
        return sql.SQL(
            "SELECT n.*, coalesce({checks}) AS _err, ({blank}) AS _blank FROM ({norm}) n OFFSET 0"
        ).format(
            checks=sql.SQL(", ").join(self._errors()), blank=blank, norm=self._normalised(n_fields)
        )

    def _errors(self) -> list[sql.Composable]:
        ts, period = sql.Identifier("ts"), sql.Identifier("period_s")
        no_date = "a time without a date: give the date with --date YYYY-MM-DD"
        checks: list[sql.Composable] = [
            sql.SQL(
                "'ts: ' || CASE WHEN {t} IS NULL THEN 'required value is empty' "
                "WHEN {t} ~ {time_only} THEN {no_date} "
                "WHEN NOT ({t} ~ '^\\d' AND pg_input_is_valid({t}, 'timestamptz')) "
                "THEN 'not an ISO 8601 timestamp: ' || quote_literal(left({t}, 40)) "
                "WHEN NOT isfinite(({t})::timestamptz) "
                "THEN 'not a finite timestamp: ' || quote_literal(left({t}, 40)) END"
            ).format(t=ts, time_only=sql.Literal(TIME_ONLY), no_date=sql.Literal(no_date)),
            sql.SQL("'cell_id: ' || CASE WHEN cell_id IS NULL THEN 'required value is empty' END"),
            sql.SQL(
                "'period_s: ' || CASE WHEN {p} IS NULL THEN NULL "
                "WHEN NOT pg_input_is_valid({p}, 'int4') OR ({p})::int4 <= 0 "
                "THEN 'not a positive whole number of seconds: ' "
                "|| quote_literal(left({p}, 40)) END"
            ).format(p=period),
        ]
        for name in self.kpis:
            kpi = KPI_BY_NAME[name]
            checks.append(
                sql.SQL(
                    "{n} || CASE WHEN {v} IS NULL THEN NULL "
                    "WHEN NOT pg_input_is_valid({v}, 'float8') "
                    "THEN 'not a number: ' || quote_literal(left({v}, 40)) "
                    "WHEN NOT ({v})::float8 BETWEEN {lo} AND {hi} "
                    "THEN 'out of range [' || {rng} || ']: ' || quote_literal(left({v}, 40)) END"
                ).format(
                    n=sql.Literal(f"{name}: "),
                    v=sql.Identifier(name),
                    lo=sql.Literal(kpi.low),
                    hi=sql.Literal(kpi.high),
                    rng=sql.Literal(f"{kpi.low:g}, {kpi.high:g}"),
                )
            )
        return checks

    def _typed(self) -> sql.Composed:
        parts: list[sql.Composable] = [
            sql.SQL("ts::timestamptz AS ts, cell_id"),
            sql.SQL("coalesce(period_s::int4, {}) AS period_s").format(
                sql.Literal(DEFAULT_PERIOD_S)
            ),
        ]
        parts += [sql.SQL("{k}::float8 AS {k}").format(k=sql.Identifier(k)) for k in self.kpis]
        return sql.SQL(", ").join(parts)

    def unfold_repeated_hour(self) -> sql.Composed:
        """Where the clocks go back, a wall-clock hour happens twice: a cell's two rows at the
        same wall-clock time are the two hours, the first in the file the earlier. PostgreSQL
        reads such a time as the later hour, so the first row's time is rewritten as its UTC
        instant, an hour before; a time given once stays the later hour (as the direct path
        reads it). Run on the stage in the file's zone (the session's TimeZone)."""
        ts = self._text("ts")
        return sql.SQL(
            "UPDATE {stage} s SET {field} = to_char((f.t::timestamptz - interval '1 hour') "
            "AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"') "
            "FROM (SELECT _row, t, row_number() OVER (PARTITION BY cell, period, t "
            "ORDER BY _row) AS k, count(*) OVER (PARTITION BY cell, period, t) AS n "
            "FROM (SELECT _row, {ts} AS t, {cell} AS cell, {period} AS period FROM {stage}) r "
            "WHERE t ~ {wall} AND pg_input_is_valid(t, 'timestamptz') "
            "AND (t::timestamptz - interval '1 hour')::timestamp = t::timestamptz::timestamp"
            ") f WHERE s._row = f._row AND f.k = 1 AND f.n > 1"
        ).format(
            stage=sql.Identifier(STAGE),
            field=sql.Identifier(f"c{self.positions['ts']}"),
            ts=ts,
            cell=self._text("cell_id"),
            period=self._text("period_s"),
            wall=sql.Literal(WALL_CLOCK),
        )

    def bad_rows(self, n_fields: int) -> sql.Composed:
        """(_row, 'field: reason') of every row that can't be loaded, in file order."""
        return sql.SQL(
            "SELECT _row, _err FROM ({checked}) e WHERE _err IS NOT NULL AND NOT _blank "
            "ORDER BY _row"
        ).format(checked=self._checked(n_fields))

    def _good(self, n_fields: int) -> sql.Composed:
        return sql.SQL(
            "SELECT _row, {typed} FROM ({checked}) e WHERE _err IS NULL AND NOT _blank"
        ).format(typed=self._typed(), checked=self._checked(n_fields))

    def superseded(self, n_fields: int) -> sql.Composed:
        """(_row, the later _row with the same key, whether its KPI values are the same) for
        good rows a later row replaces."""
        values = sql.SQL("ROW({})").format(_idents(self.kpis)) if self.kpis else sql.SQL("ROW(0)")
        return sql.SQL(
            "SELECT _row, winner, same FROM (SELECT _row, "
            "first_value(_row) OVER w AS winner, "
            "{values} IS NOT DISTINCT FROM first_value({values}) OVER w AS same "
            "FROM ({good}) g WINDOW w AS (PARTITION BY {key} ORDER BY _row DESC)) s "
            "WHERE _row <> winner ORDER BY _row"
        ).format(values=values, key=_idents(KEY), good=self._good(n_fields))

    def upsert(self, n_fields: int, *, dedupe: bool) -> sql.Composed:
        columns = ["ts", "cell_id", "period_s", *self.kpis]
        source = self._good(n_fields)
        if dedupe:
            source = sql.SQL(
                "SELECT DISTINCT ON ({key}) * FROM ({good}) g ORDER BY {key}, _row DESC"
            ).format(key=_idents(KEY), good=source)
        return sql.SQL(
            "INSERT INTO kpis AS t ({cols}) SELECT {cols} FROM ({src}) s {conflict}"
        ).format(cols=_idents(columns), src=source, conflict=on_conflict(self.kpis))


def on_conflict(kpis: Sequence[str]) -> sql.Composable:
    """Update the KPI columns the file has, and only when a value differs."""
    if not kpis:
        return sql.SQL("ON CONFLICT (cell_id, ts, period_s) DO NOTHING")
    sets = sql.SQL(", ").join(
        sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(k)) for k in kpis
    )
    current = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(k)) for k in kpis)
    incoming = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(k)) for k in kpis)
    return sql.SQL(
        "ON CONFLICT (cell_id, ts, period_s) DO UPDATE SET {} "
        "WHERE ROW({}) IS DISTINCT FROM ROW({})"
    ).format(sets, current, incoming)


def direct_copy(
    columns: Sequence[str | None], delimiter: str, encoding: str = "UTF8"
) -> sql.Composed:
    """COPY straight into ``kpis`` (the fast path for clean files in our layout).

    The WHERE clause drops rows a check would reject; the caller compares the row count with
    the file's and, if rows were dropped, rolls back and takes the staged path for the reasons.
    """
    named = [c for c in columns if c is not None]
    checks: list[sql.Composable] = [
        sql.SQL(
            "isfinite(ts) AND ts <> now() AND ts > '1980-01-01' AND cell_id <> '' "
            "AND cell_id = btrim(cell_id) AND period_s > 0"
        )
    ]
    for name in named:
        if name in KPI_BY_NAME:
            kpi = KPI_BY_NAME[name]
            checks.append(
                sql.SQL("({c} IS NULL OR {c} BETWEEN {lo} AND {hi})").format(
                    c=sql.Identifier(name), lo=sql.Literal(kpi.low), hi=sql.Literal(kpi.high)
                )
            )
    return sql.SQL(
        "COPY kpis ({}) FROM STDIN (FORMAT csv, DELIMITER {}, ENCODING {}) WHERE {}"
    ).format(
        _idents(named),
        sql.Literal(delimiter),
        sql.Literal(encoding),
        sql.SQL(" AND ").join(checks),
    )


def _idents(names: Sequence[str]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)
