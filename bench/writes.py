"""Service-layer writes (3 000 by default; BENCH_WRITES) (each: validate, write, journal, commit) against
raw sqlite3 inserts of the same rows (a note and a journal row per
transaction), same file settings (WAL, synchronous=FULL), same run."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import Result
from dutydesk.clock import FixedClock
from dutydesk.desk import Desk

N = int(os.environ.get("BENCH_WRITES", "3000"))  # an in-process diagnostic (no budget): kept short


def run() -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock(datetime(2026, 11, 22, 10, tzinfo=timezone.utc))
        desk = Desk.open(f"sqlite:///{Path(tmp) / 'svc.sqlite'}", clock=clock, actor="BENCH")
        inc = desk.open_incident(kind="mass", title="Bench", place="Lab", level="C")
        t = time.perf_counter()
        for i in range(N):
            clock.advance(timedelta(milliseconds=1))
            desk.add_note(inc.id, f"note {i}")
        service = time.perf_counter() - t
        assert desk.verify_journal().ok
        desk.close()

        path = Path(tmp) / "raw.sqlite"
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, incident_id INT, text TEXT, at TEXT, by TEXT)")
        con.execute(
            "CREATE TABLE journalentry (seq INTEGER PRIMARY KEY, at TEXT, actor TEXT, action TEXT, "
            "entity TEXT, entity_id TEXT, payload TEXT, prev_hash TEXT, hash TEXT)"
        )
        prev = "0" * 64
        t = time.perf_counter()
        for i in range(N):
            at = f"2026-11-22 10:00:{i:06d}"
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO note (incident_id, text, at, by) VALUES (?, ?, ?, ?)", (1, f"note {i}", at, "BENCH"))
            payload = f'{{"note":{i},"text":"note {i}"}}'
            digest = hashlib.sha256((prev + payload).encode()).hexdigest()
            con.execute(
                "INSERT INTO journalentry VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (i + 1, at, "BENCH", "incident.note", "incident", "1", payload, prev, digest),
            )
            con.execute("COMMIT")
            prev = digest
        raw = time.perf_counter() - t
        con.close()
    return Result(f"service-layer writes ({N})", service, raw, "s", None)


if __name__ == "__main__":
    import sys

    from bench.common import report

    sys.exit(report(run()))
