"""What the shift screen asks before a change (a mixin of ``ShiftScreen``): each
builder reads the form, refuses in words (None) or gives the confirmation to push
and what to do with its answer.  Start, hand over and end name whose shift starts
and whose ends; Esc with something typed asks before discarding it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen
from textual.widgets import Input

from dutydesk.i18n import _
from dutydesk.timefmt import fmt_local

Question = tuple[Screen, Callable[[bool | None], None]] | None


class ShiftQuestions:
    """The confirmations of :class:`ShiftScreen` (it reads the screen's form and data)."""

    data: tuple | None
    last_shift: Any
    sending_to: str | None

    def _start(self) -> tuple[Screen, Callable[[bool | None], None]] | None:
        """Ctrl+S asks as Ctrl+O and Ctrl+E do, naming who starts and whose shift ended last."""
        from dutydesk.screens.dialogs import ConfirmDialog

        who = self.query_one("#commander", Input).value.strip()
        if not who:
            self._refuse(_("Duty commander: enter a call sign"))
            return None
        running = self._shift_running()
        if running is not None:
            self._refuse(_("Shift {id} ({who}) is running: hand it over (Ctrl+O) or end it (Ctrl+E)").format(id=running.id, who=running.commander))
            return None
        lines = [_("Duty commander from now: {who}").format(who=who)]
        last = self.last_shift
        if last is not None and last.ended_at is not None:
            lines.append(_("Last shift: {id}, {who}, ended {at}").format(id=last.id, who=last.commander, at=fmt_local(last.ended_at)))
        elif last is None and self.data is not None:  # read (it comes before the rest), and none
            lines.append(_("The first shift on this desk"))

        def then(yes: bool | None) -> None:
            if yes:
                self._send(lambda: self.app.desk.start_shift(who), "start")

        return ConfirmDialog(_("Start a shift for {who}?").format(who=who), lines, ok=_("Start shift"), cancel=_("Cancel")), then

    def _shift_running(self):  # noqa: ANN202
        return self.data[0] if self.data is not None else None

    def _handover(self) -> tuple[Screen, Callable[[bool | None], None]] | None:
        from dutydesk.screens.dialogs import ConfirmDialog

        who = self.query_one("#commander", Input).value.strip()
        note = self.query_one("#note", Input).value.strip()
        if not who:
            self._refuse(_("Hand over: enter the call sign of the next commander"))
            return None
        if not note:
            self._refuse(_("Hand over: the handover note must not be empty"))
            return None
        shift = self._shift_running()
        title = _("Hand over shift {id} to {who}?").format(id=shift.id, who=who) if shift is not None else _("Hand over to {who}?").format(who=who)
        lines = [_("Handover note: {note}").format(note=note)]

        def then(yes: bool | None) -> None:
            if yes:
                self.sending_to = who
                self._send(lambda: self.app.desk.end_shift(note, handover_to=who), "handover")

        return ConfirmDialog(title, lines, ok=_("Hand over"), cancel=_("Cancel")), then

    def _end(self) -> tuple[Screen, Callable[[bool | None], None]] | None:
        from dutydesk.screens.dialogs import ConfirmDialog

        note = self.query_one("#note", Input).value.strip()
        shift = self._shift_running()
        title = _("End shift {id}?").format(id=shift.id) if shift is not None else _("End the running shift?")
        lines = [_("Duty commander: {who}").format(who=shift.commander)] if shift is not None else []
        lines.append(_("No one takes over until a shift is started."))
        if note:
            lines.append(_("Handover note: {note}").format(note=note))

        def then(yes: bool | None) -> None:
            if yes:
                self._send(lambda: self.app.desk.end_shift(note or None), "end")

        return ConfirmDialog(title, lines, ok=_("End shift"), cancel=_("Cancel")), then

    def _back(self) -> tuple[Screen, Callable[[bool | None], None]] | None:
        from dutydesk.screens.dialogs import ConfirmDialog

        if not any(w.value.strip() for w in self.query(Input)):
            self.app.pop_screen()
            return None

        def then(discard: bool | None) -> None:
            if discard:
                self.app.pop_screen()

        return ConfirmDialog(_("Discard what you typed?"), [], ok=_("Discard"), cancel=_("Keep typing")), then
