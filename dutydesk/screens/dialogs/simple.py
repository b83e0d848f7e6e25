"""Dialogs of one step: a confirmation, a text shown in full, a line of text."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from dutydesk.i18n import N_, _
from dutydesk.screens.dialogs.base import Dialog
from dutydesk.screens.dialogs.lines import LinesInput
from dutydesk.text import plain


class ConfirmDialog(Dialog):
    """Say what a key will do to which row; Enter or y does it, Esc or n does not.
    Dismisses with True or False."""

    BINDINGS = [Binding("escape,n", "no", N_("No")), Binding("y", "yes", N_("Yes"))]

    def __init__(self, title: str, lines: list[str], *, ok: str | None = None, cancel: str | None = None) -> None:
        super().__init__()
        self.title_text, self.lines = title, lines
        self.ok, self.cancel = ok or _("Yes"), cancel or _("No")

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(plain(self.title_text), classes="title", markup=False)
            for line in self.lines:
                yield Static(plain(line), markup=False, classes="confirm-line")
            yield Static(_("Enter or y: {ok}   Esc or n: {cancel}").format(ok=self.ok, cancel=self.cancel), markup=False, classes="hint")
            yield Horizontal(Button(self.ok, variant="primary", id="ok"), Button(self.cancel, id="cancel"), classes="buttons")

    def first_field(self) -> Widget | None:
        return self.query_one("#ok", Button)

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)


class TextDialog(Dialog):
    """A text in full, read-only (an instruction, a note, a timeline entry).
    The text is data: shown as typed, never read as markup."""

    BINDINGS = [Binding("escape,enter,q", "cancel", N_("Close"))]

    def __init__(self, title: str, heading: list[str], text: str) -> None:
        super().__init__()
        self.title_text, self.heading, self.text = title, heading, text

    def compose(self) -> ComposeResult:
        with Vertical(classes="box tall"):
            yield Label(plain(self.title_text), classes="title", markup=False)
            for line in self.heading:
                yield Static(plain(line), markup=False)
            with VerticalScroll(id="body"):
                yield Static(plain(self.text, multiline=True), markup=False, id="fulltext")
            yield Horizontal(Button(_("Close"), id="cancel"), classes="buttons")

    def first_field(self) -> Widget | None:
        return self.query_one("#body", VerticalScroll)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptDialog(Dialog):
    """A text: one line (a reason), or with ``lines`` one that may hold line
    breaks (a note, a summary: a paste is kept whole, Ctrl+J a new line)."""

    SUBMITS = {"text": "_ok"}

    def __init__(
        self,
        title: str,
        label: str,
        *,
        ok: str | None = None,
        value: str = "",
        required: bool = True,
        info: list[str] | None = None,
        lines: bool = False,
    ) -> None:
        super().__init__()
        self.title_text, self.label, self.ok = title, label, ok or _("OK")
        self.value, self.required, self.info, self.lines = value, required, info or [], lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(plain(self.title_text), classes="title", markup=False)
            for line in self.info:
                yield Static(plain(line), classes="warning", markup=False)
            yield Label(plain(self.label), markup=False)
            if self.lines:
                yield LinesInput(value=self.value, id="text", placeholder=_("Ctrl+J: new line"))
            else:
                yield Input(value=self.value, id="text")
            yield Static("", id="error", classes="error", markup=False)
            yield self.buttons(self.ok)

    async def _get_ready(self) -> None:
        await super()._get_ready()
        self._initial["text"] = ""  # text given back after a refusal counts as typed

    def typing_field(self) -> Input | None:
        return self.query_one("#text", Input)

    @on(Input.Submitted, "#text")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        if self.required and not text:
            self.error(_("{field} must not be empty").format(field=self.label), "text")
            return
        self.dismiss(text)
