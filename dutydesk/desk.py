"""The desk: a thin facade over the service rooms (``dutydesk.service``).

Every change is validated, applied, journaled and committed in one transaction
(``dutydesk.service.uow.UnitOfWork._write``).  Reads are plain queries
(``dutydesk.service.queries``).  Callers pass plain values and get plain
dataclasses (``dutydesk.views``) back; nothing here imports Textual.

``at`` on an operation records an event that happened earlier (a late entry,
back-filled from paper): the journal keeps both the writing time and the event
time and marks the entry late.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from dutydesk.clock import Clock, SystemClock
from dutydesk.db import make_engine, upgrade
from dutydesk.models import STATUSES
from dutydesk.playbook import Playbooks, load_playbooks
from dutydesk.service.alarms import Alarms
from dutydesk.service.deadlines import Deadlines
from dutydesk.service.directory import Directory
from dutydesk.service.history import History
from dutydesk.service.incidents import Incidents, closing_warning_text
from dutydesk.service.integrity import Integrity
from dutydesk.service.orders import Orders
from dutydesk.service.queries import _LIVE, Queries
from dutydesk.service.shifts import Shifts
from dutydesk.service.transfer import Transfer
from dutydesk.service.uow import UnitOfWork


class Desk(Incidents, Orders, Deadlines, Alarms, Shifts, Transfer, Directory, Queries, History, Integrity, UnitOfWork):
    """One desk (one database).  Thread-safe for reads; writes serialise on the database."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None, playbooks: Playbooks | None = None, actor: str = "console") -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.playbooks = playbooks or load_playbooks()
        self.actor = actor
        self._journal_key: bytes | None = None  # this desk's journal key, once read

    @classmethod
    def open(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        actor: str = "console",
        playbook_override: Path | None = None,
        playbooks: Playbooks | None = None,
        create: bool = True,
    ) -> "Desk":
        """Open (upgrading as needed) the desk at ``url``.  With ``create`` a
        missing database is made (``init`` then makes it a desk); without, an
        address holding no desk raises ``NoDesk`` and changes nothing."""
        if not create:
            from dutydesk.db import probe_desk

            probe_desk(url)
        engine = make_engine(url)
        upgrade(engine)
        pb = playbooks or load_playbooks(playbook_override)
        return cls(engine, clock=clock, playbooks=pb, actor=actor)

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["Desk", "STATUSES", "_LIVE", "closing_warning_text"]
