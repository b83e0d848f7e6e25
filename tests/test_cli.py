"""The CLI through Typer's runner, and as a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dutydesk import __version__
from dutydesk.cli import app
from tests.clitools import ok, refused, runner


def test_version():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"dutydesk {__version__}"


def test_init_twice(cli, db_url):
    assert "Desk created" in ok(cli("init")).output
    assert "up to date" in ok(cli("init")).output


def test_whole_flow_json(seeded):
    cli = seeded
    r = ok(
        cli(
            "incident",
            "open",
            "--kind",
            "opinion",
            "--title",
            "Video of a stop",
            "--place",
            "Ring road",
            "--factor",
            "nature=enforcement",
            "--factor",
            "sensitivity=medium",
            "--factor",
            "spread_speed=fast",
            "--factor",
            "social_impact=city",
            "--received-by",
            "DC1",
            "--json",
        )
    )
    inc = json.loads(r.stdout)
    assert inc["id"] == 1 and inc["level"] == "orange" and inc["suggested_level"] == "orange"
    assert inc["reported_at"].endswith("+00:00")
    assert {d["rule"] for d in inc["deadlines"]} == {"joint_response", "first_statement", "core_facts", "unit_verification"}
    ok(cli("incident", "level", "1", "red", "--reason", "national media"))
    ok(cli("incident", "assign", "1", "unit_involved", "PS1"))
    ok(cli("incident", "assign", "1", "commander", "DC1"))
    ok(cli("incident", "release", "1", "commander"))
    r = ok(cli("incident", "instruct", "1", "--to", "PS1", "Verify the video and report"))
    ins_id = int(r.stdout.strip())
    ok(cli("instruction", "ack", str(ins_id)))
    ok(cli("incident", "note", "1", "Statement drafted"))
    deadlines = json.loads(ok(cli("deadline", "list", "--incident", "1", "--json")).stdout)
    pending = [d for d in deadlines if d["state"] == "pending"]
    ok(cli("deadline", "meet", str(pending[0]["id"])))
    ok(cli("deadline", "waive", str(pending[1]["id"]), "--reason", "handled by the provincial desk"))
    listed = json.loads(ok(cli("incident", "list", "--json")).stdout)
    assert [i["id"] for i in listed] == [1]
    shown = json.loads(ok(cli("incident", "show", "1", "--json")).stdout)
    assert shown["level"] == "red" and shown["notes"][0]["text"] == "Statement drafted"
    assert shown["instructions"][0]["acknowledged_at"] is not None
    r = ok(cli("incident", "close", "1", "--summary", "Facts published"))
    assert "closed" in r.stdout
    assert json.loads(ok(cli("incident", "list", "--json")).stdout) == []
    assert len(json.loads(ok(cli("incident", "list", "--all", "--json")).stdout)) == 1
    assert "Journal intact" in ok(cli("audit", "verify")).stdout


def test_text_output(seeded):
    cli = seeded
    r = ok(cli("incident", "open", "--kind", "mass", "--title", "Wage gathering", "--place", "Site 3", "--level", "B"))
    assert "Incident 1 opened: Mass incident, Level B." in r.stdout  # kind and level by label (issue 14)
    assert "First authoritative public" in r.stdout
    out = ok(cli("incident", "show", "1")).stdout
    assert "UNFILLED" in out and "Wage gathering" in out
    assert "Wage gath" in ok(cli("incident", "list")).stdout
    assert "First authoritative public" in ok(cli("deadline", "list")).stdout
    assert "cordon" in ok(cli("playbook", "show", "mass")).stdout
    assert "Wage gath" in ok(cli("board")).stdout


@pytest.mark.parametrize(
    "args, needles",
    [
        (["incident", "open", "--kind", "mass", "--title", "T", "--place", "P", "--level", "red"], ["level", "levels: A, B, C"]),
        (["incident", "open", "--kind", "riot", "--title", "T", "--place", "P"], ["kind", "mass, opinion"]),
        (["incident", "open", "--kind", "mass", "--title", "T", "--place", "P"], ["level", "give a level"]),
        (
            ["incident", "open", "--kind", "mass", "--title", "T", "--place", "P", "--factor", "trend=up"],
            ["factor trend", "allowed: easing, stable, growing, escalating"],
        ),
        (["incident", "open", "--kind", "mass", "--title", "T", "--place", "P", "--level", "A", "--at", "yesterday"], ["at", "not a time"]),
        (["incident", "open", "--kind", "mass", "--title", "T", "--place", "P", "--level", "A", "--received-by", "X9"], ["received-by", "X9"]),
        (["incident", "show", "42"], ["incident", "no incident 42"]),
        (["incident", "level", "42", "A", "--reason", "r"], ["no incident 42"]),
        (["incident", "assign", "42", "cordon", "SPD"], ["no incident 42"]),
        (["instruction", "ack", "7"], ["instruction", "no instruction 7"]),
        (["deadline", "meet", "7"], ["deadline", "no deadline 7"]),
    ],
)
def test_refusals_one_line_exit_1(seeded, args, needles):
    refused(seeded(*args), *needles)


def test_refusal_keeps_data(seeded):
    ok(seeded("incident", "open", "--kind", "mass", "--title", "T", "--place", "P", "--level", "C"))
    before = ok(seeded("audit", "log", "--json")).stdout
    refused(seeded("incident", "level", "1", "Z", "--reason", "r"), "levels: A, B, C")
    refused(seeded("incident", "level", "1", "A", "--reason", " "), "reason")
    assert ok(seeded("audit", "log", "--json")).stdout == before


def test_late_entry_with_at(seeded):
    r = ok(seeded("incident", "open", "--kind", "mass", "--title", "T", "--place", "P", "--level", "C", "--at", "2020-01-01T08:00", "--json"))
    assert json.loads(r.stdout)["reported_at"] == "2020-01-01T08:00:00+00:00"
    log = json.loads(ok(seeded("audit", "log", "--incident", "1", "--json")).stdout)
    assert log[0]["late"] is True


def test_audit_verify_fails_on_tamper(seeded, db_url):
    import sqlite3

    ok(seeded("incident", "open", "--kind", "mass", "--title", "T", "--place", "P", "--level", "C"))
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as c:
        c.execute("UPDATE journalentry SET actor='x' WHERE seq=2")
    r = seeded("audit", "verify")
    assert r.exit_code == 1 and "entry 2" in r.stderr


def test_playbook_check(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('[[kind.opinion.deadlines]]\nkey = "joint_response"\nminutes = 20\n')
    r = runner.invoke(app, ["playbook", "check", str(good)])
    assert r.exit_code == 0 and "OK" in r.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[[kind.opinion.deadlines]]\nkey = "joint_response"\nminutes = 0\n')
    r = runner.invoke(app, ["playbook", "check", str(bad)])
    assert r.exit_code == 1
    assert r.stderr.strip() == f"error: {bad}: kind.opinion.deadlines[joint_response]: minutes must be greater than 0"


def test_playbook_show_json():
    r = runner.invoke(app, ["playbook", "show", "opinion", "--json"])
    data = json.loads(r.stdout)
    assert data["opinion"]["deadlines"][0]["key"] == "joint_response"


def test_demo_fills_and_refuses_real_desk(cli):
    r = ok(cli("demo", "--seed", "3"))
    assert "live" in r.stdout
    live = json.loads(ok(cli("incident", "list", "--json")).stdout)
    closed = json.loads(ok(cli("incident", "list", "--all", "--json")).stdout)
    assert len(live) == 4 and len(closed) > len(live)
    assert {i["kind"] for i in closed} == {"mass", "opinion"}
    disputes = list(csv.DictReader(io.StringIO(ok(cli("export", "disputes")).stdout)))
    assert len(disputes) == 12 and {d["status"] for d in disputes} >= {"resolved"}
    assert all(d["resolved_at"] for d in disputes if d["status"] == "resolved")
    kpi = json.loads(ok(cli("report", "kpi", "--from", "2026-11-01", "--to", "2026-11-22T10:00", "--format", "json")).stdout)
    line = next(k for k in kpi["lines"] if k["key"] == "dispute_resolution")
    assert line["measured"] >= 1 and line["measured"] == line["on_time"] + len(line["misses"])
    assert "already has records" in refused(cli("demo"))
    assert "left as it was" in ok(cli("demo", "--if-empty")).stdout
    assert "Journal intact" in ok(cli("audit", "verify")).stdout


def test_demo_desk_is_apart(tmp_path):
    ok(runner.invoke(app, ["--demo", "demo", "--if-empty"]))
    demo_file = Path(os.environ["XDG_DATA_HOME"]) / "dutydesk" / "demo.sqlite"
    assert demo_file.exists()
    assert not (demo_file.parent / "desk.sqlite").exists()


def test_subprocess_real_cli(tmp_path, db_url):
    env = {**os.environ, "DUTYDESK_DB": db_url}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "dutydesk", *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60
        )

    r = run("init")
    assert r.returncode == 0, r.stderr
    r = run("incident", "open", "--kind", "mass", "--title", "Gathering", "--place", "Square", "--level", "B", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["id"] == 1
    r = run("incident", "level", "1", "Q", "--reason", "x")
    assert r.returncode == 1 and r.stderr.startswith("error: level:") and "Traceback" not in r.stderr
    r = run("--help")
    assert r.returncode == 0 and "incident" in r.stdout
    r = run()  # no command and no terminal: prints the board
    assert r.returncode == 0 and "Gathering" in r.stdout
    exe = Path(sys.executable).parent / "dutydesk"
    if exe.exists():
        r = subprocess.run([str(exe), "--version"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert r.returncode == 0 and r.stdout.strip() == f"dutydesk {__version__}"


def test_help_loads_neither_textual_nor_the_database_layer():
    """Scripts call the CLI thousands of times: --help must stay light."""
    code = (
        "import sys, runpy; sys.argv = ['dutydesk', '--help']\n"
        "try:\n    runpy.run_module('dutydesk', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'sqlalchemy', 'sqlmodel', 'alembic')))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout


def test_files_written_private_or_refused_in_one_line(cli, tmp_path):
    ok(cli("init", "--name", "Desk"))
    out = tmp_path / "units.csv"
    ok(cli("export", "units", "-o", str(out)))
    assert out.stat().st_mode & 0o777 == 0o600 & ~_umask()  # issue 11 (5): private, not the umask's 0644
    refused(cli("export", "units", "-o", str(tmp_path / "missing" / "u.csv")), "cannot write", "missing")
    refused(cli("report", "kpi", "--from", "2026-11-01", "--to", "2026-11-02", "-o", str(tmp_path / "missing" / "r.txt")), "cannot write")
    bad = tmp_path / "s.csv"
    bad.write_text("callsign,name,unit\nA1,X,NOPE\n")
    refused(cli("import", "staff", str(bad), "--errors", str(tmp_path / "missing" / "r.csv")), "cannot write")
    assert not list(tmp_path.glob("**/*.part")) and not list(tmp_path.glob("**/.dutydesk-*"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_deadline_list_words_countdowns_as_the_console_does(seeded, monkeypatch):
    """Was '+03:09 OVERDUE' and a bare '19:35' beside the due time, which read
    like a clock (second night-shift trial): 'in …', 'OVERDUE …' as on screen."""
    from datetime import timedelta

    from dutydesk.clock import SystemClock
    from tests.clitools import ok

    monkeypatch.setenv("COLUMNS", "200")
    three_hours_ago = (SystemClock().now() - timedelta(hours=3)).isoformat(timespec="minutes")
    ok(
        seeded(
            "--actor", "DC1", "incident", "open", "--kind", "mass", "--title", "Gathering", "--place", "Gate", "--level", "C", "--at", three_hours_ago
        )
    )
    ok(seeded("--actor", "DC1", "incident", "instruct", "1", "--to", "PS1", "Send two cars"))  # due in a minute
    out = ok(seeded("--actor", "DC1", "deadline", "list")).stdout
    assert "OVERDUE 1:00:" in out and ("│ in 0" in out or "│ soon 0" in out), out
    assert " OVERDUE\n" not in out and "+" not in out.replace("OVERDUE +", ""), out
