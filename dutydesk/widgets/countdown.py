"""The board's countdown column: a narrow widget beside the DataTable, kept
in step with its scrolling and cursor.

Repainting a countdown cell inside the DataTable invalidates the table's
render caches, so every visible cell was drawn again each second (about 12 %
of a core at 200x50, bench/console.py).  This column redraws only its own
line per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable

from dutydesk.views import DeadlineView
from dutydesk.widgets.format import countdown


class CountdownColumn(Widget):
    DEFAULT_CSS = """
    CountdownColumn {
        width: 11;
        height: 1fr;
        background: $surface;
    }
    """

    def __init__(self, table: DataTable[Any], label: str, *, words: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.label = label
        self.words = words  # the state written out: "OVERDUE 12:03", "soon 04:10"
        self.rows: list[DeadlineView | None] = []
        self.flashing: dict[int, int] = {}
        self.now: datetime | None = None
        self.extremes: list[DeadlineView] = []  # the earliest and latest due: the widest texts
        self.holding = False

    def on_mount(self) -> None:
        self.watch(self.table, "scroll_y", self._follow, init=False)
        self.watch(self.table, "cursor_coordinate", self._follow, init=False)

    def _follow(self, _old: object, _new: object) -> None:
        if not self.holding:  # filling the table moves its cursor once a row: one repaint after, not 500
            self.refresh()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """While the table is refilled: repaint once at the end."""
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
            self.refresh()

    def set_rows(self, rows: list[DeadlineView | None], now: datetime) -> None:
        self.rows, self.now = rows, now
        present = [d for d in rows if d is not None]
        self.extremes = [min(present, key=lambda d: d.due_at), max(present, key=lambda d: d.due_at)] if present else []
        self.fit(shrink=True)
        self.refresh()

    def tick(self, now: datetime) -> bool:
        """Repaint for ``now``; True when the column had to grow (a countdown went overdue)."""
        self.now = now
        for index in list(self.flashing):
            self.flashing[index] -= 1
            if self.flashing[index] <= 0:
                del self.flashing[index]
        grew = self.fit()
        self.refresh()
        return grew

    def needed_width(self) -> int:
        """Cells for the widest countdown now (an overdue one grows: ``OVERDUE 1:02:03``)."""
        from rich.cells import cell_len

        if self.now is None:
            return cell_len(self.label) + 2
        texts = [countdown(d, self.now, words=self.words).plain for d in self.extremes] + ["-", self.label]
        return max(cell_len(t) for t in texts) + 2  # a space each side

    def fit(self, shrink: bool = False) -> bool:
        """As wide as its widest text: a layout pass only when that changes (True then)."""
        width = self.needed_width()
        current = self.styles.width.value if self.styles.width is not None else 0
        if width > current or (shrink and width != current):
            self.styles.width = width
            return True
        return False

    def flash(self, index: int, beats: int = 10) -> None:
        self.flashing[index] = beats

    def text_at(self, index: int) -> Text:
        if self.now is None or index >= len(self.rows):
            return Text("")
        text = countdown(self.rows[index], self.now, words=self.words)
        if self.flashing.get(index, 0) % 2:
            text = Text(text.plain, style="bold reverse")
        return text

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            text = Text(" " + self.label, style="bold")
        else:
            index = y - 1 + round(self.table.scroll_y)
            if index >= len(self.rows):
                return Strip.blank(width, base)
            text = Text(" ") + self.text_at(index)
            if index == self.table.cursor_row:
                text.stylize("underline")
        segments = [Segment(s.text, base + s.style if s.style else base) for s in text.render(self.app.console)]
        return Strip(segments).adjust_cell_length(width, base)


class StatusLine(Widget):
    """A one-line status strip repainted each second without a layout pass
    (``Static.update`` lays the screen out again)."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = Text("")

    def show(self, text: Text) -> None:
        self.text = text
        self.refresh()

    def render(self) -> Text:
        return self.text
