"""Report dataclasses to JSON-ready values."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from dutydesk.timefmt import iso


# -- JSON ------------------------------------------------------------------------


def to_plain(value: Any) -> Any:
    """Dataclasses to JSON-ready values; times as ISO 8601 UTC."""
    if is_dataclass(value):
        return to_plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    return value
