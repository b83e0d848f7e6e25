"""Snapshots of the main screens on a fixed clock (demo data, seed 1).

Update only after looking at the report: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dutydesk.clock import FixedClock
from dutydesk.demo import fill_demo
from dutydesk.desk import Desk
from tests.consoles import make_app, settle

NOW = datetime(2026, 11, 22, 14, 30, tzinfo=timezone.utc)


@pytest.fixture
def demo_desk(db_url):
    clock = FixedClock(NOW)
    desk = Desk.open(db_url, clock=clock, actor="DC1")
    fill_demo(desk, seed=1)
    yield desk
    desk.close()


def test_board_80x24(snap_compare, demo_desk):
    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), run_before=settle)


def test_board_200x50(snap_compare, demo_desk):
    assert snap_compare(make_app(demo_desk), terminal_size=(200, 50), run_before=settle)


def test_incident_80x24(snap_compare, demo_desk):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), run_before=run_before)


def test_incident_200x50(snap_compare, demo_desk):
    """Deadlines, roles and instructions side by side (from 160 columns)."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=(200, 50), run_before=run_before)


def test_open_incident_form(snap_compare, demo_desk):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press(*"Gathering at the station forecourt")

    assert snap_compare(make_app(demo_desk), terminal_size=(100, 40), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_shift(snap_compare, demo_desk, size):
    """The shift screen: the form in three lines, the handover list below (two columns at 200)."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=size, run_before=run_before)


def test_incident_report_preview(snap_compare, demo_desk):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=(100, 40), run_before=run_before)


# -- zh_CN (issue 14): the same screens in Chinese, at 80×24 and 200×50.  The demo's
# data (titles, places, names) is English; every word of the interface is Chinese.
# The alarm screen on the same clock as tests/test_alarm_snapshots.py (22 and 200 minutes on).
ZH_SIZES = [(80, 24), (200, 50)]


@pytest.fixture
def zh_desk(demo_desk):
    from dutydesk.i18n import set_language

    set_language("zh_CN")  # before the app is built; conftest sets English back
    return demo_desk


def zh_keys(*keys: str):
    async def run_before(pilot):
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", ZH_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_zh_board(snap_compare, zh_desk, size):
    assert snap_compare(make_app(zh_desk), terminal_size=size, run_before=zh_keys())


@pytest.mark.parametrize("size", ZH_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_zh_incident(snap_compare, zh_desk, size):
    assert snap_compare(make_app(zh_desk), terminal_size=size, run_before=zh_keys("enter"))


@pytest.mark.parametrize("size", ZH_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_zh_open_incident(snap_compare, zh_desk, size):
    assert snap_compare(make_app(zh_desk), terminal_size=size, run_before=zh_keys("o"))


@pytest.mark.parametrize("size", ZH_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_zh_shift(snap_compare, zh_desk, size):
    assert snap_compare(make_app(zh_desk), terminal_size=size, run_before=zh_keys("s"))


@pytest.mark.parametrize("size", ZH_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_zh_help(snap_compare, zh_desk, size):
    assert snap_compare(make_app(zh_desk), terminal_size=size, run_before=zh_keys("question_mark"))


@pytest.mark.parametrize(("size", "later"), [((80, 24), 22), ((200, 50), 200)], ids=["80x24", "200x50"])
def test_zh_alarms(snap_compare, zh_desk, size, later):
    zh_desk.clock.advance(minutes=later)
    assert snap_compare(make_app(zh_desk), terminal_size=size, run_before=zh_keys("f2"))
