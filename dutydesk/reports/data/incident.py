"""One incident's (after-action) report data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dutydesk.clock import as_utc
from dutydesk.errors import DeskError
from dutydesk.journal_text import describe, playbook_labels
from dutydesk.reports.data.lines import _desk_name, _lines_of, ack_target_seconds
from dutydesk.reports.data.model import IncidentReport, InstructionLine, LevelLine, LogLine
from dutydesk.reports.data.shift import _incident_line

if TYPE_CHECKING:  # the shift report is also read light (dutydesk.lightread): no ORM, no validators
    from dutydesk.service.readside import ReadSide


# -- incident ------------------------------------------------------------------


def incident_report(desk: ReadSide, incident_id: int) -> IncidentReport:
    now = as_utc(desk.clock.now())
    d = desk.get_incident(incident_id)
    timeline = desk.journal_entries(entity="incident", entity_id=incident_id)
    labels = playbook_labels(desk.playbooks, d.kind)
    line = _lines_of(desk, d)
    return IncidentReport(
        _desk_name(desk),
        now,
        desk.actor,
        _incident_line(d, now),
        d.opened_by,
        d.cause_field,
        d.size_estimate,
        d.suggested_level,
        d.suggested_reasons,
        d.summary,
        [LevelLine(c.at, c.from_level, c.to_level, c.suggested_level, c.reason, c.by) for c in d.level_changes],
        [
            InstructionLine(
                i.id,
                i.unit,
                i.instruction_kind,
                i.text,
                i.sent_at,
                i.sent_by,
                i.acknowledged_at,
                i.latency.total_seconds() if i.latency is not None else None,
                ack_target_seconds(desk, d, i),
            )
            for i in d.instructions
        ],
        [line(dl, now) for dl in sorted(d.deadlines, key=lambda x: (x.due_at, x.id))],
        [LogLine(n.at, n.by, n.text) for n in d.notes],
        [LogLine(e.event_at, e.actor, describe(e.action, e.payload, labels=labels), e.late, e.seq, e.at if e.late else None) for e in timeline],
        cause_field_label=_option_text(desk, d.kind, "cause_field", d.cause_field),
    )


def _option_text(desk: ReadSide, kind: str, factor: str, option: str | None) -> str | None:
    try:
        return desk.playbooks.get(kind).option_text(factor, option)
    except DeskError:  # a kind no longer in the playbooks: the key is all there is
        return option
