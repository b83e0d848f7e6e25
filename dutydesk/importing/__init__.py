"""Imports: all or nothing.

Pass 1 streams the file and validates every row (and the references between
rows and to the desk); any problem and nothing is written.  Pass 2 streams the
file again and writes it in one transaction with one journal entry (file name,
row count, sha256).  Re-importing the same file changes nothing; with
``update`` changed rows are updated.  Standard input is spooled to a temporary
file so it can be read twice; memory stays flat in the file's size (only the
set of keys seen is kept, to find duplicates).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.importing.readers import Source, iter_rows, open_source
from dutydesk.importing.schema import ImportProblem, clean_row, header_map, map_row, spec


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
    s = spec(entity)
    src = open_source(name, fmt, encoding)
    try:
        result = ImportResult(entity, src.name, src.fmt, src.encoding, sha256=_digest(src))
        mapper = _Mapper(entity)
        mapping: dict[str, str] | None = None
        seen: dict[str, int] = {}
        refs: list[tuple[int, str, str, dict[str, str]]] = []
        known = desk.unit_codes()
        seen_units = seen if entity == "units" else {}
        for number, raw in iter_rows(src):
            if mapping is None and src.fmt not in ("json", "jsonl"):
                # A table has one header: a missing required column is the file's fault.
                mapping = mapper.get(raw)
                missing = [f for f in s.required if f not in mapping.values()]
                if missing:
                    raise Refused("file", _("{file}: no column for {fields} (headers: {headers})").format(
                        file=src.name, fields=", ".join(missing), headers=", ".join(raw)))
            values, problems = clean_row(entity, raw, mapping or mapper.get(raw))
            key = values.get(s.key)
            if key:
                if key in seen:
                    problems.append((s.key, _("'{key}' repeats row {row}").format(key=key, row=seen[key])))
                else:
                    seen[key] = number
            for fld in s.references:
                code = values.get(fld)
                if not code:
                    continue
                if entity == "units" and code == key:
                    problems.append((fld, _("a unit cannot be its own parent")))
                elif code not in known and code not in seen_units:
                    refs.append((number, fld, code, raw))  # perhaps defined later in the file
            result.problems.extend(ImportProblem(number, f, p, raw) for f, p in problems)
            result.rows += 1
            if on_row is not None:
                on_row(result.rows)
        if result.rows == 0:
            raise Refused("file", _("{file}: no rows").format(file=src.name))
        result.ignored_columns = sorted(mapper.ignored)
        for number, fld, code, raw in refs:
            if code not in seen_units:
                result.problems.append(ImportProblem(
                    number, fld, _("no unit with code '{code}' on the desk or in the file").format(code=code), raw))
        result.problems.sort(key=lambda p: p.row)
        if result.problems or dry_run:
            if dry_run and not result.problems:
                counts = desk.import_records(entity, lambda: _clean_rows(src, mapper, mapping), update=update,
                                             meta=_meta(result), dry_run=True)
                result.inserted, result.updated, result.unchanged, result.differs = counts
            return result
        counts = desk.import_records(entity, lambda: _clean_rows(src, mapper, mapping), update=update, meta=_meta(result))
        result.inserted, result.updated, result.unchanged, result.differs = counts
        result.written = True
        return result
    finally:
        src.cleanup()


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


def _clean_rows(src: Source, mapper: _Mapper, mapping: dict[str, str] | None) -> Iterator[dict[str, str]]:
    """The validated rows again, for writing (a table has one mapping; JSON records may each differ)."""
    for _number, raw in iter_rows(src):
        yield map_row(raw, mapping or mapper.get(raw))
