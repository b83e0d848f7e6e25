"""What each kind of record must hold, and the header names it may come under.

Validation is per row (types, lengths, required fields, duplicates inside the
file) and across rows (references to units that are neither on the desk nor in
the file).  Every problem is a :class:`~dutydesk.importing.problems.ImportProblem`, with the row number and
field, so the CLI can print ``FILE:ROW: field: problem``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dutydesk import text
from dutydesk.errors import DeskError, Refused
from dutydesk.i18n import _
from dutydesk.text import BLOCK, IDENTIFIER, LINE
from dutydesk.timefmt import BadTime, iso, parse_when
from dutydesk.vocab import IncidentStatus

if TYPE_CHECKING:  # the playbooks load pydantic: not needed to check staff or units
    from dutydesk.playbook import Playbooks

HEADERS_FILE = Path(__file__).resolve().parent.parent / "playbooks" / "headers" / "import.toml"
FUTURE_SLACK = timedelta(minutes=1)
# Each field is one of the kinds of dutydesk/text.py (the desk's own rules and
# limits): an identifier, one line of text, or a block of lines.
KEY, TEXT, LONG = IDENTIFIER, LINE, BLOCK
STATUSES = tuple(IncidentStatus)  # as dutydesk.models has them (importing it would load the ORM)


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


def header_map(entity: str, headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """{file header: field} and the headers that map to nothing."""
    with open(HEADERS_FILE, "rb") as fh:
        aliases = tomllib.load(fh)[entity]
    lookup: dict[str, str] = {}
    for fld, names in aliases.items():
        for name in [fld, *names]:
            lookup.setdefault(_norm(name), fld)
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for h in headers:
        fld = lookup.get(_norm(h))
        if fld is None or fld in mapping.values():
            unknown.append(h)
        else:
            mapping[h] = fld
    return mapping, unknown


@dataclass
class Context:
    """What a row's own checks need to know: the playbooks, the desk's clock
    and the dispute fields (the mass plan's cause fields)."""

    playbooks: Playbooks
    now: datetime
    dispute_fields: tuple[str, ...] = ()


def context_for(playbooks: Playbooks, now: datetime) -> Context:
    """The context for rows bound for a desk with these playbooks: the
    dispute fields are the options of the playbooks' ``cause_field`` factors."""
    fields: list[str] = []
    for kind in playbooks:
        for factor in kind.factors:
            if factor.key == "cause_field":
                fields += [o.key for o in factor.options or () if o.key not in fields]
    return Context(playbooks, now, tuple(fields))


Check = Callable[[dict[str, Any], Context], list[tuple[str, str]]]


@dataclass
class Spec:
    key: str  # the field that identifies a record (external id)
    required: tuple[str, ...]
    kinds: dict[str, str]  # field -> kind of text (dutydesk/text.py)
    references: dict[str, str]  # field -> entity it must name ("units", "staff")
    check: Check | None = None  # the row's own rules; may convert values in place

    @property
    def limits(self) -> dict[str, int]:
        return {fld: text.LIMITS[kind] for fld, kind in self.kinds.items()}

    @property
    def shortest(self) -> int:
        """The smallest limit: a row shorter than this in all is short enough."""
        return min(self.limits.values())


def _time(values: dict[str, Any], fld: str, ctx: Context, problems: list[tuple[str, str]]) -> datetime | None:
    text = values.get(fld)
    if not text:
        values[fld] = None
        return None
    try:
        at = parse_when(text, ctx.now) if len(text) > 5 else None
    except BadTime:
        at = None
    if at is None:
        problems.append((fld, _("'{text}' is not a date and time; use ISO 8601 like 2026-11-22T10:00").format(text=text)))
    elif at > ctx.now + FUTURE_SLACK:
        problems.append((fld, _("{at} is in the future").format(at=iso(at))))
        at = None
    values[fld] = at
    return at


def _span(values: dict[str, Any], ctx: Context, problems: list[tuple[str, str]], start_field: str, end_field: str, status: str, final: str) -> None:
    """A start and an end time: the end is there exactly when the status is
    ``final`` (closed, resolved), and never before the start."""
    start = _time(values, start_field, ctx, problems)
    end = _time(values, end_field, ctx, problems)
    if status == final and end is None and not any(f == end_field for f, _p in problems):
        problems.append((end_field, _("required when the status is {status}").format(status=final)))
    elif status != final and end is not None:
        problems.append((end_field, _("given, but the status is {status}").format(status=status)))
    if start and end and end < start:
        problems.append((end_field, _("before {field}").format(field=start_field)))


def _check_incident(values: dict[str, Any], ctx: Context) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    kind = None
    values["kind"] = ctx.playbooks.kind_key(values["kind"])  # a key, or a label in any language (群体性事件), as the CLI takes
    try:
        kind = ctx.playbooks.get(values["kind"])
    except DeskError as exc:
        problems.append(("kind", exc.message))
    if kind is not None and values.get("level"):
        values["level"] = kind.level_key(values["level"])  # a key, or a label (红色, B级)
    if kind is not None and values.get("level") and kind.find_level(values["level"]) is None:
        problems.append(
            (
                "level",
                _("'{level}' is not a level of {kind} (levels: {levels})").format(
                    level=values["level"], kind=kind.key, levels=", ".join(kind.level_keys())
                ),
            )
        )
    status = values.get("status") or "reported"
    values["status"] = status
    if status not in STATUSES:
        problems.append(("status", _("'{status}' is not a status ({statuses})").format(status=status, statuses=", ".join(STATUSES))))
    size = values.get("size_estimate")
    if size:
        if size.isdigit() and len(size) < 10:
            values["size_estimate"] = int(size)
        else:
            problems.append(("size_estimate", _("'{text}' is not a whole number").format(text=size)))
    else:
        values["size_estimate"] = None
    _span(values, ctx, problems, "reported_at", "closed_at", status, "closed")
    occurred = _time(values, "occurred_at", ctx, problems)
    reported = values.get("reported_at")
    if occurred and reported and occurred > reported:
        problems.append(("occurred_at", _("after {field}").format(field="reported_at")))
    return problems


DISPUTE_STATUSES = ("open", "following", "resolved")


def _check_dispute(values: dict[str, Any], ctx: Context) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if ctx.dispute_fields and values["field"] not in ctx.dispute_fields:
        problems.append(
            ("field", _("'{field}' is not a dispute field ({fields})").format(field=values["field"], fields=", ".join(ctx.dispute_fields)))
        )
    status = values.get("status") or "open"
    values["status"] = status
    if status not in DISPUTE_STATUSES:
        problems.append(("status", _("'{status}' is not a status ({statuses})").format(status=status, statuses=", ".join(DISPUTE_STATUSES))))
    _span(values, ctx, problems, "opened_at", "resolved_at", status, "resolved")
    return problems


SPECS = {
    "units": Spec("code", ("code", "name"), {"code": KEY, "name": TEXT, "unit_type": KEY, "parent": KEY}, {"parent": "units"}),
    "staff": Spec("callsign", ("callsign", "name"), {"callsign": KEY, "name": TEXT, "unit": KEY, "post": TEXT}, {"unit": "units"}),
    "incidents": Spec(
        "ref",
        ("ref", "kind", "title", "place", "level", "reported_at"),
        {
            "ref": KEY,
            "kind": KEY,
            "title": TEXT,
            "place": TEXT,
            "level": KEY,
            "status": KEY,
            "cause_field": KEY,
            "size_estimate": KEY,
            "reported_at": TEXT,
            "occurred_at": TEXT,
            "received_by": KEY,
            "closed_at": TEXT,
            "summary": LONG,
        },
        {"received_by": "staff"},
        _check_incident,
    ),
    "disputes": Spec(
        "ref",
        ("ref", "field", "parties", "opened_at"),
        {
            "ref": KEY,
            "field": KEY,
            "parties": TEXT,
            "place": TEXT,
            "summary": LONG,
            "status": KEY,
            "opened_at": TEXT,
            "resolved_at": TEXT,
            "unit": KEY,
        },
        {"unit": "units"},
        _check_dispute,
    ),
}


def spec(entity: str) -> Spec:
    if entity not in SPECS:
        raise Refused("kind", _("cannot import '{entity}'; kinds: {kinds}").format(entity=entity, kinds=", ".join(SPECS)))
    return SPECS[entity]


def row_checker(entity: str, *, cells: bool = False) -> Callable[[dict[str, str]], list[tuple[str, str]]]:
    """A function giving the problems of a row's trimmed fields, as (field, problem).
    With ``cells`` (a CSV, TSV or XLSX file: what ``export`` neutralised with
    a leading ``'``, see ``text.cell``) the ``'`` is taken away first, in place."""
    s = spec(entity)
    required, key_field, shortest = s.required, s.key, s.shortest

    def problems(values: dict[str, str]) -> list[tuple[str, str]]:
        if cells:
            for fld, value in values.items():
                if value[:1] == "'":
                    values[fld] = text.uncell(value)
        # The usual row, at C speed: every required field there, shorter in
        # all than the smallest limit, nothing unprintable (control
        # characters, tabs, line breaks, odd spaces) and no space in the key.
        joined = " ".join(values.values())
        if len(joined) <= shortest and joined.isprintable() and all(map(values.get, required)) and " " not in values[key_field]:
            return []
        return _problems(s, values)

    return problems


def _problems(s: Spec, values: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    for fld in s.required:
        if not values.get(fld):
            found.append((fld, _("required, but empty")))
    for fld, kind in s.kinds.items():
        wrong = text.problem(values.get(fld, ""), kind)
        if wrong is not None:
            found.append((fld, wrong))
    return found
