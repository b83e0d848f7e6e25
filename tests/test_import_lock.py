"""A long import does not block other writers (issue 11, defect 7).

An import reads and checks the whole file first, with no write lock held
(good rows go to a private spool on disk); only then does it take the lock,
to write from the spool in one transaction.  A key another writer added
meanwhile is looked at again inside the write."""

from __future__ import annotations

import csv
import errno
import threading
import time

import pytest

import dutydesk.importing as importing
from dutydesk import bulk
from dutydesk.desk import Desk
from dutydesk.errors import Refused
from dutydesk.importing import run_import

ROWS = 6000  # three batches of 2000


def staff_csv(path, n=ROWS, start=0):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["callsign", "name", "unit", "post"])
        for i in range(start, start + n):
            w.writerow([f"P{i:06d}", f"Officer {i}", "PS1", "patrol"])
    return path


@pytest.fixture
def other(db_url, clock, desk):
    """A second writer on the same desk file, with its own connections."""
    d = Desk.open(db_url, clock=clock, actor="DC2")
    yield d
    d.close()


def _during_first_check(action, wait=3.0):
    """An ``on_row`` callback that, at the first batch checked, runs
    ``action`` in another thread and waits up to ``wait`` seconds for it.
    Returns (callback, outcome): outcome["done"] says whether it finished in time."""
    outcome: dict = {"done": False, "calls": 0, "error": None}

    def run() -> None:
        try:
            outcome["value"] = action()
        except Exception as exc:  # reported by the test's assertion, not swallowed
            outcome["error"] = exc

    def on_row(_n: int) -> None:
        outcome["calls"] += 1
        if outcome["calls"] == 1:
            t = threading.Thread(target=run)
            t0 = time.monotonic()
            t.start()
            t.join(wait)
            outcome["done"] = not t.is_alive()
            outcome["waited"] = time.monotonic() - t0
            outcome["thread"] = t

    return on_row, outcome


def test_a_note_is_written_while_the_import_checks_its_file(desk, other, tmp_path):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Gate", level="C")
    path = staff_csv(tmp_path / "staff.csv")
    on_row, outcome = _during_first_check(lambda: other.add_note(inc.id, "crowd calmer"))
    result = run_import(desk, "staff", str(path), on_row=on_row)
    outcome["thread"].join(60)
    assert outcome["error"] is None, outcome["error"]
    assert outcome["done"], "the note waited for the import's write lock while the file was being checked"
    assert outcome["waited"] < 2
    assert result.written and result.inserted == ROWS
    actions = [e.action for e in desk.journal_entries()]
    assert actions[-2:] == ["incident.note", "import.staff"]  # the note committed first


def test_the_write_lock_is_taken_only_after_the_whole_file_is_checked(desk, tmp_path, monkeypatch):
    path = staff_csv(tmp_path / "staff.csv")
    events: list[str] = []
    real = bulk.APPLY["staff"]

    def apply(*args, **kwargs):
        events.append("write")
        return real(*args, **kwargs)

    monkeypatch.setitem(bulk.APPLY, "staff", apply)
    result = run_import(desk, "staff", str(path), on_row=lambda n: events.append(f"checked {n}"))
    assert result.written and result.inserted == ROWS
    assert events == ["checked 2000", "checked 4000", "checked 6000", "write"]


def test_a_key_added_meanwhile_is_looked_at_again_in_the_write(desk, other, tmp_path):
    path = staff_csv(tmp_path / "staff.csv")
    on_row, outcome = _during_first_check(lambda: other.add_staff("P000005", "Someone Else", "PS2"))
    result = run_import(desk, "staff", str(path), on_row=on_row)
    outcome["thread"].join(60)
    assert outcome["error"] is None and outcome["done"]
    assert (result.inserted, result.differs, result.unchanged) == (ROWS - 1, 1, 0)
    staff = {s.callsign: s for s in desk.list_staff()}
    assert staff["P000005"].name == "Someone Else"  # the other writer's record stands
    assert desk.verify_journal().ok


def test_dry_run_checks_and_counts_without_a_write(desk, other, tmp_path):
    path = staff_csv(tmp_path / "staff.csv", n=10)
    head = desk.journal_head()
    r = run_import(desk, "staff", str(path), dry_run=True)
    assert (r.inserted, r.written) == (10, False)
    assert desk.journal_head() == head and len(desk.list_staff()) == 3


def test_a_spool_that_cannot_be_written_is_a_one_line_refusal(desk, tmp_path, monkeypatch):
    path = staff_csv(tmp_path / "staff.csv", n=10)
    head = desk.journal_head()

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(importing._Spool, "add", full)
    with pytest.raises(Refused) as exc:
        run_import(desk, "staff", str(path))
    assert exc.value.field == "file" and "No space left on device" in exc.value.message
    assert desk.journal_head() == head and len(desk.list_staff()) == 3


def test_the_spool_is_read_again_when_the_write_is_retried(desk, tmp_path, monkeypatch):
    """A locked desk retries the write from the top: the rows come again from the spool."""
    from sqlalchemy.exc import OperationalError

    path = staff_csv(tmp_path / "staff.csv", n=2500)
    real = bulk.APPLY["staff"]
    calls = []

    def apply(desk_, s, now, rows, update):
        calls.append(1)
        if len(calls) == 1:
            list(rows)  # the first attempt reads the spool, then finds the desk locked
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(desk_, s, now, rows, update)

    monkeypatch.setitem(bulk.APPLY, "staff", apply)
    r = run_import(desk, "staff", str(path))
    assert len(calls) == 2 and r.inserted == 2500 and len(desk.list_staff()) == 2503


def test_memory_rows_are_spooled_not_kept(desk, tmp_path, monkeypatch):
    """Pass 1 keeps no list of good rows: they go to the spool a batch at a time."""
    monkeypatch.setattr(importing, "BATCH", 100)
    added = []
    real = importing._Spool.add

    def add(self, batch):
        added.append(len(batch))
        return real(self, batch)

    monkeypatch.setattr(importing._Spool, "add", add)
    r = run_import(desk, "staff", str(staff_csv(tmp_path / "s.csv", n=450)))
    assert r.inserted == 450 and added == [100, 100, 100, 100, 50]


def test_a_collision_in_the_write_is_a_one_line_refusal(desk, tmp_path, monkeypatch):
    """Should a unique key collide in the write after all (another writer's
    row the lookups did not see), the import is refused in one line, naming
    the constraint, and nothing is written."""
    from sqlalchemy.exc import IntegrityError

    path = staff_csv(tmp_path / "staff.csv", n=10)
    head = desk.journal_head()

    def collide(*_a, **_k):
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: staff.callsign"))

    monkeypatch.setitem(bulk.APPLY, "staff", collide)
    with pytest.raises(Refused) as exc:
        run_import(desk, "staff", str(path))
    assert exc.value.field == "file" and "UNIQUE constraint failed: staff.callsign" in exc.value.message
    assert "\n" not in str(exc.value) and desk.journal_head() == head
