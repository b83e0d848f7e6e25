"""Readers: a file (or standard input) -> numbered rows of strings, streamed.

Formats: csv, tsv, json (an array of objects), jsonl, xlsx; detected from the
extension, else from the content.  Encodings for text formats: decoded strictly
as UTF-8 (with or without BOM), else GB18030 (a superset of GBK/cp936), unless
``--encoding`` says otherwise.  Row numbers are what a person sees: the line of
a CSV row (the header is line 1), the position in a JSON array (from 1), the
line of a JSONL record, the row of a spreadsheet.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dutydesk.errors import Refused
from dutydesk.i18n import _

FORMATS = ("csv", "tsv", "json", "jsonl", "xlsx")
EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".jsonl": "jsonl",
              ".ndjson": "jsonl", ".xlsx": "xlsx"}
TABLES = ("csv", "tsv", "xlsx")  # formats with a header row
SNIFF = 64 * 1024
Row = list[str] | dict[str, str]  # a table row aligned with its header, or a named record


@dataclass
class Source:
    """A file ready to read twice (validate, then write): standard input is spooled."""

    path: Path
    name: str  # as the user named it, for messages
    fmt: str
    encoding: str | None
    spooled: bool = False

    def cleanup(self) -> None:
        if self.spooled:
            self.path.unlink(missing_ok=True)


def open_source(name: str, fmt: str | None = None, encoding: str | None = None) -> Source:
    spooled = False
    if name == "-":
        fd, tmp = tempfile.mkstemp(prefix="dutydesk-import-")
        with open(fd, "wb") as out:
            shutil.copyfileobj(sys.stdin.buffer, out)
        path, spooled, shown = Path(tmp), True, "<stdin>"
    else:
        path, shown = Path(name), name
        if not path.is_file():
            raise Refused("file", _("{file}: no such file").format(file=name))
    with open(path, "rb") as fh:
        sample = fh.read(SNIFF)
    if fmt is None:
        fmt = EXTENSIONS.get(path.suffix.lower()) if name != "-" else None
        fmt = fmt or _sniff_format(sample)
    elif fmt not in FORMATS:
        raise Refused("format", _("unknown format '{fmt}'; formats: {formats}").format(fmt=fmt, formats=", ".join(FORMATS)))
    if fmt != "xlsx":
        encoding = _detect_encoding(sample, encoding, shown, complete=len(sample) < SNIFF)
    return Source(path, shown, fmt, encoding, spooled)


def _sniff_format(sample: bytes) -> str:
    if sample.startswith(b"PK\x03\x04"):
        return "xlsx"
    text = sample.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "jsonl"
    first = text.split(b"\n", 1)[0]
    return "tsv" if b"\t" in first and b"," not in first else "csv"


def _detect_encoding(sample: bytes, forced: str | None, name: str, *, complete: bool) -> str:
    if forced:
        try:
            codecs.lookup(forced)
        except LookupError:
            raise Refused("encoding", _("unknown encoding '{enc}'").format(enc=forced)) from None
        return forced
    for enc in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(enc)("strict")
        try:
            decoder.decode(sample, final=complete)
            return enc
        except UnicodeDecodeError:
            continue
    raise Refused("encoding", _("{file}: neither UTF-8 nor GB18030; give --encoding").format(file=name))


def iter_rows(src: Source) -> Iterator[tuple[int, Row]]:
    """Every record, streamed, with its row number.  A table (csv, tsv, xlsx)
    first gives its header as row 0, then each row as a list of texts aligned
    with it; JSON and JSONL give each record as {name: text}."""
    if src.fmt in ("csv", "tsv"):
        yield from _iter_delimited(src, "," if src.fmt == "csv" else "\t")
    elif src.fmt == "jsonl":
        yield from _iter_jsonl(src)
    elif src.fmt == "json":
        yield from _iter_json(src)
    else:
        yield from _iter_xlsx(src)


def _text_stream(src: Source) -> io.TextIOWrapper:
    return open(src.path, encoding=src.encoding, errors="strict", newline="")


def _decode_error(src: Source, exc: UnicodeDecodeError) -> Refused:
    return Refused("encoding", _("{file}: cannot be read as {enc} ({error}); give --encoding").format(
        file=src.name, enc=src.encoding, error=exc.reason))


def _iter_delimited(src: Source, delimiter: str) -> Iterator[tuple[int, Row]]:
    with _text_stream(src) as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip() for h in header]
            yield 0, header
            width = len(header)
            for row in reader:
                if len(row) == width:  # the usual case, at C speed
                    if "".join(row).strip():
                        yield reader.line_num, row
                    continue
                if not any(cell.strip() for cell in row):
                    continue  # blank line
                if len(row) > len(header):
                    extra = row[len(header):]
                    if any(cell.strip() for cell in extra):
                        raise Refused("file", _("{file}:{row}: {n} values but {m} columns in the header").format(
                            file=src.name, row=reader.line_num, n=len(row), m=len(header)))
                yield reader.line_num, (row + [""] * width)[:width]
        except UnicodeDecodeError as exc:
            raise _decode_error(src, exc) from None
        except csv.Error as exc:
            raise Refused("file", _("{file}:{row}: {error}").format(file=src.name, row=reader.line_num, error=exc)) from None


def _record(src: Source, row: int, value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Refused("file", _("{file}:{row}: expected an object with named fields").format(file=src.name, row=row))
    return {str(k).strip(): "" if v is None else str(v) for k, v in value.items()}


def _iter_jsonl(src: Source) -> Iterator[tuple[int, Row]]:
    with _text_stream(src) as fh:
        try:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise Refused("file", _("{file}:{row}: not JSON ({error})").format(
                        file=src.name, row=number, error=exc.msg)) from None
                yield number, _record(src, number, value)
        except UnicodeDecodeError as exc:
            raise _decode_error(src, exc) from None


def _iter_json(src: Source) -> Iterator[tuple[int, Row]]:
    """The objects of a top-level array, one at a time (ijson), so memory
    stays flat however large the array."""
    import ijson

    with open(src.path, "rb") as raw:
        head = raw.read(SNIFF).lstrip(b"\xef\xbb\xbf \t\r\n")
        raw.seek(0)
        if head[:1] not in (b"[", b""):
            raise Refused("file", _("{file}: expected a JSON array of objects").format(file=src.name))
        # ijson reads UTF-8 bytes: anything else (a BOM, GB18030) is recoded as it streams.
        fh = raw if src.encoding in (None, "utf-8", "utf8") else _Utf8(raw, src.encoding)
        number = 0
        try:
            for number, value in enumerate(ijson.items(fh, "item", use_float=True), start=1):
                yield number, _record(src, number, value)
        except UnicodeDecodeError as exc:
            raise _decode_error(src, exc) from None
        except ijson.JSONError as exc:
            what = exc.args[0] if exc.args else ""
            what = what.decode("utf-8", "replace") if isinstance(what, bytes) else str(what)
            problem = what.strip().splitlines()[0] if what.strip() else type(exc).__name__
            raise Refused("file", _("{file}: not JSON after record {row} ({error})").format(
                file=src.name, row=number, error=problem)) from None


class _Utf8:
    """A binary file in another encoding, read back as UTF-8 bytes (for ijson)."""

    def __init__(self, raw: io.BufferedReader, encoding: str) -> None:
        self._text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")

    def read(self, size: int = -1) -> bytes:
        return self._text.read(size).encode("utf-8")


def _iter_xlsx(src: Source) -> Iterator[tuple[int, Row]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(src.path, read_only=True, data_only=True)
    except Exception as exc:
        raise Refused("file", _("{file}: not a readable XLSX workbook ({error})").format(file=src.name, error=exc)) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            return
        header = ["" if h is None else str(h).strip() for h in header_row]
        yield 0, header
        width = len(header)
        for number, row in enumerate(rows, start=2):
            if row is None or all(v is None or str(v).strip() == "" for v in row):
                continue
            yield number, [_cell(row[i]) if i < len(row) else "" for i in range(width)]
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return str(value)
