"""Small modal dialogs: a text prompt, a choice with a reason, a filtered picker.

Each returns plain values with ``dismiss`` (``None`` when cancelled) and refuses
an empty required field on the spot, saying which one.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from dutydesk.i18n import N_, _
from dutydesk.text import plain


class Dialog(ModalScreen):
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]
    DEFAULT_CLASSES = "dialog"

    def action_cancel(self) -> None:
        self.dismiss(None)

    def buttons(self, ok_label: str) -> Horizontal:
        return Horizontal(Button(ok_label, variant="primary", id="ok"), Button(_("Cancel"), id="cancel"),
                          classes="buttons")

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def error(self, text: str) -> None:
        self.query_one("#error", Static).update(plain(text))


class PromptDialog(Dialog):
    """One line of text (a note, a reason, a summary)."""

    def __init__(self, title: str, label: str, *, ok: str | None = None, value: str = "",
                 required: bool = True, info: list[str] | None = None) -> None:
        super().__init__()
        self.title_text, self.label, self.ok = title, label, ok or _("OK")
        self.value, self.required, self.info = value, required, info or []

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(plain(self.title_text), classes="title")
            for line in self.info:
                yield Static(plain(line), classes="warning")
            yield Label(plain(self.label))
            yield Input(value=self.value, id="text")
            yield Static("", id="error", classes="error", markup=False)
            yield self.buttons(self.ok)

    @on(Input.Submitted, "#text")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        if self.required and not text:
            self.error(_("{field} must not be empty").format(field=self.label))
            return
        self.dismiss(text)


class ChoiceDialog(Dialog):
    """Pick one value; optionally give a reason (escalation, status)."""

    def __init__(self, title: str, label: str, choices: list[tuple[str, str]], *, value: str | None = None,
                 reason_label: str | None = None, ok: str | None = None, info: list[str] | None = None) -> None:
        super().__init__()
        self.title_text, self.label, self.choices = title, label, choices
        self.value, self.reason_label, self.ok, self.info = value, reason_label, ok or _("OK"), info or []

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(plain(self.title_text), classes="title")
            for line in self.info:
                yield Static(plain(line))
            yield Label(plain(self.label))
            yield Select([(plain(p), v) for p, v in self.choices], value=self.value if self.value is not None else Select.NULL, id="choice", prompt=_("Select"),
                         allow_blank=self.value is None)
            if self.reason_label:
                yield Label(plain(self.reason_label))
                yield Input(id="reason")
            yield Static("", id="error", classes="error", markup=False)
            yield self.buttons(self.ok)

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        choice = self.query_one("#choice", Select).value
        if choice is Select.NULL or choice is None:
            self.error(_("{field}: choose one").format(field=self.label))
            return
        reason = ""
        if self.reason_label:
            reason = self.query_one("#reason", Input).value.strip()
            if not reason:
                self.error(_("{field} must not be empty").format(field=self.reason_label))
                return
        self.dismiss((choice, reason))


class PickerDialog(Dialog):
    """Choose from a long list by typing to filter (units and staff)."""

    def __init__(self, title: str, items: list[tuple[str, str]], *, roles: list[tuple[str, str]] | None = None,
                 role: str | None = None, text_label: str | None = None, kinds: list[tuple[str, str]] | None = None,
                 ok: str | None = None, assignee: dict[str, str] | None = None) -> None:
        super().__init__()
        self.title_text, self.items, self.roles, self.role = title, items, roles, role
        self.assignee = assignee or {}
        self.text_label, self.kinds, self.ok = text_label, kinds, ok or _("OK")

    def compose(self) -> ComposeResult:
        with Vertical(classes="box tall"):
            yield Label(plain(self.title_text), classes="title")
            if self.roles is not None:
                yield Label(_("Role"))
                yield Select([(plain(p), v) for p, v in self.roles], value=self.role if self.role else Select.NULL, id="role", prompt=_("Select"),
                             allow_blank=self.role is None)
            if self.kinds is not None:
                yield Label(_("Kind of instruction"))
                yield Select([(plain(p), v) for p, v in self.kinds], value=self.kinds[0][1], id="kind", allow_blank=False)
            yield Input(placeholder=_("type to filter"), id="filter")
            yield OptionList(*[Option(plain(label), id=key) for key, label in self.items], id="items")
            if self.text_label:
                yield Label(plain(self.text_label))
                yield Input(id="text")
            yield Static("", id="error", classes="error", markup=False)
            yield self.buttons(self.ok)

    def on_mount(self) -> None:
        self._refilter()
        self.query_one("#filter", Input).focus()

    @on(Input.Changed, "#filter")
    @on(Select.Changed, "#role")
    def _filter(self) -> None:
        self._refilter()

    def _refilter(self) -> None:
        needle = self.query_one("#filter", Input).value.strip().lower()
        allowed = "any"
        if self.roles is not None:
            role = self.query_one("#role", Select).value
            allowed = self.assignee.get(str(role), "any") if role is not Select.NULL else "any"
        options = self.query_one("#items", OptionList)
        options.clear_options()
        options.add_options([Option(plain(label), id=key) for key, label in self.items
                             if (allowed == "any" or key.startswith(allowed + ":"))
                             and (needle in key.lower() or needle in label.lower())])
        if options.option_count:
            options.highlighted = 0

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        options = self.query_one("#items", OptionList)
        if options.option_count:
            options.highlighted = options.highlighted or 0
            if self.text_label:
                self.query_one("#text", Input).focus()
            else:
                self._ok()

    @on(OptionList.OptionSelected, "#items")
    def _picked(self) -> None:
        if self.text_label:
            self.query_one("#text", Input).focus()
        else:
            self._ok()

    @on(Input.Submitted, "#text")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        result: dict[str, str] = {}
        if self.roles is not None:
            role = self.query_one("#role", Select).value
            if role is Select.NULL or role is None:
                self.error(_("Role: choose one"))
                return
            result["role"] = str(role)
        if self.kinds is not None:
            result["kind"] = str(self.query_one("#kind", Select).value)
        options = self.query_one("#items", OptionList)
        if options.highlighted is None or not options.option_count:
            self.error(_("Choose from the list (type to filter)"))
            return
        result["who"] = str(options.get_option_at_index(options.highlighted).id)
        if self.text_label:
            text = self.query_one("#text", Input).value.strip()
            if not text:
                self.error(_("{field} must not be empty").format(field=self.text_label))
                return
            result["text"] = text
        self.dismiss(result)
