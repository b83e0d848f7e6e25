"""Snapshots of the alarm screen (issue 13) at 80x24 and 200x50, English, on a
fixed clock: the demo desk (seed 1) 22 minutes on (one deadline overdue, one due
soon) and 200 minutes on (six overdue).  Read as text before accepting:
pytest tests/test_alarm_snapshots.py --snapshot-update."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dutydesk.clock import FixedClock
from dutydesk.demo import fill_demo
from dutydesk.desk import Desk
from tests.consoles import make_app, settle

NOW = datetime(2026, 11, 22, 14, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(("size", "later"), [((80, 24), 22), ((200, 50), 200)], ids=["80x24", "200x50"])
def test_alarm_screen(snap_compare, db_url, size, later):
    clock = FixedClock(NOW)
    desk = Desk.open(db_url, clock=clock, actor="DC1")
    fill_demo(desk, seed=1)
    clock.advance(minutes=later)

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)

    try:
        assert snap_compare(make_app(desk), terminal_size=size, run_before=run_before)
    finally:
        desk.close()


def test_alarm_confirmation_80x24(snap_compare, db_url):
    clock = FixedClock(NOW)
    desk = Desk.open(db_url, clock=clock, actor="DC1")
    fill_demo(desk, seed=1)
    clock.advance(minutes=22)

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)

    try:
        assert snap_compare(make_app(desk), terminal_size=(80, 24), run_before=run_before)
    finally:
        desk.close()
