"""Streaming parser for 3GPP PM XML: TS 32.435 ``measCollecFile``, TS 28.532 ``measDataFile``
and the draft 28.550 ``MeasDataFile``.

Pure: it reads a binary stream (plain XML; gunzipping is the caller's) with lxml ``iterparse``
and yields one :class:`MeasValue` per ``measValue`` element, clearing what it has read, so
memory stays flat however large the file. Both counter layouts are handled (``measType p=`` with
``r p=``, and the space-separated ``measTypes``/``measResults`` lists), as are several
``measData`` blocks, a granularity period per ``measInfo``, ``suspect`` flags, empty and ``NIL``
values, comma-separated array (PDF) counters, comments and processing instructions before the
root, and files without a footer.

Damage that makes a file unreliable raises FileFormatError (the file is rejected, with the line);
a single unreadable value is reported in ``problems`` and stored as NULL.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import IO, Any, cast

from lxml import etree

from kpi_ingest.pm.times import parse_duration_s, parse_pm_time
from netcomplaint.errors import FileFormatError

ROOTS = ("measCollecFile", "measDataFile", "MeasDataFile")
ELEMENTS = ("managedElement", "measEntity", "measuredEntity")
_NAMES = (*ROOTS, "fileHeader", *ELEMENTS, "measData", "measInfo", "measValue")
_TAGS = tuple(f"{{*}}{name}" for name in _NAMES)
_MISSING = frozenset({"", "NIL", "NULL", "N/A", "NA", "-", "NAN"})

Value = float | None


@dataclass(frozen=True)
class FileHeader:
    root: str
    version: str
    vendor: str
    sender: str
    begin: datetime | None


@dataclass(frozen=True)
class MeasInfo:
    info_id: str
    element_dn: str
    end: datetime
    period_s: int
    counters: tuple[str, ...]
    line: int


@dataclass
class MeasValue:
    info: MeasInfo
    ldn: str
    values: list[Value]  # aligned with info.counters; None = missing / NIL / array
    arrays: dict[str, list[float]] | None
    suspect: bool
    line: int


@dataclass
class Problem:
    line: int
    counter: str | None
    reason: str


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


@dataclass
class PmParser:
    """``for value in PmParser(stream, name, zone).values(): …``; then read ``problems``."""

    stream: IO[bytes]
    source: str
    zone: tzinfo
    header: FileHeader | None = None
    problems: list[Problem] = field(default_factory=list)
    counter_values: int = 0
    _ns: str = ""
    _element_dn: str = ""
    _info_elem: Any = None
    _info: MeasInfo | None = None
    _pmap: dict[str, int] = field(default_factory=dict)
    _porder: list[str] = field(default_factory=list)
    _times: dict[str, datetime] = field(default_factory=dict)

    def fail(self, line: int | None, message: str) -> FileFormatError:
        where = f"{self.source}:{line}" if line else self.source
        return FileFormatError(f"{where}: {message}")

    def values(self) -> Iterator[MeasValue]:
        context = etree.iterparse(
            self.stream,
            events=("start", "end"),
            tag=_TAGS,
            remove_comments=True,
            remove_pis=True,
            resolve_entities=False,
            no_network=True,
            huge_tree=True,
        )
        seen_root = False
        try:
            for event, elem in context:
                name = _local(elem.tag)
                if not seen_root:
                    seen_root = self._check_root(elem)
                if event == "start":
                    if name == "measData":
                        self._element_dn = ""
                    continue
                if name == "measValue":
                    yield self._value(elem)
                    elem.clear()
                    parent = elem.getparent()
                    if parent is not None:
                        parent.remove(elem)
                elif name in ELEMENTS:
                    self._element_dn = (elem.get("localDn") or "").strip()
                elif name == "fileHeader":
                    self.header = self._header(elem)
                    elem.clear()
                elif name in ("measInfo", "measData"):
                    if name == "measInfo" and self._info_elem is not elem:
                        self._read_info(elem)  # validates a block without values too
                    self._info_elem, self._info = None, None
                    elem.clear()
                    parent = elem.getparent()
                    if parent is not None:
                        parent.remove(elem)
        except etree.XMLSyntaxError as exc:
            line = exc.lineno if isinstance(exc.lineno, int) else None
            reason = f"not well-formed XML (truncated or damaged): {exc.msg}"
            raise self.fail(line, reason) from None
        if not seen_root:
            root = context.root
            found = _local(root.tag) if root is not None else "nothing"
            raise self.fail(
                None, f"not a 3GPP PM file: root element is {found}, expected {' or '.join(ROOTS)}"
            )

    def _check_root(self, elem: Any) -> bool:
        root = elem.getroottree().getroot()
        name = _local(root.tag)
        if name not in ROOTS:
            raise self.fail(
                root.sourceline,
                f"not a 3GPP PM file: root element is {name}, expected {' or '.join(ROOTS)}",
            )
        self._ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        return True

    def _header(self, elem: Any) -> FileHeader:
        sender, begin = "", None
        for child in elem:
            name = _local(child.tag)
            if name == "fileSender":
                sender = child.get("localDn") or child.get("senderName") or ""
            elif name in ("measCollec", "measData", "MeasData") and child.get("beginTime"):
                begin = self._time(child.get("beginTime"), child.sourceline, "beginTime")
        root = _local(elem.getroottree().getroot().tag)
        return FileHeader(
            root, elem.get("fileFormatVersion") or "", elem.get("vendorName") or "", sender, begin
        )

    def _time(self, text: str, line: int, what: str) -> datetime:
        cached = self._times.get(text)
        if cached is None:
            try:
                cached = parse_pm_time(text, self.zone)
            except ValueError as exc:
                raise self.fail(line, f"{what}: {exc}") from None
            self._times[text] = cached
        return cached

    def _read_info(self, elem: Any) -> MeasInfo:
        end_text, duration, listed, by_p = None, None, None, {}
        for child in elem:
            name = _local(child.tag)
            if name == "measValue":
                break
            if name == "granPeriod":
                end_text, duration = child.get("endTime"), child.get("duration")
            elif name == "measTypes":
                listed = (child.text or "").split()
            elif name == "measType":
                p, counter = child.get("p"), (child.text or "").strip()
                if not p or not counter or any(c.isspace() for c in counter):
                    raise self.fail(
                        child.sourceline, f"measType p={p!r} has a bad counter name {counter!r}"
                    )
                if p in by_p:
                    raise self.fail(child.sourceline, f"measType p={p} is declared twice")
                by_p[p] = counter
        line = elem.sourceline
        if end_text is None or duration is None:
            raise self.fail(line, "measInfo has no granPeriod with duration and endTime")
        try:
            period_s = parse_duration_s(duration)
        except ValueError as exc:
            raise self.fail(line, f"granPeriod: {exc}") from None
        if listed is not None and by_p:
            raise self.fail(line, "measInfo has both measTypes and measType elements")
        if by_p:
            order = sorted(by_p, key=lambda p: (int(p) if p.isdigit() else 1 << 60, p))
            counters = tuple(by_p[p] for p in order)
            self._pmap = {p: i for i, p in enumerate(order)}
            self._porder = order
        else:
            counters = tuple(listed or ())
            self._pmap = {}
            self._porder = []
        info = MeasInfo(
            elem.get("measInfoId") or "",
            self._element_dn,
            self._time(end_text, line, "granPeriod endTime"),
            period_s,
            counters,
            line,
        )
        self._info_elem, self._info = elem, info
        return info

    def _value(self, mv: Any) -> MeasValue:
        parent = mv.getparent()
        info = self._info if parent is self._info_elem and self._info else self._read_info(parent)
        fast = self._value_fast(mv, info)
        if fast is not None:
            self.counter_values += len(info.counters)
            return MeasValue(
                info, (mv.get("measObjLdn") or "").strip(), fast[0], None, fast[1], mv.sourceline
            )
        return self._value_slow(mv, info)

    def _value_fast(self, mv: Any, info: MeasInfo) -> tuple[list[Value], bool] | None:
        """The common case in one pass of C-level calls: every value a plain finite number,
        ``r`` elements complete and in declared order. None: take the careful path."""
        ns = self._ns
        children = mv.findall(ns + "r")
        flag = mv.find(ns + "suspect")
        suspect = flag is not None and (flag.text or "").strip().lower() in ("true", "1")
        if children:
            if len(children) + (flag is not None) != len(mv):
                return None
            if [c.get("p") for c in children] != self._porder:
                return None
            tokens = [c.text for c in children]
        else:
            results = mv.find(ns + "measResults")
            if results is None or len(mv) != 1 + (flag is not None):
                return None
            text = results.text or ""
            tokens = text.split()
            if len(tokens) != len(info.counters) or "," in text:
                return None
        try:
            numbers = list(map(float, tokens))
        except (ValueError, TypeError):  # NIL, empty, arrays, garbage
            return None
        total = math.fsum(numbers)
        if total - total != 0 or "_" in "".join(tokens):  # inf / nan / 1_000 somewhere
            return None
        return cast(list[Value], numbers), suspect

    def _value_slow(self, mv: Any, info: MeasInfo) -> MeasValue:
        n = len(info.counters)
        values: list[Value] = [None] * n
        arrays: dict[str, list[float]] | None = None
        suspect = False
        ns = self._ns
        line = mv.sourceline
        for child in mv:
            tag = child.tag
            if tag == ns + "r":
                p = child.get("p")
                index = self._pmap.get(p) if p is not None else None
                if index is None:
                    raise self.fail(
                        child.sourceline, f"<r p={p!r}> has no measType with that p ({n} declared)"
                    )
                got = self._parse(child.text, info.counters[index], child.sourceline)
                if isinstance(got, list):
                    arrays = arrays or {}
                    arrays[info.counters[index]] = got
                else:
                    values[index] = got
            elif tag == ns + "measResults":
                tokens = (child.text or "").split()
                if len(tokens) != n:
                    raise self.fail(
                        child.sourceline,
                        f"measTypes lists {n} counters but measResults has {len(tokens)}",
                    )
                for index, token in enumerate(tokens):
                    got = self._parse(token, info.counters[index], child.sourceline)
                    if isinstance(got, list):
                        arrays = arrays or {}
                        arrays[info.counters[index]] = got
                    else:
                        values[index] = got
            elif tag == ns + "suspect":
                suspect = (child.text or "").strip().lower() in ("true", "1")
        self.counter_values += n
        return MeasValue(info, (mv.get("measObjLdn") or "").strip(), values, arrays, suspect, line)

    def _parse(self, text: str | None, counter: str, line: int) -> Value | list[float]:
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError:
            return self._parse_slow(text, counter, line)
        if value - value != 0 or "_" in text:  # inf, nan, 1_000
            return self._parse_slow(text, counter, line)
        return value

    def _parse_slow(self, text: str, counter: str, line: int) -> Value | list[float]:
        raw = text.strip()
        if raw.upper() in _MISSING:
            return None
        if "," in raw:
            items = [item.strip() for item in raw.split(",")]
            try:
                numbers = [float(item) for item in items]
            except ValueError:
                numbers = []
            if numbers and all(v - v == 0 for v in numbers) and "_" not in raw:
                return numbers
        self.problems.append(Problem(line, counter, f"not a number: {raw[:40]!r}; stored as NULL"))
        return None
