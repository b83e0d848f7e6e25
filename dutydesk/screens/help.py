"""Every binding of the screen underneath, and of the app; Ctrl+P for the palette."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from dutydesk.i18n import N_, _, translate_marked


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", N_("Close"))]
    DEFAULT_CLASSES = "dialog"

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        table = Table(title=_("Keys"), expand=True)
        table.add_column(_("Key"), no_wrap=True)
        table.add_column(_("Does"))
        seen = set()
        self.rows: list[tuple[str, str]] = []  # (keys, what they do): the table's rows, as written
        for source in (self.under, self.app):
            for binding in getattr(source, "BINDINGS", []):
                if not isinstance(binding, Binding) or binding.description in seen:
                    continue
                seen.add(binding.description)
                keys = ", ".join(self.app.get_key_display(Binding(k.strip(), "")) for k in binding.key.split(","))
                self.rows.append((keys, translate_marked(binding.description)))  # defined at import: translated now
        self.rows.append(("ctrl+p", _("Command palette: every action by name")))
        self.rows.append(("tab / shift+tab", _("Move between fields and tables")))
        for row in self.rows:
            table.add_row(*row)
        with VerticalScroll(classes="box tall"):
            yield Static(table)
            yield Static(
                _(
                    "A countdown turns yellow when its deadline is due soon (the plan's warning time, else "
                    "its last quarter, at most 10 minutes): 'soon 07:10'; red once due: 'DUE +00:10', then "
                    "'OVERDUE 02:09'. An alert sounds before and at due. Changes made in another console "
                    "or by the CLI show here within a second."
                )
            )

    def action_dismiss(self) -> None:
        self.dismiss(None)
