"""Settings in one place: one frozen object per run, options over the environment."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from dutydesk.cli import app
from dutydesk.config import Settings


def test_settings_are_frozen_and_options_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DUTYDESK_DB", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("DUTYDESK_ACTOR", "ENV1")
    s = Settings.from_env(db=f"sqlite:///{tmp_path / 'opt.sqlite'}", actor="OPT1")
    assert s.db_url.endswith("opt.sqlite") and s.actor == "OPT1" and s.actor_given
    assert Settings.from_env().db_url.endswith("env.sqlite") and Settings.from_env().actor == "ENV1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.db_url = "sqlite:///elsewhere"  # type: ignore[misc]


def test_one_settings_object_per_run(monkeypatch, db_url):
    built = []
    real = Settings.from_env.__func__

    def counting(cls, **kwargs):  # noqa: ANN001, ANN003, ANN202
        built.append(kwargs)
        return real(cls, **kwargs)

    monkeypatch.setattr(Settings, "from_env", classmethod(counting))
    r = CliRunner().invoke(app, ["--db", db_url, "init"])
    assert r.exit_code == 0, r.output
    assert len(built) == 1 and built[0]["db"] == db_url


def test_db_option_over_environment_in_a_real_process(tmp_path):
    env_db, opt_db = tmp_path / "env.sqlite", tmp_path / "opt.sqlite"
    env = {**os.environ, "DUTYDESK_DB": f"sqlite:///{env_db}"}
    r = subprocess.run(
        [sys.executable, "-m", "dutydesk", "--db", f"sqlite:///{opt_db}", "init"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert opt_db.exists() and not env_db.exists()
