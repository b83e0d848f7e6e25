"""The light read path (issue 15): the CLI's read commands on a SQLite desk at
this version's schema, without SQLAlchemy, SQLModel or pydantic.

A script calls ``dutydesk incident list --json`` thousands of times; importing
the ORM and the validators costs ten times the read itself.  Here:

* the desk is read with ``sqlite3`` only when its schema is this version's
  (``alembic_version`` = ``dutydesk.revision.HEAD_REVISION``) and it is a desk
  (``deskmeta.desk_id``); anything else (another back end, an older or newer
  schema, no desk, a file that is not a database) returns ``None`` and the
  caller opens the full ``Desk``, which upgrades, refuses or says why;
* the playbooks' words come from a cache of the validated playbooks
  (``<user cache>/dutydesk/playbooks-<hash>.json``), keyed by this version, the
  playbook code, the built-in files and the override file, byte for byte.  A
  miss validates them the full way once (``dutydesk.playbook``) and writes it;
* the views are the same dataclasses (``dutydesk.views``), built by the same
  rules as ``dutydesk.service.queries``: tests/test_lightread.py checks that
  both give the same JSON on the same desks; the shift report reads its period
  (``history``) the same way (tests/test_lightread_report.py).

Nothing here writes to the desk: it is opened ``mode=ro``.

The parts: ``playbooks`` (the cached words), ``rows`` (the connection, times,
chunks), ``incidents`` (the read model's views), ``history`` (the shift
report's period), ``desk`` (``LightDesk``, ``open_light``) and ``console``
(``ConsoleDesk``).  Every name is importable from ``dutydesk.lightread``.
"""

from __future__ import annotations

from dutydesk.lightread.console import ConsoleDesk, _StartingPlaybooks
from dutydesk.lightread.desk import BUSY_TIMEOUT_S, LightDesk, open_light
from dutydesk.lightread.history import ReportReads
from dutydesk.lightread.incidents import IncidentReads
from dutydesk.lightread.playbooks import (
    PLAYBOOK_CODE,
    PLAYBOOK_DIR,
    LightKind,
    LightPlaybooks,
    _cache_file,
    _Item,
    _regular_bytes,
    _Rule,
    _write_cache,
    light_playbooks,
    playbooks_key,
)
from dutydesk.lightread.rows import UTC, LightBase, _at, _chunks, _dt, _locked, _marks
from dutydesk.sqlitefile import sqlite_file
from dutydesk.sqlitefile import sqlite_time as _ts

__all__ = [
    "BUSY_TIMEOUT_S",
    "PLAYBOOK_CODE",
    "PLAYBOOK_DIR",
    "UTC",
    "ConsoleDesk",
    "IncidentReads",
    "LightBase",
    "LightDesk",
    "LightKind",
    "LightPlaybooks",
    "ReportReads",
    "_Item",
    "_Rule",
    "_StartingPlaybooks",
    "_at",
    "_cache_file",
    "_chunks",
    "_dt",
    "_locked",
    "_marks",
    "_regular_bytes",
    "_ts",
    "_write_cache",
    "light_playbooks",
    "open_light",
    "playbooks_key",
    "sqlite_file",
]
