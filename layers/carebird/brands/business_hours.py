"""Business-hours arithmetic for SLA clocks: "15 business minutes after 16:55 on a Friday" is Monday 09:10.

A calendar is a time zone, opening hours per weekday and holidays. The always-open calendar makes
business time equal wall-clock time, which is what a 24/7 queue wants.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_SCAN_DAYS = 366 * 2  # a calendar open less than once in two years is a configuration error


class BusinessHours(BaseModel):
    """Opening hours, e.g. {"timezone": "Europe/Paris", "hours": {"mon": ["09:00", "18:00"], ...}}.

    A weekday that is absent is closed. With no `hours` at all the queue is open around the clock.
    "24:00" as an end time means midnight at the end of that day.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "UTC"
    hours: dict[str, tuple[str, str]] | None = None
    holidays: tuple[date, ...] = Field(default=())

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: dict[str, tuple[str, str]] | None) -> dict[str, tuple[str, str]] | None:
        if value is None:
            return None
        for day, (start, end) in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use one of {', '.join(WEEKDAYS)}")
            if _minutes(start) >= _minutes(end):
                raise ValueError(f"{day}: opening {start} must be before closing {end}")
        return value

    @model_validator(mode="after")
    def _open_sometime(self) -> BusinessHours:
        if self.hours is not None and not self.hours:
            raise ValueError("hours is empty: the queue would never be open (omit it for 24/7)")
        return self

    @property
    def always_open(self) -> bool:
        return self.hours is None and not self.holidays

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if day in self.holidays:
            return None
        zone = self._zone()
        if self.hours is None:
            start, end = "00:00", "24:00"
        else:
            span = self.hours.get(WEEKDAYS[day.weekday()])
            if span is None:
                return None
            start, end = span
        midnight = datetime.combine(day, time(0), zone)
        return midnight + timedelta(minutes=_minutes(start)), midnight + timedelta(minutes=_minutes(end))

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self._zone())
        window = self._window(local.date())
        return window is not None and window[0] <= local < window[1]

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment when `duration` of open time has passed since `start`."""
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        if self.always_open:
            return start + duration
        zone = self._zone()
        cursor = start.astimezone(zone)
        remaining = duration
        day = cursor.date()
        for _ in range(_MAX_SCAN_DAYS):
            window = self._window(day)
            if window is not None:
                opens, closes = window
                begin = max(cursor, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(start.tzinfo)
                    remaining -= available
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0), zone)
        raise ValueError("the calendar has no open time within two years")

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Open time elapsed from `start` to `end` (zero if end <= start)."""
        if end <= start:
            return timedelta(0)
        if self.always_open:
            return end - start
        zone = self._zone()
        total = timedelta(0)
        day = start.astimezone(zone).date()
        last = end.astimezone(zone).date()
        while day <= last:
            window = self._window(day)
            if window is not None:
                begin, finish = max(window[0], start), min(window[1], end)
                if begin < finish:
                    total += finish - begin
            day += timedelta(days=1)
        return total


def _minutes(hhmm: str) -> int:
    try:
        hours, minutes = hhmm.split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise ValueError(f"time {hhmm!r} must be HH:MM") from None
    if not 0 <= value <= 24 * 60 or not 0 <= int(minutes) < 60:
        raise ValueError(f"time {hhmm!r} is out of range")
    return value
