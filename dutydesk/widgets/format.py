"""Rich renderables shared by the console's screens: level badges and countdowns.

Colour is never the only signal: the level is always written out, and an
overdue countdown carries a ``+`` and counts up.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.text import Text

from dutydesk.alerts import in_warning
from dutydesk.views import DeadlineView

BADGE_STYLES = {"red": "bold white on red3", "orange": "bold black on dark_orange", "yellow": "bold black on yellow1"}


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


def countdown(deadline: DeadlineView | None, now: datetime, *, words: bool = True) -> Text:
    """The one countdown of every screen (board, rail, incident, alarms, shift), the state in words
    (a terminal without colour reads it; a running countdown never reads like a clock time):
    ``in 17:42`` / ``in 1:05:00``; yellow ``soon 04:10`` within its warning lead; red ``DUE +00:10``
    for its first minute past due, then ``OVERDUE 12:03``.  ``words`` is kept for callers: one
    wording whatever it says."""
    del words
    if deadline is None:
        return Text("-", style="dim")
    return countdown_left(deadline.due_at - now, soon=deadline_state(deadline, now) == "soon")


def countdown_left(left: timedelta, *, soon: bool) -> Text:
    """:func:`countdown` for ``left`` (due at minus now; ``soon``: inside the warning lead): for a
    caller that knows the stage and not the deadline (an alarm)."""
    from dutydesk.alarms import DUE_GRACE  # the alarm screen's DUE and the countdowns' agree
    from dutydesk.timefmt import countdown_words

    text = countdown_words(left, soon=soon, due_grace=DUE_GRACE)
    if left <= timedelta(0):
        return Text(text, style=OVERDUE_STYLE)
    return Text(text, style=SOON_STYLE if soon else "")


def countdown_stage(deadline: DeadlineView, now: datetime) -> str:
    """The stage :func:`countdown` words for a pending deadline (``in``, ``soon``,
    ``due``, ``overdue``): what a state written beside it says too."""
    from dutydesk.alarms import DUE_GRACE
    from dutydesk.timefmt import countdown_stage as stage

    return stage(deadline.due_at - now, soon=deadline_state(deadline, now) == "soon", due_grace=DUE_GRACE)


def countdown_width() -> int:
    """Display cells of the widest countdown short of 100 hours, in the reader's
    language (``OVERDUE 12:15:31``, ``已超时 12:15:31``): a column this wide
    keeps every countdown on one line."""
    from rich.cells import cell_len

    from dutydesk.alarms import DUE_GRACE
    from dutydesk.timefmt import countdown_words

    longest = timedelta(hours=99, minutes=59, seconds=59)
    samples = [countdown_words(left, soon=soon, due_grace=DUE_GRACE) for left, soon in ((longest, False), (longest, True), (-longest, False))]
    samples.append(countdown_words(-DUE_GRACE / 2, soon=False, due_grace=DUE_GRACE))
    return max(cell_len(s) for s in samples)


def cells(*values: Any) -> list[Any]:
    """A DataTable row: every string that markup or emoji codes could change
    (``[``, ``:``) or that holds a control character as plain, safe ``Text``
    (a DataTable reads a string cell as markup: a title ``[/]`` crashed the
    console, and an escape sequence would reach the terminal); any other
    string is inert and stays a string."""
    from dutydesk.text import plain

    return [plain(v) if isinstance(v, str) and ("[" in v or ":" in v or not v.isprintable()) else v for v in values]
