"""``scenario generate``: build the world, then stream every file into ``--out``.

Files (contract formats): cells.csv, kpis.csv or kpis/ (3GPP XML), mr.csv, alarms.csv,
subscribers.csv, devices.csv, registrations.csv, areas.geojson, complaints.csv, truth.csv, and
scenario.json (a manifest: seed, sizes, period, zone, counts per cause, fault summary).
MR and KPIs are streamed a day at a time, so memory stays bounded for province-size runs.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from netcomplaint.errors import InputError
from scenario.clock import PERIOD_S, PERIODS_PER_DAY, Clock
from scenario.complaints import Complaint, build
from scenario.mr import MrStream
from scenario.people import DEVICES, People
from scenario.pmxml import write_pm_files
from scenario.records import ALARM_COLUMNS, alarms, areas
from scenario.settings import CAUSES, ScenarioParams, ScenarioSettings
from scenario.traffic import KPI_COLUMNS, KpiChunk
from scenario.world import World, build_world
from scenario.writer import (
    MR_COLUMNS,
    kpi_csv_rows,
    mr_rows,
    open_csv,
    write_cells,
    write_geojson,
    write_json,
    write_table,
)

COMPLAINT_COLUMNS = (
    "external_id",
    "msisdn",
    "reported_at",
    "lat",
    "lon",
    "cell_id",
    "symptom",
    "occurred_from",
    "occurred_to",
    "description",
    "indoor",
    "floor",
    "frequency",
    "neighbours_affected",
    "everywhere",
    "channel",
    "urgent",
)
Step = Callable[[str], None]


def generate(
    params: ScenarioParams, cfg: ScenarioSettings | None = None, step: Step | None = None
) -> dict[str, Any]:
    """Write the scenario into ``params.out``; returns the manifest."""
    cfg = cfg or ScenarioSettings()
    say: Step = step or (lambda _msg: None)
    out = params.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}: {exc.strerror or exc}", field="out") from None
    world = build_world(params, cfg, say)

    files: dict[str, int] = {}
    files["cells.csv"] = write_cells(out / "cells.csv", world.net)
    people = People(world.rng, cfg.plmn)
    complaints = build(world.cases, people, world.net, world.clock, cfg, world.rng)
    people.bystanders(2 * len(complaints) + 20, world.clock.end - 3600)
    say("measurement reports")
    mr = MrStream(world.loc, world.faults, world.traffic, world.clock, cfg, world.cases)
    files["mr.csv"] = _write_mr(out / "mr.csv", world, mr)
    drop = mr.finish(world.traffic)
    say("KPIs")
    files.update(_write_kpis(out, world, drop))
    say("records")
    alarm_rows = alarms(world.net, world.faults, world.clock, world.rng)
    files["alarms.csv"] = write_table(out / "alarms.csv", ALARM_COLUMNS, alarm_rows)
    feats = areas(world.net, world.holes, world.faults, world.clock)
    files["areas.geojson"] = write_geojson(out / "areas.geojson", feats)
    files.update(_write_people(out, people, world))
    files.update(_write_complaints(out, complaints, world))
    manifest = _manifest(world, complaints, files)
    write_json(out / "scenario.json", manifest)
    return manifest


def _write_mr(path: Path, world: World, mr: MrStream) -> int:
    net = world.net
    ids = np.array(net.cell_id, dtype=object)
    source = np.array(["mr", "mdt"], dtype=object)
    n = 0
    with open_csv(path, MR_COLUMNS) as fh:
        for chunk in mr.days():
            lat, lon = net.proj.to_latlon(chunk.x, chunk.y)
            n += mr_rows(
                fh,
                world.clock.iso_many(chunk.ts),
                lat,
                lon,
                chunk.rsrp,
                ids[chunk.cell],
                chunk.rsrq,
                chunk.sinr,
                source[chunk.mdt.astype(np.int64)],
            )
    return n


def _write_kpis(out: Path, world: World, drop: np.ndarray[Any, Any]) -> dict[str, int]:
    net, clock, faults = world.net, world.clock, world.faults
    cells = np.flatnonzero(net.active)
    fmt = world.params.kpi_format

    def chunks() -> Iterator[KpiChunk]:
        for day in range(clock.days):
            p0, p1 = day * PERIODS_PER_DAY, (day + 1) * PERIODS_PER_DAY
            up = faults.up_share(net.n_cells, clock, p0, p1)
            ext = faults.ext_ul_mw(net.n_cells, p0, p1)
            cqi_drop = np.zeros((net.n_cells, p1 - p0))
            for src in faults.sources:
                loss = drop[src.cells]
                fallback = np.minimum(3.0, 0.1 * (src.ul_dbm + 119.0))
                loss = np.where(np.isfinite(loss), loss, fallback)
                cqi_drop[src.cells] += loss[:, None] * src.active[p0:p1][None, :]
            yield world.traffic.kpis(p0, p1, up, ext, cqi_drop, world.rng)

    if fmt == "csv":
        if (out / "kpis").is_dir():
            shutil.rmtree(out / "kpis")
        rows = 0
        with open_csv(out / "kpis.csv", ("ts", "cell_id", *KPI_COLUMNS)) as fh:
            for chunk in chunks():
                rows += kpi_csv_rows(fh, chunk, clock, net, cells)
        return {"kpis.csv": rows}
    (out / "kpis.csv").unlink(missing_ok=True)
    kpi_dir = out / "kpis"
    if kpi_dir.is_dir():
        shutil.rmtree(kpi_dir)
    kpi_dir.mkdir()
    n_files = 0
    for chunk in chunks():
        n_files += write_pm_files(kpi_dir, chunk, clock, net, cells, gz=fmt == "xml.gz")
    return {"kpis/": n_files}


def _write_people(out: Path, people: People, world: World) -> dict[str, int]:
    files = {}
    files["subscribers.csv"] = write_table(
        out / "subscribers.csv",
        ("msisdn", "tac", "sim_type", "home_network", "vip"),
        ((s.msisdn, s.tac, s.sim_type, s.home_network, s.vip) for s in people.subscribers),
    )
    files["devices.csv"] = write_table(
        out / "devices.csv",
        (
            "tac",
            "vendor",
            "model",
            "supports_lte",
            "supports_nr",
            "supports_volte",
            "bands",
            "known_issue",
        ),
        DEVICES,
    )
    clock = world.clock
    regs = sorted(people.registrations, key=lambda r: (r.observed_at, r.msisdn))
    files["registrations.csv"] = write_table(
        out / "registrations.csv",
        (
            "msisdn",
            "observed_at",
            "status",
            "network",
            "reject_cause",
            "call_forwarding",
            "roaming_enabled",
        ),
        (
            (
                r.msisdn,
                clock.iso(r.observed_at),
                r.status,
                r.network,
                r.reject_cause,
                r.call_forwarding,
                r.roaming_enabled,
            )
            for r in regs
        ),
    )
    return files


def _write_complaints(out: Path, complaints: list[Complaint], world: World) -> dict[str, int]:
    clock = world.clock

    def when(t: int | None) -> str:
        return "" if t is None else clock.iso(t)

    rows = [
        (
            c.external_id,
            c.subscriber.msisdn,
            when(c.reported_at),
            "" if c.lat is None else f"{c.lat:.6f}",
            "" if c.lon is None else f"{c.lon:.6f}",
            c.cell_id,
            c.symptom,
            when(c.occurred_from),
            when(c.occurred_to),
            c.description,
            c.indoor,
            c.floor,
            c.frequency,
            c.neighbours,
            c.everywhere,
            c.channel,
            c.urgent,
        )
        for c in complaints
    ]
    return {
        "complaints.csv": write_table(out / "complaints.csv", COMPLAINT_COLUMNS, rows),
        "truth.csv": write_table(
            out / "truth.csv",
            ("external_id", "cause"),
            ((c.external_id, c.cause) for c in complaints),
        ),
    }


def _runs(clock: Clock, active: np.ndarray[Any, Any]) -> list[tuple[int, int]]:
    """Contiguous active spells as (start, end) instants."""
    edges = np.diff(np.concatenate([[0], active.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [
        (clock.start + int(a) * PERIOD_S, clock.start + int(b) * PERIOD_S)
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def _manifest(world: World, complaints: list[Complaint], files: dict[str, int]) -> dict[str, Any]:
    p, clock, net, faults = world.params, world.clock, world.net, world.faults
    counts = {cause: sum(1 for c in complaints if c.cause == cause) for cause in CAUSES}
    by_group: dict[str, int] = {}
    for c in complaints:
        if c.case.group:
            by_group[c.case.group] = by_group.get(c.case.group, 0) + 1
    return {
        "generator": "netcomplaint scenario generate",
        "seed": p.seed,
        "sizes": {
            "cells": net.n_cells,
            "sites": len(net.site_id),
            "days": p.days,
            "complaints": len(complaints),
            "mr_samples": files.get("mr.csv", 0),
        },
        "period": {
            "start": clock.iso(clock.start),
            "end": clock.iso(clock.end),
            "tz": p.tz,
            "event_day": clock.date(clock.event_day).isoformat(),
        },
        "centre": {"lat": world.cfg.centre_lat, "lon": world.cfg.centre_lon},
        "kpi_format": p.kpi_format,
        "counts": counts,
        "requested": world.requested,
        "files": files,
        "faults": {
            "outages": [
                {
                    "site_id": net.site_id[o.site],
                    "kind": o.kind,
                    "alarmed": o.alarmed,
                    "start": clock.iso(o.start),
                    "end": clock.iso(o.end),
                    "cells": [net.cell_id[c] for c in o.cells.tolist()],
                    "complaints": by_group.get(f"outage-{k}", 0),
                }
                for k, o in enumerate(faults.outages)
            ],
            "planned_works": [
                {
                    "site_id": net.site_id[o.site],
                    "start": clock.iso(o.start),
                    "end": clock.iso(o.end),
                }
                for o in faults.works
            ],
            "interference_sources": [
                {
                    "name": s.name,
                    "schedule": s.schedule,
                    "recorded": s.recorded,
                    "alarmed": s.alarmed,
                    "target_cell": net.cell_id[s.target],
                    "cells": {
                        net.cell_id[c]: round(float(u), 1)
                        for c, u in zip(s.cells.tolist(), s.ul_dbm.tolist(), strict=False)
                    },
                    "complaints": by_group.get(s.name, 0),
                    "windows": [[clock.iso(a), clock.iso(b)] for a, b in _runs(clock, s.active)],
                }
                for s in faults.sources
            ],
            "congested_cells": [net.cell_id[c] for c in faults.congested.tolist()],
            "event_venue": None
            if faults.venue is None
            else {
                "name": faults.venue.name,
                "start": clock.iso(faults.venue.start),
                "end": clock.iso(faults.venue.end),
                "cells": [net.cell_id[c] for c in faults.venue.cells.tolist()],
            },
            "holes": [
                {
                    "name": h.name,
                    "kind": h.kind,
                    "area": h.area_kind or None,
                    "complaints": len(h.spots),
                }
                for h in world.holes
            ],
        },
        "notes": world.notes,
    }
