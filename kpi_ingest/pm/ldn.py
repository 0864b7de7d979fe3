"""Which cell a PM measurement object is: a rule over its LDN (``measObjLdn``).

The default rule takes the value of the last RDN whose class names a cell
(``ManagedElement=X,ENodeBFunction=1,EUtranCellFDD=3`` → ``3``; the class list and an id
template like ``{ManagedElement}-{cell}`` are settings). An LDN without ``=`` (``10896``) is the
cell's own id by default. Anything else (ports, boards, the node itself) is not a cell.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from netcomplaint.errors import ConfigurationError

_UNESCAPED_COMMA = re.compile(r"(?<!\\),")


def split_dn(dn: str) -> list[tuple[str, str]]:
    """``A=1,B=2`` → [("A", "1"), ("B", "2")]; parts without ``=`` are skipped."""
    parts: list[tuple[str, str]] = []
    for part in _UNESCAPED_COMMA.split(dn):
        kind, sep, value = part.partition("=")
        if sep and kind.strip():
            parts.append((kind.strip(), value.strip().replace("\\,", ",")))
    return parts


def last_value(dn: str) -> str:
    parts = split_dn(dn)
    return parts[-1][1] if parts else dn.strip()


@dataclass
class CellRule:
    classes: frozenset[str]  # lower-case RDN types
    template: str = "{cell}"
    bare_is_cell: bool = True
    _cache: dict[tuple[str, str], str | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(self.template) if f is not None]
        except ValueError as exc:
            raise ConfigurationError(
                f"NETCOMPLAINT_PM_CELL_ID_TEMPLATE {self.template!r}: {exc}"
            ) from None
        if not names or any(not n or not n.isidentifier() for n in names):
            raise ConfigurationError(
                f"NETCOMPLAINT_PM_CELL_ID_TEMPLATE {self.template!r} needs fields like {{cell}}"
            )

    def cell_id(self, element_dn: str, ldn: str) -> str | None:
        """Our cell_id for the object, or None when it is not a cell.

        ValueError when it is a cell but the template names an RDN the LDN lacks.
        """
        key = (element_dn, ldn)
        if key in self._cache:
            return self._cache[key]
        result = self._compute(element_dn, ldn)
        if len(self._cache) < 200_000:
            self._cache[key] = result
        return result

    def _compute(self, element_dn: str, ldn: str) -> str | None:
        ldn = ldn.strip()
        own = split_dn(ldn)
        cell: str | None = None
        if own:
            for kind, value in reversed(own):
                if kind.lower() in self.classes:
                    cell = value
                    break
        elif ldn and self.bare_is_cell:
            cell = ldn
        if cell is None or not cell:
            return None
        fields: Mapping[str, str] = {
            **dict(split_dn(element_dn)),
            **dict(own),
            "cell": cell,
            "ldn": ldn,
            "element": last_value(element_dn),
        }
        try:
            return self.template.format_map(fields).strip() or None
        except KeyError as exc:
            raise ValueError(
                f"cell id template {self.template!r} needs {exc.args[0]!r}, which LDN "
                f"{ldn!r} (element {element_dn!r}) does not have"
            ) from None
