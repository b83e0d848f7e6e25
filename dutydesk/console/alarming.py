"""The console's alarms and alerts.  The app holds the pending deadlines and
the acknowledgements (read again after every change) and works out the alarm
list on every tick, so a deadline falling due shows in the banner within a
second.  While an alarm waits, the bell rings again every ``alarm_repeat``
(default 2 minutes; ``DUTYDESK_ALARM_REPEAT_MINUTES``); the alert scheduler's
notices (the playbook's warning lead, then due) flash the board's row.
A mixin of :class:`dutydesk.app.DutyDeskApp`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from textual import work
from textual.screen import Screen

from dutydesk.alerts import AlertJob
from dutydesk.i18n import _
from dutydesk.messages import AlarmsChanged
from dutydesk.timefmt import fmt_local

# Two bells closer than this are one (the alert job and the alarm list see the same moment).
BELL_GAP = timedelta(seconds=2)


class AlarmWatch:
    """The alarm list, the banner, the bell and the alert notices (on the app: desk,
    clock, alerts, alarm_repeat, pending, acks, titles, alarms, overdue, alarm_state, problem)."""

    def reconcile_alerts(self) -> None:
        """Read the pending deadlines and acknowledgements again: the alarm list
        and (when the console sounds alerts) the alert jobs follow."""
        self._reconcile_worker()

    @work(thread=True, group="alerts", exclusive=True)
    def _reconcile_worker(self) -> None:
        try:
            deadlines = self.desk.list_deadlines()
            acks = self.desk.alarm_acks()
            titles = self.desk.incident_titles(d.subject_id for d in deadlines)
        except Exception as exc:  # said in the banner; tried again after the next change or poll
            self._from_thread(self._read_failed, exc)
            return
        self._from_thread(self._alarm_inputs, deadlines, acks, titles)
        if self.alerts is not None:
            self.alerts.reconcile(deadlines)  # each deadline's warning lead comes with it (DeadlineView.warn_before)

    def _alarm_inputs(self, deadlines: list[Any], acks: set[tuple[int, str]], titles: dict[int, str]) -> None:
        self.pending, self.acks, self.titles = deadlines, acks, titles
        self._alarms_read = True
        self._read_ok()
        self.update_alarms(self.clock.now())

    def update_alarms(self, now: datetime) -> None:
        """The alarm list for ``now`` from what was read; the banner, the screens
        and the bell follow when it changed."""
        from dutydesk.alarms import DUE, alarm_list, overdue_count

        if not self._alarms_read:
            return
        alarms = alarm_list(self.pending, self.acks, now, self.titles)
        overdue = overdue_count(self.pending, now)
        changed = [a.key for a in alarms] != [a.key for a in self.alarms] or overdue != self.overdue
        self.alarms, self.overdue = alarms, overdue
        keys = {a.key for a in alarms}
        new = keys - self._rung
        self._rung &= keys  # an alarm acknowledged and raised again (a new stage) rings again
        if new:
            self._rung |= new
            self.ring(now)
        elif alarms and (self._last_bell is None or now - self._last_bell >= self.alarm_repeat):
            self.ring(now)  # the bell repeats while an alarm waits
        self._arm_next(now)
        if changed:
            self.alarm_state = self._banner_state(sum(1 for a in alarms if a.stage == DUE))
            self._show_alarms()
            for screen in self.screen_stack:
                screen.post_message(AlarmsChanged(list(alarms)))

    def _arm_next(self, now: datetime) -> None:
        """A timer for the next moment the list changes by itself (a deadline
        entering its warning lead or falling due), so the banner shows it then,
        not up to a tick later."""
        from dutydesk.alerts import warn_lead

        moments = [m for d in self.pending for m in (d.due_at - warn_lead(d), d.due_at, d.due_at + timedelta(seconds=1)) if m > now]
        nxt = min(moments, default=None)
        if nxt == self._next_at:
            return
        if self._next_timer is not None:
            self._next_timer.stop()
            self._next_timer = None
        self._next_at = nxt
        if nxt is not None and nxt - now < timedelta(hours=1):
            self._next_timer = self.set_timer((nxt - now).total_seconds() + 0.005, self._on_next)

    def _on_next(self) -> None:
        self._next_at = self._next_timer = None
        self.update_alarms(self.clock.now())

    def _banner_state(self, due: int):  # noqa: ANN202
        from dutydesk.widgets.banner import BannerState

        return BannerState(alarms=len(self.alarms), alarms_due=due, overdue=self.overdue, problem=self.problem)

    def _show_alarms(self) -> None:
        from dataclasses import replace

        from dutydesk.widgets.banner import AlarmBanner

        self.alarm_state = replace(self.alarm_state, problem=self.problem)
        for screen in self.screen_stack:
            self._ensure_banner(screen)
            for banner in screen.query(AlarmBanner):
                banner.show(self.alarm_state)

    def _ensure_banner(self, screen: Screen) -> None:
        """The alarm banner as the first line of ``screen`` (not of a dialog, which
        shows over a screen that has one); again after a screen recomposed."""
        from textual.screen import ModalScreen

        from dutydesk.widgets.banner import AlarmBanner

        if isinstance(screen, ModalScreen):
            return
        if not screen.is_mounted:
            screen.call_after_refresh(self._ensure_banner, screen)
            return
        if not any(isinstance(w, AlarmBanner) for w in screen.children):
            screen.mount(AlarmBanner(), before=0 if screen.children else None)

    def ring(self, now: datetime | None = None) -> None:
        """The terminal bell, once however many alarms and alerts ask at the same moment."""
        now = now or self.clock.now()
        if self._last_bell is not None and timedelta(0) <= now - self._last_bell < BELL_GAP:
            return
        self._last_bell = now
        self.bell()

    def _alert_from_thread(self, job: AlertJob) -> None:
        try:
            self.call_from_thread(self.fire_alert, job)
        except RuntimeError:
            pass  # the app is closing

    def fire_alert(self, job: AlertJob) -> None:
        if job.kind == "due":
            message = _("DUE NOW: {label} (incident {id})").format(label=job.label, id=job.incident_id)
            severity = "error"
        else:
            message = _("Due at {at}: {label} (incident {id})").format(at=fmt_local(job.due_at, seconds=True), label=job.label, id=job.incident_id)
            severity = "warning"
        self.notify(message, title=_("Deadline"), severity=severity, timeout=15)
        self.ring()
        board = self._board()
        if board is not None:
            board.flash(job.incident_id, deadline_id=job.deadline_id)

    def _board(self):
        from dutydesk.screens.board import BoardScreen

        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen):
                return screen
        return None
