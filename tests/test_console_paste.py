"""A text pasted into a note, an instruction or a close summary is kept whole,
line breaks and all (the trial: Textual's Input kept the first line of a paste
and dropped the rest without a word).  What else it holds is refused in words
as for typed text (dutydesk/text.py block rules)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input, Static

from dutydesk.screens.dialogs import PickerDialog, PromptDialog
from tests.consoles import incident_console, settle, stack, text_of

PASTED = "line one\r\nline two\n\tline three"
KEPT = "line one\nline two\n\tline three"


async def paste(pilot, text: str) -> None:  # noqa: ANN001
    pilot.app.post_message(events.Paste(text))  # as the terminal's bracketed paste arrives
    await settle(pilot)


async def test_a_pasted_note_keeps_every_line(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id) as (app, pilot, _screen):
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog), stack(app)
        await paste(pilot, PASTED)
        assert app.screen.query_one("#text", Input).value == KEPT
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert [n.text for n in desk.get_incident(slow.id).notes] == [KEPT]


async def test_a_line_break_typed_with_ctrl_j_and_enter_still_sends(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id) as (app, pilot, _screen):
        await pilot.press("n", *"crowd calm", "ctrl+j", *"gates open", "enter")
        await settle(pilot)
    assert [n.text for n in desk.get_incident(slow.id).notes] == ["crowd calm\ngates open"]


async def test_a_pasted_instruction_and_close_summary_keep_every_line(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id) as (app, pilot, _screen):
        await pilot.press("i", *"PS2", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PickerDialog), stack(app)
        await paste(pilot, "Hold the gate\nWait for the negotiator")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog), stack(app)
        await paste(pilot, "Dispersed after talks\nNo injuries")
        await pilot.press("ctrl+s")
        await settle(pilot)
    d = desk.get_incident(slow.id)
    assert [i.text for i in d.instructions] == ["Hold the gate\nWait for the negotiator"]
    assert d.status == "closed" and d.summary == "Dispersed after talks\nNo injuries"


async def test_a_pasted_control_character_is_refused_in_words(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id) as (app, pilot, _screen):
        await pilot.press("n")
        await settle(pilot)
        await paste(pilot, "line one\nbell \x07 here")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog), stack(app)
        assert "control character" in text_of(app.screen.query_one("#error", Static))
        assert app.screen.query_one("#text", Input).value == "line one\nbell \x07 here"
    assert desk.get_incident(slow.id).notes == []
