"""Run every benchmark, each in a fresh process (so one does not warm or
litter the next), print each ratio (medians of paired cold processes, with
min and max: bench/common.py) and the load average before each group, and
exit 1 if a budget is broken.  Generated desks are kept between runs
($BENCH_CACHE, default <tmp>/dutydesk-bench-<uid>; bench/desks.py)."""

from __future__ import annotations

import subprocess
import sys

MODULES = ("bench.cli", "bench.writes", "bench.console", "bench.imports", "bench.reports", "bench.kpi", "bench.alarms")


def main() -> int:
    import os

    failed = 0
    for module in MODULES:
        one, five, fifteen = os.getloadavg()
        print(f"== {module} (load {one:.2f} {five:.2f} {fifteen:.2f}, {os.cpu_count()} CPUs)", flush=True)
        proc = subprocess.run([sys.executable, "-m", module], stdin=subprocess.DEVNULL)
        failed += proc.returncode != 0
    print(f"{len(MODULES) - failed} benchmark groups within budget, {failed} over budget or failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
