"""Deadline derivation: the due times a kind's rules set when an incident is
opened (or changes level) and when an instruction is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dutydesk.playbook.kind import Kind


@dataclass(frozen=True)
class DerivedDeadline:
    rule: str
    due_at: datetime
    level: str


def derive_incident_deadlines(
    kind: Kind, level: str, reported_at: datetime, level_set_at: datetime, occurred_at: datetime | None = None
) -> list[DerivedDeadline]:
    """The incident-anchored deadlines the playbook sets at ``level``.
    ``level_set_at``: since when the incident has been at ``level`` or a graver
    one; ``occurred_at``: when it happened, if known (else the report time)."""
    anchors = {"reported": reported_at, "occurred": occurred_at or reported_at, "level_set": level_set_at}
    out = []
    for rule in kind.deadlines:
        if rule.anchor == "instruction" or not rule.applies_to(level):
            continue
        out.append(DerivedDeadline(rule.key, anchors[rule.anchor] + rule.duration(level), level))
    return out


def derive_instruction_deadlines(kind: Kind, level: str, instruction_kind: str, sent_at: datetime) -> list[DerivedDeadline]:
    out = []
    for rule in kind.deadlines:
        if rule.anchor != "instruction" or not rule.applies_to(level):
            continue
        if rule.instruction_kinds is not None and instruction_kind not in rule.instruction_kinds:
            continue
        out.append(DerivedDeadline(rule.key, sent_at + rule.duration(level), level))
    return out
