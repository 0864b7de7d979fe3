"""Actions: what the agent and the responsible department do next, per cause and situation.

Short imperative lines naming the department (网优 optimisation, 传输 transmission, 核心网 core
network, 规划 planning, field maintenance), the cell or site and the measured value, so a work
order can be dispatched precisely (精准派单). Whether a work order is opened is the work-order
domain's decision (``workorders.hooks.on_diagnosis``).
"""

from __future__ import annotations

from diagnostics.evidence import Context
from diagnostics.models import Evidence
from diagnostics.replies import Facts, visitor_here


def _value(evidence: list[Evidence], check: str) -> Evidence | None:
    for e in evidence:
        if e.check == check and e.finding == "abnormal":
            return e
    return None


def _partner(ctx: Context, facts: Facts) -> str:
    """The other operator of a roaming fault: the visited one for our subscriber abroad; for a
    visitor registered on our own network, its home operator (whose HSS must allow roaming here)."""
    if visitor_here(ctx):  # the same test as the reply's: a home operator not ours, or none known
        home = ctx.subscriber.home_network if ctx.subscriber is not None else None
        return f"the visitor's home operator {home}" if home else "the visitor's home operator"
    return f"the visited operator {facts.network}" if facts.network else "the visited operator"


def actions(
    cause: str, situation: str, ctx: Context, evidence: list[Evidence], facts: Facts
) -> list[str]:
    out: list[str] = []
    cell, site, place = facts.cell, facts.site, facts.spot_en
    if cause == "weak_coverage":
        if situation == "planned_site":
            out.append(
                f"Tell the customer a new site is planned{facts.on_air_en}; planning (规划) to "
                "report "
                "its progress"
            )
        elif situation == "planned_blocked":
            out.append(
                "Planned site held up (建站计划遇阻): planning (规划) to follow up the "
                f"negotiation; optimisation (网优) to see what the existing sites can do for "
                f"{place} meanwhile"
            )
        elif situation == "blind_spot":
            out.append(
                f"Add this complaint to the recorded blind spot at {place}; planning (规划) to "
                "review "
                "a new site"
            )
        elif situation == "indoor":
            out.append(
                "Optimisation (网优) to assess an indoor solution (室分) for the building at "
                f"{place}"
            )
        if situation == "observe":
            out.append(
                "Occasional: read the script and ask the customer to observe; reopen if it "
                "becomes "
                "frequent"
            )
        else:
            out.append(
                f"Dispatch optimisation (网优) for a coverage test around {place} (serving cell "
                f"{cell})"
            )
        out.append("Check antenna tilt/azimuth and neighbour relations of the serving cells")
    elif cause == "interference":
        ul = _value(evidence, "ul_interference")
        if situation == "source_found":
            out.append(
                f"Contact the owner of {facts.source_en} to repair the leaking equipment; ask "
                "the "
                "radio regulator if needed"
            )
        if ul is not None and ul.value is not None:
            out.append(
                f"Dispatch optimisation (网优) to hunt the uplink interference on {ul.cell_id} "
                f"({ul.value:.1f} dBm per PRB)"
            )
        else:
            out.append(
                f"Dispatch optimisation (网优) for an interference/SINR test around {place} (cell "
                f"{cell})"
            )
        if situation == "high_floor":
            out.append(
                "Check overshooting cells and pilot pollution (tilt, power) for the high floors"
            )
    elif cause == "congestion":
        prb = _value(evidence, "prb_busy_hour")
        load = (
            f" (busy-hour PRB {prb.value:.0f}%)"
            if prb is not None and prb.value is not None
            else ""
        )
        if situation == "event":
            out.append(
                "Arrange temporary capacity (emergency vehicle, parameter tuning) for events at "
                f"{facts.area_en}"
            )
        if situation == "busy_hour":
            out.append(
                "Occasional busy-hour congestion: read the script; suggest avoiding the peak"
            )
        out.append(
            "Optimisation (网优) to balance load / plan capacity expansion for "
            f"{prb.cell_id if prb else cell}{load}"
        )
    elif cause == "outage":
        if situation in ("restored", "works_done"):
            out.append(
                f"Service of {site} restored: call the customer back (回访) to confirm, then close"
            )
        elif situation in ("fibre_stolen", "transmission"):
            out.append(f"Dispatch transmission (传输) to repair the link of site {site}")
        elif situation == "power":
            out.append(f"Dispatch field maintenance to restore power at site {site}")
        elif situation == "works":
            out.append(f"Confirm the end of the construction works at site {site} with engineering")
        else:
            out.append(f"Dispatch field maintenance to site {site} (faulty since {facts.since_en})")
        out.append(
            "Link the other complaints of this outage to the same work order (mass event) and "
            "inform them on recovery"
        )
    elif cause == "terminal_sim":
        if situation == "device":
            out.append(
                f"Advise the customer about the {facts.model_en}'s limits (VoLTE/4G/5G/bands); "
                "suggest "
                "another phone"
            )
        elif situation == "old_sim":
            out.append("Offer a 4G/5G SIM swap at a store")
        elif situation == "known_issue":
            out.append(
                f"Advise a software update for the {facts.model_en} or the maker's service centre"
            )
        out.append(
            "Ask the customer to try another phone, or the SIM in another phone (换机试卡); no "
            "network "
            "work order"
        )
    elif cause == "roaming_registration":
        if situation == "visitor_roaming_off":
            out.append(
                "A visitor: its home operator enables roaming; guide the customer to contact it "
                "and to switch roaming (and data roaming) on in the phone"
            )
        elif situation == "roaming_off":
            out.append(
                "Enable the roaming service on the number (开通漫游) if it is not subscribed, and "
                "guide the customer to switch roaming (and data roaming) on in the phone, then "
                "restart it"
            )
        elif situation == "forwarding":
            out.append("Guide the customer to cancel call forwarding (##002#)")
        elif situation == "not_registered":
            out.append(
                "Ask the customer to power-cycle and re-search the network; core network (核心网) "
                "to "
                "check HLR/VLR data if it persists"
            )
        elif situation == "border":
            out.append(
                f"Guide the customer to select our network by hand near the border; optimisation "
                f"(网优) to check our coverage at {place}, where {facts.network} is received "
                "stronger"
            )
        elif situation in ("abroad_settings", "abroad_unknown"):
            out.append(
                "Guide the customer to switch data roaming on and set network selection to "
                "automatic, then restart the phone; if it persists, core network (核心网) to "
                f"check with {_partner(ctx, facts)} (grade D)"
            )
        elif situation in ("visited", "visitor"):
            out.append(
                f"Core network (核心网) to coordinate with {_partner(ctx, facts)} to load the "
                "subscriber data (grade D)"
            )
        else:
            out.append(
                "Core network (核心网) to check the registration and subscriber data further"
            )
    elif situation == "unmeasured":
        out.append("Read the script: no KPI or MR of the place, so no fault could be confirmed")
        out.append(
            "Optimisation (网优) to check the cells here (KPI and MR feeds, or an on-site test) "
            "before the customer is told the network is fine"
        )
    else:
        out.append("Read the script; ask the customer to restart the phone and observe")
        out.append(
            "If the customer calls again with time and place, dispatch optimisation (网优) for an "
            "on-site test"
        )
    if ctx.complaint.urgent:
        out.insert(0, "Urgent complaint (紧急投诉): escalate now")
    return out
