"""Risk factors -> suggested level, with the reasons shown to the commander.

Each factor scores points (a choice's option score, or the band a number falls
in); the total picks the gravest level whose threshold it reaches.  The
commander may choose another level: both are recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.playbook import Kind
from dutydesk.reasons import reason_text  # the words of a reason: light, shared with lightread


@dataclass
class Suggestion:
    """The suggestion and why.  ``facts`` are the reasons as keys and numbers
    (what the desk stores, so the record does not depend on the writer's
    language); ``reasons`` are the same in the reader's words."""

    level: str | None
    score: float
    facts: list[dict[str, Any]] = field(default_factory=list)
    values: dict[str, str | float] = field(default_factory=dict)
    kind: Kind | None = None

    @property
    def reasons(self) -> list[str]:
        return [reason_text(self.kind, f) for f in self.facts]


def parse_factor_args(kind: Kind, args: list[str] | None) -> dict[str, str | float]:
    """``["participants=300", "trend=growing"]`` -> validated values."""
    values: dict[str, str | float] = {}
    for arg in args or []:
        if "=" not in arg:
            raise Refused("factor", _("'{arg}' is not NAME=VALUE").format(arg=arg))
        name, value = (part.strip() for part in arg.split("=", 1))
        values[name] = value
    return validate_factors(kind, values)


def validate_factors(kind: Kind, values: Mapping[str, object]) -> dict[str, str | float]:
    out: dict[str, str | float] = {}
    for name, value in values.items():
        factor = kind.factor(name)
        if value is None or value == "":
            continue
        if factor.type == "choice":
            keys = [o.key for o in factor.options or []]
            if str(value) not in keys:
                raise Refused(f"factor {name}", _("unknown value '{value}'; allowed: {allowed}").format(value=value, allowed=", ".join(keys)))
            out[name] = str(value)
        else:
            try:
                number = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise Refused(f"factor {name}", _("'{value}' is not a number").format(value=value)) from None
            if number < 0 or number != number:
                raise Refused(f"factor {name}", _("must be 0 or more"))
            out[name] = int(number) if number.is_integer() else number
    return out


def assess(kind: Kind, values: dict[str, str | float]) -> Suggestion:
    """Score the given factors; no factors at all -> no suggestion."""
    values = validate_factors(kind, values)
    if not values:
        return Suggestion(level=None, score=0, facts=[{"none": True}], values={}, kind=kind)
    total = 0.0
    facts: list[dict[str, Any]] = []
    for factor in kind.factors:
        if factor.key not in values:
            facts.append({"factor": factor.key, "score": 0})
            continue
        value = values[factor.key]
        if factor.type == "choice":
            option = next(o for o in factor.options or [] if o.key == value)
            total += option.score
            facts.append({"factor": factor.key, "option": option.key, "score": option.score})
        else:
            band = None
            for b in factor.bands or []:
                if float(value) >= b.min:
                    band = b
            score = band.score if band else 0
            total += score
            facts.append({"factor": factor.key, "value": value, "score": score, "min": band.min if band else 0})
    level = None
    for th in sorted(kind.thresholds, key=lambda t: kind.gravity(t.level), reverse=True):
        if total >= th.min_score:
            level = th.level
            facts.append({"total": total, "level": level, "min": th.min_score})
            break
    if level is None:
        facts.append({"total": total, "level": None})
    return Suggestion(level=level, score=total, facts=facts, values=values, kind=kind)
