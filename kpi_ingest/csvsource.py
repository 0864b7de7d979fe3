"""Reading user CSV files: column mapping, typed values, errors that name file, line and field.

A file that can't be read as CSV, or lacks a required column, raises FileFormatError (the whole
file is rejected). A row with a bad value is skipped and recorded in the file's report with its
line and field; the caller decides whether skipped rows reject the file (``--strict``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpi_ingest.encodings import not_text, sniff_encoding
from netcomplaint.errors import FileFormatError, InputError

csv.field_size_limit(16 * 1024 * 1024)


@dataclass(frozen=True)
class Column:
    """A destination column: its name, how to parse it, whether it must be present and filled."""

    name: str
    parse: Callable[[str], Any]
    required: bool = True
    default: Any = None


@dataclass
class RowError:
    path: str
    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass
class FileReport:
    path: str
    rows_read: int = 0
    rows_loaded: int = 0
    skipped_duplicate_file: bool = False
    repeated: int = 0  # rows identical to another row of the file with the same key: loaded once
    errors: list[RowError] = field(default_factory=list)
    failed: str | None = None  # reason the whole file was rejected

    def reject_row(self, line: int, column: str | None, reason: str) -> None:
        self.errors.append(RowError(self.path, line, column, reason))


def parse_columns_option(option: str | None) -> dict[str, str]:
    """``--columns SRC=dst,SRC2=dst2`` → {source header: our column}."""
    mapping: dict[str, str] = {}
    if not option:
        return mapping
    for part in option.split(","):
        if not part.strip():
            continue
        source, sep, dest = part.partition("=")
        if not sep or not source.strip() or not dest.strip():
            raise InputError(f"--columns entry {part!r} must look like SOURCE=destination")
        mapping[source.strip()] = dest.strip()
    return mapping


def open_text(path: Path) -> io.TextIOWrapper:
    """The file as text in its encoding (``encodings.sniff_encoding``: UTF-8, a BOM dropped, or
    a legacy export's); FileFormatError when the bytes are not text."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot open: {exc.strerror}") from None
    head = handle.read(4096)
    handle.seek(0)
    if b"\x00" in head:
        handle.close()
        raise FileFormatError(f"{path}: not a text CSV file (binary content)")
    try:
        encoding = sniff_encoding(path)
    except FileFormatError:
        handle.close()
        raise
    return io.TextIOWrapper(handle, encoding=encoding, errors="strict", newline="")


def resolve_header(
    path: Path, header: Sequence[str], columns: Sequence[Column], rename: Mapping[str, str]
) -> dict[str, int]:
    """Our column names → positions in the file; FileFormatError if a required one is missing."""
    known = {c.name for c in columns}
    for source, dest in rename.items():
        if dest not in known:
            raise InputError(f"--columns maps {source!r} to unknown column {dest!r}")
    positions: dict[str, int] = {}
    stripped = [h.strip() for h in header]
    for index, name in enumerate(stripped):
        ours = rename.get(name, name if name not in rename.values() else None)
        if ours in known and ours not in positions:
            positions[ours] = index
    missing = [c.name for c in columns if c.required and c.name not in positions]
    if missing:
        hint = "" if rename else " (map foreign names with --columns SRC=dst)"
        raise FileFormatError(
            f"{path}: missing required column(s) {', '.join(missing)}; header has "
            f"{', '.join(stripped[:12])}{'…' if len(stripped) > 12 else ''}{hint}"
        )
    return positions


def read_rows(
    path: Path,
    columns: Sequence[Column],
    report: FileReport,
    rename: Mapping[str, str] | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, {column: typed value}) for each good row; record the bad ones."""
    rename = dict(rename or {})
    with open_text(path) as handle:
        try:
            sample = handle.read(65536)
        except UnicodeDecodeError:
            raise FileFormatError(f"{path}: {not_text(handle.encoding)}") from None
        handle.seek(0)
        if not sample.strip():
            raise FileFormatError(f"{path}: empty file (a CSV needs a header row)")
        try:
            dialect: Any = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(handle, dialect)
        try:
            header = next(reader)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise FileFormatError(f"{path}: not a readable CSV file: {exc}") from None
        positions = resolve_header(path, header, columns, rename)
        plan = [(c, positions.get(c.name)) for c in columns]
        try:
            for row in reader:
                line = reader.line_num
                if not row or all(not cell.strip() for cell in row):
                    continue
                report.rows_read += 1
                parsed = _parse_row(row, plan, report, line)
                if parsed is not None:
                    yield line, parsed
        except csv.Error as exc:
            raise FileFormatError(f"{path}:{reader.line_num}: broken CSV: {exc}") from None
        except UnicodeDecodeError:
            raise FileFormatError(
                f"{path}:{reader.line_num + 1}: {not_text(handle.encoding)}"
            ) from None


def _parse_row(
    row: list[str],
    plan: Sequence[tuple[Column, int | None]],
    report: FileReport,
    line: int,
) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for column, index in plan:
        raw = row[index].strip() if index is not None and index < len(row) else ""
        if raw == "" or raw.upper() in ("NULL", "NA", "N/A", "NAN", "NONE"):
            if column.required:
                report.reject_row(line, column.name, "required value is empty")
                return None
            values[column.name] = column.default
            continue
        try:
            values[column.name] = column.parse(raw)
        except (ValueError, InputError) as exc:
            report.reject_row(line, column.name, str(exc))
            return None
    return values
