"""dutydesk: a terminal duty desk for a police command centre."""

__version__ = "0.1.0"
