"""Days of the week the description names: "no signal at home since Monday" (the mission's own
example) is an onset; "rubbish all weekend, worst Sunday arvo" or 星期天下午上不了网, told on the
Tuesday, is when the problem was lived (Sunday afternoon), which the hours before the call
would miss (gen 28).

Read on the customer's clock (``geo.zones.local_time``): the latest such day before the report
(today's, when today is the day named, up to the report). Pure functions over text.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from diagnostics.chinese import plain

_EN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ZH_DAYS = "一二三四五六日"
# the 'since' forms name a start; "the weekend" is Saturday and Sunday
_SINCE = re.compile(
    r"(?<![a-z])(?:since|from) (?:last |this |the )?(?P<en>"
    + "|".join(_EN_DAYS)
    + r"|weekend)(?![a-z])"
    r"|(?:从|自)?(?:上)?(?:周|星期|礼拜)(?P<zh>[一二三四五六日天]|末)(?:开始|起|以来|到现在)"
)
_NAMED = re.compile(
    r"(?<![a-z])(?:(?:last|this|on|all|over the|the) )?(?P<en>"
    + "|".join(_EN_DAYS)
    + r"|weekend)s?(?![a-z])"
    r"|(?:上)?(?:周|星期|礼拜)(?P<zh>[一二三四五六日天]|末)"
)
# "yesterday whole day network was not coming", told the next morning (gen 29): yesterday is the
# day named (昨天 is already a start, ``description.stated_onset``)
_YESTERDAY = re.compile(r"(?<![a-z])yesterday(?![a-z])")
_CLAUSES = re.compile(r"[,，.。;；!！?？、]|\bbut\b|但是?|不过")
_FINE = re.compile(
    r"(?<![a-z])(?:better|fine|ok|okay|no problem)(?![a-z])|好一些|好些|好点|正常|没问题|就好|还好"
)


def _weekday(match: re.Match[str]) -> int | None:
    """0 = Monday … 6 = Sunday; None for the weekend."""
    en, zh = match.group("en"), match.group("zh")
    if en:
        return None if en == "weekend" else _EN_DAYS.index(en)
    if zh == "末":
        return None
    return 6 if zh == "天" else _ZH_DAYS.index(zh)


def _latest(weekday: int | None, local: datetime) -> tuple[datetime, datetime]:
    """The latest named day (the weekend: Saturday and Sunday) up to ``local``: [00:00, 24:00)."""
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    first = 5 if weekday is None else weekday
    back = (midnight.weekday() - first) % 7
    if weekday is None and midnight.weekday() == 6:
        back = 1  # on a Sunday, this weekend began yesterday
    start = midnight - timedelta(days=back)
    return start, start + timedelta(days=1 if weekday is not None else 2)


def onset_day(text: str | None, local: datetime) -> datetime | None:
    """The start of the day (or weekend) the description says the problem began on ("since
    Monday", 从周一开始); None if it names none."""
    if not text:
        return None
    found = _SINCE.search(plain(text))
    return None if found is None else _latest(_weekday(found), local)[0]


def stated_day(
    text: str | None, local: datetime, hours: tuple[int, int] | None = None
) -> tuple[datetime, datetime] | None:
    """The day of the week the description names as when the problem was lived ("Sunday arvo",
    星期天), narrowed to ``hours`` (local, the stated time of day) when given, and ended at the
    report; a day named in a clause that calls it fine ("Sundays are better") and a start
    ("since Monday") don't count."""
    if not text:
        return None
    named: list[int | None] = []
    for clause in _CLAUSES.split(plain(text)):
        if _FINE.search(clause) or _SINCE.search(clause):
            continue
        named += [_weekday(m) for m in _NAMED.finditer(clause)]
        if _YESTERDAY.search(clause):
            named.append((local.weekday() - 1) % 7)
    if not named:
        return None
    days = [d for d in named if d is not None]
    if not days:
        # "slow on weekends", told midweek, is mostly a pattern the customer has noticed, not
        # the time of this problem (gen 16's congestion at the time of the call): the weekend
        # is named as a start only ("since the weekend")
        return None
    start, end = _latest(days[-1], local)
    if hours is not None:
        start, end = start + timedelta(hours=hours[0]), start + timedelta(hours=hours[1])
    if start >= local:  # today's named hours not yet begun: the same a week before
        start, end = start - timedelta(days=7), end - timedelta(days=7)
    return start, min(end, local)
