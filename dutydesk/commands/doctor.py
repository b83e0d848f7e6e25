"""`dutydesk doctor`: is this desk sound?  One line per check, in plain words.

It only looks: nothing is written, the schema is not upgraded, no
permission is changed.  The write-ahead log is examined before any connection
is opened (opening the desk could fold it in and hide that it was lost).
"""

from __future__ import annotations

import stat
import struct
from dataclasses import dataclass
from pathlib import Path

import typer

from dutydesk.commands.common import JsonOpt, _emit_json, _state, guard
from dutydesk.i18n import _, pgettext

doctor_app = typer.Typer(add_completion=False, rich_markup_mode=None)

WAL_MAGIC = (0x377F0682, 0x377F0683)


@dataclass
class Finding:
    check: str
    ok: bool
    text: str


@doctor_app.command(
    "doctor",
    help=_(
        "Check the desk: database integrity and foreign keys, the journal (chain, MACs, seals, the tables against it), the schema, the write-ahead log and file permissions. Reports only; exit 0 if all is well, else 1."
    ),
)
@guard
def doctor(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    from dutydesk.db import _parse, _sqlite_path, probe_desk
    from dutydesk.errors import DeskUnavailable, NoDesk

    settings = _state(ctx).settings()
    url = settings.db_url
    parsed = _parse(url)
    path = _sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
    log = _wal(path) if path is not None and path.exists() else None  # before any connection
    try:
        probe_desk(url)  # no desk there, or unreachable: exit 3, creating nothing
    except NoDesk:
        raise
    except DeskUnavailable as exc:
        if log is None or log.ok:
            raise
        # A lost log can make the desk unreadable: say why, not only that.
        findings = [log, Finding(_("database"), False, exc.message)]
    else:
        findings = examine(url, log)
    if json_out:
        _emit_json([{"check": f.check, "ok": f.ok, "text": f.text} for f in findings])
    else:
        for f in findings:
            status = pgettext("doctor", "OK") if f.ok else _("PROBLEM")  # 正常, not the button's 确定
            typer.echo(f"{status}  {f.check}: {f.text}")
    if not all(f.ok for f in findings):
        raise typer.Exit(1)


def examine(url: str, log: Finding | None = None) -> list[Finding]:
    """Every check on the desk at ``url`` (which must hold a desk); ``log``:
    the write-ahead log's, if already made (it must come before any connection)."""
    from dutydesk.db import _parse, _sqlite_path, make_engine

    parsed = _parse(url)
    path = _sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
    findings: list[Finding] = []
    if path is not None:
        findings.append(log or _wal(path))
    engine = make_engine(url)
    try:
        findings += _database(engine)
    finally:
        engine.dispose()
    if path is not None:
        findings += _permissions(path)
    findings += _key_files(url)
    return findings


def _database(engine) -> list[Finding]:  # noqa: ANN001
    from dutydesk.db import HEAD_REVISION, current_revision
    from dutydesk.desk import Desk

    out: list[Finding] = []
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            out.append(
                Finding(
                    _("integrity"),
                    rows == ["ok"],
                    _("the database file is sound")
                    if rows == ["ok"]
                    else _("the database file is damaged: {detail}").format(detail="; ".join(rows[:3])),
                )
            )
            broken = list(conn.exec_driver_sql("PRAGMA foreign_key_check"))
            out.append(
                Finding(
                    _("foreign keys"),
                    not broken,
                    _("every reference points to a row")
                    if not broken
                    else _("{n} rows point to rows that are not there (first: {table} row {row} -> {parent})").format(
                        n=len(broken), table=broken[0][0], row=broken[0][1], parent=broken[0][2]
                    ),
                )
            )
    revision = current_revision(engine)
    at_head = revision == HEAD_REVISION
    out.append(
        Finding(
            _("schema"),
            at_head,
            _("at this version's revision ({rev})").format(rev=HEAD_REVISION)
            if at_head
            else _("at {rev}, this version's is {head}: any other command upgrades it").format(rev=revision, head=HEAD_REVISION),
        )
    )
    if not at_head:
        out.append(Finding(_("journal"), False, _("not checked: the schema is not this version's")))
        return out
    verdict = Desk(engine).verify_journal()
    names = {"chain": _("journal chain"), "seals": _("seals"), "tables": _("tables"), "key": _("journal key")}
    for check in verdict.checks:
        out.append(Finding(names.get(check.name, check.name), check.ok, check.text))
    if verdict.chain_broken:
        out.append(Finding(_("tables"), False, _("not compared: the journal chain is broken")))
    return out


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _private(path: Path, what: str, want: int) -> Finding:
    mode = _mode(path)
    if mode & 0o077:
        return Finding(
            _("permissions"),
            False,
            _("{what} {path} is mode {mode:04o}: others can read it (should be {want:04o})").format(what=what, path=path, mode=mode, want=want),
        )
    return Finding(_("permissions"), True, _("{what} {path} is private ({mode:04o})").format(what=what, path=path, mode=mode))


def _permissions(path: Path) -> list[Finding]:
    out = [_private(path.parent, _("folder"), 0o700), _private(path, _("desk"), 0o600)]
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            out.append(_private(side, _("file"), 0o600))
    return out


def _key_files(url: str) -> list[Finding]:
    from dutydesk import config
    from dutydesk.db import probe_desk

    key = config.journal_key_path(probe_desk(url))
    if not key.exists():
        return []  # the journal key check says what that means for this desk
    return [_private(key.parent, _("key folder"), 0o700), _private(key, _("journal key"), 0o600)]


def _wal(path: Path) -> Finding:
    """The write-ahead log against the shared-memory index that describes it:
    a -wal deleted or swapped while the desk held changes in it is found here
    (SQLite itself would open the desk without them, silently)."""
    name = _("write-ahead log")
    wal = path.with_name(path.name + "-wal")
    shm = path.with_name(path.name + "-shm")
    frames, salt = _shm_header(shm)
    if not wal.exists() or wal.stat().st_size == 0:
        if frames:
            return Finding(
                name,
                False,
                _(
                    "{wal} is missing, but the desk's index says it held {n} pages not yet in the desk: those changes are lost (was it deleted?)"
                ).format(wal=wal, n=frames),
            )
        return Finding(name, True, _("no pending log (the desk is closed or fully written)"))
    try:
        with open(wal, "rb") as fh:
            header = fh.read(32)
        with open(path, "rb") as fh:
            db_header = fh.read(100)
    except OSError as exc:
        return Finding(name, False, _("cannot read {wal}: {error}").format(wal=wal, error=exc.strerror))
    if len(header) < 32 or struct.unpack(">I", header[:4])[0] not in WAL_MAGIC:
        return Finding(name, False, _("{wal} is not a SQLite write-ahead log (replaced?)").format(wal=wal))
    page = struct.unpack(">I", header[8:12])[0]
    db_page = struct.unpack(">H", db_header[16:18])[0] if len(db_header) >= 18 else 0
    db_page = 65536 if db_page == 1 else db_page
    if db_page and page != db_page:
        return Finding(
            name,
            False,
            _("{wal} has pages of {page} bytes, the desk {db_page}: it belongs to another database (replaced?)").format(
                wal=wal, page=page, db_page=db_page
            ),
        )
    if frames and salt is not None and salt != header[16:24]:
        return Finding(
            name,
            False,
            _("{wal} is not the log the desk's index describes ({n} pages): it was replaced, and the changes in the real one are lost").format(
                wal=wal, n=frames
            ),
        )
    return Finding(name, True, _("consistent with the desk"))


def _shm_header(shm: Path) -> tuple[int, bytes | None]:
    """(frames in the log, the log's salt) from the shared-memory index; (0,
    None) when there is none or it is not initialised."""
    try:
        with open(shm, "rb") as fh:
            head = fh.read(48)
    except OSError:
        return 0, None
    if len(head) < 48:
        return 0, None
    is_init = head[12]
    if not is_init:
        return 0, None
    mx_frame = struct.unpack("=I", head[16:20])[0]
    return mx_frame, head[32:40]


__all__ = ["doctor_app", "examine"]
