"""Loading one KPI CSV file (contract layout, or foreign names via ``--columns``).

Three ways in, fastest first; each falls back to the next inside a savepoint:

1. **direct**: the header maps onto ``kpis`` columns exactly (no extra columns, no ``--date``):
   the file's bytes are COPYed straight into ``kpis`` with a WHERE clause that drops bad rows.
   When the row count matches the file's, done — as fast as COPY itself.
2. **staged**: the bytes are COPYed as text into a temp table; validation, ``--tz``/``--date``,
   casts, duplicate keys and the upsert are set-based SQL (kpi_csv_sql); bad rows are reported
   with their line and field.
3. **python**: when PostgreSQL can't read the file as CSV (a row with too many fields, a blank
   line inside, bad UTF-8) or is older than 16, the shared csvsource reader parses it row by row
   and reports every bad line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import IO, Any, Literal

import psycopg

from kpi_ingest import kpi_csv_sql as q
from kpi_ingest.compressed import GZIP_MAGIC, open_binary
from kpi_ingest.csvsource import Column, FileReport, read_rows, resolve_header
from kpi_ingest.encodings import POSTGRES_NAMES, UTF8, not_text, sniff_encoding
from kpi_ingest.kpis import CANONICAL_KPIS, DEFAULT_PERIOD_S, KPI_NAMES, Kpi, out_of_range
from kpi_ingest.loader import copy_upsert
from kpi_ingest.values import (
    observes_dst,
    parse_float,
    parse_int,
    repeated_wall_time,
    text,
    timestamp_parser,
)
from netcomplaint.errors import FileFormatError
from storage.db import Conn

Way = Literal["auto", "staged", "python"]
_CHUNK = 1 << 20
_TIME_ONLY = re.compile(q.TIME_ONLY)


class _Fallback(Exception):
    """The faster way could not take this file; try the next one."""


@dataclass
class KpiCsvOptions:
    rename: dict[str, str]
    zone_name: str
    zone: tzinfo
    day: date | None = None
    force: Way = "auto"
    paths_used: dict[str, int] = field(default_factory=dict)  # for tests and the benchmark


def _kpi_parser(kpi: Kpi) -> Callable[[str], float | None]:
    def parse(raw: str) -> float | None:
        if raw == "-":
            return None
        value = parse_float(raw)
        if out_of_range(kpi, value):
            raise ValueError(f"out of range [{kpi.low:g}, {kpi.high:g}]: {raw!r}")
        return value

    return parse


def _period(raw: str) -> int:
    value = parse_int(raw)
    if value <= 0:
        raise ValueError(f"not a positive whole number of seconds: {raw!r}")
    return value


def columns(zone: tzinfo, day: date | None) -> list[Column]:
    iso = timestamp_parser(zone)

    def ts(raw: str) -> datetime:
        if _TIME_ONLY.match(raw):
            if day is None:
                raise ValueError("a time without a date: give the date with --date YYYY-MM-DD")
            hour, _, rest = raw.strip().partition(":")
            raw = f"{day.isoformat()} {int(hour):02d}:{rest}"
        return iso(raw)

    return [
        Column("ts", ts),
        Column("cell_id", text),
        Column("period_s", _period, required=False, default=DEFAULT_PERIOD_S),
        *(Column(k.name, _kpi_parser(k), required=False) for k in CANONICAL_KPIS),
    ]


def parse_header_line(path: Path, raw: bytes, encoding: str = UTF8) -> tuple[list[str], str]:
    try:
        line = raw.decode(encoding).rstrip("\r\n")
    except UnicodeDecodeError:
        raise FileFormatError(f"{path}: {not_text(encoding)}") from None
    if not line.strip():
        raise FileFormatError(f"{path}: empty file (a CSV needs a header row)")
    if "\x00" in line:
        raise FileFormatError(f"{path}: not a text CSV file (binary content)")
    try:
        delimiter = csv.Sniffer().sniff(line, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    return next(csv.reader([line], delimiter=delimiter)), delimiter


def _stream(handle: IO[bytes], newline: bytes) -> Iterator[bytes]:
    """The rest of the file in chunks, trailing blank lines dropped (COPY rejects them).

    COPY also rejects mixed line endings, so the last line ends like the header did.
    """
    held = b""
    while chunk := handle.read(_CHUNK):
        if held:
            yield held
        held = chunk
    held = held.rstrip(b"\r\n\t ")
    if held:
        yield held + newline


def load_kpi_csv(conn: Conn, path: Path, report: FileReport, options: KpiCsvOptions) -> int:
    """Load one KPI CSV inside the caller's transaction; return the rows inserted or changed."""
    conn.execute(
        "SELECT set_config('TimeZone', %s, true), set_config('DateStyle', 'ISO, YMD', true)",
        (options.zone_name,),
    )
    encoding = sniff_encoding(path)
    with open_binary(path) as handle:
        header, delimiter = parse_header_line(path, handle.readline(), encoding)
    positions = resolve_header(path, header, columns(options.zone, options.day), options.rename)
    if not positions.keys() & set(KPI_NAMES):
        # rows of a time and a cell and no value would load as empty KPI rows, said nowhere
        raise FileFormatError(
            f"{path}: no KPI column; header has {', '.join(h.strip() for h in header[:12])}"
            f"{'…' if len(header) > 12 else ''}: expected any of {', '.join(KPI_NAMES)} "
            "(map foreign names with --columns SRC=dst)"
        )
    modern = conn.info.server_version >= 160000
    ways: list[tuple[str, Callable[[], int]]] = []
    mapped = [_column_of(name, options.rename) for name in (h.strip() for h in header)]
    direct_ok = (
        options.day is None
        and all(c is not None for c in mapped)
        and len(set(mapped)) == len(mapped)
    )
    if options.force == "auto" and direct_ok:
        ways.append(("direct", lambda: _direct(conn, path, report, mapped, delimiter, encoding)))
    if options.force in ("auto", "staged") and modern:
        ways.append(
            (
                "staged",
                lambda: _staged(
                    conn,
                    path,
                    report,
                    positions,
                    len(header),
                    delimiter,
                    encoding,
                    options.day,
                    observes_dst(options.zone),
                ),
            )
        )
    ways.append(("python", lambda: _python(conn, path, report, options, positions)))
    for name, way in ways:
        try:
            with conn.transaction():
                loaded = way()
        except _Fallback:
            continue
        options.paths_used[name] = options.paths_used.get(name, 0) + 1
        report.errors.sort(key=lambda error: error.line)
        return loaded
    raise AssertionError("the python way never falls back")


def _column_of(header: str, rename: dict[str, str]) -> str | None:
    ours = rename.get(header, header if header not in rename.values() else None)
    return ours if ours in ("ts", "cell_id", "period_s", *KPI_NAMES) else None


def _direct(
    conn: Conn,
    path: Path,
    report: FileReport,
    mapped: list[str | None],
    delimiter: str,
    encoding: str,
) -> int:
    lines = 0
    try:
        with open_binary(path) as handle, conn.cursor() as cur:
            newline = b"\r\n" if handle.readline().endswith(b"\r\n") else b"\n"
            with cur.copy(q.direct_copy(mapped, delimiter, POSTGRES_NAMES[encoding])) as copy:
                for chunk in _stream(handle, newline):
                    lines += chunk.count(b"\n")
                    copy.write(chunk)
            loaded = cur.rowcount
    except (psycopg.DataError, psycopg.IntegrityError, psycopg.NotSupportedError):
        raise _Fallback from None  # bad value, key already there, COPY … WHERE unsupported
    if loaded != lines:  # a row was dropped by a check, or a quoted field spans lines
        raise _Fallback
    report.rows_read += lines
    return loaded


def _staged(
    conn: Conn,
    path: Path,
    report: FileReport,
    positions: dict[str, int],
    n_fields: int,
    delimiter: str,
    encoding: str,
    day: date | None,
    unfold: bool,
) -> int:
    conn.execute(q.create_stage(n_fields))
    lines = 0
    try:
        with open_binary(path) as handle, conn.cursor() as cur:
            newline = b"\r\n" if handle.readline().endswith(b"\r\n") else b"\n"
            with cur.copy(q.copy_stage(n_fields, delimiter, POSTGRES_NAMES[encoding])) as copy:
                for chunk in _stream(handle, newline):
                    lines += chunk.count(b"\n")
                    copy.write(chunk)
            staged = cur.rowcount
    except psycopg.errors.DataError:
        raise _Fallback from None
    report.rows_read += staged
    plan = q.StagedKpis(positions, day)
    bad = conn.execute(plan.bad_rows(n_fields)).fetchall()
    line_of = _line_mapper(
        path, delimiter, encoding, [int(r[0]) for r in bad], exact=lines == staged
    )
    for row, err in bad:
        column, _, reason = str(err).partition(": ")
        report.reject_row(line_of(int(row)), column, reason)
    for unfolded in (False, True) if unfold else (False,):
        if unfolded:  # the same key twice may be the hour the clocks go back
            conn.execute(plan.unfold_repeated_hour())
        try:
            with conn.transaction():
                return max(conn.execute(plan.upsert(n_fields, dedupe=False)).rowcount, 0)
        except psycopg.errors.CardinalityViolation:
            pass  # the same key twice in the file: the later row wins, the earlier is reported
    replaced = conn.execute(plan.superseded(n_fields)).fetchall()
    line_of = _line_mapper(
        path,
        delimiter,
        encoding,
        [int(r[0]) for r in replaced if not r[2]] + [int(r[1]) for r in replaced if not r[2]],
        exact=lines == staged,
    )
    for row, winner, same in replaced:
        if same:  # a row delivered twice: nothing to tell but the count
            report.repeated += 1
            continue
        report.reject_row(
            line_of(int(row)),
            None,
            f"superseded by line {line_of(int(winner))} (same cell_id, ts, period_s; other values)",
        )
    return max(conn.execute(plan.upsert(n_fields, dedupe=True)).rowcount, 0)


def _line_mapper(
    path: Path, delimiter: str, encoding: str, rows: list[int], *, exact: bool
) -> Callable[[int], int]:
    """Data row number (1-based, as staged) → line in the file (the header is line 1)."""
    if exact or not rows:
        return lambda row: row + 1
    wanted, lines, count = set(rows), {}, 0
    with open_binary(path) as handle:
        text_in = io.TextIOWrapper(handle, encoding=encoding, newline="")
        reader = csv.reader(text_in, delimiter=delimiter)
        next(reader, None)
        for _ in reader:
            count += 1
            if count in wanted:
                lines[count] = reader.line_num
    return lambda row: lines.get(row, row + 1)


def _python(
    conn: Conn, path: Path, report: FileReport, options: KpiCsvOptions, positions: dict[str, int]
) -> int:
    with path.open("rb") as probe:
        if probe.read(2) == GZIP_MAGIC:
            raise FileFormatError(f"{path}: a gzip file that is not readable as CSV")
    cols = columns(options.zone, options.day)
    kept = ["ts", "cell_id", "period_s", *(k for k in KPI_NAMES if k in positions)]
    seen: dict[tuple[Any, ...], int] = {}
    rows: dict[tuple[Any, ...], list[Any]] = {}
    twice = _RepeatedHour(options.zone)
    for line, values in read_rows(path, cols, report, options.rename):
        values["ts"] = twice.unfold(values, seen, rows)
        key = (values["cell_id"], values["ts"].astimezone(UTC), values["period_s"])
        row = [values[c] for c in kept]
        if key in seen and rows[key] == row:
            report.repeated += 1  # a row delivered twice
        elif key in seen:
            report.reject_row(
                seen[key],
                None,
                f"superseded by line {line} (same cell_id, ts, period_s; other values)",
            )
        seen[key] = line
        rows[key] = row
    return copy_upsert(conn, "kpis", kept, rows.values(), list(q.KEY))


class _RepeatedHour:
    """The Python way's reading of the wall-clock hour the clocks go back, as the staged way's
    (``kpi_csv_sql.StagedKpis.unfold_repeated_hour``): a time given once is the later hour; a
    cell's second row at that time is the later hour and moves its first row to the earlier."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.count: dict[tuple[Any, ...], int] = {}

    def unfold(
        self,
        values: dict[str, Any],
        seen: dict[tuple[Any, ...], int],
        rows: dict[tuple[Any, ...], list[Any]],
    ) -> datetime:
        ts: datetime = values["ts"]
        if ts.tzinfo is not self.zone or not repeated_wall_time(ts):
            return ts
        wall = (values["cell_id"], ts.replace(tzinfo=None), values["period_s"])
        self.count[wall] = count = self.count.get(wall, 0) + 1
        later = ts.replace(fold=1)
        if count == 2:  # the first row was the earlier hour
            first = (values["cell_id"], later.astimezone(UTC), values["period_s"])
            earlier = ts.replace(fold=0)
            moved = (values["cell_id"], earlier.astimezone(UTC), values["period_s"])
            if first in rows and moved not in rows:
                rows[moved] = [earlier, *rows.pop(first)[1:]]
                seen[moved] = seen.pop(first)
        return later
