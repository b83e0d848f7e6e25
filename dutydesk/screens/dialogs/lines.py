"""A text field that keeps line breaks (notes, instruction texts, a close summary).

Textual's Input keeps only the first line of a paste and drops the rest without
a word; the README lets these texts hold line breaks.  This field is an Input in
every other way (Enter sends, type-ahead, Esc asks): a paste is kept whole
(``\\r\\n`` and ``\\r`` become ``\\n``), Ctrl+J types a line break, and a break is
shown as ``⏎`` on the one line the field has.  What else a paste holds is the
desk's to refuse in words (``dutydesk.text`` block rules), as for typed text.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.expand_tabs import expand_tabs_inline
from textual.widgets import Input

from dutydesk.i18n import N_

BREAK = "⏎"  # a line break as shown in the field (one cell, like the break it stands for)


class LinesInput(Input):
    """An Input whose value may hold line breaks."""

    BINDINGS = [Binding("ctrl+j", "newline", N_("New line"), show=False)]

    def _on_paste(self, event: events.Paste) -> None:
        if event.text:
            text = event.text.replace("\r\n", "\n").replace("\r", "\n")
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *selection)
        event.stop()
        event.prevent_default()  # Input's own handler (the first line again) must not run too

    def action_newline(self) -> None:
        self.insert_text_at_cursor("\n")

    def _position_to_cell(self, position: int) -> int:
        return cell_len(expand_tabs_inline(self.value[:position].replace("\n", BREAK), 4))

    @property
    def _value(self) -> Text:
        text = Text(self.value.replace("\n", BREAK), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text
