"""The zone of a complaint's place: a UTC time moves to the place's clock, an offset is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from geo.zones import clock_at, local_time, zone_at


def test_the_zone_of_a_place() -> None:
    assert str(zone_at(3.14, 101.69)) == "Asia/Kuala_Lumpur"
    assert str(zone_at(-0.09, 34.77)) == "Africa/Nairobi"
    assert str(zone_at(39.47, -0.37)) == "Europe/Madrid"
    assert zone_at(95.0, 10.0) is None


def test_a_utc_time_is_read_on_the_clock_of_the_place() -> None:
    at = datetime(2025, 3, 7, 14, 54, tzinfo=UTC)
    assert local_time(at, (3.14, 101.69)).hour == 22
    # Valencia across the change to summer time: 01:00Z is 02:00 in March, 03:00 in April
    assert local_time(datetime(2025, 3, 29, 1, 0, tzinfo=UTC), (39.47, -0.37)).hour == 2
    assert local_time(datetime(2025, 3, 31, 1, 0, tzinfo=UTC), (39.47, -0.37)).hour == 3
    assert local_time(at, None) == at


def test_an_offset_the_customer_gave_is_kept() -> None:
    at = datetime(2025, 3, 7, 7, 38, tzinfo=timezone(timedelta(hours=3)))
    assert local_time(at, (3.14, 101.69)) is at


def test_times_before_a_daylight_saving_change_read_as_the_clock_showed() -> None:
    """Told at 08:45 +11:00 in the Blue Mountains, of works begun at 15:00Z on 4 Oct, the night
    the clocks went forward at 02:00: the works began at 01:00 there; +11:00 said 02:00, a time
    that never existed that night (gen 28)."""
    told = datetime(2025, 10, 7, 8, 45, tzinfo=timezone(timedelta(hours=11)))
    leura = (-33.71, 150.33)
    clock = clock_at(told, leura)
    began = datetime(2025, 10, 4, 15, 0, tzinfo=UTC).astimezone(clock)
    assert (began.hour, began.utcoffset()) == (1, timedelta(hours=10))
    # an offset that is not the place's own is the customer's clock, kept
    elsewhere = datetime(2025, 10, 7, 8, 45, tzinfo=timezone(timedelta(hours=3)))
    assert clock_at(elsewhere, leura) == timezone(timedelta(hours=3))
    assert str(clock_at(datetime(2025, 10, 6, 21, 45, tzinfo=UTC), leura)) == "Australia/Sydney"
