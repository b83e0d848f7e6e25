"""What the reports say, read from the desk: plain dataclasses, no layout.

Three reports: the shift (an activity log in the spirit of ICS-214), one
incident (after-action) and the plans' KPIs.  Each is built here once and then
rendered as text, Markdown, HTML, PDF or JSON (``dutydesk.reports.render``).
Times stay aware UTC here; renderers show them in the desk's local zone.
"""

from __future__ import annotations

# The names below are re-exported: `from dutydesk.reports.data import X` keeps working.
# ruff: noqa: F401

from dutydesk.reports.data.incident import incident_report
from dutydesk.reports.data.kpi import KPI_FILE, _coverage_line, _dispute_line, _kpi_targets, _miss, kpi_report
from dutydesk.reports.data.lines import (
    OUTCOMES,
    DeadlineLine,
    _desk_name,
    _lines_of,
    _minutes_text,
    ack_target_seconds,
    as_at,
    deadline_line,
    level_at,
    outcome,
    outcome_label,
    settled_at,
)
from dutydesk.reports.data.model import (
    IncidentLine,
    IncidentReport,
    InstructionLine,
    KpiLine,
    KpiReport,
    LevelLine,
    LogLine,
    RoleLine,
    SealLine,
    ShiftLine,
    ShiftReport,
    Unmeasured,
)
from dutydesk.reports.data.plain import to_plain
from dutydesk.reports.data.shift import shift_period, shift_report

__all__ = [
    "IncidentReport",
    "KpiReport",
    "ShiftReport",
    "ack_target_seconds",
    "incident_report",
    "kpi_report",
    "level_at",
    "outcome",
    "settled_at",
    "shift_period",
    "shift_report",
    "to_plain",
]
