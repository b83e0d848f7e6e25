"""The staff import's one rule set, without a driver: which checked rows are
new, unchanged, differing or updated.  ``dutydesk.bulk.import_staff`` (the
SQLAlchemy session) and ``dutydesk.lightimport`` (sqlite3) both call
:func:`apply_staff` with their own statements, so the two paths cannot drift."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

STAFF_COLUMNS = ("callsign", "name", "unit_id", "post", "active")
CHUNK = 5000  # rows looked up and written together


def chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of at most ``size`` items, in order (for IN (...) lists and batches)."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def apply_staff(
    rows: Iterable[dict[str, str]],
    update: bool,
    *,
    unit_ids: dict[str, int | None],
    had_staff: bool,
    existing: Callable[[list[str]], dict[str, tuple[Any, ...]]],
    insert: Callable[[list[tuple[Any, ...]]], None],
    change: Callable[[list[dict[str, Any]]], None],
) -> tuple[int, int, int, int]:
    """Write checked staff rows; (inserted, updated, unchanged, differing-but-left).
    ``unit_ids``: {unit code: id} with ``""`` -> None; ``existing(callsigns)``:
    {callsign: (id, name, unit_id, post)} of those already on the desk (asked
    only when ``had_staff``); ``insert`` takes ``STAFF_COLUMNS`` tuples;
    ``change`` takes {b_id, name, unit_id, post} dicts."""
    inserted = updated = unchanged = differs = 0
    for chunk in chunks(rows, CHUNK):
        found = existing([r["callsign"] for r in chunk]) if had_staff else {}
        new = [(r["callsign"], r["name"], unit_ids[r.get("unit", "")], r.get("post", ""), True) for r in chunk if r["callsign"] not in found]
        if new:
            insert(new)
            inserted += len(new)
        changed = []
        for r in chunk if found else ():
            old = found.get(r["callsign"])
            if old is None:
                continue
            sid, old_name, old_unit, old_post = old
            name, unit_id, post = r["name"], unit_ids[r.get("unit", "")], r.get("post", "")
            if (old_name, old_unit, old_post) == (name, unit_id, post):
                unchanged += 1
            elif update:
                changed.append({"b_id": sid, "name": name, "unit_id": unit_id, "post": post})
            else:
                differs += 1
        if changed:
            change(changed)
            updated += len(changed)
    return inserted, updated, unchanged, differs
