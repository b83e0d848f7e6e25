"""The problems an import finds, in row order.

The first ``keep`` stay in memory (they are what a person reads); past that,
every problem goes to a private temporary SQLite file on disk, which also
sorts them, so a file where every row is wrong is checked in flat memory and
``--errors FILE`` still gets every rejected row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as _field  # the dataclass below has a field named field

KEEP = 1000


@dataclass
class ImportProblem:
    row: int
    field: str
    problem: str
    record: dict[str, str] = _field(default_factory=dict)


class ProblemLog:
    def __init__(self, keep: int | None = None) -> None:
        self.keep = KEEP if keep is None else keep
        self.count = 0
        self.columns: dict[str, None] = {}  # every column of a rejected record, in first-seen order
        self._mem: list[ImportProblem] = []
        self._pending: list[tuple[int, int, str, str, str]] = []
        self._db: sqlite3.Connection | None = None

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, p: ImportProblem) -> None:
        self.count += 1
        for h in p.record:
            if h not in self.columns:
                self.columns[h] = None
        if self._db is None:
            self._mem.append(p)
            if len(self._mem) > self.keep:
                self._spill()
            return
        self._pending.append((p.row, self.count, p.field, p.problem, json.dumps(p.record, ensure_ascii=False)))
        if len(self._pending) >= 2000:
            self._flush()

    def first(self) -> list[ImportProblem]:
        """The first ``keep`` problems by row."""
        if self._db is None:
            return sorted(self._mem, key=lambda p: p.row)
        return list(self._query(f"LIMIT {int(self.keep)}"))

    def __iter__(self) -> Iterator[ImportProblem]:
        """Every problem, by row."""
        if self._db is None:
            return iter(sorted(self._mem, key=lambda p: p.row))
        return self._query("")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._mem, self._pending, self.count = [], [], 0

    def _spill(self) -> None:
        db = sqlite3.connect("", isolation_level=None)  # "" = private, temporary, on disk
        db.execute("PRAGMA cache_size = -4096")
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("CREATE TABLE p (row INTEGER, seq INTEGER, field TEXT, problem TEXT, record TEXT)")
        self._db = db
        self._pending = [(p.row, i, p.field, p.problem, json.dumps(p.record, ensure_ascii=False)) for i, p in enumerate(self._mem, start=1)]
        self._mem = []
        self._flush()

    def _flush(self) -> None:
        assert self._db is not None
        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?)", self._pending)
        self._db.execute("COMMIT")
        self._pending = []

    def _query(self, limit: str) -> Iterator[ImportProblem]:
        assert self._db is not None
        if self._pending:
            self._flush()
        for row, _seq, fld, problem, record in self._db.execute(f"SELECT row, seq, field, problem, record FROM p ORDER BY row, seq {limit}"):
            yield ImportProblem(row, fld, problem, json.loads(record))
