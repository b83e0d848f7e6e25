"""Type-ahead (issue 13, night-shift trial item 1): every key reaches the
widget that has, or is about to have, the focus, in the order typed -- Tab,
Shift+Tab and Esc included -- whatever the timing.  Keys are sent as one burst
(all queued before the console handles the first), as a terminal delivers a
paste or fast typing."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from dutydesk.screens.dialogs import ChoiceDialog, ConfirmDialog, PromptDialog
from dutydesk.screens.open_incident import OpenIncidentScreen
from tests.consoles import burst, console, incident_console, settle, stack


def fields(screen) -> dict[str, str]:  # noqa: ANN001
    return {w.id: w.value for w in screen.query(Input) if w.id}


async def test_o_and_text_in_one_burst_fill_the_open_form(desk):
    """Was: 'o' then 'AAA' left Title empty; with Tabs, Title got the last field's text."""
    async with console(desk, size=(100, 40)) as (app, pilot):
        burst(app, ["o", *"Fight at bus depot", "tab", *"Depot 4", "tab", *"17:20"])
        await settle(pilot)
        assert isinstance(app.screen, OpenIncidentScreen), stack(app)
        got = fields(app.screen)
        assert (got["title"], got["place"], got["at"]) == ("Fight at bus depot", "Depot 4", "17:20"), got
        assert app.focused is app.screen.query_one("#at", Input)


async def test_tab_in_a_burst_moves_between_the_characters_typed_before_and_after(desk):
    """Was: 'AAA' Tab 'BBB' Tab '17:00' on an open form gave Title 'AAABBB17:00'."""
    async with console(desk, size=(100, 40)) as (app, pilot):
        await pilot.press("o")
        await settle(pilot)
        burst(app, [*"AAA", "tab", *"BBB", "tab", *"17:00", "shift+tab", *"C"])
        await settle(pilot)
        got = fields(app.screen)
        # as when typed slowly: a field reached by Tab has its text selected, and typing replaces it
        assert (got["title"], got["place"], got["at"]) == ("AAA", "C", "17:00"), got
        assert app.focused is app.screen.query_one("#place", Input)


async def test_l_and_a_reason_in_one_burst_keep_the_reason(desk, opened):
    """Was: the reason went to the New level dropdown and was dropped.  The level's key
    comes first (the picker has the focus and takes it), then the reason."""
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, _screen):
        burst(app, ["l", "a", *"crowd growing"])
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog), stack(app)
        assert app.screen.query_one("#reason", Input).value == "crowd growing"


async def test_y_right_after_esc_answers_the_discard_prompt(desk, opened):
    """Was: 'y' typed within ~0.3 s of Esc was lost (it went to the text field)."""
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, screen):
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        burst(app, [*"half a note", "escape", "y"])
        await settle(pilot)
        assert app.screen is screen, stack(app)
        burst(app, ["n", *"other", "escape", "n"])  # n: keep typing; the text is as typed, no 'n' in it
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog), stack(app)
        assert app.screen.query_one("#text", Input).value == "other"
        burst(app, ["escape", "y", "m"])  # after the dialog, the next key is the incident screen's
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog), stack(app)
    assert desk.get_incident(slow.id).notes == []


async def test_esc_and_y_in_one_read_from_the_terminal_discard(desk, opened):
    """A terminal read of Esc and y together is parsed as Alt+y (character 'y');
    it went into the text field and the dialog stayed open."""
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, screen):
        burst(app, ["n", *"half a note"])
        app.post_message(events.Key("alt+y", "y"))
        await settle(pilot)
        assert app.screen is screen, stack(app)
        await pilot.press("n", *"keep")
        await settle(pilot)
        app.post_message(events.Key("alt+n", "n"))  # Esc, then n: keep typing
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog), stack(app)
        assert app.screen.query_one("#text", Input).value == "keep"
    assert desk.get_incident(slow.id).notes == []


# -- the instruction dialog (night-shift trial item 2) ------------------------------------------


async def test_instruction_dialog_names_the_recipient_field_and_ctrl_s_sends(desk, opened):
    """Was: the recipient field had no label, and Ctrl+S did nothing (only Enter sent)."""
    from textual.widgets import Label

    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, screen):
        burst(app, ["i", *"DC2", "tab", "tab", *"Call the site manager"])
        await settle(pilot)
        labels = [str(w.render()) for w in app.screen.query(Label)]
        assert "To" in labels, labels
        burst(app, ["ctrl+s"])
        await settle(pilot)
        assert app.screen is screen, stack(app)
    ins = desk.get_incident(slow.id).instructions
    assert [(i.unit, i.text) for i in ins] == [("DC2", "Call the site manager")]


async def test_ctrl_s_sends_a_note_typed_in_the_same_burst(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, screen):
        burst(app, ["n", *"gate shut"])
        await settle(pilot)
        burst(app, [*" at 18:00", "ctrl+s"])
        await settle(pilot)
        assert app.screen is screen, stack(app)
    assert [n.text for n in desk.get_incident(slow.id).notes] == ["gate shut at 18:00"]


async def test_text_typed_while_the_list_or_a_button_has_focus_is_not_dropped(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, _screen):
        await pilot.press("i")
        await settle(pilot)
        app.screen.query_one("#items").focus()
        await settle(pilot)
        await pilot.press(*"DC2")
        await settle(pilot)
        assert app.screen.query_one("#filter", Input).value == "DC2"
        app.screen.query_one("#ok").focus()
        await settle(pilot)
        await pilot.press(*"Call")
        await settle(pilot)
        assert app.screen.query_one("#text", Input).value == "Call"


async def test_backspace_then_tab_in_a_burst_edit_the_field_they_were_typed_in(desk, opened):
    """Was (with Tab acted on at once): two Backspaces typed in the filter before a Tab
    deleted two characters of the instruction text typed after it."""
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, screen):
        await pilot.press("i")
        await settle(pilot)
        burst(app, [*"PS", "backspace", "backspace", *"DC2", "tab", "tab", *"Send two cars", "left", "backspace", "right", *"!", "enter", "m"])
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog), stack(app)  # m, after the instruction was sent
        app.screen.dismiss(False)
        await settle(pilot)
        assert app.screen is screen
    ins = desk.get_incident(slow.id).instructions
    assert [(i.unit, i.text) for i in ins] == [("DC2", "Send two cas!")]


async def test_esc_on_an_open_dropdown_closes_the_dropdown_not_the_dialog(desk, opened):
    from textual.widgets import Select

    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, _screen):
        await pilot.press("l")
        await settle(pilot)
        app.screen.query_one("#choice", Select).focus()
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#choice", Select).expanded
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog), stack(app)
        assert not app.screen.query_one("#choice", Select).expanded


async def test_the_instruction_dialog_says_who_is_chosen_whatever_the_filter_shows(desk, opened):
    """Was: a filter 'PS' left the To field reading 'PS' while the instruction
    went to the list's first match (second night-shift trial): the dialog now
    says in words who it goes to, and that is who gets it."""
    from textual.widgets import OptionList, Static

    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, screen):
        burst(app, ["i", *"PS"])
        await settle(pilot)
        dialog = app.screen
        options = dialog.query_one("#items", OptionList)
        assert options.option_count >= 2, "the test desk needs two units matching 'PS'"
        first, second = (str(options.get_option_at_index(i).prompt) for i in (0, 1))
        chosen = dialog.query_one("#chosen", Static)
        assert str(chosen.render()) == f"Chosen: {first}"
        options.focus()
        await pilot.press("down")
        await settle(pilot)
        assert str(chosen.render()) == f"Chosen: {second}"
        dialog.query_one("#text", Input).focus()
        burst(app, [*"Send two cars", "ctrl+s"])
        await settle(pilot)
        assert app.screen is screen, stack(app)
    ins = desk.get_incident(slow.id).instructions
    assert len(ins) == 1 and ins[0].unit in second, (ins, second)
