"""The console's messages: what the app tells its screens, and what a desk call
or a loading worker reports back.  Screens handle them with ``@on(Tick)`` or
``def on_tick(self, message)`` instead of the app reaching into them.

* ``Tick(now)``: every second, to every screen on the stack (countdowns from
  memory; no query).
* ``DeskChanged()``: the desk changed (here, in another console or from the
  CLI): to every screen on the stack; reload what you show.
* ``DeskDone(tag, result)`` / ``DeskRefused(tag, error)``: the outcome of
  ``app.desk_call(screen, fn, tag=...)``, to that screen; branch on ``tag``.
  The app has already shown the refusal notice; a conflict (someone changed
  the record first) is a ``DeskRefused`` with ``conflict=True``.
* ``AlarmsChanged(alarms)``: the alarm list changed (``dutydesk.alarms.Alarm``).
* ``HealthChanged(ok, problem)``: the desk became unreachable (or the alert
  scheduler stopped), or works again.

None of them bubbles: each is meant for the screen it is posted to.
Workers may ``post_message`` from their thread (it is thread-safe).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from textual.message import Message

from dutydesk.errors import DeskError


@dataclass
class Tick(Message, bubble=False):
    """A second passed: repaint countdowns for ``now`` (the desk's clock)."""

    now: datetime


@dataclass
class DeskChanged(Message, bubble=False):
    """Something changed on the desk: reload what the screen shows."""


@dataclass
class DeskDone(Message, bubble=False):
    """``app.desk_call(screen, fn, tag)`` succeeded: ``result`` is what ``fn`` returned."""

    tag: str
    result: Any = None


@dataclass
class DeskRefused(Message, bubble=False):
    """``app.desk_call(screen, fn, tag)`` was refused (the notice is already shown)."""

    tag: str
    error: DeskError
    conflict: bool = False


@dataclass
class AlarmsChanged(Message, bubble=False):
    """The alarm list now: ``dutydesk.alarms.Alarm`` items, most urgent first."""

    alarms: list[Any] = field(default_factory=list)


@dataclass
class HealthChanged(Message, bubble=False):
    """``ok`` False: the desk cannot be read or the alerts stopped; ``problem`` says so."""

    ok: bool
    problem: str = ""


@dataclass
class Loaded(Message, bubble=False):
    """A screen's own loading worker finished: ``what`` names the load, ``data`` its result.
    A screen may define its own Message dataclasses here instead."""

    what: str
    data: Any = None


@dataclass
class LoadFailed(Message, bubble=False):
    """A screen's own loading worker failed: ``problem`` is one line for the user."""

    what: str
    problem: str
