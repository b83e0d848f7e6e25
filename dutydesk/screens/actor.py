"""Who is acting: asked when the console starts, unless a call sign was given
(``--actor`` or ``DUTYDESK_ACTOR``) that the desk accepts.

The default is filled in (the call sign used last on this machine, else the
duty commander of the running shift).  A call sign that is not an active member
of the desk's staff is refused here, naming known ones, so nothing is ever
written under a login name or a typo.  ``Esc`` quits the console.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from dutydesk.errors import DeskError
from dutydesk.i18n import _
from dutydesk.messages import Loaded, LoadFailed
from dutydesk.screens.dialogs import Dialog


class ActorScreen(Dialog):
    """Dismisses with the accepted call sign, or ``None`` to quit."""

    SUBMITS = {"callsign": "_ok"}

    def __init__(self, default: str = "", *, error: str = "") -> None:
        super().__init__()
        self.default, self.first_error = default, error

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(_("Who is acting?"), classes="title")
            yield Static(_("Every change is journaled under this call sign."))
            yield Label(_("Call sign"))
            yield Input(value=self.default, id="callsign")
            yield Static(self.first_error, id="error", classes="error", markup=False)
            yield Horizontal(Button(_("Act as this call sign"), variant="primary", id="ok"), Button(_("Quit"), id="cancel"), classes="buttons")

    @on(Input.Submitted, "#callsign")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        callsign = self.query_one("#callsign", Input).value.strip()
        if not callsign:
            self.error(_("{field} must not be empty").format(field=_("Call sign")))
            return
        self._check(callsign)

    @work(thread=True, group="actor", exclusive=True)
    def _check(self, callsign: str) -> None:
        try:
            self.app.desk.check_actor(callsign)
        except DeskError as exc:
            self.post_message(LoadFailed("actor", exc.message))
            return
        except Exception as exc:  # a database fault: say so, keep asking
            from dutydesk import log

            log.fault("console", exc)
            self.post_message(LoadFailed("actor", _("database: {error}").format(error=f"{type(exc).__name__}: {exc}")))
            return
        self.post_message(Loaded("actor", callsign))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "actor":
            self.dismiss(message.data)

    def on_load_failed(self, message: LoadFailed) -> None:
        if message.what == "actor":
            self.error(message.problem, "callsign")
