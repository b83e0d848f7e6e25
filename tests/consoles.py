"""What the console tests share: the app on a test desk (no poll or tick timer,
no alerts unless a test asks), run and settled (``console``) or run with an
incident's screen open (``incident_console``), letting Pilot settle, reading a
table cell, opening an incident from the board (the two incidents they usually work on
are tests/conftest.py's ``opened`` fixture).

Import what a test module uses: ``from tests.consoles import make_app, settle``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable

from dutydesk.app import DutyDeskApp
from dutydesk.desk import Desk
from dutydesk.screens.incident import IncidentScreen


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let the console finish what it started: messages, then its workers, ``rounds`` times."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def make_app(desk: Desk, **kwargs: Any) -> DutyDeskApp:
    """The console on ``desk`` as the tests drive it: no poll or tick timer and
    no alerts, unless a test passes its own (``alerts=True``, ``poll_interval=0.05``)."""
    kwargs.setdefault("poll_interval", None)
    kwargs.setdefault("tick_interval", None)
    kwargs.setdefault("alerts", False)
    return DutyDeskApp(desk, **kwargs)


def cell(table: DataTable[Any], row_key: str, col: str) -> str:
    """A cell's text (a plain string or a Rich Text's plain)."""
    value = table.get_cell(row_key, col)
    return getattr(value, "plain", str(value))


async def open_incident_screen(pilot: Pilot[Any], incident_id: int) -> IncidentScreen:
    """From the board, Enter on the incident's row: its screen."""
    await settle(pilot)
    table = pilot.app.screen.query_one("#board", DataTable)
    table.move_cursor(row=table.get_row_index(str(incident_id)))
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, IncidentScreen)
    return pilot.app.screen


@asynccontextmanager
async def console(desk: Desk, size: tuple[int, int] = (100, 30), **kwargs: Any) -> AsyncIterator[tuple[DutyDeskApp, Pilot[Any]]]:
    """The console run at ``size`` on ``desk``, settled after start-up: (app, pilot)."""
    app = make_app(desk, **kwargs)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield app, pilot


@asynccontextmanager
async def incident_console(
    desk: Desk, incident_id: int, size: tuple[int, int] = (100, 30), **kwargs: Any
) -> AsyncIterator[tuple[DutyDeskApp, Pilot[Any], IncidentScreen]]:
    """The console run at ``size`` with the incident's screen open: (app, pilot, screen)."""
    app = make_app(desk, **kwargs)
    async with app.run_test(size=size) as pilot:
        yield app, pilot, await open_incident_screen(pilot, incident_id)


def stack(app: DutyDeskApp) -> list[str]:
    """The screens open, bottom first, by class name (for an assertion's message)."""
    return [type(s).__name__ for s in app.screen_stack]


def burst(app: DutyDeskApp, keys: Iterable[str]) -> None:
    """Keys as a terminal delivers them when typed fast: all queued at once,
    before the console has handled the first (what pilot.press waits for)."""
    for key in keys:
        char = key if len(key) == 1 else None
        app.post_message(events.Key(key, char))


def text_of(widget: Any) -> str:  # noqa: ANN401 - any widget that renders
    return str(widget.render())
