"""The night-shift trial's console findings (after the stale-view ones in
test_console_stale.py): a refusal that outlived its fix, a row detail read
before the reload, and the words of the countdowns."""

from __future__ import annotations

from textual.widgets import Input, Select, Static

from dutydesk.screens.dialogs import PromptDialog, TextDialog
from dutydesk.screens.incident import IncidentScreen
from dutydesk.screens.open_incident import OpenIncidentScreen
from tests.consoles import burst, console, incident_console, settle, stack, text_of


async def test_a_refusal_fixed_on_the_open_form_leaves_no_notice_behind(desk):
    # the trial: a title with a BEL refused inline; fixed, Ctrl+S opened the incident and a
    # "Refused / title: contains control characters" notice then showed over its screen
    async with console(desk, size=(80, 24)) as (app, pilot):
        await pilot.press("o")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, OpenIncidentScreen), stack(app)
        form.query_one("#title", Input).value = "Road\x07 blockade"
        form.query_one("#place", Input).value = "Route 205"
        form.query_one("#level", Select).value = "B"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "control character" in text_of(form.query_one("#error", Static))
        form.query_one("#title", Input).value = "Road blockade"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen), stack(app)
        stale = [n.message for n in app._notifications if "control character" in str(n.message)]
        assert stale == []
    assert [i.title for i in desk.list_incidents()] == ["Road blockade"]


async def test_enter_right_after_a_waiver_shows_the_deadline_as_waived(desk, opened):
    # the trial: a fast double Enter after a waive opened the row's detail showing its
    # old state ("due soon") though it was just waived
    slow, _ = opened
    first = desk.get_incident(slow.id).deadlines[0]
    async with incident_console(desk, slow.id) as (app, pilot, screen):
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog), stack(app)
        burst(app, [*"site closed", "enter", "enter"])
        await settle(pilot, rounds=5)
        assert isinstance(app.screen, TextDialog), stack(app)
        state = [text_of(s) for s in app.screen.query(Static) if "State:" in text_of(s)]
        assert state == ["State: waived: site closed"], state
    assert next(dl for dl in desk.get_incident(slow.id).deadlines if dl.id == first.id).state == "waived"


async def test_enter_right_after_a_refused_change_still_opens_the_detail(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id) as (app, pilot, screen):
        await pilot.press("w")
        await settle(pilot)
        app.screen.query_one("#text", Input).value = "bell \x07"
        await pilot.press("enter")  # refused: no reload follows
        await settle(pilot, rounds=5)
        assert isinstance(app.screen, PromptDialog), stack(app)
        app.screen.dismiss(None)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog), stack(app)


def test_the_alarm_list_words_an_overdue_countdown_as_the_board(desk, clock):
    # the trial: the alarm list said "OVERDUE +02:09" where the board said "OVERDUE 02:09"
    from datetime import timedelta

    from dutydesk.alarms import alarm_list
    from dutydesk.screens.alarms import describe, left_text, state_word
    from dutydesk.timefmt import countdown_words

    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    first = min((d for d in desk.list_deadlines() if d.subject_id == inc.id), key=lambda d: d.due_at)
    for late, board in ((timedelta(seconds=20), "DUE +00:20"), (timedelta(minutes=2, seconds=9), "OVERDUE 02:09")):
        clock.set(first.due_at + late)
        now = clock.now()
        pending = desk.list_deadlines()
        titles = desk.incident_titles(d.subject_id for d in pending)
        [a] = [a for a in alarm_list(pending, desk.alarm_acks(), now, titles) if a.deadline_id == first.id]
        assert countdown_words(first.due_at - now, soon=False, due_grace=timedelta(minutes=1)) == board
        assert f"{state_word(a, now).plain} {left_text(a, now).plain}" == board
        assert describe(a, now).startswith(board + " — ")


async def test_help_words_the_countdowns_as_the_screens_do(desk):
    from dutydesk.screens.help import HelpScreen

    async with console(desk) as (app, pilot):
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen), stack(app)
        words = " ".join(text_of(s) for s in app.screen.query(Static))
        assert "with a +" not in words and "OVERDUE 02:09" in " ".join(words.split())


async def test_a_level_change_is_confirmed_naming_the_level_once(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id) as (app, pilot, _screen):
        await pilot.press("l", "a", *"road blocked", "enter")
        await settle(pilot)
        await pilot.press("y")  # the level change's confirmation
        await settle(pilot)
        said = [str(n.message) for n in app._notifications]
        assert "Level is now A" in said, said


async def test_a_confirmation_says_a_deadlines_state_once(desk, clock, opened):
    # the trial: "OVERDUE OVERDUE 02:44", "due soon soon 07:10" (zh "临期 临期 04:08"); a guard
    from datetime import timedelta

    _, fast = opened
    first = min(desk.get_incident(fast.id).deadlines, key=lambda d: d.due_at)
    for offset, words in ((timedelta(minutes=-5), "soon 05:00"), (timedelta(minutes=2, seconds=44), "OVERDUE 02:44")):
        clock.set(first.due_at + offset)
        async with incident_console(desk, fast.id) as (app, pilot, _screen):
            await pilot.press("m")
            await settle(pilot)
            due = next(text_of(s) for s in app.screen.query(Static) if text_of(s).startswith("Due:"))
            assert due.endswith("  " + words), due
            assert due.lower().count(words.split()[0].lower()) == 1, due
