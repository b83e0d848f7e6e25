"""Imports: all or nothing.

One pass streams the file inside one write transaction: every row is
validated (and the references between rows and to the desk at the end); good
rows are written as they come, and any problem rolls the whole transaction
back, so nothing is written.  A good file commits with one journal entry
(file name, row count, sha256).  Re-importing the same file changes nothing; with
``update`` changed rows are updated.  Standard input is spooled to a temporary
file (a locked desk retries the transaction from the top); memory stays flat in
the file's size but for the keys seen, kept to find duplicates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.importing.readers import Source, iter_rows, open_source
from dutydesk.importing.schema import ImportProblem, clean_row, header_map, spec


@dataclass
class ImportResult:
    entity: str
    file: str
    fmt: str
    encoding: str | None
    rows: int = 0
    sha256: str = ""
    problems: list[ImportProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    differs: int = 0  # existing rows that differ, left alone without --update
    written: bool = False


def _digest(src: Source) -> str:
    h = hashlib.sha256()
    with open(src.path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run_import(desk, entity: str, name: str, *, fmt: str | None = None, encoding: str | None = None,  # noqa: ANN001
               update: bool = False, dry_run: bool = False,
               on_row: Callable[[int], None] | None = None) -> ImportResult:
    """Validate and write in one streaming pass inside one write transaction:
    rows are written as they pass, and the transaction is rolled back if any
    row (or a reference checked at the end) fails, so nothing is written."""
    s = spec(entity)
    src = open_source(name, fmt, encoding)
    try:
        result = ImportResult(entity, src.name, src.fmt, src.encoding, sha256=_digest(src))
        known = {target: desk.reference_keys(target) for target in set(s.references.values())}
        ctx = desk.import_context()

        def validated() -> Iterator[dict[str, str]]:
            result.rows, result.problems = 0, []  # again from the top if the write is retried
            mapper = _Mapper(entity)
            mapping: dict[str, str] | None = None
            seen: dict[str, int] = {}
            refs: list[tuple[int, str, str, str, dict[str, str]]] = []
            rows = 0
            key_field, ref_fields, check = s.key, tuple(s.references.items()), s.check
            for number, raw in iter_rows(src):
                if mapping is None and src.fmt not in ("json", "jsonl"):
                    # A table has one header: a missing required column is the file's fault.
                    mapping = mapper.get(raw)
                    missing = [f for f in s.required if f not in mapping.values()]
                    if missing:
                        raise Refused("file", _("{file}: no column for {fields} (headers: {headers})").format(
                            file=src.name, fields=", ".join(missing), headers=", ".join(raw)))
                values, problems = clean_row(entity, raw, mapping or mapper.get(raw))
                key = values.get(key_field)
                if key:
                    if key in seen:
                        problems.append((key_field, _("'{key}' repeats row {row}").format(key=key, row=seen[key])))
                    else:
                        seen[key] = number
                for fld, target in ref_fields:
                    code = values.get(fld)
                    if not code:
                        continue
                    if target == entity and code == key:
                        problems.append((fld, _("a unit cannot be its own parent")))
                    elif code not in known[target] and not (target == entity and code in seen):
                        refs.append((number, fld, target, code, raw))  # perhaps defined later in the file
                if check is not None and not problems:
                    problems = check(values, ctx)
                    values["_row"] = number
                rows += 1
                if on_row is not None:
                    on_row(rows)
                if problems:
                    result.problems.extend(ImportProblem(number, f, p, raw) for f, p in problems)
                elif not result.problems:
                    yield values  # written now; rolled back if a later row fails
            result.rows = rows
            if rows == 0:
                raise Refused("file", _("{file}: no rows").format(file=src.name))
            result.ignored_columns = sorted(mapper.ignored)
            for number, fld, target, code, raw in refs:
                if not (target == entity and code in seen):
                    result.problems.append(ImportProblem(number, fld, _missing(target, code), raw))
            if result.problems:
                result.problems.sort(key=lambda p: p.row)
                raise _Invalid()

        try:
            counts = desk.import_records(entity, validated, update=update, meta=lambda: _meta(result),
                                         dry_run=dry_run)
        except _Invalid:
            return result
        except ImportRowError as exc:
            result.problems = [ImportProblem(exc.row, exc.field, exc.problem)]
            return result
        result.inserted, result.updated, result.unchanged, result.differs = counts
        result.written = not dry_run
        return result
    finally:
        src.cleanup()


def _missing(target: str, code: str) -> str:
    if target == "units":
        return _("no unit with code '{code}' on the desk or in the file").format(code=code)
    return _("no staff member with callsign '{code}' on the desk").format(code=code)


class ImportRowError(Exception):
    """A row the desk refuses once it sees what is already there (raised by the
    writer; the transaction is rolled back and the problem reported by row)."""

    def __init__(self, row: int, field: str, problem: str) -> None:
        super().__init__(problem)
        self.row, self.field, self.problem = row, field, problem


class _Invalid(Exception):
    """A row failed: the import's transaction is rolled back."""


def _meta(result: ImportResult) -> dict:
    return {"file": result.file, "format": result.fmt, "encoding": result.encoding, "rows": result.rows,
            "sha256": result.sha256}


class _Mapper:
    """Header -> field maps, one per distinct set of keys (JSON records may differ)."""

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.maps: dict[tuple[str, ...], dict[str, str]] = {}
        self.ignored: set[str] = set()

    def get(self, raw: dict[str, str]) -> dict[str, str]:
        keys = tuple(raw)
        if keys not in self.maps:
            mapping, unknown = header_map(self.entity, list(keys))
            self.maps[keys] = mapping
            self.ignored.update(unknown)
        return self.maps[keys]
