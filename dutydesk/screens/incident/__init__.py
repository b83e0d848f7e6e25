"""The incident screen, in rooms: ``screen`` (layout, data, header, Enter),
``actions`` (the keys that change the record), ``tables`` (rows in words)."""

from dutydesk.screens.incident.screen import IncidentScreen, unit_type_label

__all__ = ["IncidentScreen", "unit_type_label"]
