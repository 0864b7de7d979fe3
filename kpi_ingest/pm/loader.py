"""Loading one PM XML file (plain or gzip): raw counters into ``pm_counters``, KPIs into ``kpis``.

Runs inside the file's transaction (kpi_ingest.run): the parser streams measValues, each becomes
one raw row (values aligned with a stored counter list) copied into a staging table, then one
set-based upsert keyed on (element, LDN, period, counter list) makes re-ingest idempotent, and the
KPIs of the cells and periods the file touched are derived from everything stored for them.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from kpi_ingest.compressed import open_binary
from kpi_ingest.csvsource import FileReport
from kpi_ingest.formulas import FormulaSet
from kpi_ingest.pm.derive import Deriver
from kpi_ingest.pm.ldn import CellRule
from kpi_ingest.pm.parser import MeasValue, PmParser
from kpi_ingest.pm.times import period_start
from kpi_ingest.settings import SuspectMode
from kpi_ingest.stats import refresh_if_stale
from netcomplaint.errors import FileFormatError
from storage.db import Conn

_COLUMNS = (
    "element_dn",
    "ldn",
    "ts",
    "period_s",
    "set_id",
    "cell_id",
    "vals",
    "arrays",
    "suspect",
    "meas_info",
    "file_sha256",
)
_UPSERT = """
INSERT INTO pm_counters AS t ({cols})
SELECT DISTINCT ON (element_dn, ldn, ts, period_s, set_id) {cols} FROM _pm_stage
ORDER BY element_dn, ldn, ts, period_s, set_id, _seq DESC
ON CONFLICT (element_dn, ldn, ts, period_s, set_id) DO UPDATE SET
  cell_id = EXCLUDED.cell_id, vals = EXCLUDED.vals, arrays = EXCLUDED.arrays,
  suspect = EXCLUDED.suspect, meas_info = EXCLUDED.meas_info, file_sha256 = EXCLUDED.file_sha256
"""


@dataclass
class PmContext:
    """What every PM file of one run shares: configuration and the notes for the summary."""

    formulas: FormulaSet
    cells: CellRule
    zone: tzinfo
    keep_non_cell: bool
    suspect: SuspectMode
    snap_s: int
    counter_values: int = 0
    kpi_rows: int = 0
    store_s: float = 0.0  # parsing and storing the raw counters
    derive_s: float = 0.0  # deriving the KPIs
    non_cell_objects: set[str] = field(default_factory=set)
    filled: set[str] = field(default_factory=set)  # KPIs a formula gave a value, all files
    unused: set[str] = field(default_factory=set)  # counters no formula reads, all files
    notes: list[str] = field(default_factory=list)
    set_ids: dict[tuple[str, ...], str] = field(default_factory=dict)


def load_pm_file(conn: Conn, path: Path, report: FileReport, ctx: PmContext, sha: str) -> int:
    """Store one PM file's counters and derive its KPIs; return the counter values stored."""
    conn.execute("SELECT set_config('work_mem', '256MB', true)")  # sorts of wide array rows
    conn.execute("DROP TABLE IF EXISTS _pm_stage")
    conn.execute(
        "CREATE TEMP TABLE _pm_stage ON COMMIT DROP AS SELECT "
        + ", ".join(_COLUMNS)
        + ", 0::bigint AS _seq FROM pm_counters WITH NO DATA"
    )
    started = time.perf_counter()
    stored = staged = 0
    used_sets: dict[str, tuple[str, ...]] = {}
    starts: dict[tuple[datetime, int], str] = {}
    with open_binary(path) as stream:
        parser = PmParser(stream, str(path), ctx.zone)
        copy_sql = f"COPY _pm_stage ({', '.join(_COLUMNS)}, _seq) FROM STDIN"
        lines: list[str] = []
        with conn.cursor().copy(copy_sql.encode()) as copy:
            for seq, value in enumerate(parser.values()):
                line = _line(value, report, ctx, sha, used_sets, starts)
                if line is not None:
                    lines.append(f"{line}\t{seq}\n")
                    staged += 1
                    stored += len(value.info.counters) + len(value.arrays or ())
                    if len(lines) >= 2000:
                        copy.write("".join(lines))
                        lines.clear()
            copy.write("".join(lines))
        for problem in parser.problems:
            report.reject_row(problem.line, problem.counter, problem.reason)
    if parser.header is None and parser.counter_values == 0:
        raise FileFormatError(f"{path}: no fileHeader and no measurements")
    report.rows_read += parser.counter_values
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO pm_counter_sets (set_id, counters) VALUES (%s, %s) "
            "ON CONFLICT (set_id) DO NOTHING",
            [(set_id, list(names)) for set_id, names in used_sets.items()],
        )
    conn.execute(_UPSERT.format(cols=", ".join(_COLUMNS)).encode())
    refresh_if_stale(conn, "pm_counters", staged)
    stored_at = time.perf_counter()
    ctx.store_s += stored_at - started
    conn.execute("DROP TABLE IF EXISTS _pm_keys")
    conn.execute(
        "CREATE TEMP TABLE _pm_keys ON COMMIT DROP AS SELECT DISTINCT cell_id, ts, period_s "
        "FROM _pm_stage WHERE cell_id IS NOT NULL"
    )
    derived = Deriver(conn, ctx.formulas, ctx.suspect).derive("_pm_keys")
    ctx.derive_s += time.perf_counter() - stored_at
    ctx.counter_values += stored
    ctx.kpi_rows += derived.kpi_rows
    ctx.filled |= derived.filled
    ctx.unused |= derived.unused
    if derived.out_of_range:
        ctx.notes.append(
            f"{path}: {derived.out_of_range} KPI value(s) out of range stored as NULL "
            f"(inconsistent counters), e.g. {'; '.join(derived.examples)}"
        )
    return stored


def _text(value: str) -> str:
    """A value for COPY's text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _line(
    value: MeasValue,
    report: FileReport,
    ctx: PmContext,
    sha: str,
    used_sets: dict[str, tuple[str, ...]],
    starts: dict[tuple[datetime, int], str],
) -> str | None:
    """One staged row as COPY text (without _seq), or None when the object is left out."""
    info = value.info
    try:
        cell_id = ctx.cells.cell_id(info.element_dn, value.ldn)
    except ValueError as exc:
        report.reject_row(value.line, "measObjLdn", str(exc))
        return None
    if cell_id is None:
        ctx.non_cell_objects.add(f"{info.element_dn},{value.ldn}".strip(","))
        if not ctx.keep_non_cell:
            return None
    set_id = ctx.set_ids.get(info.counters)
    if set_id is None:
        set_id = hashlib.md5("\n".join(info.counters).encode(), usedforsecurity=False).hexdigest()
        ctx.set_ids[info.counters] = set_id
    used_sets[set_id] = info.counters
    start = starts.get((info.end, info.period_s))
    if start is None:
        start = period_start(info.end, info.period_s, ctx.snap_s).isoformat()
        starts[(info.end, info.period_s)] = start
    # str() of a list of floats/None is C-fast; floats are finite (the parser saw to it)
    vals = "{" + str(value.values)[1:-1].replace("None", "NULL") + "}"
    arrays = _text(json.dumps(value.arrays)) if value.arrays else "\\N"
    cell = _text(cell_id) if cell_id is not None else "\\N"
    return (
        f"{_text(info.element_dn)}\t{_text(value.ldn)}\t{start}\t{info.period_s}\t{set_id}\t"
        f"{cell}\t{vals}\t{arrays}\t{'t' if value.suspect else 'f'}\t{_text(info.info_id)}\t"
        f"{sha}"
    )
