"""`dutydesk backup FILE` and `dutydesk restore FILE`: keep the desk.

A backup is SQLite's online backup (``sqlite3.Connection.backup``): a
consistent copy of the desk as of one moment, the acknowledged writes still in
its ``-wal`` included, while consoles keep writing.  A plain ``cp`` of the desk
file during a shift misses whatever is still in the ``-wal`` and may still look
intact.  The copy is one self-contained file (rollback journal), 0600, checked
(``integrity_check``, and the journal as ``audit verify`` checks it) before it
takes its name.

A restore checks the file the same way (a SQLite database, a dutydesk desk of
a schema this version knows, intact pages, a journal that verifies), copies it
beside the desk, sets the old desk aside under a timestamped name and moves the
copy in.  It refuses while anything holds the desk open.

Both are for a desk in a SQLite file; a PostgreSQL desk has its own tools
(``pg_dump``, ``pg_restore``).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import typer

from dutydesk.commands.common import _state
from dutydesk.errors import Refused
from dutydesk.i18n import _

LOCK_TIMEOUT_S = 2.0


@dataclass
class Checked:
    entries: int
    desk_id: str
    revision: str | None


def _desk_file(ctx: typer.Context, *, must_exist: bool = True) -> tuple[str, Path]:
    from dutydesk.db import _parse, _sqlite_path, probe_desk

    url = _state(ctx).settings().db_url
    parsed = _parse(url)
    path = _sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
    if path is None:
        raise Refused("db", _("backup and restore work on a desk in a SQLite file; for PostgreSQL use its own tools (pg_dump, pg_restore)"))
    if must_exist or path.exists():
        probe_desk(url)  # no desk there: exit 3, creating nothing
    return url, path


def _ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=10)


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup of ``source`` into the (empty) file ``target``,
    made one self-contained file."""
    src = sqlite3.connect(f"file:{quote(str(source.resolve()))}?mode=rw", uri=True, timeout=10)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # all pages in one step: one consistent moment, writers go on meanwhile
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def check_copy(path: Path, shown: str, *, field: str = "file") -> Checked:
    """Refuse ``path`` unless it is an intact dutydesk desk whose journal verifies."""
    from sqlalchemy import create_engine

    from dutydesk.db import MIGRATIONS_DIR
    from dutydesk.desk import Desk

    try:
        with open(path, "rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise Refused(field, _("cannot read {file}: {error}").format(file=shown, error=exc.strerror)) from None
    if header != b"SQLite format 3\x00":
        raise Refused(field, _("{file} is not a SQLite database").format(file=shown))
    con = _ro(path)
    try:
        problems = [row[0] for row in con.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise Refused(field, _("{file} is damaged (integrity check: {problem})").format(file=shown, problem=problems[0]))
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "deskmeta" not in tables or "journalentry" not in tables:
            raise Refused(field, _("{file} is not a dutydesk desk").format(file=shown))
        row = con.execute("SELECT value FROM deskmeta WHERE key = 'desk_id'").fetchone()
        if row is None:
            raise Refused(field, _("{file} is not a dutydesk desk (never initialised)").format(file=shown))
        desk_id = str(row[0])
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables else None
        revision = revision[0] if revision else None
    except sqlite3.DatabaseError as exc:
        raise Refused(field, _("{file} cannot be read as a desk: {error}").format(file=shown, error=exc)) from None
    finally:
        con.close()
    known = {p.stem for p in (MIGRATIONS_DIR / "versions").glob("*.py")}
    if revision is not None and revision not in known:
        raise Refused(field, _("{file} is a desk from a newer dutydesk (schema {rev})").format(file=shown, rev=revision))
    engine = create_engine(f"sqlite:///file:{quote(str(path.resolve()))}?mode=ro&uri=true")
    try:
        verdict = Desk(engine, actor="backup").verify_journal()
    finally:
        engine.dispose()
    if not getattr(verdict, "ok", False):
        raise Refused(field, _("{file}: the journal does not verify: {reason}").format(file=shown, reason=getattr(verdict, "reason", "") or verdict))
    return Checked(getattr(verdict, "count", 0), desk_id, revision)


def run_backup(ctx: typer.Context, file: Path, force: bool) -> None:
    from dutydesk import log
    from dutydesk.files import check_output, move_in, protect, temp_beside

    _url, desk = _desk_file(ctx)
    protect(desk)
    target = check_output(file, force=force, field="file", backup=True)
    tmp = temp_beside(target, field="file")
    try:
        _copy(desk, tmp)
        checked = check_copy(tmp, str(target))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        move_in(tmp, target, force=force, field="file", backup=True)
    except sqlite3.Error as exc:
        raise Refused("file", _("cannot copy the desk to {file}: {error}").format(file=target, error=exc)) from None
    except OSError as exc:
        raise Refused("file", _("cannot write {file}: {error}").format(file=target, error=exc.strerror)) from None
    finally:
        tmp.unlink(missing_ok=True)
    log.event("dutydesk backup", "backup written: %s entries=%d", str(target), checked.entries)
    typer.echo(
        _("Backup of {desk} written to {file}: {n} journal entries, checked (pages intact, journal verified).").format(
            desk=desk, file=target, n=checked.entries
        )
    )


def run_restore(ctx: typer.Context, file: Path) -> None:
    from dutydesk import log
    from dutydesk.clock import SystemClock
    from dutydesk.timefmt import to_local

    _url, desk = _desk_file(ctx, must_exist=False)
    if not file.is_file():
        raise Refused("file", _("{file}: no such file").format(file=file))
    if desk.exists() and os.path.samefile(file, desk):
        raise Refused("file", _("{file} is the desk itself").format(file=file))
    checked = check_copy(file, str(file))  # refuse before anything is copied or moved
    from dutydesk.files import private_dir, temp_beside

    private_dir(desk.parent, field="db")
    tmp = temp_beside(desk, field="db")
    try:
        _copy(file, tmp)
        check_copy(tmp, str(file))  # the copy as it will be used
        aside = None
        if desk.exists():
            _quiesce(desk)
            stamp = to_local(SystemClock().now()).strftime("%Y%m%d-%H%M%S")
            aside = desk.with_name(f"{desk.name}.before-restore-{stamp}")
            n = 1
            while aside.exists():
                n += 1
                aside = desk.with_name(f"{desk.name}.before-restore-{stamp}-{n}")
            os.rename(desk, aside)
            os.chmod(aside, os.stat(aside).st_mode & 0o600)  # private, whatever it was
        os.rename(tmp, desk)
        _sync_dir(desk.parent)
    except sqlite3.Error as exc:
        raise Refused("file", _("cannot copy {file}: {error}").format(file=file, error=exc)) from None
    except OSError as exc:
        raise Refused("db", _("cannot put the copy in place at {path}: {error}").format(path=desk, error=exc.strerror)) from None
    finally:
        tmp.unlink(missing_ok=True)
    log.event(
        "dutydesk restore", "desk restored: %s from %s entries=%d aside=%s", str(desk), str(file), checked.entries, str(aside) if aside else "-"
    )
    typer.echo(_("Desk at {desk} restored from {file}: {n} journal entries, verified.").format(desk=desk, file=file, n=checked.entries))
    if aside is not None:
        typer.echo(_("The desk it replaced is kept at {path}.").format(path=aside))


def _quiesce(desk: Path) -> None:
    """Make sure nothing holds the desk open, and fold its -wal into it, so
    that the file set aside is complete and no -wal is left to be read with
    the restored file.  Refused while a console or a command has it open."""
    con = sqlite3.connect(desk, timeout=LOCK_TIMEOUT_S, isolation_level=None)
    try:
        con.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            con.execute("BEGIN EXCLUSIVE")
            con.execute("COMMIT")
        except sqlite3.OperationalError:
            raise Refused("db", _("the desk is open in a console or another command; close them, then restore (nothing was changed)")) from None
        busy, _log, _done = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise Refused("db", _("the desk is in use; close every console, then restore (nothing was changed)"))
    finally:
        con.close()
    wal = Path(f"{desk}-wal")
    if wal.exists() and wal.stat().st_size:
        raise Refused("db", _("the desk's -wal could not be folded in; close every console, then restore (nothing was changed)"))
    for side in (wal, Path(f"{desk}-shm")):
        side.unlink(missing_ok=True)  # empty once the desk is closed everywhere


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
