"""Working-time arithmetic (pure): time limits count working hours on working days only.

A working day runs from ``start`` to ``end`` local time in ``zone``; a day is working when its
ISO weekday is a working weekday and it is not a holiday, or when it is an extra working day
(调休, a weekend day worked in lieu). One working day is one full working day's length, so
"1 working day" from Friday 17:00 with 09:00–18:00 days ends Monday 17:00, and from Saturday
10:00 (outside working time: the clock starts Monday 09:00) ends Monday 18:00.

>>> from datetime import datetime, timezone
>>> cal = WorkingCalendar(zone=ZoneInfo("Asia/Shanghai"))
>>> friday_5pm = datetime(2024, 1, 5, 9, 0, tzinfo=timezone.utc)   # 17:00 in Shanghai
>>> add_working_days(friday_5pm, 1, cal).isoformat()
'2024-01-08T09:00:00+00:00'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from workorders.settings import WorkOrderSettings, parse_limit

_MAX_DAYS = 3660  # ten years of calendar: a calendar with no working day at all is a config error


@dataclass(frozen=True)
class WorkingCalendar:
    zone: ZoneInfo
    start: time = time(9, 0)
    end: time = time(18, 0)
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    @property
    def day_hours(self) -> float:
        return _seconds(self.end) / 3600 - _seconds(self.start) / 3600

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        return day.isoweekday() in self.weekdays and day not in self.holidays

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        opens = datetime.combine(day, self.start, tzinfo=self.zone)
        closes = datetime.combine(day, self.end, tzinfo=self.zone)
        return opens.astimezone(UTC), closes.astimezone(UTC)


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def calendar_from_settings(
    settings: WorkOrderSettings,
    *,
    holidays: frozenset[date] = frozenset(),
    extra_working_days: frozenset[date] = frozenset(),
) -> WorkingCalendar:
    """The calendar from settings plus dates from the database (``work_calendar``)."""
    return WorkingCalendar(
        zone=ZoneInfo(settings.time_zone),
        start=settings.work_start,
        end=settings.work_end,
        weekdays=frozenset(settings.working_weekdays),
        holidays=frozenset(settings.holidays) | holidays,
        extra_working_days=frozenset(settings.extra_working_days) | extra_working_days,
    )


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("working-time arithmetic needs timezone-aware datetimes")
    return moment.astimezone(UTC)


def add_working_hours(moment: datetime, hours: float, cal: WorkingCalendar) -> datetime:
    """``moment`` plus ``hours`` of working time (UTC result).

    Zero hours from outside working time gives the next opening; a limit that ends exactly at
    the end of a working day ends there (not at the next opening).
    """
    if hours < 0:
        raise ValueError("hours must be ≥ 0")
    current = _aware(moment)
    remaining = timedelta(hours=hours)
    day = current.astimezone(cal.zone).date()
    for _ in range(_MAX_DAYS):
        if cal.is_working_day(day):
            opens, closes = cal._bounds(day)
            begin = max(current, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("the working calendar has no working time in ten years")


def add_working_days(moment: datetime, days: float, cal: WorkingCalendar) -> datetime:
    return add_working_hours(moment, days * cal.day_hours, cal)


def add_limit(moment: datetime, limit: str, cal: WorkingCalendar) -> datetime:
    """``moment`` plus a limit written ``2h`` (working hours) or ``3d`` (working days)."""
    amount, unit = parse_limit(limit)
    if unit == "h":
        return add_working_hours(moment, amount, cal)
    return add_working_days(moment, amount, cal)


def limit_hours(limit: str, cal: WorkingCalendar) -> float:
    """A limit in working hours."""
    amount, unit = parse_limit(limit)
    return amount if unit == "h" else amount * cal.day_hours


def working_hours_between(start: datetime, end: datetime, cal: WorkingCalendar) -> float:
    """Working hours from ``start`` to ``end`` (0 when end ≤ start)."""
    begin, finish = _aware(start), _aware(end)
    if finish <= begin:
        return 0.0
    total = timedelta(0)
    day = begin.astimezone(cal.zone).date()
    last = finish.astimezone(cal.zone).date()
    while day <= last:
        if cal.is_working_day(day):
            opens, closes = cal._bounds(day)
            lo, hi = max(begin, opens), min(finish, closes)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 3600
