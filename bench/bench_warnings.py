"""Benchmark of the complaint-surge early warning: false alarms, detection delay, speed.

Seeds a throwaway embedded PostgreSQL with a city of ``--grid`` × ``--grid`` three-sector sites
and five weeks of Poisson background complaints whose rate follows Milan's real hourly load
(``../shared/data/real/milan_traffic_subset``, squared: complaints grow faster than load), then
plants outage surges of several sizes in the last week.

Figures:
* false warnings in the last week before any surge, with the seasonal baseline and, as the
  same-run baseline, with the seasonal factor switched off (a flat baseline: daily peaks look
  like surges to it);
* detection delay of the planted surges by size (minutes after the first complaint);
* speed: a 7-day replay (15-min steps), one incremental refresh, against the same-run baseline
  of just loading the complaints the refresh reads.

    .venv/bin/python bench/bench_warnings.py [--grid 20] [--per-site 2.0]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reports import surge, warning_store  # noqa: E402
from reports.settings import WarningSettings  # noqa: E402
from reports.warning_context import EVENTS_SQL  # noqa: E402
from reports.warnings import refresh_warnings  # noqa: E402
from storage.db import Conn  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.server import embedded_server  # noqa: E402
from tests.test_report_factories import (  # noqa: E402
    CITY_LAT,
    CITY_LON,
    SITE_STEP_LAT,
    SITE_STEP_LON,
    Complaint,
    add_alarm,
    add_complaints,
    at,
    milan_week_profile,
    msisdn,
    seed_city,
    site_id,
)

START = at("2024-03-04T00:00:00")  # Monday
WEEK = timedelta(days=7)
QUIET_FROM = START + 4 * WEEK
SURGES_FROM = START + 5 * WEEK
RATES = (4, 8, 16, 32)  # complaints per hour, for two hours


def plant(conn: Conn, rng: random.Random, grid: int) -> list[tuple[str, datetime, int]]:
    """Outage surges spread over the surge week: (site, start, rate)."""
    planted: list[tuple[str, datetime, int]] = []
    complaints: list[Complaint] = []
    for k, rate in enumerate(RATES * 3):
        i, j = rng.randrange(grid), rng.randrange(grid)
        site = site_id(i, j)
        begin = SURGES_FROM + timedelta(hours=9 + 13 * k, minutes=rng.randrange(60))
        for n in range(2 * rate):
            complaints.append(
                Complaint(
                    f"plant-{k}-{n}", msisdn(5_000_000 + 1000 * k + n),
                    begin + timedelta(seconds=rng.uniform(0, 7200)),
                    CITY_LAT + i * SITE_STEP_LAT + rng.uniform(-0.003, 0.003),
                    CITY_LON + j * SITE_STEP_LON + rng.uniform(-0.003, 0.003),
                    f"{site}-{n % 3 + 1}", "no_signal", cause="outage",
                )
            )  # fmt: skip
        add_alarm(conn, f"B-{k}", site, begin, begin + timedelta(hours=2), alarm_type="site_down")
        planted.append((site, begin, rate))
    add_complaints(conn, complaints)
    return planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=20)
    parser.add_argument("--per-site", type=float, default=2.0, help="complaints/site/day")
    args = parser.parse_args()
    real = ROOT.parent / "shared" / "data" / "real"
    base = Path(tempfile.mkdtemp(prefix="nc-bench-warn-"))
    server = embedded_server(base, cleanup_mode="delete")
    url = str(server.get_uri())
    try:
        with psycopg.connect(url, autocommit=True) as admin:
            migrate(admin)
        conn = psycopg.connect(url)
        rng = random.Random(5)
        t0 = time.perf_counter()
        background = seed_city(conn, rng, START, START + 6 * WEEK, milan_week_profile(real),
                               grid=args.grid, per_site_per_day=args.per_site)  # fmt: skip
        planted = plant(conn, rng, args.grid)
        conn.commit()
        print(f"seeded {len(background):,} background complaints on {args.grid ** 2} sites "
              f"and {len(planted)} surges in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        settings = WarningSettings()

        t0 = time.perf_counter()
        quiet = refresh_warnings(conn, since=QUIET_FROM, as_of=SURGES_FROM, rebuild=True,
                                 settings=settings)  # fmt: skip
        replay_s = time.perf_counter() - t0
        false = warning_store.query(conn)
        seasonal_false = len(false)
        for w in false:
            print(
                f"  false: {w.scope} {w.area_key} {w.started_at:%a %H:%M} {w.complaints} "
                f"complaints, window {w.window_complaints} vs {w.expected:.2f} expected"
            )
        conn.rollback()
        original = surge.seasonal_factor
        surge.seasonal_factor = lambda *a, **k: 1.0  # the flat baseline
        try:
            refresh_warnings(conn, since=QUIET_FROM, as_of=SURGES_FROM, rebuild=True,
                             settings=settings)  # fmt: skip
            flat_false = len(warning_store.query(conn))
        finally:
            surge.seasonal_factor = original
            conn.rollback()
        print(f"false warnings in a normal week: {seasonal_false} with the seasonal baseline, "
              f"{flat_false} with a flat one (same detector)")  # fmt: skip
        print(f"7-day replay: {quiet.steps} steps in {replay_s:.1f} s "
              f"({1000 * replay_s / quiet.steps:.1f} ms/step)")  # fmt: skip

        refresh_warnings(conn, since=SURGES_FROM, as_of=SURGES_FROM + WEEK, rebuild=True,
                         settings=settings)  # fmt: skip
        found = warning_store.query(conn, limit=1000)
        delays: dict[int, list[float]] = {}
        for site, begin, rate in planted:
            hits = [w for w in found if any(c.startswith(site + "-") for c in w.cells)
                    and w.started_at >= begin - timedelta(hours=1)]  # fmt: skip
            first = min((w.detected_at for w in hits), default=None)
            delay = (first - begin).total_seconds() / 60 if first else float("nan")
            delays.setdefault(rate, []).append(delay)
        for rate, values in sorted(delays.items()):
            shown = ", ".join("missed" if v != v else f"{v:.0f}" for v in values)
            print(f"surge {rate:>2}/h: detected after {shown} min")
        unmatched = [w for w in found if not any(
            any(c.startswith(site + "-") for c in w.cells) for site, _, _ in planted)]  # fmt: skip
        print(f"warnings in the surge week not matching a planted surge: {len(unmatched)}")

        as_of = SURGES_FROM + WEEK + timedelta(minutes=15)
        t0 = time.perf_counter()
        refresh_warnings(conn, as_of=as_of, settings=settings)
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        rows = conn.execute(EVENTS_SQL, (as_of - 4 * WEEK - timedelta(hours=6), as_of)).fetchall()
        load = time.perf_counter() - t0
        print(f"incremental refresh: {1000 * one:.0f} ms; baseline (loading the {len(rows):,} "
              f"complaints it reads): {1000 * load:.0f} ms; ratio {one / load:.1f}")  # fmt: skip
        conn.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
