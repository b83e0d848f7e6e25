"""Settings: where the desk is, which language, which playbook override.

Read from the environment (``DUTYDESK_*``) and overridden by CLI options.
Kept free of heavy imports: ``dutydesk --help`` must start fast.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

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


def _read_state() -> dict:
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
    actors = data.get("last_actor") if isinstance(data.get("last_actor"), dict) else {}
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


@dataclass
class Settings:
    db_url: str = ""
    lang: str = "en"
    tz: str | None = None
    actor: str = ""
    # True when the call sign was given (--actor or DUTYDESK_ACTOR), not the login name.
    actor_given: bool = False
    playbook_override: Path | None = None
    demo: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, *, demo: bool = False) -> "Settings":
        env = os.environ
        if demo:
            url = demo_db_url()
        else:
            url = env.get("DUTYDESK_DB") or default_db_url()
        return cls(
            db_url=url,
            lang=env.get("DUTYDESK_LANG") or "en",
            tz=env.get("DUTYDESK_TZ") or None,
            actor=env.get("DUTYDESK_ACTOR") or default_actor(),
            actor_given=bool(env.get("DUTYDESK_ACTOR")),
            playbook_override=default_playbook_override(),
            demo=demo,
        )
