"""Page set-up shared by the Word and Excel reports: A4, council margins, OFFICIAL marking, page numbers.

UK councils print on A4 with 2.54 cm (one inch) margins, Word's "Normal" margins; a document that
carries partnership information is marked OFFICIAL at the top and bottom of every page (Government
Security Classifications; e.g. https://www.lincolnshire.gov.uk/council-councillors/security-classification-policy/2).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.documents.cells import put

MARKING = "OFFICIAL"
A4_WIDTH_CM, A4_HEIGHT_CM = 21.0, 29.7
MARGIN_CM = 2.54
AUTHOR_TOOL = "csp-bot"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# ---------------------------------------------------------------------- Word


def _field(paragraph: Any, instruction: str, placeholder: str) -> None:
    """A Word field (PAGE, NUMPAGES): Word and LibreOffice compute it; ``placeholder`` shows until then."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run_with(child: Any) -> None:
        run = paragraph.add_run()
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run_with(text)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def new_word_document(*, title: str, partnership: str, subject: str = "", as_at: date | None = None) -> Any:
    """A Word document on A4 with 2.54 cm margins, the header and footer on every page, and its properties:
    title, author (the partnership), subject, and no "python-docx" anywhere."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Cm(A4_WIDTH_CM), Cm(A4_HEIGHT_CM)
        section.left_margin = section.right_margin = Cm(MARGIN_CM)
        section.top_margin = section.bottom_margin = Cm(MARGIN_CM)
        section.header_distance = section.footer_distance = Cm(1.25)

        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        marking = header.add_run(MARKING)
        marking.bold = True
        sub = section.header.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption = sub.add_run(f"{partnership} · {title}")
        caption.font.size = Pt(8)
        caption.font.color.rgb = RGBColor(0x40, 0x40, 0x40)

        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("Page ")
        _field(footer, "PAGE", "1")
        footer.add_run(" of ")
        _field(footer, "NUMPAGES", "1")
        if as_at is not None:
            footer.add_run(f" · as at {long_date(as_at)}")
        bottom = section.footer.add_paragraph()
        bottom.alignment = WD_ALIGN_PARAGRAPH.CENTER
        bottom.add_run(MARKING).bold = True

    normal = document.styles["Normal"]
    normal.font.name = "Arial"  # the common council house font; Liberation Sans stands in where it is missing
    normal.font.size = Pt(11)
    properties = document.core_properties
    properties.title = title
    properties.author = partnership
    properties.last_modified_by = partnership
    properties.subject = subject
    properties.comments = f"Classification: {MARKING}"
    properties.keywords = MARKING
    properties.category = MARKING
    properties.language = "en-GB"
    properties.revision = 1
    return document


def contents_list(document: Any, entries: Sequence[tuple[int, str]]) -> None:
    """A table of contents field: Word fills in page numbers when fields are updated (F9); until then it
    shows the headings themselves, so the list is right in any viewer."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    if not entries:
        return
    paragraphs = []
    for level, text in entries:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0.75 * (level - 1))
        paragraph.paragraph_format.space_after = 0
        paragraphs.append((paragraph, text))

    def fld(kind: str) -> Any:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    first, last = paragraphs[0][0], paragraphs[-1][0]
    first.add_run()._r.append(fld("begin"))
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = ' TOC \\o "1-2" \\h \\z \\u '
    first.add_run()._r.append(instruction)
    first.add_run()._r.append(fld("separate"))
    for paragraph, text in paragraphs:
        paragraph.add_run(text)
    last.add_run()._r.append(fld("end"))


def add_picture_with_alt_text(document_or_run: Any, image: bytes, alt_text: str, width_cm: float) -> None:
    """A picture with its description set (screen readers read ``descr``; python-docx leaves it empty)."""
    import io

    from docx.shared import Cm

    if hasattr(document_or_run, "add_picture"):
        shape = document_or_run.add_picture(io.BytesIO(image), width=Cm(width_cm))
    else:
        shape = document_or_run.add_run().add_picture(io.BytesIO(image), width=Cm(width_cm))
    shape._inline.docPr.set("descr", alt_text)
    shape._inline.docPr.set("title", alt_text[:80])


def shade(cell: Any, fill: str) -> None:
    """Background colour of a Word table cell (hex, no #)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def repeat_header_row(row: Any) -> None:
    """The table's first row repeats at the top of each page it runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def keep_row_together(row: Any) -> None:
    """A row is not split across two pages (a risk's text and its actions stay side by side)."""
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def word_table(
    document: Any,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_cm: Sequence[float],
    *,
    fills: dict[tuple[int, int], str] | None = None,
    font_pt: float = 9,
) -> Any:
    """A bordered table with a bold, repeating header row; ``fills`` shades (row, column) cells."""
    from docx.shared import Pt

    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    for n, name in enumerate(columns):
        cell = table.rows[0].cells[n]
        cell.text = ""
        run = cell.paragraphs[0].add_run(name)
        run.bold = True
        run.font.size = Pt(font_pt)
        shade(cell, "D9D9D9")
    repeat_header_row(table.rows[0])
    for r, values in enumerate(rows, start=1):
        row = table.add_row()
        keep_row_together(row)
        cells = row.cells
        for n, value in enumerate(values):
            cells[n].text = ""
            run = cells[n].paragraphs[0].add_run(value)
            run.font.size = Pt(font_pt)
            if fills and (r, n) in fills:
                shade(cells[n], fills[(r, n)])
    fixed_widths(table, widths_cm)
    return table


def fixed_widths(table: Any, widths_cm: Sequence[float]) -> None:
    """Column widths that Word and LibreOffice both keep: the grid, every cell, and a fixed layout."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    for n, width in enumerate(widths_cm):
        table.columns[n].width = Cm(width)
        for cell in table.columns[n].cells:
            cell.width = Cm(width)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)


def word_bytes(document: Any) -> bytes:
    import io

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------- Excel


def sheet_with_title(workbook: Any, name: str, *, title: str, subtitle: str) -> Any:
    """The workbook's first sheet, renamed, with a bold title row and an "as at" row above the table."""
    from openpyxl.styles import Font

    sheet = workbook.active
    sheet.title = name[:31]
    put(sheet.cell(row=1, column=1), title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    put(sheet.cell(row=2, column=1), subtitle)
    sheet.cell(row=2, column=1).font = Font(italic=True)
    return sheet


def table_on_sheet(
    sheet: Any,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    first_row: int = 4,
    fills: dict[tuple[int, int], str] | None = None,
    marking: str = MARKING,
    page_title: str = "",
) -> None:
    """A table from ``first_row``: bold header, wrapped text, row heights that fit it, an autofilter,
    and print set-up for A4 landscape, one page wide, the header row repeated on every page."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for n, name in enumerate(columns, start=1):
        cell = sheet.cell(row=first_row, column=n)
        put(cell, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color="D9D9D9", end_color="D9D9D9")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.border = border
    for r, values in enumerate(rows, start=first_row + 1):
        lines = 1
        for n, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=n)
            put(cell, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = border
            if fills and (r - first_row, n - 1) in fills:
                colour = fills[(r - first_row, n - 1)]
                cell.fill = PatternFill("solid", start_color=colour, end_color=colour)
            lines = max(lines, wrapped_lines(str(value or ""), widths[n - 1]))
        # openpyxl cannot ask Excel to autofit, so the height is worked out: 15 points a line of 11 pt text
        sheet.row_dimensions[r].height = 15 * lines + 2
    for n, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    last_column = get_column_letter(len(columns))
    last_row = first_row + max(len(rows), 1)
    sheet.auto_filter.ref = f"A{first_row}:{last_column}{last_row}"
    sheet.freeze_panes = f"A{first_row + 1}"
    sheet.print_title_rows = f"{first_row}:{first_row}"
    sheet.print_area = f"A1:{last_column}{last_row}"
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages long as it needs
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    margin = MARGIN_CM / 2.54  # inches
    sheet.page_margins.left = sheet.page_margins.right = margin
    sheet.page_margins.top = sheet.page_margins.bottom = margin
    sheet.oddHeader.center.text = f"&B{marking}&B"
    if page_title:
        sheet.oddHeader.right.text = page_title.replace("&", "&&")[:100]
        sheet.oddHeader.right.size = 8
    sheet.oddFooter.center.text = f"Page &P of &N  &B{marking}&B"


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes in a column ``width`` characters wide (Calibri 11, roughly)."""
    import textwrap

    usable = max(int(width * 1.2) - 1, 4)  # a width unit is a '0'; average text is a little narrower
    lines = 0
    for paragraph in text.split("\n"):
        lines += max(1, len(textwrap.wrap(paragraph, usable)) or 1)
    return lines
