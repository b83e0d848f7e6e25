"""Closed incidents: searched and paged, never loaded whole."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from dutydesk.i18n import N_, _
from dutydesk.messages import DeskChanged, Loaded, LoadFailed
from dutydesk.timefmt import fmt_local
from dutydesk.widgets.format import cells
from dutydesk.widgets.keybar import KeyBar

PAGE = 50


class HistoryScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Back")),
        Binding("pagedown,ctrl+n", "next_page", N_("Next page")),
        Binding("pageup,ctrl+b", "prev_page", N_("Previous page")),
    ]
    COMMANDS_FOR_PALETTE = [
        (N_("Next page"), N_("The next 50 closed incidents"), "next_page"),
        (N_("Previous page"), N_("The previous 50 closed incidents"), "prev_page"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page_offset = 0
        self.search = ""
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Input(placeholder=_("search title, place, kind, level or a date (YYYY-MM-DD); Enter"), id="search")
        yield Static(id="page")
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#history", DataTable)
        for key, label in (
            ("id", _("ID")),
            ("kind", _("Kind")),
            ("level", _("Level")),
            ("reported", _("Reported")),
            ("closed", _("Closed")),
            ("title", _("Title")),
            ("place", _("Place")),
        ):
            table.add_column(label, key=key)
        self.reload()

    def reload(self) -> None:
        self._load(self.search, self.page_offset)

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="history-load")
    def _load(self, search: str, offset: int) -> None:
        try:
            rows = self.app.desk.list_incidents(closed_only=True, search=search or None, limit=PAGE + 1, offset=offset)
        except Exception as exc:  # a database fault: said on screen, and logged
            from dutydesk import log

            log.fault("console", exc)
            self.post_message(LoadFailed("history", str(exc)))
            return
        self.post_message(Loaded("history", rows))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "history":
            self.show(message.data)

    def on_load_failed(self, message: LoadFailed) -> None:
        if message.what == "history":
            self.notify(message.problem, severity="error")

    def show(self, rows) -> None:  # noqa: ANN001
        table = self.query_one("#history", DataTable)
        table.clear()
        self.count = len(rows)
        for r in rows[:PAGE]:
            pb = self.app.desk.playbooks
            table.add_row(
                *cells(
                    str(r.id),
                    pb.kind_short(r.kind),
                    pb.level_short(r.kind, r.level),
                    fmt_local(r.reported_at),
                    fmt_local(r.closed_at),
                    r.title,
                    r.place,
                ),
                key=str(r.id),
            )
        more = _(" (more: PgDn)") if len(rows) > PAGE else ""
        shown = min(len(rows), PAGE)
        self.query_one("#page", Static).update(
            _("Closed incidents {a}–{b}").format(a=self.page_offset + 1 if shown else 0, b=self.page_offset + shown) + more
        )

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        self.search, self.page_offset = event.value.strip(), 0
        self.reload()  # the focus stays in the search box: the next search is typed there (Tab: the list)

    def action_next_page(self) -> None:
        if self.count > PAGE:
            self.page_offset += PAGE
            self.reload()

    def action_prev_page(self) -> None:
        if self.page_offset:
            self.page_offset = max(0, self.page_offset - PAGE)
            self.reload()

    @on(DataTable.RowSelected, "#history")
    def _open(self, event: DataTable.RowSelected) -> None:
        from dutydesk.screens.incident import IncidentScreen

        self.app.push_screen(IncidentScreen(int(event.row_key.value)))
