"""Console budgets, each against a reference measured in the same run:

* first paint, from outside (issue 15): `.venv/bin/dutydesk` launched cold under a
  pseudo-terminal of 80x24, from exec until a live incident's title is on the
  terminal, against a bare Textual app (Header + DataTable + Footer,
  bench/bare_app.py) launched the same way until its row is; paired, median
  ratio <= 1.5x, on the demo desk and on a desk with 100 000 closed incidents,
  400 000 deadlines and 1 000 000 journal entries (bench/desks.py);
* CPU of 500 live countdowns, against the same console idle (an empty desk);
* lateness of a deadline alert after its due time, against the 1 s budget.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench import common, desks
from bench.common import Result

LIVE = int(os.environ.get("BENCH_LIVE", "500"))
CPU_SECONDS = float(os.environ.get("BENCH_CPU_SECONDS", "6"))
PAINT_PAIRS = max(common.PAIRS, int(os.environ.get("BENCH_PAINT_PAIRS", "7")))
UTC = timezone.utc
BARE = Path(__file__).with_name("bare_app.py")


def first_paint(name: str, home: Path, marker: str, size: tuple[int, int] = (80, 24)) -> common.Paired:
    env = common.bench_env(home)
    console = desks.cli(home)
    bare = common.python(str(BARE), marker)
    return common.paired(f"console first paint, {name}, {size[0]}x{size[1]} (until '{marker}' is on the terminal) vs a bare Textual app",
                         lambda: common.first_output(console, marker, size=size, env=env),
                         lambda: common.first_output(bare, marker, size=size, env=env),
                         budget=1.5, pairs=PAINT_PAIRS)


async def _cpu(url: str, seconds: float) -> float:
    from dutydesk.app import DutyDeskApp
    from dutydesk.desk import Desk
    from dutydesk.screens.board import BoardScreen

    desk = Desk.open(url, actor="BENCH")
    app = DutyDeskApp(desk, poll_interval=0.5, tick_interval=1.0, alerts=False)
    async with app.run_test(size=(200, 50)):
        while not (isinstance(app.screen, BoardScreen) and app.screen.loaded):
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.0)
        c, w = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu = (time.process_time() - c) / (time.perf_counter() - w)
    desk.close()
    return cpu


def countdown_cpu(tmp: Path) -> Result:
    from dutydesk.desk import Desk

    live_url = f"sqlite:///{tmp / 'live.sqlite'}"
    desk = Desk.open(live_url, actor="BENCH")
    desk.add_unit("PS1", "Station 1")
    for i in range(LIVE):
        desk.open_incident(kind="opinion" if i % 2 else "mass", title=f"Live {i}", place="Square",
                           level="yellow" if i % 2 else "B")
    desk.close()
    idle_url = f"sqlite:///{tmp / 'idle.sqlite'}"
    Desk.open(idle_url).close()
    idle = asyncio.run(_cpu(idle_url, CPU_SECONDS))
    busy = asyncio.run(_cpu(live_url, CPU_SECONDS))
    extra = max(0.0, busy - idle) * 100
    print(f"  (CPU: idle console {idle * 100:.1f} % of a core, with {LIVE} countdowns {busy * 100:.1f} %: "
          f"+{extra:.1f} points; budget < 5)", flush=True)
    return Result(f"{LIVE} live countdowns: extra CPU, % of one core", extra, 5.0, "%", 1.0)


def alert_latency(tmp: Path) -> Result:
    from dutydesk.alerts import AlertScheduler
    from dutydesk.clock import SystemClock
    from dutydesk.views import DeadlineView

    lateness = []
    for i in range(5):
        done = threading.Event()
        fired = {}
        sched = AlertScheduler(SystemClock(), lambda job: (fired.setdefault("at", datetime.now(UTC)), done.set()))
        sched.start()
        now = datetime.now(UTC)
        due = now + timedelta(seconds=0.5)
        d = DeadlineView(i + 1, "incident", 1, "bench", "bench", "C", due, "pending", due)  # created == due: no warning
        sched.reconcile([d])
        done.wait(5)
        time.sleep(0.05)  # let the scheduler finish its bookkeeping before it is stopped
        sched.shutdown()
        lateness.append((fired["at"] - due).total_seconds())
    return Result("alert lateness after due (worst of 5)", max(lateness), 1.0, "s", 1.0)


def run() -> list:
    results: list = [first_paint("demo desk", desks.demo_home(), desks.DEMO_TITLE),
                     first_paint(f"{desks.CLOSED} closed incidents, {4 * desks.CLOSED} deadlines, {desks.JOURNAL} journal entries",
                                 desks.big_home(), desks.BIG_TITLE)]
    if os.environ.get("BENCH_PAINT_ONLY"):
        return results
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        return results + [countdown_cpu(tmp_path), alert_latency(tmp_path)]


if __name__ == "__main__":
    import sys

    from bench.common import report

    sys.exit(report(run()))
