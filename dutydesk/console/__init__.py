"""The console's parts that are not screens: the health watch, the alarms and
alerts, who acts, the command palette.  Mixed into :class:`dutydesk.app.DutyDeskApp`."""
