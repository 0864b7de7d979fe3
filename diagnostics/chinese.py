"""Complaint text as the description readers match it: lower-cased, and Chinese written in
Traditional characters, Cantonese or Taiwanese usage turned into the simplified Mandarin the
phrase tables are written in.

Hong Kong, Macau and Taiwan complaint centres (and mainland visitors' and migrants' messages)
write 冇訊號, 打唔通, 上唔到網, 收訊很差, 簡訊. OpenCC (``hk2s``: Hong Kong variants and
Traditional → Simplified) turns the characters; the Cantonese and Taiwanese words a character
map can't (冇 → 没有, 唔 → 不, 讯号 → 信号, 网路 → 网络) are the table below. Only text with Chinese
characters pays for it, and each text once (the readers of a complaint ask several times).
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

# Cantonese / Taiwanese → Mandarin, on simplified text; longer words first where they overlap
# (返屋企 before 屋企, 我哋 before 哋). Only words a complaint uses, and none that is also a
# common Mandarin word (系 'is' stays: 系统).
WORDS: tuple[tuple[str, str], ...] = (
    ("讯号", "信号"),
    ("收讯", "信号"),
    ("短讯", "短信"),
    ("简讯", "短信"),
    ("断讯", "掉线"),
    ("网路", "网络"),
    ("流动数据", "移动数据"),
    ("行动网络", "移动网络"),
    ("返屋企", "回家"),
    ("屋企", "家里"),
    ("返工", "上班"),
    ("出街", "出门"),
    ("有冇", "有没有"),
    ("冇", "没有"),
    ("隔篱", "隔壁"),
    ("都系咁", "都是这样"),
    ("系咁", "是这样"),
    ("系咪", "是不是"),
    ("唔系", "不是"),
    ("都系", "都是"),
    ("唔该", "谢谢"),
    ("唔得", "不行"),
    ("唔", "不"),
    ("咗", "了"),
    ("嘅", "的"),
    ("啲", "些"),
    ("咁", "这么"),
    ("喺", "在"),
    ("我哋", "我们"),
    ("佢哋", "他们"),
    ("哋", "们"),
    ("佢", "他"),
    ("俾", "给"),
    ("畀", "给"),
    ("嚟", "来"),
    ("睇", "看"),
    ("搵", "找"),
    ("揾", "找"),
    ("讲", "说"),
    ("乜嘢", "什么"),
    ("咩", "什么"),
    ("嘢", "东西"),
    ("边度", "哪里"),
    ("呢度", "这里"),
    ("呢排", "最近"),
    ("啱啱", "刚刚"),
    ("好似", "好像"),
    ("仲", "还"),
    ("成日", "经常"),
    ("间中", "偶尔"),
    ("琴日", "昨天"),
    ("寻日", "昨天"),
    ("听日", "明天"),
    ("今朝", "今天早上"),
    ("朝早", "早上"),
    ("晏昼", "下午"),
    ("晚黑", "晚上"),
    ("夜晚", "晚上"),
    ("成晚", "整晚"),
    ("部机", "手机"),
    ("好鬼", "很"),
    ("好耐", "很久"),
    ("打极", "怎么打"),
)
_WORDS = re.compile("|".join(re.escape(w) for w, _ in WORDS))
_MANDARIN = dict(WORDS)
# Cantonese (and colloquial Mandarin) 好 before a bad quality is "very": 好差 = 很差, 好慢 = 很慢
_VERY = re.compile(r"好(?=差|慢|弱|烂|卡|难|少|多杂音)")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("hk2s")


@lru_cache(maxsize=8192)
def plain(text: str) -> str:
    """``text`` lower-cased, its Chinese in simplified Mandarin (see the module's doc)."""
    lowered = text.lower().replace("’", "'")
    if not _CJK.search(lowered):
        return lowered
    simplified = _converter().convert(lowered)
    mandarin = _WORDS.sub(lambda m: _MANDARIN[m.group()], simplified)
    return _VERY.sub("很", mandarin)


# OpenCC configurations for the reply: Taiwan's vocabulary (网络 → 網路, 信号 → 訊號, 重启 →
# 重啟), Hong Kong's characters, or standard Traditional
TRADITIONAL_SCRIPTS = ("s2twp", "s2hk", "s2t")
_CANTONESE = re.compile("[冇唔喺嘅咗啲嚟哋睇搵]")


@lru_cache(maxsize=len(TRADITIONAL_SCRIPTS))
def _to_traditional(script: str) -> opencc.OpenCC:
    return opencc.OpenCC(script)


def traditional_script(text: str | None, country: str | None) -> str | None:
    """The script to write a reply in for a customer who wrote ``text`` from ``country``:
    None (simplified) unless the text is Traditional; Taiwan's usage in Taiwan, Hong Kong's
    for Hong Kong, Macau or Cantonese, standard Traditional elsewhere."""
    if not writes_traditional(text):
        return None
    if country == "TW":
        return "s2twp"
    if country in ("HK", "MO") or _CANTONESE.search(text or ""):
        return "s2hk"
    return "s2t"


def writes_traditional(text: str | None) -> bool:
    """Whether the customer writes Traditional characters (one in twenty of its Chinese ones differs
    from their simplified form): the reply to read out is then written the same way."""
    if not text or not _CJK.search(text):
        return False
    simplified = _converter().convert(text)
    if len(simplified) != len(text):
        return True
    cjk = len(_CJK.findall(text))
    changed = sum(1 for a, b in zip(text, simplified, strict=True) if a != b)
    return changed >= max(1, 0.05 * cjk)


def traditional(text: str, script: str = "s2t") -> str:
    """Simplified Chinese in Traditional characters (an OpenCC ``TRADITIONAL_SCRIPTS`` one)."""
    converted: str = _to_traditional(script).convert(text)
    return converted
