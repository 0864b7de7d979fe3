"""Reference data in the contract's CSV formats: cells, alarms, subscribers, devices, registrations.

Each kind is a table spec — columns with parsers, the natural key, and a row transform — and the
one loader below, so a new reference file type is a new spec rather than a new code path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any

from kpi_ingest import values as v
from kpi_ingest.csvsource import Column, FileReport, read_rows
from kpi_ingest.loader import copy_upsert
from netcomplaint.errors import InputError
from netcomplaint.numbering import NumberPlan, canonical_msisdn
from netcomplaint.privacy import hash_msisdn, mask_msisdn
from storage.db import Conn

Row = dict[str, Any]
Transform = Callable[[Row, "LoadContext"], Row]

TECHNOLOGIES = ("GSM", "UMTS", "LTE", "NR")
ALARM_TYPES = (
    "cell_unavailable",
    "site_down",
    "transmission",
    "power",
    "hardware",
    "interference",
    "other",
)
SEVERITIES = ("critical", "major", "minor", "warning")
# Chinese NMS exports name them as ITU-T X.733's Chinese text (严重/主要/次要/警告) or as Huawei's
# consoles do (紧急/重要/次要/提示)
SEVERITY_NAMES = {
    "严重": "critical",
    "紧急": "critical",
    "主要": "major",
    "重要": "major",
    "次要": "minor",
    "警告": "warning",
    "提示": "warning",
}
SIM_TYPES = ("2g", "3g", "4g", "5g")
REGISTRATION_STATUSES = ("registered", "not_registered", "rejected", "detached")
NUMBERED = ("subscribers", "registrations")  # files keyed by an MSISDN


@dataclass(frozen=True)
class LoadContext:
    tz: tzinfo
    pii_key: bytes
    defaults: Mapping[str, str]  # --set column=value for columns the file lacks
    # how the network's country writes its numbers: they are hashed in one form (numbering.py);
    # read from the cell inventory by the loads of numbers that aren't given one
    plan: NumberPlan | None = None


@dataclass(frozen=True)
class TableSpec:
    kind: str
    table: str
    columns: Callable[[LoadContext], list[Column]]
    key: tuple[str, ...]
    transform: Transform | None = None
    check: Callable[[Row], str | None] | None = None  # cross-field rule; returns the problem


def _azimuth(text: str) -> float:
    value = v.parse_float(text)
    if not -360 <= value <= 720:
        raise ValueError(f"azimuth out of range: {text!r}")
    return value % 360.0  # 360 and -90 are common spellings of 0 and 270


def _technology(text: str) -> str:
    value = text.strip().upper().replace("5G", "NR").replace("4G", "LTE")
    if value not in TECHNOLOGIES:
        raise ValueError(f"{text!r} is not one of {'|'.join(TECHNOLOGIES)}")
    return value


def _tac(text: str) -> str:
    digits = text.strip()
    if not digits.isdigit() or len(digits) != 8:
        raise ValueError(f"TAC must be 8 digits: {text!r}")
    return digits


def _network(text: str) -> str:
    value = text.strip().replace("/", "-").replace(" ", "")
    if value.isdigit() and len(value) in (5, 6):
        value = f"{value[:3]}-{value[3:]}"
    mcc, _, mnc = value.partition("-")
    if not (mcc.isdigit() and mnc.isdigit() and len(mcc) == 3 and len(mnc) in (2, 3)):
        raise ValueError(f"network must be MCC-MNC like 460-00: {text!r}")
    return value


def _bands(text: str) -> list[str]:
    return [b for b in text.replace(",", " ").split() if b]


def _cell_columns(ctx: LoadContext) -> list[Column]:
    return [
        Column("cell_id", v.text),
        Column("site_id", v.text),
        Column("lat", v.latitude),
        Column("lon", v.longitude),
        Column("technology", _technology),
        Column("azimuth_deg", _azimuth, required=False),
        Column("beamwidth_deg", v.parse_float, required=False, default=65.0),
        Column("band", v.text, required=False),
        Column("earfcn", v.parse_int, required=False),
        Column("pci", v.parse_int, required=False),
        Column("height_m", v.parse_float, required=False),
        Column("tilt_deg", v.parse_float, required=False),
        Column("indoor", v.parse_bool, required=False, default=False),
        Column(
            "status",
            v.one_of(("active", "planned", "decommissioned")),
            required=False,
            default="active",
        ),
        Column("on_air_date", v.parse_date, required=False),
    ]


def _omni_when_no_azimuth(row: Row) -> str | None:
    if row["beamwidth_deg"] is not None and not 0 < row["beamwidth_deg"] <= 360:
        return "beamwidth_deg must be in (0, 360]"
    if row["azimuth_deg"] is None:
        row["beamwidth_deg"] = 360.0
    return None


def _alarm_columns(ctx: LoadContext) -> list[Column]:
    ts = v.timestamp_parser(ctx.tz)
    return [
        Column("alarm_id", v.text),
        Column("object_id", v.text),
        Column("alarm_type", v.one_of(ALARM_TYPES)),
        Column("severity", v.one_of(SEVERITIES, aliases=SEVERITY_NAMES)),
        Column("raised_at", ts),
        Column("cleared_at", ts, required=False),
        Column("text", v.text, required=False),
    ]


def _alarm_order(row: Row) -> str | None:
    if row["cleared_at"] is not None and row["cleared_at"] < row["raised_at"]:
        return "cleared_at is before raised_at"
    return None


def _subscriber_columns(ctx: LoadContext) -> list[Column]:
    return [
        Column("msisdn", v.text),
        Column("tac", _tac),
        Column("sim_type", v.one_of(SIM_TYPES)),
        Column("home_network", _network, required=False),
        Column("vip", v.parse_bool, required=False, default=False),
    ]


def _pseudonymise(row: Row, ctx: LoadContext) -> Row:
    msisdn = row.pop("msisdn")
    row["msisdn_hash"] = hash_msisdn(canonical_msisdn(msisdn, ctx.plan), ctx.pii_key)
    row["msisdn_masked"] = mask_msisdn(msisdn)
    return row


def _device_columns(ctx: LoadContext) -> list[Column]:
    return [
        Column("tac", _tac),
        Column("vendor", v.text),
        Column("model", v.text),
        Column("supports_lte", v.parse_bool),
        Column("supports_nr", v.parse_bool),
        Column("supports_volte", v.parse_bool),
        Column("bands", _bands, required=False, default=[]),
        Column("known_issue", v.text, required=False),
    ]


def _registration_columns(ctx: LoadContext) -> list[Column]:
    return [
        Column("msisdn", v.text),
        Column("observed_at", v.timestamp_parser(ctx.tz)),
        Column("status", v.one_of(REGISTRATION_STATUSES)),
        Column("network", _network, required=False),
        Column("reject_cause", v.text, required=False),
        Column("call_forwarding", v.parse_bool, required=False),
        Column("roaming_enabled", v.parse_bool, required=False),
    ]


def _registration_hash(row: Row, ctx: LoadContext) -> Row:
    row["msisdn_hash"] = hash_msisdn(canonical_msisdn(row.pop("msisdn"), ctx.plan), ctx.pii_key)
    return row


SPECS: dict[str, TableSpec] = {
    "cells": TableSpec("cells", "cells", _cell_columns, ("cell_id",), check=_omni_when_no_azimuth),
    "alarms": TableSpec("alarms", "alarms", _alarm_columns, ("alarm_id",), check=_alarm_order),
    "subscribers": TableSpec(
        "subscribers", "subscribers", _subscriber_columns, ("msisdn_hash",), transform=_pseudonymise
    ),
    "devices": TableSpec("devices", "devices", _device_columns, ("tac",)),
    "registrations": TableSpec(
        "registrations",
        "registrations",
        _registration_columns,
        ("msisdn_hash", "observed_at"),
        transform=_registration_hash,
    ),
}


def load_reference_csv(
    conn: Conn,
    spec: TableSpec,
    path: Path,
    report: FileReport,
    rename: Mapping[str, str],
    ctx: LoadContext,
) -> int:
    """Validate every row of ``path`` and upsert the good ones; return rows inserted or changed."""
    if spec.kind in NUMBERED and ctx.plan is None:
        from diagnostics.profiles import network_plan  # the country as the diagnosis reads it

        ctx = replace(ctx, plan=network_plan(conn))
    columns = _with_defaults(spec.columns(ctx), ctx.defaults)
    rows = list(_typed_rows(spec, path, report, rename, ctx, columns))
    if not rows:
        return 0
    names = list(rows[0].keys())
    return copy_upsert(conn, spec.table, names, ([r[n] for n in names] for r in rows), spec.key)


def _typed_rows(
    spec: TableSpec,
    path: Path,
    report: FileReport,
    rename: Mapping[str, str],
    ctx: LoadContext,
    columns: Sequence[Column],
) -> Iterator[Row]:
    for line, row in read_rows(path, columns, report, rename):
        problem = spec.check(row) if spec.check else None
        if problem:
            report.reject_row(line, None, problem)
            continue
        try:
            yield spec.transform(row, ctx) if spec.transform else row
        except InputError as exc:  # from the privacy helpers, naming their field
            report.reject_row(line, exc.field, exc.message)


def _with_defaults(columns: list[Column], defaults: Mapping[str, str]) -> list[Column]:
    """Columns the file lacks but ``--set`` supplies become optional with that default."""
    if not defaults:
        return columns
    known = {c.name for c in columns}
    unknown = sorted(set(defaults) - known)
    if unknown:
        raise InputError(f"--set names unknown column(s): {', '.join(unknown)}")
    out: list[Column] = []
    for column in columns:
        if column.name in defaults:
            out.append(
                Column(column.name, column.parse, False, column.parse(defaults[column.name]))
            )
        else:
            out.append(column)
    return out
