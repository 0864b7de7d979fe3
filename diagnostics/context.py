"""What the evidence gatherer hands the checks: one ``Context`` per complaint (its window, serving
cells, KPI summaries, alarms, MR coverage, areas, subscriber and device, registration, other
complaints), the data types inside it, and the time windows and cell weights it is built with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from diagnostics.days import stated_day
from diagnostics.description import stated_hours, stated_onset, stated_time_of_day
from diagnostics.models import ComplaintRecord
from diagnostics.places import AreaHit
from diagnostics.serving import Serving
from diagnostics.settings import DiagnosticsSettings
from geo.zones import clock_at


@dataclass(frozen=True, slots=True)
class KpiStats:
    """One serving cell's hourly KPIs: at the time of the problem (``*_at`` and the plain names),
    the same hours a day earlier (``*_before``), and over the whole fetched window."""

    cell_id: str
    hours_at: int
    hours: int
    availability_min: float | None
    unavailable_hours: int
    setup_avg: float | None
    setup_min: float | None
    setup_bad_hours: int
    drop_avg: float | None
    drop_max: float | None
    drop_bad_hours: int
    prb_busy: float | None
    busy_hour: datetime | None
    prb_busy_hours: int
    ul_max: float | None
    ul_worst_hour: datetime | None
    ul_bad_hours: int
    cqi_avg: float | None
    cqi_bad_hours: int
    users_at: float | None
    users_before: float | None
    thr_at: float | None
    thr_min: float | None
    thr_before: float | None
    prb_before: float | None
    availability_hours: int | None = None  # hours at the time with an availability counter


@dataclass(frozen=True, slots=True)
class AlarmRow:
    role: str  # serving | neighbour
    alarm_id: str
    object_id: str
    alarm_type: str
    severity: str
    raised_at: datetime
    cleared_at: datetime | None
    text: str | None


@dataclass(frozen=True, slots=True)
class Coverage:
    """MR around the place over the coverage look-back."""

    source: str  # mr_grid | mr_samples | cell (the named cell's own MR, no position given)
    samples: int
    grids: int
    weak_share: float | None
    rsrp_p10: float | None
    rsrp_p50: float | None
    rsrp_p90: float | None
    sinr_mean: float | None
    poor_sinr_share: float | None
    good_rsrp_poor_sinr_share: float | None
    window: tuple[datetime, datetime]
    radius_m: float | None = None  # the grids read around the place (None: a cell's own MR)


@dataclass(frozen=True, slots=True)
class Device:
    vendor: str
    model: str
    supports_lte: bool
    supports_nr: bool
    supports_volte: bool
    bands: tuple[str, ...]
    known_issue: str | None


@dataclass(frozen=True, slots=True)
class Subscriber:
    tac: str
    sim_type: str
    home_network: str | None
    vip: bool
    device: Device | None


@dataclass(frozen=True, slots=True)
class Registration:
    observed_at: datetime
    status: str
    network: str | None
    reject_cause: str | None
    call_forwarding: bool | None
    roaming_enabled: bool | None


@dataclass(frozen=True, slots=True)
class OtherComplaint:
    complaint_id: str
    reported_at: datetime
    lat: float | None
    lon: float | None
    cell_id: str | None
    symptom: str | None
    distance_m: float | None


@dataclass
class Context:
    """Everything gathered for one complaint."""

    complaint: ComplaintRecord
    window: tuple[datetime, datetime]  # the time of the problem (at-time KPIs, alarms)
    serving: Serving
    network_technologies: tuple[str, ...]  # of all cells serving the place, whatever the device
    kpi_window: tuple[datetime, datetime] | None = None  # the problem's hours whose KPIs are read
    site_of: dict[str, str] = field(default_factory=dict)  # serving/neighbour cell → site
    kpis: dict[str, KpiStats] = field(default_factory=dict)  # serving cells with KPI rows
    # the geometry's best server when the MR chose other cells (see ``geometry``): its KPIs, read
    # for the outage checks only (MR taken while it was down show the cells standing in for it)
    best_server_kpis: KpiStats | None = None
    alarms: list[AlarmRow] = field(default_factory=list)
    alarm_feed: bool = True  # any alarm in the database at all: without a feed, none says nothing
    own_networks: tuple[str, ...] = ()  # the operator's MCC-MNCs (diagnostics.networks)
    coverage: Coverage | None = None
    mr_cells: dict[str, float] = field(default_factory=dict)  # MR samples per cell here (weighted)
    mr_available: bool = False  # any MR in the database at all
    areas: list[AreaHit] = field(default_factory=list)
    subscriber: Subscriber | None = None
    registration: Registration | None = None
    registration_window: tuple[datetime, datetime] | None = None
    nearby: list[OtherComplaint] = field(default_factory=list)
    repeats: list[OtherComplaint] = field(default_factory=list)
    cells_known: bool = True  # the inventory has cells at all
    geometry: Serving | None = None  # the geometric candidates, when MR chose the serving cells
    cell_weight: dict[str, float] = field(default_factory=dict)  # how much each cell serves here
    own_system_bands: tuple[str, ...] = ()  # bands of the building's own system (indoor complaint)


def cell_weights(
    serving: Serving,
    counts: dict[str, float],
    given: str | None,
    site_of: dict[str, str],
    settings: DiagnosticsSettings,
    own_system: Sequence[str] = (),
) -> dict[str, float]:
    """How much each serving cell serves the place, 0…1: by its share of the MR samples here
    (the dominant cell 1.0; another layer of its sector that the MR missed
    ``co_sector_layer_weight``), else by rank (the best cell and its co-sector cells 1.0, others
    less); a cell the complaint names is taken as serving (1.0), and so is the building's own
    indoor system for a complaint made inside it (MR taken outside don't show it)."""
    floor = settings.min_cell_weight
    weights: dict[str, float] = {}
    top = max((counts.get(c, 0) for c in serving.cells), default=0)
    first_site = site_of.get(serving.cells[0]) if serving.cells else None
    for rank, cell in enumerate(serving.cells):
        if top > 0 and counts.get(cell, 0) == 0 and site_of.get(cell) == first_site:
            weights[cell] = max(floor, settings.co_sector_layer_weight)  # another layer
        elif top > 0:
            weights[cell] = floor + (1.0 - floor) * counts.get(cell, 0) / top
        elif rank == 0 or (first_site is not None and site_of.get(cell) == first_site):
            weights[cell] = 1.0
        else:
            weights[cell] = max(floor, 0.7)
    if given:
        weights[given] = 1.0
    for cell in own_system:
        weights[cell] = 1.0
    return weights


def complaint_window(
    c: ComplaintRecord,
    settings: DiagnosticsSettings,
    place: tuple[float, float] | None = None,
    events: Sequence[tuple[datetime, datetime]] = (),
) -> tuple[datetime, datetime]:
    """The time of the problem: occurred_from/to (padded), else the hours before reported_at,
    reaching back to a start the description states or to the last stretch of the time of day
    it names: since then when recent, else that stretch itself (read on the customer's clock:
    reported_at's offset, else the zone of ``place``); at an event venue (``events``) shortly
    after its event, the event."""
    pad = timedelta(minutes=settings.complaint_window_pad_minutes)
    recent = timedelta(hours=settings.problem_hours)
    if c.occurred_from is not None and c.occurred_to is not None:
        start, end = c.occurred_from - pad, c.occurred_to + pad
    elif c.occurred_from is not None:
        start, end = c.occurred_from - pad, max(c.reported_at, c.occurred_from + timedelta(hours=1))
    elif c.occurred_to is not None:
        start, end = c.occurred_to - recent, c.occurred_to + pad
    elif event := _event_just_over(c.reported_at, events, settings):
        start, end = event  # at the venue the day after the match: the match
    else:
        start, end = c.reported_at - recent, c.reported_at
        # the customer's clock, the reply's too: the place's zone where the offset is its own,
        # so "Sunday arvo" before the clocks changed is read as that Sunday's clock showed
        local = c.reported_at.astimezone(clock_at(c.reported_at, place))
        onset = stated_onset(c.description, local)
        hours = stated_time_of_day(c.description, local, settings.weekend_days)
        day = stated_day(c.description, local, stated_hours(c.description))
        if onset is not None:  # "since last night": back to then, within stated_onset_max_hours
            farthest = c.reported_at - timedelta(hours=settings.stated_onset_max_hours)
            start = min(start, max(onset, farthest))
        elif day is not None and day[1] >= end - timedelta(hours=settings.kpi_max_hours):
            start = min(start, day[0])  # "no signal on Monday", told that Monday: since then
        elif day is not None:
            start, end = day  # "Sunday arvo", told on the Tuesday: that afternoon
        elif hours is not None and hours[0] >= end - timedelta(hours=settings.kpi_max_hours):
            start = min(start, hours[0])  # "in the evenings", told then or that night: since then
        elif hours is not None and not _about_to_begin(local, hours[0], recent):
            start, end = hours  # told the next day: those hours, not the morning's
    longest = timedelta(days=settings.complaint_window_max_days)
    if end - start > longest:
        start = end - longest
    return start, end


def _event_just_over(
    reported_at: datetime,
    events: Sequence[tuple[datetime, datetime]],
    settings: DiagnosticsSettings,
) -> tuple[datetime, datetime] | None:
    """The latest event at the place that ended within ``event_lookback_hours`` before the
    report (one still going on is inside the usual window anyway)."""
    over = [
        (start, end)
        for start, end in events
        if end <= reported_at <= end + timedelta(hours=settings.event_lookback_hours)
    ]
    return max(over, key=lambda e: e[1], default=None)


def _about_to_begin(local: datetime, stretch_start: datetime, recent: timedelta) -> bool:
    """Told shortly before today's stretch of the stated hours begins ("after 8pm", at 19:30):
    the hours before the call are what the customer has just lived, not yesterday's."""
    today = stretch_start + timedelta(days=1)
    return today - recent <= local < today


def kpi_window(
    window: tuple[datetime, datetime], settings: DiagnosticsSettings, *, described: bool = False
) -> tuple[datetime, datetime]:
    """The problem's hours whose KPIs are read: its last ``kpi_max_hours`` (a long-running problem
    shows in its recent hours; the KPIs of the same hours a day earlier are read beside them).
    A time the description gave ("since yesterday evening", "every evening", the match) is read
    back to its start, up to ``kpi_stated_max_hours``: the hours it names are where the problem
    was lived (yesterday's busy evening), which the last hours before a morning call would miss."""
    start, end = window
    hours = settings.kpi_stated_max_hours if described else settings.kpi_max_hours
    return max(start, end - timedelta(hours=hours)), end
