"""Alarm latency (issue 13): on a desk with 500 live deadlines, how long after a
deadline falls due until the console's banner shows it as an alarm.

The console runs headless (Textual's test driver) with its real timers (tick
1 s, poll 0.5 s) on a clock that runs in real time from a chosen offset, so
that one deadline falls due a moment after the console has settled.  The time
is measured from the due instant (real time) to the banner first showing that
alarm.  Budget: median <= 1 s over 7 runs (each with a fresh console); the
worst run is printed beside it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import Result

UTC = timezone.utc
LIVE_DEADLINES = int(os.environ.get("BENCH_ALARM_DEADLINES", "500"))
RUNS = int(os.environ.get("BENCH_ALARM_RUNS", "7"))
T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


class ShiftedClock:
    """Real time, moved by ``offset``: the desk's clock for the run."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class SetClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def build(path: Path) -> tuple[str, datetime]:
    """A desk with >= LIVE_DEADLINES pending deadlines of live incidents, all
    due well after the one watched (a 1-minute instruction deadline), which is
    the first to fall due.  Returns the URL and that deadline's due time."""
    from dutydesk.desk import Desk

    url = f"sqlite:///{path}"
    clock = SetClock(T0)
    desk = Desk.open(url, clock=clock, actor="BENCH")
    desk.init(name="Alarm bench")
    desk.add_unit("PS1", "Station 1")
    n = 0
    i = 0
    while n < LIVE_DEADLINES:
        inc = desk.open_incident(kind="mass" if i % 2 else "opinion", title=f"Live incident {i}", place="Square", level="B" if i % 2 else "orange")
        n += sum(1 for d in inc.deadlines if d.state == "pending")
        i += 1
    clock.at = T0 + timedelta(minutes=5)
    watched = desk.open_incident(kind="mass", title="Watched", place="Gate", level="C")
    ins = desk.instruct(watched.id, "PS1", "Go")  # its acknowledgement is due in 1 minute: the first to fall due
    due = min(d.due_at for d in desk.list_deadlines())
    assert any(d.instruction_id == ins.id and d.due_at == due for d in desk.list_deadlines())
    total = len(desk.list_deadlines())
    desk.close()
    print(f"desk: {i + 1} live incidents, {total} pending deadlines", flush=True)
    return url, due


async def one_run(url: str, due: datetime, lead: float = 2.5) -> float:
    """Seconds from due to the banner showing the alarm."""
    from dutydesk.alarms import DUE
    from dutydesk.app import DutyDeskApp
    from dutydesk.desk import Desk
    from dutydesk.widgets.banner import AlarmBanner

    # The console starts ``lead`` seconds before the watched deadline falls due.
    clock = ShiftedClock(due - timedelta(seconds=lead) - datetime.now(UTC))
    desk = Desk.open(url, clock=clock, actor="BENCH", create=False)
    app = DutyDeskApp(desk, poll_interval=0.5, tick_interval=1.0, alerts=True)
    app.bell = lambda: None
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            real_due = time.perf_counter() + (due - clock.now()).total_seconds()

            def shown() -> bool:
                if not any(a.stage == DUE and a.due_at == due for a in app.alarms):
                    return False
                return any(b.display and "overdue" in b.render().plain for b in app.screen.query(AlarmBanner))

            while not shown():
                await pilot.pause(0.005)
                if time.perf_counter() > real_due + 10:
                    raise RuntimeError("the alarm did not show within 10 s of due")
            return time.perf_counter() - real_due
    finally:
        desk.close()


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        url, due = build(Path(tmp) / "alarms.sqlite")
        samples = [asyncio.run(one_run(url, due)) for _ in range(RUNS)]
    print("banner after due, each run (s): " + " ".join(f"{s:.3f}" for s in samples), flush=True)
    median = statistics.median(samples)
    return [Result(f"alarm banner after due, {LIVE_DEADLINES}+ live deadlines (median of {RUNS}; worst {max(samples):.3f} s)", median, 1.0, "s", 1.0)]


if __name__ == "__main__":
    import sys

    from bench.common import report

    sys.exit(report(run()))
