"""Shift report over 2 000 journal entries: text and HTML < 0.5 s, PDF < 5 s
(the issue's budgets are absolute, so the reference is the budget itself)."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import Result, median_time, report
from dutydesk import reports
from dutydesk.clock import FixedClock
from dutydesk.desk import Desk

ENTRIES = 2000


def build_desk(path: Path) -> Desk:
    clock = FixedClock(datetime(2026, 11, 22, 0, 0, tzinfo=timezone.utc))
    desk = Desk.open(f"sqlite:///{path}", clock=clock, actor="DC1")
    desk.init(name="Bench desk")
    for i in range(20):
        desk.add_unit(f"PS{i}", f"Station {i}")
    desk.add_staff("DC1", "Duty Commander One", "PS0")
    desk.start_shift("DC1")
    n = 0
    while desk.journal_head() < ENTRIES + 22:
        clock.advance(minutes=2)
        inc = desk.open_incident(kind="mass" if n % 2 else "opinion", title=f"Incident {n} 事件",
                                 place=f"Place {n}", level="B" if n % 2 else "orange")
        for k in range(12):
            clock.advance(seconds=20)
            ins = desk.instruct(inc.id, f"PS{k}", f"Instruction {k} to the front line, report back.")
            clock.advance(seconds=30 + k * 5)
            desk.acknowledge(ins.id)
            desk.add_note(inc.id, f"Note {k}: crowd steady, officers in place. 现场平稳。")
        n += 1
    clock.advance(minutes=5)
    desk.end_shift("Handover at the end of the bench shift.")
    return desk


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        desk = build_desk(Path(tmp) / "bench.sqlite")
        results = []
        entries = len(reports.build(desk, "shift", shift_id=1).log)
        for fmt, budget, repeat in (("text", 0.5, 5), ("html", 0.5, 5), ("pdf", 5.0, 3)):
            took = median_time(lambda: reports.render(desk, reports.build(desk, "shift", shift_id=1), fmt), repeat)
            results.append(Result(f"shift report over {entries} journal entries, {fmt} (build + render)", took,
                                  budget, "s", 1.0))
        desk.close()
    return report(results)


if __name__ == "__main__":
    t0 = time.perf_counter()
    code = main()
    print(f"  (reports bench took {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    sys.exit(code)
