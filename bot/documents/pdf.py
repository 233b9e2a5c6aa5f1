"""PDF from the shared document model, with reportlab (pure Python, BSD licence; no office suite needed).

A4, 2.54 cm margins, OFFICIAL at the top and bottom of every page, "Page N of M", a contents list
with page numbers, PDF bookmarks for every heading, document title, author and language set.
reportlab cannot write a tagged (structure-tree) PDF, so headings are also bookmarks, every image has
its description printed beside or under it, and RAG is always a word as well as a colour.
DejaVu Sans (shipped with matplotlib, which the heat map needs anyway) is embedded for ’ – → ↑.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Any

from bot.documents.layout import Beside, Block, Contents, Doc, Heading, Image, PageBreak, Para, Table
from bot.documents.office import MARGIN_CM, MARKING, long_date

_FONT, _BOLD, _ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"


def _register_fonts() -> None:
    import matplotlib
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    for name in (_FONT, _BOLD, _ITALIC):
        pdfmetrics.registerFont(TTFont(name, os.path.join(folder, f"{name}.ttf")))
    addMapping(_FONT, 0, 0, _FONT)
    addMapping(_FONT, 1, 0, _BOLD)
    addMapping(_FONT, 0, 1, _ITALIC)
    addMapping(_FONT, 1, 1, _BOLD)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pdf_document(doc: Doc) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageTemplate,
        Paragraph,
        Spacer,
    )
    from reportlab.platypus import (
        PageBreak as PdfPageBreak,
    )
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle as PdfTableStyle
    from reportlab.platypus.tableofcontents import TableOfContents

    _register_fonts()
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=_FONT, fontSize=10, leading=13.5)
    styles = {
        "body": body,
        "note": ParagraphStyle("note", parent=body, fontName=_ITALIC, textColor=colors.HexColor("#404040")),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=4),
        "title": ParagraphStyle("title", parent=body, fontName=_BOLD, fontSize=24, leading=30, spaceAfter=12),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=15, leading=20, spaceAfter=8),
        "cover": ParagraphStyle("cover", parent=body, fontSize=13, leading=18, spaceAfter=6),
        1: ParagraphStyle(
            "h1", parent=body, fontName=_BOLD, fontSize=16, leading=20, spaceBefore=6, spaceAfter=8
        ),
        2: ParagraphStyle(
            "h2", parent=body, fontName=_BOLD, fontSize=13, leading=17, spaceBefore=8, spaceAfter=4
        ),
        3: ParagraphStyle(
            "h3", parent=body, fontName=_BOLD, fontSize=11, leading=14, spaceBefore=6, spaceAfter=3
        ),
    }
    cell_style = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceBefore=0, spaceAfter=0)
    head_style = ParagraphStyle("cellhead", parent=cell_style, fontName=_BOLD)

    class BoardDoc(BaseDocTemplate):
        def afterFlowable(self, flowable: Any) -> None:
            level = getattr(flowable, "_heading_level", None)
            if level is None:
                return
            text = flowable.getPlainText()
            key = f"h{id(flowable)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level - 1, closed=False)
            if level <= 2:
                self.notify("TOCEntry", (level - 1, text, self.page, key))

    def decorate(canvas: Any, document: Any, total: int) -> None:
        width, height = canvas._pagesize
        canvas.saveState()
        canvas.setFont(_BOLD, 10)
        canvas.drawCentredString(width / 2, height - 1.3 * cm, MARKING)
        canvas.setFont(_FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#404040"))
        canvas.drawCentredString(width / 2, height - 1.75 * cm, f"{doc.partnership} · {doc.title}")
        canvas.drawCentredString(
            width / 2, 1.6 * cm, f"Page {document.page} of {total or '?'} · as at {long_date(doc.as_at)}"
        )
        canvas.setFillColor(colors.black)
        canvas.setFont(_BOLD, 10)
        canvas.drawCentredString(width / 2, 1.0 * cm, MARKING)
        canvas.restoreState()

    margin = MARGIN_CM * cm
    portrait_frame = Frame(margin, margin, A4[0] - 2 * margin, A4[1] - 2 * margin, id="portrait")
    wide = landscape(A4)
    landscape_frame = Frame(margin, margin, wide[0] - 2 * margin, wide[1] - 2 * margin, id="landscape")

    def table_flowable(table: Table) -> Any:
        data = [[Paragraph(_escape(c), head_style) for c in table.columns]]
        data += [[Paragraph(_escape(v), cell_style) for v in row] for row in table.rows]
        flow = PdfTable(data, colWidths=[w * cm for w in table.widths_cm], repeatRows=1)
        commands: list[Any] = [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#A6A6A6")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9D9D9")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
        commands += [
            ("BACKGROUND", (column, row), (column, row), colors.HexColor("#" + fill))
            for (row, column), fill in table.fills.items()
        ]
        flow.setStyle(PdfTableStyle(commands))
        return flow

    def image_flowable(image: Image) -> Any:
        from reportlab.platypus import Image as PdfImage

        flow = PdfImage(io.BytesIO(image.png), width=image.width_cm * cm, height=image.height_cm * cm)
        flow.hAlign = "LEFT"
        return flow

    def make_story() -> list[Any]:
        story: list[Any] = []
        toc = TableOfContents()
        toc.levelStyles = [
            ParagraphStyle("toc1", parent=body, fontName=_BOLD, fontSize=11, leftIndent=0, firstLineIndent=0),
            ParagraphStyle("toc2", parent=body, fontSize=10, leftIndent=14, firstLineIndent=0),
        ]
        for block in doc.blocks:
            story += _flowables(block, styles, toc, table_flowable, image_flowable)
            if isinstance(block, Heading | Image) or (isinstance(block, Para) and block.keep_with_next):
                story[-1].keepWithNext = True  # a heading, a chart's sentence, a chart: with what follows
            if isinstance(block, PageBreak):
                story[-1:] = [
                    NextPageTemplate("landscape" if block.landscape else "portrait"),
                    PdfPageBreak(),
                ]
            if isinstance(block, Table | Beside):
                story.append(Spacer(1, 8))
        return story

    def build(total: int) -> tuple[bytes, int]:
        out = io.BytesIO()
        template = BoardDoc(
            out, pagesize=A4, title=doc.title, author=doc.partnership, subject=doc.subject,
            creator=doc.partnership, producer="csp-bot (reportlab)", lang="en-GB",
            leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=margin,
            keywords=[MARKING], displayDocTitle=True, initialFontName=_FONT,
        )  # fmt: skip

        def on_page(canvas: Any, document: Any) -> None:
            decorate(canvas, document, total)

        templates = [
            PageTemplate(id="portrait", frames=[portrait_frame], onPage=on_page, pagesize=A4),
            PageTemplate(id="landscape", frames=[landscape_frame], onPage=on_page, pagesize=wide),
        ]
        template.addPageTemplates(templates[::-1] if doc.landscape else templates)  # the first is used first
        template.multiBuild(make_story())
        return out.getvalue(), template.page

    # two passes: the first counts the pages, the second prints "Page N of M"
    _, pages = build(0)
    content, _ = build(pages)
    return content


def _flowables(
    block: Block, styles: dict[Any, Any], toc: Any, table_flowable: Any, image_flowable: Any
) -> Sequence[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import PageBreak as PdfPageBreak
    from reportlab.platypus import Paragraph
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle as PdfTableStyle

    if isinstance(block, Heading):
        flow = Paragraph(_escape(block.text), styles[min(block.level, 3)])
        flow._heading_level = block.level  # type: ignore[attr-defined]
        return [flow]
    if isinstance(block, Contents):
        return [Paragraph("Contents", styles[1]), toc]
    if isinstance(block, Para):
        text = _escape(block.text)
        if block.bold_prefix:
            text = f"<b>{_escape(block.bold_prefix)}</b>{text}"
        if block.style == "bullet":
            return [Paragraph(text, styles["bullet"], bulletText="•")]
        return [Paragraph(text, styles.get(block.style, styles["body"]))]
    if isinstance(block, Table):
        return [table_flowable(block)]
    if isinstance(block, Image):
        return [image_flowable(block)]
    if isinstance(block, Beside):
        key = [Paragraph("<b>Key</b>", styles["body"]), table_flowable(block.table)]
        holder = PdfTable(
            [[image_flowable(block.image), key]],
            colWidths=[(block.image.width_cm + 0.4) * cm, (sum(block.table.widths_cm) + 0.2) * cm],
        )
        holder.setStyle(
            PdfTableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        )
        return [holder]
    if isinstance(block, PageBreak):
        return [PdfPageBreak()]
    raise TypeError(f"no PDF form for {block!r}")
