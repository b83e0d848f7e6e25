"""The key bar: the screen's bindings, clickable.  When they do not fit on one
line it takes a second, broken between keys, rather than hide the last ones
(at 80 columns the incident screen's Status, Close and Report were cut off).

Textual's Footer recomposes whenever focus moves and cost about 100 ms of the
board's first paint (measured with bench/console.py); this bar is rendered once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.markup import escape
from textual.widgets import Static

from dutydesk.i18n import _, translate_marked

if TYPE_CHECKING:
    from textual.events import Resize
    from textual.screen import Screen


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        max-height: 2;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        self._parts = self.parts_for(self.screen)
        self._lay_out(self.size.width or self.app.size.width)

    def on_resize(self, event: Resize) -> None:
        self._lay_out(event.size.width)

    def _lay_out(self, width: int) -> None:
        """The keys in lines of ``width`` (less the padding), broken between keys."""
        from rich.cells import cell_len

        room = max(10, width - 2)
        lines: list[list[str]] = [[]]
        used = 0
        for plain, markup in self._parts:
            need = cell_len(plain) + (2 if lines[-1] else 0)
            if lines[-1] and used + need > room:
                lines.append([])
                used, need = 0, cell_len(plain)
            lines[-1].append(markup)
            used += need
        self.update("\n".join("  ".join(line) for line in lines))

    def parts_for(self, screen: Screen[Any]) -> list[tuple[str, str]]:
        """Each key as (its plain text, for measuring; its markup)."""
        parts = []
        for binding in list(getattr(screen, "BINDINGS", [])) + list(self.app.BINDINGS):
            if not isinstance(binding, Binding) or not binding.show:
                continue
            key = self.app.get_key_display(Binding(binding.key.split(",")[0].strip(), ""))
            action = binding.action if "." in binding.action else f"screen.{binding.action}"
            # A binding's words were translated when its class was defined: in the reader's language now.
            words = translate_marked(binding.description)
            parts.append((f"{key} {words}", f"[b $accent]{escape(key)}[/] [@click={action}]{escape(words)}[/]"))
        palette = _("palette")  # outside the f-string, so that pybabel extracts it
        parts.append((f"^p {palette}", f"[b $accent]^p[/] [@click=app.command_palette]{escape(palette)}[/]"))
        return parts
