"""Who acts at the console: on a desk with staff, the console asks for a call
sign at start (offering the one used last on this machine, else the running
shift's duty commander), and remembers the answer.  A mixin of
:class:`dutydesk.app.DutyDeskApp`."""

from __future__ import annotations

from textual import work

from dutydesk import log
from dutydesk.errors import DeskError
from dutydesk.i18n import _


class WhoActs:
    """Who acts (on the app: desk, desk_id, ask_actor)."""

    @work(thread=True, group="actor", exclusive=True)
    def _actor_question(self) -> None:
        """On a desk with staff, ask who acts; offer the call sign used last on
        this machine, else the running shift's duty commander.  A call sign
        given on the command line is not asked again, unless the desk refuses it."""
        from dutydesk.config import last_actor

        try:
            if not self.desk.has_staff():
                return  # a desk being set up: anyone may act until it has staff
            if not self.ask_actor:
                try:
                    self.desk.check_actor(self.desk.actor)
                    return
                except DeskError as exc:
                    self.call_from_thread(self._ask_actor, self.desk.actor, exc.message)
                    return
            default = last_actor(self.desk_id) if self.desk_id else None
            if default is not None:
                try:
                    self.desk.check_actor(default)
                except DeskError:
                    default = None  # no longer on the staff
            if default is None:
                shift = self.desk.current_shift()
                default = shift.commander if shift else ""
        except Exception as exc:  # the desk must not crash on a database fault
            log.fault("console", exc)
            self.call_from_thread(self.notify, f"{type(exc).__name__}: {exc}", title=_("Database error"), severity="error", timeout=12)
            default = ""
        self.call_from_thread(self._ask_actor, default)

    def _ask_actor(self, default: str, error: str = "") -> None:
        from dutydesk.screens.actor import ActorScreen

        self.push_screen(ActorScreen(default, error=error), callback=self._actor_chosen)

    def _actor_chosen(self, callsign: str | None) -> None:
        if callsign is None:
            self.exit()
            return
        self.desk.actor = callsign
        self.sub_title = _("acting as {callsign}").format(callsign=callsign)
        self.notify(
            _("Every change is journaled under {callsign}.").format(callsign=callsign),
            title=_("Acting as {callsign}").format(callsign=callsign),
            timeout=4,
        )
        self._remember_actor(callsign)

    @work(thread=True, group="actor")
    def _remember_actor(self, callsign: str) -> None:
        from dutydesk.config import remember_actor, state_file

        if not self.desk_id:
            return
        try:
            remember_actor(self.desk_id, callsign)
        except OSError as exc:
            self.call_from_thread(
                self.notify,
                _("cannot write {path}: {reason}").format(path=state_file(), reason=exc.strerror),
                title=_("Not remembered"),
                severity="warning",
                timeout=8,
            )
