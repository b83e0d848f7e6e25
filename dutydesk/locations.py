"""Where dutydesk keeps its files, in one place: the user's data, config, log
and report folders (platformdirs, so XDG variables are honoured; tests point
them at a temporary folder).  Kept free of heavy imports: the CLI starts fast.

- data: the desk (``desk.sqlite``), the demo desk, ``state.json``
- config: the playbook override, keys
- cache: what can be rebuilt (the validated playbooks, ``dutydesk.lightread``)
- logs: ``dutydesk.log`` (rotating)
- reports: what the console writes (``p``, ``h``, ``d`` on a report)

Folders the desk makes are private (0700): see :func:`dutydesk.files.private_dir`.
"""

from __future__ import annotations

from pathlib import Path

APP_NAME = "dutydesk"


def data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    """Files the tool can always rebuild (the validated playbooks of the light read path)."""
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    from platformdirs import user_log_path

    return user_log_path(APP_NAME, appauthor=False)


def log_file() -> Path:
    return log_dir() / "dutydesk.log"


def reports_dir() -> Path:
    return data_dir() / "reports"


def state_file() -> Path:
    return data_dir() / "state.json"
