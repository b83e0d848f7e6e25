"""The console's health watch: the poll (every half second) reads the journal's
highest sequence number; when it moved (a change here, in another console or
from the CLI) every screen gets ``DeskChanged``.  A poll that fails, no good
read for a few seconds, a SQLite desk file deleted or replaced, or a stopped
alert scheduler shows in red in every screen's banner (logged once) until
reads work again.  A mixin of :class:`dutydesk.app.DutyDeskApp`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual import work

from dutydesk import log
from dutydesk.i18n import _
from dutydesk.messages import HealthChanged

# No good read of the desk for this many ticks (seconds: a read hanging on a
# lock, a server gone) and the banner says so; the poll runs every half second.
# Counted in ticks, not on the desk's clock, which a test or an offset may move.
STALE_TICKS = 3


class HealthWatch:
    """The poll and the health watch (on the app: desk, clock, poll_interval, alerts,
    seen_seq, last_good, failing_since, problem; ``changed`` and ``_show_alarms``)."""

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


def _clock_time(at: datetime, now: datetime) -> str:
    """``03:12:05``; with the month and day when not today (``11-22 23:59:58``)."""
    from dutydesk.timefmt import to_local

    local = to_local(at)
    return local.strftime("%H:%M:%S" if local.date() == to_local(now).date() else "%m-%d %H:%M:%S")
