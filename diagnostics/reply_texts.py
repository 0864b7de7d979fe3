"""The reply scripts' texts (解释口径), Chinese and English, per (cause, situation), with
``{placeholders}`` that ``replies.reply_script`` fills from the facts of the complaint. Kept apart
from the logic so the wording can be reviewed (and changed) on its own.
"""

from __future__ import annotations

SORRY_ZH = "给您带来的不便，还请您原谅。"
SORRY_EN = "We apologise for the inconvenience."

TEMPLATES: dict[tuple[str, str], tuple[str, str]] = {
    ("weak_coverage", "planned_site"): (
        "很抱歉！{place_zh}的信号问题我们正在解决，现在已计划新建基站来改善这里的信号{on_air_zh}，我们也会督促相关工作人员加快处理。"
        "因建站涉及站点业主同意、上级部门审批及设备采购等流程，需要一定的时间，希望您能理解。"
        + SORRY_ZH,
        "We're sorry! We are working on the signal at {place_en}: a new site is planned to "
        "improve "
        "coverage there{on_air_en}, "
        "and we will push for it to be done quickly. A new site needs the owner's consent, "
        "approvals and equipment, "
        "which takes time; we hope you understand. " + SORRY_EN,
    ),
    # the handbook's "政府不让建站" script, for any held-up build (业主反对, 审批未过)
    ("weak_coverage", "planned_blocked"): (
        "很抱歉！{place_zh}原计划新建基站来改善信号，但目前建站遇到阻碍（如业主或有关部门暂不同意），我司工作人员仍在积极协商沟通，争取尽快解决。"
        + SORRY_ZH,
        "We're sorry! A new site was planned to improve coverage at {place_en}, but its build is "
        "held up for now (for example, the site owner or the authorities have not agreed). Our "
        "staff are still negotiating to resolve it as soon as possible. " + SORRY_EN,
    ),
    ("weak_coverage", "blind_spot"): (
        "很抱歉！{place_zh}的信号问题我司已得知，相关部门也在积极研究解决方法，我也会再次把您的问题向相关部门反馈，督促相关部门处理。"
        + SORRY_ZH,
        "We're sorry! We already know about the signal problem at {place_en}, and our engineers "
        "are "
        "working on a solution; "
        "I will pass on your report again to push for it. " + SORRY_EN,
    ),
    ("weak_coverage", "indoor"): (
        "很抱歉，室内信号受建筑材料的阻挡会有一定的衰减，由于建材材质不同，衰减程度也不一样。您在{place_zh}{floor_zh}室内的信号较弱，"
        "我已把您的问题反馈到相关部门，会由专业部门研究解决方案（如室内分布系统），但可能不会马上解决。"
        + SORRY_ZH,
        "We're sorry: building materials weaken the signal indoors, by different amounts "
        "depending "
        "on the materials. "
        "The signal inside at {place_en}{on_floor_en} is weak; I have passed your report to our "
        "engineers to look for a solution "
        "(such as an indoor antenna system), though it may not be fixed right away. " + SORRY_EN,
    ),
    ("weak_coverage", "dispatch"): (
        "很抱歉！经查询，{place_zh}（小区{cell}）的信号覆盖较弱。我们已安排网络优化人员到现场测试处理，有进展会及时通知您。"
        + SORRY_ZH,
        "We're sorry! Our records show weak coverage at {place_en} (cell {cell}). We have asked "
        "our "
        "network optimisation "
        "team to test on site and will keep you informed. " + SORRY_EN,
    ),
    ("weak_coverage", "observe"): (
        "很抱歉，{place_zh}部分位置信号偏弱，您反映的情况属偶尔发生，建议您再观察一段时间；如经常发生，请再联系我们，我们将安排现场测试。"
        + SORRY_ZH,
        "We're sorry: the signal is weak in parts of {place_en}. As this happens only now and "
        "then, "
        "please keep an eye on it; "
        "if it becomes frequent, call us again and we will arrange an on-site test. " + SORRY_EN,
    ),
    ("interference", "source_found"): (
        "很抱歉！经现场检测，{place_zh}附近{source_zh}的设备信号泄漏严重，干扰到公共信号频段，技术人员已和对方相关负责人协商，"
        "请对方尽快检修设备，减少干扰。给您带来的不便敬请谅解。",
        "We're sorry! Tests found that equipment at {source_en} near {place_en} is leaking "
        "signal "
        "into our frequency band. "
        "Our engineers are working with its owner to have the equipment repaired and the "
        "interference stopped. " + SORRY_EN,
    ),
    ("interference", "cell"): (
        "很抱歉！经查询，为您服务的小区{cell}受到外部信号干扰，影响通话和上网质量，技术人员正在排查干扰源并处理。给您带来的不便敬请谅解。",
        "We're sorry! The cell serving you ({cell}) is being disturbed by outside interference, "
        "which affects calls and data. "
        "Our engineers are locating the source and will remove it. " + SORRY_EN,
    ),
    ("interference", "high_floor"): (
        "很抱歉，您在{place_zh}{floor_zh}，楼层较高，手机能收到多个基站的信号，相互干扰会影响通话和上网质量（高层效应）。"
        "我们已安排网络优化人员测试和调整。" + SORRY_ZH,
        "We're sorry: up on {floor_en} at {place_en} the phone hears many cells at once and they "
        "disturb each other "
        "(the high-floor effect). We have asked our optimisation team to test and adjust the "
        "cells. "
        "" + SORRY_EN,
    ),
    ("congestion", "event"): (
        "很抱歉，{area_zh}举办活动期间人员集中、话务量很高，会导致网络繁忙。我们已安排扩容保障，您可避开高峰期再试。"
        + SORRY_ZH,
        "We're sorry: during events at {area_en} the crowd makes traffic very heavy and the "
        "network "
        "gets busy. "
        "We have arranged extra capacity; please try again outside the peak. " + SORRY_EN,
    ),
    ("congestion", "busy_hour"): (
        "很抱歉，由于忙时（{busy_zh}前后）{place_zh}话务量较高，会导致网络繁忙，您可避开高峰期再观察看看，好么？"
        + SORRY_ZH,
        "We're sorry: at the busy hour (around {busy_en}) traffic at {place_en} is very high and "
        "the network gets congested. "
        "Could you try outside the peak and see how it goes? " + SORRY_EN,
    ),
    ("congestion", "capacity"): (
        "很抱歉！经查询，为您服务的小区{cell}在忙时（{busy_zh}前后）负荷很高，导致网络繁忙。我们已安排扩容和优化，完成后情况会改善。"
        + SORRY_ZH,
        "We're sorry! The cell serving you ({cell}) is overloaded at the busy hour (around "
        "{busy_en}). "
        "We are adding capacity and optimising it, which will relieve the congestion. " + SORRY_EN,
    ),
    ("outage", "fibre_stolen"): (
        "很抱歉！由于该处光缆被盗，影响为您服务的基站（{site}）正常传输，我方工作人员正在紧急处理中。给您带来的不便，请您谅解。",
        "We're sorry! The fibre to the site serving you ({site}) was stolen, cutting its link; "
        "our "
        "team is repairing it "
        "urgently. " + SORRY_EN,
    ),
    ("outage", "transmission"): (
        "很抱歉！为您服务的基站（{site}）自{since_zh}起传输中断，我方工作人员正在紧急抢修。给您带来的不便，请您谅解。",
        "We're sorry! The link to the site serving you ({site}) has been down since {since_en}; "
        "our "
        "team is repairing it "
        "urgently. " + SORRY_EN,
    ),
    ("outage", "power"): (
        "很抱歉！为您服务的基站（{site}）自{since_zh}起因供电故障停止工作，我方工作人员正在紧急恢复供电。给您带来的不便，请您谅解。",
        "We're sorry! The site serving you ({site}) lost power at {since_en}; our team is "
        "restoring "
        "the power urgently. " + SORRY_EN,
    ),
    ("outage", "works"): (
        "很抱歉！因工程建设，为您服务的基站（{site}）自{since_zh}起暂时关闭，施工完成后将尽快恢复。给您带来的不便，请您谅解。",
        "We're sorry! The site serving you ({site}) has been switched off for construction work "
        "since {since_en}; "
        "it will be back on air as soon as the work is finished. " + SORRY_EN,
    ),
    ("outage", "repair"): (
        "很抱歉！为您服务的基站（{site}）自{since_zh}起出现故障，我方工作人员正在紧急抢修，修复后信号即可恢复。给您带来的不便，请您谅解。",
        "We're sorry! The site serving you ({site}) has been faulty since {since_en}; our team "
        "is "
        "repairing it urgently "
        "and the signal will be back once it is fixed. " + SORRY_EN,
    ),
    ("outage", "works_done"): (
        "很抱歉！{since_zh}至{until_zh}期间，为您服务的基站（{site}）因工程建设暂时关闭，现已恢复。如您的手机仍无信号，请关机重启重新搜索网络。"
        "给您带来的不便，请您谅解。",
        "We're sorry! The site serving you ({site}) was switched off for planned works from "
        "{since_en} to {until_en}; it is back on air. If your phone still has no service, please "
        "switch it off and on so it searches for the network again. " + SORRY_EN,
    ),
    ("outage", "restored"): (
        "很抱歉！{since_zh}至{until_zh}期间为您服务的基站（{site}）出现故障，现已修复。如您的手机仍无信号，请关机重启重新搜索网络。"
        "给您带来的不便，请您谅解。",
        "We're sorry! The site serving you ({site}) was down from {since_en} to {until_en}; it "
        "has "
        "been repaired. "
        "If your phone still has no service, please switch it off and on so it searches for the "
        "network again. " + SORRY_EN,
    ),
    ("terminal_sim", "device"): (
        "经查询，{device_zh}建议您更换支持的手机，或先换机试试，也可以把您的SIM卡换到一部没有问题的手机上试一下。",
        "We checked: {device_en} Please use a phone that supports it, or try another phone, or "
        "put "
        "your SIM card "
        "in a phone that works.",
    ),
    ("terminal_sim", "old_sim"): (
        "经查询，您使用的是{sim}卡，无法使用4G/5G网络和高清通话。建议您带上有效证件到营业厅更换4G/5G卡。",
        "Your SIM is an old {sim} card that can't use 4G/5G or VoLTE calls. Please bring your ID "
        "to "
        "one of our stores "
        "to swap it for a 4G/5G SIM.",
    ),
    ("terminal_sim", "known_issue"): (
        "经查询，您使用的{model}存在已知问题（{issue}），建议您升级手机软件或联系手机厂商售后处理，也可以先换一部手机试试。",
        "Your {model} has a known issue ({issue}). Please update the phone's software or contact "
        "the maker's service "
        "centre; you can also try another phone in the meantime.",
    ),
    ("terminal_sim", "try_other"): (
        "经查询，{place_zh}的网络运行正常，周围其他用户没有遇到这类问题，很有可能与您的手机或SIM卡有关。您可以先换机试试，"
        "或者把您的SIM卡换到一部没有问题的手机上试一下，应该可以确定问题原因到底在哪儿了。",
        "We checked: the network at {place_en} is working normally and other users around you "
        "are "
        "not affected, so it is "
        "likely to be the phone or the SIM card. Please try another phone, or put your SIM card "
        "in "
        "a phone that works; "
        "that will tell us which it is.",
    ),
    ("roaming_registration", "roaming_off"): (
        # the HLR's roaming flag is the number's roaming service (开通漫游), which the handset's
        # own switch can't turn on (gens 27, 28: "#11 PLMN not allowed", roaming not activated)
        "经查询，您的号码漫游功能未开通或已关闭，离开归属地后无法使用网络。我们可以为您开通漫游服务；同时请在手机设置中开启漫游（含数据漫游），关机重启后再试。",
        "Roaming is not enabled for your number, so it can't use networks away from home. We can "
        "enable it on your account now; please also switch roaming (and data roaming) on in the "
        "phone's settings, then restart the phone and try again.",
    ),
    ("roaming_registration", "forwarding"): (
        "经查询，您的号码设置了呼叫转移，来电会被转到其他号码，对方可能听到“空号”等提示。请取消呼叫转移（可拨打##002#）后再试。",
        "Your number has call forwarding set, so incoming calls go to another number and callers "
        "may hear 'number does "
        "not exist'. Please cancel call forwarding (dial ##002#) and try again.",
    ),
    ("roaming_registration", "not_registered"): (
        "经我们查询，网络系统没有显示您的号码已登记上网络，建议您尝试一个简单的办法，请您做一下关开机进行重新搜索网络看看能否解决这个问题。",
        "Our systems show your number is not registered on the network. Please try something "
        "simple: switch the phone "
        "off and on so it searches for the network again, and see whether that solves it.",
    ),
    ("roaming_registration", "visited"): (
        "出现这类问题可能是{network_zh}网络系统没能成功地把您的号码登记上，我们会请相关部门跟当地运营商协调处理。"
        "由于需要在两地公司间进行协调，所以可能会耽搁您一点时间，不便之处敬请谅解。",
        "This may be because {network_en} did not register your number "
        "properly. "
        "We will ask our team "
        "to sort it out with that operator; as two companies are involved it may take a little "
        "time. " + SORRY_EN,
    ),
    ("roaming_registration", "visitor"): (
        "您好，您的号码在{our_network_zh}上没能成功登记，这通常需要您的归属运营商开通或同步漫游数据。"
        "我们会请相关部门与您的归属运营商协调处理，由于涉及两家公司，可能需要一点时间；您也可以先将手机关机重启后再试。",
        "Your number could not be registered on {our_network_en} here; this usually needs "
        "your home operator to enable or update your roaming data. We will take it up with your "
        "home operator; as two companies are involved it may take a little time. Meanwhile, "
        "please switch the phone off and on and try again. " + SORRY_EN,
    ),
    ("roaming_registration", "visitor_roaming_off"): (
        "您好，您的号码的国际漫游功能未开通或已关闭，需要由您的归属运营商开通，我方无法为您开通。请联系您的归属运营商开通漫游，"
        "并在手机设置中开启漫游（含数据漫游），关机重启后再试。" + SORRY_ZH,
        "Roaming is not enabled for your number; only your home operator can enable it, we "
        "can't from here. Please contact your home operator to enable roaming, switch roaming "
        "(and data roaming) on in the phone's settings, and restart the phone. " + SORRY_EN,
    ),
    ("roaming_registration", "abroad_settings"): (
        "经查询，您的号码已在{network_zh}的网络上登记成功，漫游功能也已开通。请您检查手机设置中的“数据漫游”是否已打开、"
        "网络选择是否为自动，然后关机重启再试；如果仍然无法使用，我们会请相关部门与当地运营商协调处理。",
        "Your number is registered on {network_en} and roaming is enabled on "
        "our side. Please check that data roaming is switched on in the phone's settings and "
        "that network selection is automatic, then restart the phone and try again; if it still "
        "doesn't work, we will take it up with the local operator.",
    ),
    ("roaming_registration", "abroad_unknown"): (
        "经查询，暂时还没有看到您的号码在当地网络上的登记记录。请您检查手机设置中的“数据漫游”是否已打开、网络选择是否为自动，"
        "然后关机重启再试；如果仍然无法使用，我们会请相关部门进一步核查并与当地运营商协调处理。",
        "We can't see a registration of your number on the local network yet. Please check that "
        "data roaming is switched on in the phone's settings and that network selection is "
        "automatic, then restart the phone and try again; if it still doesn't work, we will look "
        "into it further and take it up with the local operator.",
    ),
    ("roaming_registration", "border"): (
        "经查询，您的手机在边境附近登记到了对方的网络（{network}），所以会按漫游计费或无法正常使用。"
        "请您在手机设置中把网络选择改为手动并选择我们的网络，离开边境地区后再改回自动。",
        "Your phone has registered on the network across the border ({network}), so it roams or "
        "doesn't work as usual. Please set network selection to manual and choose our network "
        "while you are near the border, and set it back to automatic when you leave the area.",
    ),
    ("roaming_registration", "escalate"): (
        "很抱歉，我已经为您查询了登记情况，接下来需要请相关技术部门进一步核实故障原因，可能还需要您等待一点时间，有新的进展我会及时通报您。不便之处敬请谅解。",
        "We're sorry: I have checked your registration, and our technical team now needs to look "
        "further into the cause; "
        "it may take a little time, and I will let you know as soon as there is progress. "
        + SORRY_EN,
    ),
    ("no_fault_found", "observe"): (
        "经查询，{time_zh}前后{place_zh}的网络运行正常，未发现故障。建议您先将手机关机重启，再观察使用情况；"
        "如问题仍然存在，请记录发生的时间和地点并再次联系我们，我们会进一步跟踪处理。",
        "We checked the network at {place_en} around {time_en} and found no fault. Please "
        "restart "
        "your phone and see how "
        "it goes; if the problem continues, note when and where it happens and contact us again "
        "so "
        "we can follow up.",
    ),
    ("no_fault_found", "unmeasured"): (
        "很抱歉，{time_zh}前后{place_zh}的网络测量数据暂时不足，目前还不能确认是否存在网络故障。我已记录您的反馈，"
        "将请技术人员进一步核查；建议您先将手机关机重启，如问题仍然存在，请记录发生的时间和地点，我们会跟踪处理。",
        "We're sorry: we don't yet have enough network measurements at {place_en} around "
        "{time_en} to confirm whether there is a network fault. I have recorded your report and "
        "will ask our engineers to look further. Meanwhile, please restart your phone; if the "
        "problem continues, note when and where it happens and we will follow up.",
    ),
}
