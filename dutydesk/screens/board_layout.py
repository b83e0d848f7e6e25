"""The board's layout, without a terminal: which columns fit a width and how wide
each is (the incidents and the rail), and the status strip's words at a width.
Pure functions of plain values: the board screen (``board``) calls them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text

from dutydesk.i18n import N_, _, pgettext, translate_marked
from dutydesk.text import safe
from dutydesk.timefmt import fmt_local, to_local
from dutydesk.views import IncidentSummary, ShiftView
from dutydesk.widgets.format import OVERDUE_STYLE, SOON_STYLE

TITLE_MIN = 24  # an optional column is shown only while the title keeps this many cells
PLACE_MIN = 10
WHAT_MAX = 18  # the short label of what is due ("ack PS-RV"), cut beyond this
FULL_MAX = 64  # the deadline's full name on a wide terminal
FULL_MIN = 20  # ... shown only with this much room
TITLE_WITH_PLACE = 16  # the place is shown while the title keeps this much beside it
TITLE_NARROW = 12  # on a narrow terminal the title keeps this much before the label of what is due is cut
WHAT_MIN = 8
TITLE_WANT, PLACE_WANT = 48, 28  # what title and place keep before the full name gets any room
RAIL_WIDE = 120  # from this width the rail shows the deadline's full name too
RAIL_AT = 70  # from this width the rail shows the clock time each is due at
RAIL_ROWS = 200  # the rail lists at most this many deadlines (overdue first, then soonest)
PADDING = 2  # a DataTable cell's padding, one each side
SCROLLBAR = 2

# The incidents' columns: always these, in this order (ID first) ...
BASE = (("id", N_("ID")), ("level", N_("Level")), ("what", N_("Due")), ("title", N_("Title")), ("place", N_("Place")))
# ... and these while the title keeps TITLE_MIN cells, added in this order.
OPTIONAL = (("status", N_("Status")), ("roles", N_("Roles")), ("receiver", N_("Receiver")), ("kind", N_("Kind")), ("deadline", N_("Deadline")))


def heading(key: str, label: str) -> str:
    """A column's heading in the reader's words; "Due" over what is due next ("1st statement")
    is not the due time's heading elsewhere (zh_CN: 事项, not 截止时间)."""
    return pgettext("what is due next", "Due") if key == "what" else translate_marked(label)


@dataclass
class Column:
    key: str
    label: str
    width: int


def _width(values: list[str], heading: str, cap: int | None = None) -> int:
    """As wide as the widest value (in display cells) and the heading; at most ``cap``."""
    widest = max([cell_len(v) for v in values] + [cell_len(heading)])
    return min(widest, max(cap, cell_len(heading))) if cap else widest


def _cut(value: str, width: int) -> str:
    """``value`` in ``width`` cells, an ellipsis where it was cut (a cut word is then seen as cut)."""
    if cell_len(value) <= width:
        return value
    text = Text(value)
    text.truncate(width, overflow="ellipsis")
    return text.plain


def _split(free: int, titles: list[str], places: list[str]) -> tuple[int, int]:
    """Title and place share ``free`` cells: the place as wide as it needs up to
    a third, the title the rest (and the place whatever the title leaves)."""
    place_need = max([cell_len(p) for p in places] + [PLACE_MIN])
    title_need = max([cell_len(t) for t in titles] + [TITLE_MIN])
    place = min(place_need, max(PLACE_MIN, free // 3))
    title = free - place
    if title > title_need:  # titles are short: the place gets the spare cells
        place = min(place_need, free - title_need)
        title = free - place
    return max(title, 1), max(place, 1)


def plan_columns(width: int, rows: list[IncidentSummary], texts: dict[int, dict[str, str]], countdown_width: int, scrollbar: bool) -> list[Column]:
    """The incident table's columns for a terminal ``width`` cells wide: ID,
    level, what is due, title and place always; status, roles, receiver and
    kind while the title keeps TITLE_MIN cells; the deadline in full when the
    title and place have what they need beside it."""
    labels = {key: heading(key, label) for key, label in BASE + OPTIONAL}
    values = {key: [texts[r.id][key] for r in rows] for key in labels}
    widths = {key: _width(values[key], labels[key]) for key in ("id", "level", "status", "roles", "receiver", "kind")}
    widths["what"] = _width(values["what"], labels["what"], WHAT_MAX)
    avail = width - countdown_width - (SCROLLBAR if scrollbar else 0)
    used = sum(widths[k] + PADDING for k in ("id", "level", "what")) + 2 * PADDING  # and title and place's padding
    chosen: list[str] = []
    for key, _label in OPTIONAL[:-1]:
        if avail - used - (widths[key] + PADDING) - PLACE_MIN < TITLE_MIN:
            break
        chosen.append(key)
        used += widths[key] + PADDING
    title_need = min(max([cell_len(t) for t in values["title"]] + [TITLE_MIN]), TITLE_WANT)
    place_need = min(max([cell_len(p) for p in values["place"]] + [PLACE_MIN]), PLACE_WANT)
    spare = avail - used - title_need - place_need - PADDING
    if len(chosen) == len(OPTIONAL) - 1 and spare >= FULL_MIN:
        # the titles in full first (a wide terminal has the room), the full name what is left (at least FULL_MIN)
        in_full = avail - used - _width(values["title"], labels["title"]) - _width(values["place"], labels["place"]) - PADDING
        widths["deadline"] = min(_width(values["deadline"], labels["deadline"]), FULL_MAX, spare, max(FULL_MIN, in_full))
        chosen.append("deadline")
        used += widths["deadline"] + PADDING
    order = [k for k, _l in BASE] + chosen
    room = avail - used
    if room >= TITLE_WITH_PLACE + PLACE_MIN:
        widths["title"], widths["place"] = _split(room, values["title"], values["place"])
    else:  # narrow: the place goes first, then the label of what is due gets shorter
        order.remove("place")
        room += PADDING  # the place's padding
        short_of = TITLE_NARROW - room
        spare_what = max(0, widths["what"] - max(WHAT_MIN, cell_len(labels["what"])))
        if short_of > 0 and room + spare_what >= TITLE_NARROW // 2:  # worth it only if the title then shows
            cut = min(short_of, spare_what)
            widths["what"] -= cut
            room += cut
        widths["title"] = max(room, 1)
        if room < TITLE_NARROW // 2:  # too narrow for any of it: ID, level and what is due say enough
            order.remove("title")
            room -= PADDING
            if room < 0:  # and what is due gets what there is
                widths["what"] = max(WHAT_MIN, widths["what"] + room)
    return [Column(k, labels[k], widths[k]) for k in order]


def plan_rail(width: int, wide: bool, countdown_width: int, scrollbar: bool, values: dict[str, list[str]]) -> list[Column]:
    """The rail's columns: when due, incident, level, what; the deadline in full on
    a wide terminal; the incident's title in what is left."""
    keys = [("at", N_("At")), ("id", N_("ID")), ("level", N_("Level")), ("what", N_("Due"))]
    if wide:
        keys.append(("deadline", N_("Deadline")))
    if width < RAIL_AT:  # narrow: the countdown says it
        keys.pop(0)
    labels = {k: heading(k, label) for k, label in keys + [("title", N_("Title"))]}
    cols = []
    used = countdown_width + (SCROLLBAR if scrollbar else 0)
    for key, _label in keys:
        cap = WHAT_MAX if key == "what" else FULL_MAX if key == "deadline" else None
        w = _width(values[key], labels[key], cap)
        cols.append(Column(key, labels[key], w))
        used += w + PADDING
    room = width - used - PADDING
    if room >= TITLE_NARROW // 2:
        cols.append(Column("title", labels["title"], room))
    elif width < used:  # too narrow: what is due gets what there is
        what = next(c for c in cols if c.key == "what")
        what.width = max(WHAT_MIN, what.width - (used - width))
    return cols


def strip_text(width: int, now: datetime, overdue: int, soon: int, live: int, shift: ShiftView | None, actor: str) -> Text:
    """The status strip, as much as fits in ``width`` cells; the overdue count
    always (first, in words and in red, at the narrowest)."""
    late = (_("Overdue: {n}").format(n=overdue), OVERDUE_STYLE if overdue else "bold")
    due_soon = (_("Due soon: {n}").format(n=soon), SOON_STYLE if soon else "")
    live_n = _("Live: {n}").format(n=live)
    you = _("You: {actor}").format(actor=safe(actor))
    clock, clock_short = (fmt_local(now, seconds=True), "bold"), (to_local(now).strftime("%H:%M:%S"), "bold")
    if shift:
        who, who_short = safe(f"{shift.commander} {shift.commander_name}"), safe(shift.commander)
    else:
        who, who_short = _("no shift running (press s)"), _("no shift")
    heading = (_("Duty commander: "), "bold")
    gap = "   "
    variants = [
        (heading, who, gap, clock, gap, late, gap, due_soon, gap, live_n, gap, you),
        (heading, who, gap, clock_short, gap, late, gap, due_soon, gap, live_n, gap, you),
        (heading, who_short, "  ", clock_short, "  ", late, "  ", due_soon, "  ", live_n, "  ", you),
        ((who_short, "bold"), "  ", clock_short, "  ", late, "  ", due_soon, "  ", live_n),
        (late, "  ", due_soon, "  ", clock_short, "  ", live_n),
        (late, "  ", due_soon, "  ", clock_short),
        (late, "  ", clock_short),
    ]
    for parts in variants:
        text = Text.assemble(*parts)
        if text.cell_len <= width:
            return text
    return Text.assemble(late)
