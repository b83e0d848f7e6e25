"""Run every benchmark, each in a fresh process (so one does not warm or
litter the next), print each ratio, and exit 1 if a budget is broken."""

from __future__ import annotations

import subprocess
import sys

MODULES = ("bench.startup", "bench.writes", "bench.console", "bench.imports", "bench.reports", "bench.kpi")


def main() -> int:
    failed = 0
    for module in MODULES:
        proc = subprocess.run([sys.executable, "-m", module], stdin=subprocess.DEVNULL)
        failed += proc.returncode != 0
    print(f"{len(MODULES) - failed} benchmark groups within budget, {failed} over budget or failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
