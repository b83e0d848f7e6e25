"""The schema revision this version writes and reads (Alembic's head), kept
apart from ``dutydesk.db`` so the light read path (``dutydesk.lightread``)
can check a desk's revision without loading SQLAlchemy."""

from __future__ import annotations

# The newest migration (dutydesk/migrations/versions); tests/test_migrations.py checks it is Alembic's head.
HEAD_REVISION = "0006_alarm_ack_instruction_staff"
