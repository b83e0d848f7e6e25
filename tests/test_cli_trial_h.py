"""CLI defects from the fresh-eyes trial (F, session 18): each was seen on main
and is driven here through Typer's runner and once as a real process."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from tests.clitools import ok

DUTYDESK = [sys.executable, "-m", "dutydesk"]


def _run(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ, COLUMNS="200", **(env_extra or {}))
    return subprocess.run([*DUTYDESK, *args], capture_output=True, text=True, timeout=120, env=env)


def _overdue_incident(seeded) -> None:
    """Incident 1 opened three hours ago: its first deadline is an hour overdue."""
    from dutydesk.clock import SystemClock

    three_hours_ago = (SystemClock().now() - timedelta(hours=3)).isoformat(timespec="minutes")
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gathering", "--place", "Gate", "--level", "C", "--at", three_hours_ago))
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Fresh", "--place", "Yard", "--level", "C"))  # due ahead


def _no_clock_countdown(out: str) -> None:
    assert "OVERDUE 1:00:" in out, out
    assert "│ +" not in out and " +1:" not in out, out  # overdue said in words, never a bare '+1:00:05'
    assert "│ in " in out or "│ soon " in out, out  # a running countdown says 'in'/'soon', never a bare '59:12'


def test_board_and_incident_list_word_countdowns_as_deadline_list(seeded, db_url, monkeypatch):
    """`board` and `incident list` printed '+1:00:05' and '59:54' (a clock time; piped,
    the '+' was the only sign of a miss) while `deadline list` said 'OVERDUE 1:00:05'."""
    monkeypatch.setenv("COLUMNS", "200")
    _overdue_incident(seeded)
    for args in (("board",), ("incident", "list"), ("incident", "list", "--all")):
        _no_clock_countdown(ok(seeded(*args)).stdout)
    for args in (("board",), ("incident", "list")):
        proc = _run("--db", db_url, *args)
        assert proc.returncode == 0, proc.stderr
        _no_clock_countdown(proc.stdout)
