"""The write path's rules that need no database driver, one copy each: the
bounded retry on a busy desk, the event-time rule, who may act, the
incident's optimistic version, what a change touches on the incident, and a
note's event and payload.  ``dutydesk.service.uow`` (SQLAlchemy) and the
light writer ``dutydesk.lightwrite`` (sqlite3) both call these; each keeps
only its statements.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from dutydesk import config
from dutydesk import text as txt
from dutydesk.chain import key_fingerprint
from dutydesk.clock import as_utc
from dutydesk.errors import Conflict, DeskBusy, NotFound, Refused
from dutydesk.i18n import _
from dutydesk.timefmt import fmt_local
from dutydesk.vocab import IncidentStatus, NotePayload

T = TypeVar("T")

# A late entry may not be dated in the future; allow for clocks a little apart.
FUTURE_TOLERANCE = timedelta(minutes=1)
WRITE_ATTEMPTS = 4
FIRST_BACK_OFF = 0.05  # seconds, times four after each busy attempt
BUSY_TIMEOUT_MS = 10_000  # SQLite's own wait for the write lock, inside each attempt
ACTORS_SHOWN = 10  # a refused actor is told this many call signs: a desk may have thousands


def locked_message(message: str) -> bool:
    """A driver's message saying another writer holds the database."""
    message = message.lower()
    return "locked" in message or "busy" in message


def retrying(attempt: Callable[[], T], *, locked: Callable[[BaseException], bool], sleep: Callable[[float], None] | None = None) -> T:
    """Run ``attempt`` (one whole write transaction) up to ``WRITE_ATTEMPTS``
    times while ``locked`` says another writer held the desk, backing off
    (``sleep``, default ``time.sleep``) longer each time; then refuse, nothing written."""
    delay = FIRST_BACK_OFF
    for n in range(WRITE_ATTEMPTS):
        try:
            return attempt()
        except Exception as exc:
            if not locked(exc):
                raise
            if n == WRITE_ATTEMPTS - 1:
                raise DeskBusy("db", _("the desk database stayed locked; nothing was written, try again")) from None
        (sleep or time.sleep)(delay)
        delay *= 4
    raise AssertionError("unreachable")


def event_time(at: datetime | None, now: datetime, *, not_before: datetime | None = None, what: str = "", field: str = "at") -> datetime:
    """When the event happened: ``now``, or ``at`` for a late entry (not in the
    future, not before ``not_before``)."""
    if at is None:
        event = now
    else:
        event = as_utc(at)
        if event > now + FUTURE_TOLERANCE:
            raise Refused(field, _("{at} is in the future").format(at=fmt_local(event)))
    if not_before is not None and event < not_before:
        raise Refused(
            field,
            _("{at} is before {what} ({before})").format(at=fmt_local(event), what=what or _("the previous event"), before=fmt_local(not_before)),
        )
    return event


class StaffLookup(Protocol):
    """The three questions ``refuse_unknown_actor`` asks of a desk's staff."""

    def standing(self, callsign: str) -> tuple[bool, bool]:
        """(the desk has any staff, ``callsign`` is an active member)."""
        ...

    def active_callsigns(self, limit: int) -> list[str]:
        """The first ``limit`` active call signs, in order."""
        ...

    def active_count(self) -> int: ...


def refuse_unknown_actor(staff: StaffLookup, actor: str) -> None:
    """Once the desk has staff, only an active member of staff acts on it
    (before that, anyone may set it up: init, units, staff)."""
    who = txt.identifier(actor, "actor")
    has_staff, member = staff.standing(who)
    if has_staff and not member:
        shown = staff.active_callsigns(ACTORS_SHOWN)
        known = ", ".join(shown) or _("none active")
        if len(shown) == ACTORS_SHOWN:
            more = staff.active_count() - ACTORS_SHOWN
            if more:
                known += " " + _("… and {n} more").format(n=more)
        raise Refused("actor", _("'{actor}' is not a member of staff on this desk; known call signs: {known}").format(actor=who, known=known))


def check_incident(incident_id: int, version: int | None, status: str, *, live: bool = True, expected_version: int | None = None) -> None:
    """The incident a change is about: there (``version`` None: no such
    row), at the version the caller read (``expected_version``), and live
    unless the change may be made to a closed one."""
    if version is None:
        raise NotFound("incident", _("no incident {id}").format(id=incident_id))
    if expected_version is not None and version != expected_version:
        raise Conflict(
            "incident",
            _("incident {id} was changed by someone else (version {now}, you had {had}); reload and try again").format(
                id=incident_id, now=version, had=expected_version
            ),
        )
    if live and status == IncidentStatus.CLOSED:
        raise Refused("incident", _("incident {id} is closed").format(id=incident_id))


def touched_version(version: int) -> int:
    """A change to an incident moves its version on (``--expect-version``): all that touching it changes."""
    return version + 1


def note_event(at: datetime | None, now: datetime, reported_at: datetime) -> datetime:
    """A note's event time: not in the future, not before the incident was reported."""
    return event_time(at, now, not_before=reported_at, what=_("the report time"))


def note_payload(note_id: int, text: str) -> NotePayload:
    return NotePayload({"note": note_id, "text": text})


def read_key(desk_id: str, fingerprint: str) -> tuple[bytes | None, str | None]:
    """This desk's journal key, or why it cannot be had (in plain words)."""
    path = config.journal_key_path(desk_id)
    try:
        key = config.read_journal_key(desk_id)
    except ValueError:
        return None, _("{path} is not a journal key (damaged or replaced)").format(path=path)
    except OSError as exc:
        return None, _("cannot read the journal key {path}: {error}").format(path=path, error=exc.strerror)
    if key is None:
        return None, _("this desk's journal key is missing: expected at {path} (restore it from its backup)").format(path=path)
    if key_fingerprint(key) != fingerprint:
        return None, _("the key at {path} is not this desk's journal key").format(path=path)
    return key, None


def write_key(desk_id: str | None, fingerprint: str | None) -> bytes | None:
    """The key that MACs the next entry, from the desk's meta: ``None`` on a
    desk never keyed (written by an older version); on a keyed desk without
    its key every write is refused (an unkeyed entry would break the chain)."""
    if fingerprint is None:
        return None
    key, problem = read_key(desk_id or "", fingerprint)
    if problem:
        raise Refused("key", problem + "; " + _("nothing was written"))
    return key
