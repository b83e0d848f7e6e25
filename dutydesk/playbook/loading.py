"""Loading: the built-in playbook files, an override file merged on top item
by item, each kind validated; parsed once per process while the files are
unchanged."""

from __future__ import annotations

import copy
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dutydesk.errors import PlaybookError
from dutydesk.i18n import _
from dutydesk.playbook.kind import Kind, Playbooks

BUILTIN_DIR = Path(__file__).parent.parent / "playbooks"
LIST_KEYS = {"levels": "key", "roles": "key", "instruction_kinds": "key", "deadlines": "key", "factors": "key", "thresholds": "level"}
MAX_FILE_BYTES = 1 << 20  # an override file is a few kilobytes


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
        msg = _in_words(err["type"], err.get("ctx") or {}) or err["msg"].removeprefix("Value error, ")
        raise PlaybookError(path, _error_key(kind_key, raw, loc), msg) from None


def _in_words(kind: str, ctx: dict[str, Any]) -> str | None:
    """A validation error of a playbook field in the desk's words (the reader's
    language), not pydantic's English ("Input should be 'reported', …"); ``None``
    for one the playbooks' own validators already worded (or a rare other)."""
    import re

    if kind == "extra_forbidden":
        return _("unknown key")
    if kind == "missing":
        return _("required key is missing")
    if kind in ("literal_error", "enum"):
        values = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return _("must be one of: {values}").format(values=", ".join(values))
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type", "finite_number"):
        return _("must be a number")
    if kind in ("bool_parsing", "bool_type"):
        return _("must be true or false")
    if kind in ("string_type", "string_unicode"):
        return _("must be text")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("must be a list")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("must be a table")
    for bound, words in (
        ("gt", _("must be greater than {n}")),
        ("ge", _("must be at least {n}")),
        ("lt", _("must be less than {n}")),
        ("le", _("must be at most {n}")),
    ):
        if bound in ctx and kind.startswith(("greater_than", "less_than")):
            return words.format(n=ctx[bound])
    if kind == "too_short":
        return _("must not be empty")
    return None


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
