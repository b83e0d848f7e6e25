"""Errors the service layer raises.  Each carries the field it is about, so the
CLI and the console can print one clear line: what, and where."""

from __future__ import annotations


def NP_(context: str, message: str) -> str:
    """Marks a message with its context for the catalogue (``make i18n``)."""
    return message


# The fields a refusal names, so that a Chinese line names them in Chinese
# (错误：事件：没有事件 98); a field not listed here is shown by its key.
FIELD_NAMES = (
    NP_("field", "incident"),
    NP_("field", "kind"),
    NP_("field", "level"),
    NP_("field", "deadline"),
    NP_("field", "instruction"),
    NP_("field", "shift"),
    NP_("field", "role"),
    NP_("field", "status"),
    NP_("field", "to"),
    NP_("field", "assignee"),
    NP_("field", "reason"),
    NP_("field", "stage"),
    NP_("field", "file"),
    NP_("field", "encoding"),
    NP_("field", "format"),
    NP_("field", "output"),
    NP_("field", "from"),
    NP_("field", "occurred"),
    NP_("field", "reported_at"),
    NP_("field", "at"),
    NP_("field", "db"),
    NP_("field", "database"),
    NP_("field", "desk"),
    NP_("field", "report"),
    NP_("field", "callsign"),
    NP_("field", "actor"),
    NP_("field", "code"),
    NP_("field", "factor"),
    NP_("field", "lang"),
    NP_("field", "font"),
    NP_("field", "errors"),
    NP_("field", "log"),
)


def field_text(field: str) -> str:
    """A field's name in the reader's language (in English, the key itself)."""
    if not field:
        return field
    from dutydesk.i18n import pgettext

    return pgettext("field", field)


class DeskError(Exception):
    """Base: a refusal the user can act on.  Never a traceback to the user."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{field_text(self.field)}: {self.message}" if self.field else self.message


class Refused(DeskError):
    """Input that breaks a rule (unknown level, empty reason, closed incident...)."""


class NotFound(Refused):
    """An id, code or call sign that is not on the desk."""


class Conflict(DeskError):
    """Someone else changed the record first (optimistic lock)."""


class DeskBusy(DeskError):
    """The database stayed locked through every retry."""


class DeskUnavailable(DeskError):
    """The desk's database cannot be reached or used: no server, an unreadable
    file, not a database, a schema from a newer version (CLI exit code 3)."""


class NoDesk(DeskUnavailable):
    """The address holds no desk: no such file, or a database never initialised
    (only ``dutydesk init`` creates one)."""


class ImportRowError(Exception):
    """A row the desk refuses once it sees what is already there (raised by the
    writer; the transaction is rolled back and the problem reported by row)."""

    def __init__(self, row: int, field: str, problem: str) -> None:
        super().__init__(problem)
        self.row, self.field, self.problem = row, field, problem


class PlaybookError(DeskError):
    """A playbook file that cannot be used: names the file, the key and the reason."""

    def __init__(self, file: str, key: str, message: str) -> None:
        super().__init__(key, message)
        self.file = file

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        key = f"{field_text(self.field)}: " if self.field else ""
        return f"{where}{key}{self.message}"
