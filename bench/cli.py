"""The CLI as a script meets it: cold processes of `.venv/bin/dutydesk`, each
pair against `python -c "import typer"` launched the same way (issue 15):

* `dutydesk --help` (budget 1.5x);
* a read command, `incident list --json`, on the demo desk (budget 3x);
* a write command, `incident note`, on a copy of the demo desk (budget 4x;
  the light writer, dutydesk/lightwrite.py).

Diagnostics (not budgets): the import time of the read and the write
commands' modules (`-X importtime`, the slowest) and whether SQLAlchemy,
SQLModel, pydantic or Alembic were loaded on their paths.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bench import desks
from bench.common import PAIRS, bench_env, note, paired, python, report, run

PAIRS_CHEAP = max(PAIRS, int(os.environ.get("BENCH_CLI_PAIRS", "15")))


def _typer() -> float:
    return run(python("-c", "import typer")).seconds


def _imports(home: Path, *args: str) -> None:
    env = bench_env(home)
    cmd = [sys.executable, "-X", "importtime", "-m", "dutydesk", "--db", desks.desk_url(home), "--actor", "DC1", *args]
    r = run(cmd, env=env)
    rows = []
    for line in r.stderr.decode(errors="replace").splitlines():
        parts = [p.strip() for p in line.replace("import time:", "", 1).split("|")]
        if line.startswith("import time:") and len(parts) == 3 and parts[1].isdigit():
            rows.append((int(parts[1]), parts[2]))
    names = {n for _c, n in rows}
    heavy = [m for m in ("sqlalchemy", "sqlmodel", "pydantic", "textual", "rich", "alembic") if m in names]
    top = ", ".join(f"{n} {c / 1000:.0f} ms" for c, n in sorted(rows, reverse=True)[:8])
    note(f"{' '.join(a for a in args if ' ' not in a)} imports {len(rows)} modules; heavy ones loaded: {heavy or 'none'}; slowest: {top}")


def run_all() -> list:
    home = desks.demo_home()
    env = bench_env(home)
    results = []
    results.append(
        paired(
            "dutydesk --help vs python -c 'import typer'",
            lambda: run(desks.cli(home, "--help"), env=env).seconds,
            _typer,
            budget=1.5,
            pairs=PAIRS_CHEAP,
        )
    )
    results.append(
        paired(
            "read: incident list --json (demo desk) vs python -c 'import typer'",
            lambda: run(desks.cli(home, "incident", "list", "--json"), env=env).seconds,
            _typer,
            budget=3.0,
            pairs=PAIRS_CHEAP,
        )
    )
    _imports(home, "incident", "list", "--json")
    with tempfile.TemporaryDirectory() as tmp:
        copy = desks.copy_home(home, Path(tmp))
        cenv = bench_env(copy)
        n = iter(range(10_000))
        results.append(
            paired(
                "write: incident note (demo desk) vs python -c 'import typer'",
                lambda: run(desks.cli(copy, "incident", "note", "11", f"bench note {next(n)}"), env=cenv).seconds,
                _typer,
                budget=4.0,
                pairs=PAIRS_CHEAP,
            )
        )
        _imports(copy, "incident", "note", "11", "bench note (imports)")
        check = run(desks.cli(copy, "audit", "verify"), env=cenv, check=False)
        note(f"after the write bench: audit verify exit {check.returncode}")
        if check.returncode != 0:
            print(f"write bench: the journal does not verify after the notes: {check.stderr.decode(errors='replace')}")
            return results + [_Failed("write bench: audit verify after the notes")]
    return results


class _Failed:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ok = False

    def line(self) -> str:
        return f"{self.name}: FAIL"


if __name__ == "__main__":
    sys.exit(report(run_all()))
