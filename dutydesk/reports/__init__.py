"""Reports: shift (ICS-214 style activity log), incident (after-action) and
plan KPIs, each as text, Markdown, HTML, PDF or JSON.

``build`` reads the desk into a report (``data``), ``render`` lays it out
(``document``) and writes it in a format (``render``, ``pdf``).  Nothing here
imports Textual: the console calls the same two functions."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.reports.data import IncidentReport, KpiReport, ShiftReport, incident_report, kpi_report, shift_period, shift_report, to_plain

FORMATS = ("text", "md", "html", "pdf", "json")
KINDS = ("shift", "incident", "kpi")
EXTENSIONS = {"text": "txt", "md": "md", "html": "html", "pdf": "pdf", "json": "json"}

Report = ShiftReport | IncidentReport | KpiReport


def build(
    desk,
    which: str,
    *,
    shift_id: int | None = None,
    since: datetime | None = None,  # noqa: ANN001
    until: datetime | None = None,
    incident_id: int | None = None,
) -> Report:
    if which == "shift":
        start, end = shift_period(desk, shift_id, since, until)
        return shift_report(desk, start, end)
    if which == "incident":
        if incident_id is None:
            raise Refused("incident", _("which incident?"))
        return incident_report(desk, incident_id)
    if which == "kpi":
        if since is None or until is None:
            raise Refused("from", _("give both --from and --to"))
        return kpi_report(desk, since, until)
    raise Refused("report", _("no report '{name}'; reports: {names}").format(name=which, names=", ".join(KINDS)))


def layout_of(desk, report: Report):  # noqa: ANN001, ANN201
    """The report as a printable document (blocks)."""
    import dutydesk.reports.document as layout

    if isinstance(report, ShiftReport):
        return layout.shift_document(report, desk.playbooks.level_colour, desk.playbooks.level_short)
    if isinstance(report, IncidentReport):
        return layout.incident_document(report, desk.playbooks.level_colour, desk.playbooks.level_short)

    def kind_label(key: str) -> str:
        kind = desk._kind_or_none(key)
        if kind is None and key == "desk":  # the desk's own measure, not a plan's
            return _("Duty desk")
        return kind.text() if kind is not None else key

    return layout.kpi_document(report, kind_label)


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Refused("format", _("no format '{fmt}'; formats: {formats}").format(fmt=fmt, formats=", ".join(FORMATS)))


def render(desk, report: Report, fmt: str, *, width: int | None = None) -> bytes:  # noqa: ANN001
    """The report in ``fmt`` as bytes (UTF-8 for the text formats); ``width``:
    the text's columns (80 unless given: the console's preview gives its own)."""
    check_format(fmt)
    if fmt == "json":
        body: Any = {"report": report.kind, **to_plain(report)}
        body.pop("kind", None)
        return (json.dumps(body, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")
    doc = layout_of(desk, report)
    if fmt == "pdf":
        from dutydesk.reports.pdf import render_pdf

        return render_pdf(doc)
    from dutydesk.reports.formats import render_html, render_md, render_text

    text = render_text(doc, width or 80) if fmt == "text" else {"md": render_md, "html": render_html}[fmt](doc)
    return text.encode("utf-8")


__all__ = ["EXTENSIONS", "FORMATS", "KINDS", "build", "check_format", "render"]
