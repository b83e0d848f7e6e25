"""The shift screen and the report previews (issue 13, "Shift and reports"),
driven with Pilot on a fixed clock."""

from __future__ import annotations

from textual import events
from textual.widgets import Input, Static

from dutydesk.app import DutyDeskApp
from dutydesk.desk import Desk
from dutydesk.screens.shift import ShiftScreen


async def settle(pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def make_app(desk: Desk) -> DutyDeskApp:
    return DutyDeskApp(desk, poll_interval=None, tick_interval=None, alerts=False)


def type_ahead(app: DutyDeskApp, keys: str | list[str]) -> None:
    """Keys as a fast typist (or a paste) sends them: all queued at once, no
    pause for the widgets to take each one in before the next arrives."""
    for key in keys:
        name = {" ": "space", ";": "semicolon", ",": "comma", ".": "full_stop"}.get(key, key)
        event = events.Key(name, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


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
        type_ahead(app, [*"Quiet night; watch Route 205", "ctrl+o"])
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
        await pilot.press(*"DC2", "tab", *"Route 205 quiet", "ctrl+o")
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
    app = make_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
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
    desk.instruct(inc.id, "PS1", "before the shift")            # due 10:01, overdue when the shift starts
    clock.advance(minutes=10)
    desk.start_shift("DC1")                                      # 10:10
    late = desk.instruct(inc.id, "PS1", "acknowledged late")    # due 10:11
    clock.advance(minutes=1, seconds=30)
    desk.acknowledge(late.id)                                    # 30 s late
    clock.advance(minutes=8, seconds=30)                         # 10:20
    quick = desk.instruct(inc.id, "PS2", "acknowledged at once")
    desk.acknowledge(quick.id)                                   # on time: not listed
    other = desk.open_incident(kind="mass", title="Blocked road", place="Gate 2", level="C")
    desk.instruct(other.id, "SPD", "settled missed by the close")  # due 10:21
    clock.advance(minutes=5)                                     # 10:25
    desk.close_incident(other.id, "Road clear")                  # a closed incident's miss is listed too
    desk.instruct(inc.id, "NEG", "still pending")                # due 10:26
    clock.advance(minutes=4)                                     # 10:29: 3 min overdue
    app = make_app(desk)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_shift(pilot)
        text = str(screen.query_one("#handover-list", Static).render())
    missed = text.split("Missed during this shift\n", 1)[1].splitlines()
    label = "Instruction reaches the front-line unit"
    assert missed == [f"  #{inc.id} {label}: due 11-22 10:11, met late, 30 s late",
                      f"  #{other.id} {label}: due 11-22 10:21, missed",
                      f"  #{inc.id} {label}: due 11-22 10:26, overdue, 3 min late"], missed
