"""Engine and schema.

SQLite: WAL, foreign keys, a busy timeout, synchronous=FULL; write transactions
start with ``BEGIN IMMEDIATE`` so two writers queue instead of deadlocking.
PostgreSQL: write transactions take one advisory lock, the same effect.
The schema upgrades itself (Alembic) when a desk is opened.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, ProgrammingError

from dutydesk import revision, writerules
from dutydesk.errors import DeskBusy, DeskUnavailable, NoDesk, Refused
from dutydesk.files import private_dir, protect
from dutydesk.i18n import _

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration (dutydesk/revision.py); a desk already at it is opened without loading Alembic.
HEAD_REVISION = revision.HEAD_REVISION
BUSY_TIMEOUT_MS = writerules.BUSY_TIMEOUT_MS  # one value: the light writer waits as long
WRITE_LOCK_KEY = 0x64757479  # "duty": the advisory lock on a shared PostgreSQL desk


def not_a_url(url: str) -> str:
    """The refusal of an address that is not a database URL, with one to type: a
    plain path made into its absolute ``sqlite:////…`` URL (four slashes), else an
    absolute example (``sqlite:///path`` would be relative to the current folder)."""
    if url and not any(c in url for c in ":@"):  # a path (never a user:password@host mistyped: no secret is echoed)
        return _("'{url}' is not a database URL; for this file give sqlite:///{path}").format(url=url, path=Path(url).expanduser().absolute())
    return _("'{url}' is not a database URL (e.g. sqlite:////srv/duty/desk.sqlite)").format(url=url)


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise DeskUnavailable("db", not_a_url(url)) from None


def _sqlite_path(parsed: URL) -> Path | None:
    """The file of a SQLite URL; ``None`` for an in-memory or ``file:`` URI database."""
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def make_engine(url: str) -> Engine:
    """An engine for ``url``.  A SQLite file that does not exist yet is created
    here, private to its owner (0600; SQLite gives its -wal and -shm files the
    same mode): only ``Desk.open`` with ``create=True`` gets this far for a new file."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        if path is not None and not path.exists():
            try:
                private_dir(path.parent, field=None)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass  # created by another process meanwhile: open it as it is
            except OSError as exc:
                raise DeskUnavailable("db", _("cannot create {path}: {error}").format(path=path, error=exc.strerror)) from None
        elif path is not None:
            refuse_foreign_sqlite(path)
        if path is not None:
            protect(path)  # no export, report or backup is ever written onto it
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_setup(engine)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise DeskUnavailable("db", _("the driver for this URL is not installed: {name}").format(name=exc.name)) from None
    except NoSuchModuleError:
        raise DeskUnavailable("db", not_a_url(parsed.render_as_string(hide_password=True))) from None


def refuse_foreign_sqlite(path: Path) -> None:
    """Refuse a SQLite file that holds another application's tables (before
    anything is written to it: not even its journal mode changes).  An empty
    file, a desk, and a file that is not a database (reported when opened)
    pass."""
    try:
        con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error:
        return  # cannot be opened read-only: the open proper says why
    try:
        names = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return  # not a database, locked...: the open proper says why
    finally:
        con.close()
    refuse_foreign_tables(names, str(path))


def refuse_foreign_tables(names: set[str], shown: str) -> None:
    """A database whose tables are not a desk's (no ``deskmeta``) is another application's: refused."""
    own = {n for n in names if not n.startswith("sqlite_")}
    if own and "deskmeta" not in own:
        listed = ", ".join(sorted(own)[:5]) + (", ..." if len(own) > 5 else "")
        raise Refused(
            "db",
            _("{where} holds another application's tables ({tables}), not a desk; nothing was changed: give a new file or a desk").format(
                where=shown, tables=listed
            ),
        )


def where(url: str) -> str:
    """The desk's address as shown to people: a SQLite file's path, else the URL without its password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    path = _sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
    if path is not None:
        return str(path)
    return parsed.render_as_string(hide_password=True)


def probe_desk(url: str) -> str:
    """The id of the desk at ``url``, creating and changing nothing.

    Raises ``NoDesk`` when there is no desk there (a SQLite file that does not
    exist, a database without the ``desk_meta`` row ``desk_id``), and
    ``DeskUnavailable`` when the database cannot be reached or is not one.
    """
    parsed = _parse(url)
    shown = where(url)
    no_desk = NoDesk("", _("no desk at {where}; run `dutydesk init`").format(where=shown))
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        if path is None:
            if not (parsed.database or "").startswith("file:"):
                raise no_desk  # a new in-memory database is always empty
            return _probe_engine(url, shown, no_desk)
        if not path.exists():
            raise no_desk
        return _probe_sqlite_file(path, shown, no_desk)
    return _probe_engine(url, shown, no_desk)


# The row that makes a database a desk (``DeskMeta``; ``Desk.init`` writes it).
_DESK_ID = "SELECT value FROM deskmeta WHERE key = 'desk_id'"


def _probe_sqlite_file(path: Path, shown: str, no_desk: NoDesk) -> str:
    # mode=rw: never create the file (sqlite3.connect would).
    uri = f"file:{quote(str(path.resolve()))}?mode=rw"
    try:
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise _unreachable(shown, exc) from None
    try:
        row = con.execute(_DESK_ID).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc).lower():
            raise no_desk from None
        if writerules.locked_message(str(exc)):
            raise DeskBusy("db", _("the desk database stayed locked; nothing was written, try again")) from None
        raise _unreachable(shown, exc) from None
    except sqlite3.Error as exc:  # "file is not a database" and the like
        raise _unreachable(shown, exc) from None
    finally:
        con.close()
    if row is None:
        raise no_desk
    return str(row[0])


def _probe_engine(url: str, shown: str, no_desk: NoDesk) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(text(_DESK_ID)).scalar()
    except DBAPIError as exc:
        if _is_missing_table(exc):
            raise no_desk from None
        raise _unreachable(shown, exc.orig or exc) from None
    finally:
        engine.dispose()
    if value is None:
        raise no_desk
    return str(value)


def _unreachable(shown: str, exc: BaseException) -> DeskUnavailable:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DeskUnavailable("db", _("cannot reach the desk at {where}: {error}").format(where=shown, error=reason))


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("dutydesk_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def take_write_lock(conn: Connection) -> None:
    """Serialise writers on back ends without BEGIN IMMEDIATE."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError) as exc:
        if _is_missing_table(exc):
            return None
        raise


def _is_missing_table(exc: Exception) -> bool:
    msg = str(exc).lower()
    return "no such table" in msg or "does not exist" in msg or "undefinedtable" in msg


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision.  Returns True if anything ran."""
    try:
        if current_revision(engine) == HEAD_REVISION:
            return False
    except DBAPIError as exc:
        if isinstance(exc, OperationalError) and writerules.locked_message(str(exc.orig)):
            raise DeskBusy("db", _("the desk database stayed locked; nothing was written, try again")) from None
        raise DeskUnavailable("db", _("cannot open the desk: {error}").format(error=exc.orig)) from None
    from sqlalchemy import inspect

    try:
        refuse_foreign_tables(set(inspect(engine).get_table_names()), where(engine.url.render_as_string(hide_password=True)))
    except DBAPIError as exc:
        raise DeskUnavailable("db", _("cannot open the desk: {error}").format(error=exc.orig)) from None
    from alembic import command
    from alembic.util.exc import CommandError

    cfg = alembic_config(engine)
    try:
        with engine.connect() as conn:
            conn.execution_options(dutydesk_write=True)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
    except CommandError as exc:
        raise DeskUnavailable(
            "db", _("this desk's schema is not one this version knows ({error}); is it from a newer dutydesk?").format(error=exc)
        ) from None
    return True
