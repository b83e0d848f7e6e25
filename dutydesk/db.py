"""Engine and schema.

SQLite: WAL, foreign keys, a busy timeout, synchronous=FULL; write transactions
start with ``BEGIN IMMEDIATE`` so two writers queue instead of deadlocking.
PostgreSQL: write transactions take one advisory lock, the same effect.
The schema upgrades itself (Alembic) when a desk is opened.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from dutydesk.errors import Refused
from dutydesk.i18n import _

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration; a desk already at it is opened without loading Alembic.
HEAD_REVISION = "0004_occurred_reason_keys"
BUSY_TIMEOUT_MS = 10_000
WRITE_LOCK_KEY = 0x64757479  # "duty": the advisory lock on a shared PostgreSQL desk


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise Refused("db", _("'{url}' is not a database URL (e.g. sqlite:///path/desk.sqlite)").format(url=url)) from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).expanduser()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise Refused("db", _("cannot create the folder for {path}: {error}").format(path=path, error=exc.strerror)) from None
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_setup(engine)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise Refused("db", _("the driver for this URL is not installed: {name}").format(name=exc.name)) from None


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        if conn.get_execution_options().get("dutydesk_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def take_write_lock(conn) -> None:  # noqa: ANN001
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


def alembic_config(engine: Engine | None = None):
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
    except OperationalError as exc:
        raise Refused("db", _("cannot open the desk: {error}").format(error=exc.orig)) from None
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
        raise Refused("db", _("this desk's schema is not one this version knows ({error}); is it from a newer dutydesk?").format(error=exc)) from None
    return True
