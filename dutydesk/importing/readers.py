"""Readers: a file (or standard input) -> numbered rows of strings, streamed.

Formats: csv, tsv, json (an array of objects), jsonl, xlsx; detected from the
extension, else from the content.  Encodings for text formats: decoded strictly
as UTF-8 (with or without BOM), else GB18030 (a superset of GBK/cp936), unless
``--encoding`` says otherwise.  Row numbers are what a person sees: the line of
a CSV row (the header is line 1), the position in a JSON array (from 1), the
line of a JSONL record, the row of a spreadsheet.
"""

from __future__ import annotations

import array
import codecs
import csv
import io
import json
import os
import struct
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from dutydesk.errors import Refused
from dutydesk.i18n import _

FORMATS = ("csv", "tsv", "json", "jsonl", "xlsx")
EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}
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
    """``forced`` if given (the file is then decoded strictly in it); else
    UTF-8 (with or without BOM) when the sample decodes cleanly, else GB18030
    when it decodes cleanly *and* reads as Chinese text (:func:`plausible_gb18030`:
    GB18030 decodes almost any bytes, a Latin-1 or Shift-JIS file included).
    Anything else is refused, asking for ``--encoding``."""
    if forced:
        try:
            codecs.lookup(forced)
        except LookupError:
            raise Refused("encoding", _("unknown encoding '{enc}'").format(enc=forced)) from None
        return forced
    ask = _("give its encoding with --encoding NAME (for example latin-1, cp1252, shift_jis, gbk, utf-16)")
    if b"\x00" in sample:
        raise Refused("encoding", _("{file}: holds NUL bytes, so it is not UTF-8 or GB18030 text (UTF-16?); {ask}").format(file=name, ask=ask))
    try:
        codecs.getincrementaldecoder("utf-8-sig")("strict").decode(sample, final=complete)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        text = codecs.getincrementaldecoder("gb18030")("strict").decode(sample, final=complete)
    except UnicodeDecodeError:
        text = None
    if text is not None and plausible_gb18030(text):
        return "gb18030"
    raise Refused("encoding", _("{file}: neither UTF-8 nor GB18030 Chinese text; {ask}").format(file=name, ask=ask))


# At least this share of a GB18030 file's non-ASCII characters must be in GB2312, the
# common set (6,763 hanzi and the usual punctuation): a real Chinese file is almost all
# GB2312 with a few rarer name characters; Latin-1 or Shift-JIS read as GB18030 gives
# rare extension hanzi (measured: 0 of 20 for a Shift-JIS sample, see tests/test_encodings.py).
GB2312_SHARE = 0.8


def plausible_gb18030(text: str) -> bool:
    """Does ``text`` (decoded from GB18030) read as Chinese?  No control
    characters other than tab and line ends, no private-use, unassigned or
    surrogate code points (GB18030's user-defined areas decode to private use),
    and most non-ASCII characters from the common GB2312 set."""
    import unicodedata

    common = rare = 0
    for ch, n in Counter(ch for ch in text if not (" " <= ch <= "~")).items():
        if ch in "\t\r\n":
            continue
        if unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs"):
            return False
        try:
            ch.encode("gb2312")
            common += n
        except UnicodeEncodeError:
            rare += n
    return common + rare == 0 or common / (common + rare) >= GB2312_SHARE


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
    return Refused(
        "encoding", _("{file}: cannot be read as {enc} ({error}); give --encoding").format(file=src.name, enc=src.encoding, error=exc.reason)
    )


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
                    extra = row[len(header) :]
                    if any(cell.strip() for cell in extra):
                        raise Refused(
                            "file",
                            _("{file}:{row}: {n} values but {m} columns in the header").format(
                                file=src.name, row=reader.line_num, n=len(row), m=len(header)
                            ),
                        )
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
                    raise Refused("file", _("{file}:{row}: not JSON ({error})").format(file=src.name, row=number, error=exc.msg)) from None
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
            raise Refused("file", _("{file}: not JSON after record {row} ({error})").format(file=src.name, row=number, error=problem)) from None


class _Utf8:
    """A binary file in another encoding, read back as UTF-8 bytes (for ijson)."""

    def __init__(self, raw: io.BufferedReader, encoding: str) -> None:
        self._text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")

    def read(self, size: int = -1) -> bytes:
        return self._text.read(size).encode("utf-8")


def _iter_xlsx(src: Source) -> Iterator[tuple[int, Row]]:
    """The first sheet's rows, streamed in flat memory: openpyxl's read-only
    reader, with the two things it keeps for the whole file taken out (a
    large shared-string table goes to a temporary file, and each parsed row
    leaves the XML tree), so a workbook of millions of rows reads in the
    memory of a small one (see tests/test_encodings.py and the README)."""
    try:
        book, strings = _open_workbook(src.path)
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
        if strings is not None:
            strings.close()


# A shared-string table larger than this (uncompressed) is kept on disk, not in a list.
SPILL_STRINGS = 8 * 1024 * 1024


def _open_workbook(path: Path) -> tuple[Any, _SpilledStrings | None]:  # (openpyxl's Workbook: openpyxl has no types)
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
    from openpyxl.worksheet import _reader

    _reader.iterparse = _dropping_rows  # see _dropping_rows: the read-only parser otherwise keeps every row element
    spilled: list[_SpilledStrings] = []

    class Reader(ExcelReader):  # type: ignore[misc]  # openpyxl ships no type hints: its ExcelReader is Any
        def read_strings(self) -> None:
            ct = self.package.find(SHARED_STRINGS)
            if ct is None or self.archive.getinfo(ct.PartName[1:]).file_size < SPILL_STRINGS:
                super().read_strings()
                return
            with self.archive.open(ct.PartName[1:]) as part:
                self.shared_strings = _SpilledStrings(part)
                spilled.append(self.shared_strings)

    reader = Reader(path, read_only=True, keep_vba=False, data_only=True, keep_links=False)
    try:
        reader.read()
    except BaseException:
        for s in spilled:
            s.close()
        raise
    return reader.wb, (spilled[0] if spilled else None)


_ROW_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}row"


def _dropping_rows(source: Any, *args: Any, **kwargs: Any) -> Iterator[tuple[str, Any]]:  # (openpyxl's elements)
    """openpyxl's own (defused) ``iterparse``, but a ``<row>`` element leaves
    its parent once the reader has taken it: openpyxl clears each row, yet
    the emptied elements stayed in the tree (about 60 bytes a row: 180 MB for
    3 M rows).  Same events as openpyxl asks for (``end``)."""
    from openpyxl.xml.functions import iterparse

    stack = []
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            stack.append(element)
            continue
        stack.pop()
        yield event, element
        if stack and element.tag == _ROW_TAG:
            stack[-1].remove(element)  # the last (only) child: no search


class _SpilledStrings:
    """A workbook's shared strings in two temporary files (UTF-8 text, and
    offsets), read back by index with ``pread``: memory stays flat however
    many distinct strings the workbook holds."""

    def __init__(self, part: Any) -> None:  # an openpyxl part (no type hints)
        from openpyxl.cell.text import Text
        from openpyxl.xml.constants import SHEET_MAIN_NS
        from openpyxl.xml.functions import iterparse

        si = "{%s}si" % SHEET_MAIN_NS
        self._text = tempfile.TemporaryFile(prefix="dutydesk-xlsx-")
        self._offsets = tempfile.TemporaryFile(prefix="dutydesk-xlsx-")
        offsets = array.array("q")
        position = 0
        stack = []
        for event, node in iterparse(part, events=("start", "end")):
            if event == "start":
                stack.append(node)
                continue
            stack.pop()
            if node.tag != si:
                continue
            data = Text.from_tree(node).content.replace("x005F_", "").encode("utf-8")  # as openpyxl's own reader
            offsets.append(position)
            self._text.write(data)
            position += len(data)
            if stack:
                stack[-1].remove(node)
            if len(offsets) >= 65536:
                offsets.tofile(self._offsets)
                offsets = array.array("q")
        offsets.append(position)
        offsets.tofile(self._offsets)
        self._text.flush()
        self._offsets.flush()
        self._count = self._offsets.tell() // 8 - 1

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < self._count:
            raise IndexError(index)
        start, end = struct.unpack("=qq", os.pread(self._offsets.fileno(), 16, index * 8))
        return os.pread(self._text.fileno(), end - start, start).decode("utf-8")

    def close(self) -> None:
        self._text.close()
        self._offsets.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, time)):  # openpyxl's dates and times (a datetime is a date)
        return value.isoformat()
    return str(value)
