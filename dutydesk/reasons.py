"""Reasons the desk itself gives (why a deadline was cancelled, why a level
was set), stored as keys and rendered in the reader's language.

The record must not depend on the language of whoever wrote it: a row or a
journal entry holds ``level_changed:red``, never "level changed to red" or
"等级调整为红色".  A key is ``name`` or ``name:parameter``.  Reasons typed by
a person are kept as typed, beside the key.
"""

from __future__ import annotations

from collections.abc import Callable

from dutydesk.i18n import N_, translate_marked

_MESSAGES = {
    # level changes (LevelChange.reason_key)
    "opened_suggested": N_("opened at the suggested level"),
    "opened_commander": N_("opened at the commander's level"),
    "opened": N_("opened"),
    "imported": N_("imported"),
    # deadlines the desk settled (Deadline.reason_key)
    "level_changed": N_("level changed to {level}; replaced by the due time of that level"),
    "not_at_level": N_("does not apply at level {level}"),
    "incident_closed": N_("incident closed"),
}


def key(name: str, param: str | None = None) -> str:
    if name not in _MESSAGES:
        raise KeyError(name)
    return f"{name}:{param}" if param is not None else name


def render(reason_key: str | None, typed: str | None = None, *,
           level_label: Callable[[str], str] | None = None) -> str:
    """The reason in words: the desk's own (from the key), then what a person
    typed, if anything.  A key this version does not know is shown as it is."""
    parts = []
    if reason_key:
        name, _sep, param = reason_key.partition(":")
        message = _MESSAGES.get(name)
        if message is None:
            parts.append(reason_key)
        else:
            label = level_label(param) if (level_label and param) else param
            parts.append(translate_marked(message).format(level=label))
    if typed:
        parts.append(typed)
    return ": ".join(parts)
