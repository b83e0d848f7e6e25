"""A SQLite desk file as the light paths (``dutydesk.lightread``,
``dutydesk.lightwrite``, ``dutydesk.lightimport``) meet it without SQLAlchemy:
the file of a plain ``sqlite:///PATH`` URL, and a time as SQLAlchemy's
``UTCDateTime`` stores it there (so both paths write and compare the same text)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

from dutydesk.clock import as_utc


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (no query, no driver, no URI form); else None."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or "#" in url:
        return None
    name = unquote(url[len(prefix) :])
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).expanduser()


def sqlite_time(at: datetime) -> str:
    """A time as SQLAlchemy's ``UTCDateTime`` stores it on SQLite: naive UTC, microseconds."""
    return as_utc(at).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def stored_time(value: str) -> datetime:
    """A stored time as ``UTCDateTime`` reads it back: aware, in UTC."""
    return as_utc(datetime.fromisoformat(value))
