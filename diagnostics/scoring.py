"""The accuracy harness: a scenario directory with ``truth.csv`` → a fresh database, loaded through
the real ingest commands, every complaint diagnosed by ``ingest complaints`` (the batch path),
then scored against the truth.

``score_scenario(directory, truth)`` returns a ``ScoreReport``: overall top-1 accuracy, per-cause
precision/recall, the confusion matrix, user-vs-network attribution accuracy and a calibration
table (confidence bins against accuracy, with the expected calibration error). ``score_command``
is its CLI: ``scenario_app.command("score")(score_command)`` makes it ``netcomplaint scenario
score DIR [--truth F] [--json] [--fit-calibration OUT]``.

Attribution truth comes from the truth causes through ``ranking.ATTRIBUTION_BY_CAUSE``
(terminal_sim → user; weak_coverage, interference, congestion, outage, roaming_registration →
network; no_fault_found → unknown), the same table the engine uses; a ``truth.csv`` with its own
``attribution`` column overrides it per complaint.
"""

from __future__ import annotations

import csv
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import click
import psycopg
import typer
from psycopg import sql

from diagnostics.engine import diagnose
from diagnostics.models import CAUSES
from diagnostics.ranking import ATTRIBUTION_BY_CAUSE, Calibration, Sample, fit_calibration
from diagnostics.service import records_of
from diagnostics.settings import get_diag_settings
from netcomplaint.errors import InputError
from netcomplaint.runtime import cli_errors
from netcomplaint.settings import get_settings
from storage.db import Conn, resolve_url
from storage.migrate import migrate

# ingest order: reference data first, complaints (which diagnoses them) last
INGEST_ORDER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cells", ("cells.csv",)),
    ("kpis", ("kpis.csv", "kpis")),
    ("mr", ("mr.csv",)),
    ("alarms", ("alarms.csv", "alarms.json")),
    ("subscribers", ("subscribers.csv",)),
    ("devices", ("devices.csv",)),
    ("registrations", ("registrations.csv",)),
    ("areas", ("areas.geojson",)),
    ("complaints", ("complaints.csv",)),
)
CONFIDENCE_BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)


@dataclass
class ScoreReport:
    scenario: str
    complaints: int
    diagnosed: int
    accuracy: float
    attribution_accuracy: float
    per_cause: dict[str, dict[str, float]]  # cause → precision, recall, f1, support
    confusion: dict[str, dict[str, int]]  # truth → predicted → count
    calibration: list[dict[str, float]]  # bins: low, high, count, confidence, accuracy
    ece: float
    timings: dict[str, float] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # truth ids without a diagnosis

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def read_truth(path: Path) -> dict[str, tuple[str, str | None]]:
    """external_id → (cause, attribution or None)."""
    if not path.is_file():
        raise InputError(f"{path}: no such truth file")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"external_id", "cause"} <= set(reader.fieldnames):
            raise InputError(f"{path}: truth needs columns external_id, cause")
        truth = {}
        for row in reader:
            cause = row["cause"].strip()
            if cause not in CAUSES:
                raise InputError(f"{path}: unknown cause {cause!r} for {row['external_id']}")
            truth[row["external_id"].strip()] = (
                cause,
                (row.get("attribution") or "").strip() or None,
            )
    return truth


# --- a fresh database, loaded through the real ingest commands --------------------------------


def url_with_database(url: str, dbname: str) -> str:
    """The same server as ``url`` (a URL or a key=value DSN), another database, as postgresql://."""
    params: dict[str, Any] = psycopg.conninfo.conninfo_to_dict(url)
    user = quote(str(params.get("user") or "postgres"))
    host = str(params.get("host") or "localhost")
    port = params.get("port")
    password = f":{quote(str(params['password']))}" if params.get("password") else ""
    if host.startswith("/"):
        return f"postgresql://{user}{password}@/{dbname}?host={quote(host)}" + (
            f"&port={port}" if port else ""
        )
    return f"postgresql://{user}{password}@{host}:{port or 5432}/{dbname}"


@contextmanager
def fresh_database(keep: bool = False) -> Iterator[str]:
    """A new, migrated database on the configured server (embedded, or the configured URL's)."""
    base = resolve_url(get_settings())
    name = f"nc_score_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = url_with_database(base, name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn)
        yield url
    finally:
        if not keep:
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@contextmanager
def _pointing_at(url: str) -> Iterator[None]:
    before = os.environ.get("NETCOMPLAINT_DATABASE_URL")
    os.environ["NETCOMPLAINT_DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("NETCOMPLAINT_DATABASE_URL", None)
        else:
            os.environ["NETCOMPLAINT_DATABASE_URL"] = before
        get_settings.cache_clear()


def ingest_scenario(url: str, directory: Path, *, skip: tuple[str, ...] = ()) -> dict[str, float]:
    """Run ``netcomplaint ingest <kind>`` in process for each scenario file; seconds by kind."""
    from netcomplaint.cli import app

    timings: dict[str, float] = {}
    with _pointing_at(url):
        for kind, names in INGEST_ORDER:
            if kind in skip:
                continue
            path = next((directory / n for n in names if (directory / n).exists()), None)
            if path is None:
                continue
            started = time.perf_counter()
            try:
                code = app(["ingest", kind, str(path)], standalone_mode=False)
            except (SystemExit, click.exceptions.Exit) as exc:
                code = getattr(exc, "code", None) or getattr(exc, "exit_code", 0)
            if code:
                raise InputError(f"ingest {kind} {path} failed (exit {code})")
            timings[kind] = time.perf_counter() - started
    return timings


# --- scoring ----------------------------------------------------------------------------------


def _stored(conn: Conn) -> dict[str, tuple[str, str, float]]:
    rows = conn.execute(
        "SELECT c.external_id, d.primary_cause, d.attribution, d.confidence"
        " FROM complaints c JOIN diagnoses d USING (complaint_id)"
    ).fetchall()
    return {str(r[0]): (str(r[1]), str(r[2]), float(r[3])) for r in rows}


def score(
    predicted: dict[str, tuple[str, str, float]],
    truth: dict[str, tuple[str, str | None]],
    scenario: str = "",
) -> ScoreReport:
    """Compare diagnoses (cause, attribution, confidence per external_id) with the truth."""
    confusion: dict[str, Counter[str]] = {c: Counter() for c in CAUSES}
    right = attributed = 0
    bins: list[list[tuple[float, bool]]] = [[] for _ in CONFIDENCE_BINS[:-1]]
    missing = []
    for ext, (cause, attribution) in truth.items():
        got = predicted.get(ext)
        if got is None:
            missing.append(ext)
            confusion[cause]["(none)"] += 1
            continue
        p_cause, p_attr, confidence = got
        confusion[cause][p_cause] += 1
        ok = p_cause == cause
        right += ok
        attributed += p_attr == (attribution or ATTRIBUTION_BY_CAUSE[cause])
        for k in range(len(bins)):
            if CONFIDENCE_BINS[k] <= confidence < CONFIDENCE_BINS[k + 1]:
                bins[k].append((confidence, ok))
                break
    n = len(truth)
    per_cause: dict[str, dict[str, float]] = {}
    for c in CAUSES:
        tp = confusion[c][c]
        support = sum(confusion[c].values())
        predicted_c = sum(confusion[t][c] for t in CAUSES)
        precision = tp / predicted_c if predicted_c else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_cause[c] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": float(support),
        }
    table, ece = [], 0.0
    for k, items in enumerate(bins):
        if not items:
            continue
        conf = sum(c for c, _ in items) / len(items)
        acc = sum(ok for _, ok in items) / len(items)
        ece += len(items) / max(1, n - len(missing)) * abs(conf - acc)
        table.append(
            {
                "low": CONFIDENCE_BINS[k],
                "high": min(1.0, CONFIDENCE_BINS[k + 1]),
                "count": float(len(items)),
                "confidence": conf,
                "accuracy": acc,
            }
        )
    return ScoreReport(
        scenario=scenario,
        complaints=n,
        diagnosed=n - len(missing),
        accuracy=right / n if n else 0.0,
        attribution_accuracy=attributed / n if n else 0.0,
        per_cause=per_cause,
        confusion={t: dict(confusion[t]) for t in CAUSES},
        calibration=table,
        ece=ece,
        missing=missing,
    )


def score_database(
    conn: Conn, truth: dict[str, tuple[str, str | None]], scenario: str = ""
) -> ScoreReport:
    return score(_stored(conn), truth, scenario)


def calibration_samples(conn: Conn, truth: dict[str, tuple[str, str | None]]) -> list[Sample]:
    """Re-run the engine on the stored complaints to get the raw evidence scores for fitting."""
    ids = [
        str(r[0])
        for r in conn.execute(
            "SELECT complaint_id FROM complaints WHERE external_id = ANY(%s)", (list(truth),)
        ).fetchall()
    ]
    samples = []
    for result in diagnose(conn, records_of(conn, ids), get_diag_settings()):
        cause = truth[result.complaint.external_id][0]
        ranking = result.ranking
        samples.append(Sample(dict(ranking.scores), ranking.missing, cause, ranking.stated))
    return samples


def score_scenario(
    directory: Path,
    truth: Path | None = None,
    *,
    keep_database: bool = False,
    samples_out: list[Sample] | None = None,
) -> ScoreReport:
    """Ingest the scenario into a fresh database, diagnose every complaint, score the result."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a scenario directory")
    truth_map = read_truth(truth or directory / "truth.csv")
    with fresh_database(keep=keep_database) as url:
        timings = ingest_scenario(url, directory)
        with psycopg.connect(url) as conn:
            report = score_database(conn, truth_map, str(directory))
            if samples_out is not None:
                samples_out.extend(calibration_samples(conn, truth_map))
    report.timings = timings
    return report


def fit(samples: Sequence[Sample], out: Path, label: str = "") -> Calibration:
    calibration = fit_calibration(samples, label=label)
    calibration.save(out)
    return calibration


def format_report(report: ScoreReport) -> str:
    lines = [
        f"scenario {report.scenario}: {report.complaints} complaints, {report.diagnosed} diagnosed",
        f"top-1 cause accuracy {report.accuracy:.1%}; user-vs-network attribution "
        f"{report.attribution_accuracy:.1%}",
        "",
        f"{'cause':<22}{'precision':>10}{'recall':>10}{'f1':>8}{'support':>9}",
    ]
    for cause, m in report.per_cause.items():
        lines.append(
            f"{cause:<22}{m['precision']:>10.1%}{m['recall']:>10.1%}{m['f1']:>8.2f}{int(m['support']):>9}"
        )
    short = {c: c[:6] for c in CAUSES}
    lines += [
        "",
        "confusion (rows truth, columns predicted):",
        " " * 22 + "".join(f"{short[c]:>8}" for c in CAUSES),
    ]
    for t in CAUSES:
        row = report.confusion.get(t, {})
        lines.append(f"{t:<22}" + "".join(f"{row.get(p, 0):>8}" for p in CAUSES))
    lines += [
        "",
        f"calibration (ECE {report.ece:.3f}):",
        f"{'confidence':<14}{'n':>6}{'mean':>8}{'accuracy':>10}",
    ]
    for b in report.calibration:
        lines.append(
            f"{b['low']:.2f}–{b['high']:.2f}{'':<4}{int(b['count']):>6}{b['confidence']:>8.2f}{b['accuracy']:>10.1%}"
        )
    if report.timings:
        lines += [
            "",
            "ingest seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in report.timings.items()),
        ]
    return "\n".join(lines)


def report_json(report: ScoreReport) -> str:
    return json.dumps(report.as_json(), indent=2)


@cli_errors
def score_command(
    directory: Annotated[
        Path, typer.Argument(help="scenario directory (as written by scenario generate)")
    ],
    truth: Annotated[
        Path | None, typer.Option("--truth", help="truth CSV (default DIR/truth.csv)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable report")] = False,
    fit_out: Annotated[
        Path | None,
        typer.Option(
            "--fit-calibration", help="also fit the confidence calibration, write it here"
        ),
    ] = None,
) -> None:
    """Score the diagnosis on a scenario with known truth (fresh database, real ingest)."""
    samples: list[Sample] | None = [] if fit_out is not None else None
    report = score_scenario(directory, truth, samples_out=samples)
    typer.echo(report_json(report) if as_json else format_report(report))
    if fit_out is not None and samples:
        calibration = fit(samples, fit_out, label=str(directory))
        typer.echo(f"calibration written to {fit_out}: temperature {calibration.temperature:.2f}")
