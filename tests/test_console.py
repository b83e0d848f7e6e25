"""The console, driven like a user with Textual's Pilot, on a fixed clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from textual.widgets import DataTable, Input, Select, Static

from dutydesk.desk import Desk
from dutydesk.screens.board import BoardScreen
from dutydesk.screens.incident import IncidentScreen
from dutydesk.screens.open_incident import OpenIncidentScreen
from dutydesk.screens.shift import ShiftScreen
from tests.consoles import cell, console, incident_console, make_app, open_incident_screen, settle


async def test_board_lists_live_incidents_most_urgent_first(desk, clock, opened):
    slow, fast = opened
    async with console(desk, size=(100, 30)) as (app, pilot):
        board = app.screen
        assert isinstance(board, BoardScreen)
        table = board.query_one("#board", DataTable)
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == [str(fast.id), str(slow.id)]
        assert board.countdown_text(fast.id) == "in 30:00"
        assert cell(table, str(fast.id), "level") == " red "
        clock.advance(minutes=31)
        app.tick()
        await pilot.pause()
        assert board.countdown_text(fast.id) == "OVERDUE 01:00"  # overdue counts up, the state in words
        strip = board.query_one("#strip").render()
        assert "Overdue: 1" in str(strip)


async def test_countdown_ticks_make_no_database_query(desk, clock, opened):
    app = make_app(desk)
    queries = []
    async with app.run_test() as pilot:
        await settle(pilot)

        def record(conn, cursor, statement, *args):  # noqa: ANN001
            queries.append(statement)

        event.listen(desk.engine, "before_cursor_execute", record)
        try:
            for _ in range(30):
                clock.advance(seconds=1)
                app.tick()
            await pilot.pause()
            # the same ticks with the incident screen open
            await pilot.press("enter")
            await settle(pilot)
            queries.clear()
            for _ in range(30):
                clock.advance(seconds=1)
                app.tick()
            await pilot.pause()
        finally:
            event.remove(desk.engine, "before_cursor_execute", record)
        assert queries == []


async def test_open_incident_with_live_risk_suggestion(desk, clock):
    async with console(desk, size=(100, 40)) as (app, pilot):
        await pilot.press("o")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, OpenIncidentScreen)
        await pilot.press(*"Road blockade")
        await pilot.press("tab")
        await pilot.press(*"Route 205")
        form.query_one("#factor-cause_field", Select).value = "land"
        form.query_one("#factor-participants", Input).value = "400"
        form.query_one("#factor-trend", Select).value = "escalating"
        await settle(pilot)
        suggestion = str(form.query_one("#suggestion", Static).render())
        assert "Suggested level: B" in suggestion and "Participants: 400 (+2, 200 or more)" in suggestion
        assert form.query_one("#level", Select).value == "B"
        form.query_one("#factor-social_impact", Select).value = "city"
        await settle(pilot)
        assert "Suggested level: A" in str(form.query_one("#suggestion", Static).render())
        assert form.query_one("#level", Select).value == "A"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
    d = desk.list_incidents()[0]
    assert (d.title, d.place, d.level) == ("Road blockade", "Route 205", "A")
    detail = desk.get_incident(d.id)
    assert detail.suggested_level == "A" and detail.factors["participants"] == 400
    assert detail.received_by == "DC1"


async def test_open_refuses_empty_title_on_the_spot(desk):
    async with console(desk, size=(100, 40)) as (app, pilot):
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Title must not be empty" in str(app.screen.query_one("#error", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
    assert desk.list_incidents() == []


async def test_assign_and_release(desk, opened):
    slow, _fast = opened
    async with incident_console(desk, slow.id, size=(100, 40)) as (app, pilot, screen):
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"SPD", "enter")
        await settle(pilot)
        assert [h.who for r in desk.get_incident(slow.id).roles if r.key == "cordon" for h in r.holders] == ["SPD"]
        roles = screen.query_one("#roles", DataTable)
        assert "SPD" in cell(roles, "cordon", "held")
        await pilot.press("x")
        await settle(pilot)
        await pilot.click("#ok")
        await settle(pilot)
    assert desk.get_incident(slow.id).roles_filled == 0


async def test_instruct_and_acknowledge(desk, clock, opened):
    slow, _fast = opened
    async with incident_console(desk, slow.id, size=(100, 40)) as (app, pilot, screen):
        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*"PS1", "enter")
        await pilot.press(*"Send two cars", "enter")
        await settle(pilot)
        ins = desk.get_incident(slow.id).instructions
        assert [(i.unit, i.text) for i in ins] == [("PS1", "Send two cars")]
        clock.advance(seconds=42)
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("enter")  # k asks first (issue 13: keys that cannot misfire)
        await settle(pilot)
        table = screen.query_one("#instructions", DataTable)
        assert cell(table, str(ins[0].id), "latency") == "42 s"  # in words, as the CLI and reports (was "42s")
    assert desk.get_incident(slow.id).instructions[0].latency == timedelta(seconds=42)


async def test_escalate_rederives_deadlines_on_screen(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Video", place="Street", level="yellow")
    clock.advance(minutes=20)
    async with incident_console(desk, inc.id, size=(100, 40)) as (app, pilot, screen):
        await pilot.press("l")
        await settle(pilot)
        app.screen.query_one("#choice", Select).value = "red"
        app.screen.query_one("#reason", Input).focus()
        await pilot.press(*"national media", "enter")
        await settle(pilot)
        await pilot.press("y")  # the level change's confirmation
        await settle(pilot)
        table = screen.query_one("#deadlines", DataTable)
        labels = {cell(table, table.get_row_at(i)[0], "what"): cell(table, table.get_row_at(i)[0], "state") for i in range(table.row_count)}
        assert labels["Emergency response started and first authoritative statement"] == "pending"
        assert labels["Facts checked and first response"].startswith("cancelled")
    d = desk.get_incident(inc.id)
    assert d.level == "red" and d.level_changes[-1].reason == "national media"


async def test_escalation_reason_required(desk, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 40)) as (app, pilot, _screen):
        await pilot.press("l")
        await settle(pilot)
        app.screen.query_one("#choice", Select).value = "A"
        await pilot.click("#ok")
        await settle(pilot)
        assert "Reason (required) must not be empty" in str(app.screen.query_one("#error", Static).render())
    assert desk.get_incident(slow.id).level == "B"


async def test_meet_and_waive(desk, clock, opened):
    _slow, fast = opened
    async with incident_console(desk, fast.id, size=(100, 40)) as (app, pilot, screen):
        table = screen.query_one("#deadlines", DataTable)
        table.focus()
        table.move_cursor(row=0)
        first = table.get_row_at(0)[0]
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("y")  # m asks first (issue 13: keys that cannot misfire)
        await settle(pilot)
        assert desk.get_deadline(int(first)).state == "met"
        table.move_cursor(row=1)
        second = table.get_row_at(1)[0]
        await pilot.press("w")
        await settle(pilot)
        await pilot.press(*"provincial desk statement", "enter")
        await settle(pilot)
        d = desk.get_deadline(int(second))
        assert d.state == "waived" and d.reason == "provincial desk statement"
        assert "waived" in cell(table, second, "state")


async def test_close_warns_and_needs_summary(desk, clock, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 40)) as (app, pilot, _screen):
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        texts = " ".join(str(w.render()) for w in dialog.query(".warning"))
        assert "still pending" in texts and "never filled" in texts
        await pilot.press("enter")
        await settle(pilot)
        assert "must not be empty" in str(dialog.query_one("#error", Static).render())
        await pilot.press(*"Dispersed peacefully", "enter")
        await settle(pilot)
    d = desk.get_incident(slow.id)
    assert d.status == "closed" and d.summary == "Dispersed peacefully"


async def test_shift_start_and_handover(desk, clock):
    async with console(desk, size=(100, 40)) as (app, pilot):
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        await pilot.press(*"DC1")
        await pilot.click("#start")
        await settle(pilot)
        await pilot.press("y")  # Start asks first, naming who starts (it started at once)
        await settle(pilot)
        assert desk.current_shift().commander == "DC1"
        clock.advance(hours=12)
        app.screen.query_one("#commander", Input).value = "DC2"
        app.screen.query_one("#note", Input).value = "Quiet night; Route 205 to watch"
        app.screen.query_one("#note", Input).focus()
        await pilot.press("enter", "y")  # Enter in the note hands over, once confirmed (defect 10)
        await settle(pilot)
        assert "Duty commander: DC2" in str(app.screen.query_one("#current", Static).render())
    assert desk.current_shift().commander == "DC2"
    ended = [e for e in desk.journal_entries(entity="shift") if e.action == "shift.end"]
    assert ended[0].payload["note"] == "Quiet night; Route 205 to watch" and ended[0].payload["handover_to"] == "DC2"


async def test_second_console_sees_the_change(desk, db_url, clock, opened):
    slow, _ = opened
    other_desk = Desk.open(db_url, clock=clock, actor="DC2")
    first, second = make_app(desk), make_app(other_desk)
    async with first.run_test(size=(100, 30)) as p1, second.run_test(size=(100, 30)) as p2:
        await settle(p1)
        await settle(p2)
        first.poll()
        second.poll()
        await settle(p1)
        await settle(p2)
        first_screen = await open_incident_screen(p1, slow.id)
        await p1.press("n")
        await settle(p1)
        await p1.press(*"crowd calmer", "enter")
        await settle(p1)
        second.poll()  # what the 0.5 s timer does
        await settle(p2)
        board = second.screen
        table = board.query_one("#board", DataTable)
        assert table.row_count == 2
        # a change from the second console (or the CLI) reaches the first one's open incident screen
        other_desk.set_level(slow.id, "A", "blockade")
        first.poll()
        await settle(p1)
        assert first_screen.detail.level == "A"
    other_desk.close()


async def test_racing_edit_is_refused_and_reloaded(desk, db_url, clock, opened):
    slow, _ = opened
    async with incident_console(desk, slow.id, size=(100, 40)) as (app, pilot, screen):
        other = Desk.open(db_url, clock=clock, actor="DC2")
        other.set_level(slow.id, "C", "calmer")  # the screen still holds the old version
        other.close()
        await pilot.press("l")
        await settle(pilot)
        app.screen.query_one("#choice", Select).value = "A"
        app.screen.query_one("#reason", Input).focus()
        await pilot.press(*"worse", "enter")
        await settle(pilot)
        await pilot.press("y")  # the level change's confirmation
        await settle(pilot)
        assert screen.detail.level == "C"  # reloaded, nothing lost
        notes = [n.message for n in app._notifications]
        assert any("changed by someone else" in m for m in notes)
    assert desk.get_incident(slow.id).level == "C"


async def test_history_is_paged_and_searched(desk, clock):
    for i in range(60):
        d = desk.open_incident(kind="mass", title=f"Old gathering {i}", place="Park" if i == 7 else "Square", level="C")
        desk.close_incident(d.id, "done")
        clock.advance(minutes=1)
    async with console(desk, size=(100, 40)) as (app, pilot):
        await pilot.press("h")
        await settle(pilot)
        table = app.screen.query_one("#history", DataTable)
        assert table.row_count == 50
        await pilot.press("pagedown")
        await settle(pilot)
        assert table.row_count == 10
        app.screen.query_one("#search", Input).focus()
        await pilot.press(*"Park", "enter")
        await settle(pilot)
        assert table.row_count == 1 and cell(table, table.get_row_at(0)[0], "title") == "Old gathering 7"


async def test_help_lists_bindings(desk):
    async with console(desk, size=(100, 40)) as (app, pilot):
        await pilot.press("question_mark")
        await settle(pilot)
        keys = dict(app.screen.rows)
        assert keys["o"] == "Open incident" and "ctrl+p" in keys and "Help" in keys.values()


async def test_alert_fires_notification_bell_and_flash(desk, clock, opened):
    _slow, fast = opened
    async with console(desk, size=(100, 30)) as (app, pilot):
        from dutydesk.alerts import plan_alerts

        jobs = plan_alerts(desk.list_deadlines(), clock.now())
        job = next(j for j in jobs if j.kind == "due" and j.incident_id == fast.id)
        bells = []
        app.bell = lambda: bells.append(1)  # observed, not a hook in the app (App.fired is gone)
        app.fire_alert(job)
        await settle(pilot)
        assert bells
        assert any("DUE NOW" in n.message for n in app._notifications)
        assert app.screen.flashing[fast.id] > 0


async def test_command_palette_reaches_actions(desk):
    async with console(desk, size=(100, 40)) as (app, pilot):
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Open incident")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OpenIncidentScreen)


async def test_report_preview_and_export_from_incident_and_shift(desk, clock, opened, tmp_path):
    from dutydesk.screens.report import ReportScreen, reports_dir

    slow, _fast = opened
    desk.start_shift("DC1")
    async with incident_console(desk, slow.id, size=(100, 40)) as (app, pilot, _screen):
        await pilot.press("r")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ReportScreen)
        text = str(screen.query_one("#report-text", Static).render())
        assert "After-action report" in text and "Wage gathering" in text
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert [p.suffix for p in screen.written] == [".pdf", ".md"]
        assert screen.written[0].read_bytes().startswith(b"%PDF") and screen.written[0].parent == reports_dir()
        assert reports_dir().is_relative_to(tmp_path)  # the test's own data dir, never the user's
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ShiftScreen)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "Shift report" in str(pilot.app.screen.query_one("#report-text", Static).render())
