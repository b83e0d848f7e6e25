"""`dutydesk report shift|incident|kpi`: printed reports in five formats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from dutydesk.commands.common import _state, _when, guard, sub_app
from dutydesk.files import check_output, write_atomic
from dutydesk.i18n import _

report_app = sub_app(_("Shift (ICS-214 style), after-action and plan KPI reports: text, md, html, pdf or json."))

FormatOpt = Annotated[str, typer.Option("--format", "-f", help=_("text, md, html, pdf or json."))]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help=_("Write to this file (default: standard output)."))]
LangOpt = Annotated[Optional[str], typer.Option("--lang", help=_("Language of the report: en or zh_CN (default: the desk's)."))]
FromOpt = Annotated[Optional[str], typer.Option("--from", help=_("Start of the period: ISO 8601, local time."))]
ToOpt = Annotated[Optional[str], typer.Option("--to", help=_("End of the period: ISO 8601, local time."))]
ForceOpt = Annotated[bool, typer.Option("--force", help=_("Replace the output file if it exists."))]


def _emit(ctx: typer.Context, which: str, fmt: str, output: Optional[Path], lang: Optional[str], *, force: bool = False, **params) -> None:  # noqa: ANN003
    from dutydesk import reports
    from dutydesk.errors import Refused
    from dutydesk.i18n import LANGUAGES, normalise, using_language

    reports.check_format(fmt)  # before the desk is opened
    if lang is not None and normalise(lang) not in LANGUAGES:
        raise Refused("lang", _("no language '{lang}'; languages: {langs}").format(lang=lang, langs=", ".join(LANGUAGES)))
    if fmt == "pdf" and output is None and sys.stdout.isatty():
        raise Refused("output", _("a PDF needs -o FILE (or a pipe)"))
    desk = _reader(ctx) if which == "shift" else _state(ctx).desk()
    if output is not None:
        check_output(output, force=force)  # before the report is built
    with using_language(lang):
        since = _when(desk, params.pop("since", None), "from", warn=False)
        until = _when(desk, params.pop("until", None), "to", warn=False)
        if which == "kpi":
            since, until = _kpi_period(desk, since, until)
        report = reports.build(desk, which, since=since, until=until, **params)
        body = reports.render(desk, report, fmt)
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    write_atomic(output, lambda fh: fh.write(body), force=force)
    written = {
        "shift": _("Shift report written to {file}"),
        "incident": _("Incident report written to {file}"),
        "kpi": _("KPI report written to {file}"),
    }
    typer.echo(written[which].format(file=output), err=True)


def _kpi_period(desk, since, until):  # noqa: ANN001, ANN202
    """The KPI report's period: as given, or with neither date this month so far
    (the console's default); one date alone is refused saying what to type."""
    from dutydesk.errors import Refused
    from dutydesk.timefmt import month_periods

    if since is None and until is None:
        return month_periods(desk.clock.now())["this"]
    if since is None or until is None:
        raise Refused("from", _("give both --from and --to (--from 2026-11-01 --to 2026-12-01), or neither for this month so far"))
    return since, until


def _reader(ctx: typer.Context):  # noqa: ANN202
    """The shift report's desk: the light reader when the desk allows it
    (issue 15: sqlite3, no ORM, no validators), else the desk itself.  On
    the demo desk, with no call sign given, its running shift's commander
    prepares the report, as ``State.desk`` has it act."""
    state = _state(ctx)
    reader = state.reader()
    if state.demo and not state.actor_given and reader is not state._desk:
        shift = reader.current_shift()
        if shift is not None:
            reader.actor = shift.commander
    return reader


@report_app.command(
    "shift", help=_("What happened on a shift: incidents, deadlines, the activity log, the handover (default: the current or last shift).")
)
@guard
def report_shift(
    ctx: typer.Context,
    shift: Annotated[Optional[int], typer.Option("--shift", help=_("Shift number."))] = None,
    since: FromOpt = None,
    until: ToOpt = None,
    fmt: FormatOpt = "text",
    output: OutputOpt = None,
    lang: LangOpt = None,
    force: ForceOpt = False,
) -> None:
    _emit(ctx, "shift", fmt, output, lang, force=force, shift_id=shift, since=since, until=until)


@report_app.command("incident", help=_("After-action report of one incident."))
@guard
def report_incident(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID")],
    fmt: FormatOpt = "text",
    output: OutputOpt = None,
    lang: LangOpt = None,
    force: ForceOpt = False,
) -> None:
    _emit(ctx, "incident", fmt, output, lang, force=force, incident_id=incident_id)


@report_app.command("kpi", help=_("Each plan target the desk can measure, the share met against it, and the misses (default: this month so far)."))
@guard
def report_kpi(
    ctx: typer.Context,
    since: FromOpt = None,
    until: ToOpt = None,
    fmt: FormatOpt = "text",
    output: OutputOpt = None,
    lang: LangOpt = None,
    force: ForceOpt = False,
) -> None:
    _emit(ctx, "kpi", fmt, output, lang, force=force, since=since, until=until)
