"""A report as a printable document: a title, then blocks (headings, fields,
paragraphs, tables, charts, a signature block).  The three reports are laid
out here once; each renderer (text, Markdown, HTML, PDF) knows only blocks.
Every label goes through ``_()`` at build time, so ``--lang`` is a catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dutydesk.i18n import _
from dutydesk.i18n.linebreak import KEEP, unbroken
from dutydesk.reports.data import OUTCOMES, IncidentReport, KpiReport, ShiftReport, outcome_label
from dutydesk.timefmt import fmt_local, span_words, whole_seconds


@dataclass
class Heading:
    text: str
    new_page: bool = False


@dataclass
class Fields:
    pairs: list[tuple[str, str]]


@dataclass
class Para:
    text: str


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    widths: list[int]  # relative widths
    marks: list[str] = field(default_factory=list)  # per row: "" | "bad" | "good"
    empty: str = ""
    keep: tuple[int, ...] = ()  # columns whose cells are one unit for wrapping (margins: never '49 min 54' / 's spare')


@dataclass
class Bars:
    """Stacked horizontal bars: one per group, one segment per outcome."""

    title: str
    groups: list[tuple[str, dict[str, int]]]
    legend: list[tuple[str, str]]  # (key, label), in stacking order


@dataclass
class Timeline:
    """Incidents as bars over the period, with hour ticks."""

    title: str
    start: datetime
    end: datetime
    spans: list[tuple[str, datetime, datetime, str]]  # (label, from, to, level colour)


@dataclass
class Signatures:
    lines: list[str]


Block = Heading | Fields | Para | Table | Bars | Timeline | Signatures


@dataclass
class Document:
    title: str
    subtitle: str
    footer: str
    blocks: list[Block]


def sanitized(doc: Document) -> Document:
    """The document with every string of it fit for print: any control, bidi
    or zero-width character as a visible escape (``\\x1b``), tabs as a space.
    Line breaks stay only inside table cells and field values (which every
    renderer keeps inside their cell); anywhere else (a paragraph such as a
    handover note, a title, a heading) they are shown as `` ¶ ``, so stored
    text cannot forge a line of the report, such as a signature.  Each
    renderer calls this first, then escapes for its own format (HTML, Markdown)."""
    return _sanitized(doc)


def _sanitized(value, multiline: bool = False):  # noqa: ANN001, ANN202
    if isinstance(value, str):
        if value.isprintable():  # nearly every string of a report: as it is (what safe() gives it back)
            return value
        from dutydesk.text import safe

        if len(value) > 1 and value[0] == value[-1] == KEEP and KEEP not in value[1:-1]:  # a span unbroken()
            return KEEP + _sanitized(value[1:-1], multiline) + KEEP
        if not value.isprintable():
            value = value.replace("\r\n", "\n").replace("\t", " ")
            if not multiline:
                value = value.replace("\n", " ¶ ")
        return safe(value, multiline=multiline)
    from dataclasses import fields, is_dataclass, replace

    if isinstance(value, list):
        return [_sanitized(v, multiline) for v in value]
    if isinstance(value, tuple):
        return tuple(_sanitized(v, multiline) for v in value)
    if isinstance(value, dict):
        return {_sanitized(k): _sanitized(v, multiline) for k, v in value.items()}
    if isinstance(value, Table):
        return replace(value, columns=_sanitized(value.columns), rows=_sanitized(value.rows, True), empty=_sanitized(value.empty))
    if isinstance(value, Fields):
        return replace(value, pairs=[(_sanitized(k), _sanitized(v, True)) for k, v in value.pairs])
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _sanitized(getattr(value, f.name)) for f in fields(value)})
    return value


# Colours of outcomes (charts): the console's meaning of green, yellow, red.
OUTCOME_COLOURS = {
    "met": "#2e7d32",
    "late": "#f9a825",
    "missed": "#c62828",
    "overdue": "#ef6c00",
    "waived": "#78909c",
    "cancelled": "#b0bec5",
    "pending": "#90caf9",
}
LEVEL_COLOURS = {"red": "#c62828", "orange": "#ef6c00", "yellow": "#f9a825", "blue": "#1565c0", "green": "#2e7d32"}


def when(at: datetime | None) -> str:
    """A time in a table: month-day hour:minute, local (the period gives the year)."""
    return fmt_local(at, short=True)


def margin_text(seconds: float | None) -> str:
    """How early or late, in words a reviewer cannot misread ("2 min 30 s late")."""
    if seconds is None:
        return "-"
    whole = whole_seconds(seconds)  # rounded as the console rounds: 0.4 s late is 1 s late, never on time
    text = span_words(abs(whole))
    return _("{t} spare").format(t=text) if whole >= 0 else _("{t} late").format(t=text)


def _share(x: float | None) -> str:
    if x is None:
        return "-"
    pct = x * 100
    return f"{pct:.0f}%" if abs(pct - round(pct)) < 0.05 else f"{pct:.1f}%"


def _goal(u) -> str:  # noqa: ANN001
    """An unmeasured target's goal: a share, or a rise (never printed as a share)."""
    if u.goal:
        return u.goal
    if u.rise is not None:
        return _("+{pct} (a rise)").format(pct=_share(u.rise))
    return _share(u.target_share)


def dispute_status_label(status: str) -> str:
    return {"open": _("open"), "following": _("following"), "resolved": _("resolved")}.get(status, status)


def _period(a: datetime, b: datetime) -> str:
    return f"{fmt_local(a)} – {fmt_local(b)}"


def _outcome_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{outcome_label(k)} {counts[k]}" for k in OUTCOMES if counts.get(k)) or "-"


def _signatures(prepared_by: str, generated: datetime, seals=()) -> Signatures:  # noqa: ANN001
    return Signatures(
        [
            _("Prepared by: {who}    Date/time: {at}").format(who=prepared_by, at=fmt_local(generated)),
            # The seal each shift's end put on the journal: `audit verify` checks it against the desk.
            *[_("Journal seal of shift {shift}: entry {seq}, MAC {mac}").format(shift=x.shift_id, seq=x.seq, mac=x.mac[:16]) for x in seals],
            _("Signature: ______________________"),
            _("Duty commander: ______________________    Signature: ______________________"),
            _("Reviewed by: ______________________    Date/time: ______________________"),
        ]
    )


def _footer(desk: str, generated: datetime) -> str:
    return _("{desk} · printed {at}").format(desk=desk, at=fmt_local(generated))


def unacknowledged_text(outcome: str) -> str:
    """A deadline met by acknowledgement whose instruction never was
    acknowledged: settled missed, it says so; still pending past due at the
    period's end, it is overdue too (its margin says how late)."""
    return _("overdue, not acknowledged") if outcome == "overdue" else _("not acknowledged")


def _miss_outcome(m: dict[str, Any]) -> str:
    """A KPI miss's outcome and, when it has one, its margin ("overdue 30 min late")."""
    label = unacknowledged_text(m["outcome"]) if m.get("not_acknowledged") else outcome_label(m["outcome"])
    return label if m["margin_seconds"] is None else unbroken(label + " " + margin_text(m["margin_seconds"]))


def deadline_outcome_text(d) -> str:  # noqa: ANN001
    """The outcome in words (``unacknowledged_text`` for an instruction never acknowledged)."""
    if d.not_acknowledged:
        return unacknowledged_text(d.outcome)
    return outcome_label(d.outcome) + (f" ({d.reason})" if d.reason else "")


def _key(kind: str | None, level: str) -> str:
    """A level as stored (for callers without the playbooks)."""
    return level


def _deadline_table(rows, with_incident: bool, empty: str | None = None, level_name=_key) -> Table:  # noqa: ANN001
    cols = ([_("Incident")] if with_incident else []) + [_("Deadline"), _("Due"), _("Outcome"), _("Done"), _("Margin")]
    widths = ([10] if with_incident else []) + [30, 14, 12, 14, 14]
    body, marks = [], []
    for d in rows:
        body.append(
            ([f"#{d.incident_id}"] if with_incident else [])
            + [
                d.label + (f" [{level_name(None, d.level)}]" if d.level else ""),
                when(d.due_at),
                deadline_outcome_text(d),
                when(d.met_at) if d.met_at else "-",
                margin_text(d.margin_seconds),
            ]
        )
        marks.append("bad" if d.outcome in ("late", "missed", "overdue") else "")
    return Table(cols, body, widths, marks, empty=empty or _("No deadlines in this period."), keep=(len(cols) - 1,))


def _deadline_blocks(rows, with_incident: bool, level_name=_key) -> list[Block]:  # noqa: ANN001
    """A chart of outcomes per deadline rule (when there are any), then the table."""
    tally: dict[str, dict[str, int]] = {}
    for d in rows:
        counts = tally.setdefault(d.label, {})
        counts[d.outcome] = counts.get(d.outcome, 0) + 1
    chart: list[Block] = [Bars(_("Deadline outcomes"), sorted(tally.items()), [(k, outcome_label(k)) for k in OUTCOMES])] if tally else []
    return chart + [_deadline_table(rows, with_incident, level_name=level_name)]


def _log_table(rows, empty: str) -> Table:  # noqa: ANN001
    return Table(
        [_("Time"), _("By"), _("Activity")], [[when(x.at) + (" *" if x.late else ""), x.actor, x.text] for x in rows], [14, 10, 56], empty=empty
    )


def shift_document(r: ShiftReport, level_colour, level_name=_key) -> Document:  # noqa: ANN001
    """``level_name(kind, level)``: a level as the reader reads it (the playbook's short label)."""
    blocks: list[Block] = [
        Fields(
            [
                (_("Desk"), r.desk),
                (_("Operational period"), _period(r.period_from, r.period_to)),
                (_("Duty commander(s)"), "; ".join(f"{s.commander} {s.commander_name}".strip() for s in r.shifts) or "-"),
                (
                    _("Incidents"),
                    _("{opened} opened, {closed} closed, {live} live at the end").format(opened=r.opened, closed=r.closed, live=r.live_at_end),
                ),
            ]
        )
    ]
    blocks.append(Heading(_("Shifts")))
    blocks.append(
        Table(
            [_("Commander"), _("Started"), _("Ended"), _("Handed over to")],
            [
                [
                    f"{s.commander} {s.commander_name}".strip(),
                    when(s.started_at),
                    when(s.ended_at) if s.ended_at else _("running"),
                    s.handover_to or "-",
                ]
                for s in r.shifts
            ],
            [30, 16, 16, 18],
            empty=_("No shift was running in this period."),
        )
    )
    blocks.append(Heading(_("Incidents")))
    blocks.append(
        Table(
            [_("ID"), _("Level"), _("Incident"), _("Status"), _("Roles"), _("Deadlines")],
            [
                [
                    f"#{i.id}",
                    level_name(i.kind, i.level),
                    f"{i.title} ({i.kind_label}, {i.place})",
                    i.status_label,
                    "\n".join(f"{x.label}: {x.holder}" for x in i.roles)
                    + (("\n" if i.roles else "") + _("unfilled: {roles}").format(roles=", ".join(i.unfilled)) if i.unfilled else ""),
                    _outcome_counts(i.outcomes),
                ]
                for i in r.incidents
            ],
            [5, 6, 25, 10, 22, 16],
            ["bad" if i.outcomes.get("missed") or i.outcomes.get("overdue") else "" for i in r.incidents],
            empty=_("No incidents in this period."),
        )
    )
    if r.incidents:
        blocks.append(
            Timeline(
                _("Incidents over the period"),
                r.period_from,
                r.period_to,
                [
                    (f"#{i.id} {level_name(i.kind, i.level)}", i.reported_at, i.closed_at or r.period_to, level_colour(i.kind, i.level))
                    for i in r.incidents
                ],
            )
        )
    blocks.append(Heading(_("Missed during this period")))
    blocks.append(Para(_("Deadlines that fell due in the period and were not met by then.")) if r.missed else Para(""))
    blocks.append(_deadline_table(r.missed, True, _("No deadline was missed in this period."), level_name))
    blocks.append(Heading(_("Deadlines due in this period")))
    blocks += _deadline_blocks(r.deadlines, True, level_name)
    blocks.append(Heading(_("Overdue from before this period")))
    blocks.append(
        Para(_("Deadlines that fell due before the period and were not settled when it began: what became of them.")) if r.carried_over else Para("")
    )
    blocks.append(_deadline_table(r.carried_over, True, _("Nothing was overdue from before this period."), level_name))
    notes = [s for s in r.shifts if s.handover_note]
    blocks.append(Heading(_("Handover")))
    if notes:
        for s in notes:
            blocks.append(Para(_("{who} at {at}: {note}").format(who=s.commander, at=when(s.ended_at), note=s.handover_note)))
    else:
        blocks.append(Para(_("No handover note in this period.")))
    blocks.append(Heading(_("Activity log"), new_page=len(r.log) > 25))
    blocks.append(_log_table(r.log, _("No activity in this period.")))
    blocks.append(Para(_("* entered late (the time shown is when it happened).")) if any(x.late for x in r.log) else Para(""))
    blocks.append(Heading(_("Entered late in this period")))
    blocks.append(
        Table(
            [_("Entered"), _("Happened"), _("By"), _("Activity")],
            [[when(x.entered_at), when(x.at), x.actor, x.text] for x in r.late_entries],
            [14, 14, 10, 42],
            empty=_("No entry was made late in this period."),
        )
    )
    blocks.append(_signatures(r.prepared_by, r.generated_at, r.seals))
    return Document(
        _("Shift report"),
        _period(r.period_from, r.period_to),
        _footer(r.desk, r.generated_at),
        [b for b in blocks if not (isinstance(b, Para) and not b.text)],
    )


def incident_document(r: IncidentReport, level_colour, level_name=_key) -> Document:  # noqa: ANN001
    i = r.incident
    blocks: list[Block] = [
        Fields(
            [
                (_("Incident"), f"#{i.id} {i.title}"),
                (_("Kind"), i.kind_label),
                (_("Place"), i.place),
                (
                    _("Level"),
                    f"{i.level_label}"
                    + (
                        _(" (suggested {level})").format(level=level_name(i.kind, r.suggested_level))
                        if r.suggested_level and r.suggested_level != i.level
                        else ""
                    ),
                ),
                (_("Status"), i.status_label),
                (_("Reported"), fmt_local(i.reported_at)),
                (_("Closed"), fmt_local(i.closed_at) if i.closed_at else "-"),
                (_("First receiver"), i.received_by or "-"),
                (_("Cause field"), r.cause_field_label or r.cause_field or "-"),
                (_("Size estimate"), str(r.size_estimate) if r.size_estimate is not None else "-"),
                (_("Summary"), r.summary or "-"),
                *([(_("Risk assessment"), "; ".join(r.suggested_reasons))] if r.suggested_reasons else []),
            ]
        )
    ]
    blocks.append(Heading(_("Level history")))
    blocks.append(
        Table(
            [_("Time"), _("Change"), _("Suggested"), _("Reason"), _("By")],
            [
                [
                    when(x.at),
                    f"{level_name(i.kind, x.from_level) if x.from_level else '-'} → {level_name(i.kind, x.to_level)}",
                    level_name(i.kind, x.suggested_level) if x.suggested_level else "-",
                    x.reason,
                    x.by,
                ]
                for x in r.levels
            ],
            [14, 10, 10, 36, 10],
        )
    )
    blocks.append(Heading(_("Roles over time")))
    blocks.append(
        Table(
            [_("Role"), _("Held by"), _("From"), _("To")],
            [[x.label, x.holder, when(x.assigned_at), when(x.released_at) if x.released_at else "-"] for x in i.roles],
            [30, 16, 16, 16],
            empty=_("No roles were assigned.") + (" " + _("Unfilled: {roles}").format(roles=", ".join(i.unfilled)) if i.unfilled else ""),
        )
    )
    blocks.append(Heading(_("Instructions")))
    blocks.append(
        Table(
            [_("ID"), _("To"), _("Instruction"), _("Sent"), _("Acknowledged"), _("Latency")],
            [
                [
                    str(x.id),
                    x.to,
                    x.text,
                    when(x.sent_at),
                    when(x.acknowledged_at),
                    span_words(x.latency_seconds) if x.latency_seconds is not None else _("not acknowledged"),
                ]
                for x in r.instructions
            ],
            [5, 8, 33, 14, 14, 12],
            # against the kind's own target (none: nothing to flag)
            [
                "bad" if x.ack_target_seconds is not None and (x.latency_seconds is None or x.latency_seconds > x.ack_target_seconds) else ""
                for x in r.instructions
            ],
            empty=_("No instructions."),
        )
    )
    blocks.append(Heading(_("Deadlines")))
    blocks += _deadline_blocks(r.deadlines, False, level_name)
    blocks.append(Heading(_("Notes")))
    blocks.append(_log_table(r.notes, _("No notes.")))
    blocks.append(Heading(_("Timeline"), new_page=len(r.timeline) > 25))
    blocks.append(_log_table(r.timeline, _("No entries.")))
    blocks.append(_signatures(r.prepared_by, r.generated_at))
    return Document(_("After-action report"), f"#{i.id} {i.title}", _footer(r.desk, r.generated_at), blocks)


def kpi_document(r: KpiReport, kind_label) -> Document:  # noqa: ANN001
    blocks: list[Block] = [
        Fields(
            [
                (_("Desk"), r.desk),
                (_("Period"), _period(r.period_from, r.period_to)),
                (
                    _("Measured"),
                    _("{n} targets; {ok} met, {bad} not met, {none} with nothing to measure").format(
                        n=len(r.lines),
                        ok=sum(1 for x in r.lines if x.ok),
                        bad=sum(1 for x in r.lines if x.ok is False),
                        none=sum(1 for x in r.lines if x.ok is None),
                    ),
                ),
            ]
        )
    ]
    blocks.append(Heading(_("Targets the desk measures")))
    blocks.append(
        Table(
            [_("Plan"), _("Target"), _("Rule"), _("Met / counted"), _("Share"), _("Goal"), _("Result")],
            [
                [
                    kind_label(x.plan),
                    x.label,
                    x.target,
                    f"{x.on_time} / {x.measured}",
                    _share(x.share),
                    _share(x.target_share),
                    _("met") if x.ok else _("NOT MET") if x.ok is False else _("nothing to measure"),
                ]
                for x in r.lines
            ],
            [10, 28, 14, 10, 7, 6, 9],
            ["good" if x.ok else "bad" if x.ok is False else "" for x in r.lines],
        )
    )
    blocks.append(
        Para(
            _(
                "Deadlines are counted when they fell due in the period: met on time, met late, missed "
                "or still overdue. Waived and cancelled deadlines, and those not yet due, are not "
                "counted; the JSON output carries their numbers."
            )
        )
    )
    if r.outcomes_by_kind:
        blocks.append(
            Bars(
                _("Deadline outcomes per kind"),
                [(kind_label(k), v) for k, v in sorted(r.outcomes_by_kind.items())],
                [(k, outcome_label(k)) for k in OUTCOMES],
            )
        )
    blocks.append(Heading(_("Misses")))
    rows = []
    for x in r.lines:
        for m in x.misses:
            if "deadline" in m:
                rows.append([x.label, f"#{m['incident']} {m['title']}", when(m["due_at"]), _miss_outcome(m)])
            elif "dispute" in m:
                status = dispute_status_label(m["status"])
                if m.get("resolved_at") is not None:
                    status = _("{status}; resolved after the period").format(status=status)
                rows.append([x.label, f"{m['dispute']} {m['parties']} ({m['field']})", when(m["opened_at"]), status])
            else:
                rows.append([x.label, _("no duty commander on shift"), f"{when(m['from'])} – {when(m['to'])}", _("{n} min").format(n=m["minutes"])])
    blocks.append(Table([_("Target"), _("Case"), _("Due / from"), _("What happened")], rows, [24, 30, 18, 22], empty=_("No misses.")))
    blocks.append(Heading(_("Targets the desk cannot measure")))
    blocks.append(
        Table(
            [_("Plan"), _("Target"), _("Goal"), _("Why not")], [[kind_label(u.plan), u.label, _goal(u), u.why] for u in r.unmeasured], [12, 34, 8, 40]
        )
    )
    blocks.append(_signatures(r.prepared_by, r.generated_at))
    return Document(_("Plan KPI report"), _period(r.period_from, r.period_to), _footer(r.desk, r.generated_at), blocks)
