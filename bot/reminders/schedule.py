"""Reading a time of day from what people type, and when "20:30 in their time zone" next comes.

    parse_time("remind me at 8pm every day")     -> "20:00"
    parse_time("8")                              -> None   (a bare number is a 0-10 rating, not a time)
    zones_for_country("US")                      -> ["America/New_York", "America/Detroit", ...]
    zone_choices("US")                           -> one zone per different clock: New York, Chicago, ...
    zone_label("America/New_York")               -> "New York"
    next_due("20:30", "Europe/London", now_utc)  -> the next UTC instant it is 20:30 in London

Time zones come from pytz (a Rasa dependency with its own zone data), not zoneinfo: people's
machines may lack the system tzdata that zoneinfo needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from datetime import timezone as dt_timezone

import pytz

WORD_TIMES = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}
MORNING = ("am", "in the morning")
NIGHT = ("at night", "tonight")  # "11 at night" is 23:00, "12 at night" midnight, "2 at night" 02:00
# The rest ("pm", "in the afternoon", "in the evening") are after noon.

_WORD_TIME = re.compile(r"\b(noon|midday|midnight)\b")
_PERIOD = r"(am|pm|in the morning|in the afternoon|in the evening|at night|tonight)"
_TWELVE_HOUR = re.compile(r"(?<![\d:.])(\d{1,2})(?:[:.](\d{2}))?\s*(?:o'?clock\s+)?" + _PERIOD + r"(?![a-z])")
_TWENTY_FOUR_HOUR = re.compile(r"(?<![\d:.])(\d{1,2})[:.h](\d{2})(?![.:]?\d)")

# Names for a clock shared by several zones of a country, where pytz lists a small place first
# ("Antarctica/Macquarie" before Sydney, "Australia/Broken_Hill" before Adelaide).
PREFERRED_ZONES = frozenset(
    {
        "Australia/Sydney",
        "Australia/Adelaide",
        "Australia/Brisbane",
        "Australia/Perth",
        "Australia/Darwin",
        "America/St_Johns",
        "America/Halifax",
        "America/Toronto",
        "America/Winnipeg",
        "America/Regina",
        "America/Edmonton",
        "America/Vancouver",
        "America/Sao_Paulo",
        "America/Manaus",
        "America/Mexico_City",
        "America/Tijuana",
        "America/Cancun",
    }
)

# Asked when the country is unknown: one zone per region, west to east.
COMMON_ZONES = (
    "America/Los_Angeles",
    "America/Chicago",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Australia/Sydney",
)


def _normalised(text: str) -> str:
    lowered = text.lower().replace("a.m.", "am").replace("p.m.", "pm")
    return re.sub(r"\s+", " ", lowered)


def _twelve_hour(hour: int, minute: int, period: str) -> tuple[int, int] | None:
    if not 1 <= hour <= 12:
        return None
    if period in MORNING:
        return hour % 12, minute
    if period in NIGHT:
        return (0 if hour == 12 else hour if hour < 5 else hour + 12), minute
    return (hour % 12) + 12, minute


def _as_text(hour: int, minute: int) -> str | None:
    if 0 <= hour <= 23 and 0 <= minute <= 59:
        return f"{hour:02d}:{minute:02d}"
    return None


def parse_time(text: str) -> str | None:
    """A time of day ("HH:MM", 24-hour) from what a person typed, or None.

    Needs am/pm, a part of the day ("7 in the evening"), minutes ("20:30", "20.30") or a word
    ("noon"): a bare number could be a 0-10 rating and is never read as a time.
    """
    cleaned = _normalised(text or "")
    word = _WORD_TIME.search(cleaned)
    if word:
        return WORD_TIMES[word.group(1)]
    twelve = _TWELVE_HOUR.search(cleaned)
    if twelve:
        parsed = _twelve_hour(int(twelve.group(1)), int(twelve.group(2) or 0), twelve.group(3))
        return _as_text(*parsed) if parsed else None
    twenty_four = _TWENTY_FOUR_HOUR.search(cleaned)
    if twenty_four:
        return _as_text(int(twenty_four.group(1)), int(twenty_four.group(2)))
    return None


def is_zone(name: str | None) -> bool:
    """A time zone pytz knows, e.g. "Europe/London"."""
    return bool(name) and name in pytz.all_timezones_set


def zones_for_country(country_code: str | None) -> list[str]:
    """Every zone of a country (ISO code such as "GB"); empty for unknown codes."""
    code = (country_code or "").strip().upper()
    return list(pytz.country_timezones.get(code, [])) if code else []


def _clock_of(zone: str, year: int) -> tuple[timedelta | None, ...]:
    """A zone's UTC offsets through one year: zones with the same offsets read the same time."""
    tz = pytz.timezone(zone)
    return tuple(tz.utcoffset(datetime(year, month, 15, 12)) for month in range(1, 13))


def distinct_zones(zones: Iterable[str], year: int | None = None) -> list[str]:
    """One zone per different clock, in the given order ("Europe/Berlin" and "Europe/Busingen" are one).

    Each clock is named by its first zone, or by a well-known city's zone (PREFERRED_ZONES) if it has one.
    """
    year = year or datetime.now(dt_timezone.utc).year
    kept: dict[tuple[timedelta | None, ...], str] = {}
    for zone in zones:
        clock = _clock_of(zone, year)
        if clock not in kept or (zone in PREFERRED_ZONES and kept[clock] not in PREFERRED_ZONES):
            kept[clock] = zone
    return list(kept.values())


def zone_choices(country_code: str | None, limit: int = 8) -> list[str]:
    """Zones to offer someone in this country, one per clock, at most `limit` (well-known ones kept
    first when there are more); the common zones of the world when the country is unknown."""
    zones = distinct_zones(zones_for_country(country_code))
    if not zones:
        return list(COMMON_ZONES[:limit])
    kept = sorted(zones, key=lambda zone: zone not in PREFERRED_ZONES)[:limit]
    return [zone for zone in zones if zone in kept]


def zone_label(zone: str) -> str:
    """A short name people recognise: "America/New_York" -> "New York", "Europe/London" -> "London"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt_timezone.utc)
    return moment.astimezone(dt_timezone.utc)


def _instant(day: date, local_time: str, tz: pytz.BaseTzInfo) -> datetime:
    """When it is local_time on that day in tz, as UTC. A time skipped by a spring-forward change
    moves forward by the gap (01:30 in London on that Sunday is 02:30 BST); a time that happens
    twice when the clocks go back is its first occurrence."""
    hour, minute = (int(part) for part in local_time.split(":"))
    naive = datetime.combine(day, clock_time(hour, minute))
    try:
        local = tz.localize(naive, is_dst=None)
    except pytz.AmbiguousTimeError:
        local = tz.localize(naive, is_dst=True)
    except pytz.NonExistentTimeError:
        local = tz.normalize(tz.localize(naive, is_dst=False))
    return local.astimezone(dt_timezone.utc)


def next_due(local_time: str, zone: str, now_utc: datetime) -> datetime:
    """The next moment (aware, UTC) strictly after now_utc when the clock in `zone` shows local_time."""
    tz = pytz.timezone(zone)
    now = _as_utc(now_utc)
    today = now.astimezone(tz).date()
    for days_ahead in range(3):
        due = _instant(today + timedelta(days=days_ahead), local_time, tz)
        if due > now:
            return due
    raise ValueError(f"no next time for {local_time} in {zone}")  # unreachable: tomorrow is always later
