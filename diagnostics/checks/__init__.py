"""The checklists of docs/domain.md as pure rules, one module per cause.

Each module's ``check(ctx, settings, weights)`` returns Evidence items (named check, value,
threshold, unit, window, finding, detail, and the internal signed support for its cause).
"""

from __future__ import annotations

from diagnostics.checks import congestion, coverage, interference, outage, roaming, terminal
from diagnostics.checks.common import Weights
from diagnostics.evidence import Context
from diagnostics.models import Evidence
from diagnostics.settings import DiagnosticsSettings

MODULES = (terminal, coverage, interference, congestion, outage, roaming)


def run_checks(ctx: Context, settings: DiagnosticsSettings) -> list[Evidence]:
    """Every check of every cause, in checklist order (terminal/SIM first, as the handbook says)."""
    weights = Weights.of(settings)
    evidence: list[Evidence] = []
    for module in MODULES:
        evidence.extend(module.check(ctx, settings, weights))
    return evidence


__all__ = ["MODULES", "run_checks"]
