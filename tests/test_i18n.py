"""Every user-visible string goes through _(): the catalogue is extractable and complete."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.extract import extract_from_dir

import dutydesk
from dutydesk.i18n import _, normalise, pick, set_language

PKG = Path(dutydesk.__file__).parent


def test_catalogue_extracts():
    messages = {m[2] if isinstance(m[2], str) else m[2][0]
                for m in extract_from_dir(str(PKG), keywords={"_": None, "N_": None, "ngettext": (1, 2)})}
    assert "no incident {id}" in messages
    assert "Open, change and close incidents." in messages
    assert len(messages) > 150


def test_no_formatted_strings_inside_the_translation_call():
    """_(f"...") or _("..." % x) cannot be translated: the catalogue needs the literal."""
    bad = []
    for path in PKG.rglob("*.py"):
        if path.parent.name == "i18n":
            continue  # the translation functions themselves
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_"):
                if not (len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                    bad.append(f"{path.name}:{node.lineno}")
    assert bad == []


def test_language_switch_and_labels():
    assert normalise("zh-CN.UTF-8") == "zh_CN" and normalise(None) == "en"
    assert set_language("zh_CN") == "zh_CN"
    assert pick({"en": "Cordon", "zh_CN": "封控警戒"}) == "封控警戒"
    assert _("no incident {id}") == "没有事件 {id}"
    assert _("a message no catalogue holds") == "a message no catalogue holds"  # falls back to English
    set_language("en")
    assert pick({"en": "Cordon", "zh_CN": "封控警戒"}) == "Cordon"
