"""What a complaint's description says besides its symptom (pure): where the problem happens
(indoors, below ground, which floor), whether people nearby have it too, whether it happens at
other places, whether the customer is abroad, when it began and at what time of day. The checks
read these when the complaint's own fields are empty (the handbook's 周围用户也一样, 到哪里都这样);
a field that is given always wins. The symptom itself is read in ``symptoms``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta
from functools import lru_cache

from phonenumbers.geodata.locale import LOCALE_DATA

from diagnostics.chinese import plain
from diagnostics.days import onset_day
from diagnostics.symptoms import says_what_works

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
    lowered = plain(text)
    hints: set[str] = set()
    if _BASEMENT.search(lowered):
        hints.update(("basement", "indoor"))
    if _INDOOR.search(lowered):
        hints.add("indoor")
    return hints


# What the description says about others and other places, for complaints whose
# neighbours_affected / everywhere fields are empty (the handbook's 周围用户也一样, 到哪里都这样).
_OTHERS = (
    r"(?:周围|旁边|附近|隔壁|邻居|家里人|家人|同事|朋友|别人|其他人|大家"
    r"|我(?:妈|爸|老婆|老公|女儿|儿子))"
)
_NEIGHBOURS_YES = re.compile(
    _OTHERS + r".{0,8}?(?:也一样|也这样|都一样|都这样|都是这样|也有|也不行|都不行|也没|都没|也是)"
    r"|(?<![a-z])(?:neighbou?rs?|others? (?:around|nearby|here)|people (?:around|nearby|here)"
    r"|every(?:one|body) (?:around|nearby|here|in (?:the|my|our) \w+)|my (?:wife|husband|family"
    r"|colleagues?|friends?|daughter|son|mum|mom|dad)(?:'s phone)?)\b.{0,30}?"
    r"\b(?:same|too|as well|also|either)\b|(?<![a-z])nobody (?:here|around|on your network) has"
)
_NEIGHBOURS_NO = re.compile(
    _OTHERS + r".{0,8}?(?:都正常|正常|没问题|好好的|没事)|只有我"
    r"|(?<![a-z])(?:other people|others|every(?:one|body) else|my (?:wife|husband|family"
    r"|colleagues?|friends?))\b.{0,30}?\b(?:fine|ok|okay|no problem|have no problem|work fine)\b"
    r"|(?<![a-z])only (?:me|my phone)\b"
)
_EVERYWHERE_YES = re.compile(
    r"到哪(?:里|儿)?都|走到哪|在哪(?:里|儿)?都|换了?(?:个)?(?:地方|位置)也|别的地方也|哪里都"
    # with what is done there in between: 去哪里打电话都断 (去边度打电话都…, gen 27)
    r"|(?:去|到|在)哪(?:里|儿)?(?:打电话|打|上网|用|接电话)[^，,。；;!！?？]{0,4}?都"
    r"|(?:不管|无论|不论)(?:在|去|到)?哪|在家.{0,4}(?:在)?(?:公司|单位).{0,4}都一样"
    r"|(?<![a-z])(?:everywhere|wherever i go|any ?where i go|other places too|no matter where"
    r"|(?:doesn't|does not|don't) matter where"
    r"|(?:same|also) (?:problem )?in other places|(?:at|in) other places too)(?![a-z])"
)
_EVERYWHERE_NO = re.compile(
    r"只有(?:在)?(?:这里|这儿|家里|家中|公司|小区)|别的地方(?:都)?(?:正常|没问题|好)|出了.{0,4}就好"
    r"|(?<![a-z])(?:only (?:here|at home|in (?:my|the) \w+|at (?:the )?(?:office|work))"
    r"|(?:fine|ok|works?) (?:elsewhere|everywhere else|in other places))(?![a-z])"
)


def _stated(text: str | None, yes: re.Pattern[str], no: re.Pattern[str]) -> bool | None:
    if not text:
        return None
    lowered = plain(text)
    said_yes, said_no = bool(yes.search(lowered)), bool(no.search(lowered))
    return None if said_yes == said_no else said_yes  # neither, or both: can't tell


def stated_neighbours(text: str | None) -> str | None:
    """ "yes" / "no" when the description says whether people nearby have it too, else None."""
    said = _stated(text, _NEIGHBOURS_YES, _NEIGHBOURS_NO)
    return None if said is None else ("yes" if said else "no")


def stated_everywhere(text: str | None) -> bool | None:
    """Whether the description says the problem also happens at other places (None: not said)."""
    return _stated(text, _EVERYWHERE_YES, _EVERYWHERE_NO)


_OCCASIONAL = re.compile(
    r"偶尔|偶然|昨天有一次|就一次|有过一次|一两次"
    r"|(?<![a-z])(?:now and then|just once|only once|once or twice|occasional(?:ly)?"
    r"|(?:dropped|cut|failed|happened) once(?! again| more)"
    r"|every now and again|from time to time)(?![a-z])"
)


def stated_occasional(text: str | None) -> bool:
    """Whether the description says the problem happens only now and then (偶尔, "just once")."""
    return bool(text) and bool(_OCCASIONAL.search(plain(text or "")))


_FLOOR = re.compile(
    r"(?<![\d.])(\d{1,3})\s*(?:楼|层)(?!梯)|(?<![\d.a-z])(\d{1,3})\s*f(?![a-z])"
    r"|(?<![a-z])(?:floor|(?:on|at) level) (\d{1,3})(?!\d)|(?<![\d.])(\d{1,3})(?:st|nd|rd|th) floor"
)
_BELOW = re.compile(
    r"负\s*([1-3一二三])\s*(?:楼|层)|地下\s*([1-3一二三])\s*层|(?<![a-z])b([1-3])(?![a-z\d])"
)
_DIGITS = {"一": 1, "二": 2, "三": 3}


def stated_floor(text: str | None) -> int | None:
    """The floor the description names ("住在12楼", "on floor 12", "负一楼" = −1), else None."""
    if not text:
        return None
    lowered = plain(text)
    below = _BELOW.search(lowered)
    if below:
        digit = next(g for g in below.groups() if g)
        return -(_DIGITS.get(digit) or int(digit))
    found = _FLOOR.search(lowered)
    if found is None:
        return None
    floor = int(next(g for g in found.groups() if g))
    return floor if 0 < floor <= 200 else None


# Abroad, or a visitor who has just arrived: what tells a roaming switch that matters from one
# that doesn't when the registration or the profile can't (no home or visited network known; an
# inbound roamer has no profile in the operator's own subscriber data).
_ABROAD = re.compile(
    r"漫游|国外|境外|出国|出境|刚(?:到|落地|下飞机)|下了?飞机|(?:在|去|到)外地"
    r"|在.{1,8}(?:旅游|旅行|度假)"
    r"|(?<![a-z])(?:roam\w*|abroad|overseas|(?:arrived|landed) (?:from|in)\b|flew in\b"
    r"|(?:here|travell?ing) (?:on|for) (?:holiday|vacation|business)|tourist|my trip"
    # travelling in Japan, on holiday in Spain; not travelling in the car, a trip to the shop
    r"|(?:travell?ing|touring) (?:in|around|through) (?!the |a |my |our )"
    r"|(?:holiday|vacation) (?:in|to) (?!the |a |my |our ))"
)


# A handset bought abroad (水货, 海外版): the classic phone without the local bands. Said of the
# phone, "overseas" is not the customer being abroad.
_FOREIGN_HANDSET = re.compile(
    r"海外版|港版|美版|日版|欧版|水货|(?:在)?(?:国外|海外|境外)(?:买|购买|带回)"
    r"|(?:手机|机子).{0,3}从.{1,8}(?:带|买)(?:来|过来|回来)"
    r"|(?<![a-z])(?:(?:bought|got|purchased) (?:\w+ ){0,2}(?:abroad|overseas)"
    r"|(?:brought|bought) (?:it|my phone|the phone|this phone) (?:from|in) (?!the shop|town)"
    r"|(?:imported|overseas|foreign|international|us|uk) (?:version|model)"
    r"|(?:imported|foreign) (?:phone|handset))"
)


def stated_foreign_handset(text: str | None) -> bool:
    """Whether the description says the handset was bought abroad (an overseas model)."""
    return bool(text) and bool(_FOREIGN_HANDSET.search(plain(text or "")))


def stated_abroad(text: str | None) -> bool:
    """Whether the description says the customer is abroad or has just arrived from elsewhere."""
    if not text:
        return False
    return bool(_ABROAD.search(_FOREIGN_HANDSET.sub(" ", plain(text))))


@lru_cache(maxsize=1)
def _in_a_country() -> re.Pattern[str]:
    """在 + a country's Chinese name (phonenumbers' region names: 马来西亚, 香港, 新加坡…)."""
    names: set[str] = set()
    for by_language in LOCALE_DATA.values():
        name = by_language.get("zh", "")
        if name.startswith("*"):  # the same as another language's name
            name = by_language.get(name[1:], "")
        if len(name) >= 2 and not name.startswith("*"):
            names.add(plain(name))
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"在(?:{alternatives})")


def stated_in_a_country(text: str | None) -> bool:
    """Whether the description puts the customer in a country by name ("人在马来西亚新山"): on
    a border, where the boundary data can't tell which side the place is, it can."""
    return bool(text) and bool(_in_a_country().search(plain(text or "")))


# When the description says the problem began ("since last night", 昨晚开始, "2 days ago"): with
# no occurred_from, the time of the problem reaches back to it (the mission's own example: "no
# signal at home since Monday"). Said on the customer's clock (geo.zones.local_time).
_LAST_NIGHT = re.compile(r"last night|昨晚|昨夜|jana usiku|kal raat")
# a part of yesterday: "since yesterday evening", 昨天下午, "kal subah se"
_PART_OF_YESTERDAY: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"yesterday morning|昨天(?:早上|上午)|kal subah"), 6),
    (re.compile(r"yesterday (?:afternoon|arvo)|昨天(?:下午|中午)|kal dopahar"), 12),
    (re.compile(r"yesterday evening|昨天(?:晚上|傍晚)|kal shaam"), 18),
)
# since a part of today: this morning, 今天下午, "stopped working this afternoon", tonight
_PART_OF_TODAY: tuple[tuple[re.Pattern[str], int], ...] = (
    (
        re.compile(
            r"(?:since|from) (?:this |the )?morning|this morning|今天?早上|今早|早上(?:开始|起)"
            r"|今天上午|上午(?:开始|起)"
        ),
        6,
    ),
    (
        re.compile(
            r"(?:since|from) (?:this |the )?(?:afternoon|arvo)|this (?:afternoon|arvo)"
            r"|今天下午|下午(?:开始|起)"
        ),
        12,
    ),
    (
        re.compile(
            r"(?:since|from) (?:this |the )?evening|this evening|tonight"
            r"|今天晚上|今晚|晚上(?:开始|起)"
        ),
        18,
    ),
)
# "it started today": a problem of today, whatever hours the description names
_TODAY = re.compile(r"今天(?:突然|开始|起)|(?<![a-z])(?:since|from|started|began) today(?![a-z])")
_YESTERDAY = re.compile(
    r"(?<![a-z])(?:since|from|started|began|starting) (?:yesterday|jana)\b|昨天|昨日"
    r"|\bkal (?:subah |dopahar |shaam )?se\b"
)
_DAYS_AGO = re.compile(
    r"(?<![a-z\d])(\d{1,2}|one|two|three|four|five|a few) days?(?: ago| now)"
    r"|(?:for|since) (?:the last |the past )?(\d{1,2}|two|three|four|five|a few|few) days"
    r"|(?<![a-z\d])(\d{1,2}) din se"
    r"|(\d{1,2}|[一两二三四五几]) ?天(?:前|了|以来)"
)
_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "a few": 3, "few": 3,
    "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "几": 3,
}  # fmt: skip


def stated_onset(text: str | None, local: datetime) -> datetime | None:
    """When the description says the problem began, from ``local`` (the report on the
    customer's clock); None if it doesn't."""
    if not text:
        return None
    lowered = plain(text)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if (day := onset_day(text, local)) is not None:  # "since Monday", 从周一开始
        return day
    days = _DAYS_AGO.search(lowered)
    if days:
        word = next(g for g in days.groups() if g)
        return local - timedelta(days=int(word) if word.isdigit() else _NUMBERS[word])
    for pattern, hour in _PART_OF_YESTERDAY:
        if pattern.search(lowered):
            return midnight - timedelta(hours=24 - hour)
    if _LAST_NIGHT.search(lowered):
        return midnight - timedelta(hours=4)  # the evening before: from 20:00
    if _YESTERDAY.search(lowered):
        return midnight - timedelta(days=1)
    for pattern, hour in _PART_OF_TODAY:
        if pattern.search(lowered):
            since = midnight + timedelta(hours=hour)
            return since if since < local else since - timedelta(days=1)
    return None


# The time of day the description names ("every evening", 晚上, "in the mornings"): a problem that
# comes back at the same hours (the evening busy hour) is judged on those hours: since they began
# when told that night, those hours themselves when told the next morning. Local hours [start,
# end); read clause by clause, and a clause that calls those hours fine ("evenings are better")
# names no problem.
_TIMES_OF_DAY: tuple[tuple[re.Pattern[str], tuple[int, int]], ...] = (
    (
        re.compile(
            r"晚上|傍晚|晚间|每晚|晚高峰|下班(?:后|以后|时间|的时候)|晚饭(?:后|时间)"
            r"|(?<![a-z])(?:evenings?|after work|after dinner|shaam)(?![a-z])"
        ),
        (18, 23),
    ),
    (
        re.compile(
            r"夜里|夜间|(?<![a-z])(?:at night|every night|nights|nighttime|raat ko)(?![a-z])"
        ),
        (20, 24),
    ),
    (re.compile(r"下午|(?<![a-z])(?:afternoons?|arvos?)(?![a-z])"), (12, 18)),
    (
        re.compile(r"中午|午休|(?<![a-z])(?:lunch ?time|at lunch|around noon|midday)(?![a-z])"),
        (11, 14),
    ),
    (re.compile(r"早上|上午|早晨|早高峰|(?<![a-z])mornings?(?![a-z])"), (6, 11)),
    # a rush hour or commute without a morning named (read first, above): the evening's
    (re.compile(r"(?<![a-z])(?:rush hours?|commut\w*|peak hours?)(?![a-z])"), (16, 20)),
)
# "around 8-10 pm", "after 8pm", 晚上八点以后: the evening's own hours, when said
_PM_HOURS = re.compile(
    r"(?<![\d])(\d{1,2})(?: ?(?:-|–|~|to) ?(\d{1,2}))? ?(?:pm|p\.m\.)"
    r"|晚上([\d七八九十]{1,2})点(?:到([\d七八九十]{1,2})点)?"
)
# in an evening, "around 5" / "after 7" need no "pm" (read when no pm hours are said)
_EVENING_HOUR = re.compile(
    r"(?<![a-z])(?:around|about|after|from|at|by) (\d{1,2})(?::\d\d)?(?![\d:.]|am|a\.m)"
)
_ZH_HOURS = {"七": 7, "八": 8, "九": 9, "十": 10}
_CLAUSES = re.compile(r"[,，.。;；!！?？、]|\bbut\b|但是?|不过")
# "evenings are better", 晚上好一些: the hours compared favourably are not the problem's (what
# plainly works, "late at night it's fine", is ``symptoms.says_what_works``)
_BETTER = re.compile(r"(?<![a-z])better(?![a-z])|好一些|好些|好点|好很多|就好|还好")


# A part of a day named as when the problem began ("从今天上午开始", "since yesterday evening",
# "kal shaam se") is an onset (``stated_onset``), not hours the problem comes back at.
_ONSET_PART = re.compile(
    r"(?:从|自)?(?:今天|昨天|前天|今|昨)?(?:早上|上午|中午|下午|傍晚|晚上)(?:开始|起)"
    r"|(?:今天|昨天|前天)(?:早上|上午|中午|下午|傍晚|晚上)"
    r"|(?<![a-z])(?:(?:since|from) (?:this |the |yesterday |last )?|this |yesterday |last )"
    r"(?:morning|afternoon|arvo|evening|night)(?![a-z])"
    r"|(?<![a-z])(?:kal|aaj) (?:subah|dopahar|shaam|raat)(?: se| ko)?(?![a-z])"
)


@lru_cache(maxsize=4096)  # read by the window and again by each time-bound check
def stated_hours(text: str | None) -> tuple[int, int] | None:
    """The local hours [start, end) of the time of day the description names as the problem's
    ("after 8pm" / 晚上八点 narrows the evening), else None."""
    if not text or _TODAY.search(plain(text)):  # "今天突然就这样了": today's, not recurring
        return None
    for clause in _CLAUSES.split(_ONSET_PART.sub(" ", plain(text))):
        if says_what_works(clause) or _BETTER.search(clause):
            continue
        for pattern, hours in _TIMES_OF_DAY:
            if pattern.search(clause):
                return _evening_hours(clause, hours) if hours[0] >= 18 else hours
    return None


def _evening_hours(clause: str, hours: tuple[int, int]) -> tuple[int, int]:
    said = _PM_HOURS.search(clause) or _EVENING_HOUR.search(clause)
    if said is None:
        return hours
    groups = (*said.groups(), None, None, None)  # _EVENING_HOUR has the first only
    first, last = groups[0] or groups[2] or "", groups[1] or groups[3]
    start = int(first) if first.isdigit() else _ZH_HOURS.get(first, 0)
    end = int(last) if last and last.isdigit() else _ZH_HOURS.get(last or "", 0)
    if not 5 <= start <= 11:
        return hours
    if said.re is _EVENING_HOUR and said.group(0).startswith(("around", "about", "at", "by")):
        return start + 11, start + 14  # "around 5": the hours about it, not the whole evening
    return start + 12, (end + 12 if start < end <= 12 else 24)


# A rush hour or commute is a working day's: told on a Monday, the one it means is Friday's,
# not Sunday's quiet evening (gen 25). Not when the weekend itself is named.
_WORKDAY_HOURS = re.compile(
    r"早高峰|晚高峰|上下班|上班(?:路上|的时候|时间)|下班路上"
    r"|(?<![a-z])(?:rush hours?|commut\w*)(?![a-z])"
)
_WEEKEND = re.compile(
    r"周末|星期[六天日]|礼拜[六天日]|(?<![a-z])(?:weekends?|saturdays?|sundays?)(?![a-z])"
)


def on_workdays(text: str | None) -> bool:
    """The description's time of day is a working day's (rush hour, commute, 早晚高峰)."""
    if not text:
        return False
    lowered = plain(text)
    return bool(_WORKDAY_HOURS.search(lowered)) and not _WEEKEND.search(lowered)


def stated_time_of_day(
    text: str | None, local: datetime, weekend: Collection[int] = ()
) -> tuple[datetime, datetime] | None:
    """The latest stretch of the stated time of day up to ``local`` (the report on the customer's
    clock): today's when it has begun (up to the report, if that falls inside it), else
    yesterday's; a working day's hours (``on_workdays``) on the last day not in ``weekend``
    (ISO numbers, 1 = Monday)."""
    hours = stated_hours(text)
    if hours is None:
        return None
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = midnight + timedelta(hours=hours[0]), midnight + timedelta(hours=hours[1])
    if local < start:
        start, end = start - timedelta(days=1), end - timedelta(days=1)
    if len(set(weekend)) < 7 and on_workdays(text):
        while start.isoweekday() in weekend:
            start, end = start - timedelta(days=1), end - timedelta(days=1)
    return start, min(end, local)
