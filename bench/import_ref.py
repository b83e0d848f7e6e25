"""The reference of the import bench: plain `csv` + `sqlite3.executemany` of the
same staff rows into the same table of a copy of the same desk (its unique
call-sign index and its foreign key to unit, checked: foreign_keys=ON), with
the desk's settings (WAL, synchronous=FULL), in one transaction, as a cold
process: `python bench/import_ref.py DESK.sqlite staff.csv`."""

from __future__ import annotations

import csv
import sqlite3
import sys


def main(db: str, path: str) -> int:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA foreign_keys=ON")
    units = dict(con.execute("SELECT code, id FROM unit"))
    with open(path, encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        next(rows)
        con.execute("BEGIN IMMEDIATE")
        con.executemany(
            "INSERT INTO staff (callsign, name, unit_id, post, active) VALUES (?, ?, ?, ?, 1)",
            ((callsign, name, units[unit], post) for callsign, name, unit, post in rows),
        )
        con.execute("COMMIT")
    n = con.execute("SELECT count(*) FROM staff").fetchone()[0]
    con.close()
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
