"""Import budgets (issues 5 and 15):

* 100 000 realistic staff rows (Chinese names, 60 units; bench/desks.py), the
  whole CLI process `dutydesk import staff FILE -q` on a fresh copy of a desk
  with those units, against a cold `python bench/import_ref.py` doing `csv` +
  `sqlite3.executemany` of the same rows into the same table of another copy
  (its unique index and foreign key, WAL, synchronous=FULL); paired, median
  ratio <= 3x (the in-process fastest-of-5 figure is printed as a diagnostic);
* 1 000 000 rows imported in a child process with flat memory: max RSS < 200 MiB.
"""

from __future__ import annotations

import csv
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import common, desks
from bench.common import Result

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
BIG = int(os.environ.get("BENCH_IMPORT_BIG", "1000000"))


def make_csv(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["callsign", "name", "unit", "post"])
        for i in range(n):
            w.writerow([f"P{i:07d}", f"Officer {i}", "PS1", "patrol"])


def _service(csv_path: Path, db: Path) -> float:
    from dutydesk.desk import Desk
    from dutydesk.importing import run_import

    desk = Desk.open(f"sqlite:///{db}", actor="BENCH")
    desk.add_unit("PS1", "Station 1")
    t = time.perf_counter()
    result = run_import(desk, "staff", str(csv_path))
    elapsed = time.perf_counter() - t
    assert result.written and result.inserted == result.rows, result.problems[:3]
    desk.close()
    return elapsed


def _raw(csv_path: Path, db: Path) -> float:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE staff (id INTEGER PRIMARY KEY, callsign TEXT UNIQUE, name TEXT, unit_id INT, post TEXT, active INT)")
    t = time.perf_counter()
    with open(csv_path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        con.execute("BEGIN")
        con.executemany("INSERT INTO staff (callsign, name, unit_id, post, active) VALUES (?, ?, 1, ?, 1)", ((r[0], r[1], r[3]) for r in reader))
        con.execute("COMMIT")
    elapsed = time.perf_counter() - t
    con.close()
    return elapsed


def speed(tmp: Path) -> Result:
    """Five interleaved runs of each, fresh files each time; the ratio of the
    fastest runs.  On a shared machine noise only ever adds time, so the
    minimum is the steadiest estimate of each side's own cost (medians are
    printed too)."""
    path = tmp / "staff.csv"
    make_csv(path, ROWS)
    service, raw = [], []
    for i in range(5):
        service.append(_service(path, tmp / f"svc{i}.sqlite"))
        raw.append(_raw(path, tmp / f"raw{i}.sqlite"))
    print(
        f"  (import samples, s: dutydesk {[round(x, 2) for x in service]}, csv+executemany {[round(x, 2) for x in raw]};"
        f" ratio of medians {statistics.median(service) / statistics.median(raw):.2f}x)",
        flush=True,
    )
    return Result(f"import of a {ROWS}-row staff CSV (fastest of 5)", min(service), min(raw), "s", 3.0)


def _peak_rss_mib(tmp: Path, rows: int) -> float:
    """Import ``rows`` rows in a child process; its peak RSS.  (RUSAGE_CHILDREN
    keeps the largest child so far: call with growing sizes.)"""
    path = tmp / f"big-{rows}.csv"
    make_csv(path, rows)
    code = "import sys; from pathlib import Path; from bench.imports import _service; _service(Path(sys.argv[1]), Path(sys.argv[2]))"
    proc = subprocess.run([sys.executable, "-c", code, str(path), str(tmp / f"big-{rows}.sqlite")], stdin=subprocess.DEVNULL)
    path.unlink()
    if proc.returncode != 0:
        return float("inf")
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def memory(tmp: Path) -> Result:
    small = _peak_rss_mib(tmp, max(BIG // 100, 1))
    big = _peak_rss_mib(tmp, BIG)
    print(f"  (peak RSS: {small:.0f} MiB for {max(BIG // 100, 1)} rows, {big:.0f} MiB for {BIG} rows)", flush=True)
    return Result(f"import of {BIG} rows: max RSS", big, 200, "MiB", 1.0)


def cli_speed(tmp: Path) -> common.Paired:
    """The whole CLI process against csv + executemany, each on a fresh copy of the same desk."""
    home = desks.units_home()
    staff = desks.staff_csv()
    counter = iter(range(1_000_000))

    def fresh() -> Path:
        return desks.copy_home(home, tmp / f"run{next(counter)}")

    def dutydesk_import() -> float:
        copy = fresh()
        r = common.run(desks.cli(copy, "import", "staff", str(staff), "-q"), env=common.bench_env(copy))
        shutil.rmtree(copy)
        return r.seconds

    def reference() -> float:
        copy = fresh()
        r = common.run(common.python(str(Path(__file__).with_name("import_ref.py")), str(copy / "desk.sqlite"), str(staff)))
        assert int(r.stdout) == desks.STAFF_ROWS, r.stdout
        shutil.rmtree(copy)
        return r.seconds

    return common.paired(
        f"import of {desks.STAFF_ROWS} staff rows (Chinese names, {desks.UNITS} units), whole CLI process vs csv + executemany into the same table",
        dutydesk_import,
        reference,
        budget=3.0,
    )


def run() -> list:
    with tempfile.TemporaryDirectory() as tmp:
        results: list = [cli_speed(Path(tmp))]
        if os.environ.get("BENCH_IMPORT_DIAGNOSTICS", "1") == "1":
            diag = speed(Path(tmp))
            common.note(f"in-process diagnostic: {diag.line()}")
        return results + [memory(Path(tmp))]


if __name__ == "__main__":
    from bench.common import report

    sys.exit(report(run()))
