"""The shift screen and the report previews (issue 13, "Shift and reports"),
driven with Pilot on a fixed clock."""

from __future__ import annotations

from textual import events
from textual.widgets import Input, Static

from dutydesk.app import DutyDeskApp
from dutydesk.screens.shift import ShiftScreen
from tests.consoles import console, make_app, settle


def type_ahead(app: DutyDeskApp, keys: str | list[str]) -> None:
    """Keys as a fast typist (or a paste) sends them: all queued at once, no
    pause for the widgets to take each one in before the next arrives."""
    for key in keys:
        name = {" ": "space", ";": "semicolon", ",": "comma", ".": "full_stop"}.get(key, key)
        event = events.Key(name, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


def shown(widget: Static) -> str:
    """What a Static shows, as plain text at its width (its content may be Rich tables)."""
    import io

    from rich.console import Console

    console = Console(width=widget.size.width or 120, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


async def open_shift(pilot) -> ShiftScreen:
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ShiftScreen)
    return pilot.app.screen


async def test_note_typed_then_ctrl_o_at_once_is_the_note_sent(desk, clock):
    """Regression: Ctrl+O (a priority key) ran before the note's last keys
    reached the field: refused as empty, or a note cut short, sent."""
    desk.start_shift("DC1")
    clock.advance(hours=12)
    app = make_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_shift(pilot)
        screen.query_one("#commander", Input).value = "DC2"
        screen.query_one("#note", Input).focus()
        await pilot.pause()
        type_ahead(app, [*"Quiet night; watch Route 205", "ctrl+o", "y"])
        await settle(pilot)
        assert "must not be empty" not in str(screen.query_one("#error", Static).render())
    assert desk.current_shift().commander == "DC2"
    ended = [e for e in desk.journal_entries(entity="shift") if e.action == "shift.end"]
    assert [e.payload["note"] for e in ended] == ["Quiet night; watch Route 205"]


async def test_ctrl_r_after_a_handover_previews_the_shift_handed_over(desk, clock):
    """Regression: Ctrl+R after a handover previewed the new, empty shift."""
    from dutydesk.screens.report import ReportScreen

    desk.start_shift("DC1")
    clock.advance(hours=1)
    desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    clock.advance(hours=11)
    app = make_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_shift(pilot)
        await pilot.press(*"DC2", "tab", *"Route 205 quiet", "ctrl+o", "y")
        await settle(pilot)
        assert desk.current_shift().commander == "DC2"
        assert screen.query_one("#note", Input).value == ""  # sent: never sent twice by a second Ctrl+O
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        text = str(app.screen.query_one("#report-text", Static).render())
    assert "Duty commander(s):  DC1 Duty Commander One\n" in text
    assert "Route 205 quiet" in text and "Wage gathering" in text
    assert "10:00 – 2026-11-22 22:00" in text  # the handed-over shift's own span (the clock is UTC)


async def test_screen_and_report_say_the_same_lateness(desk, clock):
    """Regression: met 9.6 s late showed "00:09 LATE" on the incident screen
    and "10 s late" in the report; both say 10 s now (a miss is never rounded
    towards on time)."""
    from textual.widgets import DataTable

    from dutydesk import reports

    inc = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    sent = desk.instruct(inc.id, "PS1", "Send two cars")
    ack = next(d for d in desk.list_deadlines() if d.rule == "front_line_instruction")
    clock.advance(seconds=69.6)  # due at +60 s: met 9.6 s late
    desk.acknowledge(sent.id)
    text = reports.render(desk, reports.build(desk, "incident", incident_id=inc.id), "text").decode()
    assert "10 s late" in text and "9 s late" not in text
    async with console(desk, size=(120, 40)) as (app, pilot):
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#deadlines", DataTable)
        row = " ".join(getattr(c, "plain", str(c)) for c in table.get_row(str(ack.id)))
    assert "00:10 LATE" in row, row


async def test_missed_during_this_shift_lists_what_went_overdue_in_it(desk, clock):
    """Regression: the list showed only deadlines settled missed since the shift
    began (one due before it, carried over, too) and none met late or still
    overdue.  Now: due during the shift and not met by due, in words."""
    inc = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    desk.instruct(inc.id, "PS1", "before the shift")  # due 10:01, overdue when the shift starts
    clock.advance(minutes=10)
    desk.start_shift("DC1")  # 10:10
    late = desk.instruct(inc.id, "PS1", "acknowledged late")  # due 10:11
    clock.advance(minutes=1, seconds=30)
    desk.acknowledge(late.id)  # 30 s late
    clock.advance(minutes=8, seconds=30)  # 10:20
    quick = desk.instruct(inc.id, "PS2", "acknowledged at once")
    desk.acknowledge(quick.id)  # on time: not listed
    other = desk.open_incident(kind="mass", title="Blocked road", place="Gate 2", level="C")
    desk.instruct(other.id, "SPD", "settled missed by the close")  # due 10:21
    clock.advance(minutes=5)  # 10:25
    desk.close_incident(other.id, "Road clear")  # a closed incident's miss is listed too
    desk.instruct(inc.id, "NEG", "still pending")  # due 10:26
    clock.advance(minutes=4)  # 10:29: 3 min overdue
    app = make_app(desk)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_shift(pilot)
        text = shown(screen.query_one("#deadline-list", Static))
    missed = [" ".join(x.split()) for x in text.split("Missed during this shift (3)\n", 1)[1].splitlines()]
    label = "Instruction reaches the front-line unit"
    assert missed == [
        f"#{inc.id} {label} (to PS1) 11-22 10:11 met late, 30 s late",
        f"#{other.id} {label} (to SPD) 11-22 10:21 missed",
        f"#{inc.id} {label} (to NEG) 11-22 10:26 overdue, 3 min late",
    ], missed


# -- previews at the screen's width ------------------------------------------------


def _preview_lines(screen) -> list[str]:
    return str(screen.query_one("#report-text", Static).render()).splitlines()


async def _shift_preview(pilot):
    from dutydesk.screens.report import ReportScreen

    await open_shift(pilot)
    await pilot.press("ctrl+r")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReportScreen)
    return screen


def _long_shift(desk, clock, title="Residents blocking the ring road over demolition compensation, growing"):
    desk.start_shift("DC1")
    inc = desk.open_incident(kind="mass", title=title, place="Xinhe Village, Route 205", level="B")
    desk.instruct(inc.id, "PS1", "Send two cars to the village entrance and report the numbers present")
    clock.advance(minutes=30)
    return inc


async def test_preview_is_laid_out_at_the_screens_width(desk, clock):
    """Regression: the preview was the 80-column text in a 78-column area, so
    every full line wrapped.  It is laid out for the columns it has now (80 for
    the files), and again when the terminal is resized."""
    from rich.cells import cell_len

    _long_shift(desk, clock)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _shift_preview(pilot)
        area = screen.query_one("#report-scroll").scrollable_content_region.width
        assert screen.text_width == area == 78  # the scrollbar's two columns kept free
        lines = _preview_lines(screen)
        assert max(cell_len(x) for x in lines) <= 78
        assert screen.query_one("#report-text", Static).size.width <= area  # nothing wraps, nothing is cut
        await pilot.resize_terminal(200, 50)
        await settle(pilot)
        assert screen.text_width == 198
        wide = _preview_lines(screen)
        assert 80 < max(cell_len(x) for x in wide) <= 198
        assert len(wide) < len(lines)  # the wide text wraps less
        await pilot.press("d")  # the file keeps 80 columns
        await settle(pilot)
        written = screen.written[0].read_text(encoding="utf-8")
    assert written.startswith("# Shift report")


async def test_chinese_preview_fits_and_no_line_starts_with_a_comma(desk, clock):
    """CJK characters are two columns; a wrapped line never starts with 、 or ，."""
    from rich.cells import cell_len

    from dutydesk.i18n import set_language

    set_language("zh_CN")
    inc = _long_shift(desk, clock, title="某小区居民聚集，反映拆迁补偿问题，人数增加、情绪激动，道路堵塞、交通中断")
    note = "交接：" + "，".join(["现场人数仍在增加、情绪激动"] * 8) + "。"
    desk.add_note(inc.id, note)
    starts = set()
    for width in (80, 97, 123):
        app = make_app(desk)
        async with app.run_test(size=(width, 30)) as pilot:
            screen = await _shift_preview(pilot)
            lines = _preview_lines(screen)
            assert screen.text_width == width - 2
            assert max(cell_len(x) for x in lines) <= width - 2
            starts |= {x.strip()[:1] for x in lines if x.strip()}
            assert any("反映拆迁补偿问题" in x for x in lines)
    assert not starts & {"、", "，", "。"}, starts


# -- the KPI report from the console -------------------------------------------------


def test_kpi_periods_are_calendar_months_in_the_desks_zone(monkeypatch):
    from datetime import datetime, timezone

    from dutydesk.screens.report import day_bound, kpi_periods

    utc = timezone.utc
    now = datetime(2026, 11, 23, 16, 0, tzinfo=utc)
    assert kpi_periods(now) == {
        "this": (datetime(2026, 11, 1, tzinfo=utc), now),
        "last": (datetime(2026, 10, 1, tzinfo=utc), datetime(2026, 11, 1, tzinfo=utc)),
    }
    january = datetime(2027, 1, 5, 9, 0, tzinfo=utc)
    assert kpi_periods(january)["last"] == (datetime(2026, 12, 1, tzinfo=utc), datetime(2027, 1, 1, tzinfo=utc))
    monkeypatch.setenv("DUTYDESK_TZ", "Asia/Shanghai")  # the month begins at local midnight
    assert kpi_periods(now)["this"][0] == datetime(2026, 10, 31, 16, 0, tzinfo=utc)
    # 1 Nov 00:30 in Shanghai is still October in UTC: this month is November's
    assert kpi_periods(datetime(2026, 10, 31, 16, 30, tzinfo=utc))["this"][0] == datetime(2026, 10, 31, 16, 0, tzinfo=utc)
    assert day_bound("2026-11-02", now, end=True) == datetime(2026, 11, 2, 16, 0, tzinfo=utc)  # the whole day


async def test_kpi_report_from_the_palette_this_month(desk, clock):
    from dutydesk.screens.report import KpiPeriodDialog, ReportScreen

    async with console(desk, size=(100, 30)) as (app, pilot):
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"KPI report")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, KpiPeriodDialog)
        await pilot.press("enter")  # the first choice: this month so far
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        text = "\n".join(_preview_lines(app.screen))
    assert "Plan KPI report" in text and "2026-11-01 00:00 – 2026-11-22 10:00" in text


async def test_kpi_report_from_the_shift_screen_for_dates_typed(desk, clock):
    from dutydesk.screens.report import KpiPeriodDialog, ReportScreen

    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_shift(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, KpiPeriodDialog)
        await pilot.press("down", "down", "enter")  # other dates: From has the focus
        await pilot.press("ctrl+u", *"2026-11-20", "enter", "ctrl+u", *"2026-11-19", "enter")
        await settle(pilot)
        assert isinstance(app.screen, KpiPeriodDialog)  # To before From: refused, on the spot
        assert "To: a day on or after From" in str(app.screen.query_one("#error", Static).render())
        await pilot.press("ctrl+u", *"2026-11-21", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        text = "\n".join(_preview_lines(app.screen))
    assert "2026-11-20 00:00 – 2026-11-22 00:00" in text  # both days whole


def test_cli_text_report_keeps_80_columns_on_a_wide_terminal(desk, clock, db_url):
    """A real process: the text report (a file, a printer) stays 80 columns
    wide whatever the terminal; only the console's preview follows the screen.
    Its missed list is the screen's."""
    import os
    import subprocess
    import sys

    _long_shift(desk, clock)
    env = {**os.environ, "DUTYDESK_DB": db_url, "COLUMNS": "200"}
    r = subprocess.run([sys.executable, "-m", "dutydesk", "report", "shift", "--format", "text"], env=env, capture_output=True, timeout=60, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(x) for x in lines) <= 80 and "Missed during this period" in lines
    section = r.stdout.split("Missed during this period", 1)[1].split("Deadlines due in this period", 1)[0]
    assert "Instruction reaches" in section and "overdue" in section


async def test_pending_countdowns_follow_the_tick_in_words(desk, clock):
    """The shift screen's countdowns repaint on Tick (no query) and say their
    state in words: soon within the warning lead, OVERDUE once past due."""
    from sqlalchemy import event

    from dutydesk.messages import Tick

    desk.start_shift("DC1")
    inc = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    desk.instruct(inc.id, "PS1", "Send two cars")  # due in 60 s
    app = make_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_shift(pilot)
        queries = []
        event.listen(desk.engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
        clock.advance(seconds=50)
        screen.post_message(Tick(clock.now()))
        await pilot.pause()
        assert "soon 00:10" in shown(screen.query_one("#deadline-list", Static))
        clock.advance(seconds=15)
        screen.post_message(Tick(clock.now()))
        await pilot.pause()
        assert "DUE +00:05" in shown(screen.query_one("#deadline-list", Static))
        assert queries == []


async def test_call_sign_tab_note_ctrl_o_typed_at_once(desk, clock):
    """Regression (seen in tmux, keys sent at once): the keys after Tab went to
    the call-sign field, because the field moved the focus only when it came to
    the Tab in its own queue: 'DC2Route 205 quiet; wage case talks a' refused as
    a call sign.  Tab and Enter move the focus at once now."""
    desk.start_shift("DC1")
    clock.advance(hours=12)
    app = make_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_shift(pilot)
        type_ahead(app, [*"DC2", "tab", *"Route 205 quiet; wage case talks at 9", "ctrl+o", "y"])
        await settle(pilot)
        assert desk.current_shift().commander == "DC2"
        type_ahead(app, [*"DC1", "enter", *"All quiet", "enter", "enter"])
        await settle(pilot)
        assert str(screen.query_one("#error", Static).render()) == ""
    assert desk.current_shift().commander == "DC1"
    ended = [e.payload["note"] for e in desk.journal_entries(entity="shift") if e.action == "shift.end"]
    assert ended == ["Route 205 quiet; wage case talks at 9", "All quiet"]


def test_the_handover_journal_keeps_the_same_missed_list(desk, clock):
    """The shift.end journal entry's missed list is the screen's: a deadline
    met late during the shift is in it (it held only those settled missed)."""
    desk.start_shift("DC1")
    inc = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    sent = desk.instruct(inc.id, "PS1", "Send two cars")
    clock.advance(minutes=3)
    desk.acknowledge(sent.id)  # 2 min late
    on_screen = [d.id for d in desk.overdue_during(desk.current_shift().started_at, clock.now())]
    desk.end_shift("quiet", handover_to="DC2")
    p = next(e for e in desk.journal_entries(entity="shift") if e.action == "shift.end").payload
    assert [d["id"] for d in p["missed_deadlines"]] == on_screen and len(on_screen) == 1


async def test_keys_typed_while_the_shift_screen_opens_reach_its_form(desk, clock):
    """The call sign, Tab, the note and Ctrl+O typed while the screen opens:
    nothing is lost (the call sign was: no field had the focus yet)."""
    desk.start_shift("DC1")
    clock.advance(hours=12)
    async with console(desk, size=(100, 40)) as (app, pilot):
        app.push_screen(ShiftScreen())  # as the board does on "s"
        type_ahead(app, [*"DC2", "tab", *"All quiet", "ctrl+o", "y"])
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
    assert desk.current_shift().commander == "DC2"
    ended = [e.payload["note"] for e in desk.journal_entries(entity="shift") if e.action == "shift.end"]
    assert ended == ["All quiet"]


async def test_page_down_scrolls_the_handover_list_from_the_form(desk, clock):
    desk.start_shift("DC1")
    for n in range(8):
        desk.open_incident(kind="opinion", title=f"Video {n}", place="Online", level="red")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_shift(pilot)
        assert isinstance(app.focused, Input)
        await pilot.press("pagedown")
        await settle(pilot)
        assert screen.query_one("#handover-list").scroll_y > 0
        assert isinstance(app.focused, Input)


async def test_ctrl_o_asks_first_naming_to_whom_and_y_typed_after_it_answers(desk, clock):
    """Night-shift trial, defect 10: Ctrl+O handed over at once.  It asks now,
    naming the shift and the next commander; a 'y' typed in the same burst
    answers the question (it is not added to the note)."""
    from dutydesk.screens.dialogs import ConfirmDialog

    desk.start_shift("DC1")
    clock.advance(hours=12)
    app = make_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_shift(pilot)
        type_ahead(app, [*"DC2", "tab", *"All quiet", "ctrl+o"])
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Hand over shift 1 to DC2?" == app.screen.title_text
        assert desk.current_shift().commander == "DC1"  # nothing changed yet
        type_ahead(app, ["n"])
        await settle(pilot)
        assert app.screen is screen and desk.current_shift().commander == "DC1"
        assert screen.query_one("#note", Input).value == "All quiet"  # kept
        type_ahead(app, ["ctrl+o", "y"])
        await settle(pilot)
        assert app.screen is screen
    assert desk.current_shift().commander == "DC2"
    ended = [e.payload["note"] for e in desk.journal_entries(entity="shift") if e.action == "shift.end"]
    assert ended == ["All quiet"]


async def test_ctrl_e_asks_first_naming_the_shift(desk, clock):
    from dutydesk.screens.dialogs import ConfirmDialog

    desk.start_shift("DC1")
    app = make_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_shift(pilot)
        type_ahead(app, ["ctrl+e"])
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and app.screen.title_text == "End shift 1?"
        assert desk.current_shift() is not None
        type_ahead(app, ["y"])
        await settle(pilot)
    assert desk.current_shift() is None


async def test_esc_with_a_typed_note_asks_before_discarding(desk, clock):
    """Night-shift trial, defect 10: Esc threw a typed handover note away."""
    from dutydesk.screens.dialogs import ConfirmDialog

    desk.start_shift("DC1")
    app = make_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_shift(pilot)
        type_ahead(app, [*"DC2", "tab", *"Road closed at depot", "escape"])
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        type_ahead(app, ["n"])
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#note", Input).value == "Road closed at depot"
        type_ahead(app, ["escape", "y"])
        await settle(pilot)
        assert not isinstance(app.screen, (ShiftScreen, ConfirmDialog))


async def test_esc_with_nothing_typed_goes_back_at_once(desk, clock):
    desk.start_shift("DC1")
    app = make_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_shift(pilot)
        type_ahead(app, ["escape"])
        await settle(pilot)
        assert not isinstance(app.screen, ShiftScreen)
