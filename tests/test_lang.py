"""Which language the desk speaks, and the CLI's help and usage errors in it (issue 14).

Order: --lang, DUTYDESK_LANG, `lang` in the config file, then the system locale
(LC_ALL, LC_MESSAGES, LANG); a language the desk does not have is a one-line
warning and English.  Help texts and Click's usage errors follow the language.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from dutydesk.cli import LAZY_GROUPS, app
from dutydesk.config import choose_language, config_file
from dutydesk.i18n import current_language

runner = CliRunner()


def write_config(text: str) -> None:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# -- the choice ----------------------------------------------------------------


def test_default_is_english():
    choice = choose_language()
    assert (choice.lang, choice.source, choice.available) == ("en", "LANG", True)  # conftest: LANG=C.UTF-8


def test_precedence_option_env_config_locale(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert (choose_language().lang, choose_language().source) == ("zh_CN", "LANG")
    monkeypatch.setenv("LC_MESSAGES", "en_GB.UTF-8")  # LC_MESSAGES before LANG
    assert (choose_language().lang, choose_language().source) == ("en", "LC_MESSAGES")
    monkeypatch.setenv("LC_ALL", "zh_CN.GB18030")  # LC_ALL before both
    assert (choose_language().lang, choose_language().source) == ("zh_CN", "LC_ALL")
    write_config('lang = "en"\n')  # the config file before the locale
    assert (choose_language().lang, choose_language().source) == ("en", str(config_file()))
    monkeypatch.setenv("DUTYDESK_LANG", "zh-CN")  # the environment before the config file
    assert (choose_language().lang, choose_language().source) == ("zh_CN", "DUTYDESK_LANG")
    assert (choose_language("en").lang, choose_language("en").source) == ("en", "--lang")  # the option first


def test_empty_values_are_skipped_and_c_locale_is_english(monkeypatch):
    monkeypatch.setenv("LC_ALL", "")
    monkeypatch.setenv("DUTYDESK_LANG", "")
    monkeypatch.setenv("LANG", "C")
    assert choose_language() == choose_language()
    assert (choose_language().lang, choose_language().source, choose_language().available) == ("en", "LANG", True)
    monkeypatch.setenv("LANG", "POSIX")
    assert choose_language().available


def test_unavailable_language_is_english_with_the_reason(monkeypatch):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    choice = choose_language()
    assert (choice.lang, choice.available, choice.asked, choice.source) == ("en", False, "fr_FR.UTF-8", "LANG")
    choice = choose_language("de")
    assert (choice.lang, choice.available, choice.asked, choice.source) == ("en", False, "de", "--lang")


def test_config_file_that_cannot_be_used_is_said(monkeypatch):
    write_config('lang = "zh_CN"\nthis is not toml\n')
    choice = choose_language()
    assert choice.lang == "en" and str(config_file()) in choice.config_problem
    write_config("lang = 5\n")
    choice = choose_language()
    assert choice.lang == "en" and "lang: 5 is not a language code" in choice.config_problem


# -- the CLI -------------------------------------------------------------------


def test_cli_language_from_each_source(monkeypatch, tmp_path):
    db = ["--db", f"sqlite:///{tmp_path / 'desk.sqlite'}"]
    r = runner.invoke(app, [*db, "--lang", "zh_CN", "board"])
    assert r.exit_code == 3 and r.stderr.startswith("错误：") and current_language() == "zh_CN"
    monkeypatch.setenv("DUTYDESK_LANG", "zh_CN")
    r = runner.invoke(app, [*db, "board"])
    assert r.exit_code == 3 and "请运行 `dutydesk init`" in r.stderr
    r = runner.invoke(app, [*db, "--lang", "en", "board"])
    assert r.exit_code == 3 and r.stderr.startswith("error: no desk at")
    monkeypatch.delenv("DUTYDESK_LANG")
    write_config('lang = "zh_CN"\n')
    assert runner.invoke(app, [*db, "board"]).stderr.startswith("错误：")
    config_file().unlink()
    monkeypatch.setenv("LC_MESSAGES", "zh_CN.UTF-8")
    assert runner.invoke(app, [*db, "board"]).stderr.startswith("错误：")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert runner.invoke(app, [*db, "board"]).stderr.startswith("error: ")


def test_cli_unavailable_language_warns_once_in_one_line(tmp_path, monkeypatch):
    r = runner.invoke(app, ["--lang", "fr", "--help"])
    assert r.exit_code == 0 and "Show this message and exit." in r.stdout
    assert r.stderr == "warning: language 'fr' (--lang) is not available; using English\n"
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    r = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'd.sqlite'}", "board"])
    lines = r.stderr.splitlines()
    assert lines[0] == "warning: language 'de_DE.UTF-8' (LANG) is not available; using English"
    assert lines[1].startswith("error: no desk at") and len(lines) == 2


def test_cli_bad_config_file_warns_and_goes_on():
    write_config("lang = [\n")
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0 and "Options:" in r.stdout
    assert r.stderr.startswith("warning: config: ") and r.stderr.count("\n") == 1 and "ignored" in r.stderr


def test_settings_carry_the_chosen_language(monkeypatch):
    from dutydesk.config import Settings

    monkeypatch.setenv("DUTYDESK_LANG", "zh")
    assert Settings.from_env().lang == "zh_CN"
    monkeypatch.setenv("DUTYDESK_LANG", "xx")
    assert Settings.from_env().lang == "en"


# -- help and usage errors in Chinese ------------------------------------------

# What may stay in Latin letters in Chinese help: option names and metavars,
# command and program names, environment variables, file formats and codes
# an officer types (mass, opinion, A/B/C, red/orange/yellow), and `dutydesk`.
ALLOWED = {
    "dutydesk",
    "python",
    "m",
    "OPTIONS",
    "COMMAND",
    "ARGS",
    "str",
    "int",
    "path",
    "list",
    "URL",
    "ID",
    "KIND",
    "FILE",
    "WHO",
    "ROLE",
    "COMMANDER",
    "NAME",
    "VALUE",
    "HH",
    "MM",
    "ISO",
    "UTC",
    "SQLite",
    "JSON",
    "JSONL",
    "CSV",
    "TSV",
    "XLSX",
    "HTML",
    "PDF",
    "Markdown",
    "UTF",
    "GB",
    "ICS",
    "Ctrl",
    "S",
    "en",
    "zh_CN",
    "mass",
    "opinion",
    "A",
    "B",
    "C",
    "red",
    "orange",
    "yellow",
    "csv",
    "tsv",
    "json",
    "jsonl",
    "xlsx",
    "text",
    "md",
    "html",
    "pdf",
    "KPI",
    "N",
    "h",
    "help",
    "ref",
    "kind",
    "title",
    "place",
    "level",
    "reported_at",
    "status",
    "closed_at",
    "field",
    "parties",
    "opened_at",
    "resolved_at",
    "unit",
    "reason",
    "station",
    "team",
    "department",
    "order",
    "reinforcement",
    "units",
    "staff",
    "incidents",
    "disputes",
    "journal",
    "incident",
    "show",
    "DEBUG",
    "x",  # a number range: [x>=0]
    "MAC",
    "NUL",
    "PostgreSQL",
    "pg_dump",
    "pg_restore",
}


def latin_words(text: str) -> set[str]:
    """Words in Latin letters left once option names, env names and paths are set aside."""
    text = re.sub(r"(?<![\w])--?[A-Za-z][\w-]*", " ", text)  # --option, -h
    text = re.sub(r"\bDUTYDESK_[A-Z_]+\b", " ", text)
    text = re.sub(r"<[^>]*>", " ", text)  # <str>, <list[str]>
    text = re.sub(r"\{[A-Za-z][\w-]*\}", " ", text)  # argument metavars: {ID}, {UNIT-OR-CALLSIGN}
    return set(re.findall(r"[A-Za-z][A-Za-z_]*", text))


def english_left(text: str, commands: set[str]) -> set[str]:
    return latin_words(text) - ALLOWED - commands


def root_commands() -> set[str]:
    from typer.main import get_command

    return set(get_command(app).list_commands(None)) | set(LAZY_GROUPS)


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_root_help_in_chinese_both_orders():
    for args in (["--lang", "zh_CN", "--help"], ["--help", "--lang", "zh_CN"], ["--lang=zh_CN", "-h"]):
        r = invoke(*args)
        assert r.exit_code == 0, r.output
        out = r.stdout
        assert out.startswith("用法：") and "选项：" in out and "命令：" in out and "显示本帮助后退出。" in out
        assert "新建、变更和结束事件。" in out  # a lazy group's short help, not loaded
        assert english_left(out, root_commands()) == set(), out
    assert "Show this message and exit." in invoke("--help").stdout  # and English again after


def test_every_group_and_command_help_in_chinese():
    """Each group's and each command's --help, in Chinese: nothing left in English."""
    from typer.main import get_command

    root = get_command(app)
    seen = 0
    for group_name in root.list_commands(None):
        r = invoke("--lang", "zh_CN", group_name, "--help")
        assert r.exit_code == 0, r.output
        group = root.get_command(None, group_name)
        names = set(getattr(group, "commands", {}) or {})
        assert english_left(r.stdout, names | {group_name}) == set(), (group_name, r.stdout)
        for name in names:
            r = invoke("--lang", "zh_CN", group_name, name, "--help")
            assert r.exit_code == 0 and r.stdout.startswith("用法："), r.output
            arguments = {
                word
                for p in group.commands[name].params
                if p.param_type_name == "argument"
                for word in re.findall(r"[A-Za-z_]+", f"{p.name} {p.metavar or ''}")
            }  # metavars
            assert english_left(r.stdout, {group_name, name} | arguments) == set(), (group_name, name, r.stdout)
            seen += 1
    assert seen > 25


def test_incident_open_help_in_chinese_then_english():
    r = invoke("--lang", "zh_CN", "incident", "open", "--help")
    assert "新建事件（立案）" in r.stdout and "[必填]" in r.stdout and "--kind" in r.stdout
    r = invoke("incident", "open", "--help")
    assert "Open an incident." in r.stdout and "[required]" in r.stdout and "新建" not in r.stdout


def test_chinese_help_fits_80_columns():
    for args in (["--help"], ["incident", "open", "--help"], ["import", "incidents", "--help"]):
        out = runner.invoke(app, ["--lang", "zh_CN", *args], terminal_width=80).stdout
        from dutydesk.i18n.helptext import _cells

        assert max(_cells(line) for line in out.splitlines()) <= 80, out


@pytest.mark.parametrize(
    "args, needles",
    [
        (["incident", "open"], ["错误：缺少选项 '--kind'。", "用法：", "查看帮助"]),
        (["incident", "nope"], ["错误：没有命令 'nope'。"]),
        (["--bogus"], ["错误：没有选项：--bogus"]),
        (["incident", "show", "abc"], ["错误：'ID' 的值无效：'abc' 不是整数"]),
        (["incident", "list", "--limit"], ["错误：选项 '--limit' 需要一个值。"]),
        (["board", "extra"], ["错误：多余的参数：extra"]),
    ],
)
def test_usage_errors_in_chinese(args, needles):
    r = invoke("--lang", "zh_CN", *args)
    assert r.exit_code == 2, r.output
    for needle in needles:
        assert needle in r.stderr, r.stderr
    assert english_left(r.stderr, {"incident", "open", "show", "list", "board", "note", "nope", "bogus", "abc", "extra", "limit"}) == set(), r.stderr


def test_usage_errors_in_english_unchanged():
    r = invoke("incident", "open")
    assert r.exit_code == 2 and "Error: Missing option '--kind'." in r.stderr and "Usage:" in r.stderr
    r = invoke("incident", "nope")
    assert r.exit_code == 2 and "Error: No such command 'nope'." in r.stderr


def test_real_process_in_chinese(tmp_path):
    """As a user runs it: the language from the environment, help and an error in Chinese, and --help still
    loads neither Textual nor the database layer."""
    env = {**os.environ, "DUTYDESK_LANG": "zh_CN", "DUTYDESK_DB": f"sqlite:///{tmp_path / 'desk.sqlite'}"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "dutydesk", *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60
        )

    r = run("--help")
    assert r.returncode == 0 and r.stdout.startswith("用法：") and "新建、变更和结束事件。" in r.stdout
    r = run("incident", "open", "--kind", "mass")
    assert r.returncode == 2 and "错误：缺少选项 '--title'。" in r.stderr
    r = run("board")
    assert r.returncode == 3 and r.stderr.startswith("错误：") and r.stderr.count("\n") == 1
    r = run("--lang", "fr", "--version")
    assert r.returncode == 0 and r.stderr == "warning: language 'fr' (--lang) is not available; using English\n"
    code = (
        "import sys, runpy; sys.argv = ['dutydesk', '--lang', 'zh_CN', '--help']\n"
        "try:\n    runpy.run_module('dutydesk', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'sqlalchemy', 'sqlmodel', 'alembic')))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, env=env)
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout
