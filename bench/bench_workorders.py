"""Benchmark: the work-order hook per diagnosis, process KPIs and order pages.

Seeds a throwaway embedded PostgreSQL with complaints and diagnoses (30 % user side, the rest
network causes spread over cells, a tenth in mass events) and times, per complaint, storing the
complaint and its diagnosis alone (the same-run baseline: what diagnostics does anyway) against
storing plus ``workorders.hooks.on_diagnosis``. Then times ``process_kpis`` over the whole period
and a page of ``GET /v1/work-orders`` (the SQL behind it) against a plain count of the orders.

    .venv/bin/python bench/bench_workorders.py [--complaints 5000] [--cells 800]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.migrate import migrate  # noqa: E402
from storage.server import embedded_server  # noqa: E402
from workorders.hooks import on_diagnosis  # noqa: E402
from workorders.process_kpis import process_kpis  # noqa: E402
from workorders.settings import WorkOrderSettings  # noqa: E402
from workorders.views import OrderFilters, list_orders  # noqa: E402

NETWORK = ["weak_coverage", "interference", "congestion", "outage", "roaming_registration"]
USER = ["terminal_sim", "no_fault_found"]
START = datetime(2024, 3, 1, tzinfo=UTC)


def _rows(n: int, cells: int, rng: random.Random) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    out = []
    for i in range(n):
        cause = rng.choice(USER) if rng.random() < 0.3 else rng.choice(NETWORK)
        cell = f"B{rng.randrange(cells):05d}"
        event = f"BME-{rng.randrange(n // 50 + 1)}" if rng.random() < 0.1 else None
        complaint = {
            "complaint_id": f"BC{i:07d}",
            "external_id": f"bench-{i}",
            "msisdn_hash": f"h{rng.randrange(n * 2)}",
            "msisdn_masked": "138****0000",
            "reported_at": START + timedelta(minutes=7 * i),
            "lat": 31.2 + rng.random() * 0.3,
            "lon": 121.3 + rng.random() * 0.3,
            "cell_id": None,
            "symptom": rng.choice(["weak_signal", "call_drop", "slow_data", "no_signal"]),
            "everywhere": False,
            "channel": "hotline",
            "urgent": rng.random() < 0.05,
        }
        diagnosis = {
            "primary_cause": cause,
            "attribution": "user" if cause in USER else "network",
            "confidence": 0.8,
            "causes": [],
            "evidence": [
                {
                    "check": "availability",
                    "cause": cause,
                    "finding": "abnormal",
                    "cell_id": cell,
                    "value": 50.0,
                    "threshold": 99.5,
                    "unit": "%",
                }
            ],
            "serving_cells": [cell],
            "mass_event_id": event if cause in NETWORK else None,
        }
        out.append((complaint, diagnosis))
    return out


def _store(conn: psycopg.Connection[Any], c: dict[str, Any], d: dict[str, Any]) -> None:
    if d["mass_event_id"]:
        conn.execute(
            "INSERT INTO mass_events (mass_event_id, cause, started_at) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            (d["mass_event_id"], d["primary_cause"], c["reported_at"]),
        )
    conn.execute(
        "INSERT INTO complaints (complaint_id, external_id, msisdn_hash, msisdn_masked,"
        " reported_at, lat, lon, symptom, everywhere, channel, urgent, diagnosis_status)"
        " VALUES (%(complaint_id)s, %(external_id)s, %(msisdn_hash)s, %(msisdn_masked)s,"
        " %(reported_at)s, %(lat)s, %(lon)s, %(symptom)s, %(everywhere)s, %(channel)s,"
        " %(urgent)s, 'done')",
        c,
    )
    conn.execute(
        "INSERT INTO diagnoses (complaint_id, primary_cause, attribution, confidence,"
        " serving_cells, mass_event_id, result) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            c["complaint_id"],
            d["primary_cause"],
            d["attribution"],
            d["confidence"],
            d["serving_cells"],
            d["mass_event_id"],
            Jsonb(d),
        ),
    )


def _run(url: str, rows: list[tuple[dict[str, Any], dict[str, Any]]], hook: bool) -> list[float]:
    settings = WorkOrderSettings()
    times: list[float] = []
    with psycopg.connect(url) as conn:
        for c, d in rows:
            t0 = time.perf_counter()
            _store(conn, c, d)
            if hook:
                on_diagnosis(conn, c, d, settings=settings, now=c["reported_at"])
            conn.commit()
            times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--complaints", type=int, default=5000)
    parser.add_argument("--cells", type=int, default=800)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="nc-bench-wo-"))
    try:
        server = embedded_server(base, cleanup_mode="delete")
        admin_url = str(server.get_uri())
        urls = {}
        with psycopg.connect(admin_url, autocommit=True) as admin:
            for name in ("bench_base", "bench_hook"):
                admin.execute(f"CREATE DATABASE {name}")
                urls[name] = psycopg.conninfo.make_conninfo(admin_url, dbname=name)
        for url in urls.values():
            with psycopg.connect(url, autocommit=True) as conn:
                migrate(conn)
        rows = _rows(args.complaints, args.cells, random.Random(7))
        base_t = _run(urls["bench_base"], rows, hook=False)
        hook_t = _run(urls["bench_hook"], rows, hook=True)
        b_ms, h_ms = statistics.mean(base_t) * 1e3, statistics.mean(hook_t) * 1e3
        p95 = statistics.quantiles(hook_t, n=20)[-1] * 1e3
        print(
            f"{args.complaints} complaints: store only {b_ms:.2f} ms, store + hook "
            f"{h_ms:.2f} ms (p95 {p95:.2f} ms) per complaint; ratio {h_ms / b_ms:.2f}"
        )
        with psycopg.connect(urls["bench_hook"]) as conn:
            orders = conn.execute("SELECT count(*) FROM work_orders").fetchone()
            end = START + timedelta(minutes=7 * args.complaints + 1)
            t0 = time.perf_counter()
            conn.execute("SELECT count(*), avg(priority) FROM work_orders").fetchone()
            scan = time.perf_counter() - t0
            t0 = time.perf_counter()
            kpis = process_kpis(conn, START, end, as_of=end)
            kpi_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            page = list_orders(conn, OrderFilters(overdue=True), now=end, fetch=101)
            page_s = time.perf_counter() - t0
        print(
            f"{orders[0] if orders else 0} orders; process_kpis {kpi_s * 1e3:.1f} ms "
            f"(ratio to a plain scan {kpi_s / scan:.1f}); overdue page of {len(page)} "
            f"{page_s * 1e3:.1f} ms; timeliness {kpis['overall']['timeliness_rate']}"
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
