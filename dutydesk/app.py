"""The duty console (Textual).

Screens call the service layer (``self.app.desk``), never SQL.  Database work
runs in thread workers so a slow or locked desk never freezes the screen.
Two timers drive the console:

* ``tick`` (1 s): posts ``Tick(now)`` to every screen (countdowns from due
  times held in memory; no query).
* ``poll`` (0.5 s): reads the journal's highest sequence number; when it moved
  (a change here, in another console or from the CLI) every screen gets
  ``DeskChanged`` and the alert jobs are reconciled.

Screens talk to the desk through ``desk_call(screen, fn, tag)``, whose outcome
comes back as a ``DeskDone``/``DeskRefused`` message (``dutydesk.messages``).

Alarms (``dutydesk.alarms``): the app holds the pending deadlines and the
acknowledgements (read again after every change) and works out the alarm list
on every tick, so a deadline falling due shows in the banner within a second.
While an alarm waits, the bell rings again every ``alarm_repeat`` (default 2
minutes; ``DUTYDESK_ALARM_REPEAT_MINUTES``).

Health: a poll that fails, or no good read for a few seconds, or a stopped
alert scheduler shows in red in every screen's banner (logged once) until reads
work again.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from dutydesk import log
from dutydesk.alerts import AlertJob, AlertScheduler
from dutydesk.errors import Conflict, DeskError
from dutydesk.i18n import N_, _, ngettext, translate_marked
from dutydesk.messages import AlarmsChanged, DeskChanged, DeskDone, DeskRefused, HealthChanged, Tick
from dutydesk.timefmt import fmt_local

if TYPE_CHECKING:  # the full desk (SQLAlchemy, the models: ~280 ms) is not imported before the first frame
    from dutydesk.desk import Desk

# No good read of the desk for this many ticks (seconds: a read hanging on a
# lock, a server gone) and the banner says so; the poll runs every half second.
# Counted in ticks, not on the desk's clock, which a test or an offset may move.
STALE_TICKS = 3
# Below this many rows a dialog leaves the top row to the alarm banner.
SHORT_ROWS = 24
# Two bells closer than this are one (the alert job and the alarm list see the same moment).
BELL_GAP = timedelta(seconds=2)


class DutyDeskApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "dutydesk"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("question_mark,f1", "help", N_("Help")),
        Binding("f2", "alarms", N_("Alarms"), show=False, priority=True),
        Binding("ctrl+q", "quit", N_("Quit"), show=False, priority=True),
    ]

    def __init__(
        self,
        desk: Desk,
        *,
        poll_interval: float | None = 0.5,
        tick_interval: float | None = 1.0,
        alerts: bool = True,
        ask_actor: bool = False,
        alarm_repeat: timedelta | None = None,
    ) -> None:
        super().__init__()
        self.desk = desk
        self.clock = desk.clock
        self.poll_interval = poll_interval
        self.tick_interval = tick_interval
        self.seen_seq: int | None = None
        self.alerts = AlertScheduler(desk.clock, self._alert_from_thread) if alerts else None
        # Read during start-up (on_load), in a thread: the desk's name and the board's first rows.
        self._prefetch_pool: Any = None
        self._prefetch: Any = None
        self._meta: Any = None
        self.desk_id = ""
        self.desk_name = _("Duty desk")
        self.is_demo = False
        # Ask who is acting at start (the CLI does unless a call sign was given).
        self.ask_actor = ask_actor
        # Alarms: the inputs (read after every change) and the list (worked out every tick).
        from dutydesk.widgets.banner import BannerState

        self.alarm_repeat = alarm_repeat if alarm_repeat is not None else timedelta(minutes=2)
        self.pending: list[Any] = []
        self.acks: set[tuple[int, str]] = set()
        self.titles: dict[int, str] = {}
        self.alarms: list[Any] = []
        self.overdue = 0
        self.alarm_state = BannerState()
        self._rung: set[tuple[int, str]] = set()  # alarms the bell has sounded for
        self._last_bell: datetime | None = None
        self._alarms_read = False
        self._next_at: datetime | None = None
        self._next_timer: Any = None
        # Health: when reads last worked, since when they fail, and why.
        self.last_good: datetime | None = None
        self.failing_since: datetime | None = None
        self.problem = ""
        self._read_error = ""
        self._ticks_since_good = 0
        self._desk_file: str | None = None  # a SQLite desk's file, watched by the poll
        self._desk_inode: tuple[int, int] = (0, 0)
        self._held_notices: list[dict[str, Any]] = []  # notices given while a dialog was on top

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity="information",  # noqa: ANN001
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notice as plain text: messages quote titles, call signs and
        refusals (a title ``[/]`` was parsed as markup and crashed the
        console); whatever of the desk's data it holds is shown escaped."""
        from textual.screen import ModalScreen

        from dutydesk.text import safe

        notice = dict(message=safe(message, multiline=True), title=safe(title), severity=severity, timeout=timeout)
        if self.screen_stack and isinstance(self.screen_stack[-1], ModalScreen):
            # A toast would sit on the dialog's border or fields: it waits until the dialog
            # closes (the banner and the bell say alarms meanwhile; a dialog shows its own errors).
            self._held_notices.append(notice)
            return
        super().notify(**notice, markup=False)

    def on_resize(self, event: Any) -> None:
        """Under 24 rows a tall dialog would cover the banner's row: ``-short`` keeps it free (app.tcss)."""
        self.set_class(event.size.height < SHORT_ROWS, "-short")

    def _screen_changed(self, screen: Screen) -> None:
        from textual.screen import ModalScreen

        self._ensure_banner(screen)
        if self._held_notices and not isinstance(screen, ModalScreen):
            held, self._held_notices = self._held_notices, []
            for notice in held:
                super().notify(**notice, markup=False)

    def take_prefetch(self, wait: float | None = None):
        """The board's first data, read during start-up (once; then ``None``).
        With ``wait``, give up after that many seconds and leave it for later."""
        from concurrent.futures import TimeoutError as FutureTimeout

        future = self._prefetch
        if future is None:
            return None
        try:
            result = future.result(timeout=wait)
        except FutureTimeout:
            return None
        except Exception:
            self._prefetch = None
            raise
        self._prefetch = None
        return result

    # -- life cycle --------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        from dutydesk.screens.board import BoardScreen

        return BoardScreen()

    def on_load(self) -> None:
        """Start-up, before the terminal switches over: the first reads start in a thread."""
        from concurrent.futures import ThreadPoolExecutor

        from dutydesk.screens.board import fetch_board

        # Everything imported so far lives as long as the console: keep it out
        # of the collector's full passes, which otherwise land in the first
        # paint now and then (about 60 ms each, measured with bench/console.py).
        gc.freeze()
        self._prefetch_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dutydesk-start")
        self._meta = self._prefetch_pool.submit(self.desk.meta)
        self._prefetch = self._prefetch_pool.submit(fetch_board, self.desk)

    def _read_meta(self) -> None:
        """The desk's name, id and demo flag, read by on_load's thread."""
        if self._meta is None:  # on_load did not run (never in a real console)
            self.on_load()
        try:
            meta = self._meta.result(timeout=10)
        except Exception as exc:  # an unreadable desk: the console opens and says so
            log.fault("console", exc)
            self.notify(f"{type(exc).__name__}: {exc}", title=_("Database error"), severity="error", timeout=12)
            return
        self.desk_id = meta.get("desk_id", "")
        self.desk_name = meta.get("name", _("Duty desk"))
        self.is_demo = meta.get("demo") == "1"

    def on_mount(self) -> None:
        from dutydesk.text import safe

        self._read_meta()
        self.title = safe(self.desk_name) + (" — " + _("DEMO") if self.is_demo else "")
        # Every screen shows the alarm banner at its top: mounted here, so no screen can forget it.
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self._ensure_banner(self.screen)
        self.set_class(self.size.height < SHORT_ROWS, "-short")
        if self.tick_interval:
            self.set_interval(self.tick_interval, self.tick)
        if self.poll_interval:
            self.set_interval(self.poll_interval, self.poll)
        # The alert scheduler and the first alarm read after the first frame (bench: first paint sooner);
        # an alarm born overdue still shows at once after.
        if self.alerts is not None:
            self.call_after_refresh(self.alerts.start)
        self.call_after_refresh(self.reconcile_alerts)
        self.call_after_refresh(self._actor_question)

    def on_unmount(self) -> None:
        if self._prefetch_pool is not None:
            self._prefetch_pool.shutdown(wait=False)
        if self.alerts is not None:
            self.alerts.shutdown()

    # -- desk calls ----------------------------------------------------------------
    def desk_call(self, screen: Screen, fn: Callable[[], Any], tag: str = "") -> None:
        """Run ``fn`` (a desk call) in a thread worker.  Its outcome comes back to
        ``screen`` as ``DeskDone(tag, result)``, or, after the app has shown the
        refusal, ``DeskRefused(tag, error)`` (``conflict=True`` when someone else
        changed the record first); then every screen gets ``DeskChanged``."""
        self._desk_worker(
            fn,
            lambda result: screen.post_message(DeskDone(tag, result)),
            lambda error: screen.post_message(DeskRefused(tag, error, conflict=isinstance(error, Conflict))),
        )

    @work(thread=True, group="desk")
    def _desk_worker(self, fn, done, refused) -> None:  # noqa: ANN001
        try:
            result = fn()
        except Conflict as exc:
            self.call_from_thread(self.notify, str(exc.message), title=_("Changed elsewhere"), severity="warning", timeout=8)
            if refused:
                refused(exc)
            self.call_from_thread(self.changed)
            return
        except DeskError as exc:
            log.refusal("console", exc.field, exc.message, type(exc).__name__)
            self.call_from_thread(self.notify, str(exc), title=_("Refused"), severity="error", timeout=8)
            if refused:
                refused(exc)
            return
        except Exception as exc:  # the desk must not crash on a database fault
            log.fault("console", exc)
            self.call_from_thread(self.notify, f"{type(exc).__name__}: {exc}", title=_("Database error"), severity="error", timeout=12)
            if refused:
                refused(DeskError("database", f"{type(exc).__name__}: {exc}"))
            return
        if done is not None:
            done(result)
        self.call_from_thread(self.changed)

    # -- who acts ------------------------------------------------------------------
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

    # -- timers ------------------------------------------------------------------
    def tick(self) -> None:
        now = self.clock.now()
        self._ticks_since_good += 1
        self.check_health(now)
        self.update_alarms(now)
        for screen in self.screen_stack:
            screen.post_message(Tick(now))

    def poll(self) -> None:
        self._poll_worker()

    @work(thread=True, group="poll", exclusive=True)
    def _poll_worker(self) -> None:
        try:
            head = self.desk.journal_head()
            self._check_desk_file()
        except Exception as exc:  # a locked or unreachable desk: said in the banner, tried again next time
            self._from_thread(self._read_failed, exc)
            return
        self._from_thread(self._read_ok, head)

    def _check_desk_file(self) -> None:
        """A SQLite desk whose file was deleted or replaced still answers through
        the connections already open (to a file no one will see again): that is
        a desk gone too.  Raises ``FileNotFoundError`` then."""
        import os

        if self._desk_file is None:
            if not getattr(self.desk, "ready", True):
                return  # a console desk still reading light: its full desk (and engine) is not open yet; not forced here
            engine = getattr(self.desk, "engine", None)
            url = getattr(engine, "url", None)
            database = getattr(url, "database", None) if url is not None and url.get_backend_name() == "sqlite" else None
            if not database or database == ":memory:":
                self._desk_file = ""
                return
            path = os.path.abspath(database)
            try:
                st = os.stat(path)
            except FileNotFoundError:
                raise FileNotFoundError(_("the desk file {path} is gone").format(path=path)) from None
            self._desk_file, self._desk_inode = path, (st.st_dev, st.st_ino)  # together: the file watched is this one
        if not self._desk_file:
            return
        try:
            st = os.stat(self._desk_file)
        except FileNotFoundError:
            raise FileNotFoundError(_("the desk file {path} is gone").format(path=self._desk_file)) from None
        if (st.st_dev, st.st_ino) != self._desk_inode:
            raise FileNotFoundError(_("the desk file {path} was replaced").format(path=self._desk_file))

    def _from_thread(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.call_from_thread(fn, *args)
        except RuntimeError:  # the app is closing
            return

    def _read_ok(self, head: int | None = None) -> None:
        self.last_good = self.clock.now()
        self._ticks_since_good = 0
        self._read_error = ""
        if self.failing_since is not None:
            self.failing_since = None
            log.event("console", "desk readable again")
        self.check_health()
        if head is not None and head != self.seen_seq:
            self._seq_moved(head)

    def _read_failed(self, exc: BaseException) -> None:
        if self.failing_since is None:
            self.failing_since = self.clock.now()
            log.fault("console", exc, traceback=False)  # once, until reads work again
        self._read_error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        self.check_health()

    def check_health(self, now: datetime | None = None) -> None:
        """Say in the banner (red) if the desk cannot be read or the alerts stopped."""
        now = now or self.clock.now()
        problem = ""
        since = self.failing_since
        if since is None and self.poll_interval and self.last_good is not None and self._ticks_since_good >= STALE_TICKS:
            since = self.last_good  # a read hanging (a lock held too long, a server gone)
        if since is not None:
            problem = _("Desk unreachable since {since}").format(since=_clock_time(since, now))
            if self.last_good is not None:
                problem += " — " + _("last good read {at}").format(at=_clock_time(self.last_good, now))
        elif self.alerts is not None and not self.alerts.healthy():
            problem = _("Alert scheduler stopped: deadline notices will not sound")
        if problem and not self.problem and since is None:
            log.event("console", "alert scheduler stopped")
        if problem != self.problem:
            self.problem = problem
            for screen in self.screen_stack:
                screen.post_message(HealthChanged(not problem, problem))
            self._show_alarms()

    def _seq_moved(self, head: int) -> None:
        first = self.seen_seq is None
        self.seen_seq = head
        if not first:
            self.changed()

    def changed(self) -> None:
        """Something changed on the desk: every open screen reloads, alerts follow."""
        for screen in self.screen_stack:
            screen.post_message(DeskChanged())
        self.reconcile_alerts()

    # -- alerts and alarms ----------------------------------------------------------
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

    def _set_pointer_shape(self, shape: str) -> None:
        """Textual sets the mouse pointer's shape (OSC 22) on every screen change and
        ends it with BEL: terminals and tmux that do not know OSC 22 rang the bell
        each time a screen opened. Ended with ST (ESC \\) instead, as the protocol allows."""
        if self._driver is not None:
            self._driver.write(f"\x1b]22;{shape}\x1b\\")

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

    def _fatal_error(self) -> None:
        """An unexpected error: the console stops with one line (never a
        traceback, whose locals would show rows of the desk); the traceback,
        without locals, goes to the log file."""
        import sys

        from rich.text import Text

        from dutydesk.locations import log_file

        exc = sys.exc_info()[1] or self._exception
        if exc is not None:
            log.fault("console", exc)
        self.bell()
        name = type(exc).__name__ if exc is not None else "Error"
        self._exit_renderables.append(
            Text(_("error: internal error ({name}); the console stopped. Details: {log}").format(name=name, log=log_file()))
        )
        self._close_messages_no_wait()

    # -- actions -----------------------------------------------------------------
    def action_alarms(self) -> None:
        from dutydesk.screens.alarms import AlarmScreen

        if not isinstance(self.screen, AlarmScreen):
            self.push_screen(AlarmScreen())

    async def action_quit(self) -> None:
        """Quit; with alarms unacknowledged or deadlines overdue, ask first
        (a second Ctrl+Q while asking quits)."""
        from dutydesk.screens.dialogs import ConfirmDialog

        if isinstance(self.screen, ConfirmDialog) and getattr(self.screen, "quitting", False):
            self.exit()
            return
        self.update_alarms(self.clock.now())
        if not self.alarms and not self.overdue:
            self.exit()
            return
        lines = []
        if self.alarms:
            lines.append(ngettext("{n} alarm not acknowledged", "{n} alarms not acknowledged", len(self.alarms)).format(n=len(self.alarms)))
        if self.overdue:
            lines.append(ngettext("{n} deadline overdue", "{n} deadlines overdue", self.overdue).format(n=self.overdue))
        lines.append(_("This console stops watching them when it quits."))
        dialog = ConfirmDialog(_("Quit the console?"), lines, ok=_("Quit"), cancel=_("Stay"))
        dialog.quitting = True  # a second Ctrl+Q quits

        def answer(quit_: bool | None) -> None:
            if quit_:
                self.exit()

        self.push_screen(dialog, answer)

    def action_help(self) -> None:
        from dutydesk.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_show_help_panel(self) -> None:
        """The palette's "Keys": our help, in the reader's language (Textual's key panel is English)."""
        self.action_help()

    def action_command_palette(self) -> None:
        """Textual's palette, its search field in the reader's language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder=_("Search for commands…")))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for cmd in super().get_system_commands(screen):  # Textual's own, in the reader's language
            yield cmd._replace(
                title=translate_marked(cmd.title) if cmd.title in TEXTUAL_WORDS else cmd.title,
                help=translate_marked(cmd.help) if cmd.help in TEXTUAL_WORDS else cmd.help,
            )
        for title, help_text, action in getattr(screen, "COMMANDS_FOR_PALETTE", []):
            yield SystemCommand(translate_marked(title), translate_marked(help_text), lambda a=action, s=screen: s.run_action(a))
        yield SystemCommand(_("Alarms"), _("Deadlines due soon, due or overdue, until acknowledged (F2)"), self.action_alarms)
        if "kpi" not in {a for _t, _h, a in getattr(screen, "COMMANDS_FOR_PALETTE", [])}:  # from every screen
            from dutydesk.screens.report import open_kpi_report

            yield SystemCommand(
                _("KPI report"), _("The plans' targets met in a period: this month, last month or dates you give"), lambda: open_kpi_report(self)
            )


# The words of Textual's own palette commands (textual.app.App.get_system_commands), marked
# for the catalogue; a command Textual adds later shows in English until it is added here.
TEXTUAL_WORDS = frozenset(
    {
        N_("Theme"),
        N_("Change the current theme"),
        N_("Quit"),
        N_("Quit the application as soon as possible"),
        N_("Keys"),
        N_("Hide the keys and widget help panel"),
        N_("Show help for the focused widget and a summary of available keys"),
        N_("Minimize"),
        N_("Minimize the widget and restore to normal size"),
        N_("Maximize"),
        N_("Maximize the focused widget"),
        N_("Screenshot"),
        N_("Save an SVG 'screenshot' of the current screen"),
    }
)


def _clock_time(at: datetime, now: datetime) -> str:
    """``03:12:05``; with the month and day when not today (``11-22 23:59:58``)."""
    from dutydesk.timefmt import to_local

    local = to_local(at)
    return local.strftime("%H:%M:%S" if local.date() == to_local(now).date() else "%m-%d %H:%M:%S")


def run_console(desk: Desk, *, ask_actor: bool = False, alarm_repeat_minutes: float = 2.0) -> int:
    """Run the console; its exit code (non-zero after an unexpected error,
    which was said in one line and logged with its traceback)."""
    app = DutyDeskApp(desk, ask_actor=ask_actor, alarm_repeat=timedelta(minutes=alarm_repeat_minutes))
    app.run()
    return app.return_code or 0
