"""Which text encoding a user's CSV file is in.

The contract's files are UTF-8, and most are. Operators' own tools still export in the legacy
code page of their desktop: GB18030 (a superset of GBK) from Chinese OSS, CRM and Excel exports,
Windows-1252 from Western Excel. A file that isn't valid UTF-8 is read in whichever of those two
``charset_normalizer`` finds coherent (it weighs the decoded text's language and mess; a strict
decode alone can't tell them apart, as most byte pairs are valid in both). Anything else is a
FileFormatError naming the encodings tried.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import charset_normalizer

from kpi_ingest.compressed import open_binary
from netcomplaint.errors import FileFormatError

UTF8 = "utf-8-sig"  # a BOM (Excel's "CSV UTF-8") is dropped
LEGACY = ("gb18030", "cp1252")
POSTGRES_NAMES = {UTF8: "UTF8", "gb18030": "GB18030", "cp1252": "WIN1252"}
LABELS = {UTF8: "UTF-8", "gb18030": "GB18030", "cp1252": "Windows-1252"}
SAMPLE_BYTES = 1 << 20


def sniff_encoding(path: Path) -> str:
    """UTF8, or the legacy encoding the file's first MiB reads as; FileFormatError if none."""
    with open_binary(path) as handle:
        sample = handle.read(SAMPLE_BYTES)
    if _is_utf8(sample, complete=len(sample) < SAMPLE_BYTES):
        return UTF8
    best = charset_normalizer.from_bytes(sample, cp_isolation=list(LEGACY)).best()
    if best is None or best.encoding not in LEGACY:
        raise FileFormatError(f"{path}: {not_text(UTF8)}")
    return str(best.encoding)


def _is_utf8(sample: bytes, *, complete: bool) -> bool:
    try:  # a sample cut inside a character is still UTF-8 up to there
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def not_text(encoding: str) -> str:
    """The reason a file (or a line of it) can't be read, for the user."""
    if encoding == UTF8:
        return "not UTF-8 text (nor GB18030 or Windows-1252)"
    return f"not {LABELS.get(encoding, encoding)} text (read as such from the file's start)"
