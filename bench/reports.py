"""The shift report from the CLI (issue 15): one shift with 2 000+ journal
entries (bench/desks.py), `dutydesk report shift` as a cold process:

* text and HTML, each paired with the read command `incident list --json` on
  the same desk launched the same way: median ratio <= 3x;
* PDF (`-o FILE`): median of the whole process <= 5 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench import common, desks


def run() -> list:
    home = desks.shift_home()
    env = common.bench_env(home)
    read = desks.cli(home, "incident", "list", "--json")

    def read_cmd() -> float:
        return common.run(read, env=env).seconds

    results: list = []
    entries = common.run(desks.cli(home, "report", "shift", "--format", "json"), env=env).stdout.count(b'"seq"')
    common.note(f"the shift report lists {entries} journal entries")
    for fmt in ("text", "html"):
        cmd = desks.cli(home, "report", "shift", "--format", fmt)
        results.append(
            common.paired(
                f"shift report ({entries} journal entries), {fmt}, from the CLI vs incident list --json",
                lambda: common.run(cmd, env=env).seconds,
                read_cmd,
                budget=3.0,
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "shift.pdf"
        pdf = desks.cli(home, "report", "shift", "--format", "pdf", "-o", str(out), "--force")
        results.append(
            common.absolute(
                f"shift report ({entries} journal entries), PDF, whole CLI process",
                lambda: common.run(pdf, env=env).seconds,
                limit=5.0,
                pairs=3,
                warmup=1,
            )
        )
        assert out.stat().st_size > 1000
    return results


if __name__ == "__main__":
    t0 = time.perf_counter()
    code = common.report(run())
    print(f"  (reports bench took {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    sys.exit(code)
