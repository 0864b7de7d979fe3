"""Benchmark: hotspots over 1 M complaints, from the database to GeoJSON (target ≤ 3 s).

Seeds a throwaway embedded PostgreSQL with a synthetic city (50 × 50 km around Shanghai):
complaints whose density follows traffic (a dense core, suburbs), MR samples with the same
density (the exposure), three planted excess clusters, 3-sector sites every kilometre. Then times
``hotspots_geojson`` and, as the same-run baseline, the same pipeline with per-point
``h3.latlng_to_cell`` instead of the vectorised indexer. Also times the real-data path (TRAI
MyCall, 78 k positioned reports).

    .venv/bin/python bench/bench_hotspots.py [--complaints 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import h3
import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo import detect, enrich  # noqa: E402
from geo.hotspots import hotspots_geojson  # noqa: E402
from geo.queries import complaint_points  # noqa: E402
from geo.settings import GeoSettings  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.server import embedded_server  # noqa: E402
from tests.test_geo_support import (  # noqa: E402
    CENTRE,
    END,
    START,
    disc,
    grid_of_cells,
    insert_cells,
    insert_complaints,
    insert_mr_grid,
    offset,
    times,
)

CAUSES = ["weak_coverage", "interference", "congestion", "outage", "terminal_sim", "no_fault_found"]


def city(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Traffic-like density: 50 % in a 5 km core, 50 % over the 25 km half-width square."""
    core = n // 2
    lat_c, lon_c = disc(rng, *CENTRE, 5000.0, core)
    half = 25.0 / 111.32
    lat_s = rng.uniform(CENTRE[0] - half, CENTRE[0] + half, n - core)
    lon_s = rng.uniform(CENTRE[1] - half * 1.17, CENTRE[1] + half * 1.17, n - core)
    return np.r_[lat_c, lat_s], np.r_[lon_c, lon_s]


def seed(conn: psycopg.Connection[Any], n: int, rng: np.random.Generator) -> None:
    t = time.perf_counter()
    planted = [(offset(3, 4), 400.0), (offset(-8, -6), 600.0), (offset(12, 10), 300.0)]
    extra = n // 200
    lat, lon = city(rng, n - extra * len(planted))
    for (plat, plon), radius in planted:
        pl, po = disc(rng, plat, plon, radius, extra)
        lat, lon = np.r_[lat, pl], np.r_[lon, po]
    causes = [CAUSES[i % len(CAUSES)] for i in range(len(lat))]
    insert_cells(conn, grid_of_cells(25.0, 1.0))
    insert_complaints(conn, lat, lon, times(rng, len(lat)), causes=causes)
    mlat, mlon = city(rng, 3 * n)
    grids = insert_mr_grid(conn, mlat, mlon, day=START.date())
    conn.execute("ANALYZE")
    conn.commit()
    print(f"seeded {len(lat):,} complaints, {grids:,} MR grids in {time.perf_counter() - t:.1f} s")


def slow_index(lat: np.ndarray, lon: np.ndarray, res: int) -> tuple[np.ndarray, np.ndarray]:
    """Baseline indexer: h3.latlng_to_cell per point."""
    to_cell = h3.api.basic_int.latlng_to_cell
    cells = np.fromiter(
        (to_cell(float(a), float(b), res) for a, b in zip(lat, lon, strict=True)),
        dtype=np.uint64,
        count=len(lat),
    )
    uniq, inverse = np.unique(cells, return_inverse=True)
    return uniq, inverse


def timed(
    conn: psycopg.Connection[Any], runs: int, settings: GeoSettings
) -> tuple[float, dict[str, Any]]:
    best = float("inf")
    collection: dict[str, Any] = {}
    for _ in range(runs):
        t = time.perf_counter()
        collection = hotspots_geojson(conn, START, END, settings=settings)
        best = min(best, time.perf_counter() - t)
        conn.rollback()
    return best, collection


def real_data(runs: int) -> None:
    """The pure path on the TRAI MyCall reports (complaints against all reports)."""
    import pandas as pd

    from geo.exposure import Exposure

    folder = ROOT.parent / "shared" / "data" / "real" / "india_trai_mycall_2019"
    frame = pd.concat([pd.read_csv(p) for p in sorted(folder.glob("MyCall_Data_*_2019.csv"))])
    frame = frame[(frame["Latitude"] != -1) & frame["Latitude"].between(6, 37)]
    bad = frame[frame["Call Drop Category"] != "Satisfactory"]
    exposure = Exposure.from_points(
        frame["Latitude"], frame["Longitude"], kind="reports", description="all reports"
    )
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        found = detect.detect_hotspots(bad["Latitude"], bad["Longitude"], exposure=exposure)
        best = min(best, time.perf_counter() - t)
    print(
        f"real data (TRAI MyCall): {len(found.hotspots)} hotspots from {len(bad):,} complaints "
        f"against {len(frame):,} reports, h3 res {found.resolution}: {best:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the seeded database here")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="nc-bench-hotspots-"))
    try:
        server = embedded_server(base, cleanup_mode="stop" if args.keep else "delete")
        with psycopg.connect(server.get_uri(), autocommit=True) as admin:
            fresh = admin.execute("SELECT 1 FROM pg_database WHERE datname = 'bench'").fetchone()
            if fresh is None:
                admin.execute("CREATE DATABASE bench")
        url = server.get_uri("bench")
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn)
        settings = GeoSettings(mr_cache_s=0)  # no in-memory MR cache: every run reads the DB
        with psycopg.connect(url) as conn:
            if fresh is None:
                seed(conn, args.complaints, np.random.default_rng(20260302))
            t = time.perf_counter()
            lat, _ = complaint_points(conn, START, END, None)
            fetch = time.perf_counter() - t
            fast, collection = timed(conn, args.runs, settings)
            meta = collection["metadata"]
            print(
                f"hotspots: {meta['hotspots']} from {meta['complaints']:,} complaints, h3 res "
                f"{meta['grid']['resolution']}, {meta['grid']['hexagons_tested']:,} hexagons, "
                f"exposure {meta['exposure']['kind']}"
            )
            for f in collection["features"][:5]:
                p = f["properties"]
                print(
                    f"  {p['id']} complaints {p['complaints']} z {p['z']} q {p['q']} "
                    f"ratio {p['rate_ratio']} -> {p['recommendation']}"
                )
            setattr(detect, "index_points", slow_index)  # noqa: B010 - the baseline indexer
            setattr(enrich, "index_points", slow_index)  # noqa: B010
            slow, _ = timed(conn, 1, settings)
        print(f"fetch of {len(lat):,} positions (one bytea value): {fetch:.2f} s")
        print(f"hotspots_geojson, 1 M complaints, DB → GeoJSON: {fast:.2f} s (best of {args.runs})")
        print(f"baseline (per-point h3.latlng_to_cell): {slow:.2f} s; ratio {slow / fast:.1f}×")
        print(f"target ≤ 3 s: {'met' if fast <= 3.0 else 'NOT met'}")
        real_data(args.runs)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
