"""KPIs as 3GPP performance-measurement files (TS 32.435 ``measCollecFile``).

One file per 15-minute granularity period, named as TS 32.432 prescribes
(``A20250602.1000+0800-1015+0800_460-00.xml``), optionally gzip-compressed (written with a fixed
mtime, so reruns are byte-identical). Each site is a ``measData`` (``managedElement`` = site);
each cell a ``measValue`` with ``measObjLdn`` =
``ManagedElement=<site>,ENodeBFunction=1,EUtranCellFDD=<cell>`` (LTE FDD; ``EUtranCellTDD`` for
the band-40 indoor cells) or ``ManagedElement=<site>,GNBDUFunction=1,NRCellDU=<cell>`` (NR).
Absent values (a cell down for the whole period has no throughput, CQI or interference reading)
are omitted ``r`` elements; a down cell's attempts are 0 (so its ratios are undefined).

Counters (TS 28.552 names where 28.552 defines one; the uplink interference counter has no 3GPP
name, so the common vendor one is used) and the formulas that give back the CSV KPIs -- the
same as the built-in ones in ``kpi_ingest/formulas.toml``:

| KPI | formula |
|---|---|
| availability_pct | 100 * (1 - RRU.CellUnavailableTime / 900) |
| rrc_setup_sr_pct | 100 * RRC.ConnEstabSucc / RRC.ConnEstabAtt |
| erab_setup_sr_pct | 100 * DRB.EstabSucc / DRB.EstabAtt |
| call_drop_rate_pct | 100 * DRB.RelActNbr / DRB.EstabSucc |
| ho_sr_pct | 100 * MM.HoExeIntraSucc / MM.HoExeIntraReq (no inter-gNB counters written) |
| prb_util_dl_pct / _ul_pct | 100 * RRU.PrbUsedDl / RRU.PrbAvailDl (Ul likewise) |
| ul_interference_dbm | L.UL.Interference.Avg (mean noise + interference per PRB, dBm) |
| avg_cqi | pdf_mean(CARR.WBCQIDist): a 16-bin array counter "n0,n1,...,n15", bin k = CQI k |
| dl_user_thr_mbps | DRB.UEThpDl / 1000 (kbit/s) |
| rrc_users_avg | RRC.ConnMean |
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from scenario.clock import PERIOD_S, Clock
from scenario.network import LAYERS, Network
from scenario.traffic import ATTEMPTS_PER_USER, KpiChunk
from scenario.writer import fixed

F64 = NDArray[np.float64]
Obj = NDArray[np.object_]
NS = "http://www.3gpp.org/ftp/specs/archive/32_series/32.435#measCollec"
CQI_SPREAD = 1.8
COUNTER_NAMES = (
    "RRU.CellUnavailableTime",
    "RRC.ConnEstabAtt",
    "RRC.ConnEstabSucc",
    "DRB.EstabAtt",
    "DRB.EstabSucc",
    "DRB.RelActNbr",
    "MM.HoExeIntraReq",
    "MM.HoExeIntraSucc",
    "RRU.PrbUsedDl",
    "RRU.PrbAvailDl",
    "RRU.PrbUsedUl",
    "RRU.PrbAvailUl",
    "L.UL.Interference.Avg",
    "DRB.UEThpDl",
    "RRC.ConnMean",
    "CARR.WBCQIDist",
)
ARRAY_COUNTERS = frozenset({"CARR.WBCQIDist"})


_CENTRES = np.linspace(-6.0, 21.0, 2701)


def _centre_table() -> tuple[F64, F64]:
    k = np.arange(16.0)
    w = np.exp(-((k[None, :] - _CENTRES[:, None]) ** 2) / (2 * CQI_SPREAD**2))
    means = (w * k).sum(1) / w.sum(1)
    return means, _CENTRES


_MEANS, _ = _centre_table()


def cqi_bins(mean: F64, reports: F64) -> F64:
    """Wideband CQI histogram (bins 0..15) with the given mean: a discretised normal whose
    centre comes from the (monotone) mean-to-centre table, so the histogram mean matches."""
    k = np.arange(16.0)
    centre = np.interp(mean, _MEANS, _CENTRES)
    w = np.exp(-((k - centre[..., None]) ** 2) / (2 * CQI_SPREAD**2))
    return np.asarray(np.rint(w / w.sum(-1, keepdims=True) * reports[..., None]), dtype=np.float64)


def counters(values: dict[str, F64], prb: F64) -> list[tuple[str, F64, int]]:
    """(name, values, decimals) per counter; inputs are KPI arrays (any shape, broadcast)."""
    users = np.nan_to_num(values["rrc_users_avg"])
    att = np.maximum(np.rint(users * ATTEMPTS_PER_USER), 50) * (values["availability_pct"] > 0)
    calls = np.rint(att * 0.8)
    rrc = np.nan_to_num(values["rrc_setup_sr_pct"]) / 100
    erab = np.nan_to_num(values["erab_setup_sr_pct"]) / 100
    drb_succ = np.rint(att * erab)
    out: list[tuple[str, F64, int]] = [
        ("RRU.CellUnavailableTime", np.rint(PERIOD_S * (1 - values["availability_pct"] / 100)), 0),
        ("RRC.ConnEstabAtt", att, 0),
        ("RRC.ConnEstabSucc", np.rint(att * rrc), 0),
        ("DRB.EstabAtt", att, 0),
        ("DRB.EstabSucc", drb_succ, 0),
        ("DRB.RelActNbr", np.rint(drb_succ * np.nan_to_num(values["call_drop_rate_pct"]) / 100), 0),
        ("MM.HoExeIntraReq", calls, 0),
        ("MM.HoExeIntraSucc", np.rint(calls * np.nan_to_num(values["ho_sr_pct"]) / 100), 0),
        ("RRU.PrbUsedDl", prb * values["prb_util_dl_pct"] / 100, 2),
        ("RRU.PrbAvailDl", prb, 0),
        ("RRU.PrbUsedUl", prb * values["prb_util_ul_pct"] / 100, 2),
        ("RRU.PrbAvailUl", prb, 0),
        ("L.UL.Interference.Avg", values["ul_interference_dbm"], 1),
        ("DRB.UEThpDl", values["dl_user_thr_mbps"] * 1000, 0),
        ("RRC.ConnMean", values["rrc_users_avg"], 1),
    ]
    cqi = values["avg_cqi"]
    bins = cqi_bins(np.nan_to_num(cqi, nan=8.0), np.maximum(att, 1.0))
    out.append(("CARR.WBCQIDist", np.where(np.isfinite(cqi)[..., None], bins, np.nan), 0))
    assert tuple(name for name, _v, _d in out) == COUNTER_NAMES
    return out


def write_pm_files(
    out: Path, chunk: KpiChunk, clock: Clock, net: Network, cells: NDArray[np.int64], gz: bool
) -> int:
    """One measCollecFile per period of ``chunk``; returns the number of files."""
    ldn = np.array([_ldn(net, c) for c in cells.tolist()], dtype=object)
    sites = net.cell_site[cells]
    prb = np.array([LAYERS[net.layer[c]][5] for c in cells.tolist()], dtype=np.float64)
    m = next(iter(chunk.values.values())).shape[1]
    values = {k: v[cells] for k, v in chunk.values.items()}
    bodies = _values_xml(ldn[:, None], counters(values, prb[:, None]))  # [cells, periods]
    for j in range(m):
        p = chunk.p0 + j
        begin = clock.start + p * PERIOD_S
        text = _document(clock, begin, net, sites, bodies[:, j])
        name = _file_name(clock, begin, net)
        data = text.encode("utf-8")
        if gz:
            with (
                (out / (name + ".gz")).open("wb") as fh,
                gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=6) as zf,
            ):
                zf.write(data)
        else:
            (out / name).write_bytes(data)
    return int(m)


def _ldn(net: Network, c: int) -> str:
    site = net.site_id[int(net.cell_site[c])]
    if LAYERS[net.layer[c]][0] == "NR":
        return f"ManagedElement={site},GNBDUFunction=1,NRCellDU={net.cell_id[c]}"
    if LAYERS[net.layer[c]][1] == "B40":  # TDD band
        return f"ManagedElement={site},ENodeBFunction=1,EUtranCellTDD={net.cell_id[c]}"
    return f"ManagedElement={site},ENodeBFunction=1,EUtranCellFDD={net.cell_id[c]}"


def _values_xml(ldn: Obj, cols: list[tuple[str, F64, int]]) -> Obj:
    """Each cell's ``<measValue>`` element as text (shape: ``ldn`` broadcast with values)."""
    shape = np.broadcast_shapes(
        ldn.shape, *(np.shape(v) for n, v, _d in cols if n not in ARRAY_COUNTERS)
    )
    parts: Obj = np.empty(shape, dtype=object)
    parts[...] = '<measValue measObjLdn="' + ldn + '">'
    for p, (_name, vals, dec) in enumerate(cols, start=1):
        if _name in ARRAY_COUNTERS:  # an array (PDF) counter: comma-separated bins
            bins = [_text(vals[..., b], shape, dec) for b in range(np.shape(vals)[-1])]
            text = bins[0]
            for more in bins[1:]:
                text = np.where(more == "", "", text + "," + more)
        else:
            text = _text(vals, shape, dec)
        tag = f'<r p="{p}">'
        parts = parts + np.where(text == "", "", tag + text + "</r>")
    suspect = "<suspect>false</suspect></measValue>"
    return np.asarray(parts + suspect, dtype=object)


def _text(vals: F64, shape: tuple[int, ...], dec: int) -> Obj:
    return fixed(np.broadcast_to(vals, shape).ravel(), dec).reshape(shape)


def _document(clock: Clock, begin: int, net: Network, sites: NDArray[np.int64], body: Obj) -> str:
    end = begin + PERIOD_S
    types = "".join(
        f'<measType p="{p}">{n}</measType>' for p, n in enumerate(COUNTER_NAMES, start=1)
    )
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<measCollecFile xmlns="{NS}">\n',
        '<fileHeader fileFormatVersion="32.435 V17.0" vendorName="netcomplaint scenario">',
        '<fileSender elementType="OSS"/>',
        f'<measCollec beginTime="{clock.iso(begin)}"/></fileHeader>\n',
    ]
    bodies = body.tolist()
    start = 0
    site_list = sites.tolist()
    while start < len(site_list):
        stop = start
        while stop < len(site_list) and site_list[stop] == site_list[start]:
            stop += 1
        out.append(
            f'<measData><managedElement localDn="ManagedElement={net.site_id[site_list[start]]}"/>'
            f'<measInfo measInfoId="cell"><job jobId="1"/>'
            f'<granPeriod duration="PT{PERIOD_S}S" endTime="{clock.iso(end)}"/>'
            f'<repPeriod duration="PT{PERIOD_S}S"/>{types}\n'
            + "\n".join(bodies[start:stop])
            + "\n</measInfo></measData>\n"
        )
        start = stop
    out.append(f'<fileFooter><measCollec endTime="{clock.iso(end)}"/></fileFooter>\n')
    out.append("</measCollecFile>\n")
    return "".join(out)


def _file_name(clock: Clock, begin: int, net: Network) -> str:
    a, b = clock.iso(begin), clock.iso(begin + PERIOD_S)
    zone = a[19:].replace(":", "")
    zone_end = b[19:].replace(":", "")
    day = a[:10].replace("-", "")
    return (
        f"A{day}.{a[11:13]}{a[14:16]}{zone}-{b[11:13]}{b[14:16]}{zone_end}_{net.site_id[0][:2]}.xml"
    )
