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

The parts that are not screens live in ``dutydesk/console/``, mixed into the
app: ``health`` (the poll and the health watch), ``alarming`` (the alarm list,
the bell and its repeat, the alert notices), ``actor`` (who acts) and
``palette`` (the command palette in the reader's language).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from dutydesk import log
from dutydesk.alerts import AlertScheduler
from dutydesk.console.actor import WhoActs
from dutydesk.console.alarming import AlarmWatch
from dutydesk.console.health import HealthWatch
from dutydesk.console.palette import Palette
from dutydesk.errors import Conflict, DeskError
from dutydesk.i18n import N_, _, ngettext
from dutydesk.messages import DeskChanged, DeskDone, DeskRefused, Tick

if TYPE_CHECKING:  # the full desk (SQLAlchemy, the models: ~280 ms) is not imported before the first frame
    from dutydesk.desk import Desk

# Below this many rows a dialog leaves the top row to the alarm banner.
SHORT_ROWS = 24


class DutyDeskApp(HealthWatch, AlarmWatch, WhoActs, Palette, App):
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
    def desk_call(self, screen: Screen, fn: Callable[[], Any], tag: str = "", *, inline: bool = False) -> None:
        """Run ``fn`` (a desk call) in a thread worker.  Its outcome comes back to
        ``screen`` as ``DeskDone(tag, result)``, or, after the app has shown the
        refusal, ``DeskRefused(tag, error)`` (``conflict=True`` when someone else
        changed the record first); then every screen gets ``DeskChanged``.
        ``inline``: ``screen`` shows a refusal itself, by its field; no notice too
        (one outlived the fix: "Refused / title: ..." over the incident just opened)."""
        self._desk_worker(
            fn,
            lambda result: screen.post_message(DeskDone(tag, result)),
            lambda error: screen.post_message(DeskRefused(tag, error, conflict=isinstance(error, Conflict))),
            inline,
        )

    @work(thread=True, group="desk")
    def _desk_worker(self, fn, done, refused, inline: bool = False) -> None:  # noqa: ANN001
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
            if not inline:
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
    # -- timers ------------------------------------------------------------------
    def tick(self) -> None:
        now = self.clock.now()
        self._ticks_since_good += 1
        self.check_health(now)
        self.update_alarms(now)
        for screen in self.screen_stack:
            screen.post_message(Tick(now))

    def changed(self) -> None:
        """Something changed on the desk: every open screen reloads, alerts follow."""
        for screen in self.screen_stack:
            screen.post_message(DeskChanged())
        self.reconcile_alerts()

    # -- alerts and alarms ----------------------------------------------------------
    def _set_pointer_shape(self, shape: str) -> None:
        """Textual sets the mouse pointer's shape (OSC 22) on every screen change and
        ends it with BEL: terminals and tmux that do not know OSC 22 rang the bell
        each time a screen opened. Ended with ST (ESC \\) instead, as the protocol allows."""
        if self._driver is not None:
            self._driver.write(f"\x1b]22;{shape}\x1b\\")

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


def run_console(desk: Desk, *, ask_actor: bool = False, alarm_repeat_minutes: float = 2.0) -> int:
    """Run the console; its exit code (non-zero after an unexpected error,
    which was said in one line and logged with its traceback)."""
    app = DutyDeskApp(desk, ask_actor=ask_actor, alarm_repeat=timedelta(minutes=alarm_repeat_minutes))
    app.run()
    return app.return_code or 0
