"""Knobs of the work-order domain: working calendar, time limits, routing overrides, weights.

Every field reads ``NETCOMPLAINT_WO_<NAME>`` (dicts and lists as JSON), e.g.
``NETCOMPLAINT_WO_TIME_ZONE=Asia/Shanghai``, ``NETCOMPLAINT_WO_HOLIDAYS='["2025-10-01"]'``,
``NETCOMPLAINT_WO_ROUTING='{"congestion": "rf_optimisation"}'``.

Defaults follow the operator handbook (电子工单处理时限, the minimum standard): grade A 2 hours
(immediate, or within the department), B 1 working day (between departments), C 2 working days
(another city branch), D 3 working days (outside parties: another operator, a roaming partner,
a factory leaking interference), E 5 working days (across provinces); a grade that can't meet
its limit reports progress within one working day.
"""

from __future__ import annotations

import re
from datetime import date, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from netcomplaint.settings import NC_CONFIG

GRADES = ("A", "B", "C", "D", "E")
_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hd])\s*$")


def parse_limit(text: str) -> tuple[float, str]:
    """``"2h"`` → (2.0, "h") working hours; ``"3d"`` → (3.0, "d") working days."""
    match = _LIMIT.match(text)
    if not match:
        raise ValueError(f"time limit {text!r} must look like 2h or 3d (working hours/days)")
    return float(match[1]), match[2]


class WorkOrderSettings(BaseSettings):
    model_config = SettingsConfigDict(**{**NC_CONFIG, "env_prefix": "NETCOMPLAINT_WO_"})

    # working calendar (时限 count working time only)
    time_zone: str = Field(default="Asia/Shanghai", description="zone of the working calendar")
    work_start: time = Field(default=time(9, 0), description="working day starts (local)")
    work_end: time = Field(default=time(18, 0), description="working day ends (local)")
    working_weekdays: list[int] = Field(
        default=[1, 2, 3, 4, 5], description="ISO weekdays that are working days (1 = Monday)"
    )
    holidays: list[date] = Field(
        default=[], description="non-working dates; the work_calendar table adds more"
    )
    extra_working_days: list[date] = Field(
        default=[], description="weekend dates worked in lieu (调休); work_calendar adds more"
    )

    # time limits per grade, working time
    grade_limits: dict[str, str] = Field(
        default={"A": "2h", "B": "1d", "C": "2d", "D": "3d", "E": "5d"}
    )
    progress_grades: list[str] = Field(
        default=["C", "D", "E"], description="grades that must report progress"
    )
    progress_limit: str = Field(default="1d", description="progress report due after opening")
    urgent_limit_hours: float | None = Field(
        default=4.0, ge=0, description="urgent orders are due within this many clock hours"
    )
    warn_share: float = Field(
        default=0.8, gt=0, le=1, description="share of the limit after which an order is due soon"
    )

    # routing: route key -> department / grade (see workorders.routing.ROUTES)
    routing: dict[str, str] = Field(default={}, description="route key → department overrides")
    grades: dict[str, str] = Field(default={}, description="route key → grade overrides")
    new_site_distance_factor: float = Field(
        default=1.0,
        gt=0,
        description="nearest site ≥ factor × local ISD away → a new site is needed (in a regular "
        "layout no place is farther than ~0.58 ISD from a site)",
    )

    # attach-to-existing
    attach_radius_m: float = Field(
        default=500.0, ge=0, description="same cause, no cells: attach to an order this near"
    )

    # priority (0–100, higher first)
    priority_base: dict[str, int] = Field(
        default={
            "outage": 30,
            "congestion": 20,
            "interference": 20,
            "weak_coverage": 15,
            "roaming_registration": 15,
        },
        description="base priority per cause (others: 10)",
    )
    priority_urgent: int = Field(default=30, ge=0)
    priority_vip: int = Field(default=15, ge=0)
    priority_per_complaint: float = Field(default=3.0, ge=0)
    priority_complaints_cap: int = Field(default=20, ge=1)
    priority_per_log10_user: float = Field(
        default=5.0, ge=0, description="added per decade of affected users"
    )
    priority_per_repeat: int = Field(default=10, ge=0)
    urgent_channels: list[str] = Field(
        default=["regulator", "social"], description="channels that make a complaint urgent"
    )

    # repeats (重复投诉)
    repeat_window_days: float = Field(default=30.0, gt=0)
    repeat_radius_m: float = Field(
        default=1000.0, ge=0, description="same problem = within this distance (when both known)"
    )

    # verification after the fix
    verify_period_hours: float = Field(
        default=24.0, gt=0, description="findings must stay normal this long after resolved_at"
    )
    verify_normal_share: float = Field(
        default=0.95, gt=0, le=1, description="share of hourly values that must be normal"
    )
    verify_min_coverage: float = Field(
        default=0.5, ge=0, le=1, description="share of the period's hours that must have data"
    )
    verify_mr_radius_m: float = Field(default=300.0, gt=0)
    verify_mr_min_samples: int = Field(default=20, ge=1)
    verify_rsrp_dbm: float = Field(
        default=-110.0, description="RSRP at or above which an MR sample counts as covered"
    )
    verify_mr_covered_share: float = Field(
        default=0.9, gt=0, le=1, description="covered share for coverage to count as normal"
    )

    # process-KPI targets (handbook: 及时率 ≥ 95 %, 解决率 ≥ 90 %)
    target_timeliness: float = Field(default=0.95, ge=0, le=1)
    target_resolution: float = Field(default=0.90, ge=0, le=1)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("working_weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if not value or any(d < 1 or d > 7 for d in value):
            raise ValueError("working weekdays are ISO numbers 1 (Monday) … 7 (Sunday)")
        return sorted(set(value))

    @field_validator("grade_limits")
    @classmethod
    def _limits(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [g for g in GRADES if g not in value]
        if missing:
            raise ValueError(f"time limits missing for grades {', '.join(missing)}")
        for text in value.values():
            parse_limit(text)
        return value

    @field_validator("progress_limit")
    @classmethod
    def _progress(cls, value: str) -> str:
        parse_limit(value)
        return value

    @field_validator("grades")
    @classmethod
    def _grade_overrides(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [g for g in value.values() if g not in GRADES]
        if bad:
            raise ValueError(f"grades must be one of {'|'.join(GRADES)}, not {bad[0]!r}")
        return value

    @model_validator(mode="after")
    def _day(self) -> WorkOrderSettings:
        if self.work_end <= self.work_start:
            raise ValueError("NETCOMPLAINT_WO_WORK_END must be after NETCOMPLAINT_WO_WORK_START")
        return self


@lru_cache(maxsize=1)
def get_wo_settings() -> WorkOrderSettings:
    return WorkOrderSettings()
