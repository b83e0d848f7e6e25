"""Times: stored in UTC, shown in the desk's local zone, parsed leniently."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone, tzinfo

from dutydesk.config import display_zone_name
from dutydesk.i18n import _, current_language, ngettext

UTC = timezone.utc


def display_tz() -> tzinfo | None:
    """The zone named by ``DUTYDESK_TZ``; ``None`` means the system's own zone
    (also when the name is not a zone this machine knows)."""
    name = display_zone_name()
    if not name:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def to_local(at: datetime) -> datetime:
    """``at`` in the display zone, with the offset in force at that instant
    (summer time included: the system zone is asked per instant, not once)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(display_tz())


def localize(wall: datetime) -> datetime:
    """A naive wall-clock time in the display zone, made aware."""
    tz = display_tz()
    return wall.replace(tzinfo=tz) if tz is not None else wall.astimezone()


def _chinese() -> bool:
    return current_language().startswith("zh")


def fmt_local(at: datetime | None, *, seconds: bool = False, short: bool = False) -> str:
    """A time in the desk's zone: ``2026-11-23 14:05`` (``:ss`` with ``seconds``);
    ``short`` is month, day and time for the reader (``11-23 14:05``, ``11月23日 14:05``)."""
    if at is None:
        return "-"
    if short:
        local = to_local(at)
        if _chinese():  # numbers from the clock, not strftime's locale (the C locale in a service)
            return f"{local.month:02d}月{local.day:02d}日 {local:%H:%M}"
        return local.strftime("%m-%d %H:%M")
    return to_local(at).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def iso(at: datetime | None) -> str | None:
    """ISO 8601 with the UTC offset, for JSON."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat()


class BadTime(ValueError):
    pass


# A bare HH:MM up to this far ahead of the clock is still today (clocks a little
# apart); further ahead it is yesterday's.
HH_MM_SKEW = timedelta(minutes=1)
# The times a desk records or reports on: nothing before 2000, nothing past 2100
# (whether a time may lie ahead of the clock is the desk's rule, per field).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _local_wall(wall: datetime) -> datetime:
    """``wall`` (naive, the display zone) made aware; refused when the clocks
    skipped it (the hour lost when summer time starts)."""
    aware = localize(wall)
    back = aware.astimezone(UTC).astimezone(display_tz()).replace(tzinfo=None)
    if back != wall:
        raise BadTime(
            _("{wall} does not exist in this time zone (the clocks skipped it); give the time with its UTC offset").format(
                wall=wall.strftime("%Y-%m-%d %H:%M")
            )
        )
    return aware


def parse_when(text: str, now: datetime) -> datetime:
    """Parse a time a user typed.

    Accepts ISO 8601 (``2026-11-22T10:00``, ``2026-11-22 10:00+08:00``, ``...Z``)
    and a bare ``HH:MM`` in the display zone: its most recent past occurrence
    (23:50 typed at 00:10 is yesterday's 23:50, back-filled after midnight).
    A time without an offset is local.  Returns an aware UTC datetime.
    """
    raw = text.strip()
    if not raw:
        raise BadTime(_("empty time"))
    try:
        if len(raw) <= 5 and ":" in raw:
            hh, mm = raw.split(":")
            today = to_local(now).replace(tzinfo=None)
            wall = today.replace(hour=int(hh), minute=int(mm), second=0, microsecond=0)
            parsed = _local_wall(wall)
            if parsed > (now if now.tzinfo else now.replace(tzinfo=UTC)) + HH_MM_SKEW:
                parsed = _local_wall(wall - timedelta(days=1))
        else:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except BadTime:
        raise
    except ValueError:
        raise BadTime(_("'{text}' is not a time; use ISO 8601 like 2026-11-22T10:00 or HH:MM").format(text=text)) from None
    # Bounds first, on the wall clock: converting year 1 or 9999 between zones overflows.
    if not EARLIEST.year <= parsed.year < LATEST.year:
        raise BadTime(_("{text}: a time from {earliest} to {latest}").format(text=raw, earliest=EARLIEST.year, latest=LATEST.year - 1))
    if parsed.tzinfo is None:
        parsed = _local_wall(parsed)
    return parsed.astimezone(UTC)


def fmt_ago(delta: timedelta) -> str:
    """How far back, in words: ``2 days 3 hours``, ``1 day``, ``5 hours 20 minutes``
    (in Chinese without spaces: ``1小时20分钟``)."""
    minutes = int(abs(delta).total_seconds()) // 60
    days, rem = divmod(minutes, 24 * 60)
    hours, mins = divmod(rem, 60)
    parts = []
    if days:
        parts.append(ngettext("{n} day", "{n} days", days).format(n=days))
    if hours:
        parts.append(ngettext("{n} hour", "{n} hours", hours).format(n=hours))
    if not days and (mins or not parts):
        parts.append(ngettext("{n} minute", "{n} minutes", mins).format(n=mins))
    return ("" if _chinese() else " ").join(parts)


def span_words(seconds: timedelta | float) -> str:
    """A span (a latency, a margin) in words, as the reports say it: ``45 s``,
    ``23 min 53 s``, ``2 h 5 min``, ``1 d 3 h`` (never ``1433 s``)."""
    total = int(round(seconds.total_seconds() if isinstance(seconds, timedelta) else seconds))
    d, rem = divmod(abs(total), 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    if d:
        return _("{d} d {h} h").format(d=d, h=h) if h else _("{d} d").format(d=d)
    if h:
        return _("{h} h {m} min").format(h=h, m=m) if m else _("{h} h").format(h=h)
    if m:
        return _("{m} min {s} s").format(m=m, s=s) if s else _("{m} min").format(m=m)
    return _("{s} s").format(s=s)


def whole_seconds(delta: timedelta | float) -> int:
    """A margin in whole seconds, rounded the one way every screen and report
    rounds: down.  Time left or to spare (positive) is never overstated
    (9.6 s spare is 9 s) and time late (negative) never understated: 9.6 s
    late is 10 s late, and 0.4 s late is 1 s late, never on time."""
    seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
    return math.floor(seconds)


def fmt_late(late: timedelta) -> str:
    """How late (a positive time past due) as ``mm:ss``/``h:mm:ss``, rounded up
    as :func:`whole_seconds` rounds a miss: 9.6 s late is ``00:10``, never ``00:09``."""
    return fmt_duration(-late).lstrip("+")


def fmt_duration(delta: timedelta) -> str:
    """``mm:ss`` under an hour, ``h:mm:ss`` above, ``+`` prefix when negative
    (overdue, late), in :func:`whole_seconds`."""
    total = whole_seconds(delta)
    sign = "+" if total < 0 else ""
    total = abs(total)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    if h:
        return f"{sign}{h}:{m:02d}:{s:02d}"
    return f"{sign}{m:02d}:{s:02d}"


def local_day_bounds(text: str) -> tuple[datetime, datetime] | None:
    """``2026-11-20`` -> the UTC bounds of that day in the display zone (23 or 25
    hours on a clock-change day); ``None`` if the text is not a date."""
    from datetime import date
    from datetime import time as dtime

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    start = localize(datetime.combine(day, dtime(0)))
    end = localize(datetime.combine(day + timedelta(days=1), dtime(0)))
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def month_periods(now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """``this`` month so far and ``last`` month, in the desk's zone (UTC bounds):
    the KPI report's periods, in the console and the CLI alike."""
    from datetime import date

    local = to_local(now)
    first = localize(datetime(local.year, local.month, 1)).astimezone(UTC)
    before = date(local.year, local.month, 1) - timedelta(days=1)
    previous = localize(datetime(before.year, before.month, 1)).astimezone(UTC)
    return {"this": (first, now), "last": (previous, first)}


def countdown_words(left: timedelta, *, soon: bool, due_grace: timedelta) -> str:
    """The one countdown wording of the console and the CLI (a running countdown
    never reads like a clock time): ``in 17:42``; ``soon 02:00`` within the
    warning lead; ``DUE +00:10`` for ``due_grace`` past due, then ``OVERDUE
    12:03`` (how late, rounded up: a miss is never shown smaller)."""
    stage = countdown_stage(left, soon=soon, due_grace=due_grace)
    if stage == "due":
        return _("DUE +{late}").format(late=fmt_late(-left))
    if stage == "overdue":
        return _("OVERDUE {late}").format(late=fmt_late(-left))
    if stage == "soon":
        return _("soon {left}").format(left=fmt_duration(left))
    return _("in {left}").format(left=fmt_duration(left))


def countdown_stage(left: timedelta, *, soon: bool, due_grace: timedelta) -> str:
    """The stage :func:`countdown_words` words: ``in``, ``soon``, ``due`` (for
    ``due_grace`` past due) or ``overdue``; a state column beside a countdown says
    the same (the incident screen said OVERDUE beside ``DUE +00:10``)."""
    if left <= timedelta(0):
        return "due" if -left < due_grace else "overdue"
    return "soon" if soon else "in"
