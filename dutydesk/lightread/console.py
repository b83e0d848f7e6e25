"""The light path (issue 15) of the console: ``ConsoleDesk``, the first frame
read light while the full desk opens in a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from dutydesk.lightread.desk import LightDesk


class ConsoleDesk:
    """The console's desk while it starts (issue 15): the first frame's reads
    (the board, the shift, the desk's name, the journal head, the alarm inputs)
    come from the ``LightDesk``; the full ``Desk`` (SQLAlchemy, the models, the
    validated playbooks) is opened in a thread the first time anything else is
    asked (a write, a screen's own read, the actor check after the first
    frame), or on ``warm()``.  From then on everything goes to the full desk.
    A caller that needs the full desk before it is open waits for it."""

    LIGHT = frozenset({"list_incidents", "list_deadlines", "current_shift", "meta", "journal_head", "has_staff", "alarm_acks", "incident_titles"})

    def __init__(self, light: LightDesk, open_full: Callable[[], Any]) -> None:
        self._light = light
        self._open_full = open_full
        self._full: Any = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._actor = light.actor
        self.clock = light.clock

    def warm(self) -> None:
        """Start opening the full desk (once), in a thread."""
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._open, name="dutydesk-open-desk", daemon=True)
                self._thread.start()

    def _open(self) -> None:
        try:
            full = self._open_full()
            full.actor = self._actor
            self._full = full
        except BaseException as exc:  # given to every caller that waits for the full desk
            self._error = exc
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._error is None

    def full(self) -> Any:  # noqa: ANN401
        """The full desk, opening it if need be (and waiting for it)."""
        self.warm()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self._full

    @property
    def actor(self) -> str:
        return self._full.actor if self.ready else self._actor

    @actor.setter
    def actor(self, value: str) -> None:
        self._actor = value
        if self.ready:
            self._full.actor = value

    @property
    def playbooks(self) -> Any:  # noqa: ANN401
        return self._full.playbooks if self.ready else _StartingPlaybooks(self)

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        if name.startswith("__"):
            raise AttributeError(name)
        if name in ConsoleDesk.LIGHT and not self.ready:
            return getattr(self._light, name)
        return getattr(self.full(), name)

    def close(self) -> None:
        """Wait for an open under way, then close both."""
        if self._thread is not None:
            self._thread.join()
        self._light.close()
        if self._full is not None:
            self._full.close()


class _StartingPlaybooks:
    """The light playbooks' labels and colours until the full desk is open; anything else from the full desk's."""

    LIGHT = frozenset({"kind_short", "level_short", "level_colour"})

    def __init__(self, desk: ConsoleDesk) -> None:
        self._desk = desk

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        if name in _StartingPlaybooks.LIGHT and not self._desk.ready:
            return getattr(self._desk._light.playbooks, name)
        return getattr(self._desk.full().playbooks, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._desk.full().playbooks)
