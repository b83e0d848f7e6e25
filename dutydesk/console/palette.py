"""The command palette in the reader's language: Textual's own commands
translated, each screen's commands, the alarm list and the KPI report from
every screen.  A mixin of :class:`dutydesk.app.DutyDeskApp`."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import SystemCommand
from textual.screen import Screen

from dutydesk.i18n import N_, _, translate_marked


class Palette:
    """The command palette, in the reader's language."""

    def action_show_help_panel(self) -> None:
        """The palette's "Keys": our help, in the reader's language (Textual's key panel is English)."""
        self.action_help()

    def action_command_palette(self) -> None:
        """Textual's palette, its search field in the reader's language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder=_("Search for commands…")))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for cmd in super().get_system_commands(screen):  # Textual's own, in the reader's language
            yield cmd._replace(
                title=translate_marked(cmd.title) if cmd.title in TEXTUAL_WORDS else cmd.title,
                help=translate_marked(cmd.help) if cmd.help in TEXTUAL_WORDS else cmd.help,
            )
        for title, help_text, action in getattr(screen, "COMMANDS_FOR_PALETTE", []):
            yield SystemCommand(translate_marked(title), translate_marked(help_text), lambda a=action, s=screen: s.run_action(a))
        yield SystemCommand(_("Alarms"), _("Deadlines due soon, due or overdue, until acknowledged (F2)"), self.action_alarms)
        if "kpi" not in {a for _t, _h, a in getattr(screen, "COMMANDS_FOR_PALETTE", [])}:  # from every screen
            from dutydesk.screens.report import open_kpi_report

            yield SystemCommand(
                _("KPI report"), _("The plans' targets met in a period: this month, last month or dates you give"), lambda: open_kpi_report(self)
            )


# The words of Textual's own palette commands (textual.app.App.get_system_commands), marked
# for the catalogue; a command Textual adds later shows in English until it is added here.
TEXTUAL_WORDS = frozenset(
    {
        N_("Theme"),
        N_("Change the current theme"),
        N_("Quit"),
        N_("Quit the application as soon as possible"),
        N_("Keys"),
        N_("Hide the keys and widget help panel"),
        N_("Show help for the focused widget and a summary of available keys"),
        N_("Minimize"),
        N_("Minimize the widget and restore to normal size"),
        N_("Maximize"),
        N_("Maximize the focused widget"),
        N_("Screenshot"),
        N_("Save an SVG 'screenshot' of the current screen"),
    }
)
