"""The console asks at start which call sign is acting (Textual Pilot)."""

from __future__ import annotations

import json

from textual.widgets import Input, Static

from dutydesk.config import state_file
from dutydesk.screens.actor import ActorScreen
from dutydesk.screens.board import BoardScreen
from tests.consoles import console, make_app, settle


async def test_asks_with_the_duty_commander_refuses_strangers_and_remembers(desk):
    desk.start_shift("DC2")
    desk.actor = "osuser"  # what the CLI hands over when no call sign was given
    async with console(desk, size=(100, 30), ask_actor=True) as (app, pilot):
        dialog = app.screen
        assert isinstance(dialog, ActorScreen)
        field = dialog.query_one("#callsign", Input)
        assert field.value == "DC2"  # nothing remembered yet: the running shift's duty commander
        field.value = ""
        await pilot.press(*"ZZ9", "enter")
        await settle(pilot)
        assert app.screen is dialog  # refused, still asking
        error = str(dialog.query_one("#error", Static).render())
        assert "'ZZ9' is not a member of staff" in error and "CMD1, DC1, DC2" in error, error
        assert desk.actor == "osuser"
        field.value = ""
        await pilot.press(*"DC1", "enter")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert desk.actor == "DC1"
        assert "DC1" in app.sub_title
    note = desk.add_note(desk.open_incident(kind="mass", title="T", place="P", level="C").id, "x")
    assert note is not None and desk.journal_entries()[-1].actor == "DC1"
    path = state_file()
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["last_actor"][desk.meta()["desk_id"]] == "DC1"
    # the next start offers the call sign used last on this machine
    desk.actor = "osuser"
    again = make_app(desk, ask_actor=True)
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, ActorScreen)
        assert again.screen.query_one("#callsign", Input).value == "DC1"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(again.screen, BoardScreen) and desk.actor == "DC1"


async def test_escape_quits_rather_than_acting_as_nobody(desk):
    desk.actor = "osuser"
    async with console(desk, size=(100, 30), ask_actor=True) as (app, pilot):
        assert isinstance(app.screen, ActorScreen)
        assert app.screen.query_one("#callsign", Input).value == ""  # no shift, nothing remembered
        await pilot.press("escape")
        await settle(pilot)
    assert app.return_code == 0 and desk.actor == "osuser"


async def test_explicit_actor_is_not_asked(desk):
    app = make_app(desk)  # the CLI passes ask_actor=False when --actor / DUTYDESK_ACTOR was given
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)


async def test_a_given_call_sign_the_desk_refuses_is_asked_again(desk):
    desk.actor = "DC9"  # --actor DC9: not on the staff
    async with console(desk, size=(100, 30)) as (app, pilot):
        dialog = app.screen
        assert isinstance(dialog, ActorScreen)
        assert dialog.query_one("#callsign", Input).value == "DC9"
        error = str(dialog.query_one("#error", Static).render())
        assert "'DC9' is not a member of staff" in error and "CMD1, DC1, DC2" in error, error
        dialog.query_one("#callsign", Input).value = "DC2"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen) and desk.actor == "DC2"


async def test_a_desk_without_staff_is_not_asked(bare_desk):
    bare_desk.init(name="New desk")
    bare_desk.actor = "osuser"
    async with console(bare_desk, size=(100, 30), ask_actor=True) as (app, pilot):
        assert isinstance(app.screen, BoardScreen)
