"""Files the desk writes for people (exports, reports, rejected rows, backups):
whole or not at all, private to their owner, and never onto the wrong file.

Every writer goes through :func:`write_atomic`, which first asks
:func:`check_output`: a path that is a symbolic link, that resolves to an
open desk's database (or its ``-wal``/``-shm``/``-journal``), to any SQLite
database, or to something that is not a regular file (a FIFO, a device, a
folder) is refused; an existing regular file is replaced only with ``force``
(``--force``).  New files are created 0600 and new folders 0700 (a stricter
umask still applies: the modes are only ever narrowed by it).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from dutydesk.errors import Refused
from dutydesk.i18n import _

FILE_MODE = 0o600
DIR_MODE = 0o700
SQLITE_HEADER = b"SQLite format 3\x00"
SIDE_FILES = ("-wal", "-shm", "-journal")

# The database files of the desks this process has opened (real paths).
_protected: set[str] = set()


@dataclass(frozen=True)
class OutputFile:
    """An output path with the user's say on replacing it (``--force``)."""

    path: Path
    force: bool = False

    def __str__(self) -> str:
        return str(self.path)

    def __fspath__(self) -> str:
        return os.fspath(self.path)


def protect(database: Path) -> None:
    """Never write an output file onto ``database`` or its side files (called
    for every SQLite desk opened in this process)."""
    base = os.path.realpath(database)
    _protected.update((base, *(base + s for s in SIDE_FILES)))


def check_output(output: Path | OutputFile, *, force: bool = False, field: str = "output", backup: bool = False) -> Path:
    """Refuse an output path that would destroy something: see the module's
    docstring.  Returns the path to write.  With ``backup``, an earlier backup
    (a SQLite file in rollback-journal mode, as ``dutydesk backup`` writes
    them) may be replaced with ``force``; a database in WAL mode (a desk in
    use) never is."""
    if isinstance(output, OutputFile):
        force = output.force or force
        output = output.path
    path = Path(output)
    shown = str(path)
    try:
        link = path.is_symlink()
    except OSError:
        link = False
    if link:
        raise Refused(field, _("{path} is a symbolic link; give the file itself").format(path=shown))
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _cannot(field, path, exc) from None
    if _is_desk(real, st):
        raise Refused(field, _("{path} is the desk's database; choose another file").format(path=shown))
    if st is None:
        return path
    if not stat.S_ISREG(st.st_mode):
        raise Refused(field, _("{path} is not a regular file (a folder, FIFO or device); choose a file").format(path=shown))
    if _is_database(real) and not (backup and _header(real)[18:20] == b"\x01\x01"):
        raise Refused(field, _("{path} is a SQLite database; choose another file").format(path=shown))
    if not force:
        raise Refused(field, _("{path} exists; add --force to replace it").format(path=shown))
    return path


def _is_desk(real: str, st: os.stat_result | None) -> bool:
    if real in _protected:
        return True
    if st is not None:
        for name in list(_protected):
            try:
                other = os.stat(name)
            except OSError:
                continue  # gone or unreadable: the name check above still holds
            if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
                return True  # a hard link to the desk
    for suffix in SIDE_FILES:
        if real.endswith(suffix) and (real[: -len(suffix)] in _protected or _is_database(real[: -len(suffix)])):
            return True
    return False


def _is_database(path: str) -> bool:
    """A regular file that starts like a SQLite database (read only when regular: never opens a FIFO)."""
    return _header(path).startswith(SQLITE_HEADER)


def _header(path: str) -> bytes:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return b""
        with open(path, "rb") as fh:
            return fh.read(100)
    except OSError:
        return b""


def private_dir(folder: Path, *, field: str | None = "output") -> Path:
    """``folder``, made (with any missing parents) mode 0700 if it does not
    exist.  A folder that cannot be made is a refusal naming ``field`` (with
    ``field=None``, the ``OSError`` itself)."""
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for part in reversed(missing):
        try:
            part.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass  # made by another process meanwhile
        except OSError as exc:
            if field is None:
                raise
            raise _cannot(field, part, exc) from None
    return folder


def write_atomic(output: Path | OutputFile, write: Callable[[BinaryIO], Any], *, field: str = "output", force: bool = False) -> Any:
    """Write beside the target and move it in: a failure never leaves half a
    file, and the file is 0600.  Refused (naming ``field``) when
    :func:`check_output` refuses the path or the folder cannot be written."""
    if isinstance(output, OutputFile):
        force = output.force or force
        output = output.path
    output = check_output(Path(output), force=force, field=field)
    tmp, fd = _temp_beside(output, field)
    keep = os.dup(fd)  # to sync after the writer closes its file (a TextIOWrapper around it does)
    try:
        try:
            with os.fdopen(fd, "wb") as fh:
                result = write(fh)
            os.fsync(keep)  # on disk before it takes the name
        finally:
            os.close(keep)
        move_in(tmp, output, force=force, field=field)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _cannot(field, output, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return result


def temp_beside(output: Path, *, field: str = "output") -> Path:
    """A new empty private file in ``output``'s folder (for writers that need
    a path, such as SQLite's backup); :func:`move_in` gives it its name."""
    tmp, fd = _temp_beside(output, field)
    os.close(fd)
    return tmp


def _temp_beside(output: Path, field: str) -> tuple[Path, int]:
    folder = output.parent if str(output.parent) else Path(".")
    tmp = folder / f".dutydesk-{secrets.token_hex(6)}.part"
    try:
        return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    except OSError as exc:
        raise _cannot(field, output, exc) from None


def move_in(tmp: Path, output: Path, *, force: bool = False, field: str = "output", backup: bool = False) -> None:
    """Give the finished ``tmp`` its name, checking the path once more (it may
    have changed meanwhile): replaced only with ``force``, else only if
    nothing is there."""
    check_output(output, force=force, field=field, backup=backup)
    if force:
        os.replace(tmp, output)
    else:
        _link_new(tmp, output, field)


def _link_new(tmp: Path, output: Path, field: str) -> None:
    """Move ``tmp`` to ``output`` only if nothing is there (never replaces a file made meanwhile)."""
    try:
        os.link(tmp, output)
    except FileExistsError:
        raise Refused(field, _("{path} exists; add --force to replace it").format(path=output)) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        os.replace(tmp, output)  # no hard links on this file system: checked just before
        return
    tmp.unlink()


def _cannot(field: str, path: Path, exc: OSError) -> Refused:
    return Refused(field, _("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc))
