"""Alarms and health in the console (issue 13), on the injected clock: the
banner on every screen, the alarm screen, acknowledging (journaled, who and
when), a restart, the bell repeating, Enter to the incident, q asking first,
and the desk's health in red within 5 seconds."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from dutydesk.screens.alarms import AlarmScreen
from dutydesk.widgets.banner import AlarmBanner, BannerState, banner_text
from tests.conftest import T0
from tests.consoles import console, make_app, settle


def banner(app) -> str:
    """The banner's line on the screen in front (a dialog shows over a screen that has one)."""
    from textual.screen import ModalScreen

    screen = next(s for s in reversed(app.screen_stack) if not isinstance(s, ModalScreen))
    found = [b for b in screen.query(AlarmBanner)]
    assert len(found) == 1, found
    return found[0].render().plain if found[0].display else ""


def bells(app) -> list:
    rung: list = []
    app.bell = lambda: rung.append(app.clock.now())
    return rung


@pytest.fixture
def video(desk):
    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    first = min((d for d in desk.list_deadlines() if d.subject_id == inc.id), key=lambda d: d.due_at)
    return inc, first


async def test_alarm_appears_when_due_and_stays_until_acknowledged(desk, clock, video):
    inc, first = video
    async with console(desk, size=(80, 24)) as (app, pilot):
        rung = bells(app)
        assert banner(app) == "" and app.alarms == []  # nothing due: the banner takes no space
        clock.set(first.due_at - timedelta(minutes=5))  # inside its warning lead (the last quarter)
        app.tick()
        await settle(pilot)
        assert banner(app) == "⚠ 1 alarm — due soon — F2: alarms" and len(rung) == 1
        desk.acknowledge_alarm(first.id, "soon")
        app.changed()
        await settle(pilot)
        assert banner(app) == ""  # the soon stage acknowledged
        clock.set(first.due_at + timedelta(seconds=1))
        app.tick()
        await settle(pilot)
        assert banner(app) == "⚠ 1 alarm — 1 overdue — F2: alarms" and len(rung) == 2  # the due stage sounds anew
        for _ in range(3):  # it stays: time passing does not clear it
            clock.advance(minutes=7)
            app.tick()
        await settle(pilot)
        assert [a.deadline_id for a in app.alarms] == [first.id]
        # acknowledged on the alarm screen: k, then Enter on the confirmation that names it
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, AlarmScreen)
        await pilot.press("k")
        await settle(pilot)
        shown = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "Arrest video" in shown and first.label[:30] in shown
        await pilot.press("enter")
        await settle(pilot)
        assert app.alarms == [] and isinstance(app.screen, AlarmScreen)
        entry = desk.journal_entries()[-1]
        assert (entry.action, entry.actor, entry.at, entry.payload["stage"], entry.payload["deadline"]) == (
            "alarm.ack",
            "DC1",
            clock.now(),
            "due",
            first.id,
        )
        assert desk.get_deadline(first.id).state == "pending"  # not met by acknowledging
        assert banner(app) == "1 overdue (acknowledged) — F2: alarms"  # the overdue count stays in sight


async def test_k_then_escape_acknowledges_nothing(desk, clock, video):
    _inc, first = video
    clock.set(first.due_at + timedelta(minutes=1))
    async with console(desk, size=(80, 24)) as (app, pilot):
        await pilot.press("f2", "k", "escape")
        await settle(pilot)
        assert desk.alarm_acks() == set() and [a.deadline_id for a in app.alarms] == [first.id]


async def test_an_alarm_survives_a_console_restart_until_acknowledged(desk, clock, video):
    _inc, first = video
    clock.set(first.due_at + timedelta(minutes=2))
    for _ in range(2):
        async with console(desk, size=(80, 24)) as (app, pilot):
            assert first.id in {a.deadline_id for a in app.alarms}
            assert "1 overdue" in banner(app)
    desk.actor = "DC2"  # acknowledged on another console (or the same one after a restart)
    desk.acknowledge_alarm(first.id, "due")
    async with console(desk, size=(80, 24)) as (app, pilot):
        assert first.id not in {a.deadline_id for a in app.alarms}


async def test_an_ack_on_another_console_silences_this_one(desk, clock, video):
    _inc, first = video
    clock.set(first.due_at + timedelta(minutes=2))
    async with console(desk, size=(80, 24), poll_interval=0.05) as (app, pilot):
        assert app.alarms
        desk.acknowledge_alarm(first.id, "due")  # another console, same desk
        for _ in range(40):
            await pilot.pause(0.05)
            if not app.alarms:
                break
        assert not app.alarms


async def test_a_deadline_born_overdue_raises_an_alarm_and_the_bell(desk, clock):
    async with console(desk, size=(80, 24)) as (app, pilot):
        rung = bells(app)
        inc = desk.open_incident(
            kind="opinion", title="From paper", place="Gate", level="red", at=T0 - timedelta(hours=3)
        )  # back-filled: its deadlines long past
        app.changed()
        await settle(pilot)
        assert any(a.incident_id == inc.id and a.state(clock.now()) == "overdue" for a in app.alarms)
        assert rung and "overdue" in banner(app)


async def test_the_bell_repeats_while_an_alarm_waits(desk, clock, video):
    _inc, first = video
    clock.set(first.due_at + timedelta(seconds=5))
    app = make_app(desk, alarm_repeat=timedelta(minutes=2))
    rung = bells(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert len(rung) == 1
        for _ in range(11):  # 110 seconds: no second bell yet
            clock.advance(seconds=10)
            app.tick()
        assert len(rung) == 1
        clock.advance(seconds=10)  # two minutes after the first
        app.tick()
        assert len(rung) == 2
        clock.advance(minutes=2)
        app.tick()
        assert len(rung) == 3
        desk.acknowledge_alarm(first.id, "due")
        app.changed()
        await settle(pilot)
        others = [a for a in app.alarms]
        clock.advance(minutes=2)
        app.tick()
        assert len(rung) == 3 + (1 if others else 0)  # silent once nothing waits


def test_the_bell_interval_comes_from_the_settings(monkeypatch):
    from dutydesk.config import Settings

    assert Settings.from_env().alarm_repeat_minutes == 2
    monkeypatch.setenv("DUTYDESK_ALARM_REPEAT_MINUTES", "5")
    assert Settings.from_env().alarm_repeat_minutes == 5


def test_a_bad_bell_interval_is_refused_in_one_line(monkeypatch):
    from dutydesk.config import Settings
    from dutydesk.errors import DeskError

    for bad in ("0", "abc", "-1", "nan", "100000"):
        monkeypatch.setenv("DUTYDESK_ALARM_REPEAT_MINUTES", bad)
        with pytest.raises(DeskError) as e:
            Settings.from_env()
        assert e.value.field == "DUTYDESK_ALARM_REPEAT_MINUTES"


async def test_enter_on_an_alarm_opens_its_incident_with_the_deadline_selected(desk, clock, video):
    from dutydesk.screens.incident import IncidentScreen

    inc, first = video
    clock.set(first.due_at + timedelta(minutes=1))
    async with console(desk, size=(80, 24)) as (app, pilot):
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        from textual.widgets import DataTable

        table = app.screen.query_one("#deadlines", DataTable)
        assert app.screen.incident_id == inc.id and table.has_focus
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == str(first.id)
        assert "1 overdue" in banner(app)  # the banner is on the incident screen too


async def test_the_banner_is_on_every_screen(desk, clock, video):
    _inc, first = video
    clock.set(first.due_at + timedelta(minutes=1))
    async with console(desk, size=(80, 24)) as (app, pilot):
        assert "1 overdue" in banner(app)
        for key in ("s", "escape", "h", "escape", "question_mark"):
            await pilot.press(key)
            await settle(pilot)
            if key != "escape":
                assert "1 overdue" in banner(app), type(app.screen).__name__


async def test_q_with_alarms_asks_first(desk, clock, video):
    from dutydesk.screens.dialogs import ConfirmDialog

    _inc, first = video
    clock.set(first.due_at + timedelta(minutes=1))
    async with console(desk, size=(80, 24)) as (app, pilot):
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "1 alarm not acknowledged" in text and "1 deadline overdue" in text
        await pilot.press("n")
        await settle(pilot)
        assert app.is_running and not isinstance(app.screen, ConfirmDialog)
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert app.return_code == 0


async def test_q_without_alarms_quits_at_once(desk, clock, video):
    async with console(desk, size=(80, 24)) as (app, pilot):
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running


async def test_the_palette_lists_the_alarm_screen(desk):
    async with console(desk, size=(100, 30)) as (app, pilot):
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Alarms")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AlarmScreen)


def test_the_overdue_count_shows_at_every_width():
    state = BannerState(alarms=12, alarms_due=12, overdue=10)
    for width in range(40, 201, 7):
        assert "10 overdue" in banner_text(state, width).plain, width
    assert banner_text(state, 200).plain == "⚠ 12 alarms — 10 overdue — F2: alarms"
    sick = BannerState(alarms=3, alarms_due=3, overdue=2, problem="Desk unreachable since 03:12:05 — last good read 03:12:04")
    assert "Desk unreachable" in banner_text(sick, 80).plain and "2 overdue" in banner_text(sick, 80).plain
    assert banner_text(BannerState(), 80).plain == ""


# -- health ---------------------------------------------------------------------


async def _until(pilot, predicate, seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        if predicate():
            return True
        await pilot.pause(0.1)
    return predicate()


async def test_an_unreadable_desk_shows_in_red_within_5_seconds_and_clears(desk, clock, monkeypatch):
    from dutydesk.locations import log_file

    app = make_app(desk, poll_interval=0.25)
    app.tick_interval = 1.0
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert banner(app) == ""
        real = desk.journal_head

        def gone() -> int:
            raise OSError("unable to open database file")

        monkeypatch.setattr(desk, "journal_head", gone)
        loop = asyncio.get_running_loop()
        start = loop.time()
        assert await _until(pilot, lambda: "Desk unreachable since" in banner(app), 5.0)
        assert loop.time() - start <= 5.0
        bar = [b for b in app.screen.query(AlarmBanner)][0]
        assert bar.has_class("-red") and "last good read" in banner(app)
        await pilot.pause(1.0)  # failing on: logged once, not every poll
        logged = log_file().read_text(encoding="utf-8")
        assert logged.count("unable to open database file") == 1
        monkeypatch.setattr(desk, "journal_head", real)
        assert await _until(pilot, lambda: banner(app) == "", 5.0)


async def test_a_read_that_hangs_shows_as_unreachable(desk, clock, monkeypatch):
    import threading

    async with console(desk, size=(80, 24), poll_interval=0.25) as (app, pilot):
        app.poll()
        await settle(pilot)
        release = threading.Event()
        real = desk.journal_head

        def stuck() -> int:
            release.wait(10)
            return real()

        monkeypatch.setattr(desk, "journal_head", stuck)
        app.poll()
        for _ in range(4):  # four seconds of ticks without a good read
            app.tick()
        assert "Desk unreachable since" in banner(app) or (await _until(pilot, lambda: "Desk unreachable" in banner(app), 1))
        release.set()
        monkeypatch.setattr(desk, "journal_head", real)


async def test_a_stopped_alert_scheduler_shows_in_red(desk, clock):
    async with console(desk, size=(80, 24), alerts=True) as (app, pilot):
        assert banner(app) == ""
        app.alerts.scheduler.shutdown(wait=False)  # stopped, not by the app
        app.tick()
        await settle(pilot)
        assert "Alert scheduler stopped" in banner(app)


def test_a_bad_bell_interval_stops_the_console_in_one_line(monkeypatch, tmp_path):
    """Through Typer's runner and as a real process: one line, exit 1, no traceback.
    The console only (`dutydesk` alone): a CLI command keeps the default bell (trial F)."""
    import os
    import subprocess
    import sys

    from typer.testing import CliRunner

    from dutydesk.cli import app

    monkeypatch.setenv("DUTYDESK_ALARM_REPEAT_MINUTES", "often")
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{tmp_path / 'none.sqlite'}"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["error: DUTYDESK_ALARM_REPEAT_MINUTES: 'often' is not a number of minutes from 0.1 to 1440"]
    proc = subprocess.run(
        [sys.executable, "-m", "dutydesk", "--db", f"sqlite:///{tmp_path / 'none.sqlite'}"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == ["error: DUTYDESK_ALARM_REPEAT_MINUTES: 'often' is not a number of minutes from 0.1 to 1440"]


@pytest.mark.parametrize("looked", [0.0, 0.5], ids=["before-the-first-look", "after"])
async def test_a_desk_file_deleted_under_the_console_shows_in_red(desk, clock, tmp_path, looked):
    """SQLite keeps answering through the open connections to a deleted file:
    the console must not go on as if the desk were there."""
    app = make_app(desk, poll_interval=0.2)
    path = tmp_path / "desk.sqlite"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert await _until(pilot, lambda: app.last_good is not None, 3)
        assert banner(app) == ""
        await pilot.pause(looked)  # gone before the poll first looked at it (the alarm read came first), or after
        path.rename(tmp_path / "moved.sqlite")
        assert await _until(pilot, lambda: "Desk unreachable since" in banner(app), 5.0)
        (tmp_path / "moved.sqlite").rename(path)
        assert await _until(pilot, lambda: banner(app) == "", 5.0)


async def test_navigating_while_an_alarm_waits_never_rings(desk, clock, video):
    """Night-shift trial defect 5: a BEL byte went to the terminal each time a
    screen opened (Textual ends its mouse-pointer-shape escape, OSC 22, with
    BEL). Only a new alarm and the repeat interval write BEL."""
    _inc, first = video
    clock.set(first.due_at + timedelta(seconds=5))
    app = make_app(desk, alarm_repeat=timedelta(minutes=2))
    rung = bells(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert len(rung) == 1  # the alarm appeared
        written: list[str] = []
        driver_write = app._driver.write
        app._driver.write = lambda data: (written.append(data), driver_write(data))[1]
        for _round in range(2):
            for key in ["enter", "escape", "f2", "escape", "question_mark", "escape", "s", "escape"]:
                await pilot.press(key)
                await settle(pilot)
                clock.advance(seconds=5)
                app.tick()
        assert app.alarms and len(rung) == 1  # 80 seconds of navigation: no bell
        assert not [w for w in written if "\x07" in w]
        clock.advance(seconds=45)  # two minutes after the first: the repeat
        app.tick()
        assert len(rung) == 2


async def test_two_instruction_alarms_of_one_incident_say_to_whom(desk, clock):
    """Night-shift trial defect 6: the list, the acknowledge dialog and the
    notice said only 'Instruction reaches ...' for both; each names its recipient."""
    from dutydesk.screens.dialogs import ConfirmDialog

    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    clock.advance(minutes=10)
    desk.instruct(inc.id, "PS1", "Go", at=clock.now() - timedelta(minutes=5))
    desk.instruct(inc.id, "PS2", "Go too", at=clock.now() - timedelta(minutes=5))
    app = make_app(desk)
    notices: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        mine = [a for a in app.alarms if a.incident_id == inc.id and a.to]
        assert sorted(a.to for a in mine) == ["PS1", "PS2"]
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AlarmScreen)
        table = screen.query_one("#alarms")
        rows = [" ".join(" ".join(str(c) for c in table.get_row_at(i)).split()) for i in range(table.row_count)]
        assert any("(to PS1)" in r for r in rows) and any("(to PS2)" in r for r in rows)
        index = next(i for i, a in enumerate(screen.shown) if a.to == "PS2")
        screen.query_one("#alarms").move_cursor(row=index)
        screen.notify = lambda message, **kw: notices.append(message)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "(to PS2)" in " ".join(" ".join(str(w.render()) for w in app.screen.query("Static")).split())
        await pilot.press("enter")
        await settle(pilot)
        assert notices and "(to PS2)" in notices[-1] and "PS1" not in notices[-1]


async def test_at_60x20_a_dialog_leaves_the_banner_visible(desk, clock, video):
    """Night-shift trial defect 8: at 60x20 a modal covered the banner's line."""
    from dutydesk.screens.dialogs import ConfirmDialog

    _inc, first = video
    clock.set(first.due_at + timedelta(seconds=5))
    async with console(desk, size=(60, 20)) as (app, pilot):
        assert "alarm" in banner(app)
        for keys, kind in [(["question_mark"], None), (["o"], None), (["f2", "k"], ConfirmDialog)]:
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            dialog = app.screen
            assert kind is None or isinstance(dialog, kind)
            box = dialog.query_one(".box")
            assert box.region.y >= 1, (dialog, box.region)  # row 0 is the banner's
            assert app.screen_stack[-2].query_one(AlarmBanner).region.y == 0
            while len(app.screen_stack) > 1:
                app.pop_screen()
            await settle(pilot)


async def test_a_notice_waits_while_a_dialog_is_on_top(desk, clock, video):
    """Night-shift trial defect 8: a notice (toast) sat on a dialog's border and
    fields. Given while a dialog is open, it shows once the dialog closes."""
    from dutydesk.screens.dialogs import ConfirmDialog

    _inc, first = video
    clock.set(first.due_at + timedelta(seconds=5))
    async with console(desk, size=(80, 24)) as (app, pilot):
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        app.notify("DUE NOW: something else", severity="error")
        await settle(pilot)
        assert not any("something else" in n.message for n in app._notifications)  # no toast over the dialog
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("DUE NOW: something else" in n.message for n in app._notifications)
