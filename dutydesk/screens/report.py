"""A report on screen: the 80-column text, scrollable, and keys that write it
as PDF, HTML or Markdown into the desk's reports folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from dutydesk import log
from dutydesk.errors import DeskError
from dutydesk.files import private_dir, write_atomic
from dutydesk.i18n import N_, _
from dutydesk.timefmt import to_local
from dutydesk.widgets.keybar import KeyBar


def reports_dir() -> Path:
    from dutydesk.locations import reports_dir

    return reports_dir()


class ReportScreen(Screen):
    """``build`` returns the report (run in a thread); ``stem`` names the files."""

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

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="report-scroll"):
            yield Static(_("Building {title}...").format(title=self.title_text), id="report-text", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="report")
    def load(self) -> None:
        from dutydesk import reports

        try:
            report = self.build()
            text = reports.render(self.app.desk, report, "text").decode("utf-8")
        except Exception as exc:  # a refusal or a fault: say so on the screen, never crash
            log.fault("console report", exc, traceback=not isinstance(exc, DeskError))
            self.app.call_from_thread(self.query_one("#report-text", Static).update, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._show, report, text)

    def _show(self, report: object, text: str) -> None:
        self.report = report
        self.query_one("#report-text", Static).update(text)

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
            body = reports.render(self.app.desk, self.report, fmt)
            for n in range(1, 100):  # twice in a second: a new name, never the earlier file replaced
                path = folder / f"{self.stem}-{stamp}{'' if n == 1 else f'-{n}'}.{reports.EXTENSIONS[fmt]}"
                if not os.path.lexists(path):
                    break
            write_atomic(path, lambda fh: fh.write(body))  # refuses a symlink, a FIFO, an existing file
        except Exception as exc:
            log.fault("console report", exc, traceback=not isinstance(exc, DeskError))
            self.app.call_from_thread(self.notify, str(exc), title=_("Not written"), severity="error", timeout=10)
            return
        self.written.append(path)
        self.app.call_from_thread(self.notify, str(path), title=_("Report written"), timeout=10)
