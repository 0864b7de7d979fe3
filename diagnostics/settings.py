"""Every threshold and knob of the diagnostics engine, in one place, with its documented default.

All are read from the environment with the product's prefix: ``DiagnosticsSettings.weak_rsrp_dbm``
is ``NETCOMPLAINT_WEAK_RSRP_DBM``. Defaults follow the operator handbooks (docs/domain.md):
China Mobile's MR coverage criterion (RSRP ≥ −110 dBm covered, < 90 % covered = weak grid),
−115 dBm = no usable coverage, LTE uplink noise+interference above −105 dBm per PRB = interfered
cell, busy-hour PRB above 80 % = congested, setup success below 98 % and drop rate above 2 % = poor.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings

from netcomplaint.settings import NC_CONFIG

NETWORK_CAUSES = ("weak_coverage", "interference", "congestion", "outage")


class DiagnosticsSettings(BaseSettings):
    model_config = NC_CONFIG

    # --- where and when -------------------------------------------------------------------
    problem_hours: float = Field(
        default=2.0,
        gt=0,
        description="hours before reported_at taken as the time of the problem when no "
        "occurred_from/to",
    )
    stated_onset_max_hours: float = Field(
        default=48.0,
        ge=0,
        description="with no occurred_from/to, how far back a start the description states "
        "('since last night', 昨晚开始, '2 days ago') widens the time of the problem",
    )
    weekend_days: tuple[Annotated[int, Field(ge=1, le=7)], ...] = Field(
        default=(6, 7),
        description="days of the week off work, ISO numbers as the work-order calendar's (1 = "
        "Monday … 7 = Sunday): a rush hour or commute named without a day is the last working "
        "day's",
    )
    kpi_max_hours: float = Field(
        default=12.0, gt=0, description="a longer problem's KPIs are read for its last hours only"
    )
    kpi_stated_max_hours: float = Field(
        default=24.0,
        gt=0,
        description="a time the description gives ('since yesterday evening') has its KPIs read "
        "back to its start, up to this many hours before the report",
    )
    complaint_window_max_days: float = Field(
        default=14.0, gt=0, description="longest KPI/alarm window looked at"
    )
    complaint_window_pad_minutes: float = Field(
        default=30.0, ge=0, description="margin added around occurred_from/to"
    )
    serving_search_radius_m: float = Field(
        default=5000.0, gt=0, description="radius searched for serving-cell candidates"
    )
    border_margin_m: float = Field(
        default=1000.0,
        ge=0,
        description="a place this near another country (by the zone boundary data, simplified "
        "and looked up per ~1 km) can't be told to be in either: our subscriber there on the "
        "neighbour's network is latched across the border, not abroad",
    )
    serving_near_radius_m: float = Field(
        default=1200.0,
        gt=0,
        description="searched first; the full radius only when too few sites are this near",
    )
    serving_sites: int = Field(
        default=3, ge=1, description="nearest sites whose best sectors serve the location"
    )
    serving_site_max_isd: float = Field(
        default=1.5,
        gt=0,
        description="a site other than the best one serves only within this many local "
        "inter-site distances of the place (farther, nearer sites serve it)",
    )
    indoor_system_radius_m: float = Field(
        default=60.0,
        ge=0,
        description="an in-building cell this near a complaint made indoors is that building's "
        "own system: it serves first, whatever the MR taken in the street show",
    )
    max_serving_cells: int = Field(
        default=6, ge=1, description="serving-cell candidates kept per complaint"
    )
    neighbour_radius_m: float = Field(
        default=2500.0, gt=0, description="radius of neighbouring cells for outage checks"
    )

    # --- coverage (MR) --------------------------------------------------------------------
    weak_rsrp_dbm: float = Field(
        default=-110.0, description="sample covered when RSRP ≥ this (CMCC MR criterion)"
    )
    no_coverage_rsrp_dbm: float = Field(
        default=-115.0, description="median RSRP below this = no usable coverage"
    )
    good_rsrp_dbm: float = Field(
        default=-100.0, description="RSRP at/above this counts as good (for interference)"
    )
    weak_grid_max_weak_share: float = Field(
        default=0.10,
        ge=0,
        le=1,
        description="grid is weak when more than this share is below weak_rsrp (< 90 % covered)",
    )
    weak_cell_max_weak_share: float = Field(
        default=0.20,
        ge=0,
        le=1,
        description="a cell named without a position is weakly covered when more than this "
        "share of all its MR are below weak_rsrp: that is its whole footprint, cell edges "
        "included, where 10-20 % weak samples are usual (the 50 m grid criterion doesn't apply)",
    )
    mr_share_confidence_z: float = Field(
        default=1.645,
        ge=0,
        description="one-sided z of the lower confidence bound on an MR weak-sample share: a "
        "place is weak only when its share is past the criterion beyond sampling noise "
        "(1.645 = 95 %; 0 = the bare share)",
    )
    mr_radius_m: float = Field(
        default=100.0, gt=0, description="MR grid neighbourhood around the location"
    )
    mr_wide_radius_m: float = Field(
        default=250.0,
        ge=0,
        description="where fewer than mr_min_samples MR lie within mr_radius_m (sparse MR, a new "
        "feed), the coverage is read from the grids within this radius instead (0 = never)",
    )
    mr_lookback_days: float = Field(
        default=7.0, gt=0, description="MR days used for coverage around the location"
    )
    mr_cell_lookback_days: float = Field(
        default=30.0,
        gt=0,
        description="MR days of the named cell read for a complaint that gives only a cell: its "
        "footprint is the same all month, and a sparse feed needs the days to say anything",
    )
    mr_serving_min_share: float = Field(
        default=0.10,
        gt=0,
        le=1,
        description="a cell serves the place when it carries this share of its MR",
    )
    min_cell_weight: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="weight of a serving cell that carries few of the place's MR samples",
    )
    co_sector_layer_weight: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="weight of another layer (band, technology) of the sector the MR show "
        "serving, of which the MR here caught no sample: phones are steered between layers",
    )
    mr_min_samples: int = Field(
        default=20,
        ge=1,
        description="fewer samples than this = coverage unknown, unless they are weak beyond "
        "sampling noise (mr_few_samples)",
    )
    mr_handful_samples: int = Field(
        default=4,
        ge=1,
        description="from this many samples up to mr_few_samples, a handful of MR can tell only "
        "a coverage gap (most samples weak, mr_gap_weak_share, beyond sampling noise: 4 of 4 "
        "below -110 dBm) from none (most good), not the 10 % criterion",
    )
    mr_gap_weak_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="a coverage gap the geometry predicts leaves at least this share of the MR "
        "weak: fewer than mr_min_samples whose weak share is below it beyond sampling noise rule "
        "the gap out",
    )
    mr_serving_min_samples: float = Field(
        default=8.0,
        ge=0,
        description="MR samples (weighted by nearness) around a place from which they tell which "
        "cells serve it, in place of the sector geometry: fewer than a coverage verdict needs "
        "(mr_min_samples), as a handful of samples all on one cell already shows which one serves",
    )
    mr_few_samples: int = Field(
        default=8,
        ge=1,
        description="from this many samples up, fewer than mr_min_samples still show weak "
        "coverage when their weak share is past the criterion beyond sampling noise",
    )
    mr_h3_resolution: int = Field(
        default=11,
        ge=0,
        le=15,
        description="h3 resolution of the MR grid when it can't be read from the data",
    )
    indoor_loss_db: float = Field(
        default=15.0, ge=0, description="typical building penetration loss"
    )
    basement_loss_db: float = Field(
        default=25.0, ge=0, description="loss below ground (basements, car parks, lifts)"
    )
    high_floor: int = Field(
        default=10, description="floor at/above which the high-floor effect is considered"
    )
    edge_distance_isd_ratio: float = Field(
        default=0.75,
        gt=0,
        description="distance to the nearest site above this × local ISD = cell edge",
    )
    default_isd_m: float = Field(
        default=1500.0, gt=0, description="ISD assumed when too few sites are known"
    )
    area_margin_m: float = Field(
        default=100.0, ge=0, description="a known area this close counts as containing"
    )

    # --- interference ---------------------------------------------------------------------
    ul_interference_dbm: float = Field(
        default=-105.0, description="UL noise+interference per PRB above = interfered"
    )
    poor_sinr_db: float = Field(
        default=-3.0,
        description="MR SINR below this is poor (CMCC: covered = RSRP ≥ −110 and SINR ≥ −3)",
    )
    poor_sinr_share: float = Field(
        default=0.20,
        ge=0,
        le=1,
        description="share of poor-SINR samples (at good RSRP) that is abnormal",
    )
    poor_cqi: float = Field(default=7.0, ge=0, le=15, description="average CQI below this is poor")

    # --- congestion -----------------------------------------------------------------------
    prb_busy_pct: float = Field(
        default=70.0, ge=0, le=100, description="busy-hour DL PRB utilisation above = congested"
    )
    prb_elevated_pct: float = Field(
        default=70.0,
        ge=0,
        le=100,
        description="busy-hour DL PRB utilisation from here up to prb_busy_pct = elevated: not "
        "congested, but no evidence against load either",
    )
    traffic_surge_ratio: float = Field(
        default=1.5,
        gt=1,
        description="RRC users above this × the same hours a day earlier = a surge",
    )
    low_throughput_mbps: float = Field(
        default=5.0, ge=0, description="user throughput below = degraded"
    )
    throughput_drop_ratio: float = Field(
        default=0.5, gt=0, lt=1, description="user throughput below this × a day earlier = degraded"
    )
    setup_sr_pct: float = Field(
        default=98.0, ge=0, le=100, description="RRC/E-RAB setup success below = poor"
    )
    drop_rate_pct: float = Field(
        default=2.0, ge=0, le=100, description="call drop rate above = poor"
    )

    displaced_load_factor: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="weight left to load findings on a cell while another serving cell is down "
        "at the time (its users moved there: the outage is the root cause)",
    )

    # --- outage ---------------------------------------------------------------------------
    availability_pct: float = Field(
        default=99.5, ge=0, le=100, description="availability below = cell outage"
    )
    outage_alarm_types: tuple[str, ...] = Field(
        default=("cell_unavailable", "site_down", "transmission", "power", "hardware"),
        description="alarm types that take service down",
    )
    degraded_alarm_types: tuple[str, ...] = Field(
        default=("hardware", "power", "transmission"),
        description="outage alarm types that take service down only from major severity up (or "
        "when the availability KPI shows the object down): a minor or warning one (a fan running "
        "slow, a battery test failed, a microwave link's error rate up) degrades equipment that "
        "still serves",
    )
    event_lookback_hours: float = Field(
        default=24.0,
        ge=0,
        description="a complaint at an event venue, with no time given, within this long after "
        "the venue's event ended: the event is the time of the problem (the crowd has gone by the "
        "time the fan calls; 0 = never)",
    )
    restored_lookback_hours: float = Field(
        default=12.0,
        ge=0,
        description="an outage of the serving cells that ended this long before the time of the "
        "problem still explains a loss of service reported without a time: the customer calls "
        "once service is back (0 = only outages at the time count)",
    )
    outage_cause_lag_minutes: float = Field(
        default=5.0,
        ge=0,
        description="a cause alarm (power, transmission) raised up to this long after the cells' "
        "own down alarm still is what took them down (different systems report them)",
    )
    outage_alarm_min_minutes: float = Field(
        default=5.0,
        ge=0,
        description="an outage alarm raised and cleared within this many minutes is a flap "
        "(闪断: a link that bounced): it takes no service away long enough to be the cause of a "
        "complaint, and counts as no outage (0 = every alarm counts)",
    )
    home_networks: tuple[str, ...] = Field(
        default=(),
        description="the operator's own networks (MCC-MNC, e.g. 460-00); empty = the most common "
        "home network among the subscribers",
    )
    own_network_min_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="share of the subscribers a home network needs to be taken as the operator's "
        "own when home_networks is empty",
    )
    alarm_types_down_only_with_kpi: tuple[str, ...] = Field(
        default=("power", "hardware"),
        description="alarm types that may leave service up (a mains failure on batteries, a "
        "redundant board): when the serving cells' availability stayed full in the window, "
        "they count only as a hint",
    )
    alarm_without_impact_factor: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="share of its weight such an alarm keeps when the cells stayed available",
    )
    stale_alarm_hours: float = Field(
        default=24.0,
        gt=0,
        description="an outage alarm of any type raised this long before the time looked at and "
        "still open, while the serving cells stayed available throughout, is stale (never "
        "cleared in the NMS): it counts as the alarms above do (gen 26: a site_down open for 9 "
        "days over cells 100 % available made healthy places outages)",
    )

    # --- subscriber / device / registration ----------------------------------------------
    registration_lookback_days: float = Field(
        default=7.0, gt=0, description="oldest registration snapshot used"
    )
    repeat_lookback_days: float = Field(
        default=30.0, gt=0, description="same-MSISDN complaints looked at"
    )
    repeat_min_distance_m: float = Field(
        default=2000.0, gt=0, description="'elsewhere' = at least this far"
    )

    nearby_min_complaints: int = Field(
        default=3,
        ge=1,
        description="other subscribers complaining nearby that show others are affected",
    )
    short_problem_hours: float = Field(
        default=3.0,
        gt=0,
        description="a problem this short is explained by a breach in any of its hours",
    )
    min_time_share_factor: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="weight left to a breach covering little of a long problem",
    )
    nearby_radius_m: float = Field(
        default=700.0, gt=0, description="other complaints this close are 'nearby'"
    )
    nearby_window_hours: float = Field(default=3.0, gt=0, description="… and this close in time")

    # --- mass events ----------------------------------------------------------------------
    mass_radius_m: float = Field(
        default=1500.0, gt=0, description="complaints this close may share an event"
    )
    mass_outage_radius_m: float = Field(
        default=20_000.0,
        gt=0,
        description="outage complaints that share a cell down at the time (their serving sites "
        "and the neighbouring sites down with them) may share an event this far apart: the "
        "shared cell is the common cause, and a rural site's complaints lie kilometres apart",
    )
    mass_window_hours: float = Field(default=6.0, gt=0, description="… and this close in time")
    mass_min_complaints: int = Field(
        default=2, ge=2, description="complaints needed to open a mass event"
    )
    mass_event_causes: tuple[str, ...] = Field(
        default=NETWORK_CAUSES, description="causes whose complaints are grouped into mass events"
    )

    # --- ranking --------------------------------------------------------------------------
    score_weight_decisive: float = Field(
        default=2.5,
        ge=0,
        description="weight of a hard incompatibility (a SIM or phone that can't use the network "
        "here)",
    )
    score_weight_strong: float = Field(
        default=1.5, ge=0, description="weight of decisive checks (fault on record)"
    )
    score_weight_medium: float = Field(
        default=1.0, ge=0, description="weight of direct measurements"
    )
    score_weight_weak: float = Field(default=0.4, ge=0, description="weight of supporting context")
    score_weight_context: float = Field(
        default=0.2, ge=0, description="weight of the symptom prior and soft hints"
    )
    inferred_symptom_fit_exponent: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="a symptom read from the description (none given) is a guess: how well it "
        "fits each cause counts at this power (1 = as a given symptom, 0 = not at all)",
    )
    score_corroboration: float = Field(
        default=0.35,
        ge=0,
        le=1,
        description="weight of a cause's further findings after its strongest (correlated checks "
        "don't pile up)",
    )
    nff_threshold: float = Field(
        default=0.6, ge=0, description="a cause needs at least this evidence to beat no_fault_found"
    )
    nff_unmeasured_max_confidence: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="most confidence in no_fault_found when no KPI or MR measured the network "
        "at the place (nothing was actually checked)",
    )
    nff_contradicted_max_confidence: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="most confidence in no_fault_found when the customer says people nearby "
        "have the problem too (on the scenarios, such a no-fault was right 37 % of the time)",
    )
    confidence_calibration_file: Path | None = Field(
        default=None, description="JSON with the confidence calibration; unset = the packaged one"
    )

    # --- batch ----------------------------------------------------------------------------
    diagnosis_batch_size: int = Field(
        default=1000, ge=1, description="complaints diagnosed per set-based round"
    )
    diagnosis_processes: int = Field(
        default=0,
        ge=0,
        le=64,
        description="processes that diagnose a file of ingest complaints: 0 = one per CPU core "
        "(<= 8) for a file of at least diagnosis_parallel_min complaints, a smaller one in the "
        "command's own process; 1 = always in the command's own process, inside each file's "
        "transaction",
    )
    diagnosis_parallel_min: int = Field(
        default=2000,
        ge=1,
        description="with diagnosis_processes 0, the smallest file diagnosed in several "
        "processes (measured: below ~2,000 complaints, starting them costs what they save)",
    )
    diagnosis_gc_threshold: int = Field(
        default=50_000,
        ge=0,
        description="young-generation threshold of Python's cyclic garbage collector while a "
        "batch is diagnosed (0 = leave the interpreter's 700): a batch allocates millions of "
        "short-lived objects, nearly none in cycles, and at 700 the collector took ~20 % of the "
        "checks' time (bench_diag_latency)",
    )
    diagnosis_max_attempts: int = Field(
        default=5, ge=1, description="diagnosis attempts before a complaint stays failed"
    )

    def processes_for(self, complaints: int, asked: int | None = None) -> int:
        """Processes to diagnose a file of ``complaints`` with: ``asked`` (``--processes``),
        else ``diagnosis_processes``; 0 picks one per core for a big enough file."""
        wanted = self.diagnosis_processes if asked is None else asked
        if wanted > 0:
            return wanted
        if complaints < self.diagnosis_parallel_min:
            return 1
        return max(1, min(8, os.cpu_count() or 1))


@lru_cache(maxsize=1)
def get_diag_settings() -> DiagnosticsSettings:
    return DiagnosticsSettings()
