"""Symptom inference's fallback, for text that uses none of the known phrases (``symptoms``):
what the text talks about (signal, calls, incoming calls, voice, data, SMS, being abroad) and
what goes wrong with it (nothing works, weak, drops, slow, noise), each from a small word list,
and the symptom of each pair that occurs, by a fixed table.

Subscribers word the same complaint in endless ways ("刷视频一直转圈", "web pages load really
slowly", "calls get disconnected randomly"); a phrase list never catches them all, and a
complaint whose symptom column is blank and whose text names no symptom is refused. The pairs
catch most of the rest while staying explainable: which words meant what is in the tables.

>>> composed_symptom("刷视频一直转圈")
'slow_data'
>>> composed_symptom("calls get disconnected randomly")
'call_drop'
>>> composed_symptom("the weather is nice") is None
True
"""

from __future__ import annotations

import re
from functools import lru_cache

from diagnostics.chinese import plain

# topic → (Chinese regex, English regex on lower-cased words)
TOPICS: dict[str, tuple[str, str]] = {
    "roaming": (
        "漫游|国外|境外|出国|香港|澳门|台湾|日本|泰国|美国|欧洲",
        r"roam\w*|abroad|overseas|travell?ing|holiday|vacation|trip",
    ),
    "sms": (
        "短信|验证码|彩信",
        r"sms|texts?|text messages?|messages?|msgs?|otp|(?:verification|login|security) codes?",
    ),
    "incoming": (
        "来电|打我|打进|接听|接电话|找不到我|联系不上我",
        r"incoming|receiv\w*|reach me|call me|calling me|voice ?mail|message ?bank|unreachable",
    ),
    "voice": (
        "声音|听|回声|回音|杂音|讲话|说话|音质",
        r"hear\w*|sound\w*|voice|audio|echo\w*|crackl\w*|static|noise|robotic|muffled",
    ),
    "call": ("电话|通话|拨|呼出|呼叫|挂", r"calls?|calling|dial\w*|phone calls?|ring\w*"),
    "data": (
        "上网|网页|网速|视频|流量|数据|下载|上传|app|微信|抖音|游戏",
        r"internet|data|web|websites?|pages?|brows\w*|download\w*|upload\w*|speeds?|"
        r"videos?|streaming|apps?|youtube|whatsapp|online",
    ),
    "signal": (
        "信号|格|无服务|服务区|基站|网络",
        r"signal|reception|bars?|service|coverage|network|4g|5g|lte",
    ),
}
# problem → (Chinese regex, English regex)
PROBLEMS: dict[str, tuple[str, str]] = {
    "noise": (
        "杂音|回声|回音|听不清|不清楚|时断时续|断断续续|电流声|沙沙",
        r"echo\w*|crackl\w*|static|noise|noisy|robotic|choppy|garbled|muffled|distorted|hiss\w*",
    ),
    "drop": (
        "断|挂断|掉线|中断|断线|断掉",
        r"drops?|dropp\w*|disconnect\w*|cut\w* (?:off|out)|hangs? up|hung up",
    ),
    "slow": (
        "慢|卡|转圈|等很久|缓冲|半天|加载不出",
        r"slow\w*|lag\w*|buffer\w*|forever|crawl\w*|sluggish|takes? ages",
    ),
    "weak": (
        "弱|差|不好|不太好|不怎么好|一格|两格|时好时坏|不稳定|时有时无",
        r"weak|poor|bad|terrible|awful|low|unstable|patchy|spotty|flaky|comes and goes|"
        r"on and off|in and out",
    ),
    "none": (
        "没有|无法|不能|不了|不上|没|无|失败|用不|不行|不通",
        r"no|not|nobody|no one|can'?t|cannot|unable|won'?t|doesn'?t|don'?t|isn'?t|aren'?t|never|"
        r"stopped|fails?|failed|failing|dead|nothing|broken|would ?n'?t|could ?n'?t|unusable|"
        r"useless",
    ),
}
# (topic, problem) → symptom; "*" = any problem. The first pair present wins (more specific first).
PAIRS: tuple[tuple[str, str, str], ...] = (
    ("roaming", "*", "roaming_failure"),
    ("sms", "*", "sms_failure"),
    ("incoming", "*", "cannot_receive"),
    ("voice", "*", "poor_voice"),
    ("call", "noise", "poor_voice"),
    ("call", "drop", "call_drop"),
    ("call", "weak", "poor_voice"),
    ("call", "none", "cannot_call"),
    ("data", "slow", "slow_data"),
    ("data", "weak", "slow_data"),
    ("data", "none", "no_data"),
    ("data", "drop", "no_data"),
    ("signal", "weak", "weak_signal"),  # 无/没/no are everyday words: "weak" says more
    ("signal", "drop", "weak_signal"),
    ("signal", "none", "no_signal"),
)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    compiled: dict[str, re.Pattern[str]] = {}
    for name, (zh, en) in {**TOPICS, **PROBLEMS}.items():
        compiled[name] = re.compile(f"(?:{zh})|(?<![a-z0-9'])(?:{en})(?![a-z0-9'])")
    return compiled


def composed_symptom(text: str) -> str | None:
    """The symptom of the first (topic, problem) pair of ``PAIRS`` the text has, or None."""
    lowered = plain(text)
    found = {name for name, pattern in _patterns().items() if pattern.search(lowered)}
    problems = found & PROBLEMS.keys()
    for topic, problem, symptom in PAIRS:
        if topic in found and (problem in problems if problem != "*" else bool(problems)):
            return symptom
    return None
