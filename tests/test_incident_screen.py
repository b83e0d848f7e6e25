"""The incident screen and its dialogs (issue 13: incident screen, keys that
cannot misfire, forms), driven with Pilot on a fixed clock."""

from __future__ import annotations

from textual.widgets import DataTable, Input, OptionList, Static, TabbedContent

from dutydesk.desk import Desk
from dutydesk.screens.dialogs import ConfirmDialog, PickerDialog, PromptDialog, TextDialog
from dutydesk.screens.incident import IncidentScreen
from tests.consoles import burst, cell, console, incident_console, make_app, open_incident_screen, settle, stack, text_of


async def test_number_keys_switch_tabs_and_focus_the_table(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, screen):
        tabs = screen.query_one("#tabs", TabbedContent)
        for key, tab in (("3", "instructions"), ("5", "timeline"), ("2", "roles"), ("4", "levels"), ("1", "deadlines")):
            await pilot.press(key)
            await settle(pilot)
            assert tabs.active == f"tab-{tab}"
            assert app.focused is screen.query_one(f"#{tab}", DataTable)
        header = text_of(screen.query_one("#summary", Static)).splitlines()
        assert len(header) == 2, header
        assert "#1" in header[0] and " B " in header[0] and "REPORTED" in header[0] and "Wage gathering" in header[0]
        assert "Site 3" in header[1] and "mass" in header[1] and "received by DC1" in header[1]


async def test_opens_with_the_given_deadline_selected(desk, opened):
    slow, _ = opened
    last = desk.get_incident(slow.id).deadlines[-1]
    async with console(desk, size=(100, 30)) as (app, pilot):
        await app.push_screen(IncidentScreen(slow.id, deadline_id=last.id))
        await settle(pilot)
        table = app.screen.query_one("#deadlines", DataTable)
        assert app.screen.query_one("#tabs", TabbedContent).active == "tab-deadlines"
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == str(last.id)
        assert app.focused is table


async def test_side_by_side_from_160_columns(desk, opened):
    slow, _ = opened
    for width, together in ((200, True), (100, False)):
        app = make_app(desk)
        async with app.run_test(size=(width, 40)) as pilot:
            screen = await open_incident_screen(pilot, slow.id)
            shown = [t for t in ("deadlines", "roles", "instructions") if screen.query_one(f"#{t}", DataTable).region.width > 0]
            assert shown == (["deadlines", "roles", "instructions"] if together else ["deadlines"]), (width, shown)


async def test_deadline_names_in_full_say_to_whom(desk, clock, opened):
    slow, _ = opened
    desk.instruct(slow.id, "PS1", "Send two cars")
    desk.instruct(slow.id, "DC2", "Call the site manager")
    async with incident_console(desk, slow.id, size=(80, 24)) as (app, pilot, screen):
        table = screen.query_one("#deadlines", DataTable)
        names = [cell(table, table.get_row_at(i)[0], "what") for i in range(table.row_count)]
        acks = [n for n in names if n.startswith("Instruction reaches the front-line unit")]
        assert acks == ["Instruction reaches the front-line unit (to PS1)", "Instruction reaches the front-line unit (to DC2)"], names


async def test_enter_opens_the_full_text_as_data(desk, opened):
    slow, _ = opened
    long_text = "[bold]Send[/] two cars to the north gate; " + "report numbers and mood every ten minutes. " * 4
    ins = desk.instruct(slow.id, "PS1", long_text)
    async with incident_console(desk, slow.id, size=(80, 24)) as (app, pilot, screen):
        await pilot.press("3")
        table = screen.query_one("#instructions", DataTable)
        table.move_cursor(row=table.get_row_index(str(ins.id)))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        assert app.screen.query_one("#fulltext", Static).render().plain == long_text.strip()
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("5")
        tl = screen.query_one("#timeline", DataTable)
        tl.move_cursor(row=tl.row_count - 1)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        assert long_text.strip() in app.screen.query_one("#fulltext", Static).render().plain
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_a_closed_incident_reports_no_unfilled_roles(desk, clock, opened):
    slow, _ = opened
    desk.close_incident(slow.id, "Dispersed")
    async with console(desk, size=(100, 30)) as (app, pilot):
        await app.push_screen(IncidentScreen(slow.id))
        await settle(pilot)
        header = text_of(app.screen.query_one("#summary", Static))
        assert "Unfilled" not in header and "CLOSED" in header
        roles = app.screen.query_one("#roles", DataTable)
        held = [cell(roles, r.key, "held") for r in desk.get_incident(slow.id).roles]
        assert held and "UNFILLED" not in held, held


async def test_meet_asks_naming_the_row_and_needs_enter_or_y(desk, opened):
    _slow, fast = opened
    async with incident_console(desk, fast.id, size=(100, 30)) as (app, pilot, screen):
        table = screen.query_one("#deadlines", DataTable)
        table.focus()
        table.move_cursor(row=1)
        second = int(table.get_row_at(1)[0])
        label = desk.get_deadline(second).label
        for cancel in ("escape", "n"):
            await pilot.press("m")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            said = " ".join(text_of(w) for w in app.screen.query(Static))
            assert f"deadline {second}" in said and label in said, said
            await pilot.press(cancel)
            await settle(pilot)
            assert app.screen is screen and desk.get_deadline(second).state == "pending"
        await pilot.press("m", "enter")
        await settle(pilot)
        assert desk.get_deadline(second).state == "met"


async def test_ack_asks_naming_the_instruction(desk, clock, opened):
    slow, _ = opened
    ins = desk.instruct(slow.id, "PS1", "Send two cars")
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, screen):
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        said = " ".join(text_of(w) for w in app.screen.query(Static))
        assert f"instruction {ins.id}" in said and "PS1" in said and "Send two cars" in said
        await pilot.press("escape")
        await settle(pilot)
        assert desk.get_instruction(ins.id).acknowledged_at is None
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
    assert desk.get_instruction(ins.id).acknowledged_at is not None


async def test_keys_typed_while_a_dialog_opens_go_to_the_dialog(desk, opened):
    """A reason typed early reached the incident screen, and its 'c' opened Close."""
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, screen):
        burst(app, ["a", *"cSPD"])  # the assign picker reads units and staff first
        await settle(pilot)
        assert stack(app) == ["BoardScreen", "IncidentScreen", "PickerDialog"], stack(app)
        assert app.screen.query_one("#filter", Input).value == "cSPD"
        app.pop_screen()
        await settle(pilot)
        burst(app, ["n", *"close the gate"])
        await settle(pilot)
        assert stack(app) == ["BoardScreen", "IncidentScreen", "PromptDialog"], stack(app)
        assert app.screen.query_one("#text", Input).value == "close the gate"
        burst(app, ["enter"])
        await settle(pilot)
        assert app.screen is screen
        burst(app, ["n", *"all quiet", "enter", "m"])  # a whole note typed ahead, then the next key
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog), stack(app)  # m asks; nothing was met
        burst(app, ["escape"])
        await settle(pilot)
        await pilot.press("n", *"check cameras", "enter")  # pilot.press, no pause between the keys
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("n")
        await settle(pilot)
        burst(app, [*"in one read", "enter"])  # an open dialog: text and Enter arrive together (was: Enter lost)
        await settle(pilot)
        assert app.screen is screen, stack(app)
    assert [n.text for n in desk.get_incident(slow.id).notes] == ["close the gate", "all quiet", "check cameras", "in one read"]
    assert all(dl.state == "pending" for dl in desk.get_incident(slow.id).deadlines)


async def test_esc_on_a_half_filled_dialog_asks_first(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, screen):
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")  # nothing typed: closes at once
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("n", *"half a note")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep typing
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog) and app.screen.query_one("#text", Input).value == "half a note"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
    assert desk.get_incident(slow.id).notes == []


async def test_a_conflict_keeps_the_typed_summary(desk, db_url, clock, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, _screen):
        await pilot.press("c")
        await settle(pilot)
        other = Desk.open(db_url, clock=clock, actor="DC2")
        other.add_note(slow.id, "meanwhile")  # the incident moves on while the summary is typed
        other.close()
        await pilot.press(*"Dispersed after talks", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog), stack(app)
        assert app.screen.query_one("#text", Input).value == "Dispersed after talks"
        assert "changed by someone else" in text_of(app.screen.query_one("#error", Static))
        await pilot.press("enter")  # against the version just read: goes through
        await settle(pilot)
    d = desk.get_incident(slow.id)
    assert d.status == "closed" and d.summary == "Dispersed after talks"


async def test_a_level_conflict_keeps_level_and_reason(desk, db_url, clock, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, screen):
        other = Desk.open(db_url, clock=clock, actor="DC2")
        other.add_note(slow.id, "meanwhile")
        other.close()
        await pilot.press("l")
        await settle(pilot)
        from textual.widgets import Select

        app.screen.query_one("#choice", Select).value = "A"
        app.screen.query_one("#reason", Input).focus()
        await pilot.press(*"road blocked", "enter")
        await settle(pilot)
        await pilot.press("y")  # the level change's confirmation
        await settle(pilot)
        assert app.screen is not screen
        assert app.screen.query_one("#choice", Select).value == "A"
        assert app.screen.query_one("#reason", Input).value == "road blocked"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")  # the level change's confirmation
        await settle(pilot)
    assert desk.get_incident(slow.id).level == "A"


async def test_instruct_a_person_from_the_console_and_an_empty_filter_says_so(desk, clock, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, _screen):
        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*"zzz")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerDialog) and picker.query_one("#items", OptionList).option_count == 0
        assert "No unit or person matches 'zzz'" in text_of(picker.query_one("#empty", Static))
        await pilot.press("enter")
        await settle(pilot)
        assert "Choose from the list" in text_of(picker.query_one("#error", Static))
        await pilot.press("backspace", "backspace", "backspace", *"DC2")
        await settle(pilot)
        assert text_of(picker.query_one("#error", Static)).strip() == ""  # the error cleared with the fix
        await pilot.press("enter", *"Call the site manager", "enter")
        await settle(pilot)
    ins = desk.get_incident(slow.id).instructions
    assert [(i.unit, i.to_type, i.text) for i in ins] == [("DC2", "staff", "Call the site manager")]


async def test_dialog_errors_name_the_field_focus_it_and_clear_when_fixed(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 30)) as (app, pilot, _screen):
        await pilot.press("l")
        await settle(pilot)
        from textual.widgets import Select

        dialog = app.screen
        dialog.query_one("#choice", Select).value = "A"
        await pilot.click("#ok")
        await settle(pilot)
        assert "Reason (required) must not be empty" in text_of(dialog.query_one("#error", Static))
        assert app.focused is dialog.query_one("#reason", Input)
        await pilot.press("x")
        await settle(pilot)
        assert text_of(dialog.query_one("#error", Static)).strip() == ""


async def test_open_form_errors_use_the_label_and_clear(desk):
    from textual.widgets import Select

    async with console(desk, size=(100, 40)) as (app, pilot):
        await pilot.press("o")
        await settle(pilot)
        form = app.screen
        form.query_one("#title", Input).value = "Gathering"
        form.query_one("#place", Input).value = "Gate"
        form.query_one("#level", Select).value = "B"
        form.query_one("#at", Input).value = "25:99"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = text_of(form.query_one("#error", Static))
        assert error.startswith("Reported at:"), error
        assert app.focused is form.query_one("#at", Input)
        await pilot.press("backspace")
        await settle(pilot)
        assert text_of(form.query_one("#error", Static)).strip() == ""
        form.query_one("#at", Input).value = "2099-01-01T10:00"  # refused by the desk, not the form
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = text_of(form.query_one("#error", Static))
        assert error.startswith("Reported at:"), error
        assert app.focused is form.query_one("#at", Input)
        form.query_one("#at", Input).value = ""
        await settle(pilot)
        await pilot.press("escape")  # half-filled: asks
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is form
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert [i.title for i in desk.list_incidents()] == ["Gathering"]


async def test_history_search_keeps_the_focus_in_the_search_box(desk, clock):
    inc = desk.open_incident(kind="mass", title="Old gathering", place="Park", level="C")
    desk.close_incident(inc.id, "done")
    async with console(desk, size=(100, 30)) as (app, pilot):
        await pilot.press("h")
        await settle(pilot)
        await pilot.press(*"Park", "enter")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#search", Input)
        assert app.screen.query_one("#history", DataTable).row_count == 1


def test_cli_show_of_a_closed_incident_reports_no_unfilled_roles(seeded):
    from tests.clitools import ok

    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gate", "--place", "Site", "--level", "B"))
    ok(seeded("incident", "assign", "1", "cordon", "SPD"))
    assert "UNFILLED" in ok(seeded("incident", "show", "1")).stdout  # live: the wanting roles say so
    ok(seeded("incident", "close", "1", "--summary", "Dispersed"))
    shown = ok(seeded("incident", "show", "1")).stdout
    assert "UNFILLED" not in shown, shown  # closed: its holders were released, nothing is wanting
