"""Symptom inference from free text (Chinese and English), for complaints whose ``symptom`` is
absent or vague.

Pure keyword rules: each symptom has phrases with weights; the longest phrase wins where phrases
overlap (只有一两格 counts once, not also as 一两格), weights add up per symptom, and the highest
total wins. Ties go to the more specific symptom (roaming, SMS and call set-up failures before the
general signal ones). The handbook's keywords (信号不好, 只有一两格, 断断续续, 打不出去,
无任何提示音, 听不清楚) are all here.

>>> infer_symptom("家里信号不好，只有一两格")
'weak_signal'
>>> infer_symptom("calls keep dropping on the way to work")
'call_drop'
>>> infer_symptom("the weather is nice") is None
True
"""

from __future__ import annotations

import re
from functools import lru_cache

# Ties are broken by this order (first = most specific).
PRIORITY = (
    "roaming_failure",
    "sms_failure",
    "cannot_receive",
    "cannot_call",
    "call_drop",
    "no_data",
    "slow_data",
    "poor_voice",
    "no_signal",
    "weak_signal",
)

_CANT = r"(?:can ?not|can'?t|cant|unable to|could ?n[o']?t|won'?t|doesn'?t|don'?t|not able to)"

# (symptom, weight, pattern). Chinese patterns are plain substrings; English are regexes on
# lower-cased text with word boundaries.
_ZH: tuple[tuple[str, float, str], ...] = (
    ("roaming_failure", 2, "漫游"),
    ("roaming_failure", 1.5, "出国"),
    ("roaming_failure", 1.5, "境外"),
    ("roaming_failure", 1.5, "国外"),
    ("roaming_failure", 1, "外地"),
    ("roaming_failure", 1, "出差"),
    ("sms_failure", 2, "短信"),
    ("sms_failure", 1.5, "验证码"),
    ("sms_failure", 1, "彩信"),
    ("no_signal", 2, "无信号"),
    ("no_signal", 2, "没有信号"),
    ("no_signal", 2, "没信号"),
    ("no_signal", 2, "无服务"),
    ("no_signal", 2, "信号全无"),
    ("no_signal", 2, "一格都没有"),
    ("no_signal", 1.5, "零格"),
    ("no_signal", 2, "仅限紧急呼叫"),
    ("no_signal", 1.5, "搜不到网"),
    ("weak_signal", 2, "信号不好"),
    ("weak_signal", 2, "信号差"),
    ("weak_signal", 2, "信号弱"),
    ("weak_signal", 2, "只有一两格"),
    ("weak_signal", 1.5, "一两格"),
    ("weak_signal", 1.5, "只有一格"),
    ("weak_signal", 1.5, "信号不稳定"),
    ("weak_signal", 1, "信号时有时无"),
    ("weak_signal", 1, "信号很差"),
    ("weak_signal", 1, "覆盖"),
    ("call_drop", 2, "掉话"),
    ("call_drop", 1.5, "通话中断"),
    ("call_drop", 1.5, "自动挂断"),
    ("call_drop", 1.5, "打着打着就断"),
    ("call_drop", 1.5, "电话断了"),
    ("call_drop", 1, "掉线"),
    ("call_drop", 1.5, "通话经常断"),
    ("poor_voice", 2, "断断续续"),
    ("poor_voice", 2, "听不清楚"),
    ("poor_voice", 2, "听不清"),
    ("poor_voice", 1.5, "杂音"),
    ("poor_voice", 1.5, "回音"),
    ("poor_voice", 1.5, "串线"),
    ("poor_voice", 1, "声音"),
    ("poor_voice", 1, "通话质量"),
    ("cannot_call", 2, "打不出去"),
    ("cannot_call", 2, "打不出"),
    ("cannot_call", 2, "无法拨打"),
    ("cannot_call", 2, "拨不出"),
    ("cannot_call", 2, "不能打电话"),
    ("cannot_call", 1.5, "呼叫失败"),
    ("cannot_call", 1.5, "无任何提示音"),
    ("cannot_call", 1, "不能打"),
    ("cannot_receive", 2, "打不进来"),
    ("cannot_receive", 2, "接不到电话"),
    ("cannot_receive", 2, "接不到"),
    ("cannot_receive", 2, "无法接听"),
    ("cannot_receive", 1.5, "别人打不通"),
    ("cannot_receive", 1.5, "空号"),
    ("cannot_receive", 1, "不能接"),
    ("cannot_receive", 1, "打不通我"),
    ("slow_data", 2, "网速慢"),
    ("slow_data", 2, "上网慢"),
    ("slow_data", 2, "网络慢"),
    ("slow_data", 1.5, "网速很慢"),
    ("slow_data", 1.5, "加载慢"),
    ("slow_data", 1, "视频卡"),
    ("slow_data", 1, "网速"),
    ("slow_data", 1, "卡顿"),
    ("no_data", 2, "无法上网"),
    ("no_data", 2, "上不了网"),
    ("no_data", 2, "不能上网"),
    ("no_data", 1.5, "没有网"),
    ("no_data", 1.5, "断网"),
    ("no_data", 1, "流量用不了"),
)

_EN: tuple[tuple[str, float, str], ...] = (
    ("roaming_failure", 2, r"roam\w*"),
    ("roaming_failure", 1.5, r"abroad|overseas"),
    ("roaming_failure", 1, r"another country|visited network|foreign network"),
    ("sms_failure", 2, r"sms|text messages?|texts?"),
    ("sms_failure", 1.5, r"verification codes?|otp"),
    ("no_signal", 2, r"no (?:signal|service|coverage|network|bars?)"),
    ("no_signal", 2, r"zero bars?"),
    ("no_signal", 2, r"emergency calls? only"),
    ("no_signal", 1.5, r"signal (?:is )?(?:gone|lost)"),
    ("weak_signal", 2, r"(?:weak|poor|bad|low|terrible) (?:signal|reception|coverage)"),
    ("weak_signal", 1.5, r"(?:one|1|two|2) bars?"),
    ("weak_signal", 1, r"signal (?:is )?(?:weak|poor|bad)"),
    (
        "call_drop",
        2,
        r"(?:calls?|it) (?:keeps? |keep on |often |always )?(?:drop|dropping|dropped|cut "
        r"off|cuts "
        r"off)",
    ),
    ("call_drop", 2, r"dropp?ed calls?|call drops?"),
    ("call_drop", 1, r"hangs? up by itself"),
    ("poor_voice", 2, r"choppy|breaking up|robotic"),
    ("poor_voice", 2, _CANT + r" hear"),
    ("poor_voice", 1.5, r"noise|noisy|echo|crosstalk|static"),
    ("poor_voice", 1, r"voice quality|garbled"),
    ("cannot_call", 2, _CANT + r" (?:make |place )?(?:a )?(?:phone )?calls?(?! me)"),
    ("cannot_call", 1.5, r"calls? (?:fail|failing|won'?t go through)"),
    ("cannot_receive", 2, _CANT + r" (?:receive|get) (?:any )?(?:incoming )?calls?"),
    ("cannot_receive", 2, r"(?:nobody|no one|people) can'?t? ?(?:reach|call) me"),
    ("cannot_receive", 1.5, r"incoming calls?|number does not exist|unreachable"),
    ("slow_data", 2, r"slow (?:data|internet|speed|connection|browsing|download)"),
    ("slow_data", 1.5, r"(?:internet|data|speed) (?:is )?(?:very )?slow|buffering"),
    ("slow_data", 1, r"\bslow\b"),
    ("no_data", 2, r"no (?:data|internet|mobile data)"),
    ("no_data", 2, _CANT + r" (?:get online|browse|connect to the internet)"),
    ("no_data", 1.5, r"(?:mobile )?data (?:is )?(?:not working|doesn'?t work|down)"),
    ("no_data", 1, _CANT + r" connect"),
)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, float, re.Pattern[str]], ...]:
    rules: list[tuple[str, float, re.Pattern[str]]] = []
    for symptom, weight, phrase in _ZH:
        rules.append((symptom, weight, re.compile(re.escape(phrase))))
    for symptom, weight, pattern in _EN:
        rules.append((symptom, weight, re.compile(r"(?<![a-z])(?:" + pattern + r")(?![a-z])")))
    return tuple(rules)


def symptom_scores(text: str) -> dict[str, float]:
    """Keyword weight per symptom; overlapping matches count once, for the longest phrase."""
    lowered = text.lower().replace("’", "'")
    matches: list[tuple[int, int, str, float]] = []
    for symptom, weight, pattern in _compiled():
        for match in pattern.finditer(lowered):
            matches.append((match.start(), match.end(), symptom, weight))
    matches.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
    taken = [False] * (len(lowered) + 1)
    scores: dict[str, float] = {}
    for start, end, symptom, weight in matches:
        if any(taken[start:end]):
            continue
        for i in range(start, end):
            taken[i] = True
        scores[symptom] = scores.get(symptom, 0.0) + weight
    return scores


def infer_symptom(text: str | None) -> str | None:
    """The contract symptom the text describes best, or None when it names none."""
    if not text or not text.strip():
        return None
    scores = symptom_scores(text)
    if not scores:
        return None
    best = max(scores.values())
    for symptom in PRIORITY:
        if scores.get(symptom) == best:
            return symptom
    return None


_BASEMENT = re.compile(
    r"地下|负一|负二|地库|车库|地铁|电梯|basement|underground|garage|car "
    r"park|parking|subway|metro|elevator|lift"
)
_INDOOR = re.compile(
    r"家里|家中|室内|屋里|房间|办公室|楼里|公司里|宿舍"
    r"|at home|indoors?|inside|office|apartment|flat|room"
)


def place_hints(text: str | None) -> set[str]:
    """Where the description says the problem happens: {"basement", "indoor"} (deep indoor places —
    basements, car parks, lifts, the metro — lose far more signal than rooms above ground)."""
    if not text:
        return set()
    lowered = text.lower()
    hints: set[str] = set()
    if _BASEMENT.search(lowered):
        hints.update(("basement", "indoor"))
    if _INDOOR.search(lowered):
        hints.add("indoor")
    return hints
