"""Writers: what ``dutydesk export`` produces, in the shapes the importer reads."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import IO, Any

from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.text import cell

EXPORT_FORMATS = ("csv", "json", "jsonl", "xlsx")


def write_records(rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: str, out: IO[bytes]) -> int:
    """Stream ``rows`` to ``out`` (binary); returns the number written.

    CSV and XLSX cells are for spreadsheets: text that one would run as a
    formula (``=…``, ``+…``, ``-…``, ``@…``) is written with a leading ``'``
    (``text.cell``; import takes it away again), so an XLSX cell is always a
    string cell, never a formula.  JSON and JSONL are written as stored."""
    if fmt not in EXPORT_FORMATS:
        raise Refused("format", _("unknown format '{fmt}'; formats: {formats}").format(fmt=fmt, formats=", ".join(EXPORT_FORMATS)))
    count = 0
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(list(columns))
        for row in rows:
            sheet.append([cell(row.get(c)) for c in columns])  # '=…' is a string cell, never a formula
            count += 1
        book.save(out)
        return count
    import io

    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        if fmt == "csv":
            writer = csv.DictWriter(text, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: cell(v) for k, v in row.items()})
                count += 1
        elif fmt == "jsonl":
            for row in rows:
                text.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        else:
            text.write("[")
            for row in rows:
                text.write(("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False))
                count += 1
            text.write("\n]\n")
        text.flush()
    finally:
        text.detach()
    return count
