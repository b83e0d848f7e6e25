"""The zh_CN catalogue against the code (issue 14).

These fail whenever a message is added to the code and not yet translated:
that is the guard.  The fix is `make i18n` (extract, update the .po, compile
the .mo), then translating the msgids each failure lists.
"""

from __future__ import annotations

import gettext
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import dutydesk
from dutydesk.i18n import DOMAIN, LOCALE_DIR

PKG = Path(dutydesk.__file__).parent
PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2)}  # as `make i18n` extracts


def msgid(message, context=None) -> str | tuple:  # noqa: ANN001
    """A message's key: its id, with its context when it has one (doctor's "OK" is not a button's)."""
    key = message if isinstance(message, str) else tuple(message)
    return (context, key) if context else key


@pytest.fixture(scope="module")
def code_messages() -> dict:
    """Every message the code marks for translation, with where it is."""
    found: dict = {}
    for filename, lineno, message, _comments, context in extract_from_dir(str(PKG), keywords=KEYWORDS):
        found.setdefault(msgid(message, context), f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalogue():
    with open(PO, "rb") as fh:
        return read_po(fh, locale="zh_CN")


def entries(catalogue) -> dict:  # noqa: ANN001
    return {msgid(m.id, m.context): m for m in catalogue if m.id}


def translated(message) -> bool:  # noqa: ANN001
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return bool(strings) and all(strings) and not message.fuzzy


def listing(items) -> str:  # noqa: ANN001
    return "\n  " + "\n  ".join(items)


def test_catalogue_is_not_stale(code_messages, catalogue):
    """The .po holds exactly the messages of the code (run `make i18n` when this fails)."""
    po = set(entries(catalogue))  # obsolete entries are not among them
    missing = sorted((f"{where}: {mid!r}" for mid, where in code_messages.items() if mid not in po), key=str)
    unused = sorted((repr(mid) for mid in po if mid not in code_messages), key=str)
    assert not missing, f"{len(missing)} messages of the code are not in the catalogue (run `make i18n`):" + listing(missing)
    assert not unused, f"{len(unused)} messages of the catalogue are no longer in the code (run `make i18n`):" + listing(unused)


def test_every_message_has_a_chinese_translation(code_messages, catalogue):
    po = entries(catalogue)
    untranslated = sorted((f"{where}: {mid!r}" for mid, where in code_messages.items() if mid in po and not translated(po[mid])), key=str)
    assert not untranslated, f"{len(untranslated)} messages have no zh_CN translation:" + listing(untranslated)


def test_messages_extraction_cannot_see_are_in_the_catalogue(catalogue):
    """`_("...")` inside an f-string is shown to the reader but pybabel does not extract it: every literal
    passed to _() or N_() anywhere in the code must be in the catalogue, translated."""
    import ast

    po = entries(catalogue)
    missing = []
    for path in sorted(PKG.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and len(node.args) == 1
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                text = node.args[0].value
                if text not in po or not translated(po[text]):
                    missing.append(f"{path.relative_to(PKG.parent)}:{node.lineno}: {text!r}")
    assert not missing, (
        f"{len(missing)} messages are not in the catalogue or not translated (an _() inside an "
        "f-string is not extracted: format outside it, then `make i18n`):" + listing(missing)
    )


def fields(text: str) -> list[str]:
    """The replacement fields of a format string, with conversion and spec: ``{s:.0f}``, ``{name!r}``."""
    return sorted(
        f"{name}!{conversion or ''}:{spec or ''}" for _literal, name, spec, conversion in string.Formatter().parse(text) if name is not None
    )


def test_translations_keep_every_placeholder(catalogue):
    bad = []
    for mid, message in entries(catalogue).items():
        if not translated(message):
            continue
        sources = mid if isinstance(mid, tuple) else (mid,)
        targets = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        want = fields(sources[-1])
        for target in targets:
            try:
                got = fields(target)
            except ValueError as exc:  # an unbalanced brace: .format() would raise
                bad.append(f"{mid!r} -> {target!r}: {exc}")
                continue
            if got != want:
                bad.append(f"{mid!r} -> {target!r}: placeholders {got} instead of {want}")
    assert not bad, f"{len(bad)} translations drop, add or rename a placeholder:" + listing(bad)


def test_placeholder_check_catches_a_renamed_field():
    assert fields("Incident {id} opened: {kind} level {level}.") != fields("事件 {ident} 已立案：{kind}，{level} 级。")
    assert fields("after {s:.0f} s") != fields("{s} 秒后")
    assert fields("No such command {name!r}.") == fields("没有命令 {name!r}。")


def test_compiled_catalogue_matches_the_po(catalogue, tmp_path):
    """The .mo is what runs: it must say what the .po says."""
    fresh = tmp_path / "fresh.mo"
    with open(fresh, "wb") as fh:
        write_mo(fh, catalogue)
    with open(MO, "rb") as fh:
        shipped = gettext.GNUTranslations(fh)
    with open(fresh, "rb") as fh:
        expected = gettext.GNUTranslations(fh)
    differ = sorted(
        repr(k)
        for k in set(shipped._catalog) | set(expected._catalog)  # noqa: SLF001
        if shipped._catalog.get(k) != expected._catalog.get(k)
    )  # noqa: SLF001
    assert not differ, f"{len(differ)} messages differ between the .mo and the .po (run `make i18n`):" + listing(differ[:50])


def test_the_running_desk_uses_the_catalogue():
    from dutydesk.i18n import _, ngettext, using_language

    with using_language("zh_CN"):
        assert _("Journal intact: {n} entries.").format(n=3) == "日志完好：共 3 条。"
        assert ngettext("{n} day", "{n} days", 2).format(n=2) == "2天"
    assert _("Journal intact: {n} entries.") == "Journal intact: {n} entries."
