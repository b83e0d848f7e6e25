"""The shift screen's handover list in Rich renderables: the live incidents, the
pending deadlines with their countdowns, and those missed during the shift (due in
it, not met by due) with what became of them, in words.  No desk calls here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from dutydesk.alerts import deadline_name
from dutydesk.i18n import _
from dutydesk.text import safe
from dutydesk.timefmt import fmt_local
from dutydesk.widgets.format import countdown, level_badge


def _grid(ratio_col: int) -> Table:
    """Rows of a handover list: the column ``ratio_col`` takes the spare width
    and wraps under itself; the others keep their width."""
    grid = Table.grid(padding=(0, 1), expand=True)
    for i in range(4):
        grid.add_column(ratio=1 if i == ratio_col else None, no_wrap=i != ratio_col, overflow="fold")
    return grid


def _section(title: str, items: list | tuple, rows: Table) -> Group:
    """A heading with the count, then the rows (or "none")."""
    head = Text(f"{title} ({len(items)})", style="bold underline")
    return Group(head, Padding(rows, (0, 0, 0, 2)) if items else Text("  " + _("none")))


def left_text(d, now: datetime) -> Text:  # noqa: ANN001
    """Time left as a countdown, the state in words too (monochrome terminals):
    ``in mm:ss``, yellow ``soon mm:ss``, red ``DUE +mm:ss`` then ``OVERDUE mm:ss``."""
    return countdown(d, now)  # the one countdown wording of every screen (widgets/format)


def live_list(live: list[Any], pb: Any) -> Group:
    """The live incidents: number, level and kind, title @ place, roles filled."""
    rows = _grid(ratio_col=2)
    for r in live:
        rows.add_row(
            f"#{r.id}",
            Text.assemble(level_badge(pb.level_short(r.kind, r.level), pb.level_colour(r.kind, r.level)), " ", pb.kind_short(r.kind)),
            Text(safe(f"{r.title} @ {r.place}")),
            _("roles {a}/{b}").format(a=r.roles_filled, b=r.roles_required),
        )
    return _section(_("For the handover: live incidents"), live, rows)


def deadline_lists(pending: list[Any], overdue: list[Any], now: datetime) -> Group:
    """The pending deadlines, then those missed during the shift; an instruction's says to whom."""
    from dutydesk.reports.data import outcome, outcome_label
    from dutydesk.reports.document import margin_text

    pending = [d for d in pending if d.state == "pending"]
    soon = _grid(ratio_col=1)
    for d in pending:
        soon.add_row(f"#{d.subject_id}", Text(safe(deadline_name(d.label, d.to))), fmt_local(d.due_at, short=True), left_text(d, now))
    missed = _grid(ratio_col=1)
    for d in overdue:  # what became of it, in words: a monochrome terminal reads it too
        done = d.met_at if d.state == "met" else now if d.state == "pending" else None
        became = outcome_label(outcome(d, now))
        if done is not None:  # how late: met late, or overdue still
            became = _("{outcome}, {margin}").format(outcome=became, margin=margin_text((d.due_at - done).total_seconds()))
        missed.add_row(f"#{d.subject_id}", Text(safe(deadline_name(d.label, d.to))), fmt_local(d.due_at, short=True), Text(became, style="bold red"))
    return Group(_section(_("Pending deadlines"), pending, soon), _section(_("Missed during this shift"), overdue, missed))
