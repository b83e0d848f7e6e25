"""Rich renderables shared by the console's screens: level badges and countdowns.

Colour is never the only signal: the level is always written out, and an
overdue countdown carries a ``+`` and counts up.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from dutydesk.alerts import in_warning
from dutydesk.timefmt import fmt_duration
from dutydesk.views import DeadlineView

BADGE_STYLES = {
    "red": "bold white on red3",
    "orange": "bold black on dark_orange",
    "yellow": "bold black on yellow",
}


def level_badge(level: str, colour: str | None) -> Text:
    style = BADGE_STYLES.get(colour or "", "bold reverse")
    return Text(f" {level} ", style=style)


def countdown(deadline: DeadlineView | None, now: datetime) -> Text:
    """``mm:ss`` / ``h:mm:ss`` left; warning colour in the last quarter; red and
    counting up (``+12:03``) once overdue."""
    if deadline is None:
        return Text("-", style="dim")
    left = deadline.due_at - now
    text = fmt_duration(left)
    if left.total_seconds() < 0:
        return Text(text, style="bold white on red3")
    if in_warning(deadline, now):
        return Text(text, style="bold black on yellow")
    return Text(text)


def cells(*values) -> list:  # noqa: ANN002
    """A DataTable row: every string that markup or emoji codes could change
    (``[``, ``:``) or that holds a control character as plain, safe ``Text``
    (a DataTable reads a string cell as markup: a title ``[/]`` crashed the
    console, and an escape sequence would reach the terminal); any other
    string is inert and stays a string."""
    from dutydesk.text import plain

    return [plain(v) if isinstance(v, str) and ("[" in v or ":" in v or not v.isprintable()) else v
            for v in values]
