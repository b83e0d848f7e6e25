"""Playbooks: the response plans as data.

Each kind of incident (``mass``, ``opinion``, and any a city adds) has levels
(gravest first), roles, instruction kinds, deadline rules, risk factors and the
score thresholds that turn factors into a suggested level.  The built-in
playbooks are ``dutydesk/playbooks/*.toml``; a local override file (same shape)
may change or add kinds, levels, roles, deadlines and factors, item by item
(matched on ``key``; ``remove = true`` drops one).
"""

from __future__ import annotations

import copy
import math
import os
import re
import stat
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from dutydesk import text
from dutydesk.errors import PlaybookError, Refused
from dutydesk.i18n import DEFAULT_LANGUAGE, _, current_language, pick

BUILTIN_DIR = Path(__file__).parent / "playbooks"
LIST_KEYS = {"levels": "key", "roles": "key", "instruction_kinds": "key", "deadlines": "key", "factors": "key", "thresholds": "level"}

Label = dict[str, str]


# A rule's time: more than nothing, at most a leap year (a bound that keeps
# every due time a real date; inf, nan and 1e12 are refused).
MAX_MINUTES = 366 * 24 * 60
MAX_FILE_BYTES = 1 << 20  # an override file is a few kilobytes


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


class Kind(_Short):
    source: str = ""
    levels: list[Level]
    roles: list[Role] = []
    instruction_kinds: list[InstructionKind] = [InstructionKind(key="order", label={"en": "Instruction", "zh_CN": "指令"})]
    deadlines: list[DeadlineRule] = []
    factors: list[Factor] = []
    thresholds: list[Threshold] = []

    @model_validator(mode="after")
    def _check(self) -> "Kind":
        if not self.levels:
            raise ValueError("a kind needs at least one level")
        for name in ("levels", "roles", "instruction_kinds", "deadlines", "factors"):
            keys = [item.key for item in getattr(self, name)]
            dup = {k for k in keys if keys.count(k) > 1}
            if dup:
                raise ValueError(f"{name}: duplicate key {sorted(dup)[0]!r}")
        levels = set(self.level_keys())
        known = ", ".join(self.level_keys())
        for rule in self.deadlines:
            for lv in (rule.levels or []) + list((rule.minutes_by_level or {}).keys()):
                if lv not in levels:
                    raise ValueError(f"deadlines[{rule.key}]: unknown level {lv!r} (levels: {known})")
            for ik in rule.instruction_kinds or []:
                if ik not in {i.key for i in self.instruction_kinds}:
                    raise ValueError(f"deadlines[{rule.key}]: unknown instruction kind {ik!r}")
        for role in self.roles:
            for lv in role.levels or []:
                if lv not in levels:
                    raise ValueError(f"roles[{role.key}]: unknown level {lv!r} (levels: {known})")
        for th in self.thresholds:
            if th.level not in levels:
                raise ValueError(f"thresholds: unknown level {th.level!r} (levels: {known})")
        return self

    # -- look-ups -----------------------------------------------------------
    def level_keys(self) -> list[str]:
        return [lv.key for lv in self.levels]

    def find_level(self, key: str) -> Level | None:
        return next((lv for lv in self.levels if lv.key == key), None)

    def level(self, key: str) -> Level:
        found = self.find_level(key)
        if found is not None:
            return found
        raise Refused(
            "level",
            _("unknown level '{level}' for kind '{kind}'; levels: {levels}").format(
                level=key, kind=self.quoted(), levels=", ".join(lv.quoted() for lv in self.levels)
            ),
        )

    def level_short(self, key: str) -> str:
        """A level's short label; the key itself for a level the playbook no longer knows."""
        found = self.find_level(key)
        return found.short_text() if found else key

    def level_key(self, name: str) -> str:
        """The key of the level a person named by key or by label (``红色``, ``Red``, ``B级``); else ``name``."""
        wanted = name.strip()
        found = [lv.key for lv in self.levels if wanted in lv.names()]
        return found[0] if len(found) == 1 else name

    def gravity(self, key: str) -> int:
        """Higher is graver: the first level listed is the gravest."""
        return len(self.levels) - self.level_keys().index(key)

    def find_role(self, key: str) -> Role | None:
        return next((r for r in self.roles if r.key == key), None)

    def role(self, key: str) -> Role:
        found = self.find_role(key)
        if found is not None:
            return found
        raise Refused(
            "role",
            _("unknown role '{role}' for kind '{kind}'; roles: {roles}").format(
                role=key, kind=self.quoted(), roles=", ".join(r.quoted() for r in self.roles)
            ),
        )

    def role_key(self, name: str) -> str:
        """The key of the role a person named by key or by label (``封控警戒``); else ``name``."""
        wanted = name.strip()
        found = [r.key for r in self.roles if wanted in r.names()]
        return found[0] if len(found) == 1 else name

    def roles_for(self, level: str) -> list[Role]:
        return [r for r in self.roles if r.levels is None or level in r.levels]

    def instruction_kind(self, key: str) -> InstructionKind:
        for ik in self.instruction_kinds:
            if ik.key == key:
                return ik
        raise Refused(
            "kind", _("unknown instruction kind '{value}'; kinds: {kinds}").format(value=key, kinds=", ".join(i.key for i in self.instruction_kinds))
        )

    def deadline_rule(self, key: str) -> DeadlineRule | None:
        for rule in self.deadlines:
            if rule.key == key:
                return rule
        return None

    def ack_minutes(self, level: str, instruction_kind: str = "order") -> float | None:
        """Minutes within which an instruction of ``instruction_kind`` sent at
        ``level`` is to be acknowledged: the kind's ``met_by = "ack"`` rule (the
        shortest, if several apply), or None when the playbook sets none."""
        found = [
            rule.duration(level).total_seconds() / 60
            for rule in self.deadlines
            if rule.met_by == "ack" and rule.applies_to(level) and (rule.instruction_kinds is None or instruction_kind in rule.instruction_kinds)
        ]
        return min(found) if found else None

    def factor(self, key: str) -> Factor:
        for f in self.factors:
            if f.key == key:
                return f
        raise Refused(
            "factor",
            _("unknown factor '{factor}' for kind '{kind}'; factors: {factors}").format(
                factor=key, kind=self.quoted(), factors=", ".join(f.key for f in self.factors)
            ),
        )

    def option_text(self, factor: str, option: str | None) -> str | None:
        """The words for a choice (a cause field's label); the key itself
        when the playbook no longer has that option."""
        if not option:
            return None
        for f in self.factors:
            if f.key == factor:
                for o in f.options or ():
                    if o.key == option:
                        return o.text()
        return option


@dataclass(frozen=True)
class DerivedDeadline:
    rule: str
    due_at: datetime
    level: str


def derive_incident_deadlines(
    kind: Kind, level: str, reported_at: datetime, level_set_at: datetime, occurred_at: datetime | None = None
) -> list[DerivedDeadline]:
    """The incident-anchored deadlines the playbook sets at ``level``.
    ``level_set_at``: since when the incident has been at ``level`` or a graver
    one; ``occurred_at``: when it happened, if known (else the report time)."""
    anchors = {"reported": reported_at, "occurred": occurred_at or reported_at, "level_set": level_set_at}
    out = []
    for rule in kind.deadlines:
        if rule.anchor == "instruction" or not rule.applies_to(level):
            continue
        out.append(DerivedDeadline(rule.key, anchors[rule.anchor] + rule.duration(level), level))
    return out


def derive_instruction_deadlines(kind: Kind, level: str, instruction_kind: str, sent_at: datetime) -> list[DerivedDeadline]:
    out = []
    for rule in kind.deadlines:
        if rule.anchor != "instruction" or not rule.applies_to(level):
            continue
        if rule.instruction_kinds is not None and instruction_kind not in rule.instruction_kinds:
            continue
        out.append(DerivedDeadline(rule.key, sent_at + rule.duration(level), level))
    return out


class Playbooks:
    def __init__(self, kinds: dict[str, Kind], sources: list[str]) -> None:
        self.kinds = kinds
        self.sources = sources

    def get(self, key: str) -> Kind:
        try:
            return self.kinds[key]
        except KeyError:
            raise Refused(
                "kind", _("unknown kind '{kind}'; kinds: {kinds}").format(kind=key, kinds=", ".join(k.quoted() for k in self.kinds.values()))
            ) from None

    def __iter__(self) -> Iterator[Kind]:
        return iter(self.kinds.values())

    def kind_short(self, kind: str) -> str:
        """A kind's short label; the key itself for a kind the playbooks no longer know."""
        found = self.kinds.get(kind)
        return found.short_text() if found else kind

    def level_short(self, kind: str | None, level: str) -> str:
        """A level's short label (``红色``, ``B级``); the key for one the playbooks no longer know.
        Without a kind, the first kind that has a level of that key."""
        kinds = [self.kinds[kind]] if kind in self.kinds else [] if kind is not None else list(self.kinds.values())
        found = next((lv for k in kinds if (lv := k.find_level(level)) is not None), None)
        return found.short_text() if found else level

    def kind_key(self, name: str) -> str:
        """The key of the kind a person named by key or by label (``群体性事件``); else ``name``."""
        wanted = name.strip()
        found = [k.key for k in self.kinds.values() if wanted in k.names()]
        return found[0] if len(found) == 1 else name

    def level_colour(self, kind: str, level: str) -> str | None:
        """The colour of a level, or None for a kind or level the playbooks no
        longer know (old records stay readable after a playbook change)."""
        found = self.kinds[kind].find_level(level) if kind in self.kinds else None
        return found.colour if found else None


# -- loading ---------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    """A playbook file: a regular file (a FIFO or a device would block or never
    end) of at most 1 MiB of UTF-8 TOML, not nested past what a playbook needs."""
    try:
        with open(path, "rb", opener=_open_regular) as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise PlaybookError(str(path), "", _("larger than {n} bytes; a playbook file is a few kilobytes").format(n=MAX_FILE_BYTES))
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except FileNotFoundError:
        raise PlaybookError(str(path), "", _("file not found")) from None
    except _NotRegular:
        raise PlaybookError(str(path), "", _("not a regular file")) from None
    except OSError as exc:
        raise PlaybookError(str(path), "", exc.strerror or type(exc).__name__) from None
    except UnicodeDecodeError:
        raise PlaybookError(str(path), "", _("not UTF-8 text; save the file as UTF-8")) from None
    except RecursionError:
        raise PlaybookError(str(path), "", _("nested too deeply")) from None
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(str(path), "", _("not valid TOML: {error}").format(error=exc)) from None
    if _depth(data) > MAX_DEPTH:
        raise PlaybookError(str(path), "", _("nested too deeply"))
    unknown = set(data) - {"kind"}
    if unknown:
        raise PlaybookError(str(path), sorted(unknown)[0], _("unknown top-level key; a playbook file holds [kind.NAME] tables"))
    kinds = data.get("kind", {})
    if not isinstance(kinds, dict):
        raise PlaybookError(str(path), "kind", _("must be a table of kinds"))
    return kinds


class _NotRegular(Exception):
    pass


MAX_DEPTH = 8  # kind.NAME.deadlines[i].minutes_by_level.LEVEL is 5


def _open_regular(name: str, flags: int) -> int:
    """Open without blocking (a FIFO would wait for a writer), then refuse
    anything but a regular file."""
    fd = os.open(name, flags | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _NotRegular(name)
    return fd


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [v for item in level for v in (item.values() if isinstance(item, dict) else item if isinstance(item, list) else ())]
        level = [v for v in level if isinstance(v, (dict, list))]
    return depth


def _merge_kind(base: dict[str, Any], over: dict[str, Any], path: str, where: str) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if key in LIST_KEYS:
            id_key = LIST_KEYS[key]
            if not isinstance(value, list):
                raise PlaybookError(path, f"{where}.{key}", _("must be a list of tables"))
            items = list(merged.get(key, []))
            for i, item in enumerate(value):
                if not isinstance(item, dict) or id_key not in item:
                    raise PlaybookError(path, f"{where}.{key}[{i}]", _("each item needs '{key}'").format(key=id_key))
                item = dict(item)
                remove = item.pop("remove", False)
                found = next((n for n, old in enumerate(items) if old.get(id_key) == item[id_key]), None)
                if remove:
                    if found is None:
                        raise PlaybookError(path, f"{where}.{key}[{item[id_key]}]", _("cannot remove: no such item"))
                    items.pop(found)
                elif found is None:
                    items.append(item)
                else:
                    items[found] = {**items[found], **item}
            merged[key] = items
        else:
            merged[key] = value
    return merged


def _error_key(kind_key: str, raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    parts = [f"kind.{kind_key}"]
    container: Any = raw
    for part in loc:
        if isinstance(part, int) and isinstance(container, list) and part < len(container):
            item = container[part]
            ident = item.get("key", item.get("level")) if isinstance(item, dict) else None
            parts[-1] += f"[{ident if ident is not None else part}]"
            container = item
        else:
            parts.append(str(part))
            container = container.get(part) if isinstance(container, dict) else None
    return ".".join(parts)


def _validate(kind_key: str, raw: dict[str, Any], path: str) -> Kind:
    if not isinstance(raw, dict):
        raise PlaybookError(path, f"kind.{kind_key}", _("must be a table"))
    try:
        return Kind.model_validate({**raw, "key": kind_key})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = _("unknown key")
        elif err["type"] == "missing":
            msg = _("required key is missing")
        raise PlaybookError(path, _error_key(kind_key, raw, loc), msg) from None


_CACHE: dict[tuple[Any, ...], Playbooks] = {}


def load_playbooks(override: Path | None = None) -> Playbooks:
    """The built-in playbooks, with ``override`` applied on top.  Parsed once per
    process while the files are unchanged (playbooks are immutable values)."""
    files = sorted(BUILTIN_DIR.glob("*.toml")) + ([Path(override)] if override is not None else [])
    try:
        key = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    except OSError:
        key = None  # a missing file: let the loader say so
    if key is not None and key in _CACHE:
        return _CACHE[key]
    result = _load_playbooks(override)
    if key is not None:
        _CACHE[key] = result
    return result


def _load_playbooks(override: Path | None) -> Playbooks:
    raw: dict[str, dict[str, Any]] = {}
    origin: dict[str, str] = {}
    sources = []
    for file in sorted(BUILTIN_DIR.glob("*.toml")):
        for key, table in _read_toml(file).items():
            raw[key] = table
            origin[key] = str(file)
        sources.append(str(file))
    if override is not None:
        opath = str(override)
        for key, table in _read_toml(Path(override)).items():
            if not isinstance(table, dict):
                raise PlaybookError(opath, f"kind.{key}", _("must be a table"))
            table = dict(table)
            if table.pop("remove", False):
                raw.pop(key, None)
                continue
            raw[key] = _merge_kind(raw.get(key, {}), table, opath, f"kind.{key}")
            origin[key] = opath
        sources.append(opath)
    kinds = {key: _validate(key, table, origin[key]) for key, table in raw.items()}
    if not kinds:
        raise PlaybookError(str(override or BUILTIN_DIR), "kind", _("no kinds defined"))
    return Playbooks(kinds, sources)
