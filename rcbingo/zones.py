"""Times on a unit's own clocks. Every time is stored in UTC; every time shown or typed is in the unit's zone.

Plain functions, no Flask: templates reach them through the `in_zone` filter (rcbingo/__init__.py) and the
`when` macro (templates/_macros.html), views and services call them directly.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    """The zone of that name; UTC for a name this system does not know (never an error on a page)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(moment: datetime, name: str | None) -> datetime:
    """A stored instant as the unit's clocks showed it."""
    try:
        return moment.astimezone(zone(name))
    except OverflowError:  # within hours of the end of year 9999
        return moment


def to_utc(wall_time: datetime, name: str | None) -> datetime:
    """A date and time as read on the unit's clocks (typed without a zone) as the instant it names, in UTC.

    In the hour clocks are put back, the earlier of the two instants; in the hour they skip, the time after it.
    """
    try:
        return wall_time.replace(tzinfo=zone(name), fold=0).astimezone(UTC)
    except OverflowError:  # the first or last hours of year 1 or 9999
        return wall_time.replace(tzinfo=UTC)


def iso(moment: datetime, name: str | None) -> str:
    """ISO 8601 with the unit's offset (2026-03-04T23:30:00-06:00): what exports write."""
    return local(moment, name).isoformat(timespec="seconds")


def day_start(day: date, name: str | None) -> datetime:
    """Midnight at the start of `day` on the unit's clocks, in UTC."""
    return to_utc(datetime.combine(day, time()), name)


def days(first: date | None, last: date | None, name: str | None) -> tuple[datetime | None, datetime | None]:
    """The instants (UTC) from the start of `first` to the end of `last`, both days included, on the unit's
    clocks; None for an open end."""
    start = day_start(first, name) if first else None
    end = day_start(last + timedelta(days=1), name) if last and last < date.max else None
    return start, end


def today(now: datetime, name: str | None) -> date:
    """The date on the unit's clocks at the instant `now`."""
    return local(now, name).date()
