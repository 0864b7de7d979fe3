"""Print, in order, the migration files a TimescaleDB server runs (for the DDL check in CI)."""

from __future__ import annotations

import sys
from pathlib import Path

from storage.migrate import available_migrations

MIGRATIONS = Path(__file__).resolve().parent / "sql" / "migrations"


def timescale_files() -> list[Path]:
    chosen: dict[int, str] = {}
    for migration in available_migrations():
        if migration.backend in (None, "timescale"):
            suffix = f".{migration.backend}.sql" if migration.backend else ".sql"
            chosen[migration.version] = f"{migration.version:03d}_{migration.name}{suffix}"
    return [MIGRATIONS / chosen[version] for version in sorted(chosen)]


if __name__ == "__main__":
    sys.stdout.write(" ".join(str(p) for p in timescale_files()) + "\n")
