"""The journal is evidence that cannot be forged (issue 11, defect 4).

Each case (tests/tamper_cases.py) forges the desk as someone with write
access to the file but not the key could; ``audit verify`` must find it
(exit 1), naming the first bad entry or the first disagreement.  Before the
keyed chain, seals and reconciliation, every one of these passed as intact.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutydesk import config
from dutydesk.cli import app
from dutydesk.desk import Desk
from dutydesk.errors import Refused
from tests import tamper_cases as tc

runner = CliRunner()

# What the verdict must name for each case: (bad entry or None, words in the reason).
EXPECT = {
    "edit note in table and journal, chain recomputed": ("note", ["MAC"]),
    "delete a middle entry, renumbered, chain recomputed": ("note4", ["MAC"]),
    "truncate the tail": (None, ["deadline 3", "no journal entry"]),
    "truncate below a seal, rows and seal removed": ("seal", ["seal of shift 1", "entries were removed"]),
    "insert an entry, renumbered, chain recomputed": ("note0+1", ["MAC"]),
    "append an entry": ("end+1", ["no MAC"]),
    "reorder two entries, chain recomputed": ("note3", ["MAC"]),
    "strip every MAC, chain recomputed": ("seal", ["seal of shift 1"]),
    "rewrite a sealed entry, chain recomputed": ("note0", ["MAC"]),
    "delete a seal": ("seal", ["seal of shift 1", "missing from the desk"]),
    "table only: note text": ("note2", ["note 3: text is 'all calm' in the table, 'note 2' in the journal"]),
    "table only: incident level": ("escalate", ["incident 1: level is 'C' in the table, 'A' in the journal"]),
    "table only: deadline missed -> met": ("escalate", ["deadline 1: state is 'met' in the table, 'missed' in the journal"]),
    "table only: deadline deleted": ("escalate", ["deadline 1 is in the journal", "not in the table"]),
    "table only: unsettled deadline deleted": ("instruct2", ["deadline front_line_instruction", "not in the table"]),
    "table only: pending deadline given more time": ("instruct2", ["deadline 3: due_at is '2026-11-23T08:00"]),
    "table only: acknowledgement removed": ("ack", ["instruction 1: acknowledged_at is none in the table"]),
    "table only: incident closed": ("open", ["incident 1: status is 'closed' in the table, 'reported' in the journal"]),
    "table only: alarm acknowledgement forged": (None, ["alarm acknowledgement 1 is in the table but no journal entry made it"]),
}


def test_every_case_has_an_expectation():
    assert set(EXPECT) == set(tc.CASES)


def _seqs(desk: Desk) -> dict[str, int]:
    """Where things are in the scenario's journal (before it is tampered with)."""
    entries = desk.journal_entries()
    notes = [e.seq for e in entries if e.action == "incident.note"]
    instructs = [e.seq for e in entries if e.action == "incident.instruct"]
    return {
        "note": notes[1],
        "note0": notes[0],
        "note0+1": notes[0] + 1,
        "note2": notes[2],
        "note3": notes[3],
        "note4": notes[4],
        "end+1": entries[-1].seq + 1,
        "seal": next(e.seq for e in entries if e.action == "shift.end"),
        "escalate": next(e.seq for e in entries if e.action == "incident.escalate"),
        "open": next(e.seq for e in entries if e.action == "incident.open"),
        "ack": next(e.seq for e in entries if e.action == "instruction.ack"),
        "instruct2": instructs[1],
    }


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The scenario, built once and copied for each case."""
    return tc.template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="module")
def seqs(template):
    with tc._keys_in(template.db.parent / "keys"):
        return _seqs(template.desk)


@pytest.mark.parametrize("name", list(tc.CASES))
def test_tamper_is_detected(name, tmp_path, template, seqs):
    verdict = tc.run_case(name, tmp_path, template)
    where, words = EXPECT[name]
    assert not verdict.ok, name
    if where is not None:
        assert verdict.bad_seq == seqs[where], (verdict.bad_seq, verdict.reason)
    for w in words:
        assert w in verdict.reason, verdict.reason


def test_tamper_cases_tally():
    """What `make reliability` reports ("tamper cases detected / tried"); every
    case is run above, two here through the harness's function."""
    names = ["truncate the tail", "table only: note text"]
    assert tc.tamper_cases(names) == [(n, True) for n in names]


def test_one_case_built_from_scratch(tmp_path):
    assert not tc.run_case("append an entry", tmp_path).ok


# -- through the CLI ---------------------------------------------------------------


def _cli_scene(tmp_path: Path):
    """The scenario on a desk the CLI opens, with keys where the CLI looks."""
    os.environ["DUTYDESK_KEY_DIR"] = str(tmp_path / "keys")  # isolated_env restores DUTYDESK_*
    scene = tc.build(tmp_path)
    scene.desk.close()
    return scene, f"sqlite:///{scene.db}"


def test_cli_verify_intact_then_tampered(tmp_path):
    scene, url = _cli_scene(tmp_path)
    r = runner.invoke(app, ["--db", url, "audit", "verify"])
    assert r.exit_code == 0, r.output
    assert "Journal intact" in r.stdout and "MACs checked" in r.stdout and "1 seal matches the journal" in r.stdout
    tc.table_incident_level(scene)
    r = runner.invoke(app, ["--db", url, "audit", "verify"])
    assert r.exit_code == 1
    line = r.stderr.strip()
    assert "\n" not in line
    assert line.startswith("Journal check failed: incident 1: level is 'C' in the table, 'A' in the journal (entry ")


def test_cli_verify_rechained_edit_names_the_entry(tmp_path):
    scene, url = _cli_scene(tmp_path)
    tc.edit_note_and_journal_rechained(scene)
    r = runner.invoke(app, ["--db", url, "audit", "verify", "--json"])
    assert r.exit_code == 1
    import json

    data = json.loads(r.stdout)
    assert data["ok"] is False and "MAC" in data["reason"] and data["bad_seq"] > 1


def test_subprocess_verify_detects_a_table_edit(tmp_path):
    scene, url = _cli_scene(tmp_path)
    tc.table_deadline_missed_to_met(scene)
    env = {**os.environ, "DUTYDESK_KEY_DIR": str(tmp_path / "keys")}
    p = subprocess.run([sys.executable, "-m", "dutydesk", "--db", url, "audit", "verify"], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "deadline 1: state is 'met' in the table, 'missed' in the journal" in p.stderr
    assert "Traceback" not in p.stderr


# -- the key ---------------------------------------------------------------------------


def test_key_file_is_private_and_outside_the_desk(desk):
    path = config.journal_key_path(desk.meta()["desk_id"])
    assert path.exists() and path.parent != Path(desk.engine.url.database).parent
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert desk.meta()["journal_key"] and desk.verify_journal().mac_checked


def test_copy_without_key_checks_plain_chain_and_says_so(desk, clock):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    desk.add_note(inc.id, "calm")
    key = config.journal_key_path(desk.meta()["desk_id"])
    key.rename(key.with_name("elsewhere"))
    copy = Desk(desk.engine, clock=clock, actor="DC1")
    v = copy.verify_journal()
    assert not v.ok and not v.mac_checked
    assert "the MACs cannot be checked" in v.reason and str(key) in v.reason
    # the plain chain and the tables were still checked, and passed
    assert [c.ok for c in v.checks if c.name in ("chain", "seals", "tables")] == [True, True, True]


def test_no_write_without_the_key(desk, clock, db_url):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    key = config.journal_key_path(desk.meta()["desk_id"])
    key.unlink()
    fresh = Desk(desk.engine, clock=clock, actor="DC1")
    head = fresh.journal_head()
    with pytest.raises(Refused) as refused:
        fresh.add_note(inc.id, "would break the chain")
    assert refused.value.field == "key" and str(key) in str(refused.value)
    assert fresh.journal_head() == head and not fresh.get_incident(inc.id).notes
    r = runner.invoke(app, ["--db", db_url, "incident", "note", str(inc.id), "again"])
    assert r.exit_code == 1 and r.stderr.startswith("error: key: ") and str(key) in r.stderr
    assert "\n" not in r.stderr.strip()


def test_wrong_key_is_named(desk, clock):
    key = config.journal_key_path(desk.meta()["desk_id"])
    key.write_text("00" * config.KEY_BYTES + "\n")
    v = Desk(desk.engine, clock=clock).verify_journal()
    assert not v.ok and "is not this desk's journal key" in v.reason


def test_old_desk_keeps_verifying_then_is_keyed(bare_desk, clock, db_url):
    """Entries written before the desk had a key verify by the plain chain;
    `init` keys it, and from then on every entry carries a MAC."""
    from dutydesk import journal
    from sqlmodel import Session

    d = bare_desk
    # An old desk: made as an older version did (no key, no MACs).
    with Session(d.engine) as s:
        from dutydesk.models import DeskMeta

        s.add(DeskMeta(key="desk_id", value="old-desk"))
        s.add(DeskMeta(key="name", value="Old"))
        journal.append(
            s, at=clock.now(), actor="DC1", action="desk.create", entity="desk", entity_id="old-desk", payload={"name": "Old", "demo": False}
        )
        s.commit()
    d.add_unit("PS1", "Station 1")
    v = d.verify_journal()
    assert v.ok and v.keyed == 0 and "no journal key yet" in " ".join(c.text for c in v.checks)
    r = runner.invoke(app, ["--db", db_url, "init"])
    assert r.exit_code == 0 and "Journal key:" in r.stdout, r.output
    d2 = Desk(d.engine, clock=clock, actor="DC1")
    d2.add_unit("PS2", "Station 2")
    v = d2.verify_journal()
    assert v.ok and v.keyed == 2 and v.mac_checked, v.reason
    # Once keyed, stripping the MACs (and the key record) is found while the key file is here.
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as c:
        c.execute("UPDATE journalentry SET mac = NULL")
        c.execute("DELETE FROM deskmeta WHERE key = 'journal_key'")
        tc.rechain(c, 1)
    v = Desk(d.engine, clock=clock).verify_journal()
    assert not v.ok and "no entry carries a MAC" in v.reason


# -- seals -------------------------------------------------------------------------------


def test_shift_end_seals_and_report_prints_it(desk, clock):
    from dutydesk import reports

    desk.start_shift("DC1")
    clock.advance(hours=1)
    desk.end_shift("quiet")
    seq, mac = desk.shift_seal(1)
    assert seq == desk.journal_head() and len(mac) == 64
    assert config.read_seals(desk.meta()["desk_id"]) == [{"shift": 1, "seq": seq, "mac": mac, "at": "2026-11-22T11:00:00.000000Z"}]
    text = reports.render(desk, reports.build(desk, "shift", shift_id=1), "text").decode()
    assert f"Journal seal of shift 1: entry {seq}, MAC {mac[:16]}" in text
    assert desk.verify_journal().seals == 1


def test_mac_covers_canonical_bytes_the_same_on_every_back_end():
    """A time read back from PostgreSQL (aware, any offset) or SQLite (UTC) gives the same MAC."""
    from datetime import datetime, timedelta, timezone

    from dutydesk.journal import GENESIS, entry_mac

    fields = dict(prev_hash=GENESIS, seq=1, late=False, actor="DC1", action="desk.create", entity="desk", entity_id="d", payload='{"a":"事件"}')
    utc = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    beijing = utc.astimezone(timezone(timedelta(hours=8)))
    key = bytes(range(32))
    a = entry_mac(key, prev_mac=None, at=utc, event_at=utc, **fields)
    assert a == entry_mac(key, prev_mac=None, at=beijing, event_at=beijing, **fields)
    # HMAC-SHA256(key, prev MAC + "\n" + canonical JSON), computable by any tool from the export
    assert a == "2840f54c55fcf1d97a350a5a96284d6fbe13322e79947cf5c7c6baedec145df1"
    assert a != entry_mac(key, prev_mac="1" * 64, at=utc, event_at=utc, **fields)
    assert a != entry_mac(bytes(32), prev_mac=None, at=utc, event_at=utc, **fields)
