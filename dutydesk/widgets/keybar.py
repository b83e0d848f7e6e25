"""A one-line key bar: the screen's bindings, clickable.

Textual's Footer recomposes whenever focus moves and cost about 100 ms of the
board's first paint (measured with bench/console.py); this bar is rendered once.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.markup import escape
from textual.widgets import Static

from dutydesk.i18n import _, translate_marked


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        self.update(self.markup_for(self.screen))

    def markup_for(self, screen) -> str:  # noqa: ANN001
        parts = []
        for binding in list(getattr(screen, "BINDINGS", [])) + list(self.app.BINDINGS):
            if not isinstance(binding, Binding) or not binding.show:
                continue
            key = self.app.get_key_display(Binding(binding.key.split(",")[0].strip(), ""))
            action = binding.action if "." in binding.action else f"screen.{binding.action}"
            # A binding's words were translated when its class was defined: in the reader's language now.
            words = escape(translate_marked(binding.description))
            parts.append(f"[b $accent]{escape(key)}[/] [@click={action}]{words}[/]")
        palette = escape(_("palette"))  # outside the f-string, so that pybabel extracts it
        parts.append(f"[b $accent]^p[/] [@click=app.command_palette]{palette}[/]")
        return "  ".join(parts)
