"""Times: stored in UTC, shown in the desk's local zone, parsed leniently."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone, tzinfo

from dutydesk.i18n import _

UTC = timezone.utc


def display_tz() -> tzinfo | None:
    """The zone named by ``DUTYDESK_TZ``; ``None`` means the system's own zone
    (also when the name is not a zone this machine knows)."""
    name = os.environ.get("DUTYDESK_TZ")
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


def fmt_local(at: datetime | None, *, seconds: bool = False, short: bool = False) -> str:
    if at is None:
        return "-"
    if short:
        return to_local(at).strftime("%m-%d %H:%M")
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


def parse_when(text: str, now: datetime) -> datetime:
    """Parse a time a user typed.

    Accepts ISO 8601 (``2026-11-22T10:00``, ``2026-11-22 10:00+08:00``, ``...Z``)
    and a bare ``HH:MM`` (today, in the display zone).  A time without an
    offset is local.  Returns an aware UTC datetime.
    """
    raw = text.strip()
    if not raw:
        raise BadTime(_("empty time"))
    try:
        if len(raw) <= 5 and ":" in raw:
            hh, mm = raw.split(":")
            today = to_local(now).replace(tzinfo=None)
            parsed = today.replace(hour=int(hh), minute=int(mm), second=0, microsecond=0)
        else:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadTime(
            _("'{text}' is not a time; use ISO 8601 like 2026-11-22T10:00 or HH:MM").format(text=text)
        ) from None
    if parsed.tzinfo is None:
        parsed = localize(parsed)
    return parsed.astimezone(UTC)


def fmt_duration(delta: timedelta) -> str:
    """``mm:ss`` under an hour, ``h:mm:ss`` above, ``+`` prefix when negative (overdue)."""
    total = int(delta.total_seconds())
    sign = "+" if total < 0 else ""
    total = abs(total)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    if h:
        return f"{sign}{h}:{m:02d}:{s:02d}"
    return f"{sign}{m:02d}:{s:02d}"
