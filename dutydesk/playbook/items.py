"""The items a playbook is made of: levels, roles, instruction kinds, deadline
rules, risk factors (options, bands) and score thresholds, each validated as
it is read (pydantic)."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from dutydesk import text
from dutydesk.i18n import DEFAULT_LANGUAGE, current_language, pick

Label = dict[str, str]


# A rule's time: more than nothing, at most a leap year (a bound that keeps
# every due time a real date; inf, nan and 1e12 are refused).
MAX_MINUTES = 366 * 24 * 60


def _label(value: Any) -> Any:
    if isinstance(value, str):
        return {"en": value}
    return value


def _check_label(v: Label) -> Label:
    # Labels are shown on every screen and report: the rules of one line
    # of stored text (no control, bidi or zero-width characters).
    for lang, words in v.items():
        wrong = text.problem(lang, text.IDENTIFIER) or text.problem(words, text.LINE)
        if wrong is not None or not words.strip():
            raise ValueError(f"label '{text.safe(lang)}': {wrong or 'must not be empty'}")
    return v


def _finite(name: str, value: float | None, low: float | None = None, high: float | None = None) -> None:
    """``value`` is a real number within [low, high] (a ValueError naming ``name`` if not)."""
    if value is None:
        return
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number")
    if low is not None and value < low or high is not None and value > high:
        raise ValueError(f"{name} must be from {low:g} to {high:g}")


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    label: Label

    _norm_label = field_validator("label", mode="before")(lambda cls, v: _label(v))

    @field_validator("key")
    @classmethod
    def _key_ok(cls, v: str) -> str:
        if not v or not v.strip() or any(ch.isspace() for ch in v):
            raise ValueError("a key must be a non-empty word without spaces")
        wrong = text.problem(v, text.IDENTIFIER)
        if wrong is not None:
            raise ValueError(f"key {wrong}")
        return v

    @field_validator("label")
    @classmethod
    def _label_ok(cls, v: Label) -> Label:
        return _check_label(v)

    def text(self, lang: str | None = None) -> str:
        return pick(self.label, lang)

    def quoted(self) -> str:
        """How a message names it: in English its key, the word typed there (cordon, red); in any other
        language its label (封控警戒), the short one when it has one (红色, B级).  Either is accepted as input."""
        return self.key if current_language() == DEFAULT_LANGUAGE else self.short_text()

    def short_text(self, lang: str | None = None) -> str:
        return self.text(lang)

    def names(self) -> set[str]:
        """Every name a person may type for it: the key, and its labels (and short labels) in any language."""
        return {self.key, *self.label.values(), *(getattr(self, "short", None) or {}).values()}


class _Short(_Item):
    """An item with an optional short label (``short = {en = "Red", zh_CN = "红色"}``)
    for tables, lines and badges; the full label where there is room."""

    short: Label | None = None

    _norm_short = field_validator("short", mode="before")(lambda cls, v: _label(v))

    @field_validator("short")
    @classmethod
    def _short_ok(cls, v: Label | None) -> Label | None:
        return None if v is None else _check_label(v)

    def short_text(self, lang: str | None = None) -> str:
        return pick(self.short, lang) if self.short else self.text(lang)


class Level(_Short):
    colour: str = "white"

    @field_validator("colour")
    @classmethod
    def _colour_ok(cls, v: str) -> str:
        if not re.fullmatch(r"#?[A-Za-z0-9_]{1,32}", v):
            raise ValueError("a colour is a name or #rrggbb")
        return v


class Role(_Item):
    assignee: Literal["unit", "staff", "any"] = "any"
    required: bool = True
    levels: list[str] | None = None


class InstructionKind(_Item):
    pass


class DeadlineRule(_Short):
    # reported: the report time; occurred: when it happened (the report time
    # when that is not known); level_set: since the incident has been at this
    # level or a graver one; instruction: each instruction sent.
    # short: the board's word for it ("1st statement"); "{to}" in it stands for
    # an instruction's unit or person ("ack {to}" -> "ack PS-RV").
    anchor: Literal["reported", "occurred", "level_set", "instruction"]
    minutes: float | None = None
    minutes_by_level: dict[str, float] | None = None
    levels: list[str] | None = None
    instruction_kinds: list[str] | None = None
    met_by: Literal["manual", "ack"] = "manual"
    target: float | None = None  # share to be met on time, 0..1
    warn_before_minutes: float | None = None

    @model_validator(mode="after")
    def _check(self) -> "DeadlineRule":
        if (self.minutes is None) == (self.minutes_by_level is None):
            raise ValueError("give exactly one of 'minutes' or 'minutes_by_level'")
        values = [self.minutes] if self.minutes is not None else list((self.minutes_by_level or {}).values())
        if any(not math.isfinite(v) for v in values):
            raise ValueError("minutes must be a finite number")
        if any(v <= 0 for v in values):
            raise ValueError("minutes must be greater than 0")
        if any(v > MAX_MINUTES for v in values):
            raise ValueError(f"minutes must be at most {MAX_MINUTES} (366 days)")
        _finite("warn_before_minutes", self.warn_before_minutes, 0, MAX_MINUTES)
        _finite("target", self.target)
        if self.target is not None and not 0 <= self.target <= 1:
            raise ValueError("target is a share between 0 and 1")
        if self.met_by == "ack" and self.anchor != "instruction":
            raise ValueError("met_by = 'ack' needs anchor = 'instruction'")
        if self.instruction_kinds is not None and self.anchor != "instruction":
            raise ValueError("instruction_kinds needs anchor = 'instruction'")
        return self

    def applies_to(self, level: str) -> bool:
        if self.levels is not None and level not in self.levels:
            return False
        if self.minutes_by_level is not None and level not in self.minutes_by_level:
            return False
        return True

    def duration(self, level: str) -> timedelta:
        minutes = self.minutes if self.minutes is not None else (self.minutes_by_level or {})[level]
        return timedelta(minutes=minutes)

    def short_for(self, to: str | None = None, lang: str | None = None) -> str:
        """The short label, ``{to}`` filled with the instruction's unit or person
        (an instruction rule without ``{to}`` gets the recipient after it)."""
        words = self.short_text(lang)
        if "{to}" in words:
            return " ".join(words.replace("{to}", to or "").split())
        return f"{words} {to}" if to and self.anchor == "instruction" else words


class Option(_Item):
    score: int

    @field_validator("score")
    @classmethod
    def _score_ok(cls, v: int) -> int:
        _finite("score", v, -1_000_000, 1_000_000)
        return v


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float
    score: int

    @model_validator(mode="after")
    def _check(self) -> "Band":
        _finite("min", self.min)
        _finite("score", self.score, -1_000_000, 1_000_000)
        return self


class Factor(_Item):
    type: Literal["choice", "number"]
    options: list[Option] | None = None
    bands: list[Band] | None = None

    @model_validator(mode="after")
    def _check(self) -> "Factor":
        if self.type == "choice":
            if not self.options:
                raise ValueError("a 'choice' factor needs 'options'")
            keys = [o.key for o in self.options]
            if len(set(keys)) != len(keys):
                raise ValueError("option keys must be unique")
        else:
            if not self.bands:
                raise ValueError("a 'number' factor needs 'bands'")
            mins = [b.min for b in self.bands]
            if mins != sorted(mins) or len(set(mins)) != len(mins):
                raise ValueError("bands must be in increasing 'min' order")
        return self


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    level: str
    min_score: float

    @model_validator(mode="after")
    def _check(self) -> "Threshold":
        _finite("min_score", self.min_score)
        return self
