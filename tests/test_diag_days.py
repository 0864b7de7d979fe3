"""Days of the week in the description: a start ("since Monday") or when the problem was lived
("Sunday arvo", told on the Tuesday)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from diagnostics.context import complaint_window
from diagnostics.days import onset_day, stated_day
from diagnostics.description import stated_hours, stated_onset
from diagnostics.settings import DiagnosticsSettings
from tests.diag_contexts import context

SETTINGS = DiagnosticsSettings()
_AEDT = timezone(timedelta(hours=11))
TUESDAY = datetime(2025, 10, 7, 8, 45, tzinfo=_AEDT)


def _at(day: int, hour: int = 0) -> datetime:
    return datetime(2025, 10, day, hour, 0, tzinfo=_AEDT)


@pytest.mark.parametrize(
    ("text", "onset"),
    [
        ("no signal at home since Monday", _at(6)),  # the mission's own example
        ("从周一开始没信号", _at(6)),
        ("since last Friday calls keep dropping", _at(3)),
        ("slow since the weekend", _at(4)),
        ("上周末以来上网很慢", _at(4)),
        ("slow on Sunday afternoon", None),  # when, not since when
        ("calls drop every evening", None),
        (None, None),
    ],
)
def test_a_day_named_as_the_start(text: str | None, onset: datetime | None) -> None:
    assert onset_day(text, TUESDAY) == onset
    if onset is not None:
        assert stated_onset(text, TUESDAY) == onset


@pytest.mark.parametrize(
    ("text", "day"),
    [
        (
            "internet was rubbish all weekend at Terrigal, couldn't even stream the grand final on "
            "Sunday arvo",
            (_at(5, 12), _at(5, 18)),
        ),
        ("星期天下午上不了网", (_at(5, 12), _at(5, 18))),
        ("no signal on Saturday", (_at(4), _at(5))),
        ("calls kept dropping this morning, it was the same on Tuesday", (_at(7), TUESDAY)),
        # yesterday, told the next morning, is the day lived (gen 29's fibre cut, over at 17:55)
        ("yesterday whole day network was not coming in our area", (_at(6), _at(7))),
        ("yesterday it was fine, today no signal", None),
        # the weekend alone is mostly a pattern noticed ("slow on weekends"), not this problem
        ("browsing very slow on weekend", None),
        ("Sundays are better, weekdays terrible", None),
        ("no signal since Monday", None),
        ("calls drop every evening", None),
    ],
)
def test_a_day_named_as_when_it_was_lived(text: str, day: tuple[datetime, datetime] | None) -> None:
    assert stated_day(text, TUESDAY, stated_hours(text)) == day


def test_the_named_day_is_the_time_of_the_problem() -> None:
    """Told on the Tuesday about Sunday afternoon: that afternoon, not the two quiet hours before
    the call (gen 28's long-weekend congestion was no fault); told on the day, since its start;
    today's hours not yet begun are last week's."""
    sunday = context(description="couldn't stream a thing on Sunday arvo", reported_at=TUESDAY)
    assert complaint_window(sunday.complaint, SETTINGS) == (_at(5, 12), _at(5, 18))
    today = context(description="no signal on Tuesday at all", reported_at=TUESDAY)
    assert complaint_window(today.complaint, SETTINGS) == (_at(7), TUESDAY)
    assert stated_onset("it started yesterday, still no signal", TUESDAY) == _at(6)
    not_yet = stated_day("slow every Tuesday afternoon", TUESDAY, (12, 18))
    assert not_yet == (_at(7, 12) - timedelta(days=7), _at(7, 18) - timedelta(days=7))


def test_a_day_before_the_clocks_changed_is_read_on_that_days_clock() -> None:
    """Told on Tuesday 7 Oct at 08:45 +11:00 in the Blue Mountains about Saturday afternoon: the
    clocks went forward early on Sunday, so Saturday's 12:00 was +10:00 (02:00Z), not 01:00Z."""
    told = context(description="no signal all Saturday arvo", reported_at=TUESDAY).complaint
    start, end = complaint_window(told, SETTINGS, (-33.71, 150.33))
    aest = timezone(timedelta(hours=10))
    assert (start, end) == (
        datetime(2025, 10, 4, 12, 0, tzinfo=aest),
        datetime(2025, 10, 4, 18, 0, tzinfo=aest),
    )
