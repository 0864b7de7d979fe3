"""Generation parameters: the run's sizes (``ScenarioParams``) and the model knobs (settings).

``ScenarioParams`` is what a user chooses per run (seed, sizes, period, zone, KPI format); it is
validated here and bad values raise ``InputError``. ``ScenarioSettings`` holds the physical and
behavioural constants of the synthetic world (radio budget, shadowing, traffic, fault mixture);
they read ``NETCOMPLAINT_SCENARIO_*`` from the environment like every other domain's settings, so
the same seed with the same settings always gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from netcomplaint.errors import InputError
from netcomplaint.settings import NC_CONFIG

CAUSES = (
    "weak_coverage",
    "outage",
    "interference",
    "congestion",
    "terminal_sim",
    "roaming_registration",
    "no_fault_found",
)
KPI_FORMATS = ("csv", "xml", "xml.gz")


class ScenarioSettings(BaseSettings):
    """Constants of the synthetic network; defaults documented with their source."""

    model_config = SettingsConfigDict(**{**NC_CONFIG, "env_prefix": "NETCOMPLAINT_SCENARIO_"})

    # --- place: People's Square, Shanghai; China Mobile style identifiers ---
    centre_lat: float = 31.2304
    centre_lon: float = 121.4737
    plmn: str = Field(default="460-00", description="MCC-MNC of the home network")
    site_prefix: str = "SH"

    # --- geometry ---
    isd_core_m: float = Field(default=450.0, gt=100, description="inter-site distance at centre")
    edge_factor: float = Field(default=3.0, gt=1, description="network radius / core radius")
    nr_share_core: float = Field(default=0.7, ge=0, le=1)
    nr_share_suburb: float = Field(default=0.3, ge=0, le=1)
    indoor_site_share: float = Field(default=0.04, ge=0, le=0.3)
    hole_site_share: float = Field(default=0.05, ge=0, le=0.3, description="sites removed")
    planned_extra_share: float = Field(default=0.02, ge=0, le=0.3)

    # --- radio (3GPP TR 38.901 budgets; RS/SSB EPRE + antenna gain - feeder loss) ---
    lte_rs_eirp_dbm: float = 34.2  # 18.2 dBm RS EPRE (+3 dB boost) + 18 dBi - 2 dB feeder
    lte_low_rs_eirp_dbm: float = 32.2  # band 8 (900 MHz) rural carrier, 16 dBi
    nr_ss_eirp_dbm: float = 36.0  # 17.8 dBm SSB EPRE + 20 dBi beamformed - 2 dB
    indoor_rs_eirp_dbm: float = 8.0  # DAS / small cell, 6 dBm + 2 dBi
    shadow_sigma_db: float = Field(default=7.0, ge=0, description="38.901: UMa 6, RMa 8 dB")
    shadow_decorrelation_m: float = Field(default=50.0, gt=5, description="Gudmundson d_corr")
    shadow_site_correlation: float = Field(default=0.5, ge=0, le=1)
    ue_noise_figure_db: float = 7.0
    bs_noise_figure_db: float = 2.5
    mr_min_rsrp_dbm: float = Field(default=-128.0, description="below: no service, no MR")
    nr_camp_rsrp_dbm: float = -105.0
    covered_rsrp_dbm: float = Field(default=-110.0, description="MR coverage criterion")
    mr_samples_per_cell_day: float = Field(default=100.0, gt=0)
    mr_max_samples: int = Field(default=4_000_000, gt=0)
    mr_cluster_samples: int = Field(default=48, ge=8, description="MR around each complainant")
    nr_device_share: float = Field(default=0.55, ge=0, le=1)

    # --- traffic ---
    busy_load_median: float = Field(default=0.42, gt=0, lt=1)
    congested_load: tuple[float, float] = (1.02, 1.35)
    congested_cell_share: float = Field(default=0.025, ge=0, le=0.3)
    event_surge: float = Field(default=2.2, ge=0, description="extra demand at the venue")
    healthy_max_util: float = Field(
        default=0.7,
        gt=0,
        le=1,
        description="a user-side or no-fault complainant's site never runs its PRBs above this "
        "(the operators' busy-hour congestion criterion): the truth must be what the KPIs show",
    )
    healthy_weak_margin_m: float = Field(
        default=200.0,
        ge=0,
        description="a user-side or no-fault complainant is at least this far from a weak spot "
        "or a recorded weak area (the MR grid around a place reaches 100 m)",
    )

    # --- faults ---
    mixture: dict[str, float] = Field(
        default={
            "weak_coverage": 0.22,
            "outage": 0.15,
            "interference": 0.12,
            "congestion": 0.12,
            "terminal_sim": 0.15,
            "roaming_registration": 0.09,
            "no_fault_found": 0.15,
        }
    )
    outage_alarm_share: float = Field(default=0.65, ge=0, le=1)
    interference_area_share: float = Field(default=0.6, ge=0, le=1)
    interference_ul_dbm: tuple[float, float] = (-101.0, -92.0)
    ul_interference_threshold_dbm: float = -105.0
    cell_only_share: float = Field(default=0.10, ge=0, le=1)
    missing_window_share: float = Field(default=0.2, ge=0, le=1)
    zh_share: float = Field(default=0.7, ge=0, le=1)


@dataclass(frozen=True)
class ScenarioParams:
    """One run: where to write, how big, when, and in which zone."""

    out: Path
    seed: int = 7
    cells: int = 300
    days: int = 7
    complaints: int = 400
    start: dt.date = dt.date(2025, 6, 2)
    tz: str = "Asia/Shanghai"
    kpi_format: str = "csv"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def start_utc(self) -> dt.datetime:
        """Local midnight of the first day, as an aware UTC datetime."""
        local = dt.datetime.combine(self.start, dt.time(0), tzinfo=self.zone)
        return local.astimezone(dt.UTC)


def _int(name: str, raw: str | int, low: int, high: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InputError(f"--{name} must be an integer, got {raw!r}", field=name) from None
    if not low <= value <= high:
        raise InputError(f"--{name} must be between {low} and {high}, got {value}", field=name)
    return value


def parse_params(
    *,
    out: str | Path,
    seed: str | int = 7,
    cells: str | int = 300,
    days: str | int = 7,
    complaints: str | int = 400,
    start: str | dt.date = "2025-06-02",
    tz: str = "Asia/Shanghai",
    kpi_format: str = "csv",
) -> ScenarioParams:
    """Validate user input into ``ScenarioParams``; every problem is one ``InputError`` line."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise InputError(f"--out {path} exists and is not a directory", field="out")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(f"--out {path}: {probe} is not a directory", field="out")
    if not os.access(probe, os.W_OK):
        raise InputError(f"--out {path}: {probe} is not writable", field="out")
    if isinstance(start, dt.date):
        day = start
    else:
        try:
            day = dt.date.fromisoformat(start)
        except ValueError:
            raise InputError(f"--start must be a date YYYY-MM-DD, got {start!r}") from None
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"--tz {tz!r} is not a known time zone", field="tz") from None
    if kpi_format not in KPI_FORMATS:
        raise InputError(f"--kpi-format must be one of {'|'.join(KPI_FORMATS)}", field="kpi_format")
    return ScenarioParams(
        out=path,
        seed=_int("seed", seed, 0, 2**63 - 1),
        cells=_int("cells", cells, 20, 50_000),
        days=_int("days", days, 1, 92),
        complaints=_int("complaints", complaints, 0, 200_000),
        start=day,
        tz=tz,
        kpi_format=kpi_format,
    )
