"""The keys seen so far in an import, to find the ones a file repeats.

Up to ``limit`` keys live in a dict; past that they move to a private
temporary SQLite database on disk (deleted when closed), whose page cache is
bounded, so a file of any length is checked in flat memory.  Keys are added a
batch at a time, which keeps the disk case to a few statements per batch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

DEFAULT_LIMIT = 200_000
_CHUNK = 500  # parameters per IN (...): well under every SQLite's limit


class KeyLedger:
    def __init__(self, limit: int | None = None) -> None:
        self.limit = DEFAULT_LIMIT if limit is None else limit
        self._mem: dict[str, int] | None = {}
        self._db: sqlite3.Connection | None = None

    @property
    def on_disk(self) -> bool:
        return self._db is not None

    def add(self, batch: dict[str, int]) -> list[tuple[str, int]]:
        """Add a batch of {key: row}; return (key, earlier row) for each key
        already seen in an earlier batch (those keep their first row)."""
        if self._mem is not None:
            mem = self._mem
            repeats = [(k, mem[k]) for k in batch.keys() & mem.keys()]
            if repeats:
                mem.update((k, v) for k, v in batch.items() if k not in mem)
            else:
                mem.update(batch)
            if len(mem) > self.limit:
                self._spill()
            return sorted(repeats, key=lambda kv: batch[kv[0]])
        repeats = self._earlier(batch)
        seen = {k for k, _row in repeats}
        fresh = [(k, v) for k, v in batch.items() if k not in seen] if seen else batch.items()
        self._insert(fresh)
        return sorted(repeats, key=lambda kv: batch[kv[0]])

    def __contains__(self, key: str) -> bool:
        if self._mem is not None:
            return key in self._mem
        assert self._db is not None
        return self._db.execute("SELECT 1 FROM k WHERE key = ?", (key,)).fetchone() is not None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._mem = {}

    def _spill(self) -> None:
        db = sqlite3.connect("", isolation_level=None)  # "" = private, temporary, on disk
        db.execute("PRAGMA cache_size = -8192")  # 8 MiB of pages at most
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE k (key TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID")
        mem, self._db, self._mem = self._mem, db, None
        assert mem is not None
        self._insert(mem.items())

    def _insert(self, items: Iterable[tuple[str, int]]) -> None:
        assert self._db is not None
        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO k (key, row) VALUES (?, ?)", items)
        self._db.execute("COMMIT")

    def _earlier(self, keys: Iterable[str]) -> list[tuple[str, int]]:
        assert self._db is not None
        found: list[tuple[str, int]] = []
        keys = list(keys)
        for i in range(0, len(keys), _CHUNK):
            part = keys[i : i + _CHUNK]
            found += self._db.execute(f"SELECT key, row FROM k WHERE key IN ({', '.join('?' * len(part))})", part).fetchall()
        return found
