"""Reading times people type, time zones of a country, and the next due time across DST changes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.reminders.schedule import (
    COMMON_ZONES,
    distinct_zones,
    is_zone,
    next_due,
    parse_time,
    zone_choices,
    zone_label,
    zones_for_country,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8pm", "20:00"),
        ("8 pm", "20:00"),
        ("8 p.m.", "20:00"),
        ("8:30pm", "20:30"),
        ("8.30 am", "08:30"),
        ("08:30", "08:30"),
        ("8:30", "08:30"),
        ("20:30", "20:30"),
        ("20.30", "20:30"),
        ("at 7 in the evening", "19:00"),
        ("7 in the morning", "07:00"),
        ("3 in the afternoon", "15:00"),
        ("8 o'clock in the evening", "20:00"),
        ("11 at night", "23:00"),
        ("noon", "12:00"),
        ("Midday please", "12:00"),
        ("midnight", "00:00"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("9am please", "09:00"),
        ("9AM", "09:00"),
        ("remind me at 8pm every day", "20:00"),
        ("can you check in with me at 21:15 each evening?", "21:15"),
    ],
)
def test_times_people_type_are_read_as_24_hour_times(typed: str, expected: str) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "8",  # a 0-10 rating, not a time
        "10",
        "at 8",  # morning or evening? Steady asks
        "8 o'clock",
        "7.5",
        "25:00",
        "20:60",
        "13pm",
        "0am",
        "2025.10.12",
        "8 amazing things",
        "this afternoon",
        "nonsense",
        "",
    ],
)
def test_bare_numbers_impossible_times_and_nonsense_are_not_times(typed: str) -> None:
    assert parse_time(typed) is None


def test_next_due_is_the_same_local_time_in_winter_and_summer_in_london() -> None:
    assert next_due("20:30", "Europe/London", utc(2026, 1, 10, 12)) == utc(2026, 1, 10, 20, 30)  # GMT
    assert next_due("20:30", "Europe/London", utc(2026, 7, 10, 12)) == utc(2026, 7, 10, 19, 30)  # BST


def test_next_due_follows_the_clocks_forward_and_back_in_london() -> None:
    # Saturday's was sent at 20:30 GMT; Sunday 29 March 2026 is already BST.
    assert next_due("20:30", "Europe/London", utc(2026, 3, 28, 20, 31)) == utc(2026, 3, 29, 19, 30)
    # Saturday's was sent at 20:30 BST; Sunday 25 October 2026 is GMT again.
    assert next_due("20:30", "Europe/London", utc(2026, 10, 24, 19, 31)) == utc(2026, 10, 25, 20, 30)


def test_a_time_skipped_when_the_clocks_go_forward_moves_forward_instead_of_failing() -> None:
    # 01:30 does not exist in London on 29 March 2026 (01:00 GMT becomes 02:00 BST): 02:30 BST.
    assert next_due("01:30", "Europe/London", utc(2026, 3, 29, 0, 0)) == utc(2026, 3, 29, 1, 30)
    assert next_due("01:30", "Europe/London", utc(2026, 3, 29, 1, 31)) == utc(2026, 3, 30, 0, 30)


def test_a_time_that_happens_twice_when_the_clocks_go_back_is_due_once() -> None:
    # 01:30 happens at 00:30 UTC (BST) and again at 01:30 UTC (GMT) on 25 October 2026.
    assert next_due("01:30", "Europe/London", utc(2026, 10, 25, 0, 0)) == utc(2026, 10, 25, 0, 30)
    assert next_due("01:30", "Europe/London", utc(2026, 10, 25, 0, 31)) == utc(2026, 10, 26, 1, 30)


def test_next_due_is_strictly_after_now() -> None:
    assert next_due("20:30", "Europe/London", utc(2026, 1, 10, 20, 30)) == utc(2026, 1, 11, 20, 30)


def test_half_hour_offsets() -> None:
    assert next_due("09:00", "Asia/Kolkata", utc(2026, 6, 1, 0, 0)) == utc(2026, 6, 1, 3, 30)  # +05:30
    assert next_due("09:00", "Asia/Kolkata", utc(2026, 6, 1, 3, 30)) == utc(2026, 6, 2, 3, 30)
    # Adelaide leaves daylight saving (+10:30 -> +09:30) on Sunday 5 April 2026.
    assert next_due("20:00", "Australia/Adelaide", utc(2026, 4, 4, 0, 0)) == utc(2026, 4, 4, 9, 30)
    assert next_due("20:00", "Australia/Adelaide", utc(2026, 4, 4, 9, 31)) == utc(2026, 4, 5, 10, 30)
    assert next_due("08:00", "America/St_Johns", utc(2026, 1, 15, 0, 0)) == utc(2026, 1, 15, 11, 30)  # -03:30


def test_a_naive_now_is_taken_as_utc() -> None:
    assert next_due("20:30", "Europe/London", datetime(2026, 1, 10, 12)) == utc(2026, 1, 10, 20, 30)


def test_zones_of_a_country_and_their_labels() -> None:
    assert zones_for_country("GB") == ["Europe/London"]
    assert zones_for_country("gb") == ["Europe/London"]
    assert zones_for_country("XX") == [] and zones_for_country(None) == []
    assert zone_label("America/New_York") == "New York"
    assert zone_label("Europe/London") == "London"
    assert zone_label("America/Argentina/Buenos_Aires") == "Buenos Aires"
    assert is_zone("Europe/London") and not is_zone("Mars/Olympus") and not is_zone(None)


def test_zones_with_the_same_clock_count_once() -> None:
    assert zones_for_country("DE") == ["Europe/Berlin", "Europe/Busingen"]
    assert distinct_zones(zones_for_country("DE"), year=2026) == ["Europe/Berlin"]


def test_zone_choices_are_one_per_clock_at_most_eight_with_well_known_names() -> None:
    us = [zone_label(zone) for zone in zone_choices("US")]
    assert us[:5] == ["New York", "Chicago", "Denver", "Phoenix", "Los Angeles"] and len(us) == 8
    assert "Sydney" in [zone_label(zone) for zone in zone_choices("AU")]
    canada = zone_choices("CA")
    assert len(canada) == 8 and {"America/Toronto", "America/Vancouver"} <= set(canada)
    assert zone_choices(None) == list(COMMON_ZONES) == zone_choices("XX")
    assert zone_choices("GB") == ["Europe/London"]
