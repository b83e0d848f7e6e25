"""The plans' KPI report data."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dutydesk.clock import as_utc
from dutydesk.errors import Refused
from dutydesk.i18n import _, pick
from dutydesk.reports.data.lines import OUTCOMES, DeadlineLine, _desk_name, _minutes_text, as_at, deadline_line
from dutydesk.reports.data.model import KpiLine, KpiReport, Unmeasured
from dutydesk.views import DeadlineView, DisputeView

if TYPE_CHECKING:  # the shift report is also read light (dutydesk.lightread): no ORM, no validators
    from dutydesk.playbook import DeadlineRule
    from dutydesk.service.readside import ReadSide


KPI_FILE = Path(__file__).resolve().parent.parent.parent / "playbooks" / "kpi" / "targets.toml"


# -- KPIs ------------------------------------------------------------------------


def _kpi_targets() -> list[dict[str, Any]]:
    with open(KPI_FILE, "rb") as fh:
        return tomllib.load(fh).get("kpi", [])


def kpi_report(desk: ReadSide, start: datetime, end: datetime) -> KpiReport:
    """The plans' targets over [start, end).  The deadline figures are
    aggregates in the database (counts by kind, rule, level and outcome);
    only the misses the report lists are read row by row, so time and
    memory do not grow with the desk's history (issue 15)."""
    if end <= start:
        raise Refused("to", _("--to must be after --from"))
    now = as_utc(desk.clock.now())
    at = min(end, now)  # outcomes as they stood at the period's end (a later settlement changes nothing)
    # Incidents closed up to two days before the period still count: their
    # deadlines may fall due after the close.
    closed_from = start - timedelta(days=2)
    lines: list[KpiLine] = []
    tallies: dict[tuple[str, str, str | None], dict[str, int]] = {}
    for kind in desk.playbooks:
        for rule in kind.deadlines:
            for lvl in kind.level_keys() if rule.minutes_by_level else [None]:
                if lvl is None or rule.applies_to(lvl):
                    tallies[(kind.key, rule.key, lvl)] = {}
    listed = len(tallies)

    def rule_of(kind_key: str, rule_key: str) -> DeadlineRule | None:
        kind = desk.kind_or_none(kind_key)
        return kind.deadline_rule(rule_key) if kind is not None else None

    def group(kind_key: str, rule_key: str, level: str | None) -> tuple[str, str, str | None]:
        rule = rule_of(kind_key, rule_key)
        return kind_key, rule_key, level if rule is not None and rule.minutes_by_level else None

    counted: dict[str, dict[str, int]] = {}
    pairs = [(kind.key, rule.key) for kind in desk.playbooks for rule in kind.deadlines]
    levels = list(dict.fromkeys(lvl for kind in desk.playbooks for lvl in kind.level_keys()))
    for kind_key, rule_key, level, out, n in desk.kpi_outcomes(start, end, closed_from, at, pairs, levels):
        tally = tallies.setdefault(group(kind_key, rule_key, level), {})
        tally[out] = tally.get(out, 0) + n
        per_kind = counted.setdefault(kind_key, {})
        per_kind[out] = per_kind.get(out, 0) + n
    extra = list(tallies)[listed:]
    if len(extra) > 1:  # groups no playbook lists (a retired rule or kind): in report order, as they come

        def first(key: tuple[str, str, str | None]) -> tuple[Any, ...]:
            rule = rule_of(key[0], key[1])
            by_level = rule is not None and bool(rule.minutes_by_level)
            return desk.kpi_first(start, end, closed_from, key[0], key[1], key[2], any_level=not by_level) or ()

        extra.sort(key=first)
        tallies = {k: tallies[k] for k in [*list(tallies)[:listed], *extra]}
    misses: dict[tuple[str, str, str | None], list[dict[str, Any]]] = {}
    for row in desk.kpi_misses(start, end, closed_from, at):
        rule = rule_of(row.kind, row.rule)
        view = DeadlineView(
            row.id,
            row.subject_type,
            row.incident_id,
            row.rule,
            rule.text() if rule else row.rule,
            row.level,
            row.due_at,
            row.state,
            row.created_at,
            row.met_at,
            row.met_by,
            row.closed_at,
            row.closed_by,
            None,
            row.instruction_id,
        )
        by_ack = row.instruction_id is not None and rule is not None and rule.met_by == "ack"
        ack = row.acknowledged_at if row.acknowledged_at is not None and row.acknowledged_at <= at else None
        misses.setdefault(group(row.kind, row.rule, row.level), []).append(
            _miss(deadline_line(as_at(view, at), row.title, row.kind, at, by_ack=by_ack, acknowledged_at=ack))
        )
    for (kind_key, rule_key, lvl), tally in tallies.items():
        kind = desk.kind_or_none(kind_key)
        rule = kind.deadline_rule(rule_key) if kind else None
        label = rule.text() if rule else rule_key
        if lvl is not None and kind is not None:  # a level the playbook no longer has: its key
            found = kind.find_level(lvl)
            label = _("{rule}, {level}").format(rule=label, level=found.text() if found is not None else lvl)
        minutes: int | None = 0
        if rule is not None:
            try:
                minutes = int(rule.duration(lvl or (kind.level_keys()[0] if kind else "")).total_seconds() // 60)
            except KeyError:  # no limit at that level in the playbook now: no target to print
                minutes = None
        judged = sum(tally.get(o, 0) for o in ("met", "late", "missed", "overdue"))
        on_time = tally.get("met", 0)
        target_share = float(rule.target) if rule and rule.target is not None else 1.0
        share = on_time / judged if judged else None
        lines.append(
            KpiLine(
                f"{kind_key}.{rule_key}" + (f".{lvl}" if lvl else ""),
                kind_key,
                label,
                _("within {d}").format(d=_minutes_text(minutes)) if minutes is not None else "-",
                target_share,
                judged,
                on_time,
                share,
                None if share is None else share + 1e-9 >= target_share,
                open=tally.get("pending", 0),
                excluded=tally.get("waived", 0) + tally.get("cancelled", 0),
                misses=misses.get((kind_key, rule_key, lvl), []),
            )
        )
    # Kinds in the playbooks' order, outcomes in the reports' order (OUTCOMES).
    kinds = [k.key for k in desk.playbooks]
    by_kind = {
        k: {o: counted[k][o] for o in sorted(counted[k], key=lambda o: (OUTCOMES.index(o) if o in OUTCOMES else len(OUTCOMES), o))}
        for k in sorted(counted, key=lambda k: (kinds.index(k) if k in kinds else len(kinds), k))
    }
    unmeasured = []
    for t in _kpi_targets():
        label = pick(t.get("label")) or t["key"]
        if t.get("measure") == "disputes_resolved":
            lines.append(_dispute_line(desk, t, label, start, end))
        elif t.get("measure") == "shift_coverage":
            lines.append(_coverage_line(desk, t, label, start, end, now))
        else:
            rise = t.get("rise")
            unmeasured.append(
                Unmeasured(
                    t["key"],
                    t.get("plan", ""),
                    label,
                    None if rise is not None else float(t.get("target", 1.0)),
                    pick(t.get("why")) or _("no data on the desk"),
                    rise=None if rise is None else float(rise),
                    goal=pick(t.get("goal")) or "",
                )
            )
    return KpiReport(_desk_name(desk), start, end, now, desk.actor, lines, unmeasured, by_kind)


def _miss(x: DeadlineLine) -> dict[str, Any]:
    return {
        "incident": x.incident_id,
        "title": x.incident_title,
        "deadline": x.id,
        "rule": x.rule,
        "due_at": x.due_at,
        "outcome": x.outcome,
        "met_at": x.met_at,
        "margin_seconds": x.margin_seconds,
        "not_acknowledged": x.not_acknowledged,
    }


def _dispute_line(desk: ReadSide, t: dict[str, Any], label: str, start: datetime, end: datetime) -> KpiLine:
    """Disputes opened in the period, resolved by its end; each miss with
    its status as it stood at the end (a dispute resolved after the period
    was open, or followed if follow-ups were recorded by then)."""
    rows = desk.disputes_opened(start, end)
    followed = desk.followed_up((d.id for d in rows), end)
    resolved = [d for d in rows if d.status == "resolved" and d.resolved_at is not None and d.resolved_at < end]
    share = len(resolved) / len(rows) if rows else None
    target = float(t.get("target", 1.0))

    def at_end(d: DisputeView) -> str:
        if d.status != "resolved":
            return d.status
        return "following" if d.id in followed else "open"

    misses = [
        {
            "dispute": d.external_id or d.id,
            "field": d.field,
            "parties": d.parties,
            "status": at_end(d),
            "opened_at": d.opened_at,
            "resolved_at": d.resolved_at,
        }
        for d in rows
        if d not in resolved
    ]
    return KpiLine(
        t["key"],
        t.get("plan", ""),
        label,
        _("disputes opened in the period, resolved"),
        target,
        len(rows),
        len(resolved),
        share,
        None if share is None else share + 1e-9 >= target,
        misses=misses,
    )


def _coverage_line(desk: ReadSide, t: dict[str, Any], label: str, start: datetime, end: datetime, now: datetime) -> KpiLine:
    """Share of the period with a duty commander on shift; the gaps are the misses."""
    shifts = desk.shifts_between(start, end)
    stop = min(end, now)
    gaps, cursor, covered = [], start, timedelta(0)
    for sh in shifts:
        a, b = max(sh.started_at, start), min(sh.ended_at or now, stop)
        if b <= cursor:
            continue
        if a > cursor:
            gaps.append({"from": cursor, "to": a, "minutes": round((a - cursor).total_seconds() / 60)})
        covered += b - max(a, cursor)
        cursor = b
    if stop > cursor:
        gaps.append({"from": cursor, "to": stop, "minutes": round((stop - cursor).total_seconds() / 60)})
    span = (stop - start).total_seconds()
    share = covered.total_seconds() / span if span > 0 else None
    target = float(t.get("target", 1.0))
    minutes = round(span / 60) if span > 0 else 0
    return KpiLine(
        t["key"],
        t.get("plan", ""),
        label,
        _("minutes of the period with a commander on shift"),
        target,
        minutes,
        round(covered.total_seconds() / 60),
        share,
        None if share is None else share + 1e-9 >= target,
        misses=gaps,
    )
