"""A report on screen: the text laid out at the width the screen has (the files
keep 80 columns), scrollable, and keys that write it as PDF, HTML or Markdown
into the desk's reports folder.  The KPI report asks for its period first:
this month, last month or dates typed."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from dutydesk import log
from dutydesk.errors import DeskError
from dutydesk.files import private_dir, write_atomic
from dutydesk.i18n import N_, _
from dutydesk.messages import Loaded, LoadFailed
from dutydesk.timefmt import EARLIEST, LATEST, UTC, BadTime, fmt_local, localize, parse_when, to_local
from dutydesk.widgets.keybar import KeyBar

MIN_WIDTH = 60  # narrower than this the preview scrolls sideways rather than squeeze the tables


def reports_dir() -> Path:
    from dutydesk.locations import reports_dir

    return reports_dir()


class ReportScreen(Screen):
    """``build`` returns the report (run in a thread); ``stem`` names the files."""

    DEFAULT_CSS = """
    ReportScreen #report-scroll { scrollbar-gutter: stable; }
    ReportScreen #report-text { width: auto; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Back")),
        Binding("p", "export('pdf')", N_("PDF")),
        Binding("h", "export('html')", N_("HTML")),
        Binding("d", "export('md')", N_("Markdown")),
    ]

    def __init__(self, title: str, build: Callable[[], object], stem: str) -> None:
        super().__init__()
        self.title_text, self.build, self.stem = title, build, stem
        self.report: object | None = None
        self.written: list[Path] = []
        self.text_width = 0  # the columns the text on screen was laid out for

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="report-scroll"):
            yield Static(_("Building {title}...").format(title=self.title_text), id="report-text", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.call_after_refresh(self.load)  # once laid out: the width is known

    def columns(self) -> int:
        """The columns the text has: the scroll area without its scrollbar."""
        return max(MIN_WIDTH, self.query_one("#report-scroll").scrollable_content_region.width)

    def on_resize(self, event: Resize) -> None:
        if self.report is not None and self.columns() != self.text_width:
            self._lay_out(self.report, self.columns())

    @work(thread=True, exclusive=True, group="report")
    def load(self) -> None:
        try:
            report = self.build()
        except Exception as exc:  # a refusal or a fault: say so on the screen, never crash
            log.fault("console report", exc, traceback=not isinstance(exc, DeskError))
            self.post_message(LoadFailed("report", f"{type(exc).__name__}: {exc}"))
            return
        self.report = report
        self.app.call_from_thread(lambda: self._lay_out(report, self.columns()))

    @work(thread=True, exclusive=True, group="report-text")
    def _lay_out(self, report: object, width: int) -> None:
        from dutydesk import reports

        try:
            text = reports.render(self.app.desk, report, "text", width=width).decode("utf-8")
        except Exception as exc:
            log.fault("console report", exc, traceback=not isinstance(exc, DeskError))
            self.post_message(LoadFailed("report", f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(Loaded("report", (width, text)))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        if message.what == "report":
            self.text_width, text = message.data
            self.query_one("#report-text", Static).update(text)
        elif message.what == "written":
            self.written.append(message.data)
            self.notify(str(message.data), title=_("Report written"), timeout=10)

    @on(LoadFailed)
    def _failed(self, message: LoadFailed) -> None:
        if message.what == "report":
            self.query_one("#report-text", Static).update(message.problem)
        else:
            self.notify(message.problem, title=_("Not written"), severity="error", timeout=10)

    def action_export(self, fmt: str) -> None:
        if self.report is None:
            self.notify(_("The report is still being built."), severity="warning")
            return
        self._export(fmt)

    @work(thread=True, group="report-export")
    def _export(self, fmt: str) -> None:
        from dutydesk import reports

        folder = reports_dir()
        stamp = to_local(self.app.desk.clock.now()).strftime("%Y%m%d-%H%M%S")
        try:
            private_dir(folder)
            body = reports.render(self.app.desk, self.report, fmt)  # files: 80 columns
            for n in range(1, 100):  # twice in a second: a new name, never the earlier file replaced
                path = folder / f"{self.stem}-{stamp}{'' if n == 1 else f'-{n}'}.{reports.EXTENSIONS[fmt]}"
                if not os.path.lexists(path):
                    break
            write_atomic(path, lambda fh: fh.write(body))  # refuses a symlink, a FIFO, an existing file
        except Exception as exc:
            log.fault("console report", exc, traceback=not isinstance(exc, DeskError))
            self.post_message(LoadFailed("export", str(exc)))
            return
        self.post_message(Loaded("written", path))


# -- the KPI report's period -------------------------------------------------------


def kpi_periods(now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """``this`` month so far and ``last`` month, in the desk's zone (UTC bounds):
    ``timefmt.month_periods``, which the CLI's ``report kpi`` defaults to as well."""
    from dutydesk.timefmt import month_periods

    return month_periods(now)


def day_bound(text: str, now: datetime, *, end: bool = False) -> datetime:
    """A date typed (``2026-11-01``: its start; with ``end``, the end of that
    day) or a time (ISO 8601, ``HH:MM``) as the desk parses every time."""
    raw = text.strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return parse_when(raw, now)
    if not EARLIEST.year <= day.year < LATEST.year:
        raise BadTime(_("{text}: a time from {earliest} to {latest}").format(text=raw, earliest=EARLIEST.year, latest=LATEST.year - 1))
    return localize(datetime(day.year, day.month, day.day) + (timedelta(days=1) if end else timedelta(0))).astimezone(UTC)


class KpiPeriodDialog(ModalScreen):
    """Which period the KPI report covers.  Enter on this month or last month
    opens it; "Other dates" takes From and To (dates, both days included)."""

    DEFAULT_CLASSES = "dialog"
    DEFAULT_CSS = """
    KpiPeriodDialog #periods { height: auto; max-height: 5; margin: 0 0 1 0; }
    KpiPeriodDialog #dates { height: auto; }
    KpiPeriodDialog #dates Label { width: auto; padding: 0 1 0 0; }
    KpiPeriodDialog #dates Input { width: 1fr; margin: 0 1 0 0; }
    """
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, now: datetime) -> None:
        super().__init__()
        self.now = now
        self.periods = kpi_periods(now)

    def compose(self) -> ComposeResult:
        this, last = self.periods["this"], self.periods["last"]
        with Vertical(classes="box"):
            yield Label(_("KPI report: which period?"), classes="title")
            yield OptionList(
                Option(_("This month so far ({start} – now)").format(start=fmt_local(this[0], short=True)), id="this"),
                Option(
                    _("Last month ({start} – {end})").format(
                        start=fmt_local(last[0], short=True), end=fmt_local(last[1] - timedelta(minutes=1), short=True)
                    ),
                    id="last",
                ),
                Option(_("Other dates: type From and To below"), id="dates"),
                id="periods",
            )
            with Horizontal(id="dates"):
                yield Label(_("From"))
                yield Input(value=to_local(this[0]).date().isoformat(), id="from", compact=True)
                yield Label(_("To"))
                yield Input(value=to_local(self.now).date().isoformat(), id="to", compact=True)
            yield Static("", id="error", classes="error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#periods", OptionList).focus()

    @on(OptionList.OptionSelected, "#periods")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id in self.periods:
            self.dismiss(self.periods[event.option.id])
        else:
            self.query_one("#from", Input).focus()

    @on(Input.Submitted, "#from")
    def _from_done(self) -> None:
        self.query_one("#to", Input).focus()

    @on(Input.Submitted, "#to")
    def _dates_done(self) -> None:
        try:
            start = day_bound(self.query_one("#from", Input).value, self.now)
        except BadTime as exc:
            self._error(_("From: {problem}").format(problem=exc), "from")
            return
        try:
            end = day_bound(self.query_one("#to", Input).value, self.now, end=True)
        except BadTime as exc:
            self._error(_("To: {problem}").format(problem=exc), "to")
            return
        if end <= start:
            self._error(_("To: a day on or after From"), "to")
            return
        self.dismiss((start, end))

    def _error(self, text: str, field: str) -> None:
        self.query_one("#error", Static).update(text)
        self.query_one(f"#{field}", Input).focus()

    @on(Input.Changed)
    def _typing(self) -> None:
        self.query_one("#error", Static).update("")

    def action_cancel(self) -> None:
        self.dismiss(None)


def open_kpi_report(app: App) -> None:
    """Ask for the period, then preview the KPI report (the palette's "KPI
    report", Ctrl+T on the shift screen)."""
    from dutydesk import reports

    desk = app.desk  # type: ignore[attr-defined]

    def chosen(period: tuple[datetime, datetime] | None) -> None:
        if period is None:
            return
        start, end = period
        app.push_screen(ReportScreen(_("KPI report"), lambda: reports.build(desk, "kpi", since=start, until=end), "kpi"))

    app.push_screen(KpiPeriodDialog(desk.clock.now()), chosen)
