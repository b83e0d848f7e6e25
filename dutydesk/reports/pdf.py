"""PDF of a :class:`Document`, A4, with a CJK font embedded (subset) so
Chinese prints and can be searched and copied.

fpdf2 (pure Python) draws it.  Its own line breaking (``multi_cell``) measures
every character again for every candidate line, which made a 2 000-line log
take over 10 s; here lines are wrapped once with a per-character width cache
and placed with ``text()``, the same wrapping as the 80-column text output.
The font: ``DUTYDESK_PDF_FONT``, else the first CJK font found in the usual
Debian places (``make fonts`` installs fonts-wqy-microhei)."""

from __future__ import annotations

from pathlib import Path

from dutydesk.config import pdf_font
from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.reports.document import Bars, Document, Fields, Heading, Para, Signatures, Table, Timeline
from dutydesk.reports.formats import CHART_W, bar_shapes, column_widths, kept_rows, timeline_shapes, wrap

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
SIZE, SMALL, LINE = 9.0, 8.0, 4.2  # pt, pt, mm per line of body text


def find_font() -> Path:
    named = pdf_font()
    if named:
        if not Path(named).is_file():
            raise Refused("font", _("DUTYDESK_PDF_FONT names {path}, which is not a file").format(path=named))
        return Path(named)
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise Refused(
        "font", _("no CJK font for PDF output: run `make fonts` (installs fonts-wqy-microhei) or set DUTYDESK_PDF_FONT to a .ttf/.ttc file")
    )


def _hex(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def render_pdf(doc: Document) -> bytes:
    from fpdf import FPDF

    from dutydesk.reports.document import sanitized

    doc = sanitized(doc)

    font = find_font()

    class Pdf(FPDF):
        def footer(self) -> None:  # noqa: D102
            self.set_y(-12)
            self.set_font("cjk", size=7.5)
            self.set_text_color(90, 90, 90)
            self.cell(0, 4, doc.footer)
            self.set_x(self.l_margin)
            self.cell(0, 4, _("Page {page} of {pages}").format(page=self.page_no(), pages="{nb}"), align="R")
            self.set_text_color(0, 0, 0)

    pdf = Pdf(format="A4", unit="mm")
    pdf.set_margins(14, 14, 14)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(doc.title)
    pdf.set_creator("dutydesk")
    pdf.add_font("cjk", "", str(font))
    pdf.add_page()
    page_w = pdf.w - pdf.l_margin - pdf.r_margin
    bottom = pdf.h - 16
    widths: dict[str, float] = {}
    cw = pdf.fonts["cjk"].cw

    def measure_at(size: float):  # noqa: ANN202
        factor = size * 0.001 / pdf.k  # font units -> mm

        def measure(text: str) -> float:
            total = 0.0
            for ch in text:
                w = widths.get(ch)
                if w is None:
                    w = widths[ch] = cw[ord(ch)] if ord(ch) < len(cw) else 1000
                total += w
            return total * factor

        return measure

    def room(height: float) -> None:
        if pdf.get_y() + height > bottom:
            pdf.add_page()

    def lines_at(x: float, lines: list[str], size: float, line_h: float) -> None:
        pdf.set_font_size(size)
        y = pdf.get_y()
        for k, line in enumerate(lines):
            if line:
                pdf.text(x, y + line_h * k + line_h * 0.75, line)

    body = measure_at(SIZE)
    pdf.set_font("cjk", size=17)
    pdf.cell(0, 9, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(10)
    pdf.set_text_color(70, 70, 70)
    pdf.cell(0, 6, doc.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    for b in doc.blocks:
        if isinstance(b, Heading):
            if b.new_page and pdf.get_y() > pdf.t_margin + 1:
                pdf.add_page()
            room(18)
            pdf.ln(3)
            pdf.set_font_size(12)
            pdf.cell(0, 6, b.text, new_x="LMARGIN", new_y="NEXT")
            pdf.set_draw_color(40, 40, 40)
            pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + page_w, pdf.get_y())
            pdf.ln(1.5)
        elif isinstance(b, Fields):
            label_w = min(45.0, max(body(k) for k, _v in b.pairs) + 4)
            for k, v in b.pairs:
                lines = wrap(v, page_w - label_w, body)
                room(LINE * len(lines))
                lines_at(pdf.l_margin, [k], SIZE, LINE)
                lines_at(pdf.l_margin + label_w, lines, SIZE, LINE)
                pdf.set_y(pdf.get_y() + LINE * len(lines))
        elif isinstance(b, Para):
            lines = wrap(b.text, page_w, body)
            room(LINE * len(lines))
            lines_at(pdf.l_margin, lines, SIZE, LINE)
            pdf.set_y(pdf.get_y() + LINE * len(lines) + 1)
        elif isinstance(b, Table):
            _table(pdf, b, page_w, bottom, measure_at(SMALL), room, lines_at)
        elif isinstance(b, (Bars, Timeline)):
            shapes, height = bar_shapes(b) if isinstance(b, Bars) else timeline_shapes(b)
            scale = page_w / CHART_W
            room(height * scale + 8)
            pdf.set_font_size(9.5)
            pdf.cell(0, 5, b.title, new_x="LMARGIN", new_y="NEXT")
            _shapes(pdf, shapes, pdf.l_margin, pdf.get_y(), scale)
            pdf.set_y(pdf.get_y() + height * scale + 3)
        elif isinstance(b, Signatures):
            room(12 * len(b.lines))
            pdf.ln(6)
            for line in b.lines:
                lines_at(pdf.l_margin, [line], SIZE, LINE)
                pdf.set_y(pdf.get_y() + 10)
    return bytes(pdf.output())


def _table(pdf, t: Table, page_w: float, bottom: float, measure, room, lines_at) -> None:  # noqa: ANN001
    line_h, pad = 3.6, 1.0
    if not t.rows:
        if t.empty:
            room(line_h)
            lines_at(pdf.l_margin, [t.empty], SMALL, line_h)
            pdf.set_y(pdf.get_y() + line_h + 2)
        return
    # column widths in mm: the text renderer's rule, on 0.5 mm units
    units = column_widths(t, int((page_w - pad * 2 * len(t.columns)) * 2), lambda s: measure(s) * 2, gap=0)
    cols = [u / 2 + pad * 2 for u in units]
    cols[-1] += page_w - sum(cols)

    def header() -> None:
        heads = [wrap(c, w - pad * 2 + 0.05, measure) for c, w in zip(t.columns, cols)]
        h = max(len(x) for x in heads) * line_h + 1
        pdf.set_fill_color(235, 235, 235)
        pdf.rect(pdf.l_margin, pdf.get_y(), page_w, h, style="F")
        draw(heads, h)

    def draw(cells: list[list[str]], h: float) -> None:
        x = pdf.l_margin
        for lines, w in zip(cells, cols):
            lines_at(x + pad, lines, SMALL, line_h)
            x += w
        pdf.set_draw_color(170, 170, 170)
        pdf.line(pdf.l_margin, pdf.get_y() + h, pdf.l_margin + page_w, pdf.get_y() + h)
        pdf.set_y(pdf.get_y() + h)

    room(line_h * 3)
    header()
    for r, row in enumerate(kept_rows(t)):
        cells = [wrap(c, w - pad * 2 + 0.05, measure) for c, w in zip(row, cols)]
        h = max(len(x) for x in cells) * line_h + 1
        if pdf.get_y() + h > bottom:
            pdf.add_page()
            header()
        bad = r < len(t.marks) and t.marks[r] == "bad"
        if bad:
            pdf.set_text_color(183, 28, 28)
        draw(cells, h)
        if bad:
            pdf.set_text_color(0, 0, 0)
    pdf.ln(2)


def _shapes(pdf, shapes: list[tuple], x0: float, y0: float, scale: float) -> None:  # noqa: ANN001
    for s in shapes:
        if s[0] == "rect":
            pdf.set_fill_color(*_hex(s[5]))
            pdf.rect(x0 + s[1] * scale, y0 + s[2] * scale, max(0.2, s[3] * scale), s[4] * scale, style="F")
        elif s[0] == "line":
            pdf.set_draw_color(*_hex(s[5]))
            pdf.line(x0 + s[1] * scale, y0 + s[2] * scale, x0 + s[3] * scale, y0 + s[4] * scale)
        else:
            size = s[4] * scale * 2.83465  # px in the chart box -> pt on the page
            pdf.set_font_size(size)
            w = pdf.get_string_width(s[3])
            x = x0 + s[1] * scale - (w if s[5] == "end" else w / 2 if s[5] == "middle" else 0)
            pdf.set_text_color(*_hex(s[6]))
            pdf.text(x, y0 + s[2] * scale, s[3])
            pdf.set_text_color(0, 0, 0)
