"""The console's messages (issue 12): Tick and DeskChanged reach every screen on
the stack; ``desk_call`` reports back with DeskDone / DeskRefused to the screen
that asked; start-up reads happen in start-up, not in App.__init__."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from dutydesk.errors import Conflict, Refused
from dutydesk.messages import DeskChanged, DeskDone, DeskRefused, Tick
from tests.consoles import console, make_app, settle


class Probe(Screen):
    def __init__(self) -> None:
        super().__init__()
        self.got: list = []

    def compose(self) -> ComposeResult:
        yield Static("probe")

    def on_tick(self, message: Tick) -> None:
        self.got.append(("tick", message.now))

    @on(DeskChanged)
    def _changed(self, message: DeskChanged) -> None:
        self.got.append(("changed",))

    @on(DeskDone)
    def _done(self, message: DeskDone) -> None:
        self.got.append(("done", message.tag, message.result))

    @on(DeskRefused)
    def _refused(self, message: DeskRefused) -> None:
        self.got.append(("refused", message.tag, message.error.field, message.conflict))


async def test_tick_and_changed_reach_every_screen_on_the_stack(desk, clock):
    async with console(desk, size=(100, 30)) as (app, pilot):
        below, top = Probe(), Probe()
        app.push_screen(below)
        app.push_screen(top)
        await settle(pilot)
        app.tick()
        app.changed()
        await settle(pilot)
        for probe in (below, top):
            assert ("tick", clock.now()) in probe.got and ("changed",) in probe.got


async def test_desk_call_reports_done_refused_and_conflict_to_its_screen(desk, clock):
    async with console(desk, size=(100, 30)) as (app, pilot):
        probe = Probe()
        app.push_screen(probe)
        await settle(pilot)

        def refuse():
            raise Refused("level", "no level Z")

        def conflict():
            raise Conflict("incident", "incident 1 was changed by someone else")

        app.desk_call(probe, lambda: 42, tag="answer")
        await settle(pilot)
        assert probe.got[0] == ("done", "answer", 42) and ("changed",) in probe.got  # done, then changed
        probe.got.clear()
        app.desk_call(probe, refuse, tag="level")
        await settle(pilot)
        assert ("refused", "level", "level", False) in probe.got
        assert any("no level Z" in n.message for n in app._notifications)  # the notice was shown by the app
        probe.got.clear()
        app.desk_call(probe, conflict, tag="level")
        await settle(pilot)
        assert ("refused", "level", "incident", True) in probe.got and ("changed",) in probe.got


async def test_a_database_fault_in_a_desk_call_is_refused_not_lost(desk):
    async with console(desk, size=(100, 30)) as (app, pilot):
        probe = Probe()
        app.push_screen(probe)
        await settle(pilot)

        def broken():
            raise OSError("disk gone")

        app.desk_call(probe, broken, tag="x")
        await settle(pilot)
        assert ("refused", "x", "database", False) in probe.got
        assert any("disk gone" in n.message for n in app._notifications)


def test_app_init_reads_nothing(desk):
    """The first query and the thread pool start in start-up (on_load), not in __init__."""
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(desk.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    app = make_app(desk)
    assert app._prefetch is None and app._prefetch_pool is None
    assert statements == []
