"""`dutydesk --help` start-up against `python -c "import typer"`, same interpreter, same run."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Result

REPEAT = int(os.environ.get("BENCH_STARTUP_REPEAT", "21"))


def _time(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def run() -> Result:
    exe = Path(sys.executable).parent / "dutydesk"
    cli = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "dutydesk", "--help"]
    ref = [sys.executable, "-c", "import typer"]
    a, b = [], []
    for cmd in (cli, ref):  # warm the file cache
        _time(cmd)
    for _ in range(REPEAT):  # interleaved, so load on the machine hits both alike
        a.append(_time(cli))
        b.append(_time(ref))
    return Result("dutydesk --help start-up", statistics.median(a) * 1000, statistics.median(b) * 1000, "ms", 1.5)


if __name__ == "__main__":
    import sys

    from bench.common import report

    sys.exit(report(run()))
