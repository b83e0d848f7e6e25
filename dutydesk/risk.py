"""Risk factors -> suggested level, with the reasons shown to the commander.

Each factor scores points (a choice's option score, or the band a number falls
in); the total picks the gravest level whose threshold it reaches.  The
commander may choose another level: both are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.playbook import Kind


@dataclass
class Suggestion:
    level: str | None
    score: float
    reasons: list[str] = field(default_factory=list)
    values: dict[str, str | float] = field(default_factory=dict)


def parse_factor_args(kind: Kind, args: list[str] | None) -> dict[str, str | float]:
    """``["participants=300", "trend=growing"]`` -> validated values."""
    values: dict[str, str | float] = {}
    for arg in args or []:
        if "=" not in arg:
            raise Refused("factor", _("'{arg}' is not NAME=VALUE").format(arg=arg))
        name, value = (part.strip() for part in arg.split("=", 1))
        values[name] = value
    return validate_factors(kind, values)


def validate_factors(kind: Kind, values: dict[str, object]) -> dict[str, str | float]:
    out: dict[str, str | float] = {}
    for name, value in values.items():
        factor = kind.factor(name)
        if value is None or value == "":
            continue
        if factor.type == "choice":
            keys = [o.key for o in factor.options or []]
            if str(value) not in keys:
                raise Refused(f"factor {name}", _("unknown value '{value}'; allowed: {allowed}").format(
                    value=value, allowed=", ".join(keys)))
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
        return Suggestion(level=None, score=0, reasons=[_("no risk factors given")], values={})
    total = 0.0
    reasons: list[str] = []
    for factor in kind.factors:
        if factor.key not in values:
            reasons.append(_("{factor}: not given (+0)").format(factor=factor.text()))
            continue
        value = values[factor.key]
        if factor.type == "choice":
            option = next(o for o in factor.options or [] if o.key == value)
            total += option.score
            reasons.append(_("{factor}: {value} (+{score})").format(
                factor=factor.text(), value=option.text(), score=option.score))
        else:
            band = None
            for b in factor.bands or []:
                if float(value) >= b.min:
                    band = b
            score = band.score if band else 0
            total += score
            reasons.append(_("{factor}: {value} (+{score}, {min} or more)").format(
                factor=factor.text(), value=value, score=score, min=_num(band.min if band else 0)))
    level = None
    for th in sorted(kind.thresholds, key=lambda t: kind.gravity(t.level), reverse=True):
        if total >= th.min_score:
            level = th.level
            reasons.append(_("total {total}: level {level} ({min} or more)").format(
                total=_num(total), level=level, min=_num(th.min_score)))
            break
    if level is None:
        reasons.append(_("total {total}: below every threshold").format(total=_num(total)))
    return Suggestion(level=level, score=total, reasons=reasons, values=values)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
