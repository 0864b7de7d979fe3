"""Knobs of the planners' report and of the complaint-surge early warning.

Every field reads the shared ``NETCOMPLAINT_`` environment prefix (``NETCOMPLAINT_WARN_ALPHA``,
``NETCOMPLAINT_REPORT_DISTRICT_H3_RES``, …). Level thresholds are nested models, so one of them
can be set as JSON: ``NETCOMPLAINT_WARN_RED='{"complaints": 40, "affected_users": 8000}'``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings

from netcomplaint.settings import NC_CONFIG

LEVELS: tuple[str, ...] = ("yellow", "orange", "red", "black")
"""Early-warning levels, mildest first (黄橙红黑). Yellow = a significant surge, nothing more."""


class LevelThresholds(BaseModel):
    """A warning reaches a level when ANY one of these is met (None = criterion not used)."""

    complaints: int | None = Field(default=None, ge=1, description="complaints since the start")
    affected_users: int | None = Field(default=None, ge=1, description="estimated users affected")
    vip_complaints: int | None = Field(default=None, ge=1, description="complaints from VIPs")
    duration_h: float | None = Field(default=None, gt=0, description="hours since the start")
    rate_ratio: float | None = Field(default=None, gt=1, description="observed / expected")


class ReportSettings(BaseSettings):
    model_config = NC_CONFIG

    report_font_family: str = Field(
        default=(
            "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, WenQuanYi Micro Hei, "
            "Microsoft YaHei, PingFang SC, Noto Sans CJK JP, DejaVu Sans, sans-serif"
        ),
        description="CSS/matplotlib font family list; the first installed CJK-capable one wins",
    )
    report_district_h3_res: int = Field(
        default=6,
        ge=0,
        le=15,
        description="districts = h3 cells at this resolution (res 6 ≈ 36 km²)",
    )
    report_top_hotspots: int = Field(default=20, ge=1, le=500)
    report_top_districts: int = Field(default=12, ge=1, le=200)
    report_chart_dpi: int = Field(default=144, ge=50, le=600)
    report_tz: str | None = Field(
        default=None, description="zone for the day/hour breakdowns; None = NETCOMPLAINT_DEFAULT_TZ"
    )


class WarningSettings(BaseSettings):
    model_config = NC_CONFIG

    warn_interval_min: int = Field(
        default=60,
        ge=5,
        le=24 * 60,
        description="detection interval: the window counts are tested on",
    )
    warn_long_window_factor: int = Field(
        default=3,
        ge=0,
        le=24,
        description="also test a window this many intervals long (slower surges); 0/1 = off",
    )
    warn_step_min: int = Field(
        default=15, ge=1, le=24 * 60, description="how often the window slides (replays, refresh)"
    )
    warn_baseline_weeks: int = Field(default=4, ge=1, le=26)
    warn_alpha: float = Field(default=1e-4, gt=0, lt=0.5, description="tail probability to open")
    warn_alpha_clear: float = Field(
        default=0.05, gt=0, lt=1, description="a surge lasts while its tail probability stays below"
    )
    warn_min_complaints: int = Field(default=4, ge=1, description="in one window, to be a surge")
    warn_min_ratio: float = Field(default=2.5, ge=1, description="observed / expected, to open")
    warn_nb_dispersion: float = Field(
        default=0.3, ge=0, description="negative-binomial overdispersion φ: Var = μ + φμ²"
    )
    warn_min_seasonal_factor: float = Field(
        default=0.25, gt=0, le=1, description="the quietest hour is never assumed below this × mean"
    )
    warn_min_baseline_per_week: float = Field(
        default=0.5, gt=0, description="floor of an area's or cell's weekly complaint rate"
    )
    warn_area_h3_res: int = Field(
        default=7, ge=0, le=15, description="areas = h3 cells (res 7 ≈ 5 km²)"
    )
    warn_link_min_share: float = Field(
        default=0.1,
        gt=0,
        le=1,
        description="a serving cell is linked when it serves this share of the surge's complaints",
    )
    warn_link_ring: int = Field(
        default=-1,
        ge=-1,
        le=5,
        description="also link cells sited in the surge's hexagons (0) and k rings around; -1: no",
    )
    warn_min_history_h: float = Field(
        default=24, ge=1, description="no detection before this much complaint history exists"
    )
    warn_evidence_lead_min: int = Field(
        default=60, ge=0, description="degradations this long before the surge still count"
    )
    warn_max_catchup_h: int = Field(
        default=48, ge=1, description="refresh replays at most this much unevaluated history"
    )
    warn_subscriber_history_days: int = Field(default=30, ge=1)
    warn_max_subscribers: int = Field(default=500, ge=0)
    # KPI degradation thresholds on the linked cells (domain.md "common thresholds").
    warn_kpi_availability_min_pct: float = 99.0
    warn_kpi_rrc_setup_sr_min_pct: float = 98.0
    warn_kpi_erab_setup_sr_min_pct: float = 98.0
    warn_kpi_call_drop_max_pct: float = 2.0
    warn_kpi_ho_sr_min_pct: float = 95.0
    warn_kpi_ul_interference_max_dbm: float = -105.0
    warn_kpi_prb_util_dl_max_pct: float = 85.0
    warn_orange: LevelThresholds = LevelThresholds(
        complaints=10, affected_users=500, vip_complaints=1, duration_h=4, rate_ratio=10
    )
    warn_red: LevelThresholds = LevelThresholds(
        complaints=30, affected_users=5_000, vip_complaints=3, duration_h=12
    )
    warn_black: LevelThresholds = LevelThresholds(
        complaints=100, affected_users=50_000, vip_complaints=10, duration_h=48
    )

    @model_validator(mode="after")
    def _step_fits_interval(self) -> WarningSettings:
        if self.warn_step_min > self.warn_interval_min:
            raise ValueError("warn_step_min must not exceed warn_interval_min")
        if self.warn_alpha_clear < self.warn_alpha:
            raise ValueError("warn_alpha_clear must be at least warn_alpha (hysteresis)")
        return self

    def thresholds(self) -> dict[str, LevelThresholds]:
        return {"orange": self.warn_orange, "red": self.warn_red, "black": self.warn_black}
