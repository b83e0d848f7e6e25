"""A choice from a short list, with a reason when one is asked (level, status)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from dutydesk.i18n import _
from dutydesk.screens.dialogs.base import Dialog
from dutydesk.text import plain


class ChoiceDialog(Dialog):
    """Pick one value; optionally give a reason (escalation, status)."""

    SUBMITS = {"reason": "_ok"}

    def __init__(
        self,
        title: str,
        label: str,
        choices: list[tuple[str, str]],
        *,
        value: str | None = None,
        reason_label: str | None = None,
        ok: str | None = None,
        info: list[str] | None = None,
        reason: str = "",
    ) -> None:
        super().__init__()
        self.title_text, self.label, self.choices = title, label, choices
        self.value, self.reason_label, self.ok, self.info = value, reason_label, ok or _("OK"), info or []
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(plain(self.title_text), classes="title", markup=False)
            for line in self.info:
                yield Static(plain(line), markup=False)
            yield Label(plain(self.label), markup=False)
            yield Select(
                [(plain(p), v) for p, v in self.choices],
                value=self.value if self.value is not None else Select.NULL,
                id="choice",
                prompt=_("Select"),
                allow_blank=self.value is None,
            )
            if self.reason_label:
                yield Label(plain(self.reason_label), markup=False)
                yield Input(value=self.reason, id="reason")
            yield Static("", id="error", classes="error", markup=False)
            yield self.buttons(self.ok)

    def first_field(self) -> Widget | None:
        # Keys typed ahead are a reason (l then the reason in one go; the level is
        # chosen after, Shift+Tab): text never goes to the dropdown, which drops it.
        if self.reason_label:
            return self.query_one("#reason", Input)
        return self.query_one("#choice", Select)

    async def _get_ready(self) -> None:
        await super()._get_ready()
        if self.reason_label:
            self._initial["reason"] = ""

    def typing_field(self) -> Input | None:
        return self.query_one("#reason", Input) if self.reason_label else None

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        choice = self.query_one("#choice", Select).value
        if choice is Select.NULL or choice is None:
            self.error(_("{field}: choose one").format(field=self.label), "choice")
            return
        reason = ""
        if self.reason_label:
            reason = self.query_one("#reason", Input).value.strip()
            if not reason:
                self.error(_("{field} must not be empty").format(field=self.reason_label), "reason")
                return
        self.dismiss((choice, reason))
