"""Warning levels (黄橙红黑): pure rules over a warning's figures and configured thresholds.

Yellow is any significant surge. A warning reaches orange, red or black when ANY one criterion
of that level's thresholds is met (complaints so far, estimated affected users, VIP complaints,
duration, peak observed/expected ratio); the highest level reached wins, and a warning never
steps down while it is active (the handbook grades an event, it does not un-grade it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reports.settings import LEVELS, LevelThresholds


@dataclass(frozen=True)
class WarningFigures:
    complaints: int
    affected_users: int
    vip_complaints: int
    duration_h: float
    rate_ratio: float


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def _reasons(figures: WarningFigures, limits: LevelThresholds) -> list[str]:
    met: list[str] = []
    checks: tuple[tuple[str, float, float | int | None, str], ...] = (
        ("complaints", figures.complaints, limits.complaints, "complaints"),
        ("affected_users", figures.affected_users, limits.affected_users, "affected users"),
        ("vip_complaints", figures.vip_complaints, limits.vip_complaints, "VIP complaints"),
        ("duration_h", figures.duration_h, limits.duration_h, "hours"),
        ("rate_ratio", figures.rate_ratio, limits.rate_ratio, "× expected"),
    )
    for _name, value, limit, unit in checks:
        if limit is not None and value >= limit:
            shown = f"{value:.1f}" if isinstance(value, float) else str(value)
            met.append(f"{shown} {unit} ≥ {limit:g}")
    return met


def level_for(
    figures: WarningFigures, thresholds: Mapping[str, LevelThresholds]
) -> tuple[str, list[str]]:
    """The highest level whose thresholds are met, and why (yellow: a significant surge)."""
    for level in reversed(LEVELS[1:]):
        limits = thresholds.get(level)
        if limits is None:
            continue
        reasons = _reasons(figures, limits)
        if reasons:
            return level, [f"{level}: {reason}" for reason in reasons]
    return "yellow", ["yellow: complaint surge above the seasonal baseline"]


def escalate(current: str, computed: str) -> str:
    """Never step down while active."""
    return computed if level_rank(computed) > level_rank(current) else current
