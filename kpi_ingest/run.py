"""Running an ingest over many files: per-file transactions, skips, progress and the summary.

Each file loads in its own transaction: a file that fails leaves no rows behind and the others
go on. Exit status is 1 when any file failed (contract).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from kpi_ingest.csvsource import FileReport
from kpi_ingest.loader import already_loaded, file_sha256, record_loaded
from netcomplaint.errors import FileFormatError, InputError
from netcomplaint.runtime import err_console, is_terminal
from storage.db import Conn

LoadFile = Callable[[Conn, Path, FileReport], int]
"""Loads one file inside an open transaction and returns the rows loaded."""

MAX_ERRORS_SHOWN = 20


@dataclass
class IngestRun:
    kind: str
    reports: list[FileReport] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    @property
    def failed(self) -> list[FileReport]:
        return [r for r in self.reports if r.failed]

    @property
    def rows_loaded(self) -> int:
        return sum(r.rows_loaded for r in self.reports)

    @property
    def rows_rejected(self) -> int:
        return sum(len(r.errors) for r in self.reports)

    def summary(self) -> str:
        elapsed = time.perf_counter() - self.started
        skipped = sum(1 for r in self.reports if r.skipped_duplicate_file)
        rate = self.rows_loaded / elapsed if elapsed > 0 else 0.0
        parts = [
            f"ingest {self.kind}: {len(self.reports)} file(s)",
            f"{self.rows_loaded:,} rows loaded",
            f"{self.rows_rejected:,} rows rejected",
            f"{len(self.failed)} file(s) failed",
        ]
        if repeated := sum(r.repeated for r in self.reports):
            parts.append(f"{repeated:,} repeated rows loaded once")
        if skipped:
            parts.append(f"{skipped} already loaded")
        return ", ".join(parts) + f" in {elapsed:.1f} s ({rate:,.0f} rows/s)"


def expand_paths(paths: Iterable[Path], suffixes: tuple[str, ...]) -> Iterator[Path]:
    """Files as given; directories walked for files ending in ``suffixes`` (sorted)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes)
            )
        else:
            yield path


def ingest_files(
    conn: Conn,
    kind: str,
    paths: Iterable[Path],
    load: LoadFile,
    *,
    strict: bool = False,
    options_key: str = "",
) -> IngestRun:
    """Load each file in its own transaction. ``options_key`` (e.g. the --columns/--tz given)
    is part of a file's identity, so the same bytes read differently load again."""
    run = IngestRun(kind)
    files = list(paths)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=not is_terminal(),
        transient=True,
    ) as progress:
        task = progress.add_task(f"ingest {kind}", total=len(files))
        for path in files:
            run.reports.append(_ingest_one(conn, kind, path, load, strict, options_key))
            progress.advance(task)
    _print_problems(run)
    return run


def _ingest_one(
    conn: Conn, kind: str, path: Path, load: LoadFile, strict: bool, options_key: str
) -> FileReport:
    report = FileReport(str(path))
    if not path.is_file():
        report.failed = f"{path}: no such file"
        return report
    sha = file_sha256(path)
    if options_key:
        sha = hashlib.sha256(f"{sha}|{options_key}".encode()).hexdigest()
    try:
        with conn.transaction():
            if already_loaded(conn, kind, sha):
                report.skipped_duplicate_file = True
                return report
            report.rows_loaded = load(conn, path, report)
            if strict and report.errors:
                raise FileFormatError(
                    f"{path}: {len(report.errors)} bad row(s), first: {report.errors[0]} (--strict)"
                )
            record_loaded(conn, kind, sha, path, report.rows_loaded)
    except (FileFormatError, InputError) as exc:
        report.failed = exc.message
        report.rows_loaded = 0
    conn.commit()
    return report


def _print_problems(run: IngestRun) -> None:
    for report in run.reports:
        if report.failed:
            err_console.print(f"[red]failed:[/red] {report.failed}", markup=True, highlight=False)
        for error in report.errors[:MAX_ERRORS_SHOWN]:
            err_console.print(f"rejected row {error}", markup=False, highlight=False)
        if len(report.errors) > MAX_ERRORS_SHOWN:
            err_console.print(
                f"… and {len(report.errors) - MAX_ERRORS_SHOWN} more in {report.path}"
            )
