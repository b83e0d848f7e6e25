"""The playbooks' words for the light reader: a cache of the validated playbooks
(``<user cache>/dutydesk/playbooks-<hash>.json``), keyed by this version, the
playbook code, the built-in files and the override file, byte for byte.  A miss
validates them the full way once (``dutydesk.playbook``) and writes it."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dutydesk import __version__
from dutydesk.i18n import DEFAULT_LANGUAGE, _, current_language, pick

PLAYBOOK_DIR = Path(__file__).parent.parent / "playbooks"
PLAYBOOK_CODE = Path(__file__).parent.parent / "playbook"  # the package: every module of it is in the cache key


class _Item:
    def __init__(self, data: dict[str, Any]) -> None:
        self.key: str = data["key"]
        self.label: dict[str, str] = data["label"]
        self.short: dict[str, str] | None = data.get("short")
        self._data = data

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        try:
            return self.__dict__["_data"][name]
        except KeyError:
            raise AttributeError(name) from None

    def text(self, lang: str | None = None) -> str:
        return pick(self.label, lang)

    def short_text(self, lang: str | None = None) -> str:
        return pick(self.short, lang) if self.short else self.text(lang)

    def quoted(self) -> str:  # as playbook's: the key in English, else the (short) label
        return self.key if current_language() == DEFAULT_LANGUAGE else self.short_text()


class _Rule(_Item):
    def short_for(self, to: str | None = None, lang: str | None = None) -> str:  # as playbook.DeadlineRule
        words = self.short_text(lang)
        if "{to}" in words:
            return " ".join(words.replace("{to}", to or "").split())
        return f"{words} {to}" if to and self._data.get("anchor") == "instruction" else words


class LightKind(_Item):
    """The look-ups of ``playbook.Kind`` that reading needs, over the validated data."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.levels = [_Item(x) for x in data.get("levels", [])]
        self.roles = [_Item(x) for x in data.get("roles", [])]
        self.deadlines = [_Rule(x) for x in data.get("deadlines", [])]
        self.factors = [_Item(x) for x in data.get("factors", [])]

    def level_keys(self) -> list[str]:
        return [lv.key for lv in self.levels]

    def find_level(self, key: str) -> _Item | None:
        return next((lv for lv in self.levels if lv.key == key), None)

    def level_short(self, key: str) -> str:
        found = self.find_level(key)
        return found.short_text() if found else key

    def gravity(self, key: str) -> int:
        return len(self.levels) - self.level_keys().index(key)

    def roles_for(self, level: str) -> list[_Item]:
        return [r for r in self.roles if r.levels is None or level in r.levels]

    def deadline_rule(self, key: str) -> _Rule | None:
        return next((r for r in self.deadlines if r.key == key), None)

    def find_role(self, key: str) -> _Item | None:
        return next((r for r in self.roles if r.key == key), None)

    def option_text(self, factor: str, option: str | None) -> str | None:  # as playbook.Kind.option_text
        if not option:
            return None
        for f in self.factors:
            if f.key == factor:
                for o in f.options or ():
                    if o["key"] == option:
                        return pick(o["label"])
        return option


class LightPlaybooks:
    """What the read commands ask of ``playbook.Playbooks``."""

    def __init__(self, kinds: dict[str, dict[str, Any]]) -> None:
        self.kinds = {key: LightKind(data) for key, data in kinds.items()}

    def __iter__(self) -> Iterator[LightKind]:
        return iter(self.kinds.values())

    def get(self, key: str) -> LightKind:
        """As ``playbook.Playbooks.get``: the kind, or a refusal naming the kinds."""
        try:
            return self.kinds[key]
        except KeyError:
            from dutydesk.errors import Refused

            kinds = ", ".join(k.quoted() for k in self.kinds.values())
            raise Refused("kind", _("unknown kind '{kind}'; kinds: {kinds}").format(kind=key, kinds=kinds)) from None

    def kind_short(self, kind: str) -> str:
        found = self.kinds.get(kind)
        return found.short_text() if found else kind

    def level_short(self, kind: str | None, level: str) -> str:
        kinds = [self.kinds[kind]] if kind in self.kinds else [] if kind is not None else list(self.kinds.values())
        found = next((lv for k in kinds if (lv := k.find_level(level)) is not None), None)
        return found.short_text() if found else level

    def level_colour(self, kind: str, level: str) -> str | None:
        found = self.kinds[kind].find_level(level) if kind in self.kinds else None
        return found.colour if found else None


def _regular_bytes(path: Path) -> bytes | None:
    """A regular file's bytes (never blocking on a FIFO); None for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read((1 << 20) + 1)  # an override file is a few kilobytes
    finally:
        os.close(fd)


def playbooks_key(override: Path | None) -> str | None:
    """The cache key of the playbooks as ``load_playbooks(override)`` would build them; None when a file cannot be read."""
    h = hashlib.sha256(f"{__version__}\0".encode())
    for path in [*sorted(PLAYBOOK_CODE.glob("*.py")), *sorted(PLAYBOOK_DIR.glob("*.toml"))] + ([Path(override)] if override is not None else []):
        data = _regular_bytes(path)
        if data is None:
            return None
        h.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + len(data).to_bytes(8, "big") + data)
    return h.hexdigest()[:32]


def _cache_file(key: str) -> Path:
    from dutydesk.locations import cache_dir

    return cache_dir() / f"playbooks-{key}.json"


def light_playbooks(override: Path | None) -> LightPlaybooks | None:
    """The validated playbooks as plain data: from the cache, else validated
    now (a bad override file raises ``PlaybookError``, as opening the desk
    would) and cached.  None when the files cannot be keyed."""
    key = playbooks_key(override)
    if key is None:
        return None
    path = _cache_file(key)
    try:
        data = json.loads(path.read_bytes())
        return LightPlaybooks(data["kinds"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not cached yet (or a damaged cache file): validate and write it
    from dutydesk.playbook import load_playbooks

    pb = load_playbooks(override)
    kinds = {k: kind.model_dump(mode="json") for k, kind in pb.kinds.items()}
    _write_cache(path, {"version": __version__, "kinds": kinds})
    return LightPlaybooks(kinds)


def _write_cache(path: Path, data: dict[str, Any]) -> None:
    from dutydesk.files import private_dir

    try:
        private_dir(path.parent, field=None)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only home: the next run validates again, and says why in the log
        from dutydesk import log

        log.refusal("playbook cache", "", f"cannot write {path}: {exc.strerror}", "read goes on")
