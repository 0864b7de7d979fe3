"""Diagnosis latency (one complaint, in process) and batch throughput (``ingest complaints`` path).

A scenario (generated, or --scenario DIR) is loaded through the real ingest commands except its
complaints; then, on the same database:

* one diagnosis, in process: ``engine.diagnose`` on one stored complaint (evidence → checks →
  ranking → reply; what an agent waits for) and ``service.submit_complaint`` (the API/CLI path:
  store, diagnose, mass events, work-order hook, two commits) — p50/p95/p99 over --singles;
* batch: ``service.submit_batch`` over the other complaints (what ``ingest complaints`` runs per
  file: set-based evidence, one upsert of the diagnoses, mass events, the work-order hook) and the
  engine alone on the same complaints — complaints/s;
* the ratio of the batch rate to the one-by-one rate measured in the same run (the baseline);
* ``ingest complaints --processes N``: the batch stored, then diagnosed by
  ``parallel.diagnose_parts`` in one process and in --processes (complaints, diagnoses and orders
  cleared before each), and the ratio of the two.

    .venv/bin/python bench/bench_diag_latency.py --cells 2000 --days 7 --complaints 3000
    .venv/bin/python bench/bench_diag_latency.py --scenario /tmp/big   # an existing scenario
    # a scenario already loaded (all but its complaints) into an embedded data dir, e.g. the
    # 10 k-cell, 30-day one, whose load takes ~25 min: complaints, diagnoses and orders are cleared
    NETCOMPLAINT_PII_KEY=bench-pii .venv/bin/python bench/bench_diag_latency.py \
        --scenario /tmp/big30/scn --loaded /tmp/big30/data
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diagnostics import engine, service  # noqa: E402
from diagnostics.complaints_cli import read_complaints  # noqa: E402
from diagnostics.models import ComplaintIn  # noqa: E402
from diagnostics.parallel import diagnose_parts  # noqa: E402
from diagnostics.scoring import fresh_database, ingest_scenario  # noqa: E402
from diagnostics.settings import DiagnosticsSettings, get_diag_settings  # noqa: E402
from kpi_ingest.csvsource import FileReport  # noqa: E402
from netcomplaint.privacy import pii_key  # noqa: E402
from netcomplaint.settings import get_settings  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.server import embedded_url  # noqa: E402


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return (
        f"p50 {at(0.5):.1f} ms, p95 {at(0.95):.1f} ms, p99 {at(0.99):.1f} ms, "
        f"max {ordered[-1] * 1000:.1f} ms"
    )


@contextmanager
def database_for(loaded: Path | None, directory: Path) -> Iterator[str]:
    """The already loaded database (complaints and what follows from them cleared), or a fresh
    one with the scenario loaded through the real ingest commands except its complaints."""
    if loaded is not None:
        url = embedded_url(loaded)
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn)
            conn.execute("TRUNCATE complaints, mass_events, work_orders CASCADE")
        yield url
        return
    with fresh_database() as url:
        started = time.perf_counter()
        timings = ingest_scenario(url, directory, skip=("complaints",))
        print(
            f"loaded {directory.name} in {time.perf_counter() - started:.0f} s: "
            + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
        )
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", type=Path, help="an existing scenario directory")
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--complaints", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=501)
    parser.add_argument(
        "--singles", type=int, default=300, help="complaints diagnosed one at a time"
    )
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nc-bench-diag")
    parser.add_argument(
        "--loaded", type=Path, help="embedded data dir where --scenario is already loaded"
    )
    parser.add_argument("--processes", type=int, default=2, help="for the parallel batch")
    args = parser.parse_args()
    # a loaded data dir brings its own PII key (or set NETCOMPLAINT_PII_KEY to the one it was
    # loaded with): complaints must hash MSISDNs as the subscribers were, or nobody is found
    os.environ.setdefault("NETCOMPLAINT_DATA_DIR", str(args.loaded or args.work / "data"))
    directory = (
        args.scenario or args.work / f"s{args.seed}-{args.cells}c{args.days}d{args.complaints}"
    )
    if not (directory / "complaints.csv").exists():
        from typer.testing import CliRunner

        from netcomplaint.cli import app

        started = time.perf_counter()
        result = CliRunner().invoke(
            app,
            [
                "scenario",
                "generate",
                "--out",
                str(directory),
                "--seed",
                str(args.seed),
                "--cells",
                str(args.cells),
                "--days",
                str(args.days),
                "--complaints",
                str(args.complaints),
            ],
        )
        if result.exit_code:
            raise SystemExit(result.output)
        print(f"generated {directory} in {time.perf_counter() - started:.0f} s")
    complaints: list[ComplaintIn] = read_complaints(
        directory / "complaints.csv", FileReport("c"), {}, "UTC"
    )
    settings = get_diag_settings()
    key = pii_key(get_settings())
    with database_for(args.loaded, directory) as url, psycopg.connect(url) as conn:
        cells, kpis = (
            conn.execute(f"SELECT count(*) FROM {t}").fetchone() or (0,) for t in ("cells", "kpis")
        )
        print(f"database: {cells[0]:,} cells, {kpis[0]:,} KPI rows, {len(complaints):,} complaints")
        singles, batch = complaints[: args.singles], complaints[args.singles :]
        engine.diagnose(conn, [service.to_record(singles[0], key)], settings)  # warm the caches
        conn.rollback()
        submit_times, engine_times = [], []
        for c in singles:
            t0 = time.perf_counter()
            submitted = service.submit_complaint(conn, c, settings=settings, key=key)
            submit_times.append(time.perf_counter() - t0)
            record = service.records_of(conn, [submitted.complaint_id])[0]
            t0 = time.perf_counter()
            engine.diagnose(conn, [record], settings)
            engine_times.append(time.perf_counter() - t0)
            conn.rollback()
        print(f"\none diagnosis in process ({len(singles)} complaints):")
        print(f"  engine (evidence, checks, ranking, reply): {percentiles(engine_times)}")
        print(
            f"  submit_complaint (store, diagnose, mass event, work-order hook, commits): "
            f"{percentiles(submit_times)}"
        )
        one_by_one = len(singles) / sum(submit_times)

        t0, cpu0, db0 = time.perf_counter(), time.process_time(), backend_cpu(conn)
        with conn.transaction():
            result_batch = service.submit_batch(conn, batch, settings=settings, key=key)
        seconds = time.perf_counter() - t0
        python_ms = (time.process_time() - cpu0) * 1000 / len(batch)
        db1 = backend_cpu(conn)
        rate = len(batch) / seconds
        records = service.records_of(
            conn,
            [
                r[0]
                for r in conn.execute(
                    "SELECT complaint_id FROM complaints WHERE external_id = ANY(%s)",
                    ([c.external_id for c in batch],),
                ).fetchall()
            ],
        )
        t0 = time.perf_counter()
        engine.diagnose(conn, records, settings)
        engine_rate = len(records) / (time.perf_counter() - t0)
        conn.rollback()
        print(f"\nbatch ({len(batch)} complaints): {result_batch.summary()}")
        print(
            f"  submit_batch (the ingest path, with the work-order hook): {rate:,.0f} complaints/s"
        )
        print(f"  engine alone, set-based: {engine_rate:,.0f} complaints/s")
        if db0 is not None and db1 is not None:
            db_ms = (db1 - db0) * 1000 / len(batch)
            cores = os.cpu_count() or 1
            print(
                f"  CPU per complaint: Python {python_ms:.2f} ms + PostgreSQL {db_ms:.2f} ms "
                f"→ at most {cores * 1000 / (python_ms + db_ms):,.0f} complaints/s on this "
                f"machine's {cores} core(s), however the work is spread"
            )
        print(
            f"  baseline one-by-one submit_complaint: {one_by_one:,.0f} complaints/s "
            f"→ batch is {rate / one_by_one:.1f}× faster"
        )
        rates = {n: parallel_rate(conn, url, batch, settings, key, n) for n in (1, args.processes)}
        print(f"\ningest complaints --processes N ({len(batch)} complaints, stored first):")
        for n, r in rates.items():
            print(f"  diagnose_parts, {n} process(es): {r:,.0f} complaints/s")
        print(f"  {args.processes} processes vs 1: {rates[args.processes] / rates[1]:.2f}×")
        print(f"\nmean single engine latency {statistics.mean(engine_times) * 1000:.1f} ms")


def backend_cpu(conn: psycopg.Connection[Any]) -> float | None:
    """CPU seconds the connection's server process has used (user + system), read from /proc:
    only where the server runs on this machine (the embedded one), else None."""
    stat = Path(f"/proc/{conn.info.backend_pid}/stat")
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parallel_rate(
    conn: psycopg.Connection[Any],
    url: str,
    batch: list[ComplaintIn],
    settings: DiagnosticsSettings,
    key: bytes,
    processes: int,
) -> float:
    """Complaints/s of diagnose_parts over the batch, stored afresh (its process start included)."""
    conn.execute("TRUNCATE complaints, mass_events, work_orders CASCADE")
    _, ids = service.store_batch(conn, batch, key=key)
    conn.commit()
    t0 = time.perf_counter()
    out = diagnose_parts(conn, url, ids, settings, processes)
    seconds = time.perf_counter() - t0
    if out.failed:
        raise SystemExit(f"{out.failed} failed: {out.errors[:3]}")
    return len(ids) / seconds


if __name__ == "__main__":
    main()
