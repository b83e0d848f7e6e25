"""Settings: where the desk is, which language, which playbook override.

Read from the environment (``DUTYDESK_*``) and overridden by CLI options.
Kept free of heavy imports: ``dutydesk --help`` must start fast.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

APP_NAME = "dutydesk"


def data_dir() -> Path:
    from dutydesk.locations import data_dir

    return data_dir()


def config_dir() -> Path:
    from dutydesk.locations import config_dir

    return config_dir()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def default_db_url() -> str:
    return sqlite_url(data_dir() / "desk.sqlite")


def demo_db_url() -> str:
    """The demo desk: a file of its own, never the user's real desk."""
    return sqlite_url(data_dir() / "demo.sqlite")


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a bare container
        return "console"


def state_file() -> Path:
    """What this machine remembers between runs (the call sign that acted last
    on each desk): small, private (0600), in the user data folder."""
    from dutydesk.locations import state_file

    return state_file()


def _read_state() -> dict[str, Any]:
    try:
        data = json.loads(state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, unreadable or damaged: it only holds defaults
        return {}
    return data if isinstance(data, dict) else {}


def last_actor(desk_id: str) -> str | None:
    """The call sign that acted last on this desk from this machine, if any."""
    value = (_read_state().get("last_actor") or {}).get(desk_id)
    return value if isinstance(value, str) and value else None


def remember_actor(desk_id: str, callsign: str) -> None:
    """Keep ``callsign`` as this desk's last actor (written whole, mode 0600).
    Raises ``OSError`` when the file cannot be written."""
    data = _read_state()
    known = data.get("last_actor")
    actors: dict[str, Any] = known if isinstance(known, dict) else {}
    actors[desk_id] = callsign
    data["last_actor"] = actors
    path = state_file()
    from dutydesk.files import private_dir

    private_dir(path.parent, field=None)  # 0700 if made here
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def default_playbook_override() -> Path | None:
    env = os.environ.get("DUTYDESK_PLAYBOOKS")
    if env:
        return Path(env)
    candidate = config_dir() / "playbooks.toml"
    return candidate if candidate.exists() else None


# -- the interface language ------------------------------------------------------
# In order: --lang, DUTYDESK_LANG, `lang` in the config file, then the system
# locale (LC_ALL, LC_MESSAGES, LANG: the POSIX order); else English.

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def config_file() -> Path:
    """The user's settings file (TOML), e.g. ``lang = "zh_CN"``."""
    return config_dir() / "config.toml"


def read_config() -> tuple[dict[str, Any], str | None]:
    """The config file's settings and, when it cannot be used, why (the file
    and the reason, for a one-line warning).  No file: no settings, no warning
    (and no TOML parser loaded: every start-up comes here)."""
    path = config_file()
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        return {}, f"{path}: {exc}"
    import tomllib

    with fh:
        try:
            return tomllib.load(fh), None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return {}, f"{path}: {exc}"


class LanguageChoice(NamedTuple):  # not a dataclass: made at every start-up, and cheaper to define
    """The language to use, where it came from and what was asked for."""

    lang: str  # a supported code: "en" or "zh_CN"
    source: str  # "--lang", "DUTYDESK_LANG", the config file, "LC_ALL", ... or "default"
    asked: str | None = None  # the value as given
    available: bool = True  # False: ``asked`` is not a language the desk has (English is used)
    config_problem: str | None = None  # the config file could not be read: file and reason


def choose_language(cli_lang: str | None = None) -> LanguageChoice:
    """Which language the interface speaks (see the order above)."""
    from dutydesk.i18n import DEFAULT_LANGUAGE, LANGUAGES, normalise

    env = os.environ
    config: dict[str, Any] = {}
    problem: str | None = None
    candidates: list[tuple[str, object]] = [("--lang", cli_lang), ("DUTYDESK_LANG", env.get("DUTYDESK_LANG"))]
    if not any(value for _source, value in candidates):
        config, problem = read_config()
        value = config.get("lang")
        if value is not None and not isinstance(value, str):
            problem = f"{config_file()}: lang: {value!r} is not a language code"
            value = None
        candidates.append((str(config_file()), value))
        candidates += [(name, env.get(name)) for name in LOCALE_VARIABLES]
    for source, value in candidates:
        if not value:
            continue
        code = normalise(str(value))
        if code in LANGUAGES:
            return LanguageChoice(code, source, str(value), True, problem)
        return LanguageChoice(DEFAULT_LANGUAGE, source, str(value), False, problem)
    return LanguageChoice(DEFAULT_LANGUAGE, "default", None, True, problem)


@dataclass(frozen=True)
class Settings:
    """One run's settings: built once in the CLI's root callback (options over
    the environment) and passed down."""

    db_url: str = ""
    lang: str = "en"
    actor: str = ""
    # True when the call sign was given (--actor or DUTYDESK_ACTOR), not the login name.
    actor_given: bool = False
    playbook_override: Path | None = None
    demo: bool = False
    # While an alarm waits for acknowledgement, the console's bell rings again
    # every this many minutes (DUTYDESK_ALARM_REPEAT_MINUTES; default 2).
    alarm_repeat_minutes: float = 2.0

    @classmethod
    def from_env(
        cls, *, demo: bool = False, db: str | None = None, actor: str | None = None, playbooks: Path | None = None, console: bool = True
    ) -> "Settings":
        """The environment's settings, with the CLI's options (``db``,
        ``actor``, ``playbooks``) over them.  The console's own settings (the
        bell's repeat) are read only for the ``console``: a bad one refuses the
        console in one line and never stops a CLI command, which keeps the default."""
        env = os.environ
        if db:
            url = db
        elif demo:
            url = demo_db_url()
        else:
            url = env.get("DUTYDESK_DB") or default_db_url()
        return cls(
            db_url=url,
            lang=choose_language().lang,
            actor=actor or env.get("DUTYDESK_ACTOR") or default_actor(),
            actor_given=bool(actor or env.get("DUTYDESK_ACTOR")),
            playbook_override=playbooks or default_playbook_override(),
            demo=demo,
            alarm_repeat_minutes=alarm_repeat_minutes(env.get("DUTYDESK_ALARM_REPEAT_MINUTES")) if console else 2.0,
        )


ALARM_REPEAT_MAX = 24 * 60


def alarm_repeat_minutes(text: str | None) -> float:
    """``DUTYDESK_ALARM_REPEAT_MINUTES``: minutes between bells while an alarm
    waits (default 2); anything but a number from 0.1 to 1440 is refused."""
    import math

    from dutydesk.errors import Refused

    if text is None or not text.strip():
        return 2.0
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0.1 <= value <= ALARM_REPEAT_MAX):
        from dutydesk.i18n import _

        raise Refused(
            "DUTYDESK_ALARM_REPEAT_MINUTES", _("'{value}' is not a number of minutes from 0.1 to {max}").format(value=text, max=ALARM_REPEAT_MAX)
        )
    return value


def display_zone_name() -> str | None:
    """The zone times are shown in (``DUTYDESK_TZ``); ``None``: the system's."""
    return os.environ.get("DUTYDESK_TZ") or None


def debug() -> bool:
    """``DUTYDESK_DEBUG``: an unexpected error shows its traceback."""
    return bool(os.environ.get("DUTYDESK_DEBUG"))


def pdf_font() -> str | None:
    """``DUTYDESK_PDF_FONT``: the font file PDF reports embed."""
    return os.environ.get("DUTYDESK_PDF_FONT") or None


# -- the journal key ------------------------------------------------------------
# Each desk's journal is keyed (an HMAC over every entry, see dutydesk.journal)
# with a key that lives outside the desk file: one file per desk, named by the
# desk id, in ``keys/`` of the user config folder (or DUTYDESK_KEY_DIR), 0600
# in a 0700 folder.  Next to it, the desk's seals (one line per shift end).

KEY_BYTES = 32


def key_dir() -> Path:
    env = os.environ.get("DUTYDESK_KEY_DIR")
    return Path(env).expanduser() if env else config_dir() / "keys"


def journal_key_path(desk_id: str) -> Path:
    return key_dir() / f"{desk_id}.key"


def seal_file_path(desk_id: str) -> Path:
    return key_dir() / f"{desk_id}.seals"


def _private_key_dir() -> Path:
    path = key_dir()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def read_journal_key(desk_id: str) -> bytes | None:
    """The desk's journal key, or ``None`` when there is no key file.  Raises
    ``ValueError`` when the file is there but is not a key (damaged, replaced),
    ``OSError`` when it cannot be read."""
    path = journal_key_path(desk_id)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ValueError(str(path)) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ValueError(str(path)) from None
    if len(key) != KEY_BYTES:
        raise ValueError(str(path))
    return key


def new_key_bytes() -> bytes:
    import secrets

    return secrets.token_bytes(KEY_BYTES)


def create_journal_key(desk_id: str) -> bytes:
    """Make the desk's key file (0600, its folder 0700) and return the key; an
    existing key file is kept and its key returned (never overwritten)."""
    existing = read_journal_key(desk_id)
    if existing is not None:
        return existing
    _private_key_dir()
    path = journal_key_path(desk_id)
    key = new_key_bytes()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.link(tmp, path)  # never replaces a key another process made meanwhile
    except FileExistsError:
        return read_journal_key(desk_id) or key
    finally:
        tmp.unlink(missing_ok=True)
    return key


def append_seal(desk_id: str, seal: dict[str, Any]) -> None:
    """Add one seal (a shift end's journal head) to the desk's seal file, kept
    beside the key: a journal cut short below it is found.  Raises ``OSError``."""
    _private_key_dir()
    path = seal_file_path(desk_id)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(seal, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_seals(desk_id: str) -> list[dict[str, Any]]:
    """The seals in the desk's seal file (none when there is no file).  A line
    that is not a seal raises ``ValueError`` naming its number."""
    path = seal_file_path(desk_id)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    seals = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            seal = json.loads(line)
            if not (isinstance(seal, dict) and isinstance(seal.get("seq"), int) and isinstance(seal.get("mac"), str)):
                raise ValueError
        except ValueError:
            raise ValueError(f"{path}:{number}") from None
        seals.append(seal)
    return seals
