"""Where a line of Chinese may break (kinsoku): never before closing punctuation
(、，。；：？！）》」』】”’), never after opening punctuation (（《「『【“‘).  One rule
for every wrapper: the text reports and the console's preview
(``dutydesk.reports.formats.wrap``), the PDF, and the CLI's help
(``dutydesk.i18n.helptext``)."""

from __future__ import annotations

# Closing punctuation stays on the line of the text before it; opening
# punctuation on the line of the text after it.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")


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
