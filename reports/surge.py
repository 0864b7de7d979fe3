"""Complaint-surge statistics (pure: numbers in, tests out; no database).

The baseline knows the hour of the day and the day of the week without fitting 168 parameters
per area: it is multiplicative,

    expected(key, window) = rate(key) × seasonal(window) × |window|

* ``rate(key)``: the key's (area's or cell's) complaints per unit time over the baseline
  (the ``weeks`` before the window), floored so a quiet key still has a small positive rate.
* ``seasonal(window)``: how busy this hour of this weekday normally is for the whole network,
  relative to the average: the network's complaints in the same window shifted back by 1…weeks
  periods (a week; a day while less than a week of history exists), widened by half a window
  either side to smooth it, and combined with the **median** across periods, so one past surge
  does not raise the baseline. Floored at ``min_seasonal_factor``.

A window is a surge when its count is improbable under a negative binomial with that mean
(Var = μ + φμ², tail probability ≤ alpha / number of window lengths tested), reaches
``min_complaints`` and ``min_ratio`` × μ. The detection window (one interval) catches sharp
surges fast; a longer one (``factors``) catches slow ones (a few complaints an hour for hours).
Normal daily peaks raise ``seasonal`` and so the expectation; a surge does not. Nothing is
flagged before ``min_history_s`` of complaint history exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

WEEK_S = 7 * 86_400
DAY_S = 86_400

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SurgeParams:
    interval_s: float
    baseline_weeks: int
    alpha: float
    min_complaints: int
    min_ratio: float
    dispersion: float
    min_seasonal_factor: float
    min_rate_per_week: float
    min_history_s: float = 86_400.0


@dataclass(frozen=True)
class WindowTest:
    key: str
    observed: int
    expected: float
    p_value: float
    significant: bool  # p ≤ alpha and both minimums met: a surge
    width_s: float = 0.0

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else float("inf")


def nb_tail(observed: int, mean: float, dispersion: float) -> float:
    """P(X ≥ observed) for X negative binomial with this mean and Var = μ + φμ² (φ=0: Poisson)."""
    if observed <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    if dispersion <= 0:
        return float(stats.poisson.sf(observed - 1, mean))
    size = 1.0 / dispersion
    return float(stats.nbinom.sf(observed - 1, size, size / (size + mean)))


class EventIndex:
    """Sorted event times (epoch seconds), for the network and per key, with range counts."""

    def __init__(self, times: Sequence[float], keys: Sequence[str | None], history_start: float):
        values = np.asarray(times, dtype=np.float64)
        order = np.argsort(values, kind="stable")
        self.network: FloatArray = values[order]
        self.history_start = history_start
        grouped: dict[str, list[int]] = {}
        for i in order.tolist():
            key = keys[i]
            if key is not None:
                grouped.setdefault(key, []).append(i)
        self.positions: dict[str, NDArray[np.int64]] = {
            key: np.asarray(found, dtype=np.int64) for key, found in grouped.items()
        }
        self.by_key: dict[str, FloatArray] = {
            key: values[pos] for key, pos in self.positions.items()
        }

    @staticmethod
    def _count(arr: FloatArray, start: float, end: float) -> int:
        return int(np.searchsorted(arr, end, "left") - np.searchsorted(arr, start, "left"))

    def count(self, key: str, start: float, end: float) -> int:
        arr = self.by_key.get(key)
        return 0 if arr is None else self._count(arr, start, end)

    def network_count(self, start: float, end: float) -> int:
        return self._count(self.network, start, end)

    def members(self, key: str, start: float, end: float) -> list[int]:
        """Positions (in the input sequences) of the key's events in [start, end), by time."""
        arr = self.by_key.get(key)
        if arr is None:
            return []
        lo = int(np.searchsorted(arr, start, "left"))
        hi = int(np.searchsorted(arr, end, "left"))
        return [int(p) for p in self.positions[key][lo:hi]]

    def first(self, key: str, start: float, end: float) -> float | None:
        arr = self.by_key.get(key)
        if arr is None:
            return None
        i = int(np.searchsorted(arr, start, "left"))
        return float(arr[i]) if i < len(arr) and arr[i] < end else None

    def busy_keys(self, start: float, end: float, minimum: int) -> list[str]:
        """Keys with at least ``minimum`` events in [start, end)."""
        lo = int(np.searchsorted(self.network, start, "left"))
        hi = int(np.searchsorted(self.network, end, "left"))
        if hi - lo < minimum:
            return []
        return [key for key, arr in self.by_key.items() if self._count(arr, start, end) >= minimum]


def baseline_periods(index: EventIndex, window_start: float, weeks: int) -> tuple[float, int]:
    """(period length s, number of whole periods of history before the window) — weeks when a
    week of history exists, else days; (0, 0) when not even a day of history exists."""
    history = window_start - index.history_start
    if history >= WEEK_S:
        return float(WEEK_S), int(min(weeks, history // WEEK_S))
    if history >= DAY_S:
        return float(DAY_S), int(min(weeks * 7, history // DAY_S))
    return 0.0, 0


def seasonal_factor(index: EventIndex, end: float, width: float, params: SurgeParams) -> float:
    """How much busier than average the network normally is in [end - width, end)."""
    period, n = baseline_periods(index, end - width, params.baseline_weeks)
    if n == 0:
        return 1.0
    base_start = end - width - n * period
    total = index.network_count(base_start, end - width)
    if total == 0:
        return 1.0
    half = width / 2
    matched = [
        index.network_count(end - k * period - width - half, end - k * period + half)
        * width
        / (width + 2 * half)
        for k in range(1, n + 1)
    ]
    typical = float(np.median(matched)) if n >= 3 else float(np.mean(matched))
    uniform = total / n * width / period  # what the window would get at the average rate
    return max(params.min_seasonal_factor, typical / uniform)


def expected_count(
    index: EventIndex, key: str, end: float, width: float, factor: float, params: SurgeParams
) -> float:
    """The key's baseline count for [end - width, end) at this hour of the week."""
    period, n = baseline_periods(index, end - width, params.baseline_weeks)
    floor_rate = params.min_rate_per_week / WEEK_S
    if n == 0:
        return floor_rate * width * factor
    span = n * period
    rate = max(index.count(key, end - width - span, end - width) / span, floor_rate)
    return rate * width * factor


@dataclass(frozen=True)
class KeyTest:
    """A key's tests at one time: every window (the detection window first, then the longer
    ones, for slower surges), and the most significant window that makes it a surge, if any."""

    windows: tuple[WindowTest, ...]
    surge: WindowTest | None

    @property
    def base(self) -> WindowTest:
        return self.windows[0]

    @property
    def significant(self) -> bool:
        return self.surge is not None


def combine(
    parts: Sequence[WindowTest], key: str, params: SurgeParams, n_windows: int
) -> WindowTest:
    """One test over several keys' windows of the same width (counts and baselines add up)."""
    observed = sum(t.observed for t in parts)
    expected = sum(t.expected for t in parts)
    p_value = nb_tail(observed, expected, params.dispersion)
    significant = (
        bool(parts)
        and p_value <= params.alpha / n_windows
        and observed >= params.min_complaints
        and observed >= params.min_ratio * expected
    )
    width = parts[0].width_s if parts else params.interval_s
    return WindowTest(key, observed, expected, p_value, significant, width)


def evaluate_windows(
    index: EventIndex,
    end: float,
    params: SurgeParams,
    *,
    also: Iterable[str] = (),
    factors: Sequence[int] = (1,),
) -> dict[str, KeyTest]:
    """Test the windows ending at ``end`` (``factors`` × interval long) of every key busy enough
    to be a surge, and of ``also``. With several windows the tail probability is compared with
    alpha / number of windows (Bonferroni)."""
    widths = [params.interval_s * f for f in sorted(set(factors) | {1})]
    longest = widths[-1]
    ready = end - params.interval_s - index.history_start >= params.min_history_s
    busy = index.busy_keys(end - longest, end, params.min_complaints) if ready else []
    keys = set(busy) | set(also)
    if not keys:
        return {}
    seasonal = {w: seasonal_factor(index, end, w, params) for w in widths}
    alpha = params.alpha / len(widths)
    results: dict[str, KeyTest] = {}
    for key in sorted(keys):
        tests: list[WindowTest] = []
        for width in widths:
            observed = index.count(key, end - width, end)
            mean = expected_count(index, key, end, width, seasonal[width], params)
            p_value = nb_tail(observed, mean, params.dispersion)
            significant = (
                ready
                and p_value <= alpha
                and observed >= params.min_complaints
                and observed >= params.min_ratio * mean
            )
            tests.append(WindowTest(key, observed, mean, p_value, significant, width))
        hits = [t for t in tests if t.significant]
        surge = min(hits, key=lambda t: (t.p_value, t.width_s)) if hits else None
        results[key] = KeyTest(tuple(tests), surge)
    return results
