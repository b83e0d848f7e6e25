"""The board: every live incident, most urgent first, with live countdowns,
and below them the deadline rail: every pending deadline, overdue first,
then soonest (an incident's imminent countdown never hides behind its
overdue one).

Each row says *what* is due (the rule's short label: "1st statement",
"ack PS-RV"), its countdown with the state in words ("OVERDUE 00:09",
"soon 04:10": colour is never the only signal), the level as a badge with its
name, then title and place. Columns are as wide as their content; the title
takes what is left. A wider terminal adds columns (status, roles, receiver,
kind, the deadline in full) and a longer rail with more to each row.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Static

from dutydesk.alerts import warn_lead
from dutydesk.i18n import N_, _
from dutydesk.messages import DeskChanged, Loaded, LoadFailed, Tick
from dutydesk.vocab import status_label
from dutydesk.timefmt import fmt_local, to_local
from dutydesk.views import DeadlineView, IncidentSummary, ShiftView
from dutydesk.screens.board_layout import (  # the layout (strip_text is imported from here too)
    RAIL_ROWS,
    RAIL_WIDE,
    _cut,
    plan_columns,
    plan_rail,
    strip_text,
)
from dutydesk.widgets.countdown import CountdownColumn, StatusLine
from dutydesk.widgets.format import cells, deadline_state, level_badge
from dutydesk.widgets.keybar import KeyBar


class BoardScreen(Screen):
    BINDINGS = [
        Binding("o", "open_incident", N_("Open incident"), priority=True),  # at once: text typed after it is the form's
        Binding("enter", "show_incident", N_("Show"), show=False),
        Binding("tab", "switch_list", N_("Deadlines")),
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
        self.rail: list[DeadlineView] = []
        self.shift: ShiftView | None = None
        self.kinds: dict[int, str] = {}
        self.colours: dict[int, str | None] = {}
        self.flashing: dict[int, int] = {}
        self.loaded = False
        self.visible_keys: list[str] = []
        self.rail_keys: list[str] = []
        self.shown_size: tuple[int, int] = (0, 0)
        self.dues: list[datetime] = []  # the pending deadlines' due times, in order (the strip's counts)
        self.lead_max = timedelta(0)  # the longest warning lead among them

    def compose(self) -> ComposeResult:
        yield StatusLine(id="strip")
        table = DataTable(id="board", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="board-row"):
            yield CountdownColumn(table, _("Next"), words=True, id="countdowns")
            yield table
        yield Static("", id="rail-title")
        rail = DataTable(id="rail", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="rail-row"):
            yield CountdownColumn(rail, _("Left"), words=True, id="rail-countdowns")
            yield rail
        yield Static(_("No live incidents. Press o to open one."), id="empty")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#board", DataTable).focus()
        # The rows read during start-up, if they are ready within a moment, go
        # into the very first paint; otherwise a worker waits for them.
        try:
            first = self.app.take_prefetch(wait=0.2)
        except Exception as exc:  # the worker reads again and says what failed
            from dutydesk import log

            log.fault("board", exc)
            first = None
        if first is not None:
            self.show_rows(*first)
        else:
            self.show_rows([], [], None, loaded=False)
            self.reload()

    def on_resize(self, event) -> None:  # noqa: ANN001
        if self.loaded and self.shown_size != (self.size.width, self.size.height):
            self.show_rows(self.rows, self.pending, self.shift)

    # -- data ----------------------------------------------------------------------
    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @on(DeskChanged)
    def _desk_changed(self, message: DeskChanged) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="board-load")
    def _load(self) -> None:
        try:
            data = self.app.take_prefetch() or fetch_board(self.app.desk)
        except Exception as exc:  # said on screen and in the log; the next change or r reads again
            from dutydesk import log

            log.fault("board", exc)
            self.post_message(LoadFailed("board", f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(Loaded("board", data))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.what == "board":
            self.show_rows(*message.data)

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        if message.what == "board":
            self.notify(message.problem, title=_("Cannot read the desk"), severity="error")

    def _texts(self, r: IncidentSummary) -> dict[str, str]:
        pb = self.app.desk.playbooks
        nd = r.next_deadline
        return {
            "id": str(r.id),
            "level": f" {pb.level_short(r.kind, r.level)} ",
            "what": (nd.short or nd.label) if nd else "-",
            "title": r.title,
            "place": r.place,
            "status": status_label(r.status),
            "roles": f"{r.roles_filled}/{r.roles_required}",
            "receiver": r.received_by or "-",
            "kind": pb.kind_short(r.kind),
            "deadline": nd.label if nd else "-",
        }

    def show_rows(self, rows: list[IncidentSummary], pending: list[DeadlineView], shift: ShiftView | None, *, loaded: bool = True) -> None:
        table = self.query_one("#board", DataTable)
        selected, selected_deadline = self.selected_id(), self.selected_deadline()
        pending = sorted(pending, key=lambda d: d.due_at)  # so from the read model already; the strip relies on it
        self.rows, self.pending, self.shift = rows, pending, shift
        self.rail = pending[:RAIL_ROWS]
        self.kinds = {r.id: r.kind for r in rows}
        by_id = {r.id: r for r in rows}
        now = self.app.clock.now()
        width, height = self.size.width or 80, self.size.height or 24
        self.shown_size = (self.size.width, self.size.height)
        self.dues = [d.due_at for d in pending]
        self.lead_max = max((warn_lead(d, d.warn_before) for d in pending), default=timedelta(0))
        pb = self.app.desk.playbooks

        # Heights: the incidents as many lines as they need, leaving the rail at least a third.
        avail = height - 2  # the strip and the key bar
        rail_min = min(len(self.rail) + 2, max(5, avail // 3)) if self.rail else 0
        board_h = max(3, min(len(rows) + 1, avail - rail_min))
        self.query_one("#board-row").styles.height = board_h

        countdowns = self.query_one("#countdowns", CountdownColumn)
        countdowns.set_rows([r.next_deadline for r in rows], now)
        texts = {r.id: self._texts(r) for r in rows}
        for r in rows:
            self.colours[r.id] = pb.level_colour(r.kind, r.level)
        columns = plan_columns(width, rows, texts, countdowns.needed_width(), scrollbar=len(rows) + 1 > board_h)
        with countdowns.hold():
            table.clear(columns=True)
            for col in columns:
                table.add_column(col.label, key=col.key, width=col.width)
            self.visible_keys = [c.key for c in columns]
            col_width = {c.key: c.width for c in columns}
            for r in rows:
                t = {k: _cut(v, col_width[k]) if k in col_width else v for k, v in texts[r.id].items()}
                roles = Text(t["roles"], style="" if r.roles_filled >= r.roles_required else "bold")
                values = {**t, "level": level_badge(t["level"].strip(), self.colours[r.id]), "roles": roles}
                table.add_row(*cells(*[values[k] for k in self.visible_keys]), key=str(r.id))
            if selected is not None and selected in by_id:
                table.move_cursor(row=table.get_row_index(str(selected)))

        rail_args = (now, width, avail - board_h - 1, selected_deadline)
        if self.loaded or not loaded:
            self._show_rail(*rail_args)
        else:  # the first rows: the incidents paint first, the rail a moment after (first paint)
            self.call_after_refresh(self._show_rail, *rail_args)

        self.query_one("#empty").display = not rows and loaded
        self.query_one("#board-row").display = bool(rows)
        self.loaded = self.loaded or loaded
        self.refresh_countdowns(now)

    def _show_rail(self, now: datetime, width: int, rail_h: int, selected_deadline: int | None) -> None:
        """The rail: every pending deadline, overdue first, then soonest."""
        by_id = {r.id: r for r in self.rows}
        rail = self.query_one("#rail", DataTable)
        rail_countdowns = self.query_one("#rail-countdowns", CountdownColumn)
        rail_countdowns.set_rows(list(self.rail), now)
        rail_texts = [self._rail_texts(d, by_id.get(d.subject_id), now) for d in self.rail]
        wide = width >= RAIL_WIDE
        keys = ("at", "id", "level", "what", "deadline", "title")
        rail_cols = plan_rail(
            width, wide, rail_countdowns.needed_width(), len(self.rail) + 1 > max(1, rail_h), {k: [t[k] for t in rail_texts] for k in keys}
        )
        with rail_countdowns.hold():
            rail.clear(columns=True)
            for col in rail_cols:
                rail.add_column(col.label, key=col.key, width=col.width)
            self.rail_keys = [c.key for c in rail_cols]
            rail_width = {c.key: c.width for c in rail_cols}
            for d, full in zip(self.rail, rail_texts):
                t = {k: _cut(v, rail_width[k]) if k in rail_width else v for k, v in full.items()}
                inc = by_id.get(d.subject_id)
                values = {**t, "level": level_badge(t["level"].strip(), self.colours.get(d.subject_id)) if inc else t["level"]}
                rail.add_row(*cells(*[values[k] for k in self.rail_keys]), key=str(d.id))
            if selected_deadline is not None and selected_deadline in {d.id for d in self.rail}:
                rail.move_cursor(row=rail.get_row_index(str(selected_deadline)))
        pending = self.pending
        overdue = sum(1 for d in pending if d.due_at < now)
        heading = (
            _("Pending deadlines: {n}, overdue first, then soonest").format(n=len(pending))
            if overdue
            else _("Pending deadlines: {n}, soonest first").format(n=len(pending))
        )
        if cell_len(heading) > width - 2:
            heading = _("Deadlines: {n}").format(n=len(pending))
        self.query_one("#rail-title", Static).update(heading)

        self.query_one("#rail-title").display = bool(self.rail)
        self.query_one("#rail-row").display = bool(self.rail)

    def _rail_texts(self, d: DeadlineView, inc: IncidentSummary | None, now: datetime) -> dict[str, str]:
        pb = self.app.desk.playbooks
        due = to_local(d.due_at)
        at = due.strftime("%H:%M") if due.date() == to_local(now).date() else fmt_local(d.due_at, short=True)
        return {
            "at": at,
            "id": str(d.subject_id),
            "level": f" {pb.level_short(inc.kind, inc.level)} " if inc else (d.level or "-"),
            "what": d.short or d.label,
            "deadline": d.label,
            "title": inc.title if inc else "-",
        }

    def _selected_key(self, selector: str) -> int | None:
        table = self.query_one(selector, DataTable)
        if not table.row_count:
            return None
        row = table.cursor_row
        if not 0 <= row < table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    def selected_id(self) -> int | None:
        return self._selected_key("#board")

    def selected_deadline(self) -> int | None:
        return self._selected_key("#rail")

    # -- every second, from memory -------------------------------------------------
    @on(Tick)
    def _tick(self, message: Tick) -> None:
        self.refresh_countdowns(message.now)

    def refresh_countdowns(self, now: datetime) -> None:
        if not self.loaded:
            return
        grew = self.query_one("#countdowns", CountdownColumn).tick(now)
        grew = self.query_one("#rail-countdowns", CountdownColumn).tick(now) or grew
        if grew:  # a countdown went overdue ("OVERDUE 00:01" is wider): the columns are planned again to fit
            self.show_rows(self.rows, self.pending, self.shift)
            return
        # Counted from the due times in order: past due, then only those within the longest lead (a desk
        # with thousands of pending deadlines ticks as cheaply as one with ten).
        overdue = bisect_left(self.dues, now)
        near = self.pending[overdue : bisect_right(self.dues, now + self.lead_max)]
        soon = sum(1 for d in near if deadline_state(d, now) == "soon")
        strip = strip_text(self.size.width or 80, now, overdue, soon, len(self.rows), self.shift, self.app.desk.actor)
        self.query_one("#strip", StatusLine).show(strip)

    def flash(self, incident_id: int, deadline_id: int | None = None) -> None:
        """An alert sounded: flash the incident's countdown, and on the rail the
        deadline's (given ``deadline_id``; else the incident's first there)."""
        self.flashing[incident_id] = 10
        index = next((i for i, r in enumerate(self.rows) if r.id == incident_id), None)
        if index is not None:
            self.query_one("#countdowns", CountdownColumn).flash(index)
        on_rail = (
            next((i for i, d in enumerate(self.rail) if d.id == deadline_id), None)
            if deadline_id
            else next((i for i, d in enumerate(self.rail) if d.subject_id == incident_id), None)
        )
        if on_rail is not None:
            self.query_one("#rail-countdowns", CountdownColumn).flash(on_rail)

    def countdown_text(self, incident_id: int) -> str:
        """The countdown shown for an incident, as text (tests, screen readers)."""
        index = next(i for i, r in enumerate(self.rows) if r.id == incident_id)
        return self.query_one("#countdowns", CountdownColumn).text_at(index).plain

    def rail_text(self) -> list[str]:
        """The rail as text, a line a deadline: countdown, then its cells (tests, screen readers)."""
        rail = self.query_one("#rail", DataTable)
        column = self.query_one("#rail-countdowns", CountdownColumn)
        return [
            " ".join([column.text_at(i).plain] + [getattr(c, "plain", str(c)).strip() for c in rail.get_row_at(i)]) for i in range(rail.row_count)
        ]

    # -- actions ---------------------------------------------------------------------
    def action_switch_list(self) -> None:
        board, rail = self.query_one("#board", DataTable), self.query_one("#rail", DataTable)
        (board if rail.has_focus or not rail.display else rail).focus()

    @on(DataTable.RowSelected, "#board")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(_incident_screen(int(event.row_key.value)))

    @on(DataTable.RowSelected, "#rail")
    def _rail_selected(self, event: DataTable.RowSelected) -> None:
        deadline_id = int(event.row_key.value)
        found = next((d for d in self.rail if d.id == deadline_id), None)
        if found is not None:
            self.app.push_screen(_incident_screen(found.subject_id, deadline_id))

    def action_show_incident(self) -> None:
        if self.query_one("#rail", DataTable).has_focus:
            deadline_id = self.selected_deadline()
            found = next((d for d in self.rail if d.id == deadline_id), None)
            if found is not None:
                self.app.push_screen(_incident_screen(found.subject_id, found.id))
            return
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


def _incident_screen(incident_id: int, deadline_id: int | None = None):  # noqa: ANN202
    """The incident screen, with ``deadline_id`` selected on its deadlines tab when given."""
    from dutydesk.screens.incident import IncidentScreen

    return IncidentScreen(incident_id) if deadline_id is None else IncidentScreen(incident_id, deadline_id=deadline_id)
