"""The journal key, verification and shift seals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from dutydesk import config, journal, writerules
from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.models import DeskMeta, JournalEntry, JournalSeal
from dutydesk.service.uow import UnitOfWork
from dutydesk.vocab import Action


# This desk's journal key, or why it cannot be had (one copy: the light writer reads it so too).
_read_key = writerules.read_key


class Integrity(UnitOfWork):
    """The journal key of a desk and the checks of its journal."""

    # -- the journal key -----------------------------------------------------------
    def _key_for(self, s: Session) -> bytes | None:
        """The key that MACs the next entry: ``None`` on a desk never keyed
        (written by an older version); on a keyed desk without its key every
        write is refused (an unkeyed entry would break the chain)."""
        if self._journal_key is not None:
            return self._journal_key
        fingerprint = s.get(DeskMeta, "journal_key")
        if fingerprint is None:
            return None
        desk_id = s.get(DeskMeta, "desk_id")
        self._journal_key = writerules.write_key(desk_id.value if desk_id else None, fingerprint.value)
        return self._journal_key

    def key_state(self, s: Session | None = None) -> journal.KeyState:
        """What can be said of this desk's key, for ``verify`` and ``doctor``."""
        if s is None:
            with self._read() as s2:
                return self.key_state(s2)
        desk_id = s.get(DeskMeta, "desk_id")
        if desk_id is None:
            return journal.KeyState(note=_("this database is not a desk yet"))
        fingerprint = s.get(DeskMeta, "journal_key")
        path = config.journal_key_path(desk_id.value)
        if fingerprint is not None:
            key, problem = _read_key(desk_id.value, fingerprint.value)
            if problem:
                return journal.KeyState(
                    keyed_desk=True,
                    problem=_("the MACs cannot be checked: {problem} (a copy without its key checks the plain chain only)").format(problem=problem),
                )
            return journal.KeyState(key=key, keyed_desk=True)
        has_macs = s.scalar(select(col(JournalEntry.seq)).where(col(JournalEntry.mac).is_not(None)).limit(1)) is not None
        try:
            key = config.read_journal_key(desk_id.value)
        except (OSError, ValueError):
            key = None
        if has_macs:
            return journal.KeyState(key=key, problem=_("entries carry MACs, but the desk's record of its key was removed"))
        if key is not None:
            return journal.KeyState(
                problem=_("a journal key for this desk is at {path}, but no entry carries a MAC: the journal was rewritten without it").format(
                    path=path
                )
            )
        return journal.KeyState(note=_("this desk has no journal key yet: its entries verify by the plain chain only (`dutydesk init` makes one)"))

    def key_journal(self) -> dict[str, Any]:
        """Key the journal of a desk made by an older version: make its key
        file and write the first keyed entry.  A desk already keyed is left
        as it is.  Returns ``{"keyed": newly keyed, "path": the key file}``."""

        def op(s: Session, now: datetime) -> dict[str, Any]:
            desk_id = s.get(DeskMeta, "desk_id")
            if desk_id is None:
                raise Refused("desk", _("this database is not a desk yet; run `dutydesk init`"))
            path = config.journal_key_path(desk_id.value)
            if s.get(DeskMeta, "journal_key") is not None:
                return {"keyed": False, "path": str(path)}
            key = config.create_journal_key(desk_id.value)
            s.add(DeskMeta(key="journal_key", value=journal.key_fingerprint(key)))
            s.flush()
            self._journal(s, now, Action.JOURNAL_KEY, "desk", desk_id.value, {"fingerprint": journal.key_fingerprint(key)})
            return {"keyed": True, "path": str(path)}

        return self._write(op)

    def verify_journal(self, *, reconcile: bool = True) -> journal.Verdict:
        """The journal's chain and MACs, the seals, and (``reconcile``) the
        tables against what the journal says: the first problem is named."""
        with self._read() as s:
            key_state = self.key_state(s)
            desk_id = s.get(DeskMeta, "desk_id")
            seals, seal_file, seal_problem = [], "", None
            if desk_id is not None:
                seal_file = str(config.seal_file_path(desk_id.value))
                try:
                    seals = config.read_seals(desk_id.value)
                except ValueError as exc:
                    seal_problem = _("{where}: not a seal (the seal file was edited)").format(where=exc)
                except OSError as exc:
                    seal_problem = _("cannot read the seal file {path}: {error}").format(path=seal_file, error=exc.strerror)
            return journal.verify(s, key_state=key_state, file_seals=seals, seal_file=seal_file, seal_file_problem=seal_problem, reconcile=reconcile)

    def shift_seal(self, shift_id: int) -> tuple[int, str] | None:
        """The seal a shift's end put on the journal: (entry seq, MAC)."""
        with self._read() as s:
            row = s.scalar(select(JournalSeal).where(col(JournalSeal.shift_id) == shift_id).order_by(col(JournalSeal.id)))
            return (row.seq, row.mac) if row else None
