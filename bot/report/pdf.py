"""The report as a PDF (fpdf2): real text, DejaVu Sans embedded (matplotlib ships it, so no
system font is needed; it covers German and the associations' languages' names), a table of
contents with links, page numbers, bookmarks. The document's dates and id come from the data,
so two runs on the same data differ in the "generated on" line only."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.outline import TableOfContents

from bot.report.model import Chart, Report, Table, Text

FONT = "DejaVu"
BODY = 9.5
GREY = (230, 230, 230)


def font_files() -> tuple[Path, Path]:
    """matplotlib's bundled DejaVu Sans, regular and bold."""
    import matplotlib
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


class _Document(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(format="A4")
        self.report = report

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.cell(0, 6, self.report.page_label.format(page=self.page_no(), pages="{nb}"), align="C")

    def file_id(self) -> str:
        seed = f"{self.report.data_time.isoformat()}|{self.report.subtitle}|{self.report.language}"
        digest = hashlib.md5(seed.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
        return f"<{digest}><{digest}>"


def render_pdf(report: Report, images: list[bytes]) -> bytes:
    """`images`: the PNG of each chart of the report, in order."""
    regular, bold = font_files()
    pdf = _Document(report)
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_creation_date(report.data_time)
    pdf.set_title(report.title)
    pdf.set_subject(report.subtitle)
    pdf.set_author("Stadt Wuppertal, Ressort Zuwanderung und Integration")
    pdf.set_lang(report.language)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_margins(18, 16, 18)
    pdf.alias_nb_pages()
    _title_page(pdf, report)
    pdf.add_page()
    toc = TableOfContents(ignore_pages_before_toc=False)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 10, report.contents_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    pdf.insert_toc_placeholder(toc.render_toc, pages=1)
    pictures = iter(images)
    for number, section in enumerate(report.sections, 1):
        if (number > 1 and section.key in ("method", "needs", "offers")) or pdf.get_y() > pdf.h - 70:
            pdf.add_page()
        pdf.start_section(f"{number}. {section.title}")
        pdf.set_font(FONT, "B", 13)
        pdf.multi_cell(0, 7, f"{number}. {section.title}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        for block in section.blocks:
            if isinstance(block, Text):
                _text(pdf, block)
            elif isinstance(block, Table):
                _table(pdf, block)
            elif isinstance(block, Chart):
                _chart(pdf, next(pictures))
        if number == 1:
            pdf.set_font(FONT, "", 8)
            pdf.multi_cell(0, 4.5, report.generated, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _title_page(pdf: FPDF, report: Report) -> None:
    pdf.add_page()
    pdf.set_y(70)
    pdf.set_font(FONT, "B", 20)
    pdf.multi_cell(0, 10, report.title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, "", 12)
    pdf.multi_cell(0, 7, report.subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(30)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5.5, "Stadt Wuppertal\nGeschäftsbereich Soziales, Jugend & Integration\n"
                   "Ressort 204 – Zuwanderung und Integration\nKOMM-IN NRW", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, report.generated, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _text(pdf: FPDF, block: Text) -> None:
    if block.kind == "h":
        pdf.ln(1)
        pdf.set_font(FONT, "B", 10.5)
        pdf.multi_cell(0, 5.5, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    elif block.kind == "li":
        pdf.set_font(FONT, "", BODY)
        pdf.set_x(pdf.l_margin + 3)
        pdf.multi_cell(0, 5, "• " + block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        pdf.set_font(FONT, "", BODY)
        pdf.multi_cell(0, 5, block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def _table(pdf: FPDF, block: Table) -> None:
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    pdf.set_font(FONT, "B", BODY)
    pdf.multi_cell(0, 5.5, block.caption, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not block.rows:
        pdf.set_font(FONT, "", 8.5)
        pdf.multi_cell(0, 5, "–", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        return
    columns = len(block.header)
    first = 0.34 if columns > 4 else 0.45
    widths: Any = (first, *([(1 - first) / (columns - 1)] * (columns - 1))) if columns > 1 else None
    size = 7 if columns > 6 else 8
    pdf.set_font(FONT, "", size)
    with pdf.table(col_widths=widths, text_align=("LEFT", *(["RIGHT"] * (columns - 1))), line_height=size * 0.55,
                   headings_style=_heading_style(), first_row_as_headings=True, padding=0.8) as table:
        for line in [block.header, *block.rows]:
            row = table.row()
            for value in line:
                row.cell(value)
    if block.note:
        pdf.set_font(FONT, "", 6.5)
        pdf.multi_cell(0, 3.5, block.note, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _heading_style() -> Any:
    from fpdf.fonts import FontFace
    return FontFace(family=FONT, emphasis="BOLD", fill_color=GREY)


def _chart(pdf: FPDF, png: bytes) -> None:
    import io
    width = pdf.w - pdf.l_margin - pdf.r_margin
    info = _size(png)
    height = width * info[1] / info[0]
    if pdf.get_y() + height > pdf.h - 16:
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height)
    pdf.ln(3)


def _size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
