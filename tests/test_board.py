"""The board (issue 13, "Board"): what is due on each row, the deadline rail,
the status strip at every width, the wide layout, Enter on a rail row."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from rich.text import Text
from textual.widgets import DataTable

from dutydesk.messages import Tick
from dutydesk.screens.board import BoardScreen, strip_text
from dutydesk.screens.incident import IncidentScreen
from dutydesk.views import DeadlineView
from dutydesk.widgets.format import countdown
from tests.consoles import cell, console, make_app, settle


def columns(table: DataTable) -> list[str]:
    return [str(c.key.value) for c in table.columns.values()]


@pytest.fixture
def busy(desk, clock):
    """A mass incident whose 1-minute acknowledgement to PS1 is overdue while its
    15-minute departure order to SPD is still running; an opinion incident with
    its joint response (30 minutes) and first statement (2 hours)."""
    mass = desk.open_incident(kind="mass", title="Wage-arrears gathering at the site gate", place="Riverside Road", level="B")
    desk.instruct(mass.id, "PS1", "Send two cars")
    order = desk.instruct(mass.id, "SPD", "Move two squads", kind="reinforcement")
    desk.acknowledge(order.id)  # SPD acknowledged at once: its departure (15 minutes) still runs
    opinion = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    clock.advance(minutes=3)
    return mass, opinion


async def test_each_row_says_what_is_due_with_state_in_words(desk, clock, busy):
    """Defect: the board showed when the next deadline fell due, never which one,
    and an overdue countdown was only red with a '+' (nothing for a monochrome terminal)."""
    mass, opinion = busy
    async with console(desk, size=(80, 24)) as (app, pilot):
        board = app.screen
        assert isinstance(board, BoardScreen)
        table = board.query_one("#board", DataTable)
        assert cell(table, str(mass.id), "what") == "ack PS1"
        assert cell(table, str(opinion.id), "what") == "joint response"
        assert board.countdown_text(mass.id) == "OVERDUE 02:00"
        assert board.countdown_text(opinion.id) == "in 27:00"
        assert cell(table, str(mass.id), "level").strip() == "B"  # the level in words on its badge
        assert columns(table) == ["id", "level", "what", "title", "place"]
        # the title takes the spare width: longer than the 17 cells it had, the whole screen used
        title = table.columns[next(k for k in table.columns if k.value == "title")].width
        assert title >= 20
        assert sum(c.get_render_width(table) for c in table.columns.values()) + board.query_one("#countdowns").size.width <= 80
        # due soon: yellow, and "soon" in words, by the same lead as the alerts (last quarter, at most 10 min)
        clock.advance(minutes=20)
        board.post_message(Tick(clock.now()))  # what the app's 1-second tick posts to each screen
        await settle(pilot)
        assert board.countdown_text(opinion.id) == "soon 07:00"
        strip = board.query_one("#strip").render().plain
        assert "Overdue: 2" in strip and "Due soon: 1" in strip, strip  # the ack and now the departure; the joint response


def test_countdown_words_and_colours():
    from datetime import datetime, timezone

    now = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
    d = DeadlineView(1, "incident", 1, "joint_response", "Joint response", "red", now + timedelta(minutes=5), "pending", now - timedelta(minutes=25))
    soon = countdown(d, now, words=True)
    assert soon.plain == "soon 05:00" and "yellow" in str(soon.style)
    assert countdown(d, now).plain == "soon 05:00"  # one wording, with or without words
    late = countdown(d, now + timedelta(minutes=14), words=True)
    assert late.plain == "OVERDUE 09:00" and "red" in str(late.style)
    assert countdown(d, now + timedelta(minutes=14)).plain == "OVERDUE 09:00"
    # the playbook's own warning lead wins over the default quarter (the alarm sounds then too)
    d.warn_before = timedelta(minutes=2)
    assert countdown(d, now, words=True).plain == "in 05:00"


async def test_rail_lists_every_pending_deadline_overdue_first(desk, clock, busy):
    """Defect: one countdown per incident: the 15-minute departure order hid behind
    the same incident's overdue acknowledgement."""
    mass, opinion = busy
    async with console(desk, size=(80, 24)) as (app, pilot):
        lines = app.screen.rail_text()
        assert lines[0].startswith("OVERDUE 02:00") and f" {mass.id} " in lines[0] and "ack PS1" in lines[0]
        assert lines[1].startswith("in 12:00") and f" {mass.id} " in lines[1] and "depart SPD" in lines[1]
        assert lines[2].startswith("in 27:00") and "joint response" in lines[2]
        assert " B " in lines[0] and " red " in lines[2]  # the level
        due = [d.due_at for d in app.screen.rail]
        assert due == sorted(due) and len(due) == len(desk.list_deadlines())


@pytest.mark.parametrize("width", [40, 60, 80, 120, 200])
async def test_strip_keeps_the_overdue_count_at_every_width(desk, clock, busy, width):
    """Defect: the overdue count was the first thing cut at 60 columns."""
    app = make_app(desk)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        strip = app.screen.query_one("#strip").render()
        assert "Overdue: 1" in strip.plain, strip.plain
        assert strip.cell_len <= width
        table = app.screen.query_one("#board", DataTable)
        used = sum(c.get_render_width(table) for c in table.columns.values())
        assert used + app.screen.query_one("#countdowns").size.width <= width  # nothing off the edge
        rail = app.screen.query_one("#rail", DataTable)
        used = sum(c.get_render_width(rail) for c in rail.columns.values())
        assert used + app.screen.query_one("#rail-countdowns").size.width <= width


def test_strip_short_forms():
    from datetime import datetime, timezone

    now = datetime(2026, 11, 23, 14, 5, 9, tzinfo=timezone.utc)
    wide = strip_text(200, now, 3, 1, 4, None, "DC1").plain
    assert "Duty commander:" in wide and "Overdue: 3" in wide and "Due soon: 1" in wide and "You: DC1" in wide
    narrow = strip_text(40, now, 3, 1, 4, None, "DC1")
    assert narrow.plain.startswith("Overdue: 3") and narrow.cell_len <= 40
    assert strip_text(12, now, 3, 1, 4, None, "DC1").plain.startswith("Overdue: 3")
    styles = [str(span.style) for span in narrow.spans]
    assert any("red" in s for s in styles)  # in red too
    assert isinstance(narrow, Text)


async def test_wide_board_has_more_columns_and_more_rail(desk, clock, busy):
    mass, opinion = busy
    for i in range(12):
        desk.instruct(opinion.id, "CYB", f"Check post {i}")
    async with console(desk, size=(200, 50)) as (app, pilot):
        board = app.screen
        table = board.query_one("#board", DataTable)
        assert columns(table) == ["id", "level", "what", "title", "place", "status", "roles", "receiver", "kind", "deadline"]
        assert cell(table, str(mass.id), "deadline") == "Instruction reaches the front-line unit"
        assert cell(table, str(mass.id), "kind") == "mass"
        rail = board.query_one("#rail", DataTable)
        assert columns(rail) == ["at", "id", "level", "what", "deadline", "title"]
        wide_rows = board.query_one("#rail").size.height
    async with console(desk, size=(80, 24)) as (app, pilot):
        assert columns(app.screen.query_one("#rail", DataTable)) == ["at", "id", "level", "what", "title"]
        assert app.screen.query_one("#rail").size.height < wide_rows


async def test_enter_on_a_rail_row_opens_its_incident(desk, clock, busy):
    mass, opinion = busy
    async with console(desk, size=(80, 24)) as (app, pilot):
        await pilot.press("tab")  # from the incidents to the rail
        rail = app.screen.query_one("#rail", DataTable)
        assert rail.has_focus
        await pilot.press("down")  # the second: the departure order of the mass incident
        target = app.screen.rail[1]
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IncidentScreen) and screen.incident_id == mass.id == target.subject_id
        deadlines = screen.query_one("#deadlines", DataTable)  # that deadline selected on its tab
        assert deadlines.has_focus
        assert deadlines.coordinate_to_cell_key(deadlines.cursor_coordinate).row_key.value == str(target.id)


def test_board_short_labels_in_a_real_process(tmp_path):
    """The short labels, as a script reads them: `deadline list --json` in a real process."""
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "d"),
        "XDG_CONFIG_HOME": str(tmp_path / "c"),
        "XDG_STATE_HOME": str(tmp_path / "s"),
        "DUTYDESK_ACTOR": "DC1",
    }
    env.pop("DUTYDESK_DB", None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "dutydesk", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    for args in (
        ("init",),
        ("unit", "add", "PS-RV", "Riverside Station"),
        ("incident", "open", "--kind", "mass", "--title", "Gathering", "--place", "Gate", "--level", "B"),
        ("incident", "instruct", "1", "--to", "PS-RV", "Send two cars"),
    ):
        done = run(*args)
        assert done.returncode == 0, done.stderr
    import json

    listed = run("deadline", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [d["short"] for d in json.loads(listed.stdout)] == ["ack PS-RV", "1st info"]


def test_short_label_of_a_rule(desk):
    from dutydesk.playbook import DeadlineRule

    mass, opinion = desk.playbooks.get("mass"), desk.playbooks.get("opinion")
    ack = mass.deadline_rule("front_line_instruction")
    assert ack.short_for("PS-RV") == "ack PS-RV" and ack.short_for("PS-RV", "zh_CN") == "PS-RV 签收"
    assert opinion.deadline_rule("first_statement").short_for() == "1st statement"
    # every built-in rule has a short label in English and Chinese
    assert all(rule.short and {"en", "zh_CN"} <= set(rule.short) for k in desk.playbooks for rule in k.deadlines)
    # an override's rule without a short label shows its label; an instruction rule without {to} gets it after
    bare = DeadlineRule(key="x", label={"en": "Report back"}, anchor="instruction", minutes=5)
    assert bare.short_for("SPD") == "Report back SPD"
    assert DeadlineRule(key="y", label="Core facts", anchor="reported", minutes=5).short_for() == "Core facts"


async def test_an_alert_flashes_the_incident_and_its_deadline_on_the_rail(desk, clock, busy):
    mass, opinion = busy
    async with console(desk, size=(80, 24)) as (app, pilot):
        board = app.screen
        departure = next(d for d in board.rail if d.short == "depart SPD")
        board.flash(mass.id, departure.id)
        index = board.rail.index(departure)
        rail = board.query_one("#rail-countdowns")
        assert rail.flashing == {index: 10} and board.query_one("#countdowns").flashing
        rail.tick(clock.now())  # it blinks: reversed on every other beat
        assert "reverse" in str(rail.text_at(index).style)


async def test_a_countdown_going_overdue_keeps_the_board_within_the_screen(desk, clock):
    """A countdown that goes overdue while the board is shown grows ("OVERDUE 00:01"):
    the columns are planned again, nothing is pushed off the right edge."""
    inc = desk.open_incident(kind="opinion", title="Arrest video " * 5, place="Night market " * 3, level="red")
    async with console(desk, size=(80, 24)) as (app, pilot):
        board = app.screen
        assert board.countdown_text(inc.id) == "in 30:00"
        clock.advance(minutes=31)
        board.post_message(Tick(clock.now()))
        await settle(pilot)
        assert board.countdown_text(inc.id) == "OVERDUE 01:00"
        for table_id, column_id in (("#board", "#countdowns"), ("#rail", "#rail-countdowns")):
            table = board.query_one(table_id, DataTable)
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert used + board.query_one(column_id).size.width <= 80, table_id


@pytest.fixture
def busy_demo(db_url):
    """The demo desk (seed 1) on a fixed clock, 16 minutes after an instruction
    to PS-RV that nobody acknowledged: one overdue, two due soon."""
    from datetime import datetime, timezone

    from dutydesk.clock import FixedClock
    from dutydesk.demo import fill_demo
    from dutydesk.desk import Desk

    desk = Desk.open(db_url, clock=FixedClock(datetime(2026, 11, 22, 14, 30, tzinfo=timezone.utc)), actor="DC1")
    fill_demo(desk, seed=1)
    desk.instruct(13, "PS-RV", "Send two cars to the gate")
    desk.clock.advance(minutes=16)
    yield desk
    desk.close()


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_busy_board_snapshot(snap_compare, busy_demo, size):
    """What a monochrome terminal still says: OVERDUE and soon in words, the overdue count."""
    assert snap_compare(make_app(busy_demo), terminal_size=size, run_before=settle)


def test_one_countdown_wording_on_every_screen():
    """Defects 7 and 11 (night-shift trial): a running countdown read like a clock time ('17:42' at
    17:30); the first minute past due read 'DUE +00:10' on the alarm screen, '+00:01 OVERDUE' on the
    incident screen and 'OVERDUE 00:42' on the board. One function, one wording, as the README says:
    'in 17:42', 'soon 02:00', 'DUE +00:10' for its first minute, then 'OVERDUE 1:16:00'."""
    from datetime import datetime, timezone

    from dutydesk.alarms import DUE, SOON
    from dutydesk.screens import shift as shift_screen
    from dutydesk.widgets.format import countdown_left
    from dutydesk.screens.incident import tables as incident_tables

    now = datetime(2026, 11, 23, 17, 30, tzinfo=timezone.utc)

    def dl(due_in: timedelta) -> DeadlineView:
        return DeadlineView(1, "incident", 1, "joint_response", "Joint response", "red", now + due_in, "pending", now + due_in - timedelta(hours=2))

    cases = [
        (timedelta(minutes=17, seconds=42), "in 17:42", None),
        (timedelta(hours=1, minutes=5), "in 1:05:00", None),
        (timedelta(minutes=2), "soon 02:00", SOON),
        (timedelta(seconds=-10), "DUE +00:10", DUE),
        (timedelta(hours=-1, minutes=-16), "OVERDUE 1:16:00", DUE),
    ]
    for due_in, expected, stage in cases:
        d = dl(due_in)
        assert countdown(d, now).plain == expected
        assert countdown(d, now, words=True).plain == expected
        assert incident_tables.left_text(d, now).plain == expected
        assert shift_screen.left_text(d, now).plain == expected
        if stage is not None:  # the alarm screen's stage-aware form (its State column says the word)
            assert countdown_left(d.due_at - now, soon=stage == SOON).plain == expected
    assert "yellow1" in str(countdown(dl(timedelta(minutes=2)), now).style)  # true yellow, not ANSI 'yellow'
    assert "red" in str(countdown(dl(timedelta(seconds=-10)), now).style)


async def test_a_wide_board_shows_long_titles_in_full(desk, clock):
    """Defect 11 (night-shift trial): at 200x50 titles were cut at ~50 characters ('…') although
    the screen had room: the deadline's full name took every spare cell. The titles come first."""
    title = "Crowd of about two hundred outside the North Square metro exit, gate 2, growing"
    inc = desk.open_incident(kind="mass", title=title, place="North Square", level="B")
    async with console(desk, size=(200, 50)) as (app, pilot):
        table = app.screen.query_one("#board", DataTable)
        assert cell(table, str(inc.id), "title") == title
        assert "deadline" in [str(k.value) for k in table.columns]  # and the full name still has a column


async def test_the_cursor_stays_on_its_incident_after_another_screen(desk, clock):
    """Defect 11 (night-shift trial): after coming back from another screen the cursor should
    be on the incident it was on, even when the rows were re-sorted meanwhile (README)."""
    from dutydesk.messages import DeskChanged

    desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    second = desk.open_incident(kind="mass", title="Gathering at the gate", place="Riverside Road", level="B")
    async with console(desk, size=(80, 24)) as (app, pilot):
        board = app.screen
        table = board.query_one("#board", DataTable)
        table.move_cursor(row=table.get_row_index(str(second.id)))
        before = [table.get_row_at(i)[0] for i in range(table.row_count)]
        await pilot.press("s")  # the shift screen on top
        await settle(pilot)
        assert app.screen is not board
        desk.instruct(second.id, "PS1", "Send two cars")  # 1 minute: now the most urgent, re-sorted first
        clock.advance(minutes=2)  # its acknowledgement overdue
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is board
        board.post_message(DeskChanged())
        await settle(pilot)
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] != before  # re-sorted
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert key == str(second.id)


async def test_at_60x20_the_rail_shows_its_last_row_and_marks_cut_titles(busy_demo):
    """Defect 11 (night-shift trial, 60x20): the lower table's titles were cut with no '…' and
    its last row cut off at the bottom. Each title reads in full or ends in '…'; the rail's
    rows (9 here) all fit in its height, none under the key bar."""
    titles = {str(i.id): i.title for i in busy_demo.list_incidents()}
    async with console(busy_demo, size=(60, 20)) as (app, pilot):
        rail = app.screen.query_one("#rail", DataTable)
        assert rail.row_count == 9 and rail.region.height >= rail.row_count + 1
        assert rail.region.bottom <= app.screen.query_one("KeyBar").region.y
        for i in range(rail.row_count):
            row = rail.get_row_at(i)
            title = getattr(row[-1], "plain", str(row[-1]))
            full = titles[getattr(row[0], "plain", str(row[0])).strip()]  # no "At" column below 70
            assert title == full or (title.endswith("…") and full.startswith(title[:-1])), (title, full)
