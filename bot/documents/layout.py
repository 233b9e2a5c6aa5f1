"""A small document model that the Word and PDF writers share, so both carry the same content.

A report is built once as a list of blocks (headings, paragraphs, tables, images, page breaks) and
then written by ``word_document`` (python-docx) or ``bot.documents.pdf.pdf_document`` (reportlab).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.documents.office import (
    add_picture_with_alt_text,
    contents_list,
    fixed_widths,
    new_word_document,
    word_bytes,
    word_table,
)


@dataclass(frozen=True)
class Heading:
    level: int  # 1 or 2 go in the contents list
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    style: str = "body"  # body | note | bullet | title | subtitle | cover
    bold_prefix: str = ""  # shown bold before the text, e.g. "Lead: "
    keep_with_next: bool = False  # on the same page as what follows (a chart, a table)


@dataclass(frozen=True)
class Table:
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths_cm: Sequence[float]
    fills: dict[tuple[int, int], str] = field(default_factory=dict)  # (row from 1, column) -> hex
    font_pt: float = 8.5


@dataclass(frozen=True)
class Image:
    png: bytes
    alt_text: str
    width_cm: float
    height_cm: float


@dataclass(frozen=True)
class Beside:
    """An image with a table beside it (the heat map and its key)."""

    image: Image
    table: Table


@dataclass(frozen=True)
class PageBreak:
    landscape: bool = False  # the pages that follow are landscape


@dataclass(frozen=True)
class Contents:
    """Where the contents list stands: each renderer fills it from the headings (a Word TOC field, PDF
    entries with page numbers)."""


Block = Heading | Para | Table | Image | Beside | PageBreak | Contents


@dataclass(frozen=True)
class Doc:
    title: str
    partnership: str
    subject: str
    as_at: date
    blocks: Sequence[Block]
    landscape: bool = False  # the first pages' orientation


def contents_entries(blocks: Sequence[Block]) -> list[tuple[int, str]]:
    return [(b.level, b.text) for b in blocks if isinstance(b, Heading) and b.level <= 2]


# ---------------------------------------------------------------------- Word


def word_document(doc: Doc) -> bytes:
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Pt

    document = new_word_document(
        title=doc.title, partnership=doc.partnership, subject=doc.subject, as_at=doc.as_at
    )
    landscape = False
    if doc.landscape:
        section = document.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
        landscape = True
    for block in doc.blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, Contents):
            label = document.add_paragraph().add_run("Contents")  # not a heading: it is not in itself
            label.bold, label.font.size = True, Pt(16)
            contents_list(document, contents_entries(doc.blocks))
        elif isinstance(block, Para):
            _word_para(document, block)
        elif isinstance(block, Table):
            word_table(
                document, block.columns, block.rows, block.widths_cm, fills=block.fills, font_pt=block.font_pt
            )
            document.add_paragraph()
        elif isinstance(block, Image):
            add_picture_with_alt_text(document, block.png, block.alt_text, block.width_cm)
            document.paragraphs[-1].paragraph_format.keep_with_next = True  # a chart stays with its table
        elif isinstance(block, Beside):
            holder = document.add_table(rows=1, cols=2)
            holder.alignment = WD_TABLE_ALIGNMENT.LEFT
            left, right = holder.rows[0].cells
            fixed_widths(holder, (block.image.width_cm + 0.3, sum(block.table.widths_cm) + 0.3))
            add_picture_with_alt_text(
                left.paragraphs[0], block.image.png, block.image.alt_text, block.image.width_cm
            )
            right.paragraphs[0].add_run("Key").bold = True
            word_table(
                right,
                block.table.columns,
                block.table.rows,
                block.table.widths_cm,
                font_pt=block.table.font_pt,
            )
            document.add_paragraph()
        elif isinstance(block, PageBreak):
            if block.landscape != landscape:
                section = document.add_section(WD_SECTION.NEW_PAGE)
                width, height = section.page_width, section.page_height
                section.orientation = WD_ORIENT.LANDSCAPE if block.landscape else WD_ORIENT.PORTRAIT
                if (width < height) == block.landscape:
                    section.page_width, section.page_height = height, width
                landscape = block.landscape
            else:
                document.add_page_break()
    for style_name, size in (("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11)):
        document.styles[style_name].font.size = Pt(size)
    return word_bytes(document)


def _word_para(document: Any, block: Para) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    style = {"bullet": "List Bullet", "title": "Title", "subtitle": "Subtitle"}.get(block.style)
    paragraph = document.add_paragraph(style=style) if style else document.add_paragraph()
    if block.bold_prefix:
        paragraph.add_run(block.bold_prefix).bold = True
    run = paragraph.add_run(block.text)
    paragraph.paragraph_format.keep_with_next = block.keep_with_next or None
    if block.style == "note":
        run.italic = True
        run.font.color.rgb = RGBColor(0x40, 0x40, 0x40)
    if block.style == "cover":
        run.font.size = Pt(14)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
