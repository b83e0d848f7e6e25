"""Desks and files the benchmarks run against, generated once and kept
(``bench.common.cached_file``, keyed by a generator version: bump ``VERSION``
of a generator when it changes).

Each desk lives in a *home*: a folder with the desk file (``desk.sqlite``) and
the XDG folders of a user (``config/`` holds the desk's journal key).  A bench
runs ``dutydesk --db sqlite:///HOME/desk.sqlite`` with ``bench_env(HOME)``.

* ``demo_home()``: ``dutydesk demo`` (16 units, 10 staff, 4 live and 10 closed
  incidents); live titles in ``DEMO_TITLE``.
* ``big_home()``: 100 000 closed incidents, 400 000 settled deadlines and
  1 000 000 journal entries, plus 5 live incidents ``Bench live N``.  The
  desk is made by ``dutydesk init`` and the service (so the schema is at head
  and the live rows are real), then the bulk is written directly with
  ``sqlite3.executemany`` (rows of the head schema; the journal filler is
  not a valid chain: nothing on the measured paths verifies it).
* ``shift_home()``: one shift with 2 000+ journal entries written through the
  service (instructions, acknowledgements, notes).
* ``staff_csv()``: 100 000 realistic staff rows (Chinese names, 60 units) and
  ``units_home()``, a desk with those 60 units.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bench.common import bench_env, cache_dir, dutydesk, note, run

CLOSED = int(os.environ.get("BENCH_CLOSED", "100000"))
JOURNAL = int(os.environ.get("BENCH_JOURNAL", "1000000"))
STAFF_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
SHIFT_ENTRIES = 2000
UNITS = 60
DEMO_TITLE = "Residents blo"  # a live demo incident's title, as the board shows it at 80 columns
BIG_TITLE = "Bench live 0"


def desk_url(home: Path) -> str:
    return f"sqlite:///{home / 'desk.sqlite'}"


def cli(home: Path, *args: str, actor: str = "DC1") -> list[str]:
    """``dutydesk --db <home's desk> --actor ACTOR ARGS...``"""
    return dutydesk("--db", desk_url(home), "--actor", actor, *args)


def _home(name: str, version: int, build) -> Path:  # noqa: ANN001
    """A cached home: built into a partial folder, renamed when complete."""
    folder = cache_dir(name, version)
    home = folder / "home"
    if (home / "desk.sqlite").exists():
        return home
    partial = folder / f"partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    build(partial)
    shutil.rmtree(home, ignore_errors=True)
    os.replace(partial, home)
    note(f"built {name} desk at {home}; kept for the next run")
    return home


def copy_home(home: Path, into: Path) -> Path:
    """A fresh copy of a cached home, for a bench that writes."""
    target = into / home.parent.name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(home, target)
    return target


# -- demo -----------------------------------------------------------------------------
def demo_home() -> Path:
    def build(home: Path) -> None:
        run(cli(home, "demo"), env=bench_env(home))

    return _home("demo", 1, build)


# -- a big desk ---------------------------------------------------------------------------
def big_home() -> Path:
    def build(home: Path) -> None:
        env = bench_env(home)
        run(cli(home, "init", "--name", "Bench desk"), env=env)
        run(cli(home, "unit", "add", "PS1", "Station 1"), env=env)
        run(cli(home, "staff", "add", "DC1", "Duty Commander One", "--unit", "PS1"), env=env)
        for i in range(5):
            kind, level = ("mass", "C") if i % 2 else ("opinion", "yellow")
            run(cli(home, "incident", "open", "--kind", kind, "--title", f"Bench live {i}", "--place", "Square", "--level", level), env=env)
        _bulk(home / "desk.sqlite")

    return _home(f"big-{CLOSED}-{JOURNAL}", 1, build)


def _bulk(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    base = datetime(2020, 1, 1)

    def ts(d: datetime) -> str:  # the format SQLAlchemy writes for DATETIME on SQLite
        return d.strftime("%Y-%m-%d %H:%M:%S.%f")

    with con:
        con.executemany(
            "INSERT INTO incident (kind, title, place, level, status, factors, suggested_reasons, reported_at, "
            "opened_at, opened_by, closed_at, summary, version) VALUES (?, ?, ?, ?, 'closed', '{}', '[]', ?, ?, 'DC1', ?, 'done', 2)",
            (
                (
                    (
                        "mass",
                        f"Old incident {i}",
                        f"Place {i % 97}",
                        "C",
                        ts(base + timedelta(minutes=i)),
                        ts(base + timedelta(minutes=i)),
                        ts(base + timedelta(minutes=i + 50)),
                    )
                    for i in range(CLOSED)
                )
            ),
        )
        first = con.execute("SELECT min(id) FROM incident WHERE status = 'closed'").fetchone()[0]
        con.executemany(
            "INSERT INTO deadline (subject_type, subject_id, rule, level, due_at, state, created_at, met_at, closed_at) "
            "VALUES ('incident', ?, 'first_report', 'C', ?, ?, ?, ?, ?)",
            (
                (
                    first + i // 4,
                    ts(base + timedelta(minutes=i // 4 + 30)),
                    "missed" if i % 9 == 0 else "met",
                    ts(base + timedelta(minutes=i // 4)),
                    None if i % 9 == 0 else ts(base + timedelta(minutes=i // 4 + 20)),
                    ts(base + timedelta(minutes=i // 4 + 30)),
                )
                for i in range(4 * CLOSED)
            ),
        )
        seq0 = con.execute("SELECT max(seq) FROM journalentry").fetchone()[0]
        con.executemany(
            "INSERT INTO journalentry (seq, at, event_at, late, actor, action, entity, entity_id, payload, prev_hash, hash) "
            "VALUES (?, ?, ?, 0, 'DC1', 'incident.note', 'incident', ?, '{}', ?, ?)",
            ((seq0 + i + 1, ts(base), ts(base), str(first + i % CLOSED), "0" * 64, "f" * 64) for i in range(JOURNAL)),
        )
        con.execute("UPDATE deskmeta SET value = ? WHERE key = 'journal_head'", (f"{seq0 + JOURNAL}:{'f' * 64}",))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as a desk in use would have done long since
    con.execute("ANALYZE")
    con.close()


# -- many live incidents, and an empty desk ------------------------------------------------
_LIVE_CODE = """
import sys
from dutydesk.desk import Desk

desk = Desk.open(sys.argv[1], actor="DC1")
desk.init(name="Bench desk")
desk.add_unit("PS1", "Station 1")
desk.add_staff("DC1", "Duty Commander One", "PS1")
for i in range(int(sys.argv[2])):
    desk.open_incident(kind="opinion" if i % 2 else "mass", title=f"Live {i}", place="Square",
                       level="yellow" if i % 2 else "B")
desk.close()
"""


def live_home(n: int) -> Path:
    """``n`` live incidents opened now (their countdowns run for hours: the rules' longest is a day)."""

    def build(home: Path) -> None:
        run([sys.executable, "-c", _LIVE_CODE, desk_url(home), str(n)], env=bench_env(home))

    return _home(f"live-{n}", 1, build)


def empty_home() -> Path:
    def build(home: Path) -> None:
        run(cli(home, "init", "--name", "Bench desk"), env=bench_env(home))

    return _home("empty", 1, build)


# -- one long shift ----------------------------------------------------------------------
_SHIFT_CODE = """
import sys
from datetime import datetime, timezone
from dutydesk.clock import FixedClock
from dutydesk.desk import Desk

clock = FixedClock(datetime(2026, 11, 22, 0, 0, tzinfo=timezone.utc))
desk = Desk.open(sys.argv[1], clock=clock, actor="DC1")
desk.init(name="Bench desk")
for i in range(20):
    desk.add_unit(f"PS{i}", f"Station {i}")
desk.add_staff("DC1", "Duty Commander One", "PS0")
desk.start_shift("DC1")
n = 0
while desk.journal_head() < int(sys.argv[2]) + 22:
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
desk.close()
"""


def shift_home() -> Path:
    def build(home: Path) -> None:
        run([sys.executable, "-c", _SHIFT_CODE, desk_url(home), str(SHIFT_ENTRIES)], env=bench_env(home))

    return _home("shift", 1, build)


# -- staff to import ------------------------------------------------------------------------
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文辉玉兰宁博浩宇晨欣怡俊杰子涵一鸣思远海峰雪梅"
POSTS = ["巡逻民警", "社区民警", "值班员", "指挥员", "交警", "特警队员", "刑警", "辅警", "内勤", "研判员"]
DISTRICTS = ["东城", "西城", "朝阳", "海淀", "丰台", "石景山", "通州", "顺义", "大兴", "昌平"]


def unit_rows() -> list[tuple[str, str]]:
    return [(f"U{i:02d}", f"{DISTRICTS[i % 10]}分局第{i // 10 + 1}派出所") for i in range(UNITS)]


def staff_csv() -> Path:
    def build(path: Path) -> None:
        rng = random.Random(15)
        codes = [code for code, _name in unit_rows()]
        with open(path, "w", encoding="utf-8", newline="") as fh:
            import csv

            w = csv.writer(fh)
            w.writerow(["callsign", "name", "unit", "post"])
            for i in range(STAFF_ROWS):
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
                w.writerow([f"J{110000 + i:06d}", name, rng.choice(codes), rng.choice(POSTS)])

    from bench.common import cached_file

    return cached_file(f"staff-{STAFF_ROWS}", 1, "staff.csv", build)


def units_home() -> Path:
    def build(home: Path) -> None:
        env = bench_env(home)
        run(cli(home, "init", "--name", "Bench desk"), env=env)
        units = home / "units.csv"
        import csv

        with open(units, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["code", "name"])
            w.writerows(unit_rows())
        run(cli(home, "import", "units", str(units), "-q"), env=env)
        con = sqlite3.connect(home / "desk.sqlite")
        try:
            assert con.execute("SELECT count(*) FROM unit").fetchone()[0] == UNITS
        finally:
            con.close()

    return _home("units", 1, build)
