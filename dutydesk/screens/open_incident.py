"""Open an incident: kind, title, place, reported at, first receiver, the
kind's risk factors, the suggested level with its reasons (live), and the level.

All by keyboard: Tab moves between fields, Ctrl+S (or Enter in the last
field) opens the incident.  The commander may take another level than the
suggestion; both are recorded.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import Button, Input, Label, Select, Static

from dutydesk.errors import DeskError
from dutydesk.i18n import N_, _
from dutydesk.messages import DeskDone, DeskRefused
from dutydesk.screens.dialogs import Dialog
from dutydesk.text import plain, safe
from dutydesk.timefmt import BadTime, parse_when


class OpenIncidentScreen(Dialog):
    """Dismisses with the new incident's id, or ``None``.  A Dialog: keys typed
    while it opens go to its first field, Esc asks before discarding what was
    typed, and an error names the field by its label, focuses it and clears
    when the field changes."""

    BINDINGS = [Binding("ctrl+s", "submit", N_("Open incident"), priority=True)]
    SUBMITS = {"reason": "action_submit"}

    def __init__(self, kind: str | None = None) -> None:
        super().__init__()
        self.kind_key = kind
        self.level_touched = False
        self.suggested: str | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        desk = self.app.desk
        kinds = [(plain(k.text()), k.key) for k in desk.playbooks]
        self.kind_key = self.kind_key or kinds[0][1]
        with VerticalScroll(classes="box tall", id="form"):
            yield Label(_("Open an incident"), classes="title")
            with Horizontal(classes="row"):
                yield Label(_("Kind"), classes="field")
                yield Select(kinds, value=self.kind_key, allow_blank=False, id="kind")
            with Horizontal(classes="row"):
                yield Label(_("Title"), classes="field")
                yield Input(placeholder=_("what is happening (place, size, cause; no private names)"), id="title")
            with Horizontal(classes="row"):
                yield Label(_("Place"), classes="field")
                yield Input(id="place")
            with Horizontal(classes="row"):
                yield Label(_("Reported at"), classes="field")
                yield Input(placeholder=_("now, or HH:MM / 2026-11-22T10:00"), id="at")
            with Horizontal(classes="row"):
                yield Label(_("Happened at"), classes="field")
                yield Input(placeholder=_("if before the report: HH:MM or date"), id="occurred")
            with Horizontal(classes="row"):
                yield Label(_("First receiver"), classes="field")
                yield Input(placeholder=_("call sign"), id="receiver")
            yield Vertical(id="factors")
            yield Static("", id="suggestion", markup=False)
            with Horizontal(classes="row"):
                yield Label(_("Level"), classes="field")
                yield Select([], id="level", allow_blank=True, prompt=_("Select"))
            with Horizontal(classes="row"):
                yield Label(_("Reason"), classes="field")
                yield Input(placeholder=_("why; required below the suggestion"), id="reason")
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Open incident (Ctrl+S)"), variant="primary", id="ok")
                yield Button(_("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self._build_kind()
        self.query_one("#title", Input).focus()
        desk = self.app.desk
        # The first receiver defaults to whoever is at the console, if that is a call sign on the desk.
        self.app.desk_call(self, lambda: desk.actor if any(s.callsign == desk.actor for s in desk.list_staff()) else "", tag="receiver")

    def on_desk_done(self, message: DeskDone) -> None:
        if message.tag == "receiver":
            self._set_receiver(message.result)
        elif message.tag == "open":
            self.dismiss(message.result.id)

    def on_desk_refused(self, message: DeskRefused) -> None:
        if message.tag == "open":
            self.busy = False
            exc = message.error
            named = self.field_label(exc.field)
            if named is None:
                self.error(str(exc))
            else:
                self.error(_("{field}: {error}").format(field=named[1], error=exc.message), named[0])

    def _set_receiver(self, callsign: str) -> None:
        field = self.query_one("#receiver", Input)
        if not field.value:
            field.value = callsign
            self._initial["receiver"] = callsign  # the default, not typing

    def first_field(self):  # noqa: ANN201
        return self.query_one("#title", Input)

    def field_label(self, field: str) -> tuple[str, str] | None:
        """A refusal's field (as the desk names it) -> (widget id, label on the form)."""
        fields = {
            "title": ("title", _("Title")),
            "place": ("place", _("Place")),
            "at": ("at", _("Reported at")),
            "occurred": ("occurred", _("Happened at")),
            "received-by": ("receiver", _("First receiver")),
            "level": ("level", _("Level")),
            "reason": ("reason", _("Reason")),
        }
        if field in fields:
            return fields[field]
        kind = self.app.desk.playbooks.get(self.kind_key)
        factor = next((f for f in kind.factors if f.key == field), None)
        return (f"factor-{factor.key}", factor.text()) if factor else None

    # -- the kind's factors and levels -------------------------------------------------
    def _build_kind(self) -> None:
        kind = self.app.desk.playbooks.get(self.kind_key)
        box = self.query_one("#factors", Vertical)
        box.remove_children()
        rows = []
        for f in kind.factors:
            if f.type == "choice":
                widget = Select([(plain(o.text()), o.key) for o in f.options or []], id=f"factor-{f.key}", prompt=_("(not known)"))
            else:
                widget = Input(placeholder=_("a number"), id=f"factor-{f.key}", type="number")
            rows.append(Horizontal(Label(plain(f.text()), classes="field"), widget, classes="row"))
        box.mount_all(rows)
        level = self.query_one("#level", Select)
        level.set_options([(plain(lv.text()), lv.key) for lv in kind.levels])
        self.level_touched = False
        self._suggest()

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        if event.value != self.kind_key and event.value is not Select.NULL:
            self.kind_key = str(event.value)
            self._build_kind()

    @on(Select.Changed)
    @on(Input.Changed)
    def _factor_changed(self, event) -> None:  # noqa: ANN001
        if event.control.id and event.control.id.startswith("factor-"):
            self._suggest()

    @on(Select.Changed, "#level")
    def _level_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL and event.value != self.suggested:
            self.level_touched = True

    def _factors(self) -> dict[str, str]:
        kind = self.app.desk.playbooks.get(self.kind_key)
        values = {}
        for f in kind.factors:
            try:
                widget = self.query_one(f"#factor-{f.key}")
            except NoMatches:  # a factor this form does not ask (none other is caught)
                continue
            value = widget.value
            if value is Select.NULL or value in (None, ""):
                continue
            values[f.key] = str(value)
        return values

    def _suggest(self) -> None:
        out = self.query_one("#suggestion", Static)
        try:
            s = self.app.desk.suggest(self.kind_key, self._factors())
        except DeskError as exc:
            out.update(_("Risk factors: {error}").format(error=exc))
            return
        self.suggested = s.level
        if s.level is None:
            out.update(_("Suggested level: none yet (choose the factors, or pick a level)"))
        else:
            out.update(
                Text.assemble(
                    (_("Suggested level: {level}").format(level=self.app.desk.playbooks.level_short(self.kind_key, s.level)), "bold"),
                    "\n",
                    safe("\n".join(f"  {r}" for r in s.reasons), multiline=True),
                )
            )
            level = self.query_one("#level", Select)
            if not self.level_touched:
                level.value = s.level

    # -- submit ------------------------------------------------------------------------------
    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        if self.busy:
            return
        title = self.query_one("#title", Input).value
        place = self.query_one("#place", Input).value
        receiver = self.query_one("#receiver", Input).value.strip() or None
        level = self.query_one("#level", Select).value
        reason = self.query_one("#reason", Input).value.strip() or None
        for key, field, value in (("title", _("Title"), title), ("place", _("Place"), place)):
            if not value.strip():
                self.error(_("{field} must not be empty").format(field=field), key)
                return
        times = {}
        for key, label in (("at", _("Reported at")), ("occurred", _("Happened at"))):
            text = self.query_one(f"#{key}", Input).value.strip()
            times[key] = None
            if text and text.lower() != "now":
                try:
                    times[key] = parse_when(text, self.app.clock.now())
                except BadTime as exc:
                    self.error(_("{field}: {error}").format(field=label, error=exc), key)
                    return
        if level is Select.NULL or level is None:
            self.error(_("Level: choose one, or give the risk factors"), "level")
            return
        factors = self._factors()
        self.busy = True
        self.error(_("Opening..."))
        self.app.desk_call(
            self,
            lambda: self.app.desk.open_incident(
                kind=self.kind_key,
                title=title,
                place=place,
                level=str(level),
                factors=factors,
                received_by=receiver,
                at=times["at"],
                reason=reason,
                occurred=times["occurred"],
            ),
            tag="open",
            inline=True,  # said here, by the field; a notice would outlive the fix
        )
