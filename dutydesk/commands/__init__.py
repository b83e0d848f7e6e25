"""The CLI's command groups (``dutydesk.cli`` registers them)."""
