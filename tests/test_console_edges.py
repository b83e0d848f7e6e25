"""The console's rough edges the night-shift trials found (issues 13/14 follow-ups),
driven with Pilot on a fixed clock: each test failed on the code before its fix."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable, Static

from dutydesk.i18n import set_language
from dutydesk.screens.dialogs import ConfirmDialog, PromptDialog
from tests.test_console import cell, make_app, open_incident_screen, settle


@pytest.fixture
def gathering(desk):  # noqa: ANN001, ANN201
    return desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")


def ack_row(desk, incident_id: int) -> str:  # noqa: ANN001
    """The key of the instruction's acknowledgement deadline (its 1-minute one)."""
    return str(next(dl.id for dl in desk.get_incident(incident_id).deadlines if dl.to))


def lines_of(dialog) -> list[str]:  # noqa: ANN001
    return [str(s.render()) for s in dialog.query(Static)]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_an_hour_overdue_countdown_fits_its_column_at_80(desk, clock, gathering, lang):
    """'OVERDUE 1:15:31' wrapped onto two lines in an 11-cell Left column."""
    desk.instruct(gathering.id, "PS1", "Send two cars")
    clock.advance(hours=1, minutes=16, seconds=31)
    set_language(lang)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident_screen(pilot, gathering.id)
        table = screen.query_one("#deadlines", DataTable)
        left = cell(table, ack_row(desk, gathering.id), "left")
        assert left.endswith("1:15:31"), left
        assert cell_len(left) <= table.columns["left"].width, (left, table.columns["left"].width)
        assert table.columns["what"].width >= 16  # the name keeps a readable column


async def test_state_and_countdown_say_one_word_in_the_first_minute(desk, clock, gathering):
    """The State column said OVERDUE while the countdown said 'DUE +00:10'."""
    desk.instruct(gathering.id, "PS1", "Send two cars")
    clock.advance(minutes=1, seconds=10)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident_screen(pilot, gathering.id)
        table = screen.query_one("#deadlines", DataTable)
        row = ack_row(desk, gathering.id)
        assert cell(table, row, "left") == "DUE +00:10"
        assert cell(table, row, "state") == "DUE"
        clock.advance(minutes=1)
        screen.refresh_countdowns(clock.now())
        assert cell(table, row, "left") == "OVERDUE 01:10"
        assert cell(table, row, "state") == "OVERDUE"


async def test_waive_dialog_names_the_state_once(desk, clock, gathering):
    """The waive dialog read 'OVERDUE DUE +00:36': two words for one state."""
    desk.instruct(gathering.id, "PS1", "Send two cars")
    clock.advance(minutes=1, seconds=36)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident_screen(pilot, gathering.id)
        table = screen.query_one("#deadlines", DataTable)
        table.move_cursor(row=table.get_row_index(ack_row(desk, gathering.id)))
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        due = next(line for line in lines_of(app.screen) if line.startswith("Due:"))
        assert due.endswith("  DUE +00:36"), due
        assert "OVERDUE" not in due and due.count("DUE") == 1, due
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("m")  # the meet confirmation shows the same line
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        due = next(line for line in lines_of(app.screen) if line.startswith("Due:"))
        assert due.count("DUE") == 1, due


async def test_handover_list_names_to_whom_an_instruction_deadline_runs(desk, clock, gathering):
    """The shift's pending and missed lists said 'Instruction reaches the front-line unit' twice,
    not to whom (the board says 'ack PS-RV', the alarms '(to PS-RV)')."""
    from tests.test_shift_console import open_shift, shown

    desk.start_shift("DC1")
    desk.instruct(gathering.id, "PS1", "Send two cars")
    clock.advance(minutes=3)  # missed during the shift, and still pending
    desk.instruct(gathering.id, "DC2", "Call the site manager")
    app = make_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_shift(pilot)
        text = shown(screen.query_one("#deadline-list", Static))
        pending, missed = text.split("Missed during this shift")
        assert "(to PS1)" in pending and "(to DC2)" in pending, text
        assert "(to PS1)" in missed, text


async def test_close_dialog_warnings_name_to_whom(desk, clock, gathering):
    desk.instruct(gathering.id, "PS1", "Send two cars")
    app = make_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_incident_screen(pilot, gathering.id)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        warned = [line for line in lines_of(app.screen) if "Instruction reaches" in line]
        assert warned and all("(to PS1)" in line for line in warned), lines_of(app.screen)
    closed = desk.close_incident(gathering.id, "Dispersed")  # the CLI prints these after the close
    assert any("(to PS1)" in w for w in closed.warnings), closed.warnings


def test_chinese_words_tell_due_time_from_due_state_and_say_missed():
    """到期 was both the due-time column's heading and the DUE state; MISSED read 未完成 (not done)."""
    from dutydesk.i18n import _

    set_language("zh_CN")
    assert _("Due") != _("DUE") and _("DUE") in _("DUE +{late}")
    assert _("Due").split("：")[0] in _("Due: {at}")  # the dialogs' due line says the heading's word
    for missed in ("MISSED", "missed", "MISSED: not acknowledged", "Missed during this shift"):
        assert "逾期未完成" in _(missed), (missed, _(missed))


async def test_chinese_header_labels_the_occurred_time_even_when_cut(desk, clock):
    """The occurred time read as a bare time in Chinese ('{at} 发生': the label came after the time,
    and the cut at 80 columns took it): each time in the header has its label first."""
    import re

    from dutydesk.timefmt import fmt_local

    clock.advance(minutes=30)
    happened = clock.now().replace(minute=5)
    inc = desk.open_incident(kind="mass", title="Wage gathering", place="Riverside Road, site 3, the east gate", level="B", occurred=happened)
    set_language("zh_CN")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident_screen(pilot, inc.id)
        second = str(screen.query_one("#summary", Static).render()).splitlines()[1]
        for label in ("接报", "发生"):  # the label, then its time
            assert re.search(label + r" \d+月\d+日 \d\d:\d\d", second), second
        assert "发生 " + fmt_local(happened, short=True) in second, second


async def test_l_then_a_level_key_then_the_reason_in_one_burst(desk, gathering):
    """At 3 a.m. a commander presses l and types at once: the first key is the level (the picker
    has the focus and takes a level key), the rest is the reason (the reason field has the focus
    once the level is chosen).  Was: every letter went into the reason and the level stayed unset."""
    from tests.test_incident_screen import burst

    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_incident_screen(pilot, gathering.id)
        burst(app, ["l", "a", *"road blocked"])
        await settle(pilot)
        dialog = app.screen
        assert dialog.query_one("#choice").value == "A"
        assert dialog.query_one("#reason").value == "road blocked"
        assert "B → A" in str(dialog.query_one("#change", Static).render())  # the change in words, before Enter
        burst(app, ["enter"])
        await settle(pilot)
        burst(app, ["y"])  # the level change's confirmation
        await settle(pilot)
    changed = desk.get_incident(gathering.id)
    assert changed.level == "A" and changed.level_changes[-1].reason == "road blocked"


async def test_a_key_that_is_no_level_is_refused_on_the_picker(desk, gathering):
    """A letter that names no level is neither a level nor a reason: the dialog says which keys."""
    from tests.test_incident_screen import burst

    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_incident_screen(pilot, gathering.id)
        burst(app, ["l", "x"])
        await settle(pilot)
        dialog = app.screen
        assert dialog.query_one("#choice").value is not None and dialog.query_one("#choice").is_blank()
        assert dialog.query_one("#reason").value == ""
        error = str(dialog.query_one("#error", Static).render())
        assert "a" in error.lower() and "c" in error.lower(), error
        burst(app, ["c"])  # a level key still chooses, and the error clears
        await settle(pilot)
        assert dialog.query_one("#choice").value == "C"
        assert str(dialog.query_one("#error", Static).render()).strip() == ""
        assert app.focused is dialog.query_one("#reason")


async def test_opinion_levels_take_their_first_letter(desk):
    from tests.test_incident_screen import burst

    video = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="yellow")
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_incident_screen(pilot, video.id)
        burst(app, ["l", "r", *"national media", "enter"])
        await settle(pilot)
        burst(app, ["y"])  # the level change's confirmation
        await settle(pilot)
    assert desk.get_incident(video.id).level == "red"


async def test_ctrl_s_asks_before_starting_a_shift_naming_who_starts_and_whose_ended(desk, clock):
    """Ctrl+S started a shift at once; every other change from a single key asks."""
    from tests.test_shift_console import open_shift, type_ahead

    desk.start_shift("DC1")
    clock.advance(hours=12)
    desk.end_shift("quiet night")
    clock.advance(minutes=5)
    app = make_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_shift(pilot)
        type_ahead(app, [*"DC2", "ctrl+s"])
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog), type(app.screen).__name__
        said = " ".join(lines_of(app.screen))
        assert "DC2" in said and "DC1" in said, said  # who starts, and whose shift was the last (ended)
        assert desk.current_shift() is None  # nothing yet
        await pilot.press("n")
        await settle(pilot)
        assert desk.current_shift() is None
        type_ahead(app, ["ctrl+s", "y"])
        await settle(pilot)
    assert desk.current_shift().commander == "DC2"


async def test_overdue_at_start_is_said_by_the_alarms_and_the_board_has_no_dead_notice(desk, clock, gathering):
    """The board's announce() (a notice of what fell due while no console ran) was never called:
    the alarm banner and its bell say it at start.  The dead code is gone."""
    from dutydesk.screens.board import BoardScreen
    from tests.test_alarm_console import banner

    desk.instruct(gathering.id, "PS1", "Send two cars")
    clock.advance(minutes=5)  # fell due while no console ran
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "1 overdue" in banner(app), banner(app)
        assert isinstance(app.screen, BoardScreen)
        assert not hasattr(app.screen, "announce") and not hasattr(app.screen, "announce_overdue")


def overflowing(table: DataTable) -> list[str]:
    """Cells wider than their column that are neither cut with '…' nor wrapped (a cut nobody sees)."""
    from rich.text import Text

    bad = []
    for row_key in table.rows:
        for column_key, column in table.columns.items():
            value = table.get_cell(row_key, column_key)
            plain = getattr(value, "plain", str(value))
            if cell_len(plain) > column.width and not (isinstance(value, Text) and value.overflow in ("ellipsis", "fold")):
                bad.append(f"{column_key.value}: {plain!r} in {column.width}")
    return bad


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_side_by_side_columns_at_200_fit_their_pane_and_cut_visibly(desk, gathering, lang):
    """At 200x50 the roles' holder ('DC2 Duty Comm') and the instruction's text were cut without '…',
    and the instructions overflowed their pane (the Acknowledged heading widened its column)."""
    desk.add_unit("NEG-RV", "Negotiation Team of the Riverside District Sub-bureau", "team")
    desk.assign(gathering.id, "negotiation", "NEG-RV")
    desk.instruct(gathering.id, "NEG-RV", "Meet the workers' representatives at the site gate and report what they ask for, in writing")
    set_language(lang)
    app = make_app(desk)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await open_incident_screen(pilot, gathering.id)
        for name in ("deadlines", "roles", "instructions"):
            table = screen.query_one(f"#{name}", DataTable)
            assert table.region.width > 0, name  # side by side
            assert table.virtual_size.width <= table.scrollable_content_region.width, (name, table.virtual_size, table.size)
            assert not overflowing(table), (name, overflowing(table))


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_board_at_200_cuts_every_long_cell_visibly(desk, clock, lang):
    """The board's full deadline name must be cut with '…' (or shown whole), never clipped unseen."""
    for n in range(3):
        inc = desk.open_incident(
            kind="opinion",
            title=f"Claims of an injury during an arrest at the night market on Dongcheng Road, case {n}",
            place="Dongcheng night market, the east entrance by the river",
            level="red",
        )
        desk.instruct(inc.id, "PS1", "Send two cars")
    set_language(lang)
    app = make_app(desk)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        for name in ("board", "rail"):
            table = app.screen.query_one(f"#{name}", DataTable)
            assert not overflowing(table) or all(
                getattr(table.get_cell(r, c), "plain", str(table.get_cell(r, c))).endswith("…") or cell_len(str(table.get_cell(r, c))) <= col.width
                for r in table.rows
                for c, col in table.columns.items()
            ), (name, overflowing(table))
            assert table.virtual_size.width <= table.scrollable_content_region.width, (name, table.virtual_size, table.size)


def test_cli_close_warns_naming_to_whom_in_a_real_process(db_url):
    """The close's warnings on stderr name the instruction's recipient (as the console's dialog)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DUTYDESK_DB": db_url, "DUTYDESK_ACTOR": "DC1"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "dutydesk", *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60
        )

    for args in (("init",), ("unit", "add", "PS1", "Station 1"), ("staff", "add", "DC1", "Duty Commander One", "--unit", "PS1")):
        assert run(*args).returncode == 0
    assert run("incident", "open", "--kind", "mass", "--title", "Gathering", "--place", "Square", "--level", "B").returncode == 0
    assert run("incident", "instruct", "1", "--to", "PS1", "Send two cars").returncode == 0
    r = run("incident", "close", "1", "--summary", "Dispersed")
    assert r.returncode == 0, r.stderr
    assert "Instruction reaches the front-line unit (to PS1)" in r.stderr, r.stderr
