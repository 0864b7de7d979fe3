"""Opening input files that may be gzip-compressed (recognised by content, not by name)."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, cast

from netcomplaint.errors import FileFormatError

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


@contextmanager
def open_binary(path: Path) -> Iterator[IO[bytes]]:
    """The file's bytes, gunzipped when it is gzip; a corrupt gzip is a FileFormatError."""
    with ExitStack() as stack:
        try:
            gz = is_gzip(path)
            raw = stack.enter_context(path.open("rb"))
        except OSError as exc:
            raise FileFormatError(f"{path}: cannot open: {exc.strerror or exc}") from None
        stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if gz else raw
        try:
            yield stream
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise FileFormatError(f"{path}: corrupt or truncated gzip: {exc}") from None
