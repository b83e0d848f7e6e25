"""The base of every dialog: type-ahead (keys typed while a dialog opens are
held and given to its first field, in order), Esc that asks before discarding
what was typed, and errors shown by field.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from textual import events, on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static

from dutydesk.i18n import N_, _
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
            if key.is_printable and key.character and not key.key.startswith("alt+") and self.take_key(focused, key.character):
                continue  # a choice by its key: the keys after it go where that sent the focus
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

    def take_key(self, focused: Widget | None, character: str) -> bool:
        """A printable key ``focused`` does not take as text, acted on by the dialog
        (a choice by its key); True when taken.  None here."""
        del focused, character
        return False

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

        from dutydesk.screens.dialogs.simple import ConfirmDialog  # it is a Dialog: imported when asked

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
