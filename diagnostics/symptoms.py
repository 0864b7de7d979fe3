"""Symptom inference from free text (Chinese and English), for complaints whose ``symptom`` is
absent or vague.

Pure keyword rules: each symptom has phrases with weights; the longest phrase wins where phrases
overlap (只有一两格 counts once, not also as 一两格), weights add up per symptom, and the highest
total wins. Ties go to the more specific symptom (roaming, SMS and call set-up failures before the
general signal ones). The handbook's keywords (信号不好, 只有一两格, 断断续续, 打不出去,
无任何提示音, 听不清楚) are all here. Text that uses none of the phrases goes to the (topic,
problem) fallback of ``symptom_words`` ("刷视频一直转圈": data + slow → slow_data).

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

from diagnostics.chinese import plain
from diagnostics.symptom_phrases import EN, ZH  # the phrase tables (data)
from diagnostics.symptom_words import composed_symptom

# Ties are broken by this order (first = most specific, or the root of the others).
PRIORITY = (
    "roaming_failure",
    "no_signal",  # no signal brings the failed calls, SMS and data said beside it
    "sms_failure",
    "cannot_receive",
    "cannot_call",
    "call_drop",
    "no_data",
    "slow_data",
    "poor_voice",
    "weak_signal",
)


Rules = tuple[tuple[str, float, re.Pattern[str]], ...]
# A Chinese phrase holds Chinese characters and an English one latin letters: a text without
# either kind skips those rules (each rule is a scan of the text; most texts are one language).
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[a-z]")


@lru_cache(maxsize=1)
def phrase_rules() -> tuple[Rules, Rules]:
    zh = tuple((symptom, weight, re.compile(pattern)) for symptom, weight, pattern in ZH)
    en = tuple(
        (symptom, weight, re.compile(r"(?<![a-z])(?:" + pattern + r")(?![a-z])"))
        for symptom, weight, pattern in EN
    )
    return zh, en


# A clause that says something works ("收短信正常", "incoming calls are fine", "只能打电话发短信")
# names a service that is not the problem; a clause with a negation still complains.
# Chinese written informally separates clauses with spaces (打电话总是断 别人都没问题), which
# must split there, or the clause that says what works takes the complaint with it.
_CLAUSES = re.compile(
    r"[，,。.;；!！?？\n]+|\bbut\b|但是|可是|但|(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])"
)
_WORKS = re.compile(
    r"正常|没问题|没事|能用|都可以|只能(?!.{0,3}紧急)"
    r"|(?:能|可以)(?:接|打)(?!.{0,3}紧急)"
    r"|(?<![a-z])(?:fine|ok|okay|no problem|normally|working fine|(?:is|are) working"
    r"|works? (?:fine|ok|okay|tho|though|normally|perfectly)|can (?:call|text|make calls))(?![a-z])"
    r"|(?<![a-z])works?\s*$"
    # "still get texts", "facebook loads": what still works beside what doesn't (gen 25)
    r"|(?<![a-z])still (?:get|gets|getting|receive|receives|receiving|can|works?|loads?)(?![a-z])"
    r"|(?<![a-z])loads?\s*$"
)
_NEGATED = re.compile(
    r"不|没|无|未|(?<![a-z])(?:no|not|never|nobody|no one|can'?t|cannot|doesn'?t|don'?t|won'?t"
    r"|isn'?t|fail\w*|barely|hardly|scarcely|nothing)(?![a-z])"
)


def says_what_works(clause: str) -> bool:
    """Whether a lower-cased clause only says what works ("收短信正常", "calls are fine"), and not
    that it doesn't ("doesn't work", "不正常")."""
    # the negation is looked for beside the marker, not in it (没问题, "no problem")
    return bool(_WORKS.search(clause)) and not _NEGATED.search(_WORKS.sub(" ", clause))


def complaining(text: str) -> str:
    """The lower-cased text without its clauses that only say what works (all of it when that
    would leave nothing)."""
    lowered = plain(text)
    kept = [clause for clause in _CLAUSES.split(lowered) if not says_what_works(clause)]
    return " , ".join(kept) if any(c.strip() for c in kept) else lowered


def symptom_scores(text: str) -> dict[str, float]:
    """Keyword weight per symptom of the text's complaining clauses (``complaining``)."""
    return phrase_scores(complaining(text))


def phrase_scores(lowered: str) -> dict[str, float]:
    """Keyword weight per symptom in lower-cased text; overlapping matches count once, for the
    longest phrase."""
    zh, en = phrase_rules()
    rules = (zh if _CJK.search(lowered) else ()) + (en if _LATIN.search(lowered) else ())
    matches: list[tuple[int, int, str, float]] = []
    for symptom, weight, pattern in rules:
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
    if not scores:  # no known phrase: what the text talks about, and what goes wrong with it
        return composed_symptom(complaining(text))
    best = max(scores.values())
    for symptom in PRIORITY:
        if scores.get(symptom) == best:
            return symptom
    return None
