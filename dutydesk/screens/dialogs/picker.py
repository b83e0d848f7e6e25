"""A long list (units and staff) to choose from by typing to filter."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from dutydesk.i18n import _
from dutydesk.messages import Loaded, LoadFailed
from dutydesk.screens.dialogs.base import Dialog
from dutydesk.screens.dialogs.lines import LinesInput
from dutydesk.text import plain


class PickerDialog(Dialog):
    """Choose from a long list by typing to filter (units and staff).

    ``items`` is the list, or a function that reads it (called in a worker: the
    dialog opens at once and takes the keys typed while the list loads)."""

    SUBMITS = {"filter": "_filter_done", "text": "_ok"}
    # Down and Up in the filter move through the list (nothing is chosen until then)
    BINDINGS = [Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False)]

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
                yield LinesInput(id="text", value=self.text, placeholder=_("Ctrl+J: new line"))  # a paste keeps its lines
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
            # the first match once a filter is typed (the officer chose by typing); with
            # none, nobody: Enter on the opened dialog assigned the list's first unit
            options.highlighted = 0 if needle else None
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

    def action_move(self, step: int) -> None:
        options = self.query_one("#items", OptionList)
        if self.focused is not self.query_one("#filter", Input) or not options.option_count:
            return
        now = options.highlighted
        options.highlighted = 0 if now is None else max(0, min(options.option_count - 1, now + step))

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        if self._filtered != (self.query_one("#filter", Input).value.strip().lower(), self._role()):
            self._refilter()  # the filter's last Changed is still on the way
        options = self.query_one("#items", OptionList)
        if options.option_count and options.highlighted is not None:
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
