"""Writing the scenario files in the contract's formats, fast and byte-reproducibly.

Large tables (KPIs, MR) are written in chunks: numbers are rounded to fixed decimals and turned
into text through a lookup table of every value in the chunk's range (one vectorised gather
instead of a ``format`` call per value), then rows are joined. Small tables go through the
``csv`` module so free text (descriptions, alarm text) is quoted properly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from scenario.clock import Clock
from scenario.network import LAYERS, Network
from scenario.traffic import KPI_COLUMNS, KpiChunk

F64 = NDArray[np.float64]
Obj = NDArray[np.object_]

CELL_COLUMNS = (
    "cell_id",
    "site_id",
    "lat",
    "lon",
    "technology",
    "azimuth_deg",
    "beamwidth_deg",
    "band",
    "earfcn",
    "pci",
    "height_m",
    "tilt_deg",
    "indoor",
    "status",
    "on_air_date",
)
MR_COLUMNS = ("ts", "lat", "lon", "rsrp_dbm", "cell_id", "rsrq_db", "sinr_db", "source")
KPI_DECIMALS = {
    "availability_pct": 2,
    "rrc_setup_sr_pct": 2,
    "erab_setup_sr_pct": 2,
    "call_drop_rate_pct": 2,
    "ho_sr_pct": 2,
    "prb_util_dl_pct": 2,
    "prb_util_ul_pct": 2,
    "ul_interference_dbm": 1,
    "avg_cqi": 2,
    "dl_user_thr_mbps": 2,
    "rrc_users_avg": 1,
}
_TABLE_LIMIT = 2_000_000
_TABLES: dict[int, tuple[int, Obj]] = {}  # decimals -> (first scaled value, texts)


def fixed(values: F64, decimals: int) -> Obj:
    """Fixed-point text for each value; NaN becomes an empty string.

    Texts come from a per-precision table of every scaled value seen so far (grown on demand),
    so repeated chunks over the same range cost one gather."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, "", dtype=object)
    ok = np.isfinite(values)
    if not ok.any():
        return out
    scaled = np.rint(values[ok] * 10**decimals).astype(np.int64)
    lo, hi = int(scaled.min()), int(scaled.max())
    first, table = _TABLES.get(decimals, (lo, np.empty(0, dtype=object)))
    last = first + len(table) - 1
    if lo < first or hi > last:
        new_lo, new_hi = (min(lo, first), max(hi, last)) if len(table) else (lo, hi)
        growth = new_hi - new_lo + 1 - len(table)
        if new_hi - new_lo > _TABLE_LIMIT or growth > max(4 * scaled.size, 250_000):
            out[ok] = np.array(_texts(scaled.tolist(), decimals), dtype=object)
            return out
        if len(table):
            head = _texts(range(new_lo, first), decimals)
            tail = _texts(range(last + 1, new_hi + 1), decimals)
            table = np.array(head + table.tolist() + tail, dtype=object)
        else:
            table = np.array(_texts(range(new_lo, new_hi + 1), decimals), dtype=object)
        first = new_lo
        _TABLES[decimals] = (first, table)
    out[ok] = table[scaled - first]
    return out


def _texts(scaled: Iterable[int], decimals: int) -> list[str]:
    """``k / 10**decimals`` written with exactly ``decimals`` digits (exact: integer maths)."""
    if decimals == 0:
        return [str(k) for k in scaled]
    p = 10**decimals
    return [
        f"{k // p}.{k % p:0{decimals}d}" if k >= 0 else f"-{-k // p}.{-k % p:0{decimals}d}"
        for k in scaled
    ]


def write_rows(fh: TextIO, columns: Sequence[Obj | list[str]]) -> None:
    """Append rows given column-wise (already text, no quoting needed)."""
    lists = [c.tolist() if isinstance(c, np.ndarray) else c for c in columns]
    if not lists or not lists[0]:
        return
    fh.write("\n".join(map(",".join, zip(*lists, strict=False))))
    fh.write("\n")


def open_csv(path: Path, header: Iterable[str]) -> TextIO:
    fh = path.open("w", encoding="utf-8", newline="")
    fh.write(",".join(header) + "\n")
    return fh


def write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """A small CSV through the csv module (quotes text with commas); returns the row count."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    n = 0
    for row in rows:
        writer.writerow(["" if v is None else _text(v) for v in row])
        n += 1
    path.write_text(buf.getvalue(), encoding="utf-8")
    return n


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def write_cells(path: Path, net: Network) -> int:
    lat, lon = net.proj.to_latlon(net.cell_x, net.cell_y)
    rows = []
    for c in range(net.n_cells):
        tech, band, earfcn = LAYERS[net.layer[c]][:3]
        omni = bool(np.isnan(net.azimuth[c]))
        rows.append(
            (
                net.cell_id[c],
                net.site_id[int(net.cell_site[c])],
                f"{lat[c]:.6f}",
                f"{lon[c]:.6f}",
                tech,
                "" if omni else f"{net.azimuth[c]:.0f}",
                "" if omni else "65",
                band,
                earfcn,
                int(net.pci[c]),
                f"{net.height[c]:.1f}",
                f"{net.tilt[c]:.1f}",
                bool(net.indoor[c]),
                net.status[c],
                net.on_air[c],
            )
        )
    return write_table(path, CELL_COLUMNS, rows)


def kpi_csv_rows(
    fh: TextIO, chunk: KpiChunk, clock: Clock, net: Network, cells: NDArray[np.int64]
) -> int:
    """Rows of one KPI chunk (period-major, then cell), active cells only."""
    m = next(iter(chunk.values.values())).shape[1]
    periods = clock.period_starts()[chunk.p0 : chunk.p0 + m]
    ts_text = clock.iso_many(periods)
    ids = np.array(net.cell_id, dtype=object)[cells]
    cols: list[Obj] = [np.repeat(ts_text, len(cells)), np.tile(ids, m)]
    for name in KPI_COLUMNS:
        cols.append(fixed(chunk.values[name][cells].T.reshape(-1), KPI_DECIMALS[name]))
    write_rows(fh, cols)
    return int(m * len(cells))


def mr_rows(
    fh: TextIO, ts: Obj, lat: F64, lon: F64, rsrp: F64, cell: Obj, rsrq: F64, sinr: F64, source: Obj
) -> int:
    write_rows(
        fh,
        [
            ts,
            fixed(lat, 5),
            fixed(lon, 5),
            fixed(rsrp, 1),
            cell,
            fixed(rsrq, 1),
            fixed(sinr, 1),
            source,
        ],
    )
    return len(ts)


def write_geojson(path: Path, features: list[dict[str, Any]]) -> int:
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(features)


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
