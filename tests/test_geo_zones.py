"""The zone of a complaint's place: a UTC time moves to the place's clock, an offset is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from geo.zones import local_time, zone_at


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
