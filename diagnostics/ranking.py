"""Ranking the causes, attribution, and a calibrated confidence.

**Scores.** Each Evidence item carries a signed support (weight × strength, see checks/common.py).
A cause's evidence score S_c is its strongest positive support plus ``score_corroboration`` (0.35)
× the sum of its other positive supports (correlated checks don't pile up), multiplied by how well
the complaint's symptom fits the cause (``SYMPTOM_FIT``: 1 typical, 0.75 plausible, 0.45
atypical), plus its negative supports (evidence against it). ``no_fault_found`` has the fixed
score ``nff_threshold``: it wins when no cause has at least that much evidence. The terminal's
evidence that the network side is affected ("other users here", "people nearby": the
``NETWORK_SIDE_CHECKS``) counts against it only when some network cause reaches that level too.

**Probabilities.** P(c) = softmax(β · S) over the seven causes (temperature β from the
calibration). The ``causes`` list of the diagnosis gives these, ranked.

**Confidence.** Platt scaling of the top cause's probability with the share of its checks that
could not be run for missing data, and whether it rests only on what the customer said:
confidence = σ(a + b · logit(P_top) + c · missing + d · stated). β, a, b, c, d
are fitted on generated scenarios with known truth (``fit_calibration``; ``diagnostics/scoring.py``
``--fit``) and kept in ``calibration.json`` beside this file (or the file named by
``NETCOMPLAINT_CONFIDENCE_CALIBRATION_FILE``), so a 0.8 is right about 80 % of the time on
scenarios the calibration did not see. A ``no_fault_found`` with no KPI or MR of the place
(``MEASURED_CHECKS`` all unknown, e.g. an inventory without a KPI or MR feed) is capped at
``nff_unmeasured_max_confidence``: nothing says the network is fine there.

**Attribution** is a function of the primary cause alone (``ATTRIBUTION_BY_CAUSE``), so the
accuracy harness scores it against the truth's causes with the same table:

- terminal_sim → ``user`` (the handset or SIM);
- weak_coverage, interference, congestion, outage → ``network``;
- roaming_registration → ``network``: the registration lives in the HLR/VLR and the partner's
  network, and the network side confirms and fixes it; where the evidence shows the handset's own
  roaming switch or call forwarding, the reply tells the customer what to change, but the
  attribution stays with the cause so it is consistent and scorable;
- no_fault_found → ``unknown``: nothing abnormal was found on either side.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from diagnostics.models import CAUSES, Evidence
from diagnostics.settings import NETWORK_CAUSES, DiagnosticsSettings

NFF = "no_fault_found"
TERMINAL = "terminal_sim"
NETWORK_SIDE_CHECKS = ("other_users_affected", "neighbours_affected")
# what the customer says (not measured): a cause resting on these alone is right less often than
# its evidence score suggests ("it happens everywhere" is the handbook's handset sign, and also
# what customers with no fault say), which the calibration's ``stated`` coefficient learns
STATED_CHECKS = frozenset({"problem_everywhere"})
# checks that measure the network at the place (KPIs of the serving cells, MR around it): without
# any of them, "no fault found" means "nothing could be checked", not "checked and fine"
MEASURED_CHECKS = frozenset(
    {
        "availability",
        "prb_busy_hour",
        "traffic_surge",
        "user_throughput",
        "setup_success",
        "call_drop_rate",
        "ul_interference",
        "cqi",
        "mr_weak_share",
        "mr_rsrp_median",
        "dl_sinr_good_rsrp",
    }
)
ATTRIBUTION_BY_CAUSE: dict[str, str] = {
    "terminal_sim": "user",
    "weak_coverage": "network",
    "interference": "network",
    "congestion": "network",
    "outage": "network",
    "roaming_registration": "network",
    NFF: "unknown",
}

# How well each symptom fits each cause (a likelihood, 1 = typical): congestion makes data slow and
# call set-up fail but doesn't take the bars away; registration failures stop calls, SMS and
# roaming but don't make voice choppy. Multiplies the cause's positive evidence.
TYPICAL, PLAUSIBLE, ATYPICAL = 1.0, 0.75, 0.45
SYMPTOM_FIT: dict[str, dict[str, float]] = {
    "weak_coverage": {
        "no_signal": TYPICAL,
        "weak_signal": TYPICAL,
        "call_drop": TYPICAL,
        "poor_voice": PLAUSIBLE,
        "slow_data": PLAUSIBLE,
        "no_data": PLAUSIBLE,
        "cannot_call": PLAUSIBLE,
        "cannot_receive": PLAUSIBLE,
        "sms_failure": ATYPICAL,
        "roaming_failure": ATYPICAL,
    },
    "outage": {
        "no_signal": TYPICAL,
        "no_data": TYPICAL,
        "cannot_call": TYPICAL,
        "cannot_receive": TYPICAL,
        "call_drop": PLAUSIBLE,
        "weak_signal": PLAUSIBLE,
        "slow_data": PLAUSIBLE,
        "sms_failure": PLAUSIBLE,
        "poor_voice": ATYPICAL,
        "roaming_failure": ATYPICAL,
    },
    "interference": {
        "poor_voice": TYPICAL,
        "call_drop": TYPICAL,
        "slow_data": TYPICAL,
        "weak_signal": PLAUSIBLE,
        "no_data": PLAUSIBLE,
        "cannot_call": PLAUSIBLE,
        "cannot_receive": ATYPICAL,
        "no_signal": ATYPICAL,
        "sms_failure": ATYPICAL,
        "roaming_failure": ATYPICAL,
    },
    "congestion": {
        "slow_data": TYPICAL,
        "cannot_call": TYPICAL,
        "no_data": TYPICAL,
        "call_drop": PLAUSIBLE,
        "poor_voice": PLAUSIBLE,
        "sms_failure": PLAUSIBLE,
        "cannot_receive": ATYPICAL,
        "weak_signal": ATYPICAL,
        "no_signal": ATYPICAL,
        "roaming_failure": ATYPICAL,
    },
    "roaming_registration": {
        "roaming_failure": TYPICAL,
        "cannot_receive": TYPICAL,
        "cannot_call": TYPICAL,
        "sms_failure": TYPICAL,
        "no_signal": PLAUSIBLE,
        "no_data": PLAUSIBLE,
        "slow_data": ATYPICAL,
        "call_drop": ATYPICAL,
        "poor_voice": ATYPICAL,
        "weak_signal": ATYPICAL,
    },
    "terminal_sim": {},  # a handset or SIM fault can show as any symptom
}


def symptom_fit(cause: str, symptom: str) -> float:
    return SYMPTOM_FIT.get(cause, {}).get(symptom, TYPICAL)


def attribution_for(cause: str) -> str:
    return ATTRIBUTION_BY_CAUSE.get(cause, "unknown")


@dataclass(frozen=True)
class Calibration:
    """Temperature of the softmax and Platt parameters of the confidence."""

    temperature: float = 3.0
    intercept: float = 0.0
    slope: float = 1.0
    missing: float = -1.0
    fitted_on: str = "defaults"
    stated: float = 0.0  # the top cause rests only on what the customer said (STATED_CHECKS)

    @classmethod
    def load(cls, path: Path | None = None) -> Calibration:
        if path is None:
            text = (
                resources.files("diagnostics")
                .joinpath("calibration.json")
                .read_text(encoding="utf-8")
            )
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=8)
def calibration_for(path: Path | None) -> Calibration:
    return Calibration.load(path)


@dataclass(frozen=True)
class Ranking:
    scores: dict[str, float]  # evidence score S_c per cause
    probabilities: list[tuple[str, float]]  # ranked
    primary: str
    attribution: str
    confidence: float
    missing: float  # share of the primary cause's checks that found "unknown"
    stated: float = 0.0  # 1 when the primary cause rests only on what the customer said


def evidence_scores(
    evidence: Iterable[Evidence],
    symptom: str,
    settings: DiagnosticsSettings,
    *,
    inferred: bool = False,
) -> dict[str, float]:
    """S_c per cause: the strongest finding, plus the others at ``score_corroboration`` (they are
    correlated: a loaded cell breaches PRB, throughput and setup together), scaled by how well the
    symptom fits the cause, minus the evidence against it. no_fault_found: ``nff_threshold``."""
    positive: dict[str, list[float]] = {c: [] for c in CAUSES if c != NFF}
    negative = dict.fromkeys(positive, 0.0)
    for item in evidence:
        if item.cause not in positive:
            continue
        if item.support > 0:
            positive[item.cause].append(item.support)
        else:
            negative[item.cause] += item.support
    # "people nearby have it too" (周围用户也一样) points to the network: it corroborates every
    # network cause that has evidence of its own
    others = others_affected(evidence)
    scores: dict[str, float] = {}
    for cause, values in positive.items():
        values.sort(reverse=True)
        raw = (values[0] + settings.score_corroboration * sum(values[1:])) if values else 0.0
        if others and values and cause in NETWORK_CAUSES:
            raw += settings.score_weight_weak * 0.5
        fit = symptom_fit(cause, symptom)
        if inferred:  # read from free text, the symptom is a guess: its fit weighs less
            fit **= settings.inferred_symptom_fit_exponent
        scores[cause] = fit * raw + negative[cause]
    scores[NFF] = settings.nff_threshold
    # "other users here are affected too" (measured, or what the customer says of the people
    # nearby) clears the handset only when the network evidence amounts to a network cause of its
    # own: one busy hour or a grid just past the coverage criterion is not a fault, and must not
    # turn a handset finding into "no fault"
    if max(scores[c] for c in NETWORK_CAUSES) < settings.nff_threshold:
        scores[TERMINAL] -= sum(
            e.support
            for e in evidence
            if e.check in NETWORK_SIDE_CHECKS and e.cause == TERMINAL and e.support < 0
        )
    return scores


def others_affected(evidence: Iterable[Evidence]) -> bool:
    """The customer says people nearby have the problem too (周围用户也一样)."""
    return any(e.check == "neighbours_affected" and e.finding == "abnormal" for e in evidence)


def softmax(scores: Mapping[str, float], temperature: float) -> dict[str, float]:
    top = max(scores.values())
    exp = {c: math.exp(temperature * (v - top)) for c, v in scores.items()}
    total = sum(exp.values())
    return {c: v / total for c, v in exp.items()}


def missing_share(evidence: Sequence[Evidence], cause: str) -> float:
    """Share of unknown findings among the cause's checks (all checks for no_fault_found)."""
    items = [e for e in evidence if cause == NFF or e.cause == cause]
    if not items:
        return 1.0
    return sum(1 for e in items if e.finding == "unknown") / len(items)


def stated_only(evidence: Iterable[Evidence], cause: str) -> float:
    """1.0 when every abnormal finding for the cause is what the customer said
    (``STATED_CHECKS``); "other users here are fine" and the like only corroborate."""
    found = [
        e.check for e in evidence if e.cause == cause and e.finding == "abnormal" and e.support > 0
    ]
    return 1.0 if found and all(c in STATED_CHECKS for c in found) else 0.0


def network_measured(evidence: Iterable[Evidence]) -> bool:
    """Some KPI or MR measurement of the place was available (normal or abnormal)."""
    return any(e.check in MEASURED_CHECKS and e.finding != "unknown" for e in evidence)


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def rank(
    evidence: Sequence[Evidence],
    symptom: str,
    settings: DiagnosticsSettings,
    calibration: Calibration | None = None,
    *,
    inferred: bool = False,
) -> Ranking:
    calibration = calibration or calibration_for(settings.confidence_calibration_file)
    scores = evidence_scores(evidence, symptom, settings, inferred=inferred)
    probs = softmax(scores, calibration.temperature)
    # ties: the fixed no-fault level loses to a cause that reaches it (">= threshold beats nff")
    order = sorted(probs, key=lambda c: (-round(scores[c], 9), c == NFF, CAUSES.index(c)))
    primary = order[0]
    ranked = sorted(((c, probs[c]) for c in CAUSES), key=lambda cp: (-cp[1], order.index(cp[0])))
    missing = missing_share(evidence, primary)
    stated = stated_only(evidence, primary)
    confidence = sigmoid(
        calibration.intercept
        + calibration.slope * logit(probs[primary])
        + calibration.missing * missing
        + calibration.stated * stated
    )
    if primary == NFF and not network_measured(evidence):
        confidence = min(confidence, settings.nff_unmeasured_max_confidence)
    if primary == NFF and others_affected(evidence):
        # what the customer sees of the neighbours is the network's side of the story, which
        # the checks could not find: a sparse MR feed, a fault of a kind not measured
        confidence = min(confidence, settings.nff_contradicted_max_confidence)
    return Ranking(scores, ranked, primary, attribution_for(primary), confidence, missing, stated)


# --- fitting the calibration on scenarios with known truth ------------------------------------


@dataclass(frozen=True)
class Sample:
    """One diagnosed complaint: its evidence scores, missing share and the true cause."""

    scores: dict[str, float]
    missing: float
    truth: str
    stated: float = 0.0


# Scenarios rarely lack data (at most half a cause's checks), so a fit alone can't learn what
# missing data costs; the coefficient is kept at or below this, so that checks that could not run
# always lower the confidence, and a "no fault found" on a database without data (most checks
# unknown) stays well under even odds instead of inheriting the confidence of a checked one.
MAX_MISSING_COEFFICIENT = -3.0


def fit_calibration(samples: Sequence[Sample], *, label: str = "") -> Calibration:
    """β by maximum likelihood of the true cause, then Platt (a, b, c) on top-1 correctness."""
    import numpy as np
    from scipy.optimize import minimize, minimize_scalar

    usable = [s for s in samples if s.truth in CAUSES]
    if not usable:
        raise ValueError("no samples with a known cause to fit on")

    def nll_temperature(beta: float) -> float:
        total = 0.0
        for s in usable:
            p = softmax(s.scores, beta)[s.truth]
            total -= math.log(max(p, 1e-9))
        return total

    beta = float(minimize_scalar(nll_temperature, bounds=(0.2, 30.0), method="bounded").x)
    xs, ms, ss, ys = [], [], [], []
    for s in usable:
        probs = softmax(s.scores, beta)
        primary = sorted(probs, key=lambda c: (-round(s.scores[c], 9), c == NFF, CAUSES.index(c)))[
            0
        ]
        xs.append(logit(probs[primary]))
        ms.append(s.missing)
        ss.append(s.stated)
        ys.append(1.0 if primary == s.truth else 0.0)
    x, m, st, y = np.array(xs), np.array(ms), np.array(ss), np.array(ys)

    def nll_platt(params: np.ndarray) -> float:
        a, b, c, d = params
        z = a + b * x + c * m + d * st
        p = 1.0 / (1.0 + np.exp(-z))
        p = np.clip(p, 1e-9, 1 - 1e-9)
        ridge = a * a + (b - 1) ** 2 + c * c + d * d
        return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).sum() + 0.01 * ridge)

    result = minimize(
        nll_platt,
        np.array([0.0, 1.0, -1.0, 0.0]),
        method="L-BFGS-B",
        # what the customer says alone never raises the confidence above the measured findings'
        bounds=[(-10, 10), (0.05, 10), (-10, MAX_MISSING_COEFFICIENT), (-10, 0)],
    )
    a, b, c, d = (float(v) for v in result.x)
    return Calibration(
        temperature=beta,
        intercept=a,
        slope=b,
        missing=c,
        fitted_on=label or f"{len(usable)} complaints",
        stated=d,
    )
