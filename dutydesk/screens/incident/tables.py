"""The incident screen's tables: their columns and their rows, in words.

No desk calls here: rows are made from the incident's detail and its journal
entries, which the screen has already read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from dutydesk.i18n import _
from dutydesk.i18n.linebreak import wrap
from dutydesk.journal_text import Labels, describe
from dutydesk.text import one_line, safe
from dutydesk.timefmt import fmt_duration, fmt_late, fmt_local, to_local
from dutydesk.views import DeadlineView, IncidentDetail, InstructionView, JournalView
from dutydesk.widgets.format import OVERDUE_STYLE, SOON_STYLE, cells, countdown, countdown_stage, countdown_width

# Cell padding DataTable adds to every column (one cell each side).
PAD = 2
# Cells of a pane that no column gets: the table's left border and a vertical scrollbar.
FRAME = 3
# The column of each table that takes what the others leave (it wraps or cuts with "…").
FLEX = {"deadlines": "what", "instructions": "text", "timeline": "what", "roles": "held"}


def columns() -> dict[str, list[tuple[str, str]]]:
    return {
        "deadlines": [("id", _("ID")), ("what", _("Deadline")), ("due", _("Due")), ("left", _("Left")), ("state", _("State"))],
        "roles": [("role", _("Role")), ("held", _("Held by")), ("since", _("Since"))],
        "instructions": [
            ("id", _("ID")),
            ("to", _("To")),
            ("sent", _("Sent")),
            ("ack", _("Acknowledged")),
            ("latency", _("Latency")),
            ("text", _("Text")),
        ],
        "levels": [("at", _("At")), ("change", _("Change")), ("suggested", _("Suggested")), ("reason", _("Reason")), ("by", _("By"))],
        "timeline": [("at", _("At")), ("by", _("By")), ("what", _("What"))],
    }


def widths(table_id: str, width: int, short_date: str, stamp: str) -> dict[str, int]:
    """Fixed widths of a table's columns for a pane ``width`` cells wide; the
    columns that wrap or cut (a deadline's name, a text) take what is left.
    ``short_date`` and ``stamp``: a due time and a time with seconds, as shown."""
    if table_id == "deadlines":
        # every countdown on one line ("OVERDUE 12:15:31"); under 100 columns the state wraps a
        # "met 14:05, 1:05:00 spare" rather than squeeze the deadline's name
        fixed = {"id": 4, "due": cell_len(short_date), "left": countdown_width(), "state": 14 if width < 100 else 18}
        used = sum(fixed.values()) + PAD * 5 + 2
        return {**fixed, "what": max(16, width - used)}
    if table_id == "instructions":
        fixed = {"id": 4, "to": 8, "sent": cell_len(stamp), "ack": max(8, cell_len(_("waiting"))), "latency": 10}
        used = sum(fixed.values()) + PAD * 6 + 2
        return {**fixed, "text": max(16, width - used)}
    if table_id == "timeline":
        fixed = {"at": cell_len(stamp) + 2, "by": 8}
        return {**fixed, "what": max(20, width - sum(fixed.values()) - PAD * 3 - 2)}
    if table_id == "roles":
        # a narrow pane (side by side) gives the holder more: a role's name wraps, a name cut mid-word reads badly
        role = max(14, min(34, width // 3)) if width >= 80 else max(10, width // 4)
        return {"role": role, "held": max(12, width - role - cell_len(short_date) - PAD * 3 - FRAME), "since": cell_len(short_date)}
    return {}


def add_columns(table: DataTable, table_id: str, width: int, short_date: str, stamp: str) -> None:
    """The columns, each at least as wide as its heading (in display cells: 编号), the flexible one
    narrowed by what the headings took: the table never runs past its pane (at 200 columns the
    instructions did, by the width 'Acknowledged' added, and were cut without '…')."""
    heads = columns()[table_id]
    fixed = {key: max(w, cell_len(label)) for (key, label) in heads if (w := widths(table_id, width, short_date, stamp).get(key))}
    flex = FLEX.get(table_id)
    if flex in fixed:
        others = sum(w for key, w in fixed.items() if key != flex)
        fixed[flex] = max(cell_len(dict(heads)[flex]), 8, width - others - PAD * len(heads) - FRAME)
    for key, label in heads:
        table.add_column(label, key=key, width=fixed.get(key))


def deadline_name(dl: DeadlineView) -> str:
    """The deadline's full name, with to whom for an instruction's one: two
    "Instruction reaches the…" rows are told apart."""
    from dutydesk.alerts import deadline_name as named  # the alarms' and the shift's wording

    return named(dl.label, dl.to)


def left_text(dl: DeadlineView, now: datetime) -> Text:
    return countdown(dl, now) if dl.state == "pending" else Text("")


def state_text(dl: DeadlineView, now: datetime, unacknowledged: bool) -> Text:
    """The state in words (a terminal without colour reads it too)."""
    if dl.state == "met" and dl.met_at is not None:
        margin = dl.due_at - dl.met_at
        at = to_local(dl.met_at).strftime("%H:%M")
        if dl.met_on_time:
            return Text(_("met {at}, {margin} spare").format(at=at, margin=fmt_duration(margin)), style="green")
        return Text(_("met {at}, {margin} LATE").format(at=at, margin=fmt_late(-margin)), style="bold red")
    if dl.state == "missed":
        if unacknowledged:
            return Text(_("MISSED: not acknowledged"), style="bold white on red3")
        return Text(_("MISSED"), style="bold white on red3")
    if dl.state == "waived":
        return Text(_("waived: {reason}").format(reason=safe(dl.reason or "")), style="italic")
    if dl.state == "cancelled":
        return Text(_("cancelled: {reason}").format(reason=safe(dl.reason or "")), style="dim")
    stage = countdown_stage(dl, now)  # the word its countdown starts with: DUE, then OVERDUE
    if stage == "overdue":
        return Text(_("OVERDUE"), style=OVERDUE_STYLE)
    if stage == "due":
        return Text(_("DUE"), style=OVERDUE_STYLE)
    if stage == "soon":
        return Text(_("due soon"), style=SOON_STYLE)
    return Text(_("pending"))


def deadline_row(dl: DeadlineView, now: datetime, unacknowledged: bool, width: int | None = None) -> list[Any]:
    """``width``: the name column's, to wrap a Chinese name there by the rules of the language (Textual
    folds a run of Han characters anywhere, 情指、网安… before a 、); a name in Latin letters wraps at
    its spaces as before."""
    name = safe(deadline_name(dl))
    if width and not name.isascii():
        name = "\n".join(wrap(name, width))
    state = state_text(dl, now, unacknowledged)
    state.overflow = "fold"  # a waiver's reason wraps in its column
    return cells(str(dl.id), Text(name, overflow="fold"), fmt_local(dl.due_at, short=True), left_text(dl, now), state)


def role_rows(d: IncidentDetail) -> list[tuple[str, list[Any]]]:
    """A closed incident has released its holders: no role reads UNFILLED there."""
    rows = []
    closed = d.status == "closed"
    for r in d.roles:
        held = ", ".join(f"{h.who} {h.who_name}" for h in r.holders)
        since = ", ".join(fmt_local(h.assigned_at, short=True) for h in r.holders)
        wanting = r.required and not r.filled and not closed
        label = Text(safe(r.label), style="bold reverse" if wanting else "", overflow="fold")  # wrapped, never cut
        empty: Any = Text(_("UNFILLED"), style="bold") if wanting else "-"
        rows.append((r.key, cells(label, Text(safe(held), overflow="fold") if held else empty, Text(since, overflow="fold") if since else "-")))
    return rows


def stamp(at: datetime) -> str:
    """Month, day and time to the second (``11-23 14:05:09``): an acknowledgement is timed in seconds."""
    return fmt_local(at, short=True) + to_local(at).strftime(":%S")


def instruction_row(i: InstructionView, latency: Any) -> list[Any]:
    acked: Any = Text(_("waiting"), style="bold")
    if i.acknowledged_at is not None:  # the time only, when on the day it was sent
        same_day = to_local(i.acknowledged_at).date() == to_local(i.sent_at).date()
        acked = to_local(i.acknowledged_at).strftime("%H:%M:%S") if same_day else stamp(i.acknowledged_at)
    return cells(str(i.id), cut(i.unit), stamp(i.sent_at), acked, latency, cut(i.text))


def timeline_row(e: JournalView, labels: Labels) -> list[Any]:
    at = stamp(e.event_at) + (" *" if e.late else "")
    return cells(at, cut(e.actor), cut(describe(e.action, e.payload, labels=labels)))


def cut(text: str) -> Text:
    """A cell on one line, cut with "…" where its column ends (Enter shows it in full);
    a line break shows as ⏎ (``text.one_line``), never as ``\x0a``."""
    return Text(one_line(text), overflow="ellipsis", no_wrap=True)
