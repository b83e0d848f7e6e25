from __future__ import annotations

import pytest

from dutydesk.errors import Refused
from dutydesk.playbook import load_playbooks
from dutydesk.risk import assess, parse_factor_args


@pytest.fixture
def pb():
    return load_playbooks()


def test_mass_suggestion_with_reasons(pb):
    k = pb.get("mass")
    s = assess(k, parse_factor_args(k, ["cause_field=land", "participants=400", "trend=escalating", "social_impact=city"]))
    assert s.level == "A" and s.score == 9
    assert s.reasons[0] == "Cause field: Land acquisition and demolition (+2)"
    assert s.reasons[1] == "Participants: 400 (+2, 200 or more)"
    assert s.reasons[-1] == "total 9: level A (8 or more)"


def test_partial_factors_and_lowest_level(pb):
    k = pb.get("mass")
    s = assess(k, parse_factor_args(k, ["participants=30"]))
    assert s.level == "C"
    assert "Trend: not given (+0)" in s.reasons


def test_opinion_levels(pb):
    k = pb.get("opinion")
    red = assess(k, {"nature": "casualty", "sensitivity": "high", "spread_speed": "viral", "social_impact": "national"})
    orange = assess(k, {"nature": "enforcement", "sensitivity": "medium", "spread_speed": "fast", "social_impact": "city"})
    yellow = assess(k, {"nature": "service", "sensitivity": "low"})
    assert (red.level, orange.level, yellow.level) == ("red", "orange", "yellow")


def test_no_factors_no_suggestion(pb):
    assert assess(pb.get("mass"), {}).level is None


@pytest.mark.parametrize(
    "arg, field, msg",
    [
        ("trend=sideways", "factor trend", "allowed: easing, stable, growing, escalating"),
        ("participants=many", "factor participants", "is not a number"),
        ("participants=-3", "factor participants", "0 or more"),
        ("mood=angry", "factor", "factors: cause_field, participants, trend, social_impact"),
        ("trend", "factor", "is not NAME=VALUE"),
    ],
)
def test_bad_factor_values(pb, arg, field, msg):
    k = pb.get("mass")
    with pytest.raises(Refused) as info:
        parse_factor_args(k, [arg])
    assert info.value.field == field
    assert msg in info.value.message
