"""What each kind of record must hold, and the header names it may come under.

Validation is per row (types, lengths, required fields, duplicates inside the
file) and across rows (references to units that are neither on the desk nor in
the file).  Every problem is an :class:`ImportProblem` with the row number and
field, so the CLI can print ``FILE:ROW: field: problem``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dutydesk.errors import Refused
from dutydesk.i18n import _

HEADERS_FILE = Path(__file__).resolve().parent.parent / "playbooks" / "headers" / "import.toml"
ENTITIES = ("units", "staff")
MAX_CODE = 64
MAX_TEXT = 200
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_SPACE = re.compile(r"\s")


@dataclass
class ImportProblem:
    row: int
    field: str
    problem: str
    record: dict[str, str] = field(default_factory=dict)


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


def header_map(entity: str, headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """{file header: field} and the headers that map to nothing."""
    with open(HEADERS_FILE, "rb") as fh:
        aliases = tomllib.load(fh)[entity]
    lookup = {}
    for fld, names in aliases.items():
        for name in [fld, *names]:
            lookup.setdefault(_norm(name), fld)
    mapping, unknown = {}, []
    for h in headers:
        fld = lookup.get(_norm(h))
        if fld is None or fld in mapping.values():
            unknown.append(h)
        else:
            mapping[h] = fld
    return mapping, unknown


@dataclass
class Spec:
    key: str                    # the field that identifies a record (external id)
    required: tuple[str, ...]
    limits: dict[str, int]
    references: dict[str, str]  # field -> entity it must name ("units")


SPECS = {
    "units": Spec("code", ("code", "name"), {"code": MAX_CODE, "name": MAX_TEXT, "unit_type": MAX_CODE,
                                             "parent": MAX_CODE}, {"parent": "units"}),
    "staff": Spec("callsign", ("callsign", "name"), {"callsign": MAX_CODE, "name": MAX_TEXT, "unit": MAX_CODE,
                                                     "post": MAX_TEXT}, {"unit": "units"}),
}


_MIN_LIMIT = {name: min(sp.limits.values()) for name, sp in SPECS.items()}


def spec(entity: str) -> Spec:
    if entity not in SPECS:
        raise Refused("kind", _("cannot import '{entity}'; kinds: {kinds}").format(entity=entity, kinds=", ".join(SPECS)))
    return SPECS[entity]


def clean_row(entity: str, raw: dict[str, str], mapping: dict[str, str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The row's fields, trimmed; and its problems as (field, problem)."""
    s = SPECS.get(entity) or spec(entity)
    values = {fld: (raw.get(h) or "").strip() for h, fld in mapping.items()}
    joined = "\t".join(values.values())
    key = values.get(s.key, "")
    # The usual row: every required field there, shorter in all than the
    # smallest limit, no control characters, no space in the key.
    if (len(joined) <= _MIN_LIMIT[entity] and all(values.get(f) for f in s.required)
            and not _CONTROL.search(joined) and not _SPACE.search(key)):
        return values, []
    problems = []
    for fld in s.required:
        if not values.get(fld):
            problems.append((fld, _("required, but empty")))
    for fld, limit in s.limits.items():
        value = values.get(fld, "")
        if len(value) > limit:
            problems.append((fld, _("{n} characters; at most {limit}").format(n=len(value), limit=limit)))
        if _CONTROL.search(value):
            problems.append((fld, _("contains control characters")))
    if key and _SPACE.search(key):
        problems.append((s.key, _("must not contain spaces")))
    return values, problems
