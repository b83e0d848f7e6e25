"""Shown in local time with the offset in force at that instant; typed local times parsed alike."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from dutydesk.timefmt import fmt_local, parse_when

UTC = timezone.utc


def test_named_zone_uses_the_offset_of_each_instant(monkeypatch):
    monkeypatch.setenv("DUTYDESK_TZ", "Europe/Berlin")
    assert fmt_local(datetime(2026, 7, 1, 12, tzinfo=UTC)) == "2026-07-01 14:00"  # summer time
    assert fmt_local(datetime(2026, 1, 1, 12, tzinfo=UTC)) == "2026-01-01 13:00"  # winter time
    # a summer wall time typed in winter is read with the summer offset
    assert parse_when("2026-07-01T14:00", datetime(2026, 1, 1, tzinfo=UTC)) == datetime(2026, 7, 1, 12, tzinfo=UTC)


def test_hh_mm_is_today_in_the_display_zone(monkeypatch):
    monkeypatch.setenv("DUTYDESK_TZ", "Asia/Shanghai")
    assert parse_when("10:00", datetime(2026, 7, 1, 12, tzinfo=UTC)) == datetime(2026, 7, 1, 2, tzinfo=UTC)


def test_unknown_zone_name_falls_back_to_the_system_zone(monkeypatch):
    monkeypatch.setenv("DUTYDESK_TZ", "Nowhere/Bogus")
    # A system zone that is not UTC, so the system zone and a UTC fallback differ.
    with monkeypatch.context() as mp:
        mp.setenv("TZ", "Asia/Shanghai")
        time.tzset()
        try:
            at = datetime(2026, 7, 1, 12, tzinfo=UTC)
            assert fmt_local(at) == at.astimezone().strftime("%Y-%m-%d %H:%M")
            assert fmt_local(at) == "2026-07-01 20:00"  # the system's zone (UTC+8), not UTC's 12:00
        finally:
            mp.undo()
            time.tzset()


def test_one_rounding_for_margins_a_miss_stays_a_miss():
    """Screen and report round a margin the same way (issue 13: "00:09 LATE" on
    the screen, "10 s late" in the report): down, so time late is never
    understated and never shown as on time."""
    from datetime import timedelta

    from dutydesk.reports.document import margin_text
    from dutydesk.timefmt import fmt_duration, whole_seconds

    assert [whole_seconds(x) for x in (9.6, 9.0, 0.4, 0.0, -0.0, -0.4, -9.0, -9.6)] == [9, 9, 0, 0, 0, -1, -9, -10]
    assert whole_seconds(timedelta(seconds=-9.6)) == -10
    assert fmt_duration(timedelta(seconds=-9.6)) == "+00:10" and fmt_duration(timedelta(seconds=9.6)) == "00:09"
    assert fmt_duration(timedelta(seconds=-0.4)) == "+00:01"  # overdue is never +00:00
    assert margin_text(-9.6) == "10 s late" and margin_text(-0.4) == "1 s late"
    assert margin_text(9.6) == "9 s spare" and margin_text(0.0) == "0 s spare"
    assert margin_text(-3599.5) == "1 h late" and margin_text(-61.2) == "1 min 2 s late"


def test_the_boards_overdue_countdown_rounds_a_miss_up():
    """The board's countdown at 9.6 s past due says +00:10, as the report says
    10 s late (it said +00:09: fmt_duration of the positive lateness, cut down)."""
    from datetime import datetime, timedelta, timezone

    from dutydesk.timefmt import fmt_late
    from dutydesk.views import DeadlineView
    from dutydesk.widgets.format import countdown

    due = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    d = DeadlineView(1, "incident", 1, "front_line_instruction", "ack", None, due, "pending", due - timedelta(minutes=1))
    assert countdown(d, due + timedelta(seconds=9.6)).plain == "DUE +00:10"
    assert countdown(d, due + timedelta(seconds=0.4)).plain == "DUE +00:01"
    assert countdown(d, due - timedelta(seconds=9.6)).plain == "soon 00:09"
    assert fmt_late(timedelta(seconds=9.6)) == "00:10" and fmt_late(timedelta(hours=1, seconds=0.2)) == "1:00:01"
