"""Settings: where the desk is, which language, which playbook override.

Read from the environment (``DUTYDESK_*``) and overridden by CLI options.
Kept free of heavy imports: ``dutydesk --help`` must start fast.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

APP_NAME = "dutydesk"


def data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


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
            playbook_override=default_playbook_override(),
            demo=demo,
        )
