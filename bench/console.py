"""Console budgets, each against a reference measured in the same run:

* first paint, from outside (issue 15): `.venv/bin/dutydesk` launched cold under a
  pseudo-terminal of 80x24, from exec until a live incident's title is on the
  terminal, against a bare Textual app (Header + DataTable + Footer,
  bench/bare_app.py) launched the same way until its row is; paired, median
  ratio <= 1.5x, on the demo desk and on a desk with 100 000 closed incidents,
  400 000 deadlines and 1 000 000 journal entries (bench/desks.py);
* CPU of 500 live countdowns, against the same console idle (an empty desk),
  both cold consoles under a pseudo-terminal, CPU read from /proc;
* lateness of a deadline alert after its due time, against the 1 s budget.
"""

from __future__ import annotations

import os
import statistics
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
    return common.paired(
        f"console first paint, {name}, {size[0]}x{size[1]} (until '{marker}' is on the terminal) vs a bare Textual app",
        lambda: common.first_output(console, marker, size=size, env=env),
        lambda: common.first_output(bare, marker, size=size, env=env),
        budget=1.5,
        pairs=PAINT_PAIRS,
    )


def countdown_cpu() -> Result:
    """Extra CPU of the console with LIVE live countdowns over the same console on an empty
    desk, each a cold `.venv/bin/dutydesk` under a 200x50 pseudo-terminal, its CPU read
    from /proc over CPU_SECONDS once it is showing (median of 3 each, interleaved)."""
    busy_home, idle_home = desks.live_home(LIVE), desks.empty_home()
    busy, idle = [], []
    for _ in range(3):
        for home, out in ((busy_home, busy), (idle_home, idle)):
            out.append(common.cpu_share(desks.cli(home), "Quit", seconds=CPU_SECONDS, settle=2.0, size=(200, 50), env=common.bench_env(home)))
    b, i = statistics.median(busy), statistics.median(idle)
    extra = max(0.0, b - i) * 100
    common.note(
        f"CPU from outside: idle console {i * 100:.1f} % of a core, with {LIVE} countdowns {b * 100:.1f} % "
        f"(samples {[round(x * 100, 1) for x in busy]} vs {[round(x * 100, 1) for x in idle]}): +{extra:.1f} points; budget < 5"
    )
    return Result(f"{LIVE} live countdowns: extra CPU, % of one core (cold consoles under a pty, median of 3)", extra, 5.0, "%", 1.0)


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
    results: list = [
        first_paint("demo desk", desks.demo_home(), desks.DEMO_TITLE),
        first_paint(
            f"{desks.CLOSED} closed incidents, {4 * desks.CLOSED} deadlines, {desks.JOURNAL} journal entries", desks.big_home(), desks.BIG_TITLE
        ),
    ]
    if os.environ.get("BENCH_PAINT_ONLY"):
        return results
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        return results + [countdown_cpu(), alert_latency(tmp_path)]


if __name__ == "__main__":
    import sys

    from bench.common import report

    sys.exit(report(run()))
