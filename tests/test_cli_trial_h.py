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


def test_a_note_of_several_lines_shows_its_breaks_as_a_clean_mark(seeded, db_url, monkeypatch):
    """`incident show` printed a two-line note as 'line1\\x0aline2' (an escape code in a
    duty officer's table); now 'line1 ⏎ line2', the row still one line."""
    monkeypatch.setenv("COLUMNS", "200")
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gathering", "--place", "Gate", "--level", "C"))
    ok(seeded("incident", "note", "1", "line1\nline2\tend"))
    ok(seeded("incident", "instruct", "1", "--to", "PS1", "Send two cars\nvia the east gate"))
    out = ok(seeded("incident", "show", "1")).stdout
    assert "line1 ⏎ line2 end" in out and "Send two cars ⏎ via the east gate" in out, out
    assert "\\x0a" not in out and "\\x09" not in out, out
    proc = _run("--db", db_url, "incident", "show", "1")
    assert proc.returncode == 0, proc.stderr
    assert "line1 ⏎ line2 end" in proc.stdout and "\\x0a" not in proc.stdout, proc.stdout


def test_a_table_cell_still_neutralises_control_characters():
    from dutydesk.text import one_line

    assert one_line("a\nb\x1b[31m\u202e") == "a ⏎ b\\x1b[31m\\u202e"
    assert one_line("a\r\nb", mark=" | ") == "a | b"
    assert one_line(3) == "3" and one_line(None) == ""


def test_report_kpi_with_no_dates_covers_this_month_so_far_as_the_console(seeded, db_url):
    """`report kpi` alone said 'error: from: give both --from and --to' while the console's
    KPI report opens on this month so far: the CLI defaults to the same period."""
    from dutydesk.clock import SystemClock
    from dutydesk.timefmt import month_periods, to_local

    start, _now = month_periods(SystemClock().now())["this"]
    first = to_local(start).strftime("%Y-%m-%d")
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gathering", "--place", "Gate", "--level", "C"))
    out = ok(seeded("report", "kpi", "-f", "json")).stdout
    assert first in out, out[:400]
    text = ok(seeded("report", "kpi")).stdout
    assert first in text, text[:400]
    proc = _run("--db", db_url, "report", "kpi", "-f", "json")
    assert proc.returncode == 0 and first in proc.stdout, proc.stderr


def test_report_kpi_with_one_date_says_what_to_type(seeded):
    from tests.clitools import refused

    line = refused(seeded("report", "kpi", "--from", "2026-11-01"), "--to")
    assert "2026-" in line, line  # an example to type, not just the rule


def test_a_bad_bell_interval_does_not_stop_the_cli(seeded, db_url, monkeypatch):
    """DUTYDESK_ALARM_REPEAT_MINUTES=abc made every command fail, `incident list` too:
    the bell is the console's; the CLI reads and writes on (the console still refuses)."""
    from tests.clitools import refused

    monkeypatch.setenv("DUTYDESK_ALARM_REPEAT_MINUTES", "abc")
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gathering", "--place", "Gate", "--level", "C"))
    assert "Gathering" in ok(seeded("incident", "list")).stdout
    proc = _run("--db", db_url, "incident", "list")
    assert proc.returncode == 0 and "Gathering" in proc.stdout, proc.stderr
    refused(seeded(), "DUTYDESK_ALARM_REPEAT_MINUTES", "'abc'")  # the console: one line, exit 1


def test_a_plain_path_is_refused_with_its_own_url_to_type(seeded, tmp_path, monkeypatch):
    """The refusal of a plain path showed 'e.g. sqlite:///path/desk.sqlite', a path
    relative to the current folder: it now shows the user's own file as a URL."""
    from tests.clitools import refused

    desk = tmp_path / "desk.sqlite"  # the seeded desk's file
    line = refused(_plain(str(desk)), code=3)
    assert f"sqlite:///{desk}" in line and str(desk).startswith("/"), line  # four slashes: absolute
    monkeypatch.chdir(tmp_path)
    line = refused(_plain("desk.sqlite"), code=3)
    assert f"sqlite:///{desk}" in line, line  # a relative path: made absolute
    proc = _run("--db", str(desk), "incident", "list")
    assert proc.returncode == 3 and f"sqlite:///{desk}" in proc.stderr, proc.stderr


def _plain(path: str):
    from dutydesk.cli import app
    from tests.clitools import runner

    return runner.invoke(app, ["--db", path, "incident", "list"])


def _override(tmp_path, body: str):
    f = tmp_path / "over.toml"
    f.write_text(body, encoding="utf-8")
    return f


BAD_ANCHOR = '[[kind.mass.deadlines]]\nkey = "site_report"\nlabel = { en = "Site report", zh_CN = "现场首报" }\nanchor = "nope"\nminutes = 10\n'
BAD_MINUTES = (
    '[[kind.mass.deadlines]]\nkey = "site_report"\nlabel = { en = "Site report", zh_CN = "现场首报" }\nanchor = "reported"\nminutes = "ten"\n'
)


def test_playbook_check_words_validation_errors_itself(cli, tmp_path):
    """`playbook check` printed pydantic's English "Input should be 'reported', …" (inside a
    Chinese line in zh_CN): the allowed values and the problem are said in the desk's words."""
    from tests.clitools import refused

    line = refused(cli("playbook", "check", str(_override(tmp_path, BAD_ANCHOR))))
    assert "anchor" in line and "must be one of: reported, occurred, level_set, instruction" in line, line
    assert "Input should" not in line, line
    line = refused(cli("playbook", "check", str(_override(tmp_path, BAD_MINUTES))))
    assert "minutes" in line and "must be a number" in line and "Input should" not in line, line
    proc = _run("playbook", "check", str(_override(tmp_path, BAD_ANCHOR)))
    assert proc.returncode == 1 and "must be one of: reported" in proc.stderr, proc.stderr


def test_report_written_names_the_report_in_the_readers_words(seeded, tmp_path):
    """'shift report written to …' kept the report's key ('shift 报告已写入' in zh_CN)."""
    out = tmp_path / "r.txt"
    r = ok(seeded("report", "kpi", "-o", str(out)))
    assert r.stderr.strip() == f"KPI report written to {out}", r.stderr
    r = ok(seeded("report", "shift", "--from", "2026-01-01", "--to", "2026-01-02", "-o", str(tmp_path / "s.txt")))
    assert r.stderr.strip().startswith("Shift report written to "), r.stderr


def test_playbook_check_says_its_counts_in_the_readers_words(cli):
    out = ok(cli("playbook", "check")).stdout
    assert "mass: levels 3, roles" in out and "levels," not in out.replace("levels 3,", ""), out


def test_incident_level_says_what_it_settled(seeded, db_url, monkeypatch):
    """`incident level` printed the new level and the pending deadlines only: a deadline
    the change settled missed (past due) or cancelled (no longer at this level) went unsaid."""
    monkeypatch.setenv("COLUMNS", "200")
    _overdue_incident(seeded)
    out = ok(seeded("incident", "level", "1", "A", "--reason", "Crowd grew")).stdout
    assert "Settled missed: First authoritative public information" in out, out
    proc = _run("--db", db_url, "incident", "level", "2", "B", "--reason", "Crowd grew")
    assert proc.returncode == 0, proc.stderr
    assert "Incident 2 is now at Level" in proc.stdout, proc.stdout


def test_latency_reads_in_minutes_and_seconds(seeded, db_url, monkeypatch):
    """Latency showed as '1433 s' (incident show) and 'acknowledged after 1433 s': in the
    span wording of the reports ('23 min 53 s')."""
    from dutydesk.clock import SystemClock

    monkeypatch.setenv("COLUMNS", "200")
    opened = (SystemClock().now() - timedelta(minutes=30)).isoformat(timespec="seconds")
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gathering", "--place", "Gate", "--level", "C", "--at", opened))
    sent = (SystemClock().now() - timedelta(minutes=24)).isoformat(timespec="seconds")
    ok(seeded("incident", "instruct", "1", "--to", "PS1", "Send two cars", "--at", sent))
    acked = ok(seeded("instruction", "ack", "1")).stdout
    assert "acknowledged after 2" in acked and " min" in acked and " 14" not in acked, acked  # '24 min' or '23 min 59 s', never '1440 s'
    out = ok(seeded("incident", "show", "1")).stdout
    assert "│ 2" in out and " min" in out, out
    proc = _run("--db", db_url, "incident", "show", "1")
    assert proc.returncode == 0 and " min" in proc.stdout, proc.stderr


def test_counts_agree_with_their_nouns(seeded, tmp_path, db_url):
    """'9 journal written to j.csv' and '1 seals match the journal'."""
    r = ok(seeded("export", "journal", "-o", str(tmp_path / "j.csv")))
    assert " journal entries written to " in r.stderr, r.stderr
    r = ok(seeded("export", "units", "-o", str(tmp_path / "u.csv")))
    assert r.stderr.strip() == f"2 units written to {tmp_path / 'u.csv'}", r.stderr
    ok(seeded("staff", "add", "DC2", "Two", "--unit", "PS1"))
    proc = _run("--db", db_url, "export", "staff", "-o", str(tmp_path / "s.csv"))
    assert proc.returncode == 0 and "2 staff members written to" in proc.stderr, proc.stderr


def test_in_chinese_the_report_name_and_the_playbook_error_are_chinese(seeded, tmp_path):
    """zh_CN said 'kpi 报告已写入' and printed pydantic's English inside a Chinese line."""
    r = ok(seeded("--lang", "zh_CN", "report", "kpi", "-o", str(tmp_path / "k.txt")))
    assert "kpi" not in r.stderr.lower() and "指标报告" in r.stderr, r.stderr
    r = seeded("--lang", "zh_CN", "playbook", "check", str(_override(tmp_path, BAD_ANCHOR)))
    line = r.stderr.strip()
    assert r.exit_code == 1 and "\n" not in line and "Input should" not in line, line
    assert "必须是以下之一：reported, occurred, level_set, instruction" in line, line
