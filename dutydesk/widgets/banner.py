"""The alarm banner: one line at the top of every screen.

It says how many alarms wait for acknowledgement and how many deadlines are
overdue ("⚠ 3 alarms — 2 overdue — F2: alarms"), red while anything is
overdue, yellow while alarms are only "due soon"; and, first, in red, when the
desk cannot be read or the alert scheduler stopped.  The overdue count stays
visible down to 40 columns (shorter forms are chosen as the width shrinks).

With nothing to say it takes no space: the 24 rows of an 80x24 terminal are
the board's, and a line appearing at the top is itself the signal.

The app keeps the state (``app.alarm_state``) and calls ``show`` on every
banner when it changes; a banner mounted later reads it on mount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from dutydesk.i18n import _, ngettext
from dutydesk.widgets.format import OVERDUE_STYLE, SOON_STYLE  # the countdowns' colours: one look for "overdue", "soon"

QUIET_OVERDUE_STYLE = "bold red3"


@dataclass(frozen=True)
class BannerState:
    alarms: int = 0  # unacknowledged alarms
    alarms_due: int = 0  # of those, at stage "due" (due now or overdue)
    overdue: int = 0  # pending deadlines past due, acknowledged or not
    problem: str = ""  # the desk unreachable, the scheduler stopped ("" when well)
    keys: tuple[str, ...] = field(default=(), compare=False)


def banner_text(state: BannerState, width: int) -> Text:
    """The line for ``state`` in ``width`` cells ("" when there is nothing to say)."""
    parts: list[Text] = []
    if state.problem:
        parts.append(Text("✖ " + state.problem, style=OVERDUE_STYLE))
    if state.alarms or state.overdue:
        n = ngettext("{n} alarm", "{n} alarms", state.alarms).format(n=state.alarms)
        o = _("{n} overdue").format(n=state.overdue)
        key = _("F2: alarms")
        if state.alarms:
            style = OVERDUE_STYLE if (state.overdue or state.alarms_due) else SOON_STYLE
            soon = _("due now") if state.alarms_due else _("due soon")
            forms = [
                f"⚠ {n} — {o} — {key}" if state.overdue else f"⚠ {n} — {soon} — {key}",
                f"⚠ {n} — {o}" if state.overdue else f"⚠ {n} — {soon}",
                f"⚠ {o} — {n}" if state.overdue else f"⚠ {n}",
                f"⚠ {o}" if state.overdue else f"⚠ {n}",
            ]
        else:  # every alarm acknowledged, deadlines still overdue
            style = QUIET_OVERDUE_STYLE
            acked = _("acknowledged")
            forms = [f"{o} ({acked}) — {key}", f"{o} ({acked})", o]
        room = max(1, width - sum(cell_len(p.plain) + 3 for p in parts))
        text = next((f for f in forms if cell_len(f) <= room), forms[-1])
        if parts and cell_len(text) > room:  # the desk problem first; then what fits of the count
            text = forms[-1]
        parts.append(Text(text, style=style))
    line = Text(" — ").join(parts) if parts else Text("")
    line.truncate(max(1, width), overflow="ellipsis")
    return line


class AlarmBanner(Widget):
    DEFAULT_CSS = """
    AlarmBanner {
        height: 1;
        width: 1fr;
        display: none;
    }
    AlarmBanner.-shown {
        display: block;
    }
    AlarmBanner.-red {
        background: #d70000;
    }
    AlarmBanner.-yellow {
        background: #ffff00;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state = BannerState()

    def on_mount(self) -> None:
        state = getattr(self.app, "alarm_state", None)
        if isinstance(state, BannerState):
            self.show(state)

    def show(self, state: BannerState) -> None:
        self.state = state
        shown = bool(state.problem or state.alarms or state.overdue)
        self.set_class(shown, "-shown")
        red = bool(state.problem or (state.alarms and (state.overdue or state.alarms_due)))
        self.set_class(red, "-red")
        self.set_class(shown and not red and bool(state.alarms), "-yellow")
        self.refresh()

    def render(self) -> Text:
        return banner_text(self.state, self.size.width or 80)
