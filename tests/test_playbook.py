from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dutydesk.errors import PlaybookError, Refused
from dutydesk.playbook import load_playbooks


def test_builtin_numbers_from_the_plans():
    pb = load_playbooks()
    mass = pb.get("mass")
    assert mass.level_keys() == ["A", "B", "C"]
    assert [r.key for r in mass.roles] == ["cordon", "negotiation", "evidence", "media"]
    rules = {d.key: d for d in mass.deadlines}
    assert rules["front_line_instruction"].duration("C") == timedelta(minutes=1)
    assert rules["front_line_instruction"].met_by == "ack"
    assert rules["reinforcement_departure"].duration("A") == timedelta(minutes=15)
    assert rules["reinforcement_departure"].instruction_kinds == ["reinforcement"]
    assert rules["first_public_information"].duration("B") == timedelta(hours=2)
    assert [f.key for f in mass.factors] == ["cause_field", "participants", "trend", "social_impact"]

    op = pb.get("opinion")
    assert op.level_keys() == ["red", "orange", "yellow"]
    assert [r.key for r in op.roles] == ["commander", "duty_commander", "cyber", "publicity", "legal", "inspection", "unit_involved"]
    rules = {d.key: d for d in op.deadlines}
    assert rules["joint_response"].duration("yellow") == timedelta(minutes=30)
    assert rules["first_statement"].applies_to("red") and rules["first_statement"].applies_to("orange")
    assert not rules["first_statement"].applies_to("yellow")
    assert rules["first_statement"].duration("red") == timedelta(hours=2)
    assert rules["first_response"].applies_to("yellow") and not rules["first_response"].applies_to("red")
    assert rules["first_response"].duration("yellow") == timedelta(hours=4)
    assert rules["core_facts"].duration("orange") == timedelta(hours=24)
    assert [rules["unit_verification"].duration(lv) for lv in ("red", "orange", "yellow")] == [
        timedelta(hours=2),
        timedelta(hours=4),
        timedelta(hours=8),
    ]
    assert [f.key for f in op.factors] == ["nature", "sensitivity", "spread_speed", "social_impact"]


def test_labels_in_both_languages():
    mass = load_playbooks().get("mass")
    assert mass.role("cordon").text("zh_CN") == "封控警戒"
    assert mass.role("cordon").text("en") == "Cordon and security"


def test_unknown_kind_level_role_list_the_allowed_values():
    pb = load_playbooks()
    with pytest.raises(Refused, match="kinds: mass, opinion"):
        pb.get("riot")
    with pytest.raises(Refused, match="levels: A, B, C"):
        pb.get("mass").level("D")
    with pytest.raises(Refused, match="roles: cordon, negotiation, evidence, media"):
        pb.get("mass").role("sniper")


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "override.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_override_changes_and_adds(tmp_path):
    p = write(
        tmp_path,
        """
[kind.opinion]
[[kind.opinion.deadlines]]
key = "joint_response"
minutes = 20

[[kind.opinion.deadlines]]
key = "press_briefing"
label = { en = "Press briefing", zh_CN = "新闻通气" }
anchor = "level_set"
minutes = 180
levels = ["red"]

[[kind.mass.roles]]
key = "media"
remove = true

[kind.flood]
label = "Flood"
[[kind.flood.levels]]
key = "I"
label = "Level I"
[[kind.flood.deadlines]]
key = "evacuation_order"
label = "Evacuation order"
anchor = "reported"
minutes = 10
""",
    )
    pb = load_playbooks(p)
    op = pb.get("opinion")
    assert op.deadline_rule("joint_response").duration("red") == timedelta(minutes=20)
    assert op.deadline_rule("joint_response").text().startswith("Joint response")  # label kept
    assert op.deadline_rule("press_briefing").applies_to("red")
    assert [r.key for r in pb.get("mass").roles] == ["cordon", "negotiation", "evidence"]
    assert pb.get("flood").level_keys() == ["I"]


@pytest.mark.parametrize(
    "text, key, reason",
    [
        ("[kind.mass\n", "", "not valid TOML"),
        ("[kind.mass]\ncolour = 1\n", "kind.mass.colour", "unknown key"),
        (
            '[[kind.mass.deadlines]]\nkey = "first_public_information"\nminutes = -5\n',
            "kind.mass.deadlines[first_public_information]",
            "greater than 0",
        ),
        (
            '[[kind.opinion.deadlines]]\nkey = "x"\nlabel = "X"\nanchor = "reported"\nminutes = 5\nlevels = ["purple"]\n',
            "kind.opinion",
            "unknown level 'purple'",
        ),
        ('[[kind.mass.levels]]\nkey = "D"\n', "kind.mass.levels[D].label", "required key is missing"),
        (
            '[[kind.mass.deadlines]]\nkey = "y"\nlabel = "Y"\nanchor = "whenever"\nminutes = 5\n',
            "kind.mass.deadlines[y].anchor",
            "must be one of: reported, occurred, level_set, instruction",
        ),
        ('[[kind.mass.roles]]\nkey = "ghost"\nremove = true\n', "kind.mass.roles[ghost]", "no such item"),
        ('[kind.new]\nlabel = "New"\n', "kind.new.levels", "required key is missing"),
        ("[other]\nx = 1\n", "other", "unknown top-level key"),
        (
            '[[kind.mass.deadlines]]\nkey = "z"\nlabel = "Z"\nanchor = "reported"\n',
            "kind.mass.deadlines[z]",
            "exactly one of 'minutes' or 'minutes_by_level'",
        ),
    ],
)
def test_bad_override_names_file_key_and_reason(tmp_path, text, key, reason):
    p = write(tmp_path, text)
    with pytest.raises(PlaybookError) as info:
        load_playbooks(p)
    err = info.value
    assert err.file == str(p)
    assert err.field.startswith(key)
    assert reason in err.message
    assert str(err).startswith(f"{p}: ")


def test_missing_override_file(tmp_path):
    with pytest.raises(PlaybookError, match="file not found"):
        load_playbooks(tmp_path / "nope.toml")


def test_the_light_readers_cache_is_keyed_by_the_playbook_code(tmp_path):
    """The light read path caches the validated playbooks under a key made of
    the playbook code and files: a key it cannot make (a code file gone, e.g.
    when the module became a package) would validate them the full way on
    every run."""
    from dutydesk.lightread.playbooks import playbooks_key

    key = playbooks_key(None)
    assert key is not None
    assert playbooks_key(None) == key
    override = tmp_path / "playbooks.toml"
    override.write_text("", encoding="utf-8")
    assert playbooks_key(override) not in (None, key)
