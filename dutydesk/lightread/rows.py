"""The light reader's ground: the desk file's URL, times as SQLAlchemy writes
and reads them on SQLite, ``IN`` lists in chunks, and the base every part of
``LightDesk`` shares (one ``sqlite3`` connection, read-only, under a lock)."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from dutydesk.clock import Clock, SystemClock
from dutydesk.sqlitefile import stored_time

if TYPE_CHECKING:
    from dutydesk.lightread.playbooks import LightKind, LightPlaybooks

UTC = timezone.utc


def _dt(value: str | None) -> datetime | None:
    """A DATETIME column as SQLAlchemy's UTCDateTime reads it: aware, in UTC."""
    return None if value is None else stored_time(value)


def _chunks(items: list[Any], n: int = 500) -> Iterable[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


_at = stored_time  # a NOT NULL DATETIME column, as ``_dt``


class LightBase:
    """One read-only ``sqlite3`` connection (rows as ``sqlite3.Row``), the
    playbooks' words, the clock and who reads; every read holds ``lock`` (the
    console's threads share the connection)."""

    def __init__(self, con: sqlite3.Connection, playbooks: LightPlaybooks, clock: Clock | None = None, actor: str = "console") -> None:
        self.con = con
        self.playbooks = playbooks
        self.clock: Clock = clock or SystemClock()
        self.actor = actor
        self.lock = threading.RLock()  # one connection, shared by the console's threads

    def close(self) -> None:
        with self.lock:
            self.con.close()

    def kind_or_none(self, key: str) -> LightKind | None:
        return self.playbooks.kinds.get(key)


B = TypeVar("B", bound=LightBase)
P = ParamSpec("P")
R = TypeVar("R")


def _locked(fn: Callable[Concatenate[B, P], R]) -> Callable[Concatenate[B, P], R]:
    """A read that holds the connection's lock."""

    def wrapper(self: B, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.lock:
            return fn(self, *args, **kwargs)

    functools.update_wrapper(wrapper, fn)
    return wrapper
