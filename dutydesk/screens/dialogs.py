"""Small modal dialogs: a text prompt, a choice with a reason, a filtered
picker, a confirmation, and a read-only text.

Each returns plain values with ``dismiss`` (``None`` when cancelled) and refuses
an empty required field on the spot, saying which one (by its label), with the
focus on it; the error clears as soon as that field changes.

Keys typed while a dialog is opening belong to the dialog: until its first
field has the focus they are held and then given to that field, never lost and
never to the screen underneath.  Esc on a dialog with something typed in it asks
before throwing the typing away.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from dutydesk.i18n import N_, _
from dutydesk.messages import Loaded, LoadFailed
from dutydesk.text import plain


def _fresh(key: str, character: str | None) -> events.Key:
    """A key as the terminal sends it: made here it would name this dialog as its
    sender, and Textual stops a message bubbling past its sender (so a key handed
    to a field never reached the bindings above it)."""
    event = events.Key(key, character)
    event._sender = None
    return event


async def deliver(app: Any, keys: list[events.Key]) -> None:
    """Give keys held by a dialog to the screen now on top, in the order typed,
    each acted on before the next: a dialog that is opening or waiting on an Esc
    holds them first in line; when a key closes or opens a screen, the rest
    follow once that change is done (its callbacks ran)."""
    while keys:
        top = app.screen
        if isinstance(top, Dialog):
            if not top._keys_ready or top._holding:
                top._early[:0] = keys  # older than any key on its way there
                return
            keys = await top._hand_over(keys)
        else:
            key = keys.pop(0)
            if not await app._check_bindings(key.key, priority=True) and not await app._check_bindings(key.key):
                (app.focused or top)._forward_event(_fresh(key.key, key.character))
        if keys and app.screen is not top:
            app.call_after_refresh(deliver, app, keys)
            return


# Keys a field acts on by its bindings (looked up by Textual only once the key has
# bubbled back up, by then maybe in another field after a Tab): taken as they
# arrive and acted on in the field that had the focus, after the text before them.
FIELD_KEYS = ("backspace", "delete", "left", "right", "home", "end", "enter", "up", "down")


class Dialog(ModalScreen):
    """The base of every dialog: type-ahead, Esc that asks, errors by field."""

    # Tab, Shift+Tab and Esc act as they arrive (priority), so a key typed after
    # them in one burst goes where they sent the focus (see _after_typed for Esc).
    BINDINGS = [
        Binding("escape", "escape", N_("Cancel"), priority=True),
        Binding("tab", "next_field", show=False, priority=True),
        Binding("shift+tab", "previous_field", show=False, priority=True),
        Binding("ctrl+s", "submit", N_("Send"), priority=True),
        *[Binding(k, f"in_field('{k}')", show=False, priority=True) for k in FIELD_KEYS],
        *[Binding(f"alt+{c}", f"escape_then('{c}')", show=False, priority=True) for c in string.ascii_lowercase + string.digits],
    ]
    DEFAULT_CLASSES = "dialog"
    AUTO_FOCUS = ""  # none: _get_ready focuses the first field, then hands it the keys typed meanwhile
    # Enter typed ahead in these text fields (by id) runs this method when it is
    # handed over, right after the text before it: a dialog closed by Enter is
    # gone before the next key typed ahead is routed.
    SUBMITS: dict[str, str] = {}

    def __init__(self) -> None:
        super().__init__()
        self._keys_ready = False
        self._early: list[events.Key] = []
        self._holding = False  # Esc waits for the keys typed before it to reach their field
        self._initial: dict[str, Any] = {}
        self.error_field: str | None = None
        self.initial_error = ""  # a refusal to show when the dialog opens again with what was typed

    # -- type-ahead --------------------------------------------------------------
    def on_mount(self) -> None:
        self.call_after_refresh(self._get_ready)

    def first_field(self) -> Widget | None:
        """The widget that gets the focus and the early keys (the first text field)."""
        fields = [w for w in self.query("Input, Select, OptionList, Button") if w.focusable]
        inputs = [w for w in fields if isinstance(w, Input)]
        return inputs[0] if inputs else (fields[0] if fields else None)

    async def _get_ready(self) -> None:
        self._initial = self._values()
        target = self.first_field()
        if target is not None:
            self.set_focus(target)
            if isinstance(target, Input):  # the cursor after the text, none of it selected: typing adds to it
                target.call_later(lambda: setattr(target, "cursor_position", len(target.value)))
        self._keys_ready = True
        if self.initial_error:
            self.error(self.initial_error)
        early, self._early = self._early, []
        await deliver(self.app, early)

    async def _hand_over(self, keys: list[events.Key]) -> list[events.Key]:
        """Act on ``keys`` in this dialog, each before the next, as the app
        routes a key (App.on_event) but with bindings looked up at once; the
        keys left over when the dialog closed or opened another are returned."""
        keys = list(keys)
        while keys:
            if self._holding:  # an Esc among them: the rest wait for it
                self._early.extend(keys)
                return []
            if self.app.screen is not self:
                return keys
            key = keys.pop(0)
            focused = self.app.focused
            if isinstance(focused, Input) and key.is_printable and key.character and not key.key.startswith("alt+"):
                focused.insert_text_at_cursor(key.character)  # at once: an Enter after it submits it
            elif isinstance(focused, Input) and key.key == "backspace":
                focused.action_delete_left()
            elif isinstance(focused, Input) and key.key == "enter" and focused.id in self.SUBMITS:
                getattr(self, self.SUBMITS[focused.id])()
            elif key.key in FIELD_KEYS and focused is not None:
                await self._field_key(focused, key.key)
            elif not await self.app._check_bindings(key.key, priority=True) and not await self.app._check_bindings(key.key):
                (focused or self)._forward_event(_fresh(key.key, key.character))
        return []

    def on_key(self, event: events.Key) -> None:
        if not self._keys_ready or self._holding:
            self._early.append(event)
            event.stop()
            event.prevent_default()
            return
        field = self.typing_field() if event.is_printable and event.character else None
        if field is not None and not isinstance(self.focused, (Input, Select)) and event.character:
            # typed on the list or a button: it is text for the field, not lost
            event.stop()
            event.prevent_default()
            if self.focused is not field:
                self.set_focus(field)
                field.call_later(lambda: setattr(field, "cursor_position", len(field.value)))  # not all selected
            field.insert_text_at_cursor(event.character)

    def typing_field(self) -> Input | None:
        """The text field that takes text typed while the focus is on a list or
        a button (None: such keys stay where they are)."""
        return None

    def action_submit(self) -> None:
        """Ctrl+S: what OK does, once the keys typed before it are in their field."""
        if not self._queue_key("ctrl+s"):
            self._after_typed(self.submit)

    def submit(self) -> None:
        for ok in self.query("#ok").results(Button):  # none in a text shown in full
            ok.press()

    def _queue_key(self, key: str) -> bool:
        """While the dialog opens or Esc waits, a priority key joins the keys
        held, after those typed before it (they are still on their way here)."""
        if self._keys_ready and not self._holding:
            return False
        self._forward_event(_fresh(key, None))
        return True

    def action_next_field(self) -> None:
        if not self._queue_key("tab"):
            self.focus_next()

    def action_previous_field(self) -> None:
        if not self._queue_key("shift+tab"):
            self.focus_previous()

    def action_escape(self) -> None:
        if self._queue_key("escape"):
            return
        field = self.focused
        node: Any = field
        while node is not None and node is not self:  # an open dropdown closes first (its own Esc)
            if any(not b.priority for b in node._bindings.key_to_bindings.get("escape", ())):
                field.call_later(self._field_key, field, "escape")
                return
            node = node.parent
        self._after_typed(self.action_cancel)

    def action_in_field(self, key: str) -> None:
        if self._queue_key(key):
            return
        field = self.focused
        if isinstance(field, Input) and key == "enter" and field.id in self.SUBMITS:
            self._after_typed(getattr(self, self.SUBMITS[field.id]))  # keys after it wait for the result
        elif field is not None:
            field.call_later(self._field_key, field, key)
        else:
            self.call_later(self._field_key, self, key)

    async def _field_key(self, field: Widget, key: str) -> None:
        """``key`` on ``field``: its own binding or the nearest one above it up to
        this dialog; with none, the key itself."""
        node: Any = field
        while node is not None:
            for binding in node._bindings.key_to_bindings.get(key, ()):
                if not binding.priority and await self.app.run_action(binding.action, node):
                    return
            if node is self:
                break
            node = node.parent
        field._forward_event(_fresh(key, None))

    def action_escape_then(self, char: str) -> None:
        """Esc with a key straight after it comes in one read, which the terminal
        parser makes Alt+key (it went into the text field): Esc, then the key.
        The console binds no Alt key."""
        if self._queue_key("escape"):
            self._forward_event(_fresh(char, char))
            return
        self._after_typed(self.action_cancel)
        self._early.append(_fresh(char, char))

    def _after_typed(self, then: Callable[[], object]) -> None:
        """Run ``then`` once the keys already sent to the focused field are in
        it (Esc asks only if something was typed); keys typed meanwhile are held
        (the focus is off every field) and handed over afterwards, in order, to
        the dialog or to whatever ``then`` opened."""
        field = self.focused
        self._holding = True
        self.set_focus(None)
        (field or self).call_later(self._release, then, field)

    async def _release(self, then: Callable[[], object], field: Widget | None) -> None:
        if field is not None and field.is_attached:
            selection = field.selection if isinstance(field, Input) else None
            self.set_focus(field)
            if selection is not None:  # as it was, not all selected by the focus
                field.call_later(setattr, field, "selection", selection)
        self._holding = False
        held, self._early = self._early, []
        then()
        await deliver(self.app, held)

    # -- Esc asks before discarding ------------------------------------------------
    def _values(self) -> dict[str, Any]:
        return {w.id: w.value for w in self.query("Input") if w.id}

    def dirty(self) -> bool:
        """Something was typed (a text field differs from how it opened)."""
        if not self._keys_ready:
            return False
        now = self._values()
        return any(str(now[k]).strip() != str(was).strip() for k, was in self._initial.items() if k in now)

    def action_cancel(self) -> None:
        if not self.dirty():
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog(_("Discard what you typed?"), [], ok=_("Discard"), cancel=_("Keep typing")), answer)

    def buttons(self, ok_label: str) -> Horizontal:
        return Horizontal(Button(ok_label, variant="primary", id="ok"), Button(_("Cancel"), id="cancel"), classes="buttons")

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    # -- errors ---------------------------------------------------------------------
    def error(self, text: str, field: str | None = None) -> None:
        """Show ``text``; with ``field`` (a widget id) focus that field, and clear
        the error once it changes."""
        self.query_one("#error", Static).update(plain(text))
        self.error_field = field
        if field:
            try:
                self.query_one(f"#{field}").focus()
            except NoMatches:  # a field this dialog does not have: the text says it
                self.error_field = None

    @on(Input.Changed)
    @on(Select.Changed)
    def _field_changed(self, event: Input.Changed | Select.Changed) -> None:
        if self.error_field and event.control.id == self.error_field:
            self.error_field = None
            self.query_one("#error", Static).update("")


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
    """One line of text (a note, a reason, a summary)."""

    SUBMITS = {"text": "_ok"}

    def __init__(
        self, title: str, label: str, *, ok: str | None = None, value: str = "", required: bool = True, info: list[str] | None = None
    ) -> None:
        super().__init__()
        self.title_text, self.label, self.ok = title, label, ok or _("OK")
        self.value, self.required, self.info = value, required, info or []

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(plain(self.title_text), classes="title", markup=False)
            for line in self.info:
                yield Static(plain(line), classes="warning", markup=False)
            yield Label(plain(self.label), markup=False)
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


class PickerDialog(Dialog):
    """Choose from a long list by typing to filter (units and staff).

    ``items`` is the list, or a function that reads it (called in a worker: the
    dialog opens at once and takes the keys typed while the list loads)."""

    SUBMITS = {"filter": "_filter_done", "text": "_ok"}

    def __init__(
        self,
        title: str,
        items: list[tuple[str, str]] | Callable[[], list[tuple[str, str]]],
        *,
        roles: list[tuple[str, str]] | None = None,
        role: str | None = None,
        text_label: str | None = None,
        kinds: list[tuple[str, str]] | None = None,
        ok: str | None = None,
        assignee: dict[str, str] | None = None,
        text: str = "",
        who: str | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__()
        self.loader = items if callable(items) else None
        self.items: list[tuple[str, str]] = [] if callable(items) else items
        self.title_text, self.roles, self.role = title, roles, role
        self.assignee = assignee or {}
        self.text_label, self.kinds, self.ok = text_label, kinds, ok or _("OK")
        self.text, self.who, self.kind = text, who, kind
        self.loaded = self.loader is None
        self._filtered: tuple[str, object] | None = None  # the filter and role the list shows

    def compose(self) -> ComposeResult:
        with Vertical(classes="box tall"):
            yield Label(plain(self.title_text), classes="title", markup=False)
            if self.roles is not None:
                yield Label(_("Role"))
                yield Select(
                    [(plain(p), v) for p, v in self.roles],
                    value=self.role if self.role else Select.NULL,
                    id="role",
                    prompt=_("Select"),
                    allow_blank=self.role is None,
                )
            if self.kinds is not None:
                yield Label(_("Kind of instruction"))
                yield Select([(plain(p), v) for p, v in self.kinds], value=self.kind or self.kinds[0][1], id="kind", allow_blank=False)
            if self.text_label:  # an instruction: to whom
                yield Label(_("To"))
            yield Input(placeholder=_("type to filter"), id="filter", value=self.who or "")
            yield OptionList(id="items")
            yield Static("", id="empty", classes="warning", markup=False)
            # Who it goes to, in words, whatever the filter still shows (a filter 'PS'
            # sent an instruction to the first match while the field read 'PS').
            yield Static("", id="chosen", classes="chosen", markup=False)
            if self.text_label:
                yield Label(plain(self.text_label), markup=False)
                yield Input(id="text", value=self.text)
            yield Static("", id="error", classes="error", markup=False)
            yield self.buttons(self.ok)

    def on_mount(self) -> None:
        if self.text_label:  # the list as long as it needs, the text field right under it
            items = self.query_one("#items", OptionList)
            items.styles.height = "auto"
            items.styles.max_height = 10
            self.query_one(".box").remove_class("tall")
        if self.loader is not None:
            self.query_one("#empty", Static).update(_("Loading..."))
            self._load()
        else:
            self._refilter()

    def first_field(self) -> Widget | None:
        return self.query_one("#filter", Input)

    def typing_field(self) -> Input | None:
        if self.text_label and isinstance(self.focused, Button):
            return self.query_one("#text", Input)
        return self.query_one("#filter", Input)

    async def _get_ready(self) -> None:
        await super()._get_ready()
        self._initial["filter"] = ""
        if self.text_label:
            self._initial["text"] = ""

    @work(thread=True, exclusive=True, group="picker-load")
    def _load(self) -> None:
        assert self.loader is not None
        try:
            items = self.loader()
        except Exception as exc:  # a database fault: said in the dialog, and logged
            from dutydesk import log

            log.fault("console", exc)
            self.post_message(LoadFailed("picker", _("database: {error}").format(error=f"{type(exc).__name__}: {exc}")))
            return
        self.post_message(Loaded("picker", items))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "picker":
            self.items, self.loaded = message.data, True
            self._refilter()

    def on_load_failed(self, message: LoadFailed) -> None:
        if message.what == "picker":
            self.query_one("#empty", Static).update("")
            self.error(message.problem)

    @on(Input.Changed, "#filter")
    @on(Select.Changed, "#role")
    def _filter(self) -> None:
        self._refilter()

    def _role(self) -> object:
        return self.query_one("#role", Select).value if self.roles is not None else None

    def _refilter(self) -> None:
        if not self.loaded:
            return
        needle = self.query_one("#filter", Input).value.strip().lower()
        self._filtered = (needle, self._role())
        allowed = "any"
        if self.roles is not None:
            role = self.query_one("#role", Select).value
            allowed = self.assignee.get(str(role), "any") if role is not Select.NULL else "any"
        options = self.query_one("#items", OptionList)
        options.clear_options()
        options.add_options(
            [
                Option(plain(label), id=key)
                for key, label in self.items
                if (allowed == "any" or key.startswith(allowed + ":")) and (needle in key.lower() or needle in label.lower())
            ]
        )
        empty = ""
        if options.option_count:
            options.highlighted = 0
        elif needle:
            empty = _("No unit or person matches '{text}'").format(text=needle)
        else:
            empty = _("The list is empty")
        self.query_one("#empty", Static).update(plain(empty))
        self._show_chosen()

    @on(OptionList.OptionHighlighted, "#items")
    def _show_chosen(self) -> None:
        options = self.query_one("#items", OptionList)
        chosen = ""
        if options.option_count and options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            chosen = _("Chosen: {who}").format(who=str(option.prompt))
        self.query_one("#chosen", Static).update(plain(chosen))

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        if self._filtered != (self.query_one("#filter", Input).value.strip().lower(), self._role()):
            self._refilter()  # the filter's last Changed is still on the way
        options = self.query_one("#items", OptionList)
        if options.option_count:
            options.highlighted = options.highlighted or 0
            if self.text_label:
                self.query_one("#text", Input).focus()
            else:
                self._ok()
        else:
            self.error(_("Choose from the list (type to filter)"), "filter")

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
                self.error(_("{field}: choose one").format(field=_("Role")), "role")
                return
            result["role"] = str(role)
        if self.kinds is not None:
            result["kind"] = str(self.query_one("#kind", Select).value)
        if self._filtered != (self.query_one("#filter", Input).value.strip().lower(), self._role()):
            self._refilter()  # text typed in one go with the send key: its Changed is still on the way
        options = self.query_one("#items", OptionList)
        if options.highlighted is None or not options.option_count:
            self.error(_("Choose from the list (type to filter)"), "filter")
            return
        result["who"] = str(options.get_option_at_index(options.highlighted).id)
        if self.text_label:
            text = self.query_one("#text", Input).value.strip()
            if not text:
                self.error(_("{field} must not be empty").format(field=self.text_label), "text")
                return
            result["text"] = text
        result["filter"] = self.query_one("#filter", Input).value
        self.dismiss(result)
