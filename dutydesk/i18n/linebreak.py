"""Where a line of Chinese may break (kinsoku): never before closing punctuation
(、，。；：？！）》」』】”’), never after opening punctuation (（《「『【“‘).  One rule
for every wrapper: the text reports and the console's preview
(``dutydesk.reports.formats.wrap``), the PDF, and the CLI's help
(``dutydesk.i18n.helptext``)."""

from __future__ import annotations

import re
from collections.abc import Callable

# Closing punctuation stays on the line of the text before it; opening
# punctuation on the line of the text after it.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")
# A word longer than a line is cut anywhere but beside these (Chinese punctuation; English keeps its cut).
_WIDE_START = frozenset(ch for ch in NO_LINE_START if not ch.isascii())
_WIDE_END = frozenset(ch for ch in NO_LINE_END if not ch.isascii())


def keep_together(tokens: list[str]) -> list[str]:
    """The pieces a line may break between, from the pieces of a wrapper's own
    tokenizer (words, single Han characters, runs of spaces): a piece starting
    with closing punctuation is joined to the piece before it, a piece ending
    with opening punctuation to the piece after it, unless a space stands
    between them.  Joining the result gives the text back unchanged."""
    out: list[str] = []
    glue_next = False
    for tok in tokens:
        if not tok:
            continue
        if out and not tok.isspace() and not out[-1].isspace() and (glue_next or tok[0] in NO_LINE_START):
            out[-1] += tok
        else:
            out.append(tok)
        glue_next = not tok.isspace() and out[-1][-1] in NO_LINE_END
    return out


# A span that is one unit for wrapping (a report's margin: never '49 min 54' / 's spare'):
# marked by a WORD JOINER (zero width) at each end, it is one TOKEN; wrap() gives its
# lines without the marks (render_md/render_html drop them with unmark()).  The
# console's text never holds the mark (dutydesk.text.safe drops U+2060 from data).
KEEP = "\u2060"


def unbroken(text: str) -> str:
    """``text`` as one unit for wrap(): moved to the next line whole, never split
    at its spaces nor between its wide characters (unless longer than a line)."""
    return KEEP + text.replace(KEEP, "") + KEEP


def unmark(text: str) -> str:
    """``text`` without the marks of unbroken()."""
    return text.replace(KEEP, "")


# The pieces a line breaks between: a span kept unbroken; a Chinese date and time (11月23日 14:05) and a short
# bracketed label ([红色]) are one word each; every other wide character is a piece of its
# own; a run of narrow characters is a word; and runs of spaces.
TOKEN = re.compile(
    KEEP + "[^" + KEEP + "\n]+" + KEEP + r"|\d{1,2}月\d{1,2}日(?: \d{1,2}:\d{2})?|\[[^\]\s]{1,8}\]|"
    r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2060\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+|\u2060|\s+"
)


def cells(text: str) -> int:
    """Display width: one column a character for ASCII, Rich's table otherwise (a Han character is two)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # not at import: the CLI's help loads this module and must start fast

    return cell_len(text)


def wrap(text: str, width: int, measure: Callable[[str], float] = cells) -> list[str]:
    """Greedy wrap of ``text`` to ``width`` (display cells, or what ``measure`` counts): breaks at
    spaces and between wide characters, never before closing punctuation nor after opening
    punctuation; a word longer than a line is cut.  Each newline starts a paragraph.  For a
    console cell that would otherwise be folded character by character (Textual does not know
    these rules): ``"\n".join(wrap(label, column_width))``."""
    if measure is cells:  # the display width: one column a character while the text is ASCII (every piece of it too)
        if text.isascii():
            return _wrap(text, width, len)
        if KEEP in text and unmark(text).isascii():
            return [unmark(line) for line in _wrap(text, width, _len_unmarked)]
        measure = _cells_cached
    if KEEP in text:
        return [unmark(line) for line in _wrap(text, width, lambda t: measure(unmark(t)) if KEEP in t else measure(t))]
    return _wrap(text, width, measure)


def _len_unmarked(text: str) -> int:
    """``cells(unmark(text))`` of ASCII text with KEEP marks (each zero width)."""
    return len(text) - text.count(KEEP)


_WIDTHS: dict[str, int] = {}


def _cells_cached(text: str) -> int:
    """``cells``, remembered: a report measures the same pieces (words, Han characters) thousands of times."""
    found = _WIDTHS.get(text)
    if found is None:
        found = cells(text)
        if len(_WIDTHS) < 100_000:
            _WIDTHS[text] = found
    return found


def _wrap(text: str, width: int, measure: Callable[[str], float]) -> list[str]:
    if "\n" not in text and measure(text) <= width:
        return [text]
    out: list[str] = []
    for para in (text or "").split("\n"):
        line, used = "", 0.0
        for tok in keep_together(TOKEN.findall(para)):
            if tok.isspace():
                if line:
                    line, used = line + tok, used + measure(tok)
                continue
            w = measure(tok)
            if used + w > width and line.strip():
                out.append(line.rstrip())
                line, used = "", 0.0
            while tok and w > width:  # a word longer than the line
                cut, cw = "", 0.0
                for ch in tok:
                    if cw + measure(ch) > width - used:
                        break
                    cut, cw = cut + ch, cw + measure(ch)
                if not cut and (line or used):
                    out.append(line.rstrip())
                    line, used = "", 0.0
                    continue
                cut = cut or tok[0]  # a line narrower than one character still takes one (else this never ends)
                while len(cut) > 1 and (cut[-1] in _WIDE_END or (len(cut) < len(tok) and tok[len(cut)] in _WIDE_START)):
                    cut = cut[:-1]  # a long word is cut where the Chinese rule allows a break, too
                out.append(line + cut)
                line, used, tok = "", 0.0, tok[len(cut) :]
                w = measure(tok)
            line, used = line + tok, used + w
        out.append(line.rstrip())
    return out or [""]
