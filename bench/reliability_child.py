"""A writer for the reliability harness (bench.reliability), run as its own process.

    python -m bench.reliability_child notes DB_URL INCIDENT ACTOR [--min N] [--until FILE] [--pause MS]

Adds notes to INCIDENT through the desk's one write path, one transaction
each, and prints one line per note only after its commit returned:

    ok ID START WAIT      (START: time.monotonic() when the write began; WAIT: seconds it took)
    locked MESSAGE        (the desk stayed locked: the refusal a user would see)
    error KIND MESSAGE    (anything else)

It stops after N notes, or, with --until, once FILE exists and N are done
(without --min and --until: until killed).  CLOCK_MONOTONIC is system-wide on
Linux, so the parent compares START with its own times.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path


def notes(db_url: str, incident: int, actor: str, at_least: int | None, until: Path | None, pause_ms: int) -> int:
    from dutydesk.desk import Desk
    from dutydesk.errors import DeskBusy, DeskError

    desk = Desk.open(db_url, actor=actor, create=False)
    done = 0
    rng = random.Random()
    while True:
        if at_least is not None and done >= at_least and (until is None or until.exists()):
            break
        start = time.monotonic()
        try:
            note = desk.add_note(incident, f"reliability note {done} by {actor}")
        except DeskBusy as exc:
            print(f"locked {exc}", flush=True)
        except DeskError as exc:
            print(f"error {type(exc).__name__} {exc}", flush=True)
        except Exception as exc:  # noqa: BLE001 - counted by the parent as an internal error, never hidden
            print(f"error {type(exc).__name__} {str(exc).splitlines()[0] if str(exc) else ''}", flush=True)
        else:
            print(f"ok {note.id} {start:.6f} {time.monotonic() - start:.6f}", flush=True)
        done += 1
        if pause_ms:
            time.sleep(rng.uniform(0, pause_ms) / 1000)
    desk.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.reliability_child")
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("notes")
    p.add_argument("db_url")
    p.add_argument("incident", type=int)
    p.add_argument("actor")
    p.add_argument("--min", type=int, default=None)
    p.add_argument("--until", type=Path, default=None)
    p.add_argument("--pause", type=int, default=0, help="up to this many ms between notes (random)")
    args = parser.parse_args(argv)
    return notes(args.db_url, args.incident, args.actor, args.min, args.until, args.pause)


if __name__ == "__main__":
    sys.exit(main())
