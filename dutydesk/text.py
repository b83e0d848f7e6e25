"""Text that people and files put into the desk: the one set of rules for it
going in, and the one way of showing it coming out.

Going in, every stored text field is one of three kinds:

- an **identifier** (unit codes, call signs, references, playbook keys, the
  acting call sign): printable characters only, no spaces of any kind;
- a **line** (titles, places, names, reasons): printable characters and plain
  spaces, no line breaks;
- a **block** (notes, summaries, instruction texts, handover notes): as a line,
  plus line breaks and tabs (``\\r\\n`` and ``\\r`` become ``\\n``).

None of them may hold control characters (C0, DEL, C1: escape sequences start
with these), invisible format characters (bidi overrides and isolates,
zero-width spaces and joiners, the byte-order mark, soft hyphens), line or
paragraph separators, or unpaired surrogates (an argument that was not valid
UTF-8).  Values are trimmed first.

Coming out, :func:`safe` shows whatever of these is in a row stored before
these rules (or written into the file by hand) as a visible escape such as
``\\x1b`` or ``\\u202e``, so nothing stored reaches a terminal, a report or a
spreadsheet as a command.  :func:`plain` gives a Rich/Textual ``Text`` that
is never parsed as markup.  Spreadsheet cells go through :func:`cell` (a
leading ``'`` before anything a spreadsheet would run as a formula) and come
back through :func:`uncell`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from dutydesk.errors import Refused
from dutydesk.i18n import _

if TYPE_CHECKING:
    from rich.text import Text

MAX_KEY = 64  # codes, call signs, references, keys
MAX_LINE = 200  # titles, places, names, reasons, labels
MAX_BLOCK = 2000  # notes, summaries, instruction texts

IDENTIFIER, LINE, BLOCK = "identifier", "line", "block"
LIMITS = {IDENTIFIER: MAX_KEY, LINE: MAX_LINE, BLOCK: MAX_BLOCK}

# Categories never stored: controls, format characters (bidi, zero-width,
# BOM, soft hyphen...), surrogates, line and paragraph separators.
_BANNED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_KEPT_IN_BLOCK = frozenset("\n\t")


def _banned(ch: str) -> bool:
    return unicodedata.category(ch) in _BANNED_CATEGORIES


def _first_banned(value: str, kept: frozenset[str] = frozenset()) -> str | None:
    if value.isprintable():  # the usual case, at C speed
        return None
    for ch in value:
        if ch not in kept and _banned(ch):
            return ch
    return None


def describe(ch: str) -> str:
    """A character as it may be named in a message: ``U+001B``."""
    return f"U+{ord(ch):04X}"


def problem(value: str, kind: str, *, limit: int | None = None) -> str | None:
    """What is wrong with an already trimmed ``value`` for a field of ``kind``,
    in words, or None.  (Emptiness is the caller's rule.)"""
    limit = LIMITS[kind] if limit is None else limit
    if len(value) > limit:
        return _("is {n} characters long; at most {limit}").format(n=len(value), limit=limit)
    kept = _KEPT_IN_BLOCK if kind == BLOCK else frozenset()
    bad = _first_banned(value, kept)
    if bad is not None:
        if bad in "\n\r\u2028\u2029\x85":
            return _("must be one line (it contains a line break)")
        if bad == "\t":
            return _("contains a tab; use spaces")
        if unicodedata.category(bad) == "Cs":
            return _("is not valid text (not UTF-8)")
        return _("contains control characters or invisible formatting ({code})").format(code=describe(bad))
    if kind == IDENTIFIER and any(ch.isspace() for ch in value):
        return _("must not contain spaces")
    return None


def _clean(value: Any, field: str, kind: str, limit: int | None, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Refused(field, _("must be text"))
    if kind == BLOCK and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    cleaned: str = value.strip()
    if required and not cleaned:
        raise Refused(field, _("must not be empty"))
    wrong = problem(cleaned, kind, limit=limit)
    if wrong is not None:
        raise Refused(field, wrong)
    return cleaned


def identifier(value: Any, field: str, *, limit: int | None = None, required: bool = True) -> str:
    """A code, call sign, reference or key: trimmed; refused (``Refused(field, …)``)
    when empty (if required), too long, or holding a space, a line break, a
    control or an invisible character."""
    return _clean(value, field, IDENTIFIER, limit, required)


def line(value: Any, field: str, *, limit: int | None = None, required: bool = True) -> str:
    """One line of free text (title, place, name, reason)."""
    return _clean(value, field, LINE, limit, required)


def block(value: Any, field: str, *, limit: int | None = None, required: bool = True) -> str:
    """Free text of several lines (note, summary, instruction): line breaks and tabs kept."""
    return _clean(value, field, BLOCK, limit, required)


# -- going out ---------------------------------------------------------------


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
    "\ufff9-\ufffb\ud800-\udfff\U000110bd\U000110cd\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def safe(value: Any, *, multiline: bool = False) -> str:
    """``value`` as text that can reach a terminal, a report or a spreadsheet:
    every control, invisible format character, separator or lone surrogate
    shown as an escape (``\\x1b``, ``\\u202e``).  ``multiline`` keeps line
    breaks and tabs (for notes and summaries shown as blocks)."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    if multiline:
        text = text.replace("\r\n", "\n")

        def repl(m: re.Match[str]) -> str:
            ch = m.group()
            return ch if ch in "\n\t" else _escape(ch)
    else:

        def repl(m: re.Match[str]) -> str:
            return _escape(m.group())

    out = _UNSAFE.sub(repl, text)
    if not out.isprintable():  # anything the pattern missed (a format character of a newer Unicode)
        out = "".join(_escape(ch) if _banned(ch) and not (multiline and ch in _KEPT_IN_BLOCK) else ch for ch in out)
    return out


LINE_MARK = " ⏎ "  # a line break of a note or an instruction inside one table cell


def one_line(value: Any, *, mark: str = LINE_MARK) -> str:
    """``value`` for one line of a table cell: as :func:`safe`, but a line break
    shows as ``mark`` (``line1 ⏎ line2``, never ``\\x0a``) and a tab as a space;
    every other control is still an escape."""
    text = safe(value, multiline=True)
    if "\n" in text or "\t" in text:
        text = text.replace("\n", mark).replace("\t", " ")
    return text


def plain(value: Any, *, multiline: bool = False, style: str = "") -> "Text":
    """A Rich ``Text`` of ``value``, made safe, never read as markup: for Rich
    tables, Textual widgets, tables and notifications."""
    from rich.text import Text

    return Text(safe(value, multiline=multiline), style=style, end="")


# -- spreadsheet cells -------------------------------------------------------

_FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")  # and their full-width forms


def _needs_quote(value: str) -> bool:
    """Starts with a formula character, after any number of ``'``."""
    rest = value.lstrip("'")
    return bool(rest) and rest[0] in _FORMULA_START


def cell(value: Any) -> Any:
    """A value for a CSV or XLSX cell: text a spreadsheet would read as a
    formula (starting ``=``, ``+``, ``-``, ``@``, a tab or a line break) gets
    a leading ``'``; so does text that already starts with ``'`` before one
    of those, so :func:`uncell` gives back exactly what was stored.  Other
    values are left as they are."""
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def uncell(value: str) -> str:
    """What :func:`cell` wrote, read back: the one ``'`` it added is taken away."""
    if value[:1] == "'" and _needs_quote(value[1:]):
        return value[1:]
    return value


# -- secrets in messages -----------------------------------------------------

# user:password@ after a scheme (postgresql://) or at the start of a word
_URL_PASSWORD = re.compile(r"((?:\b[A-Za-z][A-Za-z0-9+.\-]*://|(?<![^\s'\"(]))[^:/@\s'\"]*):(?!//)[^\s'\"]*@")


def mask_secrets(message: str) -> str:
    """``message`` with the password of any URL in it masked
    (``postgresql://duty:***@host/desk``), for every line the user or a log sees."""
    return _URL_PASSWORD.sub(r"\1:***@", message)
