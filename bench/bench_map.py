"""Benchmark: the map with a 10 k-cell network and 100 k complaints in headless Chromium
(target: interactive ≤ 2 s after load).

Seeds a throwaway embedded PostgreSQL (10 443 cells on 3 483 sites, 100 k diagnosed complaints,
MR grid, a day of hourly KPIs, known areas), serves the API with uvicorn on a free port and
opens ``/map`` in Debian's chromium through Playwright with a planner key already in the
session. "Interactive" = every layer fetched and drawn (``body[data-ready=1]``), timed in the
page from navigation start. The same-run baseline is the same page with server-side
aggregation switched off (``NETCOMPLAINT_MAP_MAX_FEATURES`` = 10⁶: every cell and complaint
shipped to the browser).

    .venv/bin/python bench/bench_map.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.settings import get_geo_settings  # noqa: E402
from netcomplaint.settings import CoreSettings  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.server import embedded_server  # noqa: E402
from tests.test_geo_support import seed_city  # noqa: E402
from tests.test_map_page import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402


def open_map(url: str, timeout_s: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.add_init_script("sessionStorage.setItem('nc-api-key', 'planner-key')")
            page.on(
                "request", lambda r: outside.append(r.url) if not r.url.startswith(url) else None
            )
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{url}/map")
            page.wait_for_selector("body[data-ready='1']", timeout=timeout_s * 1000)
            ready_ms = page.evaluate("window.nc.readyAt")
            stats = page.evaluate("window.nc.stats")
            t = time.perf_counter()
            page.evaluate(
                "() => { const m = window.nc.map;"
                " m.setView(m.getCenter(), 14, { animate: false }); }"
            )
            page.wait_for_selector("body[data-ready='1']", timeout=timeout_s * 1000)
            zoom_ms = (time.perf_counter() - t) * 1000
            zoomed = page.evaluate("window.nc.stats")
            t = time.perf_counter()
            x, y = page.evaluate(
                "() => { const r = document.getElementById('map').getBoundingClientRect();"
                " return [r.left + r.width / 2, r.top + r.height / 2]; }"
            )
            page.mouse.click(x, y)
            page.wait_for_selector(".leaflet-popup-content", timeout=timeout_s * 1000)
            click_ms = (time.perf_counter() - t) * 1000
        finally:
            browser.close()
    return {
        "ready_ms": ready_ms,
        "stats": stats,
        "zoom_ms": zoom_ms,
        "zoomed": zoomed,
        "click_ms": click_ms,
        "outside": outside,
        "errors": errors,
    }


def report(name: str, run: dict[str, Any]) -> None:
    s, z = run["stats"], run["zoomed"]
    print(
        f"{name}: interactive {run['ready_ms'] / 1000:.2f} s after navigation; "
        f"{s.get('cells')} {s.get('cellMode')}, {s.get('complaints')} complaint "
        f"{s.get('complaintMode')} of {s.get('complaintTotal')}, {s.get('hotspots')} hotspots, "
        f"{s.get('mr')} MR hexes; zoom to 14 → ready in {run['zoom_ms'] / 1000:.2f} s "
        f"({z.get('cells')} {z.get('cellMode')}, {z.get('complaints')} {z.get('complaintMode')});"
        f" click → popup {run['click_ms']:.0f} ms; outside requests {len(run['outside'])}, "
        f"console errors {len(run['errors'])} {run['errors'][:1]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the seeded database here")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="nc-bench-map-"))
    try:
        server = embedded_server(base, cleanup_mode="stop" if args.keep else "delete")
        with psycopg.connect(server.get_uri(), autocommit=True) as admin:
            fresh = admin.execute("SELECT 1 FROM pg_database WHERE datname = 'bench'").fetchone()
            if fresh is None:
                admin.execute("CREATE DATABASE bench")
        url = server.get_uri("bench")
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn)
        if fresh is None:
            t = time.perf_counter()
            with psycopg.connect(url) as conn:
                city = seed_city(
                    conn,
                    half_km=29.0,
                    isd_km=1.0,
                    complaints=100_000,
                    cluster=2000,
                    mr_samples=400_000,
                    kpi_hours=24,
                    seed=1,
                )
                conn.execute("ANALYZE")
            print(
                f"seeded {len(city.cells):,} cells, {city.complaints:,} complaints "
                f"in {time.perf_counter() - t:.0f} s"
            )
        os.environ["NETCOMPLAINT_API_KEYS"] = "planner-key:planner"
        settings = CoreSettings(database_url=url, data_dir=base / "data")
        get_geo_settings.cache_clear()
        http, thread, site = serve(settings)
        try:
            cold = open_map(site, 60)  # first visit: cold MR cache and database buffers
            report("aggregated, first visit", cold)
            fast = open_map(site, 60)
            report("aggregated (default)", fast)
            os.environ["NETCOMPLAINT_MAP_MAX_FEATURES"] = "1000000"
            get_geo_settings.cache_clear()
            slow = open_map(site, 180)
            report("baseline, no server aggregation", slow)
        finally:
            http.should_exit = True
            thread.join(timeout=15)
        print(
            f"map interactive: {fast['ready_ms'] / 1000:.2f} s, first visit "
            f"{cold['ready_ms'] / 1000:.2f} s (target ≤ 2 s: "
            f"{'met' if fast['ready_ms'] <= 2000 else 'NOT met'}); baseline "
            f"{slow['ready_ms'] / 1000:.2f} s; ratio {slow['ready_ms'] / fast['ready_ms']:.1f}×"
        )
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
