"""Run every benchmark; print each ratio; exit 1 if a budget is broken."""

from __future__ import annotations

import sys

from bench import console, startup, writes


def main() -> int:
    results = []
    for module in (startup, writes, console):
        out = module.run()
        for result in out if isinstance(out, list) else [out]:
            print(result.line(), flush=True)
            results.append(result)
    failed = [r for r in results if not r.ok]
    print(f"{len(results) - len(failed)} within budget, {len(failed)} over budget")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
