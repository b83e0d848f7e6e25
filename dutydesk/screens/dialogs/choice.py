"""A choice from a short list, with a reason when one is asked (level, status).

With ``keyed``, each choice has a key (its value's first letter, or its number when
two share a letter) and the list has the focus when the dialog opens: ``l`` then
``a`` then the reason, typed at once, is level A with that reason.  A key that is no
choice is refused in words, never put in the reason; the reason takes text once it
has the focus (a choice by key gives it the focus).
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events, on
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
        keyed: bool = False,
        describe: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__()
        self.title_text, self.label, self.choices = title, label, choices
        self.value, self.reason_label, self.ok, self.info = value, reason_label, ok or _("OK"), info or []
        self.reason = reason
        self.keys = choice_keys([v for _label, v in choices]) if keyed else {}
        self.describe = describe  # the change a choice makes, in words ("B → A: escalation")
        self.typed_refused = False  # a key typed on the list was refused: something was typed

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
            if self.keys:
                shown = "   ".join(f"{k} = {plain(p)}" for k, v in self.keys.items() for p, c in self.choices if c == v)
                yield Static(_("Keys: {keys}").format(keys=shown), markup=False, classes="hint")
            if self.describe is not None:
                yield Static("", id="change", classes="chosen", markup=False)
            if self.reason_label:
                yield Label(plain(self.reason_label), markup=False)
                yield Input(value=self.reason, id="reason")
            yield Static("", id="error", classes="error", markup=False)
            yield self.buttons(self.ok)

    def first_field(self) -> Widget | None:
        # Keyed: the list, which takes a key (l, a, then the reason, in one go); once
        # a choice is made (opened again after a refusal), the reason.  Unkeyed, keys
        # typed ahead are a reason: text never goes to the dropdown, which drops it.
        if self.reason_label and (not self.keys or self.value is not None):
            return self.query_one("#reason", Input)
        return self.query_one("#choice", Select)

    def on_mount(self) -> None:  # Dialog's on_mount runs too (Textual calls each class's handler)
        self._describe()

    def take_key(self, focused: Widget | None, character: str) -> bool:
        choice = self.query_one("#choice", Select)
        if not self.keys or focused is not choice or choice.expanded:
            return False
        value = self.keys.get(character.lower())
        if value is None:
            # refused in words; the officer was typing (a reason, most likely, after
            # "choose one" took the focus to the list): Esc now asks before discarding
            self.typed_refused = True
            self.error(_("{field}: press {keys}").format(field=self.label, keys=", ".join(self.keys)), "choice")
            return True
        choice.value = value
        if self.reason_label:
            self.set_focus(self.query_one("#reason", Input))
        return True

    def on_key(self, event: events.Key) -> None:
        if not self._keys_ready or self._holding or not (event.is_printable and event.character):
            return  # the base holds it, or it is no text
        if self.take_key(self.focused, event.character):
            event.stop()
            event.prevent_default()
        elif self.keys and self.reason_label and self.focused is self.query_one("#reason", Input):
            # sent to the list before a key there gave the reason the focus: text, in order
            event.stop()
            event.prevent_default()
            self.query_one("#reason", Input).insert_text_at_cursor(event.character)

    @on(Select.Changed, "#choice")
    def _describe(self) -> None:
        if self.describe is None:
            return
        value = self.query_one("#choice", Select).value
        text = self.describe(str(value)) if value is not Select.NULL and value is not None else ""
        self.query_one("#change", Static).update(plain(text))

    async def _get_ready(self) -> None:
        await super()._get_ready()
        if self.reason_label:
            self._initial["reason"] = ""

    def typing_field(self) -> Input | None:
        return self.query_one("#reason", Input) if self.reason_label else None

    def dirty(self) -> bool:
        """Text typed, or keys typed and refused (they were meant as text): Esc asks first."""
        return super().dirty() or (self._keys_ready and self.typed_refused)

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        choice = self.query_one("#choice", Select).value
        if choice is Select.NULL or choice is None:
            if self.reason_label and self.focused is self.query_one("#reason", Input):
                # typing the reason: the focus (and the cursor) stay there, so what is typed
                # next is not refused key by key on the list nor taken as a choice's key
                self.error(_("{field}: choose one (Shift+Tab, then {keys})").format(field=self.label, keys=", ".join(self.keys) or "↑↓"))
                self.error_field = "choice"  # cleared once a level is chosen
                return
            self.error(_("{field}: choose one").format(field=self.label), "choice")
            return
        reason = ""
        if self.reason_label:
            reason = self.query_one("#reason", Input).value.strip()
            if not reason:
                self.error(_("{field} must not be empty").format(field=self.reason_label), "reason")
                return
        self.dismiss((choice, reason))


def choice_keys(values: list[str]) -> dict[str, str]:
    """A key for each value: its first letter (lower case) when no two share it, else 1, 2, 3..."""
    firsts = [v[:1].lower() for v in values]
    if all(f.isalnum() for f in firsts) and len(set(firsts)) == len(firsts):
        return dict(zip(firsts, values))
    return {str(n): v for n, v in enumerate(values[:9], start=1)}
