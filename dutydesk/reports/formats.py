"""Renderers of a :class:`Document`: plain text (80 columns, for a printer),
Markdown and print-ready HTML (A4, page breaks, charts as inline SVG).  PDF is
in ``dutydesk.reports.pdf``; JSON is the report's data, not its layout."""

from __future__ import annotations

import html
import re
from itertools import zip_longest
from collections.abc import Iterator
from datetime import datetime, timedelta

from rich.cells import cell_len, set_cell_size

from dutydesk.i18n import current_language
from dutydesk.i18n.linebreak import KEEP, TOKEN, cells, unbroken, unmark, wrap
from dutydesk.i18n.linebreak import cells as _display_cells
from dutydesk.reports.document import LEVEL_COLOURS, sanitized, OUTCOME_COLOURS, Bars, Document, Fields, Heading, Para, Signatures, Table, Timeline
from dutydesk.timefmt import fmt_local, to_local

WIDTH = 80
# Wrapping by display width with the line-breaking rules of Chinese: dutydesk.i18n.linebreak
# (a Han character is two columns and may break anywhere but before closing punctuation).
_TOKEN = TOKEN


def kept_rows(table: Table) -> list[list[str]]:
    """The table's rows with the cells of its ``keep`` columns as one unit for wrap()."""
    if not table.keep:
        return table.rows
    return [[unbroken(c) if i in table.keep else c for i, c in enumerate(row)] for row in table.rows]


def column_widths(table: Table, total: int, measure=cells, gap: int = 2, cap: int = 16) -> list[int]:  # noqa: ANN001
    """Column widths that fit ``total``: each column at least as wide as its
    longest word (up to ``cap``), no wider than its widest cell, and the rest
    shared out by the table's relative widths."""
    n = len(table.columns)
    avail = total - gap * (n - 1)
    rows = kept_rows(table)
    cells = [[table.columns[i]] + [r[i] for r in rows] for i in range(n)]

    def fast(c: str):  # noqa: ANN202
        """``measure`` for the pieces of ``c``: ``len`` when it is the display width of ASCII text."""
        return len if measure is _display_cells and c.isascii() else measure

    need = [max(max(fast(c)(unmark(line)) for line in c.split("\n")) for c in col) or 1 for col in cells]
    # at least its longest word (up to ``cap``) or its longest span kept unbroken (a margin)
    floor = [
        min(
            need[i],
            max(
                (
                    m(unmark(tok)) if tok.startswith(KEEP) else min(cap, m(tok))
                    for c in cells[i]
                    for m in (fast(c),)
                    for tok in _TOKEN.findall(c)
                    if not tok.isspace()
                ),
                default=1,
            ),
        )
        for i in range(n)
    ]
    if sum(need) <= avail:
        return need
    if sum(floor) >= avail:
        return [max(1, f * avail // sum(floor)) for f in floor]
    widths = floor[:]
    spare = avail - sum(widths)
    weights = table.widths
    while spare > 0:
        hungry = [i for i in range(n) if need[i] > widths[i]]
        if not hungry:
            break
        i = min(hungry, key=lambda j: widths[j] / weights[j])
        widths[i] += 1
        spare -= 1
    return widths


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cells(text))


# -- plain text ------------------------------------------------------------------


def render_text(doc: Document, width: int = WIDTH) -> str:
    """The report as plain text ``width`` display columns wide (80 for files and
    printers; the console's preview passes the width it has)."""
    doc = sanitized(doc)
    title = wrap(doc.title, width)  # a long title (an incident's) wraps too
    out: list[str] = [*title, "=" * min(max(max(cell_len(t) for t in title), 8), width), *wrap(doc.subtitle, width), ""]
    for b in doc.blocks:
        out += list(_text_block(b, width))
    out += ["", *wrap(doc.footer, width)]
    return "\n".join(line.rstrip() for line in out) + "\n"


def _text_block(b, width: int = WIDTH) -> Iterator[str]:  # noqa: ANN001
    if isinstance(b, Heading):
        yield ""
        yield b.text
        yield "-" * cell_len(b.text)
    elif isinstance(b, Fields):
        lw = min(22, max(cell_len(k) for k, _v in b.pairs) + 1)
        for k, v in b.pairs:
            lines = wrap(v, width - lw - 1)
            yield _pad(k + ":", lw) + " " + lines[0]
            for more in lines[1:]:
                yield " " * (lw + 1) + more
    elif isinstance(b, Para):
        yield from wrap(b.text, width)
    elif isinstance(b, Table):
        if not b.rows:
            if b.empty:
                yield from wrap(b.empty, width)
            return
        widths = column_widths(b, width - 2)

        def lines(row: list[str], mark: str) -> Iterator[str]:
            cells = [wrap(c, w) for c, w in zip(row, widths)]
            for k in range(max(len(c) for c in cells)):
                yield (mark if k == 0 else "  ") + "  ".join(_pad(c[k] if k < len(c) else "", w) for c, w in zip(cells, widths))

        yield from lines(b.columns, "  ")
        yield "  " + "  ".join("-" * w for w in widths)
        for r, row in enumerate(kept_rows(b)):
            yield from lines(row, "! " if r < len(b.marks) and b.marks[r] == "bad" else "  ")
    elif isinstance(b, Bars):
        yield ""
        yield b.title + ":"
        symbols = dict(zip([k for k, _l in b.legend], "#+X!.-o"))
        top = max((sum(v.values()) for _g, v in b.groups), default=1) or 1
        lw = min(24, max(cell_len(g) for g, _v in b.groups))
        bar_w = 20
        for g, counts in b.groups:
            bar = "".join(symbols.get(k, "?") * round(counts.get(k, 0) * bar_w / top) for k, _l in b.legend)
            said = ", ".join(f"{lbl} {counts[k]}" for k, lbl in b.legend if counts.get(k))
            lines = wrap(said, width - lw - bar_w - 4)
            names = wrap(g, lw)  # the whole label, on as many lines as it takes
            yield "  " + _pad(names[0], lw) + " " + _pad(bar, bar_w) + " " + lines[0]
            for name, more in zip_longest(names[1:], lines[1:], fillvalue=""):
                yield "  " + _pad(name, lw) + " " * (bar_w + 2) + more
        legend = "  ".join(f"{symbols[k]} {lbl}" for k, lbl in b.legend if k in symbols and any(c.get(k) for _g, c in b.groups))
        for line in wrap(legend, width - 2):
            yield "  " + line
        yield ""
    elif isinstance(b, Timeline):
        yield ""
        yield b.title + ":"
        span = (b.end - b.start).total_seconds() or 1
        width = max(20, width - 30)  # the bars: 50 columns on a page of 80
        yield "  " + _pad("", 14) + " " + _pad(fmt_local(b.start, short=True), width - 11) + fmt_local(b.end, short=True)
        for label, a, z, _colour in b.spans:
            x0 = max(0, min(width, round((a - b.start).total_seconds() / span * width)))
            x1 = max(x0 + 1, min(width, round((z - b.start).total_seconds() / span * width)))
            yield "  " + _pad(label[:14], 14) + " |" + " " * x0 + "=" * (x1 - x0) + " " * (width - x1) + "|"
    elif isinstance(b, Signatures):
        yield ""
        for line in b.lines:
            yield from wrap(line, width)
            yield ""


# -- Markdown --------------------------------------------------------------------

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&!])")
_MD_LEADING = re.compile(r"^(\s*)([#+\-=>]|\d+(?=[.)]))")


def _md(text: str, block: bool = False) -> str:
    """Text as Markdown that reads as the same text: every character that
    would make a link, an image, emphasis, code, raw HTML, an entity or a
    table cell is escaped (a title ``[x](http://…)`` stays text, ``<script>``
    too); with ``block`` (text that starts a line) so is a heading, list or
    quote marker at its start."""
    text = _MD_INLINE.sub(r"\\\1", text.replace("\n", " "))
    if not block:
        return text
    return _MD_LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2) if not m.group(2)[0].isdigit() else m.group(1) + m.group(2) + "\\", text, count=1)


def render_md(doc: Document) -> str:
    doc = sanitized(doc)
    out = [f"# {_md(doc.title)}", "", f"*{_md(doc.subtitle)}*", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out += [f"## {_md(b.text)}", ""]
        elif isinstance(b, Fields):
            out += [f"- **{_md(k)}:** {_md(v)}" for k, v in b.pairs] + [""]
        elif isinstance(b, Para):
            out += [_md(b.text, block=True), ""]
        elif isinstance(b, Table):
            if not b.rows:
                out += [_md(b.empty), ""] if b.empty else []
                continue
            out.append("| " + " | ".join(_md(c) for c in b.columns) + " |")
            out.append("|" + "|".join("---" for _c in b.columns) + "|")
            for r, row in enumerate(b.rows):
                cells = [_md(c) for c in row]
                if r < len(b.marks) and b.marks[r] == "bad":
                    cells[0] = "**!** " + cells[0]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        elif isinstance(b, Bars):
            out += [
                f"**{_md(b.title)}**",
                "",
                "| " + " | ".join([""] + [_md(lbl) for _k, lbl in b.legend]) + " |",
                "|" + "|".join("---" for _x in range(len(b.legend) + 1)) + "|",
            ]
            out += ["| " + " | ".join([_md(g)] + [str(c.get(k, 0)) for k, _l in b.legend]) + " |" for g, c in b.groups]
            out.append("")
        elif isinstance(b, Timeline):
            continue  # the incident table above carries the same times
        elif isinstance(b, Signatures):
            out += [_md(line, block=True) + "  " for line in b.lines] + [""]
    out += ["---", "", _md(doc.footer, block=True), ""]
    return unmark("\n".join(out))  # the marks of spans kept unbroken (margins) are for wrap() only


# -- charts as shapes (SVG here, PDF in pdf.py) ------------------------------------

CHART_W = 720


def clip(text: str, width: int) -> str:
    """At most ``width`` columns (a Han character is two), with … when cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip() + "…"


def bar_shapes(b: Bars) -> tuple[list[tuple], int]:
    """(shapes, height) of a stacked bar chart in a CHART_W-wide box."""
    shapes: list[tuple] = []
    label_w, row_h, count_w = 230, 20, 60
    top = max((sum(v.values()) for _g, v in b.groups), default=1) or 1
    scale = (CHART_W - label_w - count_w) / top
    y = 4
    for g, counts in b.groups:
        shapes.append(("text", label_w - 8, y + 14, clip(g, 34), 11, "end", "#222"))
        x = label_w
        for k, _lbl in b.legend:
            n = counts.get(k, 0)
            if n:
                shapes.append(("rect", x, y + 2, n * scale, row_h - 6, OUTCOME_COLOURS.get(k, "#888")))
                x += n * scale
        shapes.append(("text", x + 6, y + 14, str(sum(counts.values())), 11, "start", "#222"))
        y += row_h
    x = label_w
    used = [(k, lbl) for k, lbl in b.legend if any(c.get(k) for _g, c in b.groups)]
    for k, lbl in used:
        shapes.append(("rect", x, y + 6, 10, 10, OUTCOME_COLOURS.get(k, "#888")))
        shapes.append(("text", x + 14, y + 15, lbl, 10, "start", "#222"))
        x += 24 + cell_len(lbl) * 6
    return shapes, y + 22


def timeline_shapes(t: Timeline) -> tuple[list[tuple], int]:
    shapes: list[tuple] = []
    label_w, row_h = 110, 16
    span = (t.end - t.start).total_seconds() or 1
    plot_w = CHART_W - label_w - 10

    def x_of(at: datetime) -> float:
        return label_w + max(0.0, min(1.0, (at - t.start).total_seconds() / span)) * plot_w

    hours = span / 3600
    step = next((s for s in (1, 2, 3, 4, 6, 12, 24, 48, 168) if hours / s <= 12), 336)
    first = to_local(t.start).replace(minute=0, second=0, microsecond=0)
    tick = first + timedelta(hours=1) if first < to_local(t.start) else first
    bottom = 8 + row_h * len(t.spans)
    while tick <= to_local(t.end):
        if tick.hour % step == 0 or step >= 24 and tick.hour == 0:
            x = x_of(tick)
            shapes.append(("line", x, 4, x, bottom, "#ccc"))
            shapes.append(("text", x, bottom + 12, tick.strftime("%H:%M" if step < 24 else "%m-%d"), 9, "middle", "#555"))
        tick += timedelta(hours=1)
    y = 6
    for label, a, z, colour in t.spans:
        shapes.append(("text", label_w - 6, y + 11, label, 10, "end", "#222"))
        x0, x1 = x_of(a), x_of(z)
        shapes.append(("rect", x0, y + 2, max(2.0, x1 - x0), row_h - 5, LEVEL_COLOURS.get(colour or "", "#607d8b")))
        y += row_h
    shapes.append(("line", label_w, bottom, label_w + plot_w, bottom, "#888"))
    return shapes, bottom + 18


def svg(shapes: list[tuple], height: int, title: str) -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {CHART_W} {height}" role="img" aria-label="{html.escape(title)}">']
    for s in shapes:
        if s[0] == "rect":
            parts.append(f'<rect x="{s[1]:.1f}" y="{s[2]:.1f}" width="{s[3]:.1f}" height="{s[4]:.1f}" fill="{s[5]}"/>')
        elif s[0] == "line":
            parts.append(f'<line x1="{s[1]:.1f}" y1="{s[2]:.1f}" x2="{s[3]:.1f}" y2="{s[4]:.1f}" stroke="{s[5]}"/>')
        else:
            parts.append(f'<text x="{s[1]:.1f}" y="{s[2]:.1f}" font-size="{s[4]}" text-anchor="{s[5]}" fill="{s[6]}">{html.escape(s[3])}</text>')
    parts.append("</svg>")
    return "".join(parts)


# -- HTML ------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 16mm 12mm 18mm 12mm;
  @bottom-left { content: "%(footer)s"; font-size: 8pt; color: #555; }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; } }
html { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  font-size: 10pt; color: #111; }
body { max-width: 186mm; margin: 0 auto; }
h1 { font-size: 18pt; margin: 0 0 2pt; } .subtitle { color: #444; margin: 0 0 10pt; }
h2 { font-size: 12.5pt; border-bottom: 1.5pt solid #333; padding-bottom: 2pt; margin: 14pt 0 6pt;
  break-after: avoid; } h2.new-page { break-before: page; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2pt 10pt; margin: 0; } dt { font-weight: bold; }
dd { margin: 0; }
table { border-collapse: collapse; width: 100%%; margin: 4pt 0 8pt; font-size: 9pt; }
thead { display: table-header-group; } tr { break-inside: avoid; }
th, td { border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #eee; } tr.bad td { color: #b71c1c; font-weight: bold; } tr.good td:last-child { color: #1b5e20; }
figure { margin: 6pt 0 10pt; break-inside: avoid; } figcaption { font-weight: bold; font-size: 9.5pt; }
.signatures { margin-top: 18pt; break-inside: avoid; } .signatures p { margin: 0 0 14pt; }
footer { margin-top: 12pt; font-size: 8pt; color: #555; }
@media screen { body { padding: 12mm; } }
"""


def _css_string(text: str) -> str:
    """Text inside a CSS string: anything but letters, digits and spaces as a CSS escape."""
    return "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):x} " for ch in text)


def render_html(doc: Document) -> str:
    doc = sanitized(doc)
    e = html.escape
    lang = current_language().replace("_", "-")
    out = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(doc.title)}</title>',
        f"<style>{CSS % {'footer': _css_string(doc.footer)}}</style></head><body>",
        f'<h1>{e(doc.title)}</h1><p class="subtitle">{e(doc.subtitle)}</p>',
    ]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out.append(f"<h2{' class=new-page' if b.new_page else ''}>{e(b.text)}</h2>")
        elif isinstance(b, Fields):
            out.append("<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in b.pairs) + "</dl>")
        elif isinstance(b, Para):
            out.append(f"<p>{e(b.text)}</p>")
        elif isinstance(b, Table):
            if not b.rows:
                out.append(f"<p>{e(b.empty)}</p>" if b.empty else "")
                continue
            rows = []
            for r, row in enumerate(b.rows):
                mark = b.marks[r] if r < len(b.marks) else ""
                rows.append((f'<tr class="{mark}">' if mark else "<tr>") + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
            out.append(
                "<table><thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in b.columns) + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            )
        elif isinstance(b, (Bars, Timeline)):
            shapes, height = bar_shapes(b) if isinstance(b, Bars) else timeline_shapes(b)
            out.append(f"<figure><figcaption>{e(b.title)}</figcaption>{svg(shapes, height, b.title)}</figure>")
        elif isinstance(b, Signatures):
            out.append('<div class="signatures">' + "".join(f"<p>{e(x)}</p>" for x in b.lines) + "</div>")
    out.append(f"<footer>{e(doc.footer)}</footer></body></html>\n")
    return unmark("".join(out))  # the marks of spans kept unbroken (margins) are for wrap() only


__all__ = ["render_html", "render_md", "render_text", "wrap"]
