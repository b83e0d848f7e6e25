"""One vocabulary (dutydesk/vocab.py): the words the desk writes are the ones its readers know."""

from __future__ import annotations

import json

from dutydesk import journal_text, vocab
from dutydesk.bulk import APPLY
from dutydesk.vocab import Action, DeadlineState, IncidentStatus


def test_members_are_their_stored_strings():
    assert DeadlineState.PENDING == "pending" and json.dumps([IncidentStatus.CLOSED]) == '["closed"]'
    assert [s.value for s in IncidentStatus] == ["reported", "verifying", "responding", "contained", "closed"]
    assert IncidentStatus.CLOSED not in vocab.LIVE_STATUSES and len(vocab.LIVE_STATUSES) == 4


def test_every_action_is_described_and_every_description_is_an_action():
    described = set(journal_text._WHAT)
    assert described <= {a.value for a in Action}
    imports = {a for a in Action if a.startswith("import.")}
    assert {Action.import_of(entity) for entity in APPLY} == imports
    assert {a for a in Action} - imports - described == {Action.JOURNAL_KEY}


def test_the_journal_writes_only_actions_of_the_vocabulary(desk):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    desk.set_level(inc.id, "B", "growing")
    desk.set_status(inc.id, "responding")
    desk.add_note(inc.id, "note")
    desk.close_incident(inc.id, "done")
    actions = {e.action for e in desk.journal_entries()}
    assert actions <= {a.value for a in Action}
    assert {"incident.open", "incident.escalate", "incident.status", "incident.note", "incident.close"} <= actions
