"""The console in zh_CN (issue 14): every screen and dialog, walked with Pilot on a
desk whose data is Chinese, shows no catalogue message left in English and no
English word but codes and key names; headings are never cut (编号 is four cells)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone

import pytest
from babel.messages.pofile import read_po
from textual.widgets import DataTable, TabbedContent

from dutydesk.clock import FixedClock
from dutydesk.desk import Desk
from dutydesk.i18n import DOMAIN, LOCALE_DIR, set_language
from tests.consoles import console, make_app, settle

NOW = datetime(2026, 11, 22, 6, 30, tzinfo=timezone.utc)

# Latin words a Chinese screen may show: codes and call signs the test typed, key
# names, and the terminal title.
ALLOWED = {
    "PS1",
    "SPD",
    "DC1",
    "DC2",
    "dutydesk",
    "esc",
    "enter",
    "tab",
    "shift",
    "ctrl",
    "p",
    "q",
    "o",
    "s",
    "h",
    "l",
    "a",
    "x",
    "i",
    "k",
    "m",
    "w",
    "n",
    "t",
    "c",
    "r",
    "d",
    "e",
    "f1",
    "PgDn",
    "PgUp",
    "pagedown",
    "pageup",
    "F1",
    "A",
    "B",
    "C",
    "YYYY",
    "MM",
    "DD",
    "HH",
    "ISO",
    "PDF",
    "HTML",
    "Markdown",
    "UTC",
    "question_mark",
    "b",
    "Esc",
    "Enter",
    "Tab",
    "Ctrl",
    "pgdn",
    "pgup",
    "PS9",
    "S",
    "SVG",
    "f2",
    "F2",
    "y",
    "JSON",
    "J",  # Ctrl+J, the key for a new line in a text that may hold several
}


@pytest.fixture(scope="module")
def english_msgids() -> list[tuple[str, str]]:
    """(msgid, the literal run of words to look for) for each message whose Chinese differs."""
    with open(LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as fh:
        catalogue = read_po(fh, locale="zh_CN")
    out = []
    for m in catalogue:
        if not m.id or isinstance(m.id, tuple) or not m.string or m.string == m.id:
            continue
        pieces = re.split(r"\{[^}]*\}", m.id)
        for piece in pieces:
            piece = piece.strip(" .,:;()'\"-—…")
            # a whole message ("Title"), or a run of two words or more around its placeholders
            words = len(re.findall(r"[A-Za-z]{2,}", piece))
            if piece in ALLOWED:  # a message that is also a key name (shift: the audit log's word; shift+tab)
                continue
            if len(piece) >= 4 and (words >= 2 or words == 1 and len(pieces) == 1):
                out.append((m.id, piece))
    return out


def screen_lines(app) -> list[str]:  # noqa: ANN001
    """The text on the terminal, line by line, read from the screenshot."""
    svg = app.export_screenshot()
    lines: dict[int, list[tuple[float, float, str]]] = {}
    for x, length, line, text in re.findall(
        r'<text [^>]*x="([\d.]+)" [^>]*textLength="([\d.]+)" clip-path="url\(#[\w-]+-line-(\d+)\)">([^<]*)</text>', svg
    ):
        lines.setdefault(int(line), []).append((float(x), float(length), html.unescape(text).replace("\xa0", " ")))
    out = []
    for n in sorted(lines):
        parts, end = [], None
        for x, length, text in sorted(lines[n]):
            parts.append(text if end is None or abs(x - end) < 1 else " " + text)
            end = x + length
        out.append("".join(parts))
    return out


def problems(app, msgids) -> list[str]:  # noqa: ANN001
    text = "\n".join(screen_lines(app))
    found = []
    for msgid, piece in msgids:
        pattern = (r"\b" if piece[0].isalnum() else "") + re.escape(piece) + (r"\b" if piece[-1].isalnum() else "")
        if re.search(pattern, text):
            found.append(f"message left in English: {msgid!r}")
    latin = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", " ", text)  # an ISO 8601 example in a placeholder
    latin = re.sub(r"\b([A-Za-z])\1{2,}\b", " ", latin)  # a bar of a chart in a text report (oooo)
    for word in set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", latin)) - ALLOWED:
        found.append(f"English word: {word!r}")
    return found


@pytest.fixture
def zh_desk(db_url):
    set_language("zh_CN")
    clock = FixedClock(NOW)
    desk = Desk.open(db_url, clock=clock, actor="DC1")
    desk.init(name="市局指挥中心")
    desk.add_unit("PS1", "滨江派出所", "station")
    desk.add_unit("SPD", "特警队", "team")
    desk.add_staff("DC1", "李指挥", "PS1")
    desk.add_staff("DC2", "王指挥", "PS1")
    desk.start_shift("DC1")
    desk.open_incident(kind="mass", title="工地门口讨薪聚集", place="滨江路3号工地", level="B", reason="人数较多")
    clock.advance(minutes=1)
    inc = desk.open_incident(kind="opinion", title="执法视频网上传播", place="夜市", level="red", reason="全国关注")
    ins = desk.instruct(inc.id, "PS1", "核实视频并报告")
    desk.acknowledge(ins.id)
    desk.assign(inc.id, "unit_involved", "PS1")
    desk.add_note(inc.id, "情绪平稳")
    clock.advance(minutes=2)
    closed = desk.open_incident(kind="mass", title="广场聚集", place="人民广场", level="C", reason="人数少")
    desk.close_incident(closed.id, "已疏散")
    yield desk
    desk.close()


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_every_screen_in_chinese(zh_desk, english_msgids, size):
    app = make_app(zh_desk)
    seen: dict[str, list[str]] = {}
    screens: dict[str, str] = {}

    async def look(name: str) -> None:
        await settle(pilot)
        seen[name] = problems(app, english_msgids)
        screens[name] = type(app.screen).__name__

    async with app.run_test(size=size) as pilot:
        await look("board")
        board = app.screen.query_one("#board", DataTable)
        heading = [str(c.label) for c in board.columns.values()][0]
        assert heading == "编号", heading
        await pilot.press("question_mark")
        await look("help")
        await pilot.press("escape")
        await pilot.press("ctrl+p")  # the command palette: Textual's own commands and search field too
        await pilot.pause(0.3)
        await look("palette")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("o")
        await look("open form")
        await pilot.press("escape")
        await pilot.press("s")
        await look("shift")
        await pilot.press("ctrl+t")  # the KPI report: its period, then its preview
        await look("kpi period")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        await look("kpi preview")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f2")
        await look("alarm list")
        await pilot.press("escape")
        await pilot.press("h")
        await look("history")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")  # the most urgent incident
        await settle(pilot)
        tabs = app.screen.query_one(TabbedContent)
        for tab in ("tab-deadlines", "tab-roles", "tab-instructions", "tab-levels", "tab-timeline"):
            tabs.active = tab
            await look(f"incident {tab}")
            if tab in ("tab-deadlines", "tab-instructions", "tab-timeline"):  # Enter: the full text
                app.screen.query_one(f"#{tab[4:]}", DataTable).focus()
                await pilot.press("enter")
                await look(f"full text {tab[4:]}")
                await pilot.press("escape")
                await settle(pilot)
        tabs.active = "tab-deadlines"
        app.screen.query_one("#deadlines", DataTable).focus()
        await pilot.press("m")  # a key that changes the record asks first
        await look("meet confirmation")
        await pilot.press("escape")
        await settle(pilot)
        for key, name in (
            ("l", "level dialog"),
            ("a", "assign dialog"),
            ("i", "instruct dialog"),
            ("n", "note dialog"),
            ("c", "close dialog"),
            ("r", "report preview"),
        ):
            await pilot.press(key)
            await look(name)
            await pilot.press("escape")
            await settle(pilot)
    bad = {name: found for name, found in seen.items() if found}
    assert not bad, "\n".join(f"{name}: {found}" for name, found in bad.items())
    assert len(seen) == 24 and screens["palette"] == "CommandPalette", screens
    assert (screens["kpi period"], screens["kpi preview"], screens["alarm list"]) == ("KpiPeriodDialog", "ReportScreen", "AlarmScreen"), screens
    assert {screens[f"full text {t}"] for t in ("deadlines", "instructions", "timeline")} == {"TextDialog"}, screens
    assert screens["meet confirmation"] == "ConfirmDialog", screens
    assert screens["board"] == "BoardScreen" and screens["incident tab-roles"] == "IncidentScreen"
    assert screens["report preview"] == "ReportScreen", screens
    assert all(screens[f"{what} dialog"] not in ("IncidentScreen", "BoardScreen") for what in ("level", "assign", "instruct", "note", "close")), (
        screens
    )
    assert len(set(screens.values())) >= 8, screens


async def test_actor_screen_in_chinese(zh_desk, english_msgids):
    zh_desk.actor = "NOBODY"
    async with console(zh_desk, size=(80, 24), ask_actor=True) as (app, pilot):
        from dutydesk.screens.actor import ActorScreen

        assert isinstance(app.screen, ActorScreen)
        found = problems(app, english_msgids)
    assert found == [] or set(found) == {"English word: 'NOBODY'"}, found


async def test_the_palettes_keys_command_opens_our_help_in_chinese(zh_desk, english_msgids):
    """The palette's "Keys" (Textual's own command) opened Textual's key panel, in English (Cursor up,
    Toggle dark mode...): it opens the desk's own help, in the reader's language."""
    from textual.widgets import HelpPanel

    from dutydesk.screens.help import HelpScreen

    async with console(zh_desk, size=(80, 24)) as (app, pilot):
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"按键")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen), type(app.screen).__name__
        assert not app.screen.query(HelpPanel) and not app.query(HelpPanel)
        assert problems(app, english_msgids) == []
        app.action_show_help_panel()  # any other way in (a binding, a script) shows ours too
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen) and len(app.screen_stack) == 2, app.screen_stack


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_alarms_in_chinese(zh_desk, english_msgids, size):
    """With deadlines overdue and due soon: the banner on the board, the alarm list with its rows, the
    acknowledgement's confirmation and the quit guard, all in Chinese (states 到期/超时/临期 in words)."""
    zh_desk.clock.advance(minutes=40)
    app = make_app(zh_desk)
    seen: dict[str, list[str]] = {}
    screens: dict[str, str] = {}
    texts: dict[str, str] = {}

    async def look(name: str) -> None:
        await settle(pilot)
        seen[name] = problems(app, english_msgids)
        screens[name] = type(app.screen).__name__
        texts[name] = "\n".join(screen_lines(app))

    async with app.run_test(size=size) as pilot:
        await look("board with alarms")
        await pilot.press("f2")
        await look("alarm list")
        await pilot.press("k")
        await look("acknowledge confirmation")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await look("quit guard")
        await pilot.press("escape")
        await settle(pilot)
    bad = {name: found for name, found in seen.items() if found}
    assert not bad, "\n".join(f"{name}: {found}" for name, found in bad.items())
    assert screens["alarm list"] == "AlarmScreen" and screens["acknowledge confirmation"] == "ConfirmDialog", screens
    assert screens["quit guard"] == "ConfirmDialog", screens
    assert "告警" in texts["board with alarms"], texts["board with alarms"]
    assert "超时" in texts["alarm list"] or "到期" in texts["alarm list"], texts["alarm list"]
    # a due time whole on one line (11月22日 07:01): it was cut to "11月22日 07" or split over two lines
    assert re.search(r"\d+月\d+日 \d{2}:\d{2}", texts["alarm list"]), texts["alarm list"]
    # Enter shows the alarm's incident: not the board's "o" (新建事件, open a new one)
    assert "查看事件" in texts["alarm list"] and "新建事件" not in texts["alarm list"], texts["alarm list"]
    assert "确认此告警？" in texts["acknowledge confirmation"], texts["acknowledge confirmation"]
    assert "退出控制台？" in texts["quit guard"], texts["quit guard"]


async def test_instruction_latency_in_chinese(zh_desk):
    """The incident screen's instructions say how long the acknowledgement took in the reader's words
    (0秒), as the reports do; it said '0s' in Chinese too."""
    async with console(zh_desk, size=(200, 50)) as (app, pilot):
        await pilot.press("enter")  # the most urgent incident: the red one, with its acknowledged instruction
        await settle(pilot)
        app.screen.query_one(TabbedContent).active = "tab-instructions"
        await settle(pilot)
        table = app.screen.query_one("#instructions", DataTable)
        latency = str(table.get_row_at(0)[4])
    assert re.fullmatch(r"\d+秒", latency), latency


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_deadline_names_wrap_by_the_rules_of_chinese(zh_desk, size):
    """A deadline's name wraps in its column, never with 、 or ， at the start of a line (Textual folds
    a Chinese run anywhere): 情指、网安、宣传、法制、督察、办案单位联动响应."""
    app = make_app(zh_desk)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#deadlines", DataTable)
        names = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        shown = screen_lines(app)
    assert any("、" in n for n in names), names
    for name in names:
        assert not [line for line in name.split("\n") if line.startswith(("、", "，", "。"))], name
    assert not [line for line in shown if re.search(r"(^|\s)[、，。]", line)], "\n".join(shown)
