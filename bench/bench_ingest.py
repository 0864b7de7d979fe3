"""Ingest benchmarks: KPI CSV vs a plain binary COPY, 3GPP PM XML, and 10 M MR samples.

    .venv/bin/python bench/bench_ingest.py [--kpi-rows 1000000] [--pm-cells 4000]
        [--mr-rows 10000000] [--rounds 3] [--only kpi,pm,mr]

Uses NETCOMPLAINT_DATABASE_URL if set, else a throwaway embedded server under bench/out/.
Each figure is printed with the baseline measured in the same run; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kpi_ingest.csvsource import FileReport  # noqa: E402
from kpi_ingest.kpi_csv import KpiCsvOptions, Way, load_kpi_csv  # noqa: E402
from kpi_ingest.kpis import KPI_NAMES  # noqa: E402
from kpi_ingest.run import ingest_files  # noqa: E402
from kpi_ingest.values import zone  # noqa: E402
from storage.migrate import migrate  # noqa: E402

OUT = ROOT / "bench" / "out"


def database() -> str:
    url = os.environ.get("NETCOMPLAINT_DATABASE_URL")
    if url:
        return url
    from storage.server import embedded_server

    server = embedded_server(OUT / "pg", cleanup_mode=None)
    admin = server.get_uri()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS nc_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE nc_bench")
    url = str(server.get_uri("nc_bench"))
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn)
    return url


def fresh(url: str, *tables: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(tables)}, ingested_files")
        conn.execute("CHECKPOINT")


def timed(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


# --- KPI CSV -----------------------------------------------------------------------------


def kpi_rows(n: int, cells: int = 2000) -> list[tuple[Any, ...]]:
    rnd = random.Random(7)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        ts = t0 + timedelta(minutes=15 * (i // cells))
        rows.append(
            (
                ts,
                f"CELL{i % cells:05d}",
                900,
                100.0,
                round(rnd.uniform(95, 100), 3),
                round(rnd.uniform(95, 100), 3),
                round(rnd.uniform(0, 2), 3),
                round(rnd.uniform(90, 100), 3),
                round(rnd.uniform(0, 100), 3),
                round(rnd.uniform(0, 100), 3),
                round(rnd.uniform(-120, -100), 2),
                round(rnd.uniform(5, 14), 2),
                round(rnd.uniform(1, 80), 3),
                round(rnd.uniform(0, 300), 2),
            )
        )
    return rows


def bench_kpi(url: str, n: int, rounds: int) -> None:
    rows = kpi_rows(n)
    path = OUT / f"kpis_{n}.csv"
    with path.open("w") as handle:
        handle.write("ts,cell_id,period_s," + ",".join(KPI_NAMES) + "\n")
        for row in rows:
            handle.write(row[0].isoformat() + "," + ",".join(str(v) for v in row[1:]) + "\n")
    columns = "ts, cell_id, period_s, " + ", ".join(KPI_NAMES)

    def baseline() -> None:
        with psycopg.connect(url) as conn:
            with conn.cursor().copy(f"COPY kpis ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["timestamptz", "text", "int4"] + ["float8"] * len(KPI_NAMES))
                for row in rows:
                    copy.write_row(row)
            conn.commit()

    def ours(force: Way) -> Callable[[], None]:
        def run() -> None:
            options = KpiCsvOptions({}, "UTC", zone("UTC"), None, force)
            with psycopg.connect(url) as conn:
                conn.execute("SET temp_buffers = '256MB'")

                def load(c: psycopg.Connection[Any], p: Path, r: FileReport) -> int:
                    return load_kpi_csv(c, p, r, options)

                result = ingest_files(conn, "kpis", [path], load)
                assert result.rows_loaded == n and not result.failed, result.summary()
                assert list(options.paths_used) == [{"auto": "direct"}.get(force, force)]

        return run

    base_t, ours_t, staged_t = [], [], []
    for _ in range(rounds):
        fresh(url, "kpis")
        base_t.append(timed(baseline))
        fresh(url, "kpis")
        ours_t.append(timed(ours("auto")))
    fresh(url, "kpis")
    staged_t.append(timed(ours("staged")))
    base, mine = statistics.median(base_t), statistics.median(ours_t)
    print(f"KPI CSV, {n:,} rows x {len(KPI_NAMES) + 3} columns, median of {rounds} rounds:")
    print(f"  baseline binary COPY (rows prebuilt in Python): {n / base:12,.0f} rows/s")
    print(
        f"  netcomplaint ingest kpis (CSV file, end to end): {n / mine:11,.0f} rows/s"
        f"  -> {base / mine:.0%} of the baseline"
    )
    print(
        f"  same file forced through the staged (validating SQL) way: "
        f"{n / staged_t[0]:,.0f} rows/s ({base / staged_t[0]:.0%})"
    )
    print(
        f"  rounds: baseline {[round(t, 2) for t in base_t]} s, ours "
        f"{[round(t, 2) for t in ours_t]} s"
    )


# --- 3GPP PM XML -------------------------------------------------------------------------

COUNTER_NAMES = [
    "RRC.ConnEstabAtt",
    "RRC.ConnEstabSucc",
    "RRU.PrbUsedDl",
    "RRU.PrbAvailDl",
    "RRU.PrbUsedUl",
    "RRU.PrbAvailUl",
    "DRB.UEThpDl",
    "DRB.UEThpUl",
    "RRC.ConnMean",
    "RRC.ConnMax",
] + [f"VS.Vendor.Counter{i}.QCI{q}" for i in range(5) for q in range(1, 4)]


def pm_file(path: Path, cells: int, blocks: int) -> int:
    """A 32.435 file like the real examples: ``blocks`` measInfo per period, both layouts."""
    rnd = np.random.default_rng(3)
    n = len(COUNTER_NAMES)
    values = 0
    with path.open("w") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<!-- bench -->\n<measCollecFile '
            'xmlns="http://www.3gpp.org/ftp/specs/archive/32_series/32.435#measCollec">'
            '<fileHeader fileFormatVersion="32.435 V10.0" vendorName="Bench">'
            '<fileSender localDn="OSS"/><measCollec beginTime="2024-05-01T10:00:00+02:00"/>'
            '</fileHeader><measData><managedElement localDn="SubNetwork=1"/>\n'
        )
        for block in range(blocks):
            end = f"2024-05-01T{10 + block // 4:02d}:{(block % 4) * 15:02d}:00+02:00"
            names = [f"{c}" if block % 2 else f"{c}.B{block}" for c in COUNTER_NAMES]
            out.write(
                f'<measInfo measInfoId="B{block}"><job jobId="1"/>'
                f'<granPeriod duration="PT900S" endTime="{end}"/>'
                '<repPeriod duration="PT900S"/>'
            )
            listed = block % 2 == 0
            if listed:
                out.write(f"<measTypes>{' '.join(names)}</measTypes>\n")
            else:
                out.write(
                    "".join(f'<measType p="{i}">{m}</measType>' for i, m in enumerate(names, 1))
                    + "\n"
                )
            data = rnd.integers(0, 10000, size=(cells, n))
            for cell in range(cells):
                ldn = f"ManagedElement=ENB{cell // 3},ENodeBFunction=1,EUtranCellFDD={cell}"
                row = data[cell]
                if listed:
                    body = f"<measResults>{' '.join(map(str, row.tolist()))}</measResults>"
                else:
                    body = "".join(f'<r p="{i}">{v}</r>' for i, v in enumerate(row.tolist(), 1))
                out.write(f'<measValue measObjLdn="{ldn}">{body}</measValue>\n')
                values += n
            out.write("</measInfo>\n")
        out.write("</measData></measCollecFile>\n")
    return values


def run_cli(url: str, *args: str) -> tuple[float, float, str]:
    """Seconds of the ingest itself (from its summary line, so interpreter start-up and imports
    are not counted), peak RSS (MiB) and output of ``netcomplaint`` in a child process."""
    env = {**os.environ, "NETCOMPLAINT_DATABASE_URL": url}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/netcomplaint"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    out = (proc.stdout.read() if proc.stdout else "") + (proc.stderr.read() if proc.stderr else "")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"netcomplaint {' '.join(args)} failed:\n{out}")
    found = re.search(r"failed in ([0-9.]+) s", out)
    return float(found.group(1)) if found else elapsed, usage.ru_maxrss / 1024, out


def bench_pm(url: str, cells: int) -> None:
    print("3GPP PM XML (32.435, both counter layouts, 25 counters per measValue):")
    for factor in (1, 3):
        path = OUT / f"pm_{cells * factor}.xml"
        values = pm_file(path, cells * factor, 10)
        fresh(url, "pm_counters", "pm_counter_sets", "kpis")
        elapsed, rss, out = run_cli(url, "ingest", "kpis", str(path))
        size = path.stat().st_size / 2**20
        note = next(line for line in out.splitlines() if line.startswith("pm:"))
        found = re.search(r"stored in ([0-9.]+) s", note)
        store_s = float(found.group(1)) if found else elapsed
        print(
            f"  {values:>10,} values ({size:4.0f} MiB): parsed and stored in {store_s:5.1f} s = "
            f"{values / store_s:9,.0f} values/s; with KPI derivation {elapsed:5.1f} s = "
            f"{values / elapsed:9,.0f} values/s; peak RSS {rss:4.0f} MiB"
        )
        print("    " + note)


# --- MR ----------------------------------------------------------------------------------


def mr_file(path: Path, n: int) -> None:
    rnd = np.random.default_rng(11)
    chunk = 1_000_000
    t0 = np.datetime64("2024-05-01T00:00:00")
    with path.open("w") as out:
        out.write("ts,lat,lon,rsrp_dbm,rsrq_db,sinr_db,cell_id\n")
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            seconds = np.arange(start, start + m) // 3  # drive test: ~3 samples per second
            ts = np.datetime_as_string(t0 + seconds.astype("timedelta64[s]"), unit="s")
            route = np.cumsum(rnd.normal(0, 2e-5, size=(m, 2)), axis=0) % 0.2
            lat = np.round(31.1 + route[:, 0], 5)
            lon = np.round(121.3 + route[:, 1], 5)
            rsrp = np.round(rnd.normal(-98, 12, m), 1).clip(-140, -44)
            rsrq = np.round(rnd.normal(-11, 3, m), 1)
            sinr = np.round(rnd.normal(8, 7, m), 1)
            cell = rnd.integers(0, 3000, m)
            lines = [
                f"{a}Z,{b},{c},{d},{e},{f},C{g}\n"
                for a, b, c, d, e, f, g in zip(
                    ts.tolist(),
                    lat.tolist(),
                    lon.tolist(),
                    rsrp.tolist(),
                    rsrq.tolist(),
                    sinr.tolist(),
                    cell.tolist(),
                    strict=True,
                )
            ]
            out.write("".join(lines))


def bench_mr(url: str, n: int) -> None:
    path = OUT / f"mr_{n}.csv"
    if not path.exists():
        mr_file(path, n)
    fresh(url, "mr_samples", "mr_grid")
    elapsed, rss, out = run_cli(url, "ingest", "mr", str(path))
    with psycopg.connect(url) as conn:
        grid = conn.execute(
            "SELECT count(*), sum(samples) FILTER (WHERE cell_id = '') FROM mr_grid"
        ).fetchone()
    print(
        f"MR samples: {n:,} rows ({path.stat().st_size / 2**20:,.0f} MiB CSV) ingested and "
        f"gridded in {elapsed:,.0f} s ({n / elapsed:,.0f} rows/s), peak RSS {rss:,.0f} MiB"
    )
    print(f"  mr_grid rows: {grid[0] if grid else 0:,}; {out.strip().splitlines()[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kpi-rows", type=int, default=1_000_000)
    parser.add_argument("--pm-cells", type=int, default=4000)
    parser.add_argument("--mr-rows", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="kpi,pm,mr")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NETCOMPLAINT_DATA_DIR", tempfile.mkdtemp(prefix="nc-bench-"))
    url = database()
    parts = set(args.only.split(","))
    print(f"machine: {os.cpu_count()} cores; database {url.split('@')[-1]}")
    if "kpi" in parts:
        bench_kpi(url, args.kpi_rows, args.rounds)
    if "pm" in parts:
        bench_pm(url, args.pm_cells)
    if "mr" in parts:
        bench_mr(url, args.mr_rows)
    shutil.rmtree(os.environ["NETCOMPLAINT_DATA_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
