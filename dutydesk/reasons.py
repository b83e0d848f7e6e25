"""Reasons the desk itself gives (why a deadline was cancelled, why a level
was set), stored as keys and rendered in the reader's language.

The record must not depend on the language of whoever wrote it: a row or a
journal entry holds ``level_changed:red``, never "level changed to red" or
"等级调整为红色".  A key is ``name`` or ``name:parameter``.  Reasons typed by
a person are kept as typed, beside the key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dutydesk.i18n import N_, _, translate_marked

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


def render(reason_key: str | None, typed: str | None = None, *, level_label: Callable[[str], str] | None = None) -> str:
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


def reason_text(kind: Any, fact: Any) -> str:  # noqa: ANN401
    """One risk reason (a fact stored by ``risk.suggest``) in the reader's words.
    ``kind``: the playbook's kind or the light reader's (``lightread``), anything
    with ``level_short``, ``factors`` and ``option_text``; or ``None``.  A plain
    string is a reason stored before reasons were kept as keys, shown as written."""
    if not isinstance(fact, dict):
        return str(fact)
    if fact.get("none"):
        return _("no risk factors given")
    if "total" in fact:
        if fact.get("level") is None:
            return _("total {total}: below every threshold").format(total=_num(fact["total"]))
        return _("total {total}: level {level} ({min} or more)").format(
            total=_num(fact["total"]), level=kind.level_short(fact["level"]) if kind else fact["level"], min=_num(fact.get("min", 0))
        )
    key = str(fact.get("factor", ""))
    factor = next((f for f in kind.factors if f.key == key), None) if kind else None
    name = factor.text() if factor else key
    if "option" in fact:
        option = kind.option_text(key, fact["option"]) if kind else fact["option"]
        return _("{factor}: {value} (+{score})").format(factor=name, value=option, score=fact.get("score", 0))
    if "value" in fact:
        return _("{factor}: {value} (+{score}, {min} or more)").format(
            factor=name, value=fact["value"], score=fact.get("score", 0), min=_num(fact.get("min", 0))
        )
    return _("{factor}: not given (+0)").format(factor=name)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
