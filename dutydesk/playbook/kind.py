"""A kind of incident (its levels, roles, deadlines, factors) and the set of
kinds a desk uses, with the look-ups the desk, the console and the reports make."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import model_validator

from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.playbook.items import DeadlineRule, Factor, InstructionKind, Level, Role, Threshold, _Short


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
