"""Shown in local time with the offset in force at that instant; typed local times parsed alike."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from dutydesk.timefmt import fmt_local, parse_when

UTC = timezone.utc


def test_named_zone_uses_the_offset_of_each_instant(monkeypatch):
    monkeypatch.setenv("DUTYDESK_TZ", "Europe/Berlin")
    assert fmt_local(datetime(2026, 7, 1, 12, tzinfo=UTC)) == "2026-07-01 14:00"   # summer time
    assert fmt_local(datetime(2026, 1, 1, 12, tzinfo=UTC)) == "2026-01-01 13:00"   # winter time
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
