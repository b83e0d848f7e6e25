"""Races from the CLI (issue 11, defect 10): every command that changes an
incident takes ``--expect-version N``; ``incident show --json`` prints the
version; a mismatch is the Conflict refusal (one line, exit 1, nothing written)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.clitools import ok


@pytest.fixture
def seeded(seeded):
    """The seeded desk (conftest) with incident 1 open."""
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gathering", "--place", "Gate", "--level", "B"))
    return seeded


def version(cli, incident=1) -> int:
    return json.loads(ok(cli("incident", "show", str(incident), "--json")).stdout)["version"]


def head(cli) -> int:
    return json.loads(ok(cli("audit", "log", "--json")).stdout)[-1]["seq"]


def test_show_json_prints_the_version(seeded):
    assert version(seeded) == 1
    ok(seeded("incident", "note", "1", "calm"))
    assert version(seeded) == 2


def _setup_instruction(cli) -> str:
    return ok(cli("incident", "instruct", "1", "--to", "PS1", "Two cars")).stdout.strip()


def _first_pending_deadline(cli) -> str:
    rows = json.loads(ok(cli("deadline", "list", "--json")).stdout)
    return str(next(d["id"] for d in rows if d["instruction_id"] is None))


# (command words, a set-up giving an id to substitute for {x}, or None)
CHANGES = {
    "level": (["incident", "level", "1", "A", "--reason", "crowd growing"], None),
    "status": (["incident", "status", "1", "responding"], None),
    "assign": (["incident", "assign", "1", "cordon", "SPD"], None),
    "release": (["incident", "release", "1", "cordon"], lambda cli: ok(cli("incident", "assign", "1", "cordon", "SPD"))),
    "instruct": (["incident", "instruct", "1", "--to", "PS1", "Send two cars"], None),
    "note": (["incident", "note", "1", "Talks under way"], None),
    "close": (["incident", "close", "1", "--summary", "Dispersed"], None),
    "ack": (["instruction", "ack", "{x}"], _setup_instruction),
    "meet": (["deadline", "meet", "{x}"], _first_pending_deadline),
    "waive": (["deadline", "waive", "{x}", "--reason", "not needed"], _first_pending_deadline),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_every_incident_change_takes_expect_version(seeded, name):
    words, setup = CHANGES[name]
    x = setup(seeded) if setup else None
    words = [w.format(x=x) for w in words]
    v, seq = version(seeded), head(seeded)
    stale = seeded(*words, "--expect-version", str(v - 1))
    assert stale.exit_code == 1, (stale.output, stale.stderr)
    assert stale.stderr.splitlines() == [
        f"error: incident: incident 1 was changed by someone else (version {v}, you had {v - 1}); reload and try again"
    ]
    assert version(seeded) == v and head(seeded) == seq  # nothing written
    ok(seeded(*words, "--expect-version", str(v)))
    assert version(seeded) == v + 1 and head(seeded) == seq + 1


def test_expect_version_must_be_a_whole_number(seeded):
    r = seeded("incident", "level", "1", "A", "--reason", "x", "--expect-version", "two")
    assert r.exit_code == 2 and "--expect-version" in r.stderr


def _cli_env(db_url: str) -> dict[str, str]:
    return {**os.environ, "DUTYDESK_DB": db_url, "DUTYDESK_ACTOR": "DC1"}


def test_close_and_level_racing_as_processes_exactly_one_applies(seeded, db_url):
    """Two scripts read version N and act at once: one applies, the other is
    refused (exit 1, one line) and nothing of it is written."""
    env = _cli_env(db_url)
    for round_ in range(3):
        inc = str(round_ + 1)
        if round_:
            ok(seeded("incident", "open", "--kind", "mass", "--title", f"Round {inc}", "--place", "Gate", "--level", "B"))
        v = str(version(seeded, inc))
        base = [sys.executable, "-m", "dutydesk", "incident"]
        procs = [
            subprocess.Popen(
                base + ["close", inc, "--summary", "Dispersed", "--expect-version", v],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
            subprocess.Popen(
                base + ["level", inc, "A", "--reason", "growing", "--expect-version", v],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        ]
        outs = [p.communicate(timeout=60) for p in procs]
        codes = sorted(p.returncode for p in procs)
        assert codes == [0, 1], (codes, outs)
        loser = outs[[p.returncode for p in procs].index(1)][1]
        assert loser.count("\n") == 1 and "was changed by someone else" in loser, loser
        detail = json.loads(ok(seeded("incident", "show", inc, "--json")).stdout)
        closed, raised = detail["status"] == "closed", detail["level"] == "A"
        assert closed != raised  # exactly one of the two took effect
        assert detail["version"] == int(v) + 1
        entries = json.loads(ok(seeded("audit", "log", "--json")).stdout)
        mine = [e["action"] for e in entries if e["entity_id"] == inc and e["action"] in ("incident.close", "incident.escalate")]
        assert len(mine) == 1
