"""KPI formulas: a small arithmetic language over PM counter names, read from a TOML file.

A formula is ``+ - * /``, parentheses, numbers, counter names and a few functions::

    100 * RRC.ConnEstabSucc / RRC.ConnEstabAtt
    100 * (1 - sum(L.Cell.Unavail.Dur.Sys, L.Cell.Unavail.Dur.Manual) / period_s)
    pdf_mean(`CARR.WBCQIDist`)

Names are ``[A-Za-z_][A-Za-z0-9_.]*`` (so ``RRC.ConnEstabAtt.mo-Signalling``-style sub-counters
and numeric counter ids are written quoted: ``'SM.PduSessionCreationReq.0011-0010'``,
`` `1526726658` ``). A name resolves to the counter itself, or, when only its sub-counters
(``NAME.<suffix>``) were reported, to their sum. ``period_s`` is the granularity period.

Missing counters and division by zero give NULL (None), never an error or a zero. Functions:
``sum(a, …)`` (missing terms count as 0; NULL only if all are missing), ``coalesce(a, …)``,
``min(a, …)``, ``max(a, …)``, ``pdf_mean(NAME)`` (mean bin index of a comma-separated array
counter, weighted by the bin counts), ``pdf_sum(NAME)`` and ``pdf_power_mean(NAME, l0, l1, …)``
(a distribution of power levels, bin i standing for l_i dBm, averaged in milliwatts and given
back in dBm: how Ericsson's ``pmRadioRecInterferencePwr`` becomes the mean uplink noise per PRB).

Each KPI has a list of candidate formulas (3GPP names first, then vendors'); the first one that
gives a value wins.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from kpi_ingest.kpis import KPI_NAMES
from netcomplaint.errors import ConfigurationError


class Counters(Protocol):
    period_s: int

    def value(self, name: str) -> float | None: ...

    def pdf(self, name: str) -> Sequence[float] | None: ...


Compiled = Callable[[Counters], float | None]

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|'(?P<q1>[^']+)'|`(?P<q2>[^`]+)`"
    r"|(?P<op>[-+*/(),]))"
)


@dataclass(frozen=True)
class _Tok:
    kind: str  # num | name | op | end
    text: str
    pos: int


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise ValueError(f"unexpected {text[pos:].strip()[:12]!r} at position {pos + 1}")
        kind = match.lastgroup or "op"
        value = match.group(kind)
        out.append(_Tok("name" if kind in ("q1", "q2") else kind, value, match.start(kind)))
        pos = match.end()
    out.append(_Tok("end", "", len(text)))
    return out


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _div(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return _finite(a / b)


def _sum(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return _finite(math.fsum(present)) if present else None


def _pdf_mean(bins: Sequence[float] | None) -> float | None:
    if not bins:
        return None
    total = math.fsum(bins)
    return _div(math.fsum(i * v for i, v in enumerate(bins)), total)


_FUNCS: dict[str, Callable[[Sequence[float | None]], float | None]] = {
    "sum": _sum,
    "coalesce": lambda vs: next((v for v in vs if v is not None), None),
    "min": lambda vs: None if any(v is None for v in vs) else min(v for v in vs if v is not None),
    "max": lambda vs: None if any(v is None for v in vs) else max(v for v in vs if v is not None),
}
_PDF_FUNCS: dict[str, Callable[[Sequence[float] | None], float | None]] = {
    "pdf_mean": _pdf_mean,
    "pdf_sum": lambda bins: _finite(math.fsum(bins)) if bins else None,
}

_CALLABLE = {*_FUNCS, *_PDF_FUNCS, "pdf_power_mean"}  # pdf_power_mean: see _Parser.power_mean


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.names: set[str] = set()

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self, op: str | None = None) -> _Tok:
        tok = self.toks[self.i]
        if op is not None and (tok.kind != "op" or tok.text != op):
            found = tok.text or "end of formula"
            raise ValueError(f"expected {op!r} at position {tok.pos + 1}, found {found!r}")
        self.i += 1
        return tok

    def parse(self) -> Compiled:
        node = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise ValueError(f"unexpected {tok.text!r} at position {tok.pos + 1}")
        return node

    def expr(self) -> Compiled:
        node = self.term()
        while self.peek().kind == "op" and self.peek().text in "+-":
            op = self.take().text
            node = _binary(op, node, self.term())
        return node

    def term(self) -> Compiled:
        node = self.unary()
        while self.peek().kind == "op" and self.peek().text in "*/":
            op = self.take().text
            node = _binary(op, node, self.unary())
        return node

    def unary(self) -> Compiled:
        if self.peek().kind == "op" and self.peek().text == "-":
            self.take()
            inner = self.unary()
            return lambda env: None if (v := inner(env)) is None else -v
        return self.atom()

    def atom(self) -> Compiled:
        tok = self.take()
        if tok.kind == "num":
            number = float(tok.text)
            return lambda env: number
        if tok.kind == "op" and tok.text == "(":
            node = self.expr()
            self.take(")")
            return node
        if tok.kind != "name":
            found = tok.text or "end of formula"
            raise ValueError(f"unexpected {found!r} at position {tok.pos + 1}")
        nxt = self.peek()
        if nxt.kind == "op" and nxt.text == "(" and tok.text in _CALLABLE:
            return self.call(tok)
        if tok.text == "period_s":
            return lambda env: float(env.period_s)
        name = tok.text
        self.names.add(name)
        return lambda env: env.value(name)

    def call(self, func: _Tok) -> Compiled:
        self.take("(")
        if func.text == "pdf_power_mean":
            return self.power_mean(func)
        if func.text in _PDF_FUNCS:
            arg = self.take()
            if arg.kind != "name":
                raise ValueError(f"{func.text}() takes one counter name (position {arg.pos + 1})")
            self.take(")")
            self.names.add(arg.text)
            pdf_func, counter = _PDF_FUNCS[func.text], arg.text
            return lambda env: pdf_func(env.pdf(counter))
        args = [self.expr()]
        while self.peek().kind == "op" and self.peek().text == ",":
            self.take()
            args.append(self.expr())
        self.take(")")
        agg = _FUNCS[func.text]
        return lambda env: agg([a(env) for a in args])

    def power_mean(self, func: _Tok) -> Compiled:
        arg = self.take()
        if arg.kind != "name":
            raise ValueError(f"{func.text}() takes a counter name first (position {arg.pos + 1})")
        levels: list[float] = []
        while self.peek().kind == "op" and self.peek().text == ",":
            self.take()
            sign = 1.0
            if self.peek().kind == "op" and self.peek().text == "-":
                self.take()
                sign = -1.0
            level = self.take()
            if level.kind != "num":
                where = f"position {level.pos + 1}"
                raise ValueError(f"{func.text}() levels are numbers in dBm ({where})")
            levels.append(sign * float(level.text))
        self.take(")")
        if not levels:
            raise ValueError(f"{func.text}() needs the dBm level of each bin")
        self.names.add(arg.text)
        counter = arg.text
        return lambda env: _pdf_power_mean(env.pdf(counter), levels)


def _pdf_power_mean(bins: Sequence[float] | None, levels: Sequence[float]) -> float | None:
    """Mean power (dBm) of a distribution whose bin i stands for ``levels[i]`` dBm; None when it
    is empty or has more bins than levels (they could not be placed)."""
    if not bins or len(bins) > len(levels):
        return None
    total = math.fsum(bins)
    if total <= 0:
        return None
    milliwatts = math.fsum(n * 10 ** (level / 10) for n, level in zip(bins, levels, strict=False))
    return _finite(10 * math.log10(milliwatts / total)) if milliwatts > 0 else None


def _binary(op: str, left: Compiled, right: Compiled) -> Compiled:
    if op == "/":
        return lambda env: _div(left(env), right(env))

    def apply(env: Counters) -> float | None:
        a = left(env)
        if a is None:
            return None
        b = right(env)
        if b is None:
            return None
        return _finite(a + b if op == "+" else a - b if op == "-" else a * b)

    return apply


@dataclass(frozen=True)
class Formula:
    text: str
    compiled: Compiled
    counters: frozenset[str]


def compile_formula(text: str) -> Formula:
    """Compile one formula; ValueError with the position of a syntax error."""
    parser = _Parser(text)
    compiled = parser.parse()
    return Formula(text, compiled, frozenset(parser.names))


@dataclass(frozen=True)
class FormulaSet:
    source: str
    kpis: Mapping[str, tuple[Formula, ...]]
    counters: frozenset[str] = field(default=frozenset())

    def evaluate(
        self, env: Counters, reported: AbstractSet[str] | None = None
    ) -> dict[str, float | None]:
        """{kpi: value} for every KPI with formulas; the first candidate with a value wins.

        With ``reported`` (the counter names present), a candidate none of whose counters was
        reported is skipped without evaluating it: it has nothing to compute from.
        """
        out: dict[str, float | None] = {}
        for kpi, candidates in self.kpis.items():
            value = None
            for formula in candidates:
                if (
                    reported is not None
                    and formula.counters
                    and formula.counters.isdisjoint(reported)
                ):
                    continue
                value = formula.compiled(env)
                if value is not None:
                    break
            out[kpi] = value
        return out


def parse_formula_table(source: str, table: Mapping[str, object]) -> FormulaSet:
    kpis_table = table.get("kpis")
    if not isinstance(kpis_table, dict):
        raise ConfigurationError(f"{source}: needs a [kpis] table of kpi = formula(s)")
    kpis: dict[str, tuple[Formula, ...]] = {}
    for kpi, raw in kpis_table.items():
        if kpi not in KPI_NAMES:
            raise ConfigurationError(
                f"{source}: [kpis] {kpi!r} is not a canonical KPI ({', '.join(KPI_NAMES)})"
            )
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise ConfigurationError(f"{source}: [kpis] {kpi} must be a formula or a list of them")
        compiled: list[Formula] = []
        for text in texts:
            try:
                compiled.append(compile_formula(text))
            except ValueError as exc:
                raise ConfigurationError(f"{source}: [kpis] {kpi}: {text!r}: {exc}") from None
        kpis[kpi] = tuple(compiled)
    names = frozenset(n for fs in kpis.values() for f in fs for n in f.counters)
    return FormulaSet(source, kpis, names)


def merge(first: FormulaSet, then: FormulaSet) -> FormulaSet:
    """Candidates of ``first`` tried before those of ``then``, KPI by KPI."""
    kpis = dict(then.kpis)
    for kpi, formulas in first.kpis.items():
        kpis[kpi] = formulas + tuple(f for f in then.kpis.get(kpi, ()) if f not in formulas)
    return FormulaSet(first.source, kpis, first.counters | then.counters)


def load_formulas(path: Path, builtin: Path | None = None) -> FormulaSet:
    """Read a formula file; ``[options] include_builtin = true`` adds the built-in candidates."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read KPI formula file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from None
    formulas = parse_formula_table(str(path), table)
    options = table.get("options", {})
    include = isinstance(options, dict) and bool(options.get("include_builtin"))
    if include and builtin is not None and builtin.resolve() != path.resolve():
        formulas = merge(formulas, load_formulas(builtin))
    return formulas


def resolve_plan(
    names: Sequence[str], wanted: frozenset[str]
) -> tuple[tuple[str, int | None, tuple[int, ...]], ...]:
    """For a list of reported counter names: where each wanted name's value comes from.

    (wanted name, index of the counter itself or None, indices of its sub-counters ``name.*``);
    names nobody asked for, and wanted names with neither, are left out.
    """
    exact = {n: i for i, n in enumerate(names)}
    plan: list[tuple[str, int | None, tuple[int, ...]]] = []
    for want in sorted(wanted):
        prefix = want + "."
        subs = tuple(i for i, n in enumerate(names) if n.startswith(prefix))
        index = exact.get(want)
        if index is not None or subs:
            plan.append((want, index, subs))
    return tuple(plan)
