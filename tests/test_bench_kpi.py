"""bench/kpi.py's desks are what they say: the template made through the
service, copied four times with sqlite3, gives a KPI report (from the CLI, a
real process) whose every figure is four times the template's: the copies
are whole incidents with their deadlines, instructions and level changes, and
the report's aggregates count them as the per-incident read did."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from bench import kpi
from bench.common import bench_env, python, run


def _report(home: Path) -> dict:
    r = run(kpi.kpi_cmd(home, "--format", "json"), env=bench_env(home))
    return json.loads(r.stdout)


def _figures(data: dict) -> dict[str, tuple[int, int, int, int, int]]:
    return {x["key"]: (x["measured"], x["on_time"], x["open"], x["excluded"], len(x["misses"])) for x in data["lines"] if "." in x["key"]}


def test_the_bench_desk_is_the_template_copied(tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    run(python("-m", "bench.kpi", "template", f"sqlite:///{template / 'desk.sqlite'}"), env=bench_env(template), cwd=kpi.ROOT)
    big = tmp_path / "big"
    shutil.copytree(template, big)
    kpi._replicate(big / "desk.sqlite", 4 * kpi.TEMPLATE)
    con = sqlite3.connect(big / "desk.sqlite")
    try:
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
            for t in ("incident", "deadline", "instruction", "levelchange")
        }
        assert con.execute("SELECT count(*) FROM deadline d LEFT JOIN incident i ON i.id = d.subject_id WHERE i.id IS NULL").fetchone()[0] == 0
        assert (
            con.execute(
                "SELECT count(*) FROM deadline d JOIN instruction n ON n.id = d.instruction_id WHERE n.incident_id != d.subject_id"
            ).fetchone()[0]
            == 0
        )
    finally:
        con.close()
    assert counts["incident"] == 4 * kpi.TEMPLATE and counts["deadline"] >= 3.5 * counts["incident"]
    one, four = _figures(_report(template)), _figures(_report(big))
    assert four == {k: tuple(4 * v for v in fig) for k, fig in one.items()}
    outcomes = _report(template)["outcomes_by_kind"]
    assert {o for tally in outcomes.values() for o in tally} >= {"met", "late", "missed", "waived", "cancelled"}
