"""Reading geolocated measurement samples (MR / MDT / drive test) from CSV, in chunks.

Contract columns ``ts, lat, lon, rsrp_dbm`` and optional ``cell_id, rsrq_db, sinr_db, source``;
foreign headers via ``--columns``, other time layouts via ``--time-format`` (strftime, e.g.
``%Y.%m.%d_%H.%M.%S``), ``--tz`` for times without an offset. ``-``, ``NA``, ``NULL``… are
missing values. Values are parsed column-wise (pandas/numpy) ``chunk_rows`` at a time, so memory
does not grow with the file; each chunk also carries the H3 grid cell of every sample.

A bad row is skipped and reported with its line and field (line numbers assume no quoted field
spans lines). A file pandas can't read as CSV is rejected whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h3
import numpy as np
import numpy.typing as npt
import pandas as pd

from kpi_ingest.compressed import open_binary
from kpi_ingest.csvsource import Column, FileReport, resolve_header
from kpi_ingest.encodings import not_text, sniff_encoding
from kpi_ingest.kpi_csv import parse_header_line
from kpi_ingest.values import text
from netcomplaint.errors import FileFormatError

REQUIRED = ("ts", "lat", "lon", "rsrp_dbm")
OPTIONAL = ("cell_id", "rsrq_db", "sinr_db", "source")
NULL_TOKENS = ("", "-", "NA", "N/A", "NULL", "NAN", "NONE")
_NULLS = sorted({v for t in NULL_TOKENS for v in (t, t.lower(), t.title(), "NaN", "n/a")})
RANGES = {
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "rsrp_dbm": (-160.0, -20.0),
    "rsrq_db": (-40.0, 20.0),
    "sinr_db": (-50.0, 70.0),
}
_OFFSET = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
FloatArray = npt.NDArray[np.floating[Any]]


@dataclass(frozen=True)
class MrOptions:
    rename: dict[str, str]
    zone_name: str
    time_format: str | None
    source: str | None
    resolution: int
    chunk_rows: int


@dataclass
class MrChunk:
    ts: npt.NDArray[np.datetime64]  # UTC, microseconds, naive
    lat: FloatArray
    lon: FloatArray
    rsrp: FloatArray
    rsrq: FloatArray  # NaN = missing
    sinr: FloatArray
    cell_id: list[str | None]
    source: list[str | None]
    grid: list[str]

    def __len__(self) -> int:
        return len(self.lat)


def mr_columns() -> list[Column]:
    return [Column(n, text) for n in REQUIRED] + [Column(n, text, required=False) for n in OPTIONAL]


class _Checks:
    """First error per row (field, reason), in column order; messages built for bad rows only."""

    def __init__(self, n: int) -> None:
        self.bad = np.zeros(n, dtype=bool)
        self.errors: dict[int, tuple[str, str]] = {}

    def flag(
        self, mask: pd.Series[bool], field: str, reason: str, values: pd.Series[str] | None = None
    ) -> None:
        new = mask.to_numpy(dtype=bool) & ~self.bad
        if not new.any():
            return
        self.bad |= new
        rows = np.flatnonzero(new)
        shown = values.to_numpy(dtype=object)[rows] if values is not None else None
        for k, row in enumerate(rows.tolist()):
            text = reason if shown is None else f"{reason}'{str(shown[k])[:40]}'"
            self.errors[row] = (field, text)

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        return ~self.bad


def read_mr(path: Path, report: FileReport, options: MrOptions) -> Iterator[MrChunk]:
    encoding = sniff_encoding(path)
    with open_binary(path) as handle:
        header, delimiter = parse_header_line(path, handle.readline(), encoding)
    positions = resolve_header(path, header, mr_columns(), options.rename)
    order = sorted(positions.items(), key=lambda item: item[1])
    names = {i: name for i, (name, _) in enumerate(order)}
    first_line = 2
    with open_binary(path) as handle:
        try:
            reader = pd.read_csv(
                handle,
                sep=delimiter,
                header=0,
                usecols=[p for _, p in order],
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                chunksize=options.chunk_rows,
                encoding=encoding,
                engine="c",
            )
            for frame in reader:
                frame.columns = pd.Index([names[i] for i in range(len(frame.columns))])
                chunk = _chunk(frame.fillna(""), first_line, report, options)
                first_line += len(frame)
                if chunk is not None:
                    yield chunk
        except pd.errors.ParserError as exc:
            raise FileFormatError(f"{path}: not a readable CSV file: {exc}") from None
        except UnicodeDecodeError:
            raise FileFormatError(f"{path}: {not_text(encoding)}") from None


def _chunk(
    frame: pd.DataFrame, first_line: int, report: FileReport, options: MrOptions
) -> MrChunk | None:
    raw = {c: frame[c].astype(str).str.strip() for c in frame.columns}
    blank = pd.Series(True, index=frame.index)
    for values in raw.values():
        blank &= values == ""
    checks = _Checks(len(frame))
    missing = {c: v.isin(_NULLS) for c, v in raw.items()}
    ts = _timestamps(raw["ts"], missing["ts"], checks, options)
    numbers: dict[str, pd.Series[float]] = {}
    for name in ("lat", "lon", "rsrp_dbm", "rsrq_db", "sinr_db"):
        if name not in raw:
            numbers[name] = pd.Series(np.nan, index=frame.index, dtype=float)
            continue
        values, absent = raw[name], missing[name]
        if name in REQUIRED:
            checks.flag(absent, name, "required value is empty")
        number = pd.to_numeric(values.where(~absent, None), errors="coerce")
        checks.flag(~absent & number.isna(), name, "not a number: ", values)
        low, high = RANGES[name]
        outside = ~absent & number.notna() & ~number.between(low, high)
        checks.flag(outside, name, f"out of range [{low:g}, {high:g}]: ", values)
        numbers[name] = number.astype(float)
    checks.flag((numbers["lat"] == 0) & (numbers["lon"] == 0), "lat", "no GPS fix (0, 0)")
    checks.flag(blank, "", "")
    report.rows_read += int((~blank).sum())
    skip = blank.to_numpy(dtype=bool)
    for row, (field, reason) in sorted(checks.errors.items()):
        if not skip[row]:
            report.reject_row(first_line + row, field, reason)
    good = checks.ok
    if not good.any():
        return None
    arrays = {n: v.to_numpy(dtype=np.float64)[good] for n, v in numbers.items()}
    lat, lon = arrays["lat"], arrays["lon"]
    return MrChunk(
        ts=ts[good],
        lat=lat,
        lon=lon,
        rsrp=arrays["rsrp_dbm"],
        rsrq=arrays["rsrq_db"],
        sinr=arrays["sinr_db"],
        cell_id=_texts(raw.get("cell_id"), missing.get("cell_id"), None, good),
        source=_texts(raw.get("source"), missing.get("source"), options.source, good),
        grid=grid_cells(lat, lon, options.resolution),
    )


def _texts(
    values: pd.Series[str] | None,
    absent: pd.Series[bool] | None,
    default: str | None,
    good: npt.NDArray[np.bool_],
) -> list[str | None]:
    if values is None or absent is None:
        return [default] * int(good.sum())
    kept = values.where(~absent, default)
    return [v if isinstance(v, str) else None for v in kept.to_numpy(dtype=object)[good]]


def _timestamps(
    values: pd.Series[str], absent: pd.Series[bool], checks: _Checks, options: MrOptions
) -> npt.NDArray[np.datetime64]:
    checks.flag(absent, "ts", "required value is empty")
    present = values.where(~absent, None)
    zone = options.zone_name
    if options.time_format:
        parsed = pd.to_datetime(present, format=options.time_format, errors="coerce")
        what = f"does not match --time-format {options.time_format!r}: "
        aware = getattr(parsed.dt, "tz", None) is not None
        zoned = parsed.dt.tz_convert("UTC") if aware else _localize(parsed, zone)
        unparsed = ~absent & parsed.isna()
    else:
        offset = values.str.contains(_OFFSET, regex=True) & ~absent
        with_offset = pd.to_datetime(
            present.where(offset, None), format="ISO8601", utc=True, errors="coerce"
        )
        naive = pd.to_datetime(present.where(~offset, None), format="ISO8601", errors="coerce")
        zoned = _localize(naive, zone).where(~offset, with_offset)
        what = "not an ISO 8601 timestamp (give --time-format for other layouts): "
        unparsed = ~absent & ((offset & with_offset.isna()) | (~offset & naive.isna()))
    checks.flag(unparsed, "ts", what, values)
    return zoned.dt.tz_convert(None).to_numpy(dtype="datetime64[us]")


def _localize(values: pd.Series[Any], zone_name: str) -> pd.Series[Any]:
    """Wall-clock times in ``zone_name``. In the hour the clocks go back, samples in time order
    tell the two hours apart (pandas infers it); otherwise the time is the earlier hour, as the
    other files' times (Python's fold 0). A time the clocks skip is read an hour on (as
    PostgreSQL and Python read it): a sample is never lost to the change."""
    naive = pd.to_datetime(values)
    try:
        zoned = naive.dt.tz_localize(
            zone_name, ambiguous="infer", nonexistent=pd.Timedelta(hours=1)
        )
    except ValueError:  # pytz's AmbiguousTimeError: the samples aren't in time order
        zoned = naive.dt.tz_localize(
            zone_name, ambiguous=np.ones(len(naive), dtype=bool), nonexistent=pd.Timedelta(hours=1)
        )
    return zoned.dt.tz_convert("UTC")


def grid_cells(lat: FloatArray, lon: FloatArray, resolution: int) -> list[str]:
    """H3 cell of each point, computed once per distinct position."""
    if len(lat) == 0:
        return []
    points = np.stack([lat, lon], axis=1)
    unique, inverse = np.unique(points, axis=0, return_inverse=True)
    cells = np.array([h3.latlng_to_cell(a, b, resolution) for a, b in unique.tolist()])
    found: list[str] = cells[inverse.ravel()].tolist()
    return found
