"""Roaming and registration (漫游障碍, 没有登记上网络): the HLR/VLR registration snapshot nearest
before the complaint — status, reject cause, the network it is on, the roaming switch and call
forwarding — read against the symptom as the handbook does: can't call and can't receive → is it
registered; can call but can't receive ("number does not exist") → call forwarding; failing only
in one region → the visited network lacks the subscriber's data.
"""

from __future__ import annotations

from diagnostics.checks.common import Weights, ev, unknown
from diagnostics.description import stated_abroad
from diagnostics.evidence import Context
from diagnostics.models import Evidence, Finding
from diagnostics.settings import DiagnosticsSettings

CAUSE = "roaming_registration"
SERVICE_SYMPTOMS = (
    "roaming_failure",
    "cannot_call",
    "cannot_receive",
    "sms_failure",
    "no_signal",
    "no_data",
)


def _flag(
    ctx: Context, check: str, finding: Finding, support: float, *, raised: bool, detail: str
) -> Evidence:
    """A yes/no item of the registration snapshot (value 1 = the problem flag is raised)."""
    return ev(
        check,
        CAUSE,
        finding,
        support,
        value=1.0 if raised else 0.0,
        threshold=0.0,
        unit="flag",
        window=ctx.registration_window,
        detail=detail,
    )


def roaming(ctx: Context) -> bool | None:
    """Is the subscriber on another network than its home one? None = can't tell. A visitor (a
    home network that isn't one of the operator's) is, when the snapshot names no network: it
    complains to us about our cells."""
    reg, sub = ctx.registration, ctx.subscriber
    if sub is None or sub.home_network is None:
        return None
    if reg is None or reg.network is None:
        own = ctx.own_networks
        return True if own and sub.home_network not in own else None
    return reg.network != sub.home_network


def on_foreign_network(ctx: Context) -> bool:
    """A subscriber of ours (home network one of the operator's, ``Context.own_networks``)
    registered on a network that isn't: abroad, or at a border latched onto the neighbour's."""
    reg, sub, own = ctx.registration, ctx.subscriber, ctx.own_networks
    if not own or reg is None or reg.network is None or reg.status != "registered" or sub is None:
        return False
    return reg.network not in own and (sub.home_network is None or sub.home_network in own)


def abroad(ctx: Context) -> bool | None:
    """``roaming``, or, when the networks can't tell, what the description says (abroad, just
    arrived): True, else None."""
    away = roaming(ctx)
    if away is None and (stated_abroad(ctx.complaint.description) or ctx.serving.other_country):
        return True
    return away


def abroad_because(ctx: Context) -> str:
    """Why the subscriber is taken to be abroad when the networks can't tell, in words."""
    if stated_abroad(ctx.complaint.description):
        return "said in the description"
    return "the place is in another country than our network"


def follows_subscriber(ctx: Context) -> str | None:
    """A registration fault that stops service wherever the subscriber goes (not registered,
    rejected, roaming switched off while roaming, calls forwarded for a "can't receive"), in
    words; None when the snapshot shows none (or there is no snapshot)."""
    reg = ctx.registration
    if reg is None:
        return None
    if reg.status != "registered":
        return f"the number is {reg.status.replace('_', ' ')}"
    if reg.reject_cause:
        return f"registration was rejected ({reg.reject_cause})"
    if reg.roaming_enabled is False and (abroad(ctx) or ctx.complaint.symptom == "roaming_failure"):
        return "roaming is switched off while roaming"
    if reg.call_forwarding and ctx.complaint.symptom == "cannot_receive":
        return "calls are forwarded to another number"
    return None


def check(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    reg = ctx.registration
    if reg is None:
        why = (
            f"no HLR/VLR registration snapshot in the last {s.registration_lookback_days:.0f} days"
        )
        out = [
            unknown(name, CAUSE, why, window=ctx.registration_window)
            for name in ("registration_status", "roaming_switch", "call_forwarding")
        ]
        return [*out, _visited_unrecorded(ctx, w, why)]
    return [_status(ctx, w), _switch(ctx, w), _forwarding(ctx, w), _visited(ctx, w)]


def _status(ctx: Context, w: Weights) -> Evidence:
    reg = ctx.registration
    assert reg is not None
    seen = f"at {reg.observed_at:%Y-%m-%d %H:%M} UTC"
    where = f" on {reg.network}" if reg.network else ""
    if reg.status != "registered":
        cause = f", reject cause {reg.reject_cause}" if reg.reject_cause else ""
        return _flag(
            ctx,
            "registration_status",
            "abnormal",
            w.strong,
            raised=True,
            detail=f"{reg.status.replace('_', ' ')}{where} {seen}{cause}: the number is not "
            "registered "
            "on the network (没有登记上网络)",
        )
    if reg.reject_cause:
        return _flag(
            ctx,
            "registration_status",
            "abnormal",
            w.medium,
            raised=True,
            detail=f"registered{where} {seen}, after a reject (cause {reg.reject_cause})",
        )
    # registered abroad, yet no service: the registration being fine rules out nothing of the
    # handset's roaming settings or the visited network's; one of ours registered on a foreign
    # network where our cells serve (a border): being registered there is the fault
    # (``visited_network``), not a sign all is well
    away = (
        "abroad: the fault lies beyond the registration"
        if served_abroad(ctx)
        else "a foreign network, though ours serves the place"
        if on_foreign_network(ctx)
        else None
    )
    if away is not None:
        return _flag(
            ctx,
            "registration_status",
            "normal",
            0.0,
            raised=False,
            detail=f"registered{where} {seen}, {away}",
        )
    return _flag(
        ctx,
        "registration_status",
        "normal",
        -w.context,
        raised=False,
        detail=f"registered{where} {seen}",
    )


def _switch(ctx: Context, w: Weights) -> Evidence:
    reg = ctx.registration
    assert reg is not None
    away = abroad(ctx)
    if reg.roaming_enabled is None:
        return unknown(
            "roaming_switch",
            CAUSE,
            "roaming setting not in the snapshot",
            window=ctx.registration_window,
        )
    if reg.roaming_enabled:
        return _flag(
            ctx,
            "roaming_switch",
            "normal",
            0.0,
            raised=False,
            detail="roaming is enabled",
        )
    if away or ctx.complaint.symptom == "roaming_failure":
        where = f" while on {reg.network}" if away and reg.network else ""
        if away and roaming(ctx) is None:
            where = f" while abroad ({abroad_because(ctx)})"
        return _flag(
            ctx,
            "roaming_switch",
            "abnormal",
            w.strong,
            raised=True,
            detail=f"roaming is switched off{where}: no service away from home until it is enabled",
        )
    if away is None:
        return _flag(
            ctx,
            "roaming_switch",
            "unknown",
            0.0,
            raised=True,
            detail="roaming is switched off; whether the subscriber is roaming is unknown (no "
            "home or registered network, and the description doesn't say)",
        )
    return _flag(
        ctx,
        "roaming_switch",
        "normal",
        0.0,
        raised=True,
        detail="roaming is switched off, but the subscriber is at home",
    )


def _forwarding(ctx: Context, w: Weights) -> Evidence:
    reg = ctx.registration
    assert reg is not None
    if reg.call_forwarding is None:
        return unknown(
            "call_forwarding",
            CAUSE,
            "call-forwarding flag not in the snapshot",
            window=ctx.registration_window,
        )
    if not reg.call_forwarding:
        return _flag(
            ctx,
            "call_forwarding",
            "normal",
            0.0,
            raised=False,
            detail="no call forwarding set",
        )
    symptom = ctx.complaint.symptom
    weight = (
        w.strong
        if symptom == "cannot_receive"
        else w.medium
        if symptom == "roaming_failure"
        else w.context
    )
    return _flag(
        ctx,
        "call_forwarding",
        "abnormal",
        weight,
        raised=True,
        detail="calls are forwarded to another number: incoming calls don't ring (caller may "
        "hear "
        "'number does not exist')",
    )


def outside_network(ctx: Context) -> bool:
    """The complaint's place has no active cell of ours within the search radius: another
    region or country, where the subscriber is served, if at all, by a visited network."""
    c = ctx.complaint
    return (
        ctx.cells_known
        and c.lat is not None
        and c.lon is not None
        and ctx.serving.nearest_site_m is None
    )


def served_abroad(ctx: Context) -> bool:
    """Away from our network (``outside_network``) and on another one: registered there, or, with
    no networks to compare, saying so. Our own coverage is then not what serves the place."""
    if not outside_network(ctx):
        return False
    return abroad(ctx) is True


def _visited_unrecorded(ctx: Context, w: Weights, why: str) -> Evidence:
    """No snapshot: the customer's word that they are abroad, at a place no cell of ours
    reaches, is the one roaming fact there is (the handbook's "another region or country")."""
    if not served_abroad(ctx):
        return unknown("visited_network", CAUSE, why, window=ctx.registration_window)
    relevant = ctx.complaint.symptom in SERVICE_SYMPTOMS
    return ev(
        "visited_network",
        CAUSE,
        "abnormal",
        w.medium if relevant else 0.0,
        window=ctx.registration_window,
        detail=f"{why}; abroad ({abroad_because(ctx)}), away from our network (no cell of "
        "ours near the place): service there rests on the visited network and the handset's "
        "roaming settings (data roaming, network selection)",
    )


def _visited(ctx: Context, w: Weights) -> Evidence:
    reg = ctx.registration
    assert reg is not None
    away, outside = roaming(ctx), outside_network(ctx)
    # with no networks to compare, the customer's word that they are abroad counts only where
    # no cell of ours reaches the place
    said = away is None and outside and abroad(ctx) is True
    if away is None and not said:
        return unknown(
            "visited_network",
            CAUSE,
            "home or registered network unknown",
            window=ctx.registration_window,
        )
    if away or said:
        relevant = ctx.complaint.symptom in SERVICE_SYMPTOMS
        home = ctx.subscriber.home_network if ctx.subscriber else None
        on = (
            f"registered on {reg.network or '?'}, abroad ({abroad_because(ctx)})"
            if said
            else f"roaming on {reg.network} (home {home or '?'})"
        )
        if outside:
            # nothing of ours serves the place: the service there is the visited network's and
            # the handset's roaming settings (data roaming, network selection), and our own
            # cells' health says nothing about it
            return _flag(
                ctx,
                "visited_network",
                "abnormal",
                w.medium if relevant else 0.0,
                raised=True,
                detail=f"{on}, away from our network (no cell of ours near the place): service "
                "there rests on the visited network and the handset's roaming settings (data "
                "roaming, network selection)",
            )
        # where our cells serve, a visitor on our network may have trouble that is ours, and a
        # foreign registration may be a stale snapshot: a hint, unless the customer names roaming
        # as the trouble, or one of our subscribers sits on a foreign network within our coverage
        # (a border: the phone latched onto the neighbour's network and stays there)
        latched = on_foreign_network(ctx)
        strong = ctx.complaint.symptom == "roaming_failure" or latched
        detail = (
            f"{on}, though our cells serve the place: the phone has latched onto a foreign "
            "network (select the home network manually)"
            if latched
            else f"{on}: the visited network may lack the subscriber's data"
        )
        return _flag(
            ctx,
            "visited_network",
            "abnormal",
            (w.medium if strong else w.context) if relevant else 0.0,
            raised=True,
            detail=detail,
        )
    return _flag(
        ctx,
        "visited_network",
        "normal",
        0.0,
        raised=False,
        detail=f"on the home network {reg.network}",
    )
