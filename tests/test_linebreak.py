"""Line breaking in Chinese (issue 14): a wrapped line never starts with closing
punctuation (、，。；：？！）」”) nor ends with opening punctuation (（「“), in the text
reports, the console's report preview (the same renderer) and the PDF, as in the CLI's
help (one rule: dutydesk.i18n.linebreak)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dutydesk.i18n.linebreak import NO_LINE_END, NO_LINE_START, keep_together
from dutydesk.reports.formats import cells, wrap


def test_a_comma_never_starts_a_line():
    # nine Han characters fill 18 cells exactly: the comma went to the next line alone
    assert wrap("一二三四五六七八九，十", 18) == ["一二三四五六七八", "九，十"]
    assert wrap("一二三四五六七八九、十", 18) == ["一二三四五六七八", "九、十"]
    assert wrap("一二三四五六七八九。”十", 18) == ["一二三四五六七八", "九。”十"]


def test_an_opening_bracket_never_ends_a_line():
    assert wrap("一二三四五六七八（九）", 18) == ["一二三四五六七八", "（九）"]
    assert wrap("一二三四五六七“八”", 16) == ["一二三四五六七", "“八”"]


def test_english_and_dates_unchanged():
    assert wrap("one two three, four", 9) == ["one two", "three,", "four"]
    assert keep_together(["11月23日 14:05", "，", "红"]) == ["11月23日 14:05，", "红"]


HAN = list("事件群众聚集工地门口红色")
CLOSE = sorted(ch for ch in NO_LINE_START if not ch.isascii())
OPEN = sorted(ch for ch in NO_LINE_END if not ch.isascii())
# a Han character with up to two closing marks after it, or an opening mark and a Han character
piece = st.one_of(
    st.tuples(st.sampled_from(HAN), st.lists(st.sampled_from(CLOSE), max_size=2)).map(lambda t: t[0] + "".join(t[1])),
    st.tuples(st.sampled_from(OPEN), st.sampled_from(HAN)).map("".join),
    st.just(" "),
    st.just("11月23日 14:05"),
    st.just("PS1"),
)
chinese = st.lists(piece, min_size=1, max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=chinese, width=st.integers(min_value=14, max_value=40))
def test_no_line_starts_with_closing_punctuation(text, width):
    lines = wrap(text, width)
    assert all(cells(line) <= width for line in lines), lines
    assert not [line for line in lines[1:] if line and line[0] in NO_LINE_START], lines
    assert not [line for line in lines[:-1] if line and line[-1] in NO_LINE_END], lines
    assert "".join(text.split()) == "".join("".join(lines).split())  # nothing lost or added


def test_one_wrap_for_reports_and_the_console():
    """The reports' wrap is linebreak.wrap; a console cell pre-wrapped with it never starts a line with 、."""
    from dutydesk.i18n import linebreak
    from dutydesk.reports import formats

    assert formats.wrap is linebreak.wrap
    label = "情指、网安、宣传、法制、督察、办案单位联动响应"
    lines = linebreak.wrap(label, 20)
    assert lines == ["情指、网安、宣传、法", "制、督察、办案单位联", "动响应"] and "".join(lines) == label
    assert all(not line.startswith(("、", "，", "。")) for width in range(4, 30) for line in linebreak.wrap(label + "，完成。", width)), label


def _within(seconds: int, fn):  # noqa: ANN001, ANN202
    """``fn()``, or a failure if it has not returned in ``seconds`` (a wrap that never ends eats the memory)."""
    import signal

    def stop(_signum, _frame):  # noqa: ANN001, ANN202
        raise TimeoutError("did not return")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        return fn()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_a_line_too_narrow_for_anything_still_ends():
    """A width of 0 or less, or one column for a two-column character, never loops:
    each line takes at least one character (it looped, appending lines, until memory ran out)."""
    for width in (-8, 0, 1):
        for text in ("met on time 7, overdue 1", "事件，已处置", "a 事件 b"):
            lines = _within(5, lambda text=text, width=width: wrap(text, width))
            assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_word_longer_than_the_line_is_cut_where_the_rule_allows():
    """Found by the property below: the cut of a long word ended with an opening quote."""
    assert wrap("PS1PS1PS1PS1‘事", 14) == ["PS1PS1PS1PS1", "‘事"]


def test_the_text_report_in_a_narrow_console_preview_ends():
    """The console's preview renders at its own width: the KPI report's bars at 40
    columns left the wrap a negative width (it never returned)."""
    from dutydesk.reports.document import Bars, Document
    from dutydesk.reports.formats import render_text

    bars = Bars("Deadlines by kind", [("Mass incident", {"met": 7, "missed": 1})], [("met", "met on time"), ("missed", "missed")])
    doc = Document("Report", "sub", "footer", [bars])
    for width in (40, 30, 20):
        text = _within(5, lambda width=width: render_text(doc, width))
        assert "Mass incident" in text and "7" in text
