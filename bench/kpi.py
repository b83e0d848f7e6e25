"""The KPI report from the CLI over desks of 10 000 and 100 000 incidents
(issue 15, "KPI in SQL"): `dutydesk report kpi` over the desk's whole history,
each run a cold process (bench.common.run: wall time, exec to exit, and that
child's own peak RSS from wait4).

Budgets (medians): 100 k incidents <= 2 s and <= 150 MiB; the time grows
sub-linearly, time(100 k) / time(10 k) < 10.  Both sizes are printed, with the
growth factor, the lines of the report and the misses it lists.

The desks (cached by ``bench.common.cache_dir``; bump ``VERSION`` when the
generator changes):

* A *template* of 50 incidents (mass and public-opinion, every level) is made
  through the service (``Desk``: the real write path and playbooks, so its
  deadlines, instructions, level changes, acknowledgements and journal are
  what a desk holds): instructions acknowledged in time, late or never,
  deadlines met early, late, left to be missed, waived, level changes both
  ways (cancelled and replaced deadlines); every incident closed.  About 4
  deadlines and 12 journal entries an incident.
* The big desk is the template's file, its incident rows (incident,
  deadline, instruction, level change, note, assignment, and their journal
  entries) copied N/50 times with ``sqlite3.executemany``, each copy 50 x 10
  minutes later, ids shifted (a row of the head schema: the columns are read
  from the template itself).  The copied journal entries keep their
  payloads (ids inside them name the template's rows) and are not a valid
  chain (a filler hash, as bench/desks.py's big desk; nothing the KPI report
  reads verifies it); ``journal_head`` is moved to the last one.

``BENCH_KPI_SIZES`` (default ``10000,100000``) changes the sizes.
"""

from __future__ import annotations

import os
import random
import resource
import sqlite3
import statistics
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import Absolute, bench_env, cache_dir, dutydesk, note, python, report, run

VERSION = 6
TEMPLATE = 50  # incidents in the template
SPACING = timedelta(minutes=10)  # between two incidents' reports
BASE = datetime(2020, 1, 1, tzinfo=timezone.utc)
PERIOD = ("2020-01-01T00:00Z", "2023-01-01T00:00Z")  # the whole history of either desk
MONTH = ("2020-02-01T00:00Z", "2020-03-01T00:00Z")  # a month both desks have
SIZES = tuple(int(x) for x in os.environ.get("BENCH_KPI_SIZES", "10000,100000").split(","))
RUNS = {10_000: 5}  # cold runs per size (median); 3 for the bigger ones
TIME_LIMIT, RSS_LIMIT, GROWTH_LIMIT = 2.0, 150.0, 10.0
FMT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy writes a DATETIME on SQLite
ROOT = Path(__file__).resolve().parent.parent  # where `python -m bench.kpi` finds the package


# -- the template, through the service ---------------------------------------------------
def make_template(url: str) -> None:
    """Run in a child process with the home's XDG folders (its journal key)."""
    from dutydesk.clock import FixedClock
    from dutydesk.desk import Desk
    from dutydesk.errors import DeskError

    rnd = random.Random(15)
    clock = FixedClock(BASE + TEMPLATE * SPACING + timedelta(days=3))
    desk = Desk.open(url, clock=clock, actor="DC1")
    desk.init(name="KPI bench desk")
    for code in ("PS1", "PS2", "PS3", "SPD"):
        desk.add_unit(code, f"Unit {code}", "team" if code == "SPD" else "station")
    desk.add_staff("DC1", "Duty Commander One", "PS1")
    refused = 0

    def step(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        nonlocal refused
        try:
            return fn(*args, **kwargs)
        except DeskError:
            refused += 1
            return None

    def settle(inc_id: int, t0: datetime, close_at: datetime, *, miss_one: bool = False) -> None:
        """Each pending deadline met in time, at a random point of its span; ``miss_one``: the
        first one is left to be missed at the close."""
        detail = desk.get_incident(inc_id)
        kind = desk.playbooks.get(detail.kind)
        for d in detail.deadlines:
            rule = kind.deadline_rule(d.rule)
            if d.state != "pending" or rule is None or rule.met_by == "ack":  # met by acknowledging, above
                continue
            # from its anchor (created_at is when it was entered: later, back-filled)
            start = max(t0, d.due_at - rule.duration(d.level or detail.level))
            if miss_one:
                miss_one = False
                continue  # missed when the incident closes
            when = start + (d.due_at - start) * rnd.uniform(0.3, 0.95)
            if when < close_at:
                step(desk.meet_deadline, d.id, at=when)

    for n in range(TEMPLATE):
        t0 = BASE + n * SPACING
        if n % 2 == 0:
            level = rnd.choice(["C", "C", "B", "A"])
            inc = desk.open_incident(
                kind="mass",
                title=f"Gathering {n} 群体聚集",
                place=f"Site {n}",
                level=level,
                at=t0,
                occurred=t0 - timedelta(minutes=rnd.randrange(0, 40)),
            )
            for k in range(rnd.choice([1, 2, 2])):
                sent = t0 + timedelta(minutes=2 + 5 * k)
                ins = step(desk.instruct, inc.id, rnd.choice(["PS1", "PS2", "PS3"]), "Send officers, report back.", at=sent)
                if ins is None or (n == 0 and k == 0):  # never acknowledged: missed at the close
                    continue
                late = n == 10 and k == 0
                step(desk.acknowledge, ins.id, at=sent + timedelta(seconds=rnd.randrange(70, 110) if late else rnd.randrange(15, 55)))
            if rnd.random() < 0.3:
                rein = step(desk.instruct, inc.id, "SPD", "Move two squads.", kind="reinforcement", at=t0 + timedelta(minutes=20))
                if rein is not None:
                    step(desk.acknowledge, rein.id, at=t0 + timedelta(minutes=20, seconds=30))
            if n % 25 == 2:
                for d in desk.get_incident(inc.id).deadlines:
                    if d.rule == "first_public_information" and d.state == "pending":
                        step(desk.waive_deadline, d.id, "statement issued by the city", at=t0 + timedelta(minutes=30))
            close_at = t0 + timedelta(hours=4)
        else:
            level = rnd.choice(["yellow", "yellow", "orange", "red"])
            inc = desk.open_incident(kind="opinion", title=f"Clip {n} 视频传播", place="Online", level=level, at=t0)
            if n % 10 == 3:  # a level changed: deadlines cancelled and replaced
                other = rnd.choice([x for x in ("yellow", "orange", "red") if x != level])
                step(desk.set_level, inc.id, other, "spread changed", at=t0 + timedelta(minutes=15))
            close_at = t0 + timedelta(hours=30)
        settle(inc.id, t0, close_at, miss_one=n == 7)
        step(desk.close_incident, inc.id, "done", at=close_at)
    desk.close()
    print(f"template: {TEMPLATE} incidents, {refused} steps refused")


# -- the copies, with sqlite3 ------------------------------------------------------------------
# table -> {column: the table its id points at}; ids of these tables are shifted per copy
LINKS = {
    "incident": {"id": "incident"},
    "instruction": {"id": "instruction", "incident_id": "incident"},
    "deadline": {"id": "deadline", "subject_id": "incident", "instruction_id": "instruction"},
    "levelchange": {"id": "levelchange", "incident_id": "incident"},
    "note": {"id": "note", "incident_id": "incident"},
    "assignment": {"id": "assignment", "incident_id": "incident"},
}


def _replicate(path: Path, incidents: int) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    copies = -(-incidents // TEMPLATE)
    span = SPACING * TEMPLATE
    tops = {t: con.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in LINKS}  # noqa: S608
    with con:
        for table, links in LINKS.items():
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            times = {r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[2].upper() == "DATETIME"}
            rows = con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()  # noqa: S608
            if table == "incident" and len(rows) != TEMPLATE:
                raise RuntimeError(f"template has {len(rows)} incidents, not {TEMPLATE}")
            parsed = [[datetime.strptime(v, FMT) if c in times and v is not None else v for c, v in zip(cols, row)] for row in rows]
            where = {i: links[c] for i, c in enumerate(cols) if c in links}
            when = [i for i, c in enumerate(cols) if c in times]
            ref = cols.index("ref") if "ref" in cols else None

            def copy(c: int, parsed=parsed, where=where, when=when, ref=ref):  # noqa: ANN001, ANN202
                shift = span * c
                for row in parsed:
                    out = list(row)
                    for i, target in where.items():
                        if out[i] is not None:
                            out[i] += tops[target] * c
                    for i in when:
                        if out[i] is not None:
                            out[i] = (out[i] + shift).strftime(FMT)
                    if ref is not None and out[ref] is not None:
                        out[ref] = f"{out[ref]}-{c}"
                    yield out

            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"  # noqa: S608
            for c in range(1, copies):
                con.executemany(sql, copy(c))
        # the journal: the template incidents' entries, again for each copy
        cols = [r[1] for r in con.execute("PRAGMA table_info(journalentry)")]
        entity_tables = {"incident": "incident", "deadline": "deadline", "instruction": "instruction"}
        rows = con.execute(
            f"SELECT {', '.join(cols)} FROM journalentry WHERE entity IN "  # noqa: S608
            "('incident', 'deadline', 'instruction') ORDER BY seq"
        ).fetchall()
        seq = con.execute("SELECT max(seq) FROM journalentry").fetchone()[0]
        i_seq, i_at, i_ev, i_ent, i_eid = (cols.index(c) for c in ("seq", "at", "event_at", "entity", "entity_id"))
        i_prev, i_hash, i_mac = cols.index("prev_hash"), cols.index("hash"), cols.index("mac")
        parsed = [(list(r), datetime.strptime(r[i_at], FMT), datetime.strptime(r[i_ev], FMT)) for r in rows]

        def entries():  # noqa: ANN202
            nonlocal seq
            for c in range(1, copies):
                shift = span * c
                for row, at, ev in parsed:
                    out = list(row)
                    seq += 1
                    out[i_seq] = seq
                    out[i_at] = (at + shift).strftime(FMT)
                    out[i_ev] = (ev + shift).strftime(FMT)
                    out[i_eid] = str(int(out[i_eid]) + tops[entity_tables[out[i_ent]]] * c)
                    out[i_prev], out[i_hash], out[i_mac] = "0" * 64, "f" * 64, None
                    yield out

        con.executemany(
            f"INSERT INTO journalentry ({', '.join(cols)}) VALUES "  # noqa: S608
            f"({', '.join('?' for _ in cols)})",
            entries(),
        )
        con.execute("UPDATE deskmeta SET value = ? WHERE key = 'journal_head'", (f"{seq}:{'f' * 64}",))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as a desk in use would have done long since
    con.execute("ANALYZE")
    con.close()


def template_home() -> Path:
    home = cache_dir("kpi-template", VERSION) / "home"
    if not (home / "desk.sqlite").exists():
        partial = home.with_name(f"partial-{os.getpid()}")
        partial.mkdir(parents=True, exist_ok=True)
        r = run(python("-m", "bench.kpi", "template", f"sqlite:///{partial / 'desk.sqlite'}"), env=bench_env(partial), cwd=ROOT)
        note(r.stdout.decode().strip())
        os.replace(partial, home)
    return home


def desk_home(incidents: int) -> Path:
    """A home (XDG folders and ``desk.sqlite``) with ``incidents`` incidents, built once."""
    import shutil

    folder = cache_dir(f"kpi-{incidents}", VERSION)
    home = folder / "home"
    if (home / "desk.sqlite").exists():
        return home
    partial = folder / f"partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(template_home(), partial)
    for side in ("-wal", "-shm"):
        (partial / f"desk.sqlite{side}").unlink(missing_ok=True)
    _replicate(partial / "desk.sqlite", incidents)
    os.replace(partial, home)
    con = sqlite3.connect(home / "desk.sqlite")
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
        for t in ("incident", "deadline", "journalentry")
    }
    con.close()
    note(f"built the {incidents} desk at {home}: {counts}")
    return home


# -- the bench ------------------------------------------------------------------------------
def kpi_cmd(home: Path, *extra: str, period: tuple[str, str] = PERIOD) -> list[str]:
    return dutydesk("--db", f"sqlite:///{home / 'desk.sqlite'}", "--actor", "DC1", "report", "kpi", "--from", period[0], "--to", period[1], *extra)


@dataclass
class Growth:
    name: str
    small: float
    big: float
    limit: float

    @property
    def ratio(self) -> float:
        return self.big / self.small

    @property
    def ok(self) -> bool:
        return self.ratio < self.limit

    def line(self) -> str:
        return f"{self.name}: {self.ratio:.2f}x ({self.big:.3g} s / {self.small:.3g} s) budget < {self.limit:g}x {'PASS' if self.ok else 'FAIL'}"


def measure(incidents: int) -> tuple[Absolute, Absolute]:
    home = desk_home(incidents)
    env = bench_env(home)
    runs = []
    run(kpi_cmd(home), env=env)  # warm-up, unrecorded: the file in the page cache
    cpu = []  # each run's own CPU time (user + sys), from the reaped children's usage: a diagnostic
    for _ in range(RUNS.get(incidents, 3)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(run(kpi_cmd(home), env=env))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    note(
        f"{incidents} incidents: CPU time (user + sys) median {statistics.median(cpu):.2f} s "
        f"(min {min(cpu):.2f}, max {max(cpu):.2f}); wall time waits for the CPU on a loaded machine"
    )
    import json

    body = runs[-1].stdout.decode()
    data = json.loads(run(kpi_cmd(home, "--format", "json"), env=env).stdout)
    deadlines = [x for x in data["lines"] if "." in x["key"]]
    note(
        f"{incidents} incidents: {sum(x['measured'] for x in deadlines)} deadlines counted, "
        f"{sum(len(x['misses']) for x in deadlines)} misses listed; the text report is {len(body.splitlines())} "
        f"lines, {len(body.encode()) / 1024:.0f} KiB"
    )
    month = run(kpi_cmd(home, period=MONTH), env=env)
    note(
        f"{incidents} incidents, the report over one month ({MONTH[0]} to {MONTH[1]}): {month.seconds:.2f} s, "
        f"{month.max_rss_mib:.0f} MiB (one run: the figures for a period do not depend on the history around it)"
    )
    big = incidents >= 100_000
    return (
        Absolute(f"kpi report, {incidents} incidents, time", [r.seconds for r in runs], TIME_LIMIT if big else None),
        Absolute(f"kpi report, {incidents} incidents, peak RSS", [r.max_rss_mib for r in runs], RSS_LIMIT if big else None, unit="MiB"),
    )


def run_all() -> list:
    results: list = []
    medians = {}
    for size in SIZES:
        took, rss = measure(size)
        results += [took, rss]
        medians[size] = statistics.median(took.samples)
    if len(SIZES) >= 2:
        small, big = min(SIZES), max(SIZES)
        results.append(Growth(f"kpi report time growth {small} -> {big} incidents", medians[small], medians[big], GROWTH_LIMIT))
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["template"]:
        make_template(sys.argv[2])
        sys.exit(0)
    sys.exit(report(run_all()))
