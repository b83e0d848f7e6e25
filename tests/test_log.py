"""The log file (issue 11, keep the desk): refusals, faults and internal errors
with context, never the public's data; the console never prints a traceback."""

from __future__ import annotations

from typer.testing import CliRunner

from dutydesk import log
from dutydesk.cli import app
from dutydesk.locations import log_file

runner = CliRunner()


def test_internal_error_logged_with_traceback_and_one_line_for_the_user(db_url, monkeypatch):
    assert runner.invoke(app, ["--db", db_url, "init"]).exit_code == 0
    from dutydesk.desk import Desk

    def boom(self, *a, **k):  # noqa: ANN001, ANN002, ANN003
        raise RuntimeError("boom inside")

    monkeypatch.setattr(Desk, "list_units", boom)
    r = runner.invoke(app, ["--db", db_url, "unit", "list"])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    text = log_file().read_text(encoding="utf-8")
    assert "fault where=dutydesk unit list type=RuntimeError: boom inside" in text
    assert "Traceback (most recent call last)" in text and "refused where=dutydesk unit list" in text


def test_log_lines_cannot_be_forged_and_hide_passwords():
    log.refusal("dutydesk x", "title", "bad\nFAKE line \x1b[2J postgresql://u:pw@h/db")
    text = log_file().read_text(encoding="utf-8")
    assert text.count("\n") == 1 and "\\x1b" in text and "\\n" in text
    assert ":pw@" not in text and "u:***@h" in text


def test_the_log_rotates(monkeypatch):
    monkeypatch.setattr(log, "MAX_BYTES", 2000)
    log.reset()
    for i in range(200):
        log.refusal("dutydesk x", "f", f"message {i}")
    names = sorted(p.name for p in log_file().parent.iterdir())
    assert names[:2] == ["dutydesk.log", "dutydesk.log.1"] and len(names) <= 1 + log.BACKUPS
    assert all((log_file().parent / n).stat().st_mode & 0o777 == 0o600 for n in names)


def test_console_fatal_error_is_one_line_and_logged(desk):
    from rich.text import Text

    from dutydesk.app import DutyDeskApp

    app_ = DutyDeskApp(desk, poll_interval=None, tick_interval=None, alerts=False)
    app_._close_messages_no_wait = lambda: None  # not running: nothing to close
    try:
        raise ValueError("row data: a title of someone")
    except ValueError:
        app_._fatal_error()
    assert len(app_._exit_renderables) == 1 and isinstance(app_._exit_renderables[0], Text)
    line = app_._exit_renderables[0].plain
    assert line.startswith("error: internal error (ValueError)") and str(log_file()) in line and "\n" not in line
    text = log_file().read_text(encoding="utf-8")
    assert "fault where=console type=ValueError" in text and "Traceback" in text
