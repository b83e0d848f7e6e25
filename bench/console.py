"""Console budgets (issue 4), each against a reference measured in the same run:

* first paint of the board on a desk with 100 000 closed incidents and
  1 000 000 journal entries, against a bare Textual app (Header + DataTable + Footer);
* CPU of 500 live countdowns, against the same console idle (an empty desk);
* lateness of a deadline alert after its due time, against the 1 s budget.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import Result

CLOSED = int(os.environ.get("BENCH_CLOSED", "100000"))
JOURNAL = int(os.environ.get("BENCH_JOURNAL", "1000000"))
LIVE = int(os.environ.get("BENCH_LIVE", "500"))
CPU_SECONDS = float(os.environ.get("BENCH_CPU_SECONDS", "6"))
UTC = timezone.utc


def _big_desk(path: Path) -> str:
    """A desk with many closed incidents (each with four settled deadlines) and
    a long journal, written in bulk (the journal's content is filler: first
    paint must not read it)."""
    from dutydesk.desk import Desk

    url = f"sqlite:///{path}"
    desk = Desk.open(url, actor="BENCH")
    desk.init(name="Bench desk")
    desk.add_unit("PS1", "Station 1")
    for i in range(5):
        desk.open_incident(kind="mass" if i % 2 else "opinion", title=f"Live incident {i}", place="Square",
                           level="C" if i % 2 else "yellow")
    desk.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    base = datetime(2020, 1, 1)
    with con:
        con.executemany(
            "INSERT INTO incident (kind, title, place, level, status, factors, suggested_reasons, reported_at, "
            "opened_at, opened_by, closed_at, summary, version) VALUES (?, ?, ?, ?, 'closed', '{}', '[]', ?, ?, 'X', ?, 'done', 2)",
            ((("mass", f"Old incident {i}", f"Place {i % 97}", "C", base + timedelta(minutes=i),
               base + timedelta(minutes=i), base + timedelta(minutes=i + 50)) for i in range(CLOSED))))
        first = con.execute("SELECT min(id) FROM incident WHERE status = 'closed'").fetchone()[0]
        con.executemany(  # four settled deadlines each: years of them, as on a desk in use
            "INSERT INTO deadline (subject_type, subject_id, rule, level, due_at, state, created_at, met_at, closed_at) "
            "VALUES ('incident', ?, 'r', 'C', ?, ?, ?, ?, ?)",
            ((first + i // 4, base + timedelta(minutes=i // 4 + 30), "missed" if i % 9 == 0 else "met",
              base + timedelta(minutes=i // 4), None if i % 9 == 0 else base + timedelta(minutes=i // 4 + 20),
              base + timedelta(minutes=i // 4 + 30) if i % 9 == 0 else None) for i in range(4 * CLOSED)))
        seq0 = con.execute("SELECT max(seq) FROM journalentry").fetchone()[0]
        con.executemany(
            "INSERT INTO journalentry (seq, at, event_at, late, actor, action, entity, entity_id, payload, prev_hash, hash) "
            "VALUES (?, ?, ?, 0, 'X', 'incident.note', 'incident', ?, '{}', ?, ?)",
            ((seq0 + i + 1, base, base, str(i % CLOSED), "0" * 64, "f" * 64) for i in range(JOURNAL)))
        con.execute("UPDATE deskmeta SET value = ? WHERE key = 'journal_head'", (f"{seq0 + JOURNAL}:{'f' * 64}",))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as a desk in use would have done long since
    con.execute("ANALYZE")
    con.close()
    return url


async def _paint_bare() -> float:
    from textual.app import App
    from textual.widgets import DataTable, Footer, Header

    class Bare(App):
        def compose(self):
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self):
            table = self.query_one(DataTable)
            table.add_columns("a", "b", "c")

    t = time.perf_counter()
    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        return time.perf_counter() - t


async def _paint_board(url: str) -> float:
    from dutydesk.app import DutyDeskApp
    from dutydesk.desk import Desk
    from dutydesk.screens.board import BoardScreen

    t = time.perf_counter()
    desk = Desk.open(url, actor="BENCH")
    app = DutyDeskApp(desk, poll_interval=0.5, tick_interval=1.0, alerts=False)
    async with app.run_test(size=(120, 40)) as pilot:
        while not (isinstance(app.screen, BoardScreen) and app.screen.loaded):
            await asyncio.sleep(0.001)
        await pilot.pause()
        elapsed = time.perf_counter() - t
    desk.close()
    return elapsed


def first_paint(tmp: Path) -> Result:
    t = time.perf_counter()
    url = _big_desk(tmp / "big.sqlite")
    build = time.perf_counter() - t
    print(f"  (built a desk with {CLOSED} closed incidents and {JOURNAL} journal entries in {build:.1f} s)", flush=True)
    asyncio.run(_paint_bare())  # warm imports and caches for both
    asyncio.run(_paint_board(url))
    bare, board = [], []
    for _ in range(9):
        bare.append(asyncio.run(_paint_bare()))
        board.append(asyncio.run(_paint_board(url)))
    print(f"  (first paint samples, ms: board {[round(x * 1000) for x in board]}, "
          f"bare {[round(x * 1000) for x in bare]})", flush=True)
    return Result(f"first paint of the board ({CLOSED} closed, {4 * CLOSED} settled deadlines, {JOURNAL} journal)", statistics.median(board) * 1000,
                  statistics.median(bare) * 1000, "ms", 1.3)


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


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        return [first_paint(tmp_path), countdown_cpu(tmp_path), alert_latency(tmp_path)]


if __name__ == "__main__":
    import sys

    from bench.common import report

    sys.exit(report(run()))
