"""Small factories for the diagnostics tests: a hexagonal LTE network, healthy KPIs with faults
injected where a test wants them, MR samples with their daily grid, alarms, subscribers, devices,
registrations and areas — inserted straight into the real test database.

(A module of helpers; pytest collects it but it holds no tests.)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import h3
import numpy as np
import psycopg

from netcomplaint.privacy import hash_msisdn, mask_msisdn

Conn = psycopg.Connection[Any]
PII_KEY = b"test-pii-key"  # the nc_env fixture's NETCOMPLAINT_PII_KEY
CENTRE = (31.2300, 121.4700)
T0 = datetime(2026, 5, 1, tzinfo=UTC)
MR_RES = 11
M_PER_DEG = 111_320.0


def offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    return lat + north_m / M_PER_DEG, lon + east_m / (M_PER_DEG * math.cos(math.radians(lat)))


@dataclass(frozen=True)
class Site:
    site_id: str
    lat: float
    lon: float

    def cell(self, sector: int) -> str:
        return f"{self.site_id}-{sector}"


def network(
    conn: Conn,
    *,
    rings: int = 1,
    isd_m: float = 500.0,
    centre: tuple[float, float] = CENTRE,
    technology: str = "LTE",
    band: str = "B3",
    extra: Sequence[dict[str, Any]] = (),
) -> list[Site]:
    """Sites on a hexagonal grid (centre + ``rings`` rings), three 65° sectors each (0/120/240)."""
    sites: list[Site] = []
    for q in range(-rings, rings + 1):
        for r in range(max(-rings, -q - rings), min(rings, -q + rings) + 1):
            east = isd_m * (q + r / 2.0)
            north = isd_m * (r * math.sqrt(3) / 2.0)
            lat, lon = offset(*centre, east, north)
            sites.append(Site(f"S{len(sites):03d}", lat, lon))
    rows = [
        (s.cell(k), s.site_id, s.lat, s.lon, technology, float(az), 65.0, band, "active")
        for s in sites
        for k, az in enumerate((0, 120, 240))
    ]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO cells (cell_id, site_id, lat, lon, technology, azimuth_deg, "
            "beamwidth_deg, "
            "band, status)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
        for cell in extra:
            cols = list(cell)
            cur.execute(
                f"INSERT INTO cells ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                [cell[c] for c in cols],
            )
    conn.commit()
    return sites


HEALTHY: dict[str, float] = {
    "availability_pct": 100.0,
    "rrc_setup_sr_pct": 99.6,
    "erab_setup_sr_pct": 99.7,
    "call_drop_rate_pct": 0.4,
    "ho_sr_pct": 98.5,
    "prb_util_dl_pct": 35.0,
    "prb_util_ul_pct": 20.0,
    "ul_interference_dbm": -117.0,
    "avg_cqi": 10.5,
    "dl_user_thr_mbps": 25.0,
    "rrc_users_avg": 40.0,
}
KPI_COLUMNS = list(HEALTHY)

Fault = Callable[[str, datetime, dict[str, float]], None]


def kpis(
    conn: Conn,
    cells: Iterable[str],
    start: datetime,
    hours: int,
    *,
    fault: Fault | None = None,
    seed: int = 1,
) -> None:
    """15-minute KPI rows: healthy with a daily load curve and a little noise; ``fault`` may change
    a row's values in place (called with cell, ts, values)."""
    rng = np.random.default_rng(seed)
    rows = []
    for cell in cells:
        for q in range(hours * 4):
            ts = start + timedelta(minutes=15 * q)
            load = 0.6 + 0.4 * math.sin((ts.hour - 9) / 24 * 2 * math.pi)
            values = dict(HEALTHY)
            values["prb_util_dl_pct"] = 20 + 30 * load + float(rng.normal(0, 2))
            values["rrc_users_avg"] = 20 + 40 * load
            values["dl_user_thr_mbps"] = 30 - 10 * load
            values["ul_interference_dbm"] = -117.5 + float(rng.normal(0, 0.5))
            if fault is not None:
                fault(cell, ts, values)
            rows.append((ts, cell, 900, *(values[c] for c in KPI_COLUMNS)))
    with conn.cursor().copy(
        f"COPY kpis (ts, cell_id, period_s, {', '.join(KPI_COLUMNS)}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)
    conn.commit()


def mr(
    conn: Conn,
    lat: float,
    lon: float,
    *,
    n: int = 200,
    rsrp: float = -85.0,
    sinr: float = 15.0,
    spread_m: float = 60.0,
    start: datetime = T0,
    days: int = 7,
    seed: int = 2,
    grid: bool = True,
) -> None:
    """Samples scattered around a place; with ``grid`` also the daily mr_grid rows (cell_id '')."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n):
        la, lo = offset(
            lat, lon, float(rng.normal(0, spread_m / 2)), float(rng.normal(0, spread_m / 2))
        )
        ts = start + timedelta(minutes=int(rng.integers(0, days * 24 * 60)))
        rows.append(
            (
                ts,
                la,
                lo,
                float(rsrp + rng.normal(0, 4)),
                float(sinr + rng.normal(0, 3)),
                h3.latlng_to_cell(la, lo, MR_RES),
                k,
            )
        )
    with conn.cursor().copy(
        "COPY mr_samples (ts, lat, lon, rsrp_dbm, sinr_db, grid_id) FROM STDIN"
    ) as copy:
        for ts, la, lo, r, s, g, _ in rows:
            copy.write_row((ts, la, lo, r, s, g))
    if grid:
        conn.execute("""
            INSERT INTO mr_grid (grid_id, cell_id, day, samples, rsrp_mean, rsrp_p10, rsrp_p50,
                                 rsrp_p90,
                                 weak_share, sinr_mean, poor_sinr_share)
            SELECT grid_id, '', (ts AT TIME ZONE 'UTC')::date, count(*), avg(rsrp_dbm),
                   percentile_cont(0.1) WITHIN GROUP (ORDER BY rsrp_dbm),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY rsrp_dbm),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY rsrp_dbm),
                   avg((rsrp_dbm < -110)::int), avg(sinr_db), avg((sinr_db < -3)::int)
            FROM mr_samples GROUP BY 1, 3
            ON CONFLICT (grid_id, cell_id, day) DO UPDATE SET samples = EXCLUDED.samples,
                rsrp_mean = EXCLUDED.rsrp_mean, rsrp_p10 = EXCLUDED.rsrp_p10,
                rsrp_p50 = EXCLUDED.rsrp_p50,
                rsrp_p90 = EXCLUDED.rsrp_p90, weak_share = EXCLUDED.weak_share,
                sinr_mean = EXCLUDED.sinr_mean, poor_sinr_share = EXCLUDED.poor_sinr_share""")
    conn.commit()


def alarm(
    conn: Conn,
    alarm_id: str,
    object_id: str,
    alarm_type: str,
    raised: datetime,
    cleared: datetime | None = None,
    severity: str = "critical",
    text: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO alarms (alarm_id, object_id, alarm_type, severity, raised_at, cleared_at, "
        "text)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (alarm_id, object_id, alarm_type, severity, raised, cleared, text),
    )
    conn.commit()


def device(
    conn: Conn,
    tac: str,
    *,
    lte: bool = True,
    nr: bool = False,
    volte: bool = True,
    bands: Sequence[str] = ("B3", "B1"),
    issue: str | None = None,
    model: str = "Model",
) -> None:
    conn.execute(
        "INSERT INTO devices (tac, vendor, model, supports_lte, supports_nr, supports_volte, "
        "bands, "
        "known_issue)"
        " VALUES (%s, 'Acme', %s, %s, %s, %s, %s, %s)",
        (tac, model, lte, nr, volte, list(bands), issue),
    )
    conn.commit()


def subscriber(conn: Conn, msisdn: str, tac: str, *, sim: str = "4g", home: str = "460-00") -> None:
    conn.execute(
        "INSERT INTO subscribers (msisdn_hash, msisdn_masked, tac, sim_type, home_network) "
        "VALUES "
        "(%s, %s, %s, %s, %s)",
        (hash_msisdn(msisdn, PII_KEY), mask_msisdn(msisdn), tac, sim, home),
    )
    conn.commit()


def registration(
    conn: Conn,
    msisdn: str,
    at: datetime,
    status: str = "registered",
    *,
    network: str | None = "460-00",
    reject: str | None = None,
    forwarding: bool | None = False,
    roaming: bool | None = True,
) -> None:
    conn.execute(
        "INSERT INTO registrations (msisdn_hash, observed_at, status, network, reject_cause, "
        "call_forwarding,"
        " roaming_enabled) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (hash_msisdn(msisdn, PII_KEY), at, status, network, reject, forwarding, roaming),
    )
    conn.commit()


def area(
    conn: Conn,
    kind: str,
    lat: float,
    lon: float,
    *,
    half_m: float = 200.0,
    name: str | None = None,
    note: str | None = None,
    planned_on_air: date | None = None,
) -> None:
    (la0, lo0), (la1, lo1) = offset(lat, lon, -half_m, -half_m), offset(lat, lon, half_m, half_m)
    geometry = {
        "type": "Polygon",
        "coordinates": [[[lo0, la0], [lo1, la0], [lo1, la1], [lo0, la1], [lo0, la0]]],
    }
    conn.execute(
        "INSERT INTO areas (feature_hash, kind, name, note, planned_on_air, geometry, min_lat, "
        "min_lon, max_lat, max_lon)"
        " VALUES (md5(random()::text), %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (kind, name, note, planned_on_air, json.dumps(geometry), la0, lo0, la1, lo1),
    )
    conn.commit()


def complaint(
    external_id: str,
    lat: float | None,
    lon: float | None,
    symptom: str | None,
    reported_at: datetime,
    msisdn: str = "13800138000",
    **extra: Any,
) -> dict[str, Any]:
    """A complaint JSON object as the API and ``diagnose`` take it."""
    data: dict[str, Any] = {
        "external_id": external_id,
        "msisdn": msisdn,
        "reported_at": reported_at.isoformat(),
    }
    if lat is not None and lon is not None:
        data.update(lat=lat, lon=lon)
    if symptom is not None:
        data["symptom"] = symptom
    for key, value in extra.items():
        data[key] = value.isoformat() if isinstance(value, datetime) else value
    return data


@dataclass(frozen=True)
class Town:
    """A small network with two days of healthy KPIs and good MR; ``place`` is 150 m north of
    the central site (served by its sector 0), ``site`` that site."""

    sites: list[Site]
    site: Site
    place: tuple[float, float]
    cells: list[str]
    start: datetime
    now: datetime  # when complaints are reported (evening of the second day)


def town(
    conn: Conn, *, fault: Fault | None = None, rsrp: float = -85.0, sinr: float = 15.0
) -> Town:
    sites = network(conn, rings=1)
    site = next(s for s in sites if abs(s.lat - CENTRE[0]) < 1e-6 and abs(s.lon - CENTRE[1]) < 1e-6)
    cells = [s.cell(k) for s in sites for k in range(3)]
    start = T0
    kpis(conn, cells, start, 48, fault=fault)
    place = offset(site.lat, site.lon, 10.0, 150.0)
    mr(conn, *place, rsrp=rsrp, sinr=sinr, start=start, days=2)
    return Town(sites, site, place, cells, start, start + timedelta(hours=44))
