"""The log file: every refusal, fault and internal error, with its context,
in the user's log folder (``locations.log_file()``: a 0600 file in a 0700
folder), rotating at 1 MB and keeping 5 old files.

What goes in: the command (its name, never its arguments), the field, the
message of the refusal, the exception type, and for internal errors the
traceback.  Titles, notes and other text about members of the public are not
logged: callers pass ids and fields, and the refusal's own message.

The handler is set up on first use, so a command that succeeds never loads
``logging``.  A log that cannot be written never stops the desk: the failure
is said once on stderr.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from types import TracebackType

MAX_BYTES = 1_000_000
BACKUPS = 5
_logger: logging.Logger | None = None
_broken = False


class _PrivateRotatingHandler(RotatingFileHandler):
    """A rotating file whose files are created 0600 (the umask may narrow it further)."""

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        # text mode gives a TextIOWrapper; typeshed says IO[Any] for a mode it cannot see
        return os.fdopen(fd, self.mode.replace("w", "a"), encoding=self.encoding, errors=self.errors)  # type: ignore[return-value]

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - one line, once; never a traceback
        global _broken
        if not _broken:
            exc = sys.exc_info()[1]
            print(f"warning: log: cannot write {self.baseFilename}: {exc}", file=sys.stderr)
        _broken = True


def logger() -> logging.Logger:
    """The desk's logger, writing to the log file (set up on first call)."""
    global _logger, _broken
    if _logger is not None:
        return _logger
    from dutydesk.files import private_dir
    from dutydesk.locations import log_file

    log = logging.getLogger("dutydesk")
    log.setLevel(logging.INFO)
    log.propagate = False
    path = log_file()
    handler: logging.Handler
    try:
        private_dir(path.parent, field="log")
        handler = _PrivateRotatingHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    except Exception as exc:  # noqa: BLE001 - the log is never a reason to fail: said once, on stderr
        if not _broken:
            print(f"warning: log: cannot write {path}: {exc}", file=sys.stderr)
        _broken = True
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s pid=%(process)d %(message)s"))
    log.addHandler(handler)
    _logger = log
    return log


def refusal(where: str, field: str, message: str, kind: str = "Refused") -> None:
    """A refusal shown to the user (one line): what, where and why."""
    _emit(logging.WARNING, "refused where=%s type=%s field=%s: %s", where, kind, field or "-", message)


def fault(where: str, exc: BaseException, *, traceback: bool = True) -> None:
    """An internal error or a fault of the database or the system, with its traceback."""
    _emit(
        logging.ERROR,
        "fault where=%s type=%s: %s",
        where,
        type(exc).__name__,
        _first_line(exc),
        exc_info=(type(exc), exc, exc.__traceback__) if traceback else None,
    )


def event(where: str, message: str, *args: object) -> None:
    """Something worth keeping that is neither (a backup written, a desk restored)."""
    _emit(logging.INFO, f"where=%s {message}", where, *args)


def _emit(level: int, msg: str, *args: object, exc_info: tuple[type[BaseException], BaseException, TracebackType | None] | None = None) -> None:
    log = logger()
    args = tuple(clean(a) if isinstance(a, str) else a for a in args)
    try:
        log.log(level, msg, *args, exc_info=exc_info)
    except Exception as exc:  # noqa: BLE001 - see logger(): never stops the desk, said once
        global _broken
        if not _broken:
            print(f"warning: log: {exc}", file=sys.stderr)
        _broken = True


_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def clean(text: str) -> str:
    """One line, printable, with any URL's password masked: a log line cannot
    be forged by a value typed into a refused command."""
    text = _PASSWORD.sub(r"\1***@", text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def reset() -> None:
    """Close the handler (tests point the log folder elsewhere between runs)."""
    global _logger, _broken
    if _logger is not None:
        for handler in list(_logger.handlers):
            _logger.removeHandler(handler)
            handler.close()
    _logger, _broken = None, False
