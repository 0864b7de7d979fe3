"""Terminal / SIM, the handset and the SIM themselves (the first half of ``terminal``): what the
device can do against what the symptom and the local network need, the SIM type, and the
model's known issues.

A phone without 5G (or without the 5G band used here) where 5G serves gets only 4G speeds: a
finding when the customer expects 5G. Without that, a slow-data complaint on healthy 4G is no
fault: 4G speed is the service such a phone gets (three independently written scenarios label it
so). Most 4G SIMs attach to 5G unchanged (NSA), so a 4G SIM in a 5G phone is only a hint.
"""

from __future__ import annotations

import re
from functools import lru_cache

from diagnostics.checks.common import Weights, ev, occasional, unknown
from diagnostics.checks.roaming import on_foreign_network
from diagnostics.description import stated_foreign_handset
from diagnostics.evidence import Context, Device
from diagnostics.models import Evidence
from diagnostics.settings import DiagnosticsSettings
from diagnostics.symptoms import symptom_scores

CAUSE = "terminal_sim"
VOICE = ("call_drop", "poor_voice", "cannot_call", "cannot_receive")
DATA = ("slow_data", "no_data")
SIGNAL = ("no_signal", "weak_signal")
LEGACY = {"GSM", "UMTS"}
_FIVE_G = re.compile(r"5g|５g|\bnr\b|五g", re.IGNORECASE)


# 2G/3G bands are named by their MHz, with or without the technology: "GSM900", "DCS1800",
# "UMTS2100", "WCDMA 900" in a device catalogue; "900", "2100" in a cell list
_LEGACY_BAND = re.compile(r"(?:gsm|egsm|dcs|pcs|umts|wcdma|utra|hspa\+?|[23]g|g|u)[-_]?(\d{3,4})")
# an operator's own labels give a 4G/5G layer by its MHz too: "L1800", "LTE-2100", "FDD1800",
# "TDD2300", "NR3500" (a cell list's notation; a catalogue gives band numbers)
_MHZ_LABEL = re.compile(
    r"(?:l|lte|fdd|tdd|(?:fdd|td|tdd)-?lte|lte-?(?:fdd|tdd)|nr|[45]g)[-_]?(\d{3,4})"
)


def _band_text(band: str) -> str:
    return band.strip().lower().replace("band", "").replace(" ", "")


@lru_cache(maxsize=4096)
def normalise_band(band: str) -> str:
    """'B3', 'band 3', 'b03' → '3'; 'n78' → 'n78' (NR bands keep their prefix); 'GSM900',
    'UMTS 2100', 'L1800' → '900', '2100', '1800' (a layer named by its MHz)."""
    text = _band_text(band)
    if named := _LEGACY_BAND.fullmatch(text) or _MHZ_LABEL.fullmatch(text):
        return named[1]
    match = re.fullmatch(r"([bn]?)0*(\d+)", text)
    if not match:
        return text
    return ("n" if match[1] == "n" else "") + match[2]


@lru_cache(maxsize=1024)  # a catalogue has a few dozen band lists, checked for every complaint
def names_legacy_bands(bands: tuple[str, ...]) -> bool:
    """Whether a phone's band list names 2G/3G bands ("GSM900"), not only LTE/NR ones."""
    return any(
        _LEGACY_BAND.fullmatch(_band_text(b)) or not re.fullmatch(r"n?\d+", normalise_band(b))
        for b in bands
    )


def capability(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    sub = ctx.subscriber
    foreign = stated_foreign_handset(ctx.complaint.description)
    if sub is None or sub.device is None:
        why = (
            "subscriber not in the profile data"
            if sub is None
            else f"TAC {sub.tac} not in the device catalogue"
        )
        if foreign:  # what the customer says of the phone is all there is: a hint
            return ev(
                "device_capability",
                CAUSE,
                "abnormal",
                w.weak,
                detail=f"{why}, but the handset was bought abroad (said in the description): "
                "it may lack the bands used here",
            )
        return unknown("device_capability", CAUSE, why + ": the handset's capabilities are unknown")
    d = sub.device
    symptom = ctx.complaint.symptom
    network = set(ctx.network_technologies)
    model = f"{d.vendor} {d.model}"
    problems: list[tuple[float, str]] = []
    fits = "fits the symptom and the serving network"
    # a phone without 4G makes its calls on 2G/3G natively: "no VoLTE" is no finding for it
    # unless only 4G/5G serve (the branch below says so)
    if (
        symptom in VOICE
        and not d.supports_volte
        and (d.supports_lte or (network and not network & LEGACY))
    ):
        if on_foreign_network(ctx):  # our layers don't carry its calls: the foreign network's do
            problems.append((w.context, f"{model} has no VoLTE (on a foreign network)"))
        elif network and not network & LEGACY:
            problems.append(
                (
                    w.decisive,
                    f"{model} has no VoLTE and only {'/'.join(sorted(network))} serve here: "
                    "it can't make or keep calls",
                )
            )
        elif occasional(ctx.complaint):  # CSFB makes drops likelier, not a one-off drop
            fits = "has no VoLTE (calls fall back to 2G/3G): that makes drops likelier, it doesn't "
            fits += "explain a problem only now and then"
        else:
            problems.append(
                (
                    w.medium,
                    f"{model} has no VoLTE: calls fall back to 2G/3G (CSFB), with slower "
                    "set-up and more drops",
                )
            )
    # a 2G/3G phone gets its signal from the 2G/3G cells: for a signal complaint it matters
    # only where 4G/5G alone serve (next branch)
    if symptom in DATA and not d.supports_lte and not d.supports_nr:
        problems.append((w.decisive, f"{model} supports neither 4G nor 5G"))
    elif network and network <= {"NR"} and not d.supports_nr:
        problems.append((w.decisive, f"only 5G (NR) serves here and {model} has no 5G"))
    elif network and network <= {"LTE", "NR"} and not d.supports_lte and not d.supports_nr:
        problems.append((w.decisive, f"only 4G/5G serve here and {model} supports neither"))
    expects_5g = bool(_FIVE_G.search(ctx.complaint.description or ""))
    gap = nr_gap(ctx, d)
    if (symptom in DATA or symptom in SIGNAL) and expects_5g and "NR" in network and not problems:
        if gap:
            problems.append((w.medium, f"5G is expected, but {model} {gap}"))
        elif sub.sim_type != "5g":
            # most 4G SIMs attach to 5G (NSA) unchanged; only some need a swap for SA: a hint
            problems.append(
                (w.weak, f"5G is expected, but a {sub.sim_type.upper()} SIM may keep {model} on 4G")
            )
    phone_bands = {normalise_band(b) for b in d.bands}
    legacy_named = names_legacy_bands(d.bands)
    compared = _comparable_bands(ctx, legacy_named)
    cell_bands = {normalise_band(b) for b in compared}
    if (
        cell_bands
        and phone_bands
        and not cell_bands & phone_bands
        and _same_naming(cell_bands, phone_bands)
    ):
        stranded = _unregistered(ctx) and _stranded(ctx, phone_bands, legacy_named)
        problems.append(
            (
                w.decisive if stranded else w.medium,
                f"{model} supports bands {', '.join(sorted(d.bands))}, none of the serving "
                f"cells' bands {', '.join(sorted(compared))}"
                + (
                    ": it can't attach here, which is why the number is not registered"
                    if stranded
                    else ""
                ),
            )
        )
    elif symptom in DATA and not problems and (stuck := _legacy_only(ctx, phone_bands)):
        problems.append((w.medium if stuck == "GSM" else w.weak, _stuck_in_words(ctx, d, stuck)))
    elif foreign and cell_bands - phone_bands and not problems:
        # most phones lack some band; one bought abroad and lacking a band used here is the
        # overseas-model case: it camps on the layers it has, where they reach
        lacking = sorted(b for b in ctx.serving.bands if normalise_band(b) not in phone_bands)
        problems.append(
            (
                w.medium,
                f"{model} was bought abroad (said in the description) and lacks the band(s) "
                f"{', '.join(lacking)} serving here",
            )
        )
    if not problems and (inside := own_system_gap(ctx, phone_bands)):
        # the building's own system is what serves inside; a phone without its band is left
        # with the outdoor cells through the walls, where its neighbours are fine
        problems.append(
            (
                w.medium,
                f"{model} lacks the band(s) {', '.join(inside)} of the building's own indoor "
                "system here: inside it is left with the outdoor cells through the walls",
            )
        )
    if problems:
        problems.sort(key=lambda p: -p[0])
        return ev(
            "device_capability",
            CAUSE,
            "abnormal",
            problems[0][0],
            value=1.0,
            threshold=0.0,
            unit="flag",
            detail="; ".join(p[1] for p in problems),
        )
    caps = ", ".join(
        n
        for n, ok in (("4G", d.supports_lte), ("5G", d.supports_nr), ("VoLTE", d.supports_volte))
        if ok
    )
    return ev(
        "device_capability",
        CAUSE,
        "normal",
        0.0,
        value=0.0,
        threshold=0.0,
        unit="flag",
        detail=f"{model} ({caps or 'no 4G/5G'}) {fits}",
    )


def _comparable_bands(ctx: Context, names_legacy: bool) -> set[str]:
    """The serving cells' bands to hold the phone's list against. A list of LTE/NR bands only
    ("B3 B8 n78", most catalogues) says nothing of 2G/3G (every phone has GSM, and a UMTS "band 1"
    is not LTE B1): the 2G/3G cells' bands count only when the list names such bands ("GSM900")."""
    layers = ctx.serving.layers
    if not layers:
        return set(ctx.serving.bands)
    return {b for tech, b in layers if names_legacy or tech not in LEGACY}


@lru_cache(maxsize=4096)
def _naming(band: str) -> str:
    """How a normalised band is named: an NR band ("n78"), a band number ("3"), MHz ("1800":
    2G/3G, or a layer an operator's cell list names by its frequency), or "other" (a label not
    understood)."""
    if re.fullmatch(r"n\d+", band):
        return "nr"
    if band.isdigit():
        return "mhz" if int(band) >= 400 else "number"
    return "other"


def _same_naming(cell_bands: set[str], phone_bands: set[str]) -> bool:
    """Whether every band of the cells is named as the phone's list names bands: a cell list in
    MHz ("L1800") or with NR prefixes ("n78") against a catalogue of bare numbers ("3", "78"),
    or a label not understood, can't show what the phone lacks."""
    named = {_naming(b) for b in phone_bands} - {"other"}
    return {_naming(b) for b in cell_bands} <= named


def _stranded(ctx: Context, phone_bands: set[str], legacy_named: bool) -> bool:
    """Whether the phone can use none of the layers offered here: those of the serving cells
    and of the geometry's candidates (the MR show the layer other users' phones favour, not all
    there is). Such a phone can't attach: a number not registered beside it is the consequence
    (as for a 2G phone where only 4G serves), not the fault."""
    layers = [*ctx.serving.layers, *(ctx.geometry.layers if ctx.geometry is not None else ())]
    if not layers or (not legacy_named and any(tech in LEGACY for tech, _ in layers)):
        return False  # unknown bands, or a 2G/3G layer the phone's LTE-only list says nothing of
    offered = {normalise_band(band) for _, band in layers}
    return _same_naming(offered, phone_bands) and not offered & phone_bands


def _unregistered(ctx: Context) -> bool:
    """Not registered, and never rejected: a reject cause comes from the network, so a phone
    that got one reached it on some layer."""
    reg = ctx.registration
    return reg is not None and reg.status != "registered" and not reg.reject_cause


def _legacy_only(ctx: Context, phone_bands: set[str]) -> str | None:
    """The best technology the phone can use here when 4G/5G serve the place but the phone has
    none of their bands ("UMTS" or "GSM"), else None (it can use them, or the bands are unknown)."""
    layers = [(tech, normalise_band(band)) for tech, band in ctx.serving.layers]
    fast = {band for tech, band in layers if tech in ("LTE", "NR")}
    if not fast or not phone_bands or fast & phone_bands:
        return None
    usable = {tech for tech, band in layers if band in phone_bands}
    return "UMTS" if "UMTS" in usable else "GSM" if "GSM" in usable else None


def _stuck_in_words(ctx: Context, d: Device, stuck: str) -> str:
    fast = sorted({band for tech, band in ctx.serving.layers if tech in ("LTE", "NR")})
    speed = "3G speeds" if stuck == "UMTS" else "2G (GPRS/EDGE) data at best"
    return (
        f"{d.vendor} {d.model} has none of the 4G/5G band(s) {', '.join(fast)} serving here: it "
        f"gets {speed}"
    )


def nr_gap(ctx: Context, d: Device) -> str | None:
    """Why the phone can't use the 5G (NR) cells serving the place, or None (no NR here, or it
    can, or the NR cells' bands are not known)."""
    if "NR" not in ctx.network_technologies:
        return None
    if not d.supports_nr:
        return "has no 5G"
    return _nr_band_gap(ctx.serving.bands, d.bands)


@lru_cache(maxsize=4096)  # asked for every complaint, of a few band lists on each side
def _nr_band_gap(serving_bands: tuple[str, ...], device_bands: tuple[str, ...]) -> str | None:
    nr_bands = {b for b in map(normalise_band, serving_bands) if _naming(b) == "nr"}
    # a 5G phone's catalogue may list its NR bands bare ("78" for n78)
    phone = {n if _naming(n) != "number" else f"n{n}" for n in map(normalise_band, device_bands)}
    phone |= {normalise_band(b) for b in device_bands}
    if nr_bands and phone and not nr_bands & phone:
        return f"lacks the 5G band(s) {', '.join(sorted(nr_bands))} used here"
    return None


def sim(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    sub = ctx.subscriber
    if sub is None:
        return unknown("sim_type", CAUSE, "subscriber not in the profile data: SIM type unknown")
    network = set(ctx.network_technologies)
    if sub.sim_type in ("2g", "3g"):
        if network and not network & LEGACY:
            return ev(
                "sim_type",
                CAUSE,
                "abnormal",
                w.decisive,
                value=1.0,
                threshold=0.0,
                unit="flag",
                detail=f"a {sub.sim_type.upper()} SIM can't attach to the 4G/5G cells that serve "
                ""
                "here: swap the SIM",
            )
        weight = w.medium if ctx.complaint.symptom in (*DATA, *SIGNAL) else w.weak
        device = sub.device
        legacy_phone = device is not None and not device.supports_lte and not device.supports_nr
        if legacy_phone:  # the phone itself can't use 4G: the SIM changes nothing
            weight = min(weight, w.context)
        return ev(
            "sim_type",
            CAUSE,
            "abnormal",
            weight,
            value=1.0,
            threshold=0.0,
            unit="flag",
            detail=f"old {sub.sim_type.upper()} SIM: no 4G/VoLTE service; a 4G/5G SIM is needed",
        )
    return ev(
        "sim_type",
        CAUSE,
        "normal",
        0.0,
        value=0.0,
        threshold=0.0,
        unit="flag",
        detail=f"{sub.sim_type.upper()} SIM",
    )


FAMILIES = {
    **dict.fromkeys(VOICE, "voice"),
    **dict.fromkeys(DATA, "data"),
    **dict.fromkeys(SIGNAL, "signal"),
    "sms_failure": "sms",
    "roaming_failure": "roaming",
}


@lru_cache(maxsize=4096)  # a few known-issue texts (one per faulty model), every complaint
def issue_matches(issue: str, symptom: str) -> bool | None:
    """Does a device's known-issue text describe this kind of symptom? None = can't tell."""
    named = {FAMILIES.get(k) for k in symptom_scores(issue)}
    lowered = issue.lower()
    if any(k in lowered for k in ("volte", "call", "voice", "通话", "语音")):
        named.add("voice")
    if any(k in lowered for k in ("data", "internet", "modem", "上网", "数据")):
        named.add("data")
    if any(k in lowered for k in ("signal", "network", "attach", "信号", "搜网")):
        named.add("signal")
    named.discard(None)
    if not named:
        return None
    return FAMILIES.get(symptom) in named


def known_issue(ctx: Context, w: Weights) -> Evidence:
    sub = ctx.subscriber
    if sub is None or sub.device is None:
        return unknown("device_known_issue", CAUSE, "handset model unknown")
    d = sub.device
    if d.known_issue:
        match = issue_matches(d.known_issue, ctx.complaint.symptom)
        weight = w.strong if match else w.medium
        fits = {True: ", which fits the symptom", False: " (a different symptom)", None: ""}[match]
        return ev(
            "device_known_issue",
            CAUSE,
            "abnormal",
            weight,
            value=1.0,
            threshold=0.0,
            unit="flag",
            detail=f"known issue of {d.vendor} {d.model}: {d.known_issue}{fits}",
        )
    return ev(
        "device_known_issue",
        CAUSE,
        "normal",
        0.0,
        value=0.0,
        threshold=0.0,
        unit="flag",
        detail=f"no known issue recorded for {d.vendor} {d.model}",
    )


def own_system_gap(ctx: Context, phone_bands: set[str]) -> list[str]:
    """The bands of the building's own system (an indoor complaint) when the phone has none of
    them (its bands known), else []."""
    own = {normalise_band(b): b for b in ctx.own_system_bands}
    if not own or not phone_bands or own.keys() & phone_bands:
        return []
    return sorted(own.values())


def gap_in_words(ctx: Context) -> tuple[str, str]:
    """What the handset (or SIM) lacks, in words for the reply script (zh, en)."""
    sub = ctx.subscriber
    assert sub is not None and sub.device is not None
    d = sub.device
    model = f"{d.vendor} {d.model}"
    symptom = ctx.complaint.symptom
    if (
        symptom in ("call_drop", "poor_voice", "cannot_call", "cannot_receive")
        and not d.supports_volte
    ):
        return (
            f"您使用的{model}不支持VoLTE高清通话，而您所在区域主要由4G/5G网络服务，会影响通话。",
            f"your {model} does not support VoLTE calls, while 4G/5G cells serve your area.",
        )
    if not d.supports_lte and not d.supports_nr:
        return (f"您使用的{model}不支持4G/5G网络。", f"your {model} supports neither 4G nor 5G.")
    if not d.supports_nr and set(ctx.network_technologies) <= {"NR"}:
        return (
            f"您所在区域由5G网络服务，而您使用的{model}不支持5G。",
            f"5G cells serve your area and your {model} has no 5G.",
        )
    gap = nr_gap(ctx, d)
    if symptom in ("slow_data", "no_data") and gap is not None:
        lacks = "不支持5G" if not d.supports_nr else "不支持本地5G网络使用的频段"
        return (
            f"您所在区域有5G网络，而您使用的{model}{lacks}，只能使用4G网络，网速会低一些。",
            f"5G cells serve your area, but your {model} {gap}, so it uses 4G only and gets "
            "lower speeds.",
        )
    if inside := own_system_gap(ctx, {normalise_band(b) for b in d.bands}):
        bands = "、".join(inside)
        return (
            f"您使用的{model}不支持本楼室内分布系统使用的频段（{bands}），在室内只能使用室外信号。",
            f"your {model} lacks band(s) {', '.join(inside)} of this building's own indoor "
            "system, so inside it relies on the outdoor cells.",
        )
    if symptom in ("slow_data", "no_data") and sub.sim_type not in ("5g", "2g", "3g"):
        return (
            f"您的{sub.sim_type.upper()}卡可能使{model}只能使用4G网络，可到营业厅免费更换5G卡。",
            f"your {sub.sim_type.upper()} SIM may keep your {model} on 4G; a 5G SIM can be "
            "swapped in at any store.",
        )
    return (
        f"您使用的{model}不支持本地网络使用的频段。",
        f"your {model} does not support the bands used here.",
    )
