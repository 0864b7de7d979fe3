"""Bilingual labels (中文 / English) for the report's tables and charts."""

from __future__ import annotations

CAUSES: dict[str, tuple[str, str]] = {
    "weak_coverage": ("弱覆盖", "weak coverage"),
    "interference": ("干扰", "interference"),
    "congestion": ("网络繁忙", "congestion"),
    "outage": ("基站故障", "outage"),
    "terminal_sim": ("终端/SIM卡", "terminal / SIM"),
    "roaming_registration": ("漫游/登记", "roaming / registration"),
    "no_fault_found": ("未发现故障", "no fault found"),
    "undiagnosed": ("未研判", "not diagnosed"),
}

SYMPTOMS: dict[str, tuple[str, str]] = {
    "no_signal": ("无信号", "no signal"),
    "weak_signal": ("信号弱", "weak signal"),
    "call_drop": ("掉话", "call drop"),
    "poor_voice": ("通话质量差", "poor voice"),
    "cannot_call": ("不能打", "cannot call"),
    "cannot_receive": ("不能接", "cannot receive"),
    "slow_data": ("网速慢", "slow data"),
    "no_data": ("无法上网", "no data"),
    "sms_failure": ("短信故障", "SMS failure"),
    "roaming_failure": ("漫游障碍", "roaming failure"),
    "unknown": ("未填写", "not given"),
}

CHANNELS: dict[str, tuple[str, str]] = {
    "hotline": ("热线", "hotline"),
    "app": ("手机App", "app"),
    "web": ("网站", "web"),
    "store": ("营业厅", "store"),
    "social": ("社交媒体", "social media"),
    "regulator": ("监管转办", "regulator"),
    "unknown": ("未填写", "not given"),
}

CUSTOMERS: dict[str, tuple[str, str]] = {
    "vip": ("重要客户", "VIP"),
    "regular": ("普通客户", "regular"),
    "unknown": ("无档案", "no profile"),
}

LEVELS: dict[str, tuple[str, str]] = {
    "yellow": ("黄色", "yellow"),
    "orange": ("橙色", "orange"),
    "red": ("红色", "red"),
    "black": ("黑色", "black"),
}

TRENDS: dict[str, tuple[str, str]] = {
    "rising": ("上升", "rising"),
    "falling": ("下降", "falling"),
    "stable": ("平稳", "stable"),
    "new": ("新出现", "new"),
}

RECOMMENDATIONS: dict[str, tuple[str, str]] = {
    "new_site": ("新建站", "new site"),
    "indoor_system": ("室分建设", "indoor system"),
    "capacity": ("扩容", "capacity"),
    "interference_hunt": ("干扰排查", "interference hunt"),
    "outage_follow_up": ("故障整治", "outage follow-up"),
    "parameter_optimisation": ("参数优化", "parameter optimisation"),
}

WEEKDAYS: tuple[tuple[str, str], ...] = (
    ("周一", "Mon"),
    ("周二", "Tue"),
    ("周三", "Wed"),
    ("周四", "Thu"),
    ("周五", "Fri"),
    ("周六", "Sat"),
    ("周日", "Sun"),
)


def both(table: dict[str, tuple[str, str]], key: str | None) -> str:
    """``弱覆盖 weak coverage`` (an unknown key is shown as it is)."""
    zh, en = table.get(key or "unknown", ("", key or "—"))
    return f"{zh} {en}".strip()


def short(table: dict[str, tuple[str, str]], key: str | None, cjk: bool) -> str:
    """One language for tight chart labels: Chinese when a CJK font is there, else English."""
    zh, en = table.get(key or "unknown", ("", key or "—"))
    return zh if cjk and zh else en
