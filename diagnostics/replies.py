"""Reply scripts (解释口径): what the agent says, in Chinese and English, per cause and situation.

The wording follows the handbook's scripts: apologise, explain the cause in plain words, say what
is being done, suggest what the customer can do. ``situation()`` picks the case from the context
(a planned site, indoors, an interference source found, an outage under repair or restored, an
occasional busy hour, an old SIM, roaming switched off, …) and ``facts()`` fills in the place,
time, cell, site, device and dates. The MSISDN never appears in a script.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from diagnostics.checks.alarms import SERVICE_DOWN, cause_alarm, outage_alarms
from diagnostics.checks.coverage import indoor_depth
from diagnostics.checks.roaming import abroad, outside_network
from diagnostics.checks.terminal_device import gap_in_words
from diagnostics.chinese import traditional, traditional_script
from diagnostics.description import stated_abroad, stated_in_a_country
from diagnostics.evidence import AlarmRow, Context
from diagnostics.models import Evidence
from diagnostics.places import build_blocked
from diagnostics.ranking import network_measured
from diagnostics.reply_texts import TEMPLATES
from diagnostics.settings import DiagnosticsSettings
from geo.zones import clock_at, country_at


@dataclass(frozen=True)
class Facts:
    place_zh: str
    place_en: str
    time_zh: str
    time_en: str
    cell: str
    site: str
    # the place for the engineers' actions: its name, or its coordinates (not read out)
    spot_en: str = "the place reported"
    floor_zh: str = ""
    floor_en: str = ""
    on_floor_en: str = ""  # " on floor 14", after a place
    area_zh: str = "该场馆"
    area_en: str = "the venue"
    on_air_zh: str = ""
    on_air_en: str = ""
    busy_zh: str = "晚高峰"
    busy_en: str = "the evening peak"
    since_zh: str = "近期"
    since_en: str = "recently"
    until_zh: str = "近期"
    until_en: str = "recently"
    source_zh: str = "某单位"
    source_en: str = "a nearby facility"
    device_zh: str = "您的手机与当前网络不匹配。"
    device_en: str = "your phone does not fit the network here."
    model: str = "手机"
    model_en: str = "phone"
    issue: str = ""
    sim: str = "2G/3G"
    network: str = ""  # the registration's network (PLMN), when known
    network_zh: str = "当地运营商"
    network_en: str = "the local network"
    our_network_zh: str = "我们的网络"
    our_network_en: str = "our network"
    # the customer writes Traditional Chinese: so is the reply, in this OpenCC script
    script: str | None = None
    place_named: bool = False  # place_zh is an area's name from the data: never converted


def _local(value: datetime, zone: tzinfo | None) -> datetime:
    return value.astimezone(zone) if zone is not None else value


def _zh_time(value: datetime) -> str:
    return f"{value.month}月{value.day}日{value:%H:%M}"


def _en_time(value: datetime) -> str:
    return f"{value.day} {value:%b %H:%M}"


def _serving_alarm(ctx: Context, settings: DiagnosticsSettings) -> AlarmRow | None:
    return cause_alarm(ctx, settings)


def _down_since(ctx: Context, settings: DiagnosticsSettings, cause: AlarmRow) -> datetime:
    """When service stopped: the cause's alarm (mains failure, fibre cut) may come hours before,
    while the batteries last (gen 24's typhoon sites); the cells' own alarm says when."""
    down = [
        a.raised_at
        for a in outage_alarms(ctx, settings, "serving")
        if a.alarm_type in SERVICE_DOWN and a.raised_at >= cause.raised_at
    ]
    return min(down, default=cause.raised_at)


def facts(ctx: Context, settings: DiagnosticsSettings) -> Facts:
    c = ctx.complaint
    # the customer's clock: the complaint's own offset, or for a time stamped in UTC the zone of
    # the place (as the window is read), so "since 19:00" is the hour the customer lived
    place = (c.lat, c.lon) if c.lat is not None and c.lon is not None else ctx.serving.location
    zone = clock_at(c.reported_at, place)
    # the place by the name of an area it is in; an interference source is named as the
    # source in its own script ("…附近{source}的设备"), not as the place too, and a planned
    # site's area named after the site is no place ("the signal at 岗厦村室外微站", gen 27)
    named = next(
        (
            a
            for a in ctx.areas
            if a.name
            and a.distance_m == 0
            and a.kind != "interference_source"
            and not (a.kind == "planned_site" and _SITE_NAME.search(a.name))
        ),
        None,
    )
    values: dict[str, str] = {}
    if named is not None and named.name:
        place_zh, place_en = f"{named.name}", f"{named.name}"
        values["spot_en"] = named.name
    elif c.lat is not None and c.lon is not None:  # not its coordinates: read out to a customer
        place_zh, place_en = "您反映的地点", "the place you reported"
        values["spot_en"] = f"{c.lat:.4f}, {c.lon:.4f}"
    elif c.cell_id:
        place_zh, place_en = f"小区{c.cell_id}覆盖范围", f"the area of cell {c.cell_id}"
        values["spot_en"] = place_en
    else:
        place_zh, place_en = "您反映的地点", "the place you reported"
    cell = ctx.serving.cells[0] if ctx.serving.cells else (c.cell_id or "—")
    site = ctx.site_of.get(cell, cell)
    if c.floor is not None:
        values.update(
            floor_zh=f"{c.floor}楼", floor_en=f"floor {c.floor}", on_floor_en=f" on floor {c.floor}"
        )
    venue = next((a for a in ctx.areas if a.kind == "event_venue" and a.name), None)
    if venue is not None and venue.name:
        values.update(area_zh=venue.name, area_en=venue.name)
    planned = next((a for a in ctx.areas if a.kind == "planned_site" and a.planned_on_air), None)
    if planned is not None and planned.planned_on_air:
        day = planned.planned_on_air
        values.update(
            on_air_zh=f"（预计{day.year}年{day.month}月开通）",
            on_air_en=f" (planned on air {day:%B %Y})",
        )
    source = next((a for a in ctx.areas if a.kind == "interference_source"), None)
    if source is not None and source.name:
        values.update(source_zh=source.name, source_en=source.name)
    busy = [
        k.busy_hour
        for k in ctx.kpis.values()
        if k.busy_hour is not None and k.prb_busy is not None and k.prb_busy > settings.prb_busy_pct
    ]
    if busy:
        hour = _local(busy[0], zone)
        values.update(busy_zh=f"{hour:%H}:00", busy_en=f"{hour:%H}:00")
    alarm = _serving_alarm(ctx, settings)
    if alarm is not None:
        site = ctx.site_of.get(alarm.object_id, alarm.object_id)
        since = _local(_down_since(ctx, settings, alarm), zone)
        values.update(since_zh=_zh_time(since), since_en=_en_time(since))
        if alarm.cleared_at is not None:
            until = _local(alarm.cleared_at, zone)
            values.update(until_zh=_zh_time(until), until_en=_en_time(until))
    sub = ctx.subscriber
    if sub is not None:
        values["sim"] = sub.sim_type.upper()
        if sub.device is not None:
            d = sub.device
            model = f"{d.vendor} {d.model}"
            values.update(model=model, model_en=model, issue=d.known_issue or "")
            zh, en = gap_in_words(ctx)
            values.update(device_zh=zh, device_en=en)
    if ctx.registration is not None and ctx.registration.network:
        network = ctx.registration.network
        values.update(
            network=network,
            network_zh=f"当地运营商（{network}）",
            network_en=f"the local network ({network})",
            our_network_zh=f"我们的网络（{network}）",
            our_network_en=f"our network ({network})",
        )
    when = _local(c.reported_at, zone)
    return Facts(
        place_zh,
        place_en,
        _zh_time(when),
        _en_time(when),
        cell,
        site,
        script=traditional_script(c.description, country_at(*place) if place else None),
        place_named=named is not None and bool(named.name),
        **values,
    )


_WORKS = ("construction", "planned work", "maintenance window", "工程", "施工", "割接")
_SITE_NAME = re.compile(
    r"站|(?<![a-z])(?:site|cell|tower|mast|enodeb|gnodeb|small ?cell)s?(?![a-z])", re.IGNORECASE
)


def situation(
    cause: str, ctx: Context, evidence: list[Evidence], settings: DiagnosticsSettings
) -> str:
    """Which of the cause's scripts fits this complaint."""
    abnormal = {e.check for e in evidence if e.finding == "abnormal" and e.support > 0}
    c = ctx.complaint
    if cause == "weak_coverage":
        if "planned_site" in abnormal:
            planned = [a for a in ctx.areas if a.kind == "planned_site"]
            return "planned_blocked" if planned and build_blocked(planned[0]) else "planned_site"
        if "known_weak_area" in abnormal:
            return "blind_spot"
        if indoor_depth(c) is not None and (
            "indoor_penetration" in abnormal or "mr_rsrp_median" not in abnormal
        ):
            return "indoor"
        return "observe" if c.frequency == "occasional" else "dispatch"
    if cause == "interference":
        if "interference_source_area" in abnormal:
            return "source_found"
        if "high_floor" in abnormal and "ul_interference" not in abnormal:
            return "high_floor"
        return "cell"
    if cause == "congestion":
        if "event_venue" in abnormal:
            return "event"
        return "capacity" if c.frequency in ("frequent", "persistent") else "busy_hour"
    if cause == "outage":
        alarm = _serving_alarm(ctx, settings)
        if alarm is None:
            return "repair"
        text = (alarm.text or "").lower()
        works = any(k in text for k in _WORKS)
        if alarm.cleared_at is not None and alarm.cleared_at <= c.reported_at:
            return "works_done" if works else "restored"  # planned works are no fault repaired
        if any(k in text for k in ("stolen", "theft", "被盗", "盗")):
            return "fibre_stolen"
        if works:
            return "works"
        if alarm.alarm_type == "transmission":
            return "transmission"
        if alarm.alarm_type == "power":
            return "power"
        return "repair"
    if cause == "terminal_sim":
        if "device_capability" in abnormal:
            return "device"
        if "device_known_issue" in abnormal:  # a recorded fault of the model, over an old SIM
            return "known_issue"
        if "sim_type" in abnormal:
            return "old_sim"
        return "try_other"
    if cause == "roaming_registration":
        if "roaming_switch" in abnormal:
            # a visitor's roaming is its home operator's to enable, not ours (gen 30)
            return "visitor_roaming_off" if visitor_here(ctx) else "roaming_off"
        if "call_forwarding" in abnormal and c.symptom in ("cannot_receive", "roaming_failure"):
            return "forwarding"
        if "registration_status" in abnormal:
            if visitor_here(ctx):
                return "visitor"
            return "visited" if abroad(ctx) else "not_registered"
        if "call_forwarding" in abnormal:
            return "forwarding"
        if _across_the_border(ctx):
            return "border"
        if not abroad(ctx):
            return "escalate"
        # registered abroad with roaming enabled on our side: the handset's own roaming settings
        # come first (数据漫游 off, manual network selection), then the visited operator; with no
        # registration on record, the reply doesn't say it is registered
        return "abroad_settings" if ctx.registration is not None else "abroad_unknown"
    if cause == "no_fault_found" and not network_measured(evidence):
        return "unmeasured"
    return "observe"


def visitor_on_ours(ctx: Context) -> bool:
    """A visitor whose registration failed on our own network: the other operator is its home
    one, not 'the local network' (which is us). A visitor: a home network not ours, or no
    profile of ours at all (an inbound roamer's number is in no CRM of ours)."""
    home = ctx.subscriber.home_network if ctx.subscriber is not None else None
    network = ctx.registration.network if ctx.registration is not None else None
    own = ctx.own_networks
    if not network or network not in own:
        return False
    return ctx.subscriber is None or bool(home and home not in own)


def visitor_here(ctx: Context) -> bool:
    """A visitor on our network (``visitor_on_ours``), or one with no profile of ours and no
    network on record who says they are travelling here, where our cells serve ("在慕尼黑旅游",
    not registered: gen 30 was told we would take it up with 'the local operator', us)."""
    if visitor_on_ours(ctx):
        return True
    reg, sub = ctx.registration, ctx.subscriber
    return (
        sub is None
        and (reg is None or not reg.network)
        and stated_abroad(ctx.complaint.description)
        and ctx.serving.location is not None
        and ctx.serving.other_country is False
        and not outside_network(ctx)
    )


def _across_the_border(ctx: Context) -> bool:
    """Our subscriber, at a place in our own country, registered on another country's network:
    the phone picked up the network across a border (Woodlands and Johor Bahru)."""
    reg, sub = ctx.registration, ctx.subscriber
    if reg is None or not reg.network or reg.network in ctx.own_networks or sub is None:
        return False
    if sub.home_network and sub.home_network not in ctx.own_networks:
        return False  # a visitor on its own home network's neighbour: not ours to advise
    if not _other_mcc(reg.network, ctx.own_networks):
        return False
    if ctx.serving.other_country is None:
        # on the border itself (Luohu port reads as Hong Kong): latched where our cells serve,
        # unless the customer says they are across it ("人在马来西亚新山")
        text = ctx.complaint.description
        if stated_abroad(text) or stated_in_a_country(text):
            return False
        return ctx.serving.location is not None and not outside_network(ctx)
    return ctx.serving.other_country is False


def _other_mcc(network: str, own: Sequence[str]) -> bool:
    """Whether a PLMN ("502-12") is of another country (MCC) than every network of ours."""
    mcc = network.split("-")[0][:3]
    return bool(own) and all(n.split("-")[0][:3] != mcc for n in own)


def reply_script(cause: str, situation_name: str, facts_: Facts) -> dict[str, str]:
    zh, en = TEMPLATES.get((cause, situation_name)) or TEMPLATES[("no_fault_found", "observe")]
    values = facts_.__dict__
    return {"zh": _zh(zh, facts_), "en": en.format(**values)}


# values that come from the operator's data (names of areas and sources, models, ids): written
# as given, never run through the Traditional conversion (干擾 would become 幹擾)
_DATA_VALUES = ("area_zh", "source_zh", "model", "issue", "network", "cell", "site")


def _zh(template: str, facts_: Facts) -> str:
    values = dict(facts_.__dict__)
    if facts_.script is None:
        return template.format(**values)
    kept = [k for k in _DATA_VALUES if values.get(k)]
    if facts_.place_named:
        kept.append("place_zh")
    # private-use characters: OpenCC passes them through (a NUL would end its C string)
    marks = {k: f"\ue000{chr(0xE010 + i)}\ue001" for i, k in enumerate(kept)}
    text = traditional(template.format(**{**values, **marks}), facts_.script)
    for k, mark in marks.items():
        text = text.replace(mark, str(values[k]))
    return text
