"""Rich renderables shared by the console's screens: level badges and countdowns.

Colour is never the only signal: the level is always written out, and an
overdue countdown carries a ``+`` and counts up.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from dutydesk.alerts import in_warning
from dutydesk.i18n import _
from dutydesk.timefmt import fmt_duration, fmt_late
from dutydesk.views import DeadlineView

BADGE_STYLES = {
    "red": "bold white on red3",
    "orange": "bold black on dark_orange",
    "yellow": "bold black on yellow1",
}


def level_badge(level: str, colour: str | None) -> Text:
    style = BADGE_STYLES.get(colour or "", "bold reverse")
    return Text(f" {level} ", style=style)


OVERDUE_STYLE = "bold white on red3"
# yellow1 (#ffff00), not the ANSI "yellow": Textual's theme draws that as #fd971f, which
# beside a dark_orange badge (#ff8700) told neither a yellow level nor "due soon" apart.
SOON_STYLE = "bold black on yellow1"


def deadline_state(deadline: DeadlineView, now: datetime) -> str:
    """``overdue`` (past due), ``soon`` (within its warning lead, the one rule
    the alerts and the alarms use too) or ``pending``."""
    if deadline.due_at < now:
        return "overdue"
    if in_warning(deadline, now, deadline.warn_before):
        return "soon"
    return "pending"


def countdown(deadline: DeadlineView | None, now: datetime, *, words: bool = False) -> Text:
    """``mm:ss`` / ``h:mm:ss`` left; yellow while due soon (its warning lead);
    red and counting up (``+12:03``) once overdue.  With ``words`` the state is
    written out too, for a terminal without colour (``OVERDUE 12:03``, ``soon 04:10``)."""
    if deadline is None:
        return Text("-", style="dim")
    left = deadline.due_at - now
    state = deadline_state(deadline, now)
    if state == "overdue":
        late = fmt_late(-left)  # rounded up: a miss is never shown smaller
        return Text(_("OVERDUE {late}").format(late=late) if words else "+" + late, style=OVERDUE_STYLE)
    text = fmt_duration(left)
    if state == "soon":
        return Text(_("soon {left}").format(left=text) if words else text, style=SOON_STYLE)
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
