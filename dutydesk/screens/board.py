"""The board: every live incident, most urgent first, with live countdowns."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Static

from dutydesk.i18n import N_, _
from dutydesk.models import LIVE_STATUSES, status_label
from dutydesk.timefmt import fmt_local
from dutydesk.views import DeadlineView, IncidentSummary, ShiftView
from dutydesk.widgets.countdown import CountdownColumn, StatusLine
from dutydesk.text import safe
from dutydesk.widgets.format import cells, level_badge
from dutydesk.widgets.keybar import KeyBar

class BoardScreen(Screen):
    BINDINGS = [
        Binding("o", "open_incident", N_("Open incident")),
        Binding("enter", "show_incident", N_("Show"), show=False),
        Binding("s", "shift", N_("Shift")),
        Binding("h", "history", N_("History")),
        Binding("r", "reload", N_("Reload"), show=False),
        Binding("q", "app.quit", N_("Quit")),
    ]
    COMMANDS_FOR_PALETTE = [
        (N_("Open incident"), N_("Open a new incident with its level and deadlines"), "open_incident"),
        (N_("Shift"), N_("Start, hand over or end the duty shift"), "shift"),
        (N_("History"), N_("Search closed incidents"), "history"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[IncidentSummary] = []
        self.pending: list[DeadlineView] = []
        self.shift: ShiftView | None = None
        self.kinds: dict[int, str] = {}
        self.colours: dict[int, str | None] = {}
        self.flashing: dict[int, int] = {}
        self.announce_overdue = False
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield StatusLine(id="strip")
        table = DataTable(id="board", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="board-row"):
            yield CountdownColumn(table, _("Next"), id="countdowns")
            yield table
        yield Static(_("No live incidents. Press o to open one."), id="empty")
        yield KeyBar()

    # Most urgent facts first, so an 80-column terminal shows them; free text is
    # cut to share what is left (more of it on a wider terminal).
    COLUMNS = (("id", N_("ID"), 3), ("level", N_("Level"), 8), ("title", N_("Title"), 0),
               ("place", N_("Place"), 0), ("status", N_("Status"), 10), ("roles", N_("Roles"), 5),
               ("receiver", N_("Receiver"), 8), ("kind", N_("Kind"), 7), ("what", N_("Deadline"), 0))
    WIDE = 120  # from this width the receiver, kind and deadline name fit on screen too

    def on_mount(self) -> None:
        self._columns(self.size.width or 80)
        self.query_one("#board", DataTable).focus()
        # The rows read during start-up, if they are ready within a moment, go
        # into the very first paint; otherwise a worker waits for them.
        try:
            first = self.app.take_prefetch(wait=0.2)
        except Exception:
            first = None
        if first is not None:
            self.show_rows(*first)
        else:
            self.reload()

    def _fixed_widths(self) -> dict[str, int]:
        """The fixed columns, each at least as wide as its heading and its
        longest label, in display cells (编号 is four cells, not two characters)."""
        from rich.cells import cell_len

        from dutydesk.i18n import translate_marked

        pb = self.app.desk.playbooks
        levels = [cell_len(lv.short_text()) + 2 for k in pb for lv in k.levels]  # the badge pads by one each side
        longest = {"level": max(levels, default=0), "kind": max((cell_len(k.short_text()) for k in pb), default=0),
                   "status": max(cell_len(status_label(s)) for s in LIVE_STATUSES)}
        return {key: max(w, cell_len(translate_marked(label)), longest.get(key, 0))
                for key, label, w in self.COLUMNS if w}

    def _columns(self, width: int) -> None:
        from dutydesk.i18n import translate_marked

        table = self.query_one("#board", DataTable)
        table.clear(columns=True)
        wide = width >= self.WIDE
        visible = [c for c in self.COLUMNS if wide or c[0] not in ("receiver", "kind", "what")]
        fixed_widths = self._fixed_widths()
        fixed = sum(fixed_widths[k] for k, _l, w in visible if w) + 2 * len(visible) + 2 + 11  # 11: the countdown column
        what = 36 if wide else 30
        free = max(24, width - fixed - (what if wide else 0))
        widths = {"title": max(12, int(free * 0.6)), "place": max(8, free - max(12, int(free * 0.6))), "what": what}
        # Only the columns that fit: a column left off the edge showed its first cell (the receiver's "D").
        for key, label, w in visible:
            table.add_column(translate_marked(label), key=key, width=fixed_widths[key] if w else widths[key])
        self.visible_keys = [key for key, _l, _w in visible]
        self.width_seen = width

    def on_resize(self, event) -> None:  # noqa: ANN001
        if getattr(self, "width_seen", None) != event.size.width:
            self._columns(event.size.width)
            if self.loaded:
                self.show_rows(self.rows, self.pending, self.shift)

    # -- data ----------------------------------------------------------------------
    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="board-load")
    def _load(self) -> None:
        try:
            rows, pending, shift = self.app.take_prefetch() or fetch_board(self.app.desk)
        except Exception as exc:
            self.app.call_from_thread(self.notify, str(exc), title=_("Cannot read the desk"), severity="error")
            return
        self.app.call_from_thread(self.show_rows, rows, pending, shift)

    def show_rows(self, rows: list[IncidentSummary], pending: list[DeadlineView], shift: ShiftView | None) -> None:
        table = self.query_one("#board", DataTable)
        selected = self.selected_id()
        self.rows, self.pending, self.shift = rows, pending, shift
        self.kinds = {r.id: r.kind for r in rows}
        now = self.app.clock.now()
        table.clear()
        for r in rows:
            colour = self.app.desk.playbooks.level_colour(r.kind, r.level)
            self.colours[r.id] = colour
            roles = Text(f"{r.roles_filled}/{r.roles_required}",
                         style="" if r.roles_filled >= r.roles_required else "bold")
            playbooks = self.app.desk.playbooks
            values = dict(zip([key for key, _l, _w in self.COLUMNS], cells(
                str(r.id), level_badge(playbooks.level_short(r.kind, r.level), colour), r.title, r.place,
                status_label(r.status), roles, r.received_by or "-", playbooks.kind_short(r.kind),
                r.next_deadline.label if r.next_deadline else "-")))
            table.add_row(*[values[key] for key in self.visible_keys], key=str(r.id))
        if selected is not None and str(selected) in {str(r.id) for r in rows}:
            table.move_cursor(row=table.get_row_index(str(selected)))
        self.query_one("#countdowns", CountdownColumn).set_rows([r.next_deadline for r in rows], now)
        self.query_one("#empty").display = not rows
        self.query_one("#board-row").display = bool(rows)
        self.loaded = True
        self.refresh_countdowns(now)
        if self.announce_overdue:
            self.announce()

    def announce(self) -> None:
        """At start: say how many deadlines fell due while no console watched."""
        self.announce_overdue = False
        now = self.app.clock.now()
        overdue = sum(1 for d in self.pending if d.due_at < now)
        if overdue:
            self.notify(_("{n} deadline(s) already overdue").format(n=overdue), title=_("Overdue"),
                        severity="error", timeout=10)
            self.app.bell()

    def selected_id(self) -> int | None:
        table = self.query_one("#board", DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return int(key.value) if key.value is not None else None

    # -- every second, from memory -------------------------------------------------
    def refresh_countdowns(self, now: datetime) -> None:
        if not self.loaded:
            return
        self.query_one("#countdowns", CountdownColumn).tick(now)
        overdue = sum(1 for d in self.pending if d.due_at < now)
        who = safe(f"{self.shift.commander} {self.shift.commander_name}") if self.shift else _("no shift running (press s)")
        strip = Text.assemble(
            (_("Duty commander: "), "bold"), who, "   ", (fmt_local(now, seconds=True), "bold"), "   ",
            (_("Overdue: {n}").format(n=overdue), "bold white on red3" if overdue else "bold"), "   ",
            _("Live: {n}").format(n=len(self.rows)), "   ", _("You: {actor}").format(actor=safe(self.app.desk.actor)),
        )
        self.query_one("#strip", StatusLine).show(strip)

    def flash(self, incident_id: int) -> None:
        self.flashing[incident_id] = 10
        index = next((i for i, r in enumerate(self.rows) if r.id == incident_id), None)
        if index is not None:
            self.query_one("#countdowns", CountdownColumn).flash(index)

    def countdown_text(self, incident_id: int) -> str:
        """The countdown shown for an incident, as text (tests, screen readers)."""
        index = next(i for i, r in enumerate(self.rows) if r.id == incident_id)
        return self.query_one("#countdowns", CountdownColumn).text_at(index).plain

    # -- actions ---------------------------------------------------------------------
    @on(DataTable.RowSelected, "#board")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(_incident_screen(int(event.row_key.value)))

    def action_show_incident(self) -> None:
        selected = self.selected_id()
        if selected is not None:
            self.app.push_screen(_incident_screen(selected))

    def action_open_incident(self) -> None:
        from dutydesk.screens.open_incident import OpenIncidentScreen

        def opened(incident_id: int | None) -> None:
            if incident_id is not None:
                self.app.push_screen(_incident_screen(incident_id))

        self.app.push_screen(OpenIncidentScreen(), opened)

    def action_shift(self) -> None:
        from dutydesk.screens.shift import ShiftScreen

        self.app.push_screen(ShiftScreen())

    def action_history(self) -> None:
        from dutydesk.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen())


def fetch_board(desk) -> tuple:  # noqa: ANN001
    """What the board shows: live incidents, pending deadlines, the running shift."""
    return desk.list_incidents(), desk.list_deadlines(), desk.current_shift()


def _incident_screen(incident_id: int):
    from dutydesk.screens.incident import IncidentScreen

    return IncidentScreen(incident_id)
