"""Every user-visible string goes through _(): the catalogue is extractable and complete."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.extract import extract_from_dir

import dutydesk
from dutydesk.i18n import _, normalise, pick, set_language

PKG = Path(dutydesk.__file__).parent


def test_catalogue_extracts():
    """The template (.pot) holds exactly the messages extracted from the code, as `make i18n` extracts
    them (was: a count, which a stale or a half template passed)."""
    from babel.messages.pofile import read_po

    from dutydesk.i18n import DOMAIN, LOCALE_DIR

    keywords = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2)}  # the Makefile's, and Babel's
    code = {
        (context, message if isinstance(message, str) else tuple(message))
        for _f, _l, message, _c, context in extract_from_dir(str(PKG), keywords=keywords)
    }
    with open(LOCALE_DIR / f"{DOMAIN}.pot", "rb") as fh:
        template = {(m.context, m.id) for m in read_po(fh) if m.id}
    assert (None, "no incident {id}") in code and (None, "Open, change and close incidents.") in code
    assert ("doctor", "OK") in code and (None, ("{n} day", "{n} days")) in code  # a context and a plural
    assert not code - template, f"in the code, not in the template (run `make i18n`): {sorted(code - template, key=str)}"
    assert not template - code, f"in the template, not in the code (run `make i18n`): {sorted(template - code, key=str)}"


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
