"""Playbooks: the response plans as data.

Each kind of incident (``mass``, ``opinion``, and any a city adds) has levels
(gravest first), roles, instruction kinds, deadline rules, risk factors and the
score thresholds that turn factors into a suggested level.  The built-in
playbooks are ``dutydesk/playbooks/*.toml``; a local override file (same shape)
may change or add kinds, levels, roles, deadlines and factors, item by item
(matched on ``key``; ``remove = true`` drops one).

The package: ``items`` (levels, roles, instruction kinds, deadline rules,
factors, thresholds), ``kind`` (a kind and the set of kinds, with their
look-ups), ``deadlines`` (the due times the rules set), ``loading`` (the TOML
files and the override, validated and cached).  Every name is importable from
here, as when this was one module.
"""

from __future__ import annotations

from dutydesk.playbook.deadlines import DerivedDeadline, derive_incident_deadlines, derive_instruction_deadlines
from dutydesk.playbook.items import MAX_MINUTES, Band, DeadlineRule, Factor, InstructionKind, Label, Level, Option, Role, Threshold
from dutydesk.playbook.kind import Kind, Playbooks
from dutydesk.playbook.loading import BUILTIN_DIR, LIST_KEYS, MAX_DEPTH, MAX_FILE_BYTES, load_playbooks

__all__ = [
    "BUILTIN_DIR",
    "LIST_KEYS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_MINUTES",
    "Band",
    "DeadlineRule",
    "DerivedDeadline",
    "Factor",
    "InstructionKind",
    "Kind",
    "Label",
    "Level",
    "Option",
    "Playbooks",
    "Role",
    "Threshold",
    "derive_incident_deadlines",
    "derive_instruction_deadlines",
    "load_playbooks",
]
