"""A change confirmed on a stale view is refused, never applied over the newer
record (the trial: the level dialog said "Now: Level A", another desk set C,
Enter applied C → B, an escalation journaled with the de-escalation's reason).

The console passes the version of the incident its dialog showed
(``expected_version``); the poll reloading the screen underneath an open dialog
does not move that version on.  Here the poll is ``app.changed()``.
"""

from __future__ import annotations

from textual.widgets import Input, OptionList, Select, Static

from dutydesk.desk import Desk
from dutydesk.screens.dialogs import ChoiceDialog, ConfirmDialog, PickerDialog, PromptDialog
from tests.consoles import incident_console, settle, stack, text_of

STALE = "changed by someone else"


def other_desk(db_url, clock) -> Desk:  # noqa: ANN001
    return Desk.open(db_url, clock=clock, actor="DC2")


async def test_a_level_change_on_a_stale_dialog_is_refused_and_asked_again(desk, db_url, clock, opened):
    slow, _ = opened  # level B
    async with incident_console(desk, slow.id) as (app, pilot, screen):
        await pilot.press("l", "c", *"crowd thinning")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog), stack(app)
        other = other_desk(db_url, clock)
        other.set_level(slow.id, "A", "road blocked")
        other.close()
        app.changed()  # the poll: the screen underneath reloads, the dialog still says B
        await settle(pilot)
        assert screen.detail is not None and screen.detail.level == "A"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")  # the level change's confirmation
        await settle(pilot)
        assert desk.get_incident(slow.id).level == "A", "applied over the other desk's change"
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog), stack(app)
        assert STALE in text_of(dialog.query_one("#error", Static))
        assert dialog.query_one("#choice", Select).value == "C"
        assert dialog.query_one("#reason", Input).value == "crowd thinning"
        assert any("Now: Level A" in text_of(s) for s in dialog.query(Static)), "the dialog again shows the level now"
        await pilot.press("enter")  # on what it now shows: goes through, A → C
        await settle(pilot)
        await pilot.press("y")  # the level change's confirmation
        await settle(pilot)
    changes = desk.get_incident(slow.id).level_changes
    assert [(c.from_level, c.to_level, c.reason) for c in changes[-2:]] == [("B", "A", "road blocked"), ("A", "C", "crowd thinning")]


async def test_a_status_change_on_a_stale_dialog_is_refused(desk, db_url, clock, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id) as (app, pilot, _screen):
        await pilot.press("t")
        await settle(pilot)
        app.screen.query_one("#choice", Select).value = "contained"
        other = other_desk(db_url, clock)
        other.set_status(slow.id, "responding")
        other.close()
        app.changed()
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog), stack(app)
        assert STALE in text_of(app.screen.query_one("#error", Static))
    assert desk.get_incident(slow.id).status == "responding"


async def test_a_note_on_a_stale_screen_is_refused_and_kept(desk, db_url, clock, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id) as (app, pilot, _screen):
        await pilot.press("n", *"crowd calm")
        await settle(pilot)
        other = other_desk(db_url, clock)
        other.set_level(slow.id, "A", "road blocked")
        other.close()
        app.changed()
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog), stack(app)
        assert STALE in text_of(app.screen.query_one("#error", Static))
        assert desk.get_incident(slow.id).notes == []
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert [n.text for n in desk.get_incident(slow.id).notes] == ["crowd calm"]


async def test_an_assignment_on_a_stale_dialog_is_refused(desk, db_url, clock, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id) as (app, pilot, _screen):
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PickerDialog), stack(app)
        await pilot.press(*"PS2")
        await settle(pilot)
        other = other_desk(db_url, clock)
        other.set_level(slow.id, "A", "road blocked")
        other.close()
        app.changed()
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PickerDialog), stack(app)
        assert STALE in text_of(app.screen.query_one("#error", Static))
    assert all(h.who != "PS2" for r in desk.get_incident(slow.id).roles for h in r.holders)


async def test_a_waiver_on_a_stale_dialog_is_refused(desk, db_url, clock, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id) as (app, pilot, _screen):
        await pilot.press("w", *"site closed")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog), stack(app)
        other = other_desk(db_url, clock)
        other.add_note(slow.id, "meanwhile")
        other.close()
        app.changed()
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog), stack(app)
        assert STALE in text_of(app.screen.query_one("#error", Static))
    assert all(dl.state != "waived" for dl in desk.get_incident(slow.id).deadlines)


async def test_enter_without_a_level_keeps_the_reason_typing_and_esc_asks(desk, opened):
    # the trial: Enter without a level said "New level: choose one" and took the focus to the
    # list while the terminal cursor stayed in Reason; the reason typed next was refused key by
    # key (or a letter of it taken as a level's key), and Esc closed the dialog without asking
    slow, _ = opened  # level B: keys a, c
    async with incident_console(desk, slow.id, size=(80, 24)) as (app, pilot, screen):
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog), stack(app)
        assert "New level: choose one" in text_of(dialog.query_one("#error", Static))
        reason = dialog.query_one("#reason", Input)
        assert app.focused is reason
        await pilot.press(*"road reopened")
        await settle(pilot)
        assert reason.value == "road reopened"
        assert dialog.query_one("#choice", Select).value is Select.NULL, "a letter of the reason chose a level"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog), stack(app)
        assert "Discard what you typed?" in app.screen.title_text
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is dialog
        await pilot.press("shift+tab", "c")
        await settle(pilot)
        assert text_of(dialog.query_one("#error", Static)).strip() == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")  # the level change's confirmation
        await settle(pilot)
    assert desk.get_incident(slow.id).level_changes[-1].reason == "road reopened"
    assert desk.get_incident(slow.id).level == "C"


async def test_a_key_refused_on_the_level_list_makes_esc_ask(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(80, 24)) as (app, pilot, screen):
        await pilot.press("l", "x")
        await settle(pilot)
        dialog = app.screen
        assert "New level: press a, c" in text_of(dialog.query_one("#error", Static))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog), stack(app)


async def test_the_assign_dialog_chooses_nobody_until_the_officer_does(desk, opened):
    # the trial: a then Enter assigned CC, the list's first unit, that nobody chose
    slow, _ = opened
    async with incident_console(desk, slow.id) as (app, pilot, _screen):
        await pilot.press("a")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerDialog), stack(app)
        assert text_of(picker.query_one("#chosen", Static)).strip() == ""
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is picker, stack(app)
        assert "Choose from the list" in text_of(picker.query_one("#error", Static))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is picker, stack(app)
        await pilot.press("down", "down")  # the arrows choose from the filter, too
        await settle(pilot)
        chosen = text_of(picker.query_one("#chosen", Static))
        assert chosen.startswith("Chosen: ") and picker.query_one("#items", OptionList).highlighted == 1, chosen
        await pilot.press("up", "up", "up")
        await settle(pilot)
        assert picker.query_one("#items", OptionList).highlighted == 0
        await pilot.press(*"SPD", "enter")  # a filter typed: its first match is the choice, as before
        await settle(pilot)
    assert [h.who for r in desk.get_incident(slow.id).roles for h in r.holders] == ["SPD"]


async def test_a_reason_typed_straight_into_the_level_dialog_is_confirmed_before_it_changes_anything(desk, opened):
    """The level picker takes a level key: a commander who types the reason at
    once ('crowd dispersing') chose level C with its first letter.  Enter no
    longer makes that change: a confirmation names it (B → C: de-escalation,
    the reason as taken), and 'n' goes back to the dialog with all of it kept."""
    slow, _ = opened  # level B
    async with incident_console(desk, slow.id) as (app, pilot, _screen):
        await pilot.press("l", *"crowd dispersing", "enter")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog), stack(app)
        said = " ".join(confirm.lines)
        assert "B → C: de-escalation" in said and "rowd dispersing" in said, said
        assert desk.get_incident(slow.id).level == "B"
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog), stack(app)
        assert dialog.query_one("#choice", Select).value == "C"
        assert dialog.query_one("#reason", Input).value == "rowd dispersing"
    assert desk.get_incident(slow.id).level == "B" and len(desk.get_incident(slow.id).level_changes) == 1  # the opening only
