"""A journal entry in words, for the incident timeline and the printed logs.
Domain code: no Textual here."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dutydesk.i18n import N_, _, translate_marked
from dutydesk.timefmt import span_words
from dutydesk.vocab import Action, status_label

if TYPE_CHECKING:  # the playbooks are read only when a label is asked for
    from dutydesk.playbook import Playbooks


def _fmt(message: str, **values: Any) -> Callable[[dict[str, Any]], str]:
    """A describer: the message (translated when used) filled from the payload."""

    def describe(p: dict[str, Any]) -> str:
        filled = {k: p.get(src, "") if isinstance(src, str) else src(p) for k, src in values.items()}
        return translate_marked(message).format(**filled)

    return describe


_STAGES = {"soon": N_("due soon"), "due": N_("due")}  # an alarm's stages (dutydesk.alarms), in words

_WHAT: dict[str, Callable[[dict[str, Any]], str]] = {
    Action.INCIDENT_OPEN: _fmt(N_("opened at level {level}: {title}"), level="level", title="title"),
    Action.INCIDENT_ESCALATE: _fmt(N_("escalated {a} → {b}: {reason}"), a="from", b="to", reason="reason"),
    Action.INCIDENT_DEESCALATE: _fmt(N_("de-escalated {a} → {b}: {reason}"), a="from", b="to", reason="reason"),
    Action.INCIDENT_STATUS: _fmt(N_("status {a} → {b}"), a=lambda p: status_label(p.get("from", "")), b=lambda p: status_label(p.get("to", ""))),
    Action.INCIDENT_ASSIGN: _fmt(N_("{who} assigned to {role}"), who="who", role="role"),
    Action.INCIDENT_RELEASE: _fmt(N_("role {role} released"), role="role"),
    Action.INCIDENT_INSTRUCT: _fmt(N_("instruction {id} to {to}: {text}"), id="instruction", to="to", text="text"),
    Action.INSTRUCTION_ACK: _fmt(
        N_("instruction {id} acknowledged after {span}"), id="instruction", span=lambda p: span_words(float(p.get("latency_seconds") or 0))
    ),
    Action.INCIDENT_NOTE: _fmt(N_("note: {text}"), text="text"),
    Action.DEADLINE_MEET: _fmt(N_("deadline {rule} met"), rule="rule"),
    Action.DEADLINE_WAIVE: _fmt(N_("deadline {rule} waived: {reason}"), rule="rule", reason="reason"),
    Action.ALARM_ACK: _fmt(
        N_("alarm acknowledged: {rule} ({stage})"), rule="rule", stage=lambda p: translate_marked(_STAGES.get(p.get("stage", ""), p.get("stage", "")))
    ),
    Action.INCIDENT_CLOSE: _fmt(N_("closed: {summary}"), summary="summary"),
    Action.SHIFT_START: _fmt(N_("shift started, duty commander {who}"), who="commander"),
    Action.SHIFT_END: _fmt(
        N_("shift ended; handover to {to}: {note}"), to=lambda p: p.get("handover_to") or "-", note=lambda p: p.get("note") or "-"
    ),
    Action.UNIT_ADD: _fmt(N_("unit {code} added: {name}"), code="code", name="name"),
    Action.STAFF_ADD: _fmt(N_("staff {callsign} added: {name}"), callsign="callsign", name="name"),
    Action.DESK_CREATE: _fmt(N_("desk created: {name}"), name=lambda p: p.get("name") or "-"),
}

_IMPORTED = {"units": N_("units"), "staff": N_("staff"), "incidents": N_("incidents"), "disputes": N_("disputes")}


Labels = Callable[[str, str], str]  # ("role" | "rule" | "level", key) -> words


def playbook_labels(playbooks: Playbooks, kind: str | None = None) -> Labels:
    """Role and deadline keys in words, from the playbook of ``kind`` (or the
    first playbook that knows the key); a key no playbook knows stays a key."""

    def label(what: str, key: str) -> str:
        from dutydesk.errors import DeskError

        try:
            kinds = [playbooks.get(kind)] if kind else list(playbooks)
        except DeskError:
            kinds = list(playbooks)
        for k in kinds:
            if what == "level":
                level = k.find_level(key)
                if level is not None:
                    return level.short_text()
                continue
            item = k.find_role(key) if what == "role" else k.deadline_rule(key)
            if item is not None:
                return item.text()
        return key

    return label


def describe(
    action: str, payload: dict[str, Any], *, entity: str = "", entity_id: str = "", with_subject: bool = False, labels: Labels | None = None
) -> str:
    """``incident.open`` + payload -> "opened at level B: ...".  ``with_subject``
    prefixes the incident number, for logs that mix incidents; ``labels``
    turns role and deadline keys into words (see :func:`playbook_labels`)."""
    if labels is not None:
        payload = {
            **payload,
            **{f: labels(f, payload[f]) for f in ("role", "rule") if payload.get(f)},
            **{
                f: labels("level", payload[f])
                for f in ("level", "from", "to")
                if action.startswith("incident.") and action != Action.INCIDENT_STATUS and isinstance(payload.get(f), str) and payload.get(f)
            },
        }
    what = _WHAT.get(action)
    if what is not None:
        text = what(payload)
    elif action.startswith("import."):
        kind = action.split(".", 1)[1]
        text = _("import of {what} from {file}: {rows} rows, {new} new, {upd} updated").format(
            what=translate_marked(_IMPORTED[kind]) if kind in _IMPORTED else kind,
            file=payload.get("file", ""),
            rows=payload.get("rows", 0),
            new=payload.get("inserted", 0),
            upd=payload.get("updated", 0),
        )
    else:
        text = f"{action} {json.dumps(payload, ensure_ascii=False, sort_keys=True)}"
    if with_subject and entity == "incident":
        return f"#{entity_id} {text}"
    return text
