"""Translation: every user-visible string goes through ``_()``.

The gettext domain is ``dutydesk``; catalogues live in ``dutydesk/i18n/locale``.
English is the source language and the fallback.  ``set_language`` switches at
run time; which language a run starts in is chosen by
``dutydesk.config.choose_language`` (``--lang``, ``DUTYDESK_LANG``, the config
file, the system locale).  Playbook labels carry
their own translations (``label = {en = ..., zh_CN = ...}``) and are picked with
``pick()``.
"""

from __future__ import annotations

import gettext as _gettext
from pathlib import Path
from typing import TypedDict

DOMAIN = "dutydesk"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "zh_CN")


class _State(TypedDict):
    lang: str
    tr: _gettext.NullTranslations  # GNUTranslations for a catalogue, NullTranslations for English


_state: _State = {"lang": DEFAULT_LANGUAGE, "tr": _gettext.NullTranslations()}


def normalise(lang: str | None) -> str:
    """Map 'zh', 'zh-CN', 'zh_CN.UTF-8' ... to a supported language code."""
    if not lang:
        return DEFAULT_LANGUAGE
    code = lang.split(".")[0].replace("-", "_")
    if code.lower().startswith("zh"):
        return "zh_CN"
    if code.lower().startswith("en") or code in ("C", "POSIX"):
        return "en"
    return code


def available(lang: str | None) -> bool:
    """Whether the desk speaks ``lang`` (any spelling ``normalise`` knows)."""
    return normalise(lang) in LANGUAGES


def set_language(lang: str | None) -> str:
    """Switch to ``lang``; one the desk does not have is English.  Returns the code used."""
    code = normalise(lang)
    if code not in LANGUAGES:
        code = DEFAULT_LANGUAGE
    _state["lang"] = code
    _state["tr"] = _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[code], fallback=True)
    return code


def current_language() -> str:
    return _state["lang"]


def _(message: str) -> str:
    return _state["tr"].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _state["tr"].ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A message whose words depend on where it is shown: doctor's ``OK`` (正常)
    is not a dialog's ``OK`` button (确定).  Extracted with its context."""
    return _state["tr"].pgettext(context, message)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def pick(label: dict[str, str] | str | None, lang: str | None = None) -> str:
    """Choose the text of a multilingual label for the current language."""
    if label is None:
        return ""
    if isinstance(label, str):
        return label
    code = lang or current_language()
    return label.get(code) or label.get(code.split("_")[0]) or label.get("en") or next(iter(label.values()), "")


def translate_marked(message: str) -> str:
    """Translate a string that was marked with ``N_`` where it was defined."""
    return _(message)


class using_language:  # noqa: N801 (used as a context manager)
    """``with using_language("zh_CN"): ...`` and back to the language before."""

    def __init__(self, lang: str | None) -> None:
        self.lang, self.before = lang, current_language()

    def __enter__(self) -> str:
        return set_language(self.lang) if self.lang else self.before

    def __exit__(self, *exc: object) -> None:
        if self.lang:
            set_language(self.before)
