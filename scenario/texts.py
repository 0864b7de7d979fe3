"""What complainants say: symptom phrases in Chinese and English, and context fragments.

Phrases follow the handbook's symptom keywords (信号不好, 只有一两格, 断断续续, 打不出去,
无任何提示音, 听不清楚, 周围用户也一样). They describe symptoms only, as customers do; the cause
is for the engine to find.
"""

from __future__ import annotations

import numpy as np

PHRASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "no_signal": (
        (
            "手机显示无服务",
            "一点信号都没有",
            "经常没信号，显示无服务",
            "信号完全没了，打不了电话",
            "到这里就没信号",
        ),
        (
            "phone shows no service",
            "no signal at all here",
            "signal keeps disappearing",
            "no bars, can't use the phone",
        ),
    ),
    "weak_signal": (
        (
            "家里信号不好，只有一两格",
            "信号很弱，只有一格",
            "屋里信号差，要到窗边才行",
            "信号不好，时有时无",
        ),
        (
            "only one or two bars at home",
            "very weak signal indoors",
            "signal is poor, I have to stand by the window",
            "weak signal, comes and goes",
        ),
    ),
    "call_drop": (
        ("打电话经常掉线", "通话中突然断了", "电话老是掉线，要重拨好几次", "说着说着就断了"),
        (
            "calls keep dropping",
            "calls keep dropping at the office",
            "call cut off in the middle of a conversation",
            "dropped calls several times a day",
        ),
    ),
    "poor_voice": (
        ("打电话断断续续", "通话有杂音，听不清楚", "对方说我声音断断续续的", "通话质量很差，卡顿"),
        (
            "voice is choppy",
            "lots of noise on calls, can't hear clearly",
            "the other side says my voice breaks up",
            "call quality is terrible",
        ),
    ),
    "cannot_call": (
        (
            "电话打不出去，无任何提示音",
            "拨号后没有反应",
            "打不出电话，一直显示呼叫失败",
            "打电话总是失败",
        ),
        (
            "can't make calls, no tone at all",
            "calls fail to connect",
            "dialling does nothing",
            "outgoing calls always fail",
        ),
    ),
    "cannot_receive": (
        (
            "别人打我电话提示空号",
            "接不到电话，对方说无法接通",
            "来电打不进来",
            "朋友说打我电话是关机",
        ),
        (
            "callers hear 'number does not exist'",
            "can't receive calls",
            "people can't reach me, they say my phone is off",
            "incoming calls never ring",
        ),
    ),
    "slow_data": (
        (
            "网速很慢，视频一直缓冲",
            "上网特别慢",
            "网页打不开，很卡",
            "晚上上网特别慢",
            "5G网速还不如4G",
        ),
        (
            "mobile data is very slow",
            "videos keep buffering",
            "pages take forever to load",
            "internet is slow in the evening",
        ),
    ),
    "no_data": (
        ("无法上网", "数据连接不上", "有信号但是上不了网", "移动数据用不了"),
        (
            "no mobile data",
            "can't connect to the internet",
            "signal but no data",
            "data doesn't work at all",
        ),
    ),
    "sms_failure": (
        ("短信发不出去", "收不到验证码短信", "短信延迟很久才收到"),
        ("can't send SMS", "verification codes never arrive", "SMS arrive hours late"),
    ),
    "roaming_failure": (
        (
            "漫游时无法打电话",
            "出差到这里以后手机不能用了",
            "到外地后打不了电话也上不了网",
            "漫游状态下没有服务",
        ),
        (
            "phone doesn't work while roaming",
            "since arriving here my phone doesn't work",
            "no service when roaming",
            "can't call or use data abroad",
        ),
    ),
}

NEIGHBOURS = (
    ("周围用户也一样", "家里人的手机也这样"),
    ("my neighbours have the same problem", "others around me have it too"),
)
ONLY_ME = (
    ("别人的手机都正常", "同事用同样的网络没问题"),
    ("other people here are fine", "my colleagues have no problem"),
)
EVERYWHERE = (
    ("到哪里都这样", "换了地方也一样"),
    ("it happens everywhere I go", "same problem in other places"),
)
FLOOR = (("我住在{floor}楼", "在{floor}楼"), ("I'm on floor {floor}", "on the {floor}th floor"))
BASEMENT = (("在地下车库", "在地下室"), ("in the underground car park", "in the basement"))
SINCE = (
    ("从{days}天前开始", "最近几天一直这样"),
    ("started {days} days ago", "for the last few days"),
)
SUDDEN = (("今天突然就这样了", "刚才开始的"), ("it suddenly started today", "it just started"))


MISSING_5G = ("别人都是5G，我的手机一直是4G", "others here get 5G but my phone stays on 4G")


def describe(
    rng: np.random.Generator,
    symptom: str,
    *,
    zh: bool,
    floor: int | None,
    neighbours: str,
    everywhere: bool | None,
    sudden: bool,
    since_days: int = 0,
    expects_5g: bool = False,
) -> str:
    """One customer's description, in Chinese or English. ``expects_5g``: the customer of a phone
    without 5G misses the 5G others get here (healthy 4G alone is the service such a phone gets,
    no fault of the handset)."""
    lang = 0 if zh else 1
    parts = [_pick(rng, PHRASES[symptom][lang])]
    if expects_5g:
        parts.append(MISSING_5G[lang])
    if floor is not None and floor < 0:
        parts.insert(0, _pick(rng, BASEMENT[lang]))
    elif floor is not None and floor >= 6 and rng.uniform() < 0.6:
        parts.append(_pick(rng, FLOOR[lang]).format(floor=floor))
    if neighbours == "yes" and rng.uniform() < 0.6:
        parts.append(_pick(rng, NEIGHBOURS[lang]))
    elif neighbours == "no" and rng.uniform() < 0.4:
        parts.append(_pick(rng, ONLY_ME[lang]))
    if everywhere and rng.uniform() < 0.5:
        parts.append(_pick(rng, EVERYWHERE[lang]))
    if sudden and rng.uniform() < 0.5:
        parts.append(_pick(rng, SUDDEN[lang]))
    elif not sudden and since_days >= 2 and rng.uniform() < 0.3:
        parts.append(_pick(rng, SINCE[lang]).format(days=since_days))
    return ("，" if zh else ", ").join(parts)


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(0, len(options)))]
