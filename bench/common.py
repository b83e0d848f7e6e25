"""The benchmark harness: what a user waits for, timed from outside.

Every budget of ``make bench`` is checked on the MEDIAN of paired runs of cold
processes, launched as a user launches them (``.venv/bin/dutydesk ...``),
against a reference launched the same way, in the same run:

    pairs A/B/A/B...; ratio_i = A_i / B_i; verdict on median(ratio_i),
    with min and max printed beside it.

In-process timings may be printed as diagnostics (``note``), never as a budget.

The API (bench/kpi.py, bench/alarms.py and the rest use only this):

``dutydesk(*args) -> list[str]``
    the command line of the installed console script (``.venv/bin/dutydesk``).
``python(*args) -> list[str]``
    this interpreter (``python -c "import typer"`` is the usual reference).
``bench_env(home: Path, **extra) -> dict``
    an environment whose XDG folders are under ``home`` (never the user's real
    data), no ``DUTYDESK_*`` from the caller's shell, ``extra`` added.
``run(cmd, *, env=None, stdin=None, check=True, cwd=None) -> Run``
    one cold process; ``Run.seconds`` (wall, exec to exit), ``Run.max_rss_mib``
    (that child's peak RSS, from ``wait4``), ``Run.returncode``, ``Run.stdout``,
    ``Run.stderr`` (bytes).  ``check``: a non-zero exit raises ``BenchError``.
``first_output(cmd, marker, *, size=(80, 24), env=None, timeout=30) -> float``
    seconds from exec until ``marker`` (str) is on the terminal: the process runs
    under a pseudo-terminal of ``size`` columns x rows; escape sequences are
    stripped from the stream before looking.  The process is then ended
    (SIGTERM, then SIGKILL after 5 s).
``cpu_share(cmd, marker, *, seconds, settle=2, size=(80, 24), env=None) -> float``
    the share of one core the process uses (from /proc) over ``seconds``,
    ``settle`` seconds after ``marker`` is on its pseudo-terminal.
``paired(name, subject, reference, *, budget, pairs=5, warmup=1, unit="s") -> Paired``
    ``subject`` and ``reference`` are callables returning one sample each
    (usually ``lambda: run(cmd).seconds``); ``warmup`` unrecorded pairs first
    (file cache), then ``pairs`` pairs, subject then reference each time.
    ``budget``: the median ratio must be <= it (``None``: printed only).
``absolute(name, samples_fn, *, limit, pairs=5, warmup=0, unit="s") -> Absolute``
    for a budget in units, not a ratio (``PDF <= 5 s``, ``<= 150 MiB``): the
    median of ``pairs`` samples <= ``limit``; min and max printed beside it.
``report(results) -> int``
    prints one line per result (with the machine's load average), 1 if any
    median is over its budget.  ``note(text)`` prints a diagnostic line.
``cache_dir(name, version) -> Path``
    a folder for generated desks and files, kept between runs
    (``$BENCH_CACHE``, default ``<tmp>/dutydesk-bench-<uid>``), keyed by
    ``name`` and a generator ``version``: bump the version when the generator
    changes.  ``cached_file(name, version, filename, build) -> Path`` builds
    ``filename`` there with ``build(path)`` once (atomically: a half-built
    file is never reused).
``median_min_max(values) -> (median, min, max)``; ``pair_ratios(a, b) -> list``.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

PAIRS = int(os.environ.get("BENCH_PAIRS", "5"))  # the least the budgets allow; more where cheap


class BenchError(RuntimeError):
    pass


# -- commands and environment ---------------------------------------------------------
def dutydesk(*args: str) -> list[str]:
    """The installed console script, as a user runs it."""
    exe = Path(sys.executable).parent / "dutydesk"
    if not exe.exists():
        raise BenchError(f"{exe} is not installed (run `make install`)")
    return [str(exe), *args]


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def bench_env(home: Path, **extra: str) -> dict[str, str]:
    """The caller's environment with the XDG folders under ``home`` and no DUTYDESK_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYDESK_")}
    for sub in ("data", "config", "state", "cache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[f"XDG_{sub.upper()}_HOME"] = str(home / sub)
    env.setdefault("TERM", "xterm-256color")
    env.update(extra)
    return env


# -- one cold process -----------------------------------------------------------------
@dataclass
class Run:
    seconds: float
    max_rss_mib: float
    returncode: int
    stdout: bytes = b""
    stderr: bytes = b""


def run(cmd: list[str], *, env: dict[str, str] | None = None, stdin: bytes | None = None, check: bool = True, cwd: str | Path | None = None) -> Run:
    """Run ``cmd`` to its end; wall time from just before exec to its exit, and its own peak RSS."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    with out, err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = Run(seconds, usage.ru_maxrss / 1024, proc.returncode, out.read(), err.read())
    if check and result.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} exited {result.returncode}: {result.stderr.decode(errors='replace')[-500:]}")
    return result


_ESCAPES = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|P[^\x1b]*\x1b\\|[@-Z\\-_])")


def strip_escapes(data: bytes) -> bytes:
    """The text of a terminal stream without its escape sequences (CSI, OSC, DCS, two-byte ones)."""
    return _ESCAPES.sub(b"", data)


def _spawn(cmd: list[str], size: tuple[int, int], env: dict[str, str] | None) -> tuple[int, int, float]:
    """``cmd`` on a new pseudo-terminal of ``size`` (columns, rows): (pid, the terminal's fd, the time just before fork)."""
    import fcntl
    import pty
    import struct
    import termios

    cols, rows = size
    t = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of this size, then exec
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            if env is None:
                os.execvp(cmd[0], cmd)
            os.execvpe(cmd[0], cmd, env)
        finally:
            os._exit(127)
    return pid, fd, t


def _await(fd: int, want: bytes, t: float, timeout: float) -> tuple[float | None, bytes]:
    """Read the terminal until ``want`` is in its text: (seconds since ``t``, or None, and what it showed)."""
    seen = b""
    deadline = t + timeout
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            return None, seen
        ready, _w, _x = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal (it exited)
            return None, seen
        if not chunk:
            return None, seen
        seen += chunk
        if want in strip_escapes(seen):
            return time.perf_counter() - t, seen


def _drain(fd: int, seconds: float) -> None:
    """Keep reading the terminal for ``seconds`` (a child writing to a full terminal would stop)."""
    stop = time.perf_counter() + seconds
    while (left := stop - time.perf_counter()) > 0:
        ready, _w, _x = select.select([fd], [], [], left)
        if ready:
            try:
                if not os.read(fd, 65536):
                    return
            except OSError:
                return


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process (Linux /proc), in seconds."""
    with open(f"/proc/{pid}/stat", "rb") as fh:
        fields = fh.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_output(cmd: list[str], marker: str, *, size: tuple[int, int] = (80, 24), env: dict[str, str] | None = None, timeout: float = 30.0) -> float:
    """Seconds from exec until ``marker`` appears on a pseudo-terminal of ``size`` (columns, rows)."""
    pid, fd, t = _spawn(cmd, size, env)
    try:
        found, seen = _await(fd, marker.encode("utf-8"), t, timeout)
    finally:
        _end(pid, fd)
    if found is None:
        text = strip_escapes(seen).decode(errors="replace")
        raise BenchError(f"{' '.join(cmd)}: '{marker}' not on the terminal within {timeout:g} s; it showed: {text[-400:]!r}")
    return found


def cpu_share(
    cmd: list[str],
    marker: str,
    *,
    seconds: float,
    settle: float = 2.0,
    size: tuple[int, int] = (80, 24),
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> float:
    """The share of one core the process uses over ``seconds``, measured from
    outside (/proc), ``settle`` seconds after ``marker`` is on its terminal."""
    pid, fd, t = _spawn(cmd, size, env)
    try:
        found, seen = _await(fd, marker.encode("utf-8"), t, timeout)
        if found is None:
            text = strip_escapes(seen).decode(errors="replace")
            raise BenchError(f"{' '.join(cmd)}: '{marker}' not on the terminal within {timeout:g} s; it showed: {text[-400:]!r}")
        _drain(fd, settle)
        cpu, wall = _cpu_seconds(pid), time.perf_counter()
        _drain(fd, seconds)
        return (_cpu_seconds(pid) - cpu) / (time.perf_counter() - wall)
    finally:
        _end(pid, fd)


def _end(pid: int, fd: int) -> None:
    """End the child (TERM, then KILL after 5 s), draining its terminal meanwhile."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    stop = time.perf_counter() + 5
    while time.perf_counter() < stop:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        ready, _w, _x = select.select([fd], [], [], 0.05)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                pass
    else:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    os.close(fd)


# -- statistics -------------------------------------------------------------------------
def median_min_max(values: Iterable[float]) -> tuple[float, float, float]:
    vals = list(values)
    if not vals:
        raise ValueError("no samples")
    return statistics.median(vals), min(vals), max(vals)


def pair_ratios(subject: list[float], reference: list[float]) -> list[float]:
    """subject_i / reference_i for each pair, in order."""
    if len(subject) != len(reference):
        raise ValueError(f"unpaired samples: {len(subject)} vs {len(reference)}")
    return [a / b if b else float("inf") for a, b in zip(subject, reference)]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}, {os.cpu_count()} CPUs"


@dataclass
class Paired:
    name: str
    subject: list[float]
    reference: list[float]
    budget: float | None
    unit: str = "s"
    load: str = field(default_factory=load)

    @property
    def ratios(self) -> list[float]:
        return pair_ratios(self.subject, self.reference)

    @property
    def ratio(self) -> float:
        return median_min_max(self.ratios)[0]

    @property
    def ok(self) -> bool:
        return self.budget is None or self.ratio <= self.budget

    def line(self) -> str:
        med, lo, hi = median_min_max(self.ratios)
        a, b = statistics.median(self.subject), statistics.median(self.reference)
        budget = f"budget <= {self.budget:g}x" if self.budget is not None else "no budget (reported)"
        verdict = "" if self.budget is None else ("PASS" if self.ok else "FAIL")
        return (
            (
                f"{self.name}: median ratio {med:.2f}x (min {lo:.2f}x, max {hi:.2f}x, {len(self.ratios)} pairs; "
                f"medians {_fmt(a, self.unit)} vs {_fmt(b, self.unit)}) {budget} {verdict} [{self.load}]"
            )
            .replace("  ", " ")
            .rstrip()
        )


@dataclass
class Absolute:
    name: str
    samples: list[float]
    limit: float | None
    unit: str = "s"
    load: str = field(default_factory=load)

    @property
    def value(self) -> float:
        return median_min_max(self.samples)[0]

    @property
    def ok(self) -> bool:
        return self.limit is None or self.value <= self.limit

    def line(self) -> str:
        med, lo, hi = median_min_max(self.samples)
        budget = f"budget <= {_fmt(self.limit, self.unit)}" if self.limit is not None else "no budget (reported)"
        verdict = "" if self.limit is None else ("PASS" if self.ok else "FAIL")
        return (
            f"{self.name}: median {_fmt(med, self.unit)} (min {_fmt(lo, self.unit)}, max {_fmt(hi, self.unit)}, "
            f"{len(self.samples)} runs) {budget} {verdict} [{self.load}]"
        ).rstrip()


def _fmt(value: float, unit: str) -> str:
    if unit == "s" and value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.3g} {unit}"


def paired(
    name: str,
    subject: Callable[[], float],
    reference: Callable[[], float],
    *,
    budget: float | None,
    pairs: int = PAIRS,
    warmup: int = 1,
    unit: str = "s",
) -> Paired:
    """``pairs`` pairs A/B/A/B (after ``warmup`` unrecorded ones): each pair's ratio; the median is the verdict."""
    for _ in range(warmup):
        subject()
        reference()
    a: list[float] = []
    b: list[float] = []
    for _ in range(pairs):
        a.append(subject())
        b.append(reference())
    return Paired(name, a, b, budget, unit)


def absolute(name: str, sample: Callable[[], float], *, limit: float | None, pairs: int = PAIRS, warmup: int = 0, unit: str = "s") -> Absolute:
    for _ in range(warmup):
        sample()
    return Absolute(name, [sample() for _ in range(pairs)], limit, unit)


def note(text: str) -> None:
    """A diagnostic line (never a budget)."""
    print(f"  ({text})", flush=True)


def report(results: "list[Paired | Absolute | Result] | Paired | Absolute | Result") -> int:
    """Print each result; 1 if any median is over its budget."""
    results = results if isinstance(results, list) else [results]
    for r in results:
        print(r.line(), flush=True)
    return 1 if any(not r.ok for r in results) else 0


# -- cached inputs ----------------------------------------------------------------------
def cache_root() -> Path:
    root = os.environ.get("BENCH_CACHE") or os.path.join(tempfile.gettempdir(), f"dutydesk-bench-{os.getuid()}")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir(name: str, version: str | int) -> Path:
    """A folder kept between runs for generator ``name`` at ``version`` (older versions' folders are removed)."""
    root = cache_root()
    for old in root.glob(f"{name}-v*"):
        if old.name != f"{name}-v{version}":
            shutil.rmtree(old, ignore_errors=True)
    path = root / f"{name}-v{version}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cached_file(name: str, version: str | int, filename: str, build: Callable[[Path], None]) -> Path:
    """``filename`` in ``cache_dir(name, version)``, built once by ``build(path)``."""
    folder = cache_dir(name, version)
    final = folder / filename
    if final.exists():
        return final
    partial = folder / f".building-{os.getpid()}-{filename}"
    for stale in folder.glob(f".building-*-{filename}*"):
        stale.unlink()
    t = time.perf_counter()
    build(partial)
    for suffix in ("-wal", "-shm", "-journal"):  # a database built there: nothing left beside it
        side = partial.with_name(partial.name + suffix)
        if side.exists() and side.stat().st_size == 0:
            side.unlink()
    os.replace(partial, final)
    note(f"built {final} in {time.perf_counter() - t:.1f} s; kept for the next run")
    return final


def copy_of(path: Path, into: Path) -> Path:
    """A fresh copy of a cached desk (a write bench must not change the cache)."""
    into.mkdir(parents=True, exist_ok=True)
    target = into / path.name
    shutil.copyfile(path, target)
    return target


# -- the in-process result of older benches (diagnostic figures and absolute checks) -------
@dataclass
class Result:
    name: str
    value: float
    reference: float
    unit: str
    budget: float | None  # the ratio must be <= budget; None: reported only

    @property
    def ratio(self) -> float:
        return self.value / self.reference if self.reference else float("inf")

    @property
    def ok(self) -> bool:
        return self.budget is None or self.ratio <= self.budget

    def line(self) -> str:
        budget = f"budget <= {self.budget:g}x" if self.budget is not None else "no budget (reported)"
        verdict = "" if self.budget is None else ("PASS" if self.ok else "FAIL")
        return (
            f"{self.name}: {self.value:.4g} {self.unit} vs reference {self.reference:.4g} {self.unit} = {self.ratio:.2f}x ({budget}) {verdict}"
        ).rstrip()


def median_time(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)
