"""The surge statistic and the level rules (pure functions, no database).

Complaint times are drawn from Milan's real hourly load (``milan_traffic_subset``): the daily
and weekly peaks are real, the complaints Poisson around them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from reports import surge
from reports.levels import WarningFigures, escalate, level_for
from reports.settings import LevelThresholds, WarningSettings
from reports.surge import EventIndex, SurgeParams, evaluate_windows, nb_tail
from reports.warning_context import surge_params

MONDAY = 1_383_523_200.0  # 2013-11-04 00:00 UTC, hour 72 of the Milan series
HOUR = 3600.0
DAY = 86_400.0
PARAMS = surge_params(WarningSettings())


def milan_profile(real_data: Path) -> np.ndarray:
    path = real_data / "milan_traffic_subset" / "matrixTS.csv"
    rows = [np.array(line.split(","), float) for line in path.read_text().splitlines()]
    load = np.array([r for r in rows if len(r) == 1488]).sum(axis=0)[72 : 72 + 24 * 35] ** 2
    return np.asarray(load / load.mean())


def city(
    real_data: Path, per_day: float, keys: int = 10, seed: int = 1
) -> tuple[list[float], list[str | None]]:
    rng = np.random.default_rng(seed)
    profile = milan_profile(real_data)
    times: list[float] = []
    names: list[str | None] = []
    for k in range(keys):
        for hour, n in enumerate(rng.poisson(profile * per_day / 24)):
            times += list(MONDAY + hour * HOUR + rng.uniform(0, HOUR, n))
            names += [f"a{k}"] * int(n)
    return times, names


def first_surge(index: EventIndex, key: str, start: float, params: SurgeParams) -> float | None:
    """Minutes from ``start`` to the first 15-min step that finds ``key`` surging."""
    for step in np.arange(start // 900 * 900, start + 4 * HOUR, 900.0):
        result = evaluate_windows(index, float(step), params, factors=(1, 3)).get(key)
        if result is not None and result.significant:
            return float(step - start) / 60
    return None


def test_nb_tail() -> None:
    assert nb_tail(0, 3.0, 0.3) == 1.0
    assert nb_tail(5, 2.0, 0.0) == pytest.approx(stats.poisson.sf(4, 2.0))
    assert nb_tail(8, 2.0, 0.5) > nb_tail(8, 2.0, 0.0)  # overdispersion: fatter tail
    assert nb_tail(3, 0.0, 0.3) == 0.0


def test_daily_peaks_of_real_load_are_not_surges(real_data: Path) -> None:
    times, names = city(real_data, per_day=48)
    index = EventIndex(times, names, MONDAY)
    steps = np.arange(MONDAY + 28 * DAY, MONDAY + 35 * DAY, 900.0)
    found = [key for step in steps for key, t in evaluate_windows(index, float(step), PARAMS,
             factors=(1, 3)).items() if t.significant]  # fmt: skip
    assert found == []
    factor = surge.seasonal_factor(index, MONDAY + 30 * DAY + 20 * HOUR, HOUR, PARAMS)
    night = surge.seasonal_factor(index, MONDAY + 30 * DAY + 4 * HOUR, HOUR, PARAMS)
    assert factor > 1.5 and night < 0.6  # the baseline knows the evening peak and the night


def test_a_night_surge_is_found_within_one_interval_and_a_flat_baseline_misses_it(
    real_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    times, names = city(real_data, per_day=48)
    start = MONDAY + 30 * DAY + 3 * HOUR + 600  # Wednesday 03:10
    times += [start + 360.0 * k for k in range(10)]  # 10 in an hour where ~1 is normal
    names += ["a0"] * 10
    index = EventIndex(times, names, MONDAY)
    delay = first_surge(index, "a0", start, PARAMS)
    assert delay is not None and delay <= 60
    monkeypatch.setattr(surge, "seasonal_factor", lambda *args, **kwargs: 1.0)
    assert first_surge(index, "a0", start, PARAMS) is None


def test_a_past_surge_does_not_raise_the_baseline(real_data: Path) -> None:
    times, names = city(real_data, per_day=48)
    a_week_ago = MONDAY + 23 * DAY + 18 * HOUR
    times += [a_week_ago + 60 * k for k in range(40)]
    names += ["a1"] * 40
    index = EventIndex(times, names, MONDAY)
    clean = EventIndex(*city(real_data, per_day=48), MONDAY)
    end = MONDAY + 30 * DAY + 19 * HOUR
    with_past = surge.seasonal_factor(index, end, HOUR, PARAMS)
    without = surge.seasonal_factor(clean, end, HOUR, PARAMS)
    assert with_past == pytest.approx(without, rel=0.1)  # the median over weeks ignores it


def test_no_detection_before_a_day_of_history() -> None:
    times = [MONDAY + 60.0 * k for k in range(30)]
    index = EventIndex(times, ["x"] * 30, MONDAY)
    assert not evaluate_windows(index, MONDAY + HOUR, PARAMS)


def test_levels_take_the_highest_criterion_met() -> None:
    thresholds = {
        "orange": LevelThresholds(complaints=10, vip_complaints=1),
        "red": LevelThresholds(complaints=30, affected_users=5000),
        "black": LevelThresholds(complaints=100, duration_h=24),
    }
    quiet = WarningFigures(
        complaints=5, affected_users=20, vip_complaints=0, duration_h=1, rate_ratio=4
    )
    assert level_for(quiet, thresholds)[0] == "yellow"
    vip = WarningFigures(
        complaints=5, affected_users=20, vip_complaints=1, duration_h=1, rate_ratio=4
    )
    level, reasons = level_for(vip, thresholds)
    assert level == "orange" and reasons == ["orange: 1 VIP complaints ≥ 1"]
    users = WarningFigures(
        complaints=12, affected_users=8000, vip_complaints=0, duration_h=2, rate_ratio=4
    )
    assert level_for(users, thresholds)[0] == "red"
    long = WarningFigures(
        complaints=12, affected_users=10, vip_complaints=0, duration_h=30, rate_ratio=4
    )
    assert level_for(long, thresholds)[0] == "black"
    assert escalate("red", "orange") == "red" and escalate("orange", "black") == "black"


def test_level_thresholds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETCOMPLAINT_WARN_RED", '{"complaints": 40, "vip_complaints": 2}')
    monkeypatch.setenv("NETCOMPLAINT_WARN_INTERVAL_MIN", "30")
    settings = WarningSettings()
    assert settings.warn_red.complaints == 40 and settings.warn_red.affected_users is None
    assert settings.warn_interval_min == 30
    monkeypatch.setenv("NETCOMPLAINT_WARN_STEP_MIN", "45")
    with pytest.raises(ValueError):
        WarningSettings()
