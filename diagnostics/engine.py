"""The diagnosis of complaints, without storage: evidence → checks → ranking → reply → actions.

``diagnose(conn, complaints)`` reads (set-based, see evidence.py) and returns one ``Diagnosis``
per complaint; ``diagnose_context`` is the pure part, for one gathered context. Storage, mass
events and work orders are the service's business (service.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from diagnostics.actions import actions
from diagnostics.checks import run_checks
from diagnostics.evidence import Context, gather
from diagnostics.models import CauseScore, ComplaintRecord, Diagnosis, Evidence
from diagnostics.ranking import Calibration, Ranking, calibration_for, rank
from diagnostics.replies import facts, reply_script, situation
from diagnostics.settings import DiagnosticsSettings, get_diag_settings
from storage.db import Conn


@dataclass(frozen=True)
class Result:
    """A diagnosis with what produced it (for the service, mass events and the harness)."""

    complaint: ComplaintRecord
    diagnosis: Diagnosis
    ranking: Ranking
    context: Context


_OTHER_RANK = {"abnormal": 2, "unknown": 3, "normal": 4}


def _order(evidence: list[Evidence], primary: str) -> list[Evidence]:
    """The primary cause's evidence first (abnormal findings first), then the other causes'
    abnormal, unknown and normal findings; stable within each group. (Bucketed rather than
    sorted with a key function: ~30 items per diagnosis, thousands of diagnoses per batch.)"""
    buckets: tuple[list[Evidence], ...] = ([], [], [], [], [])
    for e in evidence:
        if e.cause == primary:
            buckets[0 if e.finding == "abnormal" else 1].append(e)
        else:
            buckets[_OTHER_RANK[e.finding]].append(e)
    return [e for bucket in buckets for e in bucket]


def diagnose_context(
    ctx: Context, settings: DiagnosticsSettings, calibration: Calibration
) -> Result:
    evidence = run_checks(ctx, settings)
    ranking = rank(evidence, ctx.complaint.symptom, settings, calibration)
    primary = ranking.primary
    case = situation(primary, ctx, evidence, settings)
    known = facts(ctx, settings)
    diagnosis = Diagnosis(
        primary_cause=primary,
        attribution=ranking.attribution,  # type: ignore[arg-type]  # values of ATTRIBUTION_BY_CAUSE
        confidence=ranking.confidence,
        causes=[CauseScore(c, p) for c, p in ranking.probabilities],
        evidence=_order(evidence, primary),
        serving_cells=list(ctx.serving.cells),
        reply_script=reply_script(primary, case, known),
        actions=actions(primary, case, ctx, evidence, known),
    )
    return Result(ctx.complaint, diagnosis, ranking, ctx)


def diagnose(
    conn: Conn,
    complaints: Sequence[ComplaintRecord],
    settings: DiagnosticsSettings | None = None,
) -> list[Result]:
    """Diagnose complaints (already stored or not) with set-based evidence queries."""
    settings = settings or get_diag_settings()
    calibration = calibration_for(settings.confidence_calibration_file)
    results: list[Result] = []
    step = settings.diagnosis_batch_size
    for start in range(0, len(complaints), step):
        for ctx in gather(conn, complaints[start : start + step], settings):
            results.append(diagnose_context(ctx, settings, calibration))
    return results
