"""Set-based query plumbing for the evidence reads: the named queries of sql/evidence.sql, and
request arrays sent as one chr(31)-joined text parameter each (split by ``string_to_array`` in
SQL: far cheaper than binding thousands of array elements; times travel as epoch seconds).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def queries() -> dict[str, str]:
    """The named queries of sql/evidence.sql."""
    text = resources.files("diagnostics").joinpath("sql/evidence.sql").read_text(encoding="utf-8")
    named: dict[str, str] = {}
    for part in re.split(r"^-- name: ", text, flags=re.M)[1:]:
        name, _, body = part.partition("\n")
        named[name.strip()] = body.strip().rstrip(";")
    return named


SEP = "\x1f"  # chr(31), the unit separator: never inside an id read from CSV or JSON


def epoch(value: datetime) -> str:
    """A time as the epoch seconds the queries take: format once per request, and repeat the
    string for each of its element rows (formatting is most of the cost of a parameter)."""
    return f"{value.timestamp():.3f}"


def _element(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value.timestamp():.3f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _joined(values: list[Any]) -> str:
    if not values:
        return ""
    first = values[0]
    if isinstance(first, str):
        return SEP.join(values)
    if isinstance(first, datetime):
        return SEP.join([f"{v.timestamp():.3f}" for v in values])
    if isinstance(first, int | float) and not isinstance(first, bool):
        return SEP.join(map(str, values))
    return SEP.join(map(_element, values))


def packed(params: dict[str, Any]) -> dict[str, Any]:
    """List parameters as one chr(31)-joined string each (split by string_to_array in SQL)."""
    return {k: _joined(v) if isinstance(v, list) else v for k, v in params.items()}


def push(columns: dict[str, list[Any]], **values: Any) -> None:
    for name, value in values.items():
        columns[name].append(value)


def extend(columns: dict[str, list[Any]], i: int, **values: list[Any]) -> None:
    """Element rows of request ``i``: one per value, the lists of equal length."""
    n = 0
    for name, items in values.items():
        columns[name].extend(items)
        n = len(items)
    columns["i"].extend([i] * n)


def fetch_rows(cursor: Any) -> list[tuple[Any, ...]]:
    return list(cursor.fetchall())
