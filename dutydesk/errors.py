"""Errors the service layer raises.  Each carries the field it is about, so the
CLI and the console can print one clear line: what, and where."""

from __future__ import annotations


class DeskError(Exception):
    """Base: a refusal the user can act on.  Never a traceback to the user."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


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
        key = f"{self.field}: " if self.field else ""
        return f"{where}{key}{self.message}"
