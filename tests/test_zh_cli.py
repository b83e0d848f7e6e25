"""The CLI tour in zh_CN (issue 14): every command's success line, a refusal and the
help in Chinese, with no English word left but data, codes and option names; levels
and kinds shown by their labels (红色, B级, 群体性事件), keys and labels both accepted.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from dutydesk.cli import app

runner = CliRunner()

# Latin words that may stay in a Chinese line: codes and call signs the test typed,
# option names, formats, tool names.  Anything else is English left untranslated.
DATA = {
    "PS1",
    "SPD",
    "DC1",
    "DC2",
    "CSV",
    "JSON",
    "UTF",
    "SQLite",
    "MAC",
    "sqlite",
    "desk",
    "csv",
    "json",
    "txt",
    "md",
    "html",
    "pdf",
    "text",
    "HMAC",
    "SHA",
    "A",
    "B",
    "C",
}  # A级, B级, C级


def english_words(text: str) -> set[str]:
    text = re.sub(r"(?<![\w])--?[A-Za-z][\w-]*", " ", text)  # --option
    text = re.sub(r"(?:/[\w.+-]+)+", " ", text)  # paths
    text = re.sub(r"\b[0-9a-f]{16,}\b", " ", text)  # hashes
    text = re.sub(r"\b\d{4}_[a-z_]+\b", " ", text)  # a schema revision (0005_journal_mac_seals)
    text = re.sub(r"^错误：[a-z_-]+: ", "错误：", text, flags=re.M)  # the FIELD of `error: FIELD: problem`
    return set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", text)) - DATA


@pytest.fixture
def zh(db_url, monkeypatch):
    monkeypatch.setenv("DUTYDESK_LANG", "zh_CN")

    def run(*args: str, code: int = 0):
        r = runner.invoke(app, ["--db", db_url, *args])
        assert r.exit_code == code, (r.stdout, r.stderr)
        return r

    return run


@pytest.fixture
def tour(zh):
    zh("init")
    zh("unit", "add", "PS1", "滨江派出所")
    zh("unit", "add", "SPD", "特警队", "--type", "team")
    zh("staff", "add", "DC1", "李指挥", "--unit", "PS1")
    zh("staff", "add", "DC2", "王指挥", "--unit", "PS1")
    zh("shift", "start", "DC1")
    return zh


def chinese_only(text: str) -> None:
    left = english_words(text)
    assert not left, (left, text)


def test_each_success_line_in_chinese(tour, tmp_path):
    zh = tour
    r = zh(
        "incident", "open", "--kind", "mass", "--title", "工地门口讨薪聚集", "--place", "滨江路3号工地", "--level", "B", "--reason", "现场人数较多"
    )
    first = r.stdout.splitlines()[0]
    assert first == "事件 1 已立案：群体性事件，B级。", first
    chinese_only(r.stdout)
    r = zh("incident", "level", "1", "A", "--reason", "道路堵塞")
    assert r.stdout.splitlines()[0] == "事件 1 现为A级（最高）。"
    chinese_only(r.stdout)
    r = zh("incident", "assign", "1", "cordon", "SPD")
    assert r.stdout.strip() == "SPD 现承担事件 1 的“封控警戒”岗位。" or "封控警戒" in r.stdout
    chinese_only(r.stdout)
    ins = zh("incident", "instruct", "1", "--to", "PS1", "派两辆车到场").stdout.strip()
    assert ins.isdigit()
    chinese_only(zh("instruction", "ack", ins).stdout)
    chinese_only(zh("incident", "note", "1", "人群情绪平稳").stdout)
    chinese_only(zh("incident", "status", "1", "responding").stdout)
    chinese_only(zh("incident", "show", "1").stdout)
    chinese_only(zh("incident", "list", "--all").stdout)
    chinese_only(zh("deadline", "list").stdout)
    chinese_only(zh("board").stdout)
    r = zh("incident", "close", "1", "--summary", "已疏散")
    chinese_only(r.stdout + r.stderr)
    chinese_only(zh("shift", "end", "--note", "平稳", "--to", "DC2").stdout)
    chinese_only(zh("audit", "verify").stdout)
    out = tmp_path / "incidents.csv"
    chinese_only(zh("export", "incidents", "--output", str(out)).stdout)
    report = tmp_path / "r.txt"
    chinese_only(zh("report", "incident", "1", "--output", str(report)).stdout)
    units = tmp_path / "units.csv"
    units.write_text("code,name\nPS9,城西派出所\n", encoding="utf-8")
    chinese_only(zh("import", "units", str(units)).stdout)


def test_levels_and_kinds_by_label_in_tables(tour):
    zh = tour
    zh("incident", "open", "--kind", "opinion", "--title", "执法视频传播", "--place", "环路", "--level", "red", "--reason", "全国关注")
    zh("incident", "open", "--kind", "mass", "--title", "聚集", "--place", "广场", "--level", "C", "--reason", "小")
    board = zh("board").stdout
    assert "红色" in board and "C级" in board and " red " not in board
    from rich.cells import cell_len  # piped: 80 columns, measured in display cells; no heading cut (编号)

    assert all(cell_len(line) <= 80 for line in board.splitlines()), board
    assert "┃ 编号 ┃" in board and "┃ 等级 ┃" in board
    listing = zh("incident", "list", "--all").stdout
    assert "红色" in listing and "C级" in listing
    show = zh("incident", "show", "1").stdout
    assert "[涉警舆情事件] 红色（特大风险）" in show and "[opinion]" not in show
    # the JSON keeps the keys
    assert json.loads(zh("incident", "show", "1", "--json").stdout)["level"] == "red"


def test_keys_and_chinese_labels_accepted_as_input(tour):
    zh = tour
    r = zh("incident", "open", "--kind", "群体性事件", "--title", "聚集", "--place", "广场", "--level", "B级", "--reason", "人数")
    assert r.stdout.startswith("事件 1 已立案：群体性事件，B级。")
    zh("incident", "open", "--kind", "涉警舆情", "--title", "视频", "--place", "网上", "--level", "橙色", "--reason", "x")
    zh("incident", "level", "2", "红色", "--reason", "升级")
    zh("incident", "level", "1", "A", "--reason", "升级")  # keys still work in Chinese
    shown = json.loads(zh("incident", "show", "2", "--json").stdout)
    assert (shown["kind"], shown["level"]) == ("opinion", "red")
    assert json.loads(zh("incident", "show", "1", "--json").stdout)["level"] == "A"
    # a label that is not one of the kind's levels is refused, naming the keys
    r = zh("incident", "level", "1", "红色", "--reason", "x", code=1)
    assert r.stderr.startswith("错误：") and r.stderr.count("\n") == 1


def test_a_refusal_in_chinese(tour):
    r = tour("incident", "assign", "99", "cordon", "SPD", code=1)
    assert r.stderr.startswith("错误：") and r.stderr.count("\n") == 1
    chinese_only(r.stderr)


def test_a_refusal_names_its_field_in_chinese(tour, db_url):
    """Was: 错误：incident: 没有事件 98 (second night-shift trial); in English the key stays."""
    r = tour("incident", "show", "98", code=1)
    assert r.stderr.startswith("错误：事件: ") and "incident" not in r.stderr, r.stderr
    r = runner.invoke(app, ["--db", db_url, "--lang", "en", "incident", "show", "98"])
    assert r.exit_code == 1 and r.stderr.startswith("error: incident: no incident 98"), r.stderr


def test_english_unchanged_for_keys(db_url):
    """In English the tables keep showing the keys (A, red) as before."""
    run = lambda *a: runner.invoke(app, ["--db", db_url, *a])  # noqa: E731
    assert run("init").exit_code == 0
    r = run("incident", "open", "--kind", "opinion", "--title", "T", "--place", "P", "--level", "red", "--reason", "x")
    assert r.exit_code == 0 and r.stdout.startswith("Incident 1 opened: Public-opinion incident, Red (extraordinary risk).")
    assert " red " in run("incident", "list").stdout


def test_tour_as_a_real_process(tmp_path):
    env = {**os.environ, "DUTYDESK_LANG": "zh_CN", "DUTYDESK_DB": f"sqlite:///{tmp_path / 'desk.sqlite'}", "DUTYDESK_ACTOR": "DC1"}

    def run(*args: str) -> subprocess.CompletedProcess:
        r = subprocess.run([sys.executable, "-m", "dutydesk", *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
        assert r.returncode == 0, r.stderr
        return r

    chinese_only(run("init").stdout)
    r = run("incident", "open", "--kind", "群体性事件", "--title", "聚集", "--place", "广场", "--level", "B级", "--reason", "人数")
    assert r.stdout.splitlines()[0] == "事件 1 已立案：群体性事件，B级。"
    chinese_only(r.stdout)


def test_doctor_says_normal_not_the_buttons_ok(tour):
    """Doctor's OK is its own message (正常); a dialog's OK button stays 确定."""
    from dutydesk.i18n import _, pgettext, using_language

    lines = tour("doctor").stdout.splitlines()
    assert lines and all(line.startswith("正常  ") for line in lines), lines
    with using_language("zh_CN"):
        assert (pgettext("doctor", "OK"), _("OK")) == ("正常", "确定")


def test_text_reports_keep_80_columns_in_chinese(tour):
    """Text reports measure display width: a Han character is two columns."""
    from rich.cells import cell_len

    zh = tour
    long = "群众聚集在工地门口要求结清拖欠工资，人数持续增加，部分人员情绪激动并堵塞道路" * 2
    zh("incident", "open", "--kind", "opinion", "--title", long, "--place", "滨江路3号工地东门外的人行道上", "--level", "red", "--reason", "全国关注")
    zh("incident", "note", "1", long)
    zh("incident", "assign", "1", "unit_involved", "PS1")
    ins = zh("incident", "instruct", "1", "--to", "PS1", long).stdout.strip()
    zh("instruction", "ack", ins)
    zh("incident", "close", "1", "--summary", long)
    for args in (("report", "incident", "1"), ("report", "shift")):
        text = zh(*args).stdout
        assert "红色" in text
        wide = [line for line in text.splitlines() if cell_len(line) > 80]
        assert not wide, wide
    # the instruction's times are never split over two lines (11月22日 / 10:00), its latency in Chinese
    row = next(line for line in zh("report", "incident", "1").stdout.splitlines() if re.match(rf"\s*{ins}  ", line))
    assert len(re.findall(r"\d+月\d+日 \d{2}:\d{2}", row)) == 2 and row.rstrip().endswith("秒"), row
    report = zh("report", "incident", "1").stdout
    assert report.count("[红色]") == len(re.findall(r"\[红", report)), report  # a level in brackets stays whole


def test_dates_and_durations_for_the_locale(monkeypatch):
    """11月23日 14:05 and 1小时20分钟 in Chinese, in the desk's time zone; English as before."""
    from datetime import datetime, timedelta, timezone

    from dutydesk.i18n import using_language
    from dutydesk.timefmt import fmt_ago, fmt_duration, fmt_local

    monkeypatch.setenv("DUTYDESK_TZ", "Asia/Shanghai")
    at = datetime(2026, 11, 23, 6, 5, tzinfo=timezone.utc)  # 14:05 in Shanghai
    with using_language("zh_CN"):
        assert fmt_local(at, short=True) == "11月23日 14:05"
        assert fmt_local(at) == "2026-11-23 14:05"
        assert fmt_ago(timedelta(minutes=80)) == "1小时20分钟"
        assert fmt_ago(timedelta(days=2, hours=3)) == "2天3小时"
        assert fmt_duration(timedelta(minutes=-80)) == "+1:20:00"  # a countdown stays compact
    with using_language("en"):
        assert fmt_local(at, short=True) == "11-23 14:05"
        assert fmt_ago(timedelta(minutes=80)) == "1 hour 20 minutes"


def test_set_up_and_deadline_lines_in_chinese(zh, tmp_path):
    """init, unit/staff add, shift start/end, release, status, deadline meet/waive: Chinese lines."""
    out = [
        zh("init").stdout,
        zh("unit", "add", "PS1", "滨江派出所").stdout,
        zh("staff", "add", "DC1", "李指挥", "--unit", "PS1").stdout,
        zh("staff", "add", "DC2", "王指挥", "--unit", "PS1").stdout,
        zh("shift", "start", "DC1").stdout,
    ]
    zh("incident", "open", "--kind", "opinion", "--title", "视频", "--place", "网上", "--level", "橙色", "--reason", "x")
    zh("incident", "assign", "1", "commander", "DC1")
    out += [
        zh("incident", "release", "1", "commander").stdout,
        zh("incident", "status", "1", "verifying").stdout,
        zh("deadline", "meet", "1").stdout,
        zh("deadline", "waive", "2", "--reason", "不适用").stdout,
        zh("shift", "end", "--to", "DC2", "--note", "平稳").stdout,
    ]
    assert "已解除事件 1 的岗位 '指挥长'：DC1。\n" in out
    for text in out:
        chinese_only(text)


def test_short_labels_in_an_override_file(tmp_path):
    """A city may give its own short label; a label's rules (one line, no controls) hold for it too."""
    from dutydesk.errors import PlaybookError
    from dutydesk.i18n import using_language
    from dutydesk.playbook import load_playbooks

    over = tmp_path / "playbooks.toml"
    over.write_text('[[kind.opinion.levels]]\nkey = "red"\nshort = { en = "RED", zh_CN = "红" }\n', encoding="utf-8")
    pb = load_playbooks(over)
    with using_language("zh_CN"):
        assert pb.level_short("opinion", "red") == "红" and pb.get("opinion").level_key("红") == "red"
        assert pb.level_short("opinion", "gone") == "gone" and pb.kind_short("gone") == "gone"
    over.write_text('[[kind.opinion.levels]]\nkey = "red"\nshort = { zh_CN = "红\\u202e" }\n', encoding="utf-8")
    with pytest.raises(PlaybookError):
        load_playbooks(over)


def test_roles_by_key_or_label(tour):
    zh = tour
    zh("incident", "open", "--kind", "mass", "--title", "聚集", "--place", "广场", "--level", "B", "--reason", "x")
    assert "封控警戒" in zh("incident", "assign", "1", "封控警戒", "SPD").stdout
    assert "证据固定" in zh("incident", "assign", "1", "evidence", "PS1").stdout
    assert "封控警戒" in zh("incident", "release", "1", "封控警戒").stdout
    roles = {r["key"]: r["holders"] for r in json.loads(zh("incident", "show", "1", "--json").stdout)["roles"]}
    assert roles["cordon"] == [] and [h["who"] for h in roles["evidence"]] == ["PS1"]


def test_refusals_name_levels_roles_and_states_by_label(tour):
    """A refusal quoting the incident's level, a role, its status or a deadline's state shows the label
    (红色, 指挥长, 已完成), never the key (red, commander, met): issue 14."""
    zh = tour

    def refused(*args: str) -> str:
        err = zh(*args, code=1).stderr
        assert err.startswith("错误：") and err.count("\n") == 1, err
        chinese_only(err)
        return err

    zh("incident", "open", "--kind", "opinion", "--title", "视频", "--place", "网上", "--level", "red", "--reason", "x")
    assert "红色" in refused("incident", "level", "1", "red", "--reason", "再次")
    assert "指挥长" in refused("incident", "assign", "1", "commander", "PS1")
    assert "指挥长" in refused("incident", "release", "1", "commander")
    zh("incident", "assign", "1", "commander", "DC1")
    assert "指挥长" in refused("incident", "assign", "1", "commander", "DC1")
    zh("incident", "status", "1", "verifying")
    refused("incident", "status", "1", "verifying")
    zh("deadline", "meet", "1")
    refused("deadline", "meet", "1")
    zh(
        "incident",
        "open",
        "--kind",
        "mass",
        "--title",
        "聚集",
        "--place",
        "广场",
        "--factor",
        "cause_field=labour",
        "--factor",
        "participants=120",
        "--factor",
        "trend=growing",
        "--factor",
        "social_impact=district",
    )
    assert "B级" in refused(
        "incident",
        "open",
        "--kind",
        "mass",
        "--title",
        "聚集",
        "--place",
        "广场",
        "--level",
        "C",
        "--factor",
        "cause_field=labour",
        "--factor",
        "participants=120",
        "--factor",
        "trend=growing",
        "--factor",
        "social_impact=district",
    )
    # unknown names: the kind and the allowed values by label too (labels are accepted as input)
    assert "群体性事件" in refused("incident", "level", "2", "红色", "--reason", "x")
    assert "封控警戒" in refused("incident", "assign", "2", "警戒", "PS1")
    assert "涉警舆情" in refused("incident", "open", "--kind", "群体", "--title", "t", "--place", "p", "--level", "A")


def test_playbook_show_says_who_fills_a_role_and_what_a_rule_counts_from_in_chinese(zh):
    """The keys stay (they are what one types), but 'staff', 'any', 'reported', 'level_set' were English."""
    out = zh("playbook", "show", "opinion").stdout
    assert "人员" in out and "单位或个人" in out and "接报时起" in out, out
    for word in ("staff", "any", "reported", "level_set", "instruction"):
        assert not re.search(rf"│ {word}\b", out), (word, out)


def test_alarm_acknowledgement_in_the_log_names_its_stage_in_words():
    """The timeline and the audit log said 告警已确认：…（soon）: the stage is 临期 or 到期."""
    from dutydesk.i18n import using_language
    from dutydesk.journal_text import describe, playbook_labels
    from dutydesk.playbook import load_playbooks
    from dutydesk.vocab import Action

    labels = playbook_labels(load_playbooks(), "opinion")
    with using_language("zh_CN"):
        soon = describe(Action.ALARM_ACK, {"rule": "first_statement", "stage": "soon"}, labels=labels)
        due = describe(Action.ALARM_ACK, {"rule": "first_statement", "stage": "due"}, labels=labels)
    assert "临期" in soon and "到期" in due and not english_words(soon + due), (soon, due)


def test_audit_log_names_what_each_entry_is_about_in_chinese(tour):
    """The audit log's subject column said 'unit 1', 'staff 2', 'shift 1', 'desk …': 单位 1, 人员 2, 班次 1, 值班台 …."""
    out = tour("audit", "log").stdout
    for word in ("单位 1", "人员 1", "班次 1", "值班台"):
        assert word in out, (word, out)
    assert not re.search(r"│ (unit|staff|shift|desk|incident|import) ", out), out
