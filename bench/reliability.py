"""Proofs with figures (issue 11): `make reliability` runs the long forms,
`make test` the short ones (tests/test_reliability_short.py).

    python -m bench.reliability            # long form
    python -m bench.reliability --short    # what make test runs, in seconds

Each part runs the desk the way a user does (the CLI as a subprocess, or the
desk's own write path in a separate process) on private files under a
temporary folder, with XDG folders of its own: the user's real desk, keys and
logs are never touched.  The figures, printed at the end:

* kill -9 during writes: a process adds notes in a loop and prints each note's
  id after its commit; it is killed at a random moment; every id it printed
  must be on the desk, the file must pass ``PRAGMA integrity_check`` and the
  journal must verify ("kills survived", "acknowledged writes lost");
* kill -9 during imports: ``dutydesk import staff`` killed at a random moment,
  in either pass; the file's rows are then all there or none
  ("partial imports");
* several writers and a long import at once: no writer is shown "database is
  locked" ("locked errors shown") and the longest any write took while the
  import ran ("longest writer wait during an import"; budget 5 s);
* faults: a full disk (a 2 MiB tmpfs when mounting is allowed, else an
  injected file-size limit, said which), a full temporary folder during an
  import, a read-only desk, a foreign SQLite file, a file that is not a
  database, a newer schema, corrupted pages, a removed -wal, a missing desk:
  each handled means one line on stderr, the documented exit code, no
  traceback, and nothing damaged ("fault cases handled / tried");
* fuzzing: the Hypothesis fuzz tests of the CLI (tests/test_fuzz_cli.py, with
  more examples in the long form) and a corpus of hostile arguments, counting
  internal errors and tracebacks;
* tamper cases: tests/tamper_cases.py if present;
* escapes: hostile titles, notes, names and call signs (Rich markup, ESC and
  C1 sequences, bidi overrides), through the CLI and written straight into the
  file as an older version or an editor might have, then every display
  (board, incident list/show, audit log, reports in text/md/html): raw
  ESC/C1/bidi characters, markup errors or markup swallowed in the output.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
WAIT_BUDGET_S = 5.0


@dataclass(frozen=True)
class Plan:
    kill_writes: int
    kill_imports: int
    kill_import_rows: int
    writers: int
    notes_each: int
    import_rows: int
    fuzz_examples: int
    corpus_runs: int
    byte_runs: int  # runs as a process with arguments that are not UTF-8
    slow_faults: bool


LONG = Plan(
    kill_writes=50,
    kill_imports=60,
    kill_import_rows=50_000,
    writers=8,
    notes_each=200,
    import_rows=300_000,
    fuzz_examples=1000,
    corpus_runs=600,
    byte_runs=12,
    slow_faults=True,
)
SHORT = Plan(
    kill_writes=3,
    kill_imports=3,
    kill_import_rows=5_000,
    writers=2,
    notes_each=20,
    import_rows=20_000,
    fuzz_examples=0,
    corpus_runs=60,
    byte_runs=3,
    slow_faults=False,
)


@dataclass
class Figures:
    kills: int = 0
    kills_survived: int = 0
    acknowledged: int = 0
    acknowledged_lost: int = 0
    import_kills: int = 0
    import_kills_mid: int = 0  # killed before it finished
    partial_imports: int = 0
    locked_errors: int = 0
    writer_errors: int = 0
    writes_during_import: int = 0
    longest_wait: float = 0.0
    import_seconds: float = 0.0
    import_rows: int = 0
    faults_tried: int = 0
    faults_handled: int = 0
    fault_notes: list[str] = field(default_factory=list)
    fuzz_cases: int = 0
    internal_errors: int = 0
    tracebacks: int = 0
    fuzz_notes: list[str] = field(default_factory=list)
    tamper: tuple[int, int] | None = None
    tamper_notes: list[str] = field(default_factory=list)
    escapes: int = 0
    escape_outputs: int = 0
    escape_notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        tamper = "tamper: not available" if self.tamper is None else f"tamper cases detected / tried: {self.tamper[0]} / {self.tamper[1]}"
        return [
            f"kills survived: {self.kills_survived} / {self.kills}",
            f"acknowledged writes lost: {self.acknowledged_lost} (of {self.acknowledged})",
            f"partial imports: {self.partial_imports} (of {self.import_kills} killed imports, {self.import_kills_mid} killed before finishing)",
            f"locked errors shown: {self.locked_errors}",
            f"longest writer wait during an import: {self.longest_wait:.2f} s ({self.writes_during_import} writes "
            f"during a {self.import_rows}-row import of {self.import_seconds:.1f} s; budget {WAIT_BUDGET_S:g} s)",
            f"fault cases handled / tried: {self.faults_handled} / {self.faults_tried}",
            f"fuzz cases: {self.fuzz_cases}",
            f"internal errors: {self.internal_errors}",
            f"tracebacks: {self.tracebacks}",
            tamper,
            f"escape or markup sequences that reached output: {self.escapes} (in {self.escape_outputs} outputs)",
        ]

    def ok(self) -> bool:
        tamper_ok = self.tamper is None or self.tamper[0] == self.tamper[1]
        return (
            self.kills_survived == self.kills
            and self.acknowledged_lost == 0
            and self.partial_imports == 0
            and self.locked_errors == 0
            and self.writer_errors == 0
            and self.longest_wait <= WAIT_BUDGET_S
            and self.faults_handled == self.faults_tried
            and self.internal_errors == 0
            and self.tracebacks == 0
            and tamper_ok
            and self.escapes == 0
        )


# -- running the desk ------------------------------------------------------------
def child_env(**extra: str) -> dict[str, str]:
    """This process's environment (its XDG folders are private, see ``isolate``)
    with the project importable and a call sign."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("DUTYDESK_ACTOR", "DC1")
    env.setdefault("DUTYDESK_TZ", "UTC")
    env.pop("DUTYDESK_DEBUG", None)
    env.update(extra)
    return env


@contextlib.contextmanager
def isolate(home: Path) -> Iterator[None]:
    """XDG folders (data, config: the journal key, state, cache: the log) under ``home``."""
    keys = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "DUTYDESK_ACTOR", "DUTYDESK_TZ")
    saved = {k: os.environ.get(k) for k in keys}
    for k in keys[:4]:
        os.environ[k] = str(home / k.lower())
    os.environ["DUTYDESK_ACTOR"], os.environ["DUTYDESK_TZ"] = "DC1", "UTC"
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def dd(db_url: str, *args: str, timeout: float = 300, env: dict[str, str] | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    """``dutydesk --db URL ARGS`` as a subprocess; str output (undecodable bytes kept as escapes)."""
    proc = subprocess.run(
        [PY, "-m", "dutydesk", "--db", db_url, *args],
        env=env or child_env(),
        cwd=ROOT,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8", "backslashreplace"), proc.stderr.decode("utf-8", "backslashreplace")
    )


def unclean(proc: subprocess.CompletedProcess, codes: tuple[int, ...] = (0, 1, 3), *, report: bool = False) -> str | None:
    """Why a run is not a clean outcome (None when it is): a traceback, an
    internal error, an unexpected exit code, or a refusal not in one line
    (``report``: a command like doctor that says what failed on stdout)."""
    both = proc.stdout + proc.stderr
    if "Traceback (most recent call last)" in both:
        return "traceback"
    if "internal error" in both:
        return "internal error: " + _first(proc.stderr)
    if proc.returncode not in codes:
        return f"exit {proc.returncode}: {_first(proc.stderr)}"
    if proc.returncode != 0 and not (report and proc.stdout.strip()):
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        if len(lines) != 1 or not lines[0].startswith("error: "):
            return f"refusal not one line: {lines[:3]}"
    return None


def _first(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[0][:160] if lines else ""


# Desks opened in this process one at a time (Alembic's set-up is not thread-safe);
# the fault cases run their subprocesses two at a time.
_IN_PROCESS = threading.RLock()


def new_desk(path: Path, *, staff: tuple[str, ...] = ("DC1",), incident: bool = True) -> str:
    """A desk with unit PS1, the given staff and (optionally) incident 1, made
    through the desk's own API in this process (same XDG folders as the children)."""
    url = f"sqlite:///{path}"
    with _IN_PROCESS:
        _fill_desk(url, staff, incident)
    return url


def _fill_desk(url: str, staff: tuple[str, ...], incident: bool) -> None:
    from dutydesk.desk import Desk

    desk = Desk.open(url, actor="DC1")
    try:
        desk.init(name="reliability")
        desk.add_unit("PS1", "Station 1")
        for callsign in staff:
            desk.add_staff(callsign, f"Officer {callsign}", "PS1")
        if incident:
            desk.open_incident(kind="mass", title="Reliability", place="Lab", level="C")
    finally:
        desk.close()


def desk_sound(path: Path) -> str | None:
    """Why the desk file is not sound (None when it is): integrity check, and
    the journal verified by the desk (with its keys, if it has them)."""
    from dutydesk.desk import Desk

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    if integrity != "ok":
        return f"integrity_check: {integrity}"
    with _IN_PROCESS:
        desk = Desk.open(f"sqlite:///{path}", create=False)
        try:
            verdict = desk.verify_journal()
        finally:
            desk.close()
    if not verdict.ok:
        return f"journal: {verdict}"
    return None


def query(path: Path, sql: str, *params) -> list[tuple]:  # noqa: ANN002
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


class Reader(threading.Thread):
    """Collects a child's stdout lines as they come (the last one may be cut)."""

    def __init__(self, stream) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.stream, self.lines, self.first = stream, [], threading.Event()

    def run(self) -> None:
        for line in self.stream:
            self.lines.append(line)
            self.first.set()
        self.first.set()


def writer(db_url: str, actor: str, *extra: str) -> tuple[subprocess.Popen, Reader]:
    proc = subprocess.Popen(
        [PY, "-m", "bench.reliability_child", "notes", db_url, "1", actor, *extra],
        env=child_env(),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = Reader(proc.stdout)
    reader.start()
    return proc, reader


def acknowledged(lines: list[str]) -> list[tuple[int, float, float]]:
    """(id, start, wait) of every complete ``ok`` line."""
    out = []
    for line in lines:
        if line.endswith("\n") and line.startswith("ok "):
            _ok, nid, start, wait = line.split()
            out.append((int(nid), float(start), float(wait)))
    return out


def make_staff_csv(path: Path, rows: int, prefix: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["callsign", "name", "unit", "post"])
        for i in range(rows):
            w.writerow([f"{prefix}{i:07d}", f"Officer {prefix}{i}", "PS1", "patrol"])


# -- 1. kill -9 during writes ------------------------------------------------------
def kills_during_writes(tmp: Path, plan: Plan, fig: Figures, rng: random.Random) -> None:
    path = tmp / "kill-writes.sqlite"
    url = new_desk(path)
    acked: set[int] = set()
    for _ in range(plan.kill_writes):
        proc, reader = writer(url, "DC1")
        reader.first.wait(60)  # writing (at least one note committed)
        time.sleep(rng.uniform(0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reader.join(10)
        proc.stderr.close()
        acked.update(nid for nid, _s, _w in acknowledged(reader.lines))
        present = {row[0] for row in query(path, "SELECT id FROM note")}
        lost = acked - present
        why = desk_sound(path)
        fig.kills += 1
        if why is None and not lost:
            fig.kills_survived += 1
        elif why:
            fig.fault_notes.append(f"after a kill during writes: {why}")
        fig.acknowledged_lost = len(acked - present)
    fig.acknowledged = len(acked)


# -- 2. kill -9 during imports -----------------------------------------------------
def kills_during_imports(tmp: Path, plan: Plan, fig: Figures, rng: random.Random) -> None:
    path = tmp / "kill-imports.sqlite"
    url = new_desk(path, incident=False)
    rows = plan.kill_import_rows
    base = tmp / "base.csv"
    make_staff_csv(base, rows, "B")
    t = time.monotonic()
    done = dd(url, "import", "staff", str(base), "--quiet")
    full = time.monotonic() - t
    if done.returncode != 0:
        raise RuntimeError(f"the uncut import failed: {done.stderr}")
    for i in range(plan.kill_imports):
        prefix = f"K{i}-"
        file = tmp / f"kill-{i}.csv"
        make_staff_csv(file, rows, prefix)
        proc = subprocess.Popen(
            [PY, "-m", "dutydesk", "--db", url, "import", "staff", str(file), "--quiet"],
            env=child_env(),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(rng.uniform(0.2, full * 1.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        fig.import_kills += 1
        fig.import_kills_mid += proc.returncode == -signal.SIGKILL
        present = query(path, "SELECT count(*) FROM staff WHERE callsign LIKE ?", prefix + "%")[0][0]
        journaled = query(path, "SELECT count(*) FROM journalentry WHERE action = 'import.staff' AND payload LIKE ?", f"%kill-{i}.csv%")[0][0]
        if present not in (0, rows) or journaled != (present == rows):
            fig.partial_imports += 1
        file.unlink()
    why = desk_sound(path)
    if why:
        fig.partial_imports += 1
        fig.fault_notes.append(f"after the killed imports: {why}")


# -- 3. several writers and a long import ------------------------------------------
def writers_and_import(tmp: Path, plan: Plan, fig: Figures) -> None:
    path = tmp / "writers.sqlite"
    actors = tuple(f"W{k}" for k in range(1, plan.writers + 1))
    url = new_desk(path, staff=("DC1", *actors))
    file = tmp / "long-import.csv"
    make_staff_csv(file, plan.import_rows, "I")
    stop = tmp / "stop-writers"
    procs = [writer(url, a, "--min", str(plan.notes_each), "--until", str(stop), "--pause", "20") for a in actors]
    for _p, r in procs:
        r.first.wait(60)
    t0 = time.monotonic()
    imp = dd(url, "import", "staff", str(file), "--quiet")
    t1 = time.monotonic()
    stop.touch()
    for p, r in procs:
        p.wait(600)
        r.join(10)
        err = p.stderr.read()
        p.stderr.close()
        if err.strip():
            fig.writer_errors += 1
            fig.tracebacks += "Traceback" in err
            fig.fuzz_notes.append(f"writer stderr: {_first(err)}")
    fig.import_seconds, fig.import_rows = t1 - t0, plan.import_rows
    if imp.returncode != 0:
        fig.writer_errors += 1
        fig.fault_notes.append(f"the long import failed: {_first(imp.stderr)}")
    fig.locked_errors += "locked" in imp.stderr.lower()
    acked: set[int] = set()
    for _p, r in procs:
        for line in r.lines:
            if line.startswith("locked"):
                fig.locked_errors += 1
            elif line.startswith("error"):
                fig.writer_errors += 1
                fig.fault_notes.append(f"writer: {line.strip()}")
        for nid, start, wait in acknowledged(r.lines):
            acked.add(nid)
            if start + wait >= t0 and start <= t1:
                fig.writes_during_import += 1
                fig.longest_wait = max(fig.longest_wait, wait)
    present = {row[0] for row in query(path, "SELECT id FROM note")}
    fig.acknowledged += len(acked)
    fig.acknowledged_lost += len(acked - present)
    imported = query(path, "SELECT count(*) FROM staff WHERE callsign LIKE 'I%'")[0][0]
    if imported != plan.import_rows:
        fig.partial_imports += 1
    why = desk_sound(path)
    if why:
        fig.fault_notes.append(f"after writers and import: {why}")
        fig.writer_errors += 1


# -- 4. faults ---------------------------------------------------------------------
def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    if not shutil.which("mount") or os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)], capture_output=True).returncode == 0


def _umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _fill(folder: Path, leave: int) -> Path:
    """A file filling ``folder``'s file system to ``leave`` bytes free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    filler = folder / "filler"
    with open(filler, "wb") as fh:
        with contextlib.suppress(OSError):  # full: that is the point
            fh.write(b"\0" * max(free - leave, 0))
    return filler


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


class Faults:
    def __init__(self, tmp: Path, plan: Plan, fig: Figures) -> None:
        self.tmp, self.plan, self.fig = tmp, plan, fig
        self.can_mount = _mount_tmpfs(tmp / "probe-mount", "64k")
        if self.can_mount:
            _umount(tmp / "probe-mount")

    def pick(self, commands: list[tuple[str, ...]], quick: int = 1) -> list[tuple[str, ...]]:
        """The commands a case runs: all in the long form, the first ``quick`` in the short."""
        return commands if self.plan.slow_faults else commands[:quick]

    def case(self, name: str, fn) -> tuple[str, str | None]:  # noqa: ANN001
        try:
            return name, fn()
        except Exception as exc:  # noqa: BLE001 - a harness failure counts as not handled, and is shown
            return name, f"harness: {type(exc).__name__}: {exc}"

    def run(self) -> None:
        """Every case, two at a time (each on files of its own; they wait on processes)."""
        from concurrent.futures import ThreadPoolExecutor

        cases = [
            ("full disk" + (" (2 MiB tmpfs)" if self.can_mount else " (RLIMIT_FSIZE: EFBIG, no mount here)"), self.full_disk),
            ("full temporary folder during an import", self.full_tmp_import),
            ("read-only desk" + (" (read-only mount)" if self.can_mount else " (0444, run as nobody)"), self.read_only),
            ("foreign SQLite file", self.foreign),
            ("a file that is not a database", self.not_a_database),
            ("newer schema", self.newer_schema),
            ("corrupted pages", self.corrupted),
            ("removed -wal", self.removed_wal),
            ("missing desk", self.missing),
        ]
        if self.plan.slow_faults:
            cases.append(("desk locked by another process for longer than every retry", self.held_lock))
            cases.append(("removed -wal and -shm (a loss no file shows; reported)", lambda: self.removed_wal(True)))
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda c: self.case(*c), cases))
        for name, why in results:
            self.fig.faults_tried += 1
            if why is None:
                self.fig.faults_handled += 1
                self.fig.fault_notes.append(f"{name}: handled")
            else:
                self.fig.fault_notes.append(f"{name}: NOT handled: {why}")

    # each returns None when handled, else why not
    def full_disk(self) -> str | None:
        folder = self.tmp / "full"
        mounted = self.can_mount and _mount_tmpfs(folder, "2m")
        folder.mkdir(exist_ok=True)
        try:
            path = folder / "desk.sqlite"
            url = new_desk(path)
            text = "x" * 1900
            if mounted:
                filler = _fill(folder, 48 * 1024)
                env = child_env()
                preexec = None
            else:
                filler = None
                env = child_env()
                limit = path.stat().st_size + 48 * 1024

                def preexec() -> None:
                    import resource

                    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

            acked, refusal = 0, None
            for _ in range(200):
                proc = subprocess.run(
                    [PY, "-m", "dutydesk", "--db", url, "incident", "note", "1", text, "--json"],
                    env=env,
                    cwd=ROOT,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    preexec_fn=preexec,
                    timeout=120,
                )
                if proc.returncode == 0:
                    acked += 1
                    continue
                refusal = proc
                break
            if refusal is None:
                return "the disk never filled"
            why = unclean(refusal, (1, 3))
            if why:
                return why
            if filler is not None:
                filler.unlink()
            after = dd(url, "incident", "note", "1", "after the disk was freed")
            if after.returncode != 0:
                return f"no write after space came back: {_first(after.stderr)}"
            notes = query(path, "SELECT count(*) FROM note")[0][0]
            if notes != acked + 1:
                return f"{acked + 1} notes acknowledged, {notes} on the desk"
            return desk_sound(path)
        finally:
            if mounted:
                _umount(folder)

    def full_tmp_import(self) -> str | None:
        path = self.tmp / "tmpfull.sqlite"
        url = new_desk(path, incident=False)
        file = self.tmp / "tmpfull.csv"
        make_staff_csv(file, 40_000, "T")
        folder = self.tmp / "fulltmp"
        mounted = self.can_mount and _mount_tmpfs(folder, "256k")
        folder.mkdir(exist_ok=True)
        try:
            head = query(path, "SELECT max(seq) FROM journalentry")[0][0]
            if mounted:
                _fill(folder, 16 * 1024)
                proc = dd(url, "import", "staff", str(file), "--quiet", env=child_env(TMPDIR=str(folder)))
            else:  # no mount here: a file-size limit the spool meets first

                def preexec() -> None:
                    import resource

                    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))

                raw = subprocess.run(
                    [PY, "-m", "dutydesk", "--db", url, "import", "staff", str(file), "--quiet"],
                    env=child_env(),
                    cwd=ROOT,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    preexec_fn=preexec,
                    timeout=300,
                )
                proc = raw
            why = unclean(proc, (1,))
            if why:
                return why
            if query(path, "SELECT max(seq) FROM journalentry")[0][0] != head:
                return "written although refused"
            self.fig.fault_notes.append(f"full temporary folder: {_first(proc.stderr)}")
            return None
        finally:
            if mounted:
                _umount(folder)

    def read_only(self) -> str | None:
        folder = self.tmp / "ro"
        mounted = self.can_mount and _mount_tmpfs(folder, "4m")
        folder.mkdir(exist_ok=True)
        try:
            path = folder / "desk.sqlite"
            url = new_desk(path)
            before = _sha(path)
            if mounted:
                if subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True).returncode != 0:
                    return "could not remount read-only"
                runs = [dd(url, *args) for args in self.pick([("incident", "note", "1", "x"), ("board",), ("audit", "verify")])]
            else:
                os.chmod(path, 0o444)
                os.chmod(folder, 0o555)
                env = child_env()

                def as_nobody() -> None:
                    os.setgid(65534)
                    os.setuid(65534)

                runs = [
                    subprocess.run(
                        [PY, "-m", "dutydesk", "--db", url, "incident", "note", "1", "x"],
                        env=env,
                        cwd=ROOT,
                        capture_output=True,
                        text=True,
                        preexec_fn=as_nobody,
                    )
                ]
            for proc in runs:
                why = unclean(proc)
                if why:
                    return f"{' '.join(proc.args[5:])}: {why}"
            if runs[0].returncode == 0:
                return "a note was acknowledged on a read-only desk"
            if _sha(path) != before:
                return "the file changed"
            return None
        finally:
            if mounted:
                _umount(folder)

    def foreign(self) -> str | None:
        path = self.tmp / "contacts.sqlite"
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        con.execute("INSERT INTO contacts VALUES ('A', '1')")
        con.commit()
        con.close()
        before = _sha(path)
        url = f"sqlite:///{path}"
        for args in self.pick([("init",), ("board",), ("incident", "note", "1", "x")]):
            proc = dd(url, *args)
            why = unclean(proc, (1, 3))
            if why:
                return f"{args[0]}: {why}"
            if _sha(path) != before or Path(f"{path}-wal").exists() and Path(f"{path}-wal").stat().st_size:
                return f"{args[0]}: the foreign file was changed"
        return None

    def not_a_database(self) -> str | None:
        path = self.tmp / "notes.txt"
        path.write_text("not a database\n" * 100)
        before = _sha(path)
        for args in self.pick([("init",), ("board",)]):
            why = unclean(dd(f"sqlite:///{path}", *args), (1, 3))
            if why:
                return f"{args[0]}: {why}"
        return None if _sha(path) == before else "the file changed"

    def newer_schema(self) -> str | None:
        path = self.tmp / "newer.sqlite"
        url = new_desk(path)
        con = sqlite3.connect(path)
        con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        con.commit()
        con.close()
        before = _sha(path)
        for args in self.pick([("incident", "note", "1", "x"), ("board",)]):
            proc = dd(url, *args)
            why = unclean(proc, (3,))
            if why:
                return f"{args[0]}: {why}"
        return None if _sha(path) == before else "the file changed"

    def corrupted(self) -> str | None:
        path = self.tmp / "corrupt.sqlite"
        url = new_desk(path)
        from dutydesk.desk import Desk

        with _IN_PROCESS:
            desk = Desk.open(url, actor="DC1")
            for i in range(200 if self.plan.slow_faults else 60):
                desk.add_note(1, f"note {i} " + "y" * 300)
            desk.close()
        con = sqlite3.connect(path)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        data = bytearray(path.read_bytes())
        page = 4096
        rng = random.Random(11)
        for p in range(2, len(data) // page):
            if p % 3 == 0:
                start = p * page + 100
                data[start : start + 512] = bytes(rng.randrange(256) for _ in range(512))
        path.write_bytes(bytes(data))
        runs = {
            args: dd(url, *args)
            for args in self.pick([("audit", "verify"), ("board",), ("incident", "show", "1"), ("audit", "log"), ("incident", "note", "1", "x")], 2)
        }
        for args, proc in runs.items():
            why = unclean(proc)
            if why:
                return f"{' '.join(args)}: {why}"
        if runs[("audit", "verify")].returncode == 0:
            return "audit verify said the corrupted desk is intact"
        return None

    def removed_wal(self, also_shm: bool = False) -> str | None:
        """The -wal deleted (``rm desk.sqlite-wal``) after a writer was killed
        with committed pages in it: the desk opens without them, so doctor or
        audit verify must say so.  With ``also_shm`` the -shm goes too: then
        nothing in the file shows the loss (reported, not counted)."""
        path = self.tmp / ("nowalshm.sqlite" if also_shm else "nowal.sqlite")
        url = new_desk(path)
        proc, reader = writer(url, "DC1")
        reader.first.wait(60)
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reader.join(10)
        proc.stderr.close()
        acked = {nid for nid, _s, _w in acknowledged(reader.lines)}
        wal = Path(f"{path}-wal")
        had = wal.exists() and wal.stat().st_size > 0
        for suffix in ("-wal", "-shm") if also_shm else ("-wal",):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        doctor = dd(url, "doctor")  # first, before anything writes to the desk again
        has_doctor = "No such command" not in doctor.stderr
        verify = dd(url, "audit", "verify")
        runs = [dd(url, *args) for args in self.pick([("board",), ("incident", "note", "1", "after")])]
        for p in [verify, *runs] + ([doctor] if has_doctor else []):
            why = unclean(p, report=p is doctor)
            if why:
                return f"{' '.join(p.args[5:])}: {why}"
        present = {row[0] for row in query(path, "SELECT id FROM note")}
        lost = len(acked - present)
        told = (has_doctor and doctor.returncode != 0) or verify.returncode != 0
        self.fig.fault_notes.append(
            f"removed -wal{' and -shm' if also_shm else ''}: the -wal held committed pages: {had}; acknowledged notes gone with it: {lost} of "
            f"{len(acked)}; doctor {'exit ' + str(doctor.returncode) if has_doctor else 'n/a'}"
            f"{': ' + _first(doctor.stdout + doctor.stderr) if has_doctor and doctor.returncode else ''}; "
            f"audit verify exit {verify.returncode}"
        )
        if lost and not told and not also_shm:
            return f"{lost} acknowledged writes went with the -wal and neither doctor nor audit verify said so"
        return desk_sound(path)

    def missing(self) -> str | None:
        path = self.tmp / "nowhere" / "desk.sqlite"
        proc = dd(f"sqlite:///{path}", "board")
        why = unclean(proc, (3,))
        if why:
            return why
        return "a desk was created" if path.exists() or path.parent.exists() else None

    def held_lock(self) -> str | None:
        path = self.tmp / "held.sqlite"
        url = new_desk(path)
        holder = subprocess.Popen(
            [
                PY,
                "-c",
                "import sqlite3, sys, time\n"
                "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(120)",
                str(path),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            holder.stdout.readline()
            proc = dd(url, "incident", "note", "1", "x", timeout=200)
            why = unclean(proc, (1,))
            return why or (None if "locked" in proc.stderr else f"not said locked: {_first(proc.stderr)}")
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()


# -- 5. tamper ---------------------------------------------------------------------
def tamper(fig: Figures) -> None:
    if not (ROOT / "tests" / "tamper_cases.py").exists():
        return
    sys.path.insert(0, str(ROOT))
    try:
        from tests.tamper_cases import tamper_cases
    except ImportError as exc:
        fig.tamper_notes.append(f"tamper: cannot import tests/tamper_cases.py: {exc}")
        return
    results = list(tamper_cases())
    fig.tamper = (sum(1 for _n, detected in results if detected), len(results))
    fig.tamper_notes += [f"tamper {name}: {'detected' if detected else 'NOT detected'}" for name, detected in results]


# -- 6. fuzz -----------------------------------------------------------------------
def fuzz(tmp: Path, plan: Plan, fig: Figures) -> None:
    if plan.fuzz_examples and (ROOT / "tests" / "test_fuzz_cli.py").exists():
        _hypothesis_fuzz(plan, fig)
    _corpus_fuzz(tmp, plan, fig, random.Random(7))


def _hypothesis_fuzz(plan: Plan, fig: Figures) -> None:
    """tests/test_fuzz_cli.py with more examples (DUTYDESK_FUZZ_EXAMPLES, read by that file if it
    honours it); the examples Hypothesis ran, and the tests that failed (each an internal error or
    a traceback it found, as that file asserts none)."""
    import re

    env = child_env(DUTYDESK_FUZZ_EXAMPLES=str(plan.fuzz_examples))
    proc = subprocess.run(
        [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics", "tests/test_fuzz_cli.py"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    out = proc.stdout + proc.stderr
    # "- 200 passing, 0 failing, and 0 invalid test cases" (older Hypothesis: "200 passing examples")
    examples = sum(int(a) + int(b) for a, b in re.findall(r"(\d+) passing, (\d+) failing", out)) + sum(
        int(n) for n in re.findall(r"(\d+) passing examples?", out)
    )
    failed = sum(int(n) for n in re.findall(r"(\d+) failed", out))
    fig.fuzz_cases += examples
    fig.fuzz_notes.append(f"tests/test_fuzz_cli.py: {examples} examples, {failed} tests failed (exit {proc.returncode})")
    if failed:
        fig.internal_errors += failed
        fig.tracebacks += out.count("Traceback (most recent call last)")
        fig.fuzz_notes.append(_first("\n".join(ln for ln in out.splitlines() if ln.startswith("FAILED"))))


HOSTILE = [
    "",
    " ",
    "-1",
    "0",
    "9223372036854775808",
    "99999999999999999999999",
    "1e12",
    "inf",
    "nan",
    "-0",
    "0001-01-01",
    "9999-12-31T23:59",
    "2026-03-29T02:30",
    "25:61",
    "24:00",
    "00:00",
    "T",
    "now",
    "[/]",
    "[bold]x",
    "\x1b[2J",
    "\x1b]0;t\x07",
    "\x9b31m",
    "a\u202eb",
    "\u200b",
    "line\nbreak",
    "\t",
    "x" * 5000,
    "名" * 300,
    "'; DROP TABLE incident; --",
    "%s%n",
    "../../etc/passwd",
    "/dev/null",
    "A",
    "C",
    "red",
    "mass",
    "opinion",
    "PS1",
    "DC1",
    "cordon",
    "1",
    "2",
    "-",
    "--",
    "=1+1",
    "@SUM(A1)",
]
TEMPLATES = [
    ["incident", "open", "--kind", "{}", "--title", "{}", "--place", "{}", "--level", "{}"],
    ["incident", "open", "--kind", "mass", "--title", "{}", "--place", "p", "--at", "{}"],
    ["incident", "open", "--kind", "opinion", "--title", "t", "--place", "p", "--factor", "{}"],
    ["incident", "level", "{}", "{}", "--reason", "{}"],
    ["incident", "level", "1", "A", "--reason", "r", "--at", "{}"],
    ["incident", "status", "{}", "{}"],
    ["incident", "assign", "{}", "{}", "{}"],
    ["incident", "release", "{}", "{}"],
    ["incident", "instruct", "{}", "{}", "--to", "{}"],
    ["incident", "note", "{}", "{}"],
    ["incident", "note", "1", "n", "--at", "{}", "--expect-version", "{}"],
    ["incident", "close", "{}", "--summary", "{}", "--at", "{}"],
    ["incident", "show", "{}"],
    ["incident", "list", "--search", "{}", "--limit", "{}"],
    ["deadline", "meet", "{}", "--at", "{}"],
    ["deadline", "waive", "{}", "--reason", "{}"],
    ["instruction", "ack", "{}", "--by", "{}"],
    ["unit", "add", "{}", "{}", "--type", "{}"],
    ["staff", "add", "{}", "{}", "--unit", "{}"],
    ["shift", "start", "{}", "--at", "{}"],
    ["shift", "end", "--note", "{}", "--to", "{}"],
    ["audit", "log", "--incident", "{}", "--limit", "{}"],
    ["report", "incident", "{}", "--format", "{}"],
    ["report", "shift", "--from", "{}", "--to", "{}"],
    ["--actor", "{}", "incident", "note", "1", "{}"],
    ["playbook", "show", "{}"],
]


def _corpus_fuzz(tmp: Path, plan: Plan, fig: Figures, rng: random.Random) -> None:
    """Hostile values in every argument of the changing and reading commands,
    through the CLI in this process (Typer's runner, exceptions kept), and a
    few as real processes with bytes that are not UTF-8."""
    from typer.testing import CliRunner

    from dutydesk.cli import app

    path = tmp / "fuzz.sqlite"
    url = new_desk(path, staff=("DC1", "DC2"))
    runner = CliRunner()
    for i in range(plan.corpus_runs):
        template = TEMPLATES[i % len(TEMPLATES)]
        args = [a.format(rng.choice(HOSTILE)) if a == "{}" else a for a in template]
        result = runner.invoke(app, ["--db", url, *args])
        fig.fuzz_cases += 1
        text = (result.stdout or "") + (result.stderr or "")
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        if crashed or "Traceback (most recent call last)" in text:
            fig.tracebacks += 1
            fig.fuzz_notes.append(f"traceback: {args!r}: {type(result.exception).__name__}: {result.exception}")
        elif "internal error" in text or result.exit_code not in (0, 1, 2, 3):
            fig.internal_errors += 1
            fig.fuzz_notes.append(f"internal error: {args!r}: {_first(result.stderr or '')}")
    raws = (b"\xff\xfe", b"caf\xe9", b"\xed\xa0\x80", b"ok\xc3")
    templates = (["incident", "note", "1"], ["incident", "open", "--kind", "mass", "--place", "p", "--title"], ["--actor"])
    for n in range(plan.byte_runs):
        raw, template = raws[n % len(raws)], templates[n % len(templates)]
        argv = [PY.encode(), b"-m", b"dutydesk", b"--db", url.encode(), *(t.encode() for t in template), raw]
        if template == ["--actor"]:
            argv += [b"board"]
        proc = subprocess.run(argv, env=child_env(), cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        done = subprocess.CompletedProcess(argv, proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))
        fig.fuzz_cases += 1
        why = unclean(done, (0, 1, 2, 3))
        if why == "traceback":
            fig.tracebacks += 1
        elif why:
            fig.internal_errors += 1
        if why:
            fig.fuzz_notes.append(f"bytes {raw!r} in {template}: {why}")


# -- 7. escapes and markup in output -------------------------------------------------
MARKERS = {"[bold]MKA[/bold]": "MKA", "[link=http://x.invalid]MKB[/link]": "MKB", "[red]MKC[/red]": "MKC"}
HOSTILE_TEXT = [
    "[/]",
    "[bold]MKA[/bold]",
    "[link=http://x.invalid]MKB[/link]",
    "[red]MKC[/red]",
    "[red]open",
    "\x1b[2J\x1b[31mESC",
    "\x1b]0;TITLE\x07osc",
    "\x9b2Jc1",
    "abc\u202edcba",
    "x\u2066y\u2069",
    "two\nlines #99 [mass] A forged",
    "\u200b\u200fz",
]
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _bad_chars(text: str) -> int:
    return sum(1 for ch in text if ch == "\x1b" or "\x80" <= ch <= "\x9f" or ch in BIDI)


def _swallowed(text: str) -> int:
    """Markup that was interpreted instead of shown: a marker with its tags
    gone from both sides (a tag wrapped onto the line before still counts as shown)."""
    count = 0
    for marker in MARKERS.values():
        at = text.find(marker)
        while at >= 0:
            before, after = text[at - 1 : at], text[at + len(marker) : at + len(marker) + 1]
            if before not in ("]", "\\") and after not in ("[", "\\"):
                count += 1
            at = text.find(marker, at + 1)
    return count


def escapes(tmp: Path, fig: Figures) -> None:
    from typer.testing import CliRunner

    from dutydesk.cli import app

    path = tmp / "escapes.sqlite"
    url = new_desk(path, staff=("DC1",))
    runner = CliRunner()

    def cli(*args: str):  # noqa: ANN202
        return runner.invoke(app, ["--db", url, *args])

    cli("shift", "start", "DC1")
    for i, text in enumerate(HOSTILE_TEXT):  # through the CLI: refused, or stored
        cli("incident", "open", "--kind", "mass", "--title", text, "--place", text, "--level", "C")
        cli("incident", "note", "1", text)
        cli("unit", "add", f"U{i}", text)
        cli("staff", "add", f"S{i}", text, "--unit", "PS1")
        cli("--actor", text, "incident", "note", "1", "by a hostile call sign")
        cli("incident", "instruct", "1", "--to", "PS1", text)
    # Written straight into the file, as an older version or an editor might have left it.
    con = sqlite3.connect(path)
    columns = [r[1] for r in con.execute("PRAGMA table_info(incident)") if r[1] not in ("id", "ref")]
    chosen = ", ".join("?" if c in ("title", "place", "opened_by", "summary") else c for c in columns)
    for text in HOSTILE_TEXT:
        con.execute("INSERT INTO note (incident_id, text, at, by) SELECT 1, ?, at, ? FROM note LIMIT 1", (text, text))
        con.execute(
            f"INSERT INTO incident ({', '.join(columns)}) SELECT {chosen} FROM incident WHERE id = 1",
            [text for c in columns if c in ("title", "place", "opened_by", "summary")],
        )
    con.execute("UPDATE journalentry SET actor = ? WHERE seq = (SELECT max(seq) FROM journalentry)", (HOSTILE_TEXT[4],))
    con.commit()
    ids = [str(r[0]) for r in con.execute("SELECT id FROM incident ORDER BY id")]
    con.close()
    outputs = [
        ("board",),
        ("incident", "list"),
        ("incident", "list", "--all"),
        ("audit", "log"),
        ("report", "shift"),
        ("report", "shift", "--format", "md"),
        ("report", "shift", "--format", "html"),
    ]
    for iid in ids[:1] + ids[-3:]:
        outputs += [
            ("incident", "show", iid),
            ("report", "incident", iid),
            ("report", "incident", iid, "--format", "md"),
            ("report", "incident", iid, "--format", "html"),
        ]
    for args in outputs:
        result = cli(*args)
        fig.escape_outputs += 1
        text = (result.stdout or "") + (result.stderr or "")
        found = _bad_chars(text) + _swallowed(text)
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        if crashed or result.exit_code != 0 or "MarkupError" in text:
            found += 1
            fig.escape_notes.append(
                f"{' '.join(args)}: exit {result.exit_code} {_first(result.stderr or '')}{type(result.exception).__name__ if crashed else ''}"
            )
        if found:
            fig.escape_notes.append(f"{' '.join(args)}: {found}")
        fig.escapes += found


# -- the whole -----------------------------------------------------------------------
def run(plan: Plan, *, parts: tuple[str, ...] | None = None, verbose: bool = True, seed: int | None = None) -> Figures:
    fig = Figures()
    rng = random.Random(seed)
    steps = [
        ("kills during writes", lambda t: kills_during_writes(t, plan, fig, rng)),
        ("kills during imports", lambda t: kills_during_imports(t, plan, fig, rng)),
        ("writers and a long import", lambda t: writers_and_import(t, plan, fig)),
        ("faults", lambda t: Faults(t, plan, fig).run()),
        ("tamper", lambda t: tamper(fig)),
        ("fuzz", lambda t: fuzz(t, plan, fig)),
        ("escapes", lambda t: escapes(t, fig)),
    ]
    with tempfile.TemporaryDirectory(prefix="dutydesk-reliability-") as tmp_name:
        tmp = Path(tmp_name)
        with isolate(tmp / "home"):
            for name, step in steps:
                if parts is not None and name.split()[0] not in parts:
                    continue
                t = time.monotonic()
                folder = tmp / name.replace(" ", "-")
                folder.mkdir()
                step(folder)
                if verbose:
                    print(f"  {name}: {time.monotonic() - t:.1f} s", flush=True)
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the short forms (what make test runs)")
    parser.add_argument("--only", nargs="*", help="parts: kills faults writers tamper fuzz escapes")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    plan = SHORT if args.short else LONG
    fig = run(plan, parts=tuple(args.only) if args.only else None, seed=args.seed)
    for note in fig.fault_notes + fig.fuzz_notes + fig.tamper_notes + fig.escape_notes:
        print(f"  - {note}")
    for line in fig.lines():
        print(line)
    ok = fig.ok()
    print("reliability: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
