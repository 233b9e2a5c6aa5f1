"""The risk register as Word and Excel: every Appendix C column, the rating, the review dates, and the
heat map with its key (what R1 … R7 are) beside it."""

from __future__ import annotations

import io

from bot.documents.board_pack import heat_map_image, register_key, register_table
from bot.documents.cells import put
from bot.documents.formats import Report, ReportFormat
from bot.documents.layout import Beside, Doc, Heading, Para, word_document
from bot.documents.office import MARKING, long_date, sheet_with_title, table_on_sheet, wrapped_lines
from bot.services.reports import RiskRegisterData


def register_title(data: RiskRegisterData) -> str:
    return f"{data.partnership.short_name} risk register"


def register_docx(data: RiskRegisterData) -> bytes:
    title = register_title(data)
    rule = data.rule.describe()
    blocks = [
        Heading(1, title),
        Para(f"{data.partnership.plan_title}. As at {long_date(data.as_at)}. {rule}"),
    ]
    if data.risks:
        image = heat_map_image(data.risks, rule, data.rule.rate, data.as_at, title, 10.5)
        blocks += [
            Beside(image, register_key(data.risks)),
            Heading(2, "The register"),
            register_table(data.risks),
        ]
    else:
        blocks.append(Para("There are no open risks in the register.", "note"))
    doc = Doc(title=title, partnership=data.partnership.name, subject=data.partnership.plan_title,
              as_at=data.as_at, blocks=blocks, landscape=True)  # fmt: skip
    return word_document(doc)


def register_xlsx(data: RiskRegisterData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as SheetImage
    from openpyxl.styles import Alignment, Font

    title = register_title(data)
    workbook = Workbook()
    sheet = sheet_with_title(
        workbook, "Register", title=title,
        subtitle=f"{data.partnership.name}. As at {long_date(data.as_at)}. {data.rule.describe()} {MARKING}.",
    )  # fmt: skip
    table = register_table(data.risks)
    fills = {(row, column): fill for (row, column), fill in table.fills.items()}
    table_on_sheet(
        sheet,
        table.columns,
        table.rows,
        (5.5, 36, 10.5, 8.5, 11, 32, 32, 24, 11, 13),
        fills=fills,
        page_title=title,
    )

    heat = workbook.create_sheet("Heat map")
    put(heat.cell(row=1, column=1), f"{title}: heat map")
    heat.cell(row=1, column=1).font = Font(bold=True, size=14)
    put(heat.cell(row=2, column=1), f"As at {long_date(data.as_at)}. {data.rule.describe()}")
    if data.risks:
        image = heat_map_image(data.risks, data.rule.describe(), data.rule.rate, data.as_at, title, 10.5)
        picture = SheetImage(io.BytesIO(image.png))
        picture.width, picture.height = 540, 420
        heat.add_image(picture, "A4")
        # the key beside the picture, from column J: what each ref in the cells is
        put(heat.cell(row=4, column=10), "Key")
        heat.cell(row=4, column=10).font = Font(bold=True)
        for n, (ref, description) in enumerate(register_key(data.risks).rows, start=5):
            risk = next(r for r in data.risks if r.ref == ref)
            for column, value in ((10, ref), (11, description), (12, f"{risk.rating} ({risk.score})")):
                put(heat.cell(row=n, column=column), value)
                heat.cell(row=n, column=column).alignment = Alignment(wrap_text=True, vertical="top")
            heat.row_dimensions[n].height = 15 * wrapped_lines(description, 70) + 2
        heat.column_dimensions["J"].width = 6
        heat.column_dimensions["K"].width = 70
        heat.column_dimensions["L"].width = 12
    heat.page_setup.orientation = "landscape"
    heat.page_setup.paperSize = heat.PAPERSIZE_A4
    heat.page_setup.fitToWidth = 1
    heat.page_setup.fitToHeight = 1
    heat.sheet_properties.pageSetUpPr.fitToPage = True
    heat.oddHeader.center.text = f"&B{MARKING}&B"
    heat.oddFooter.center.text = f"Page &P of &N  &B{MARKING}&B"

    workbook.properties.title = title
    workbook.properties.creator = data.partnership.name
    workbook.properties.lastModifiedBy = data.partnership.name
    workbook.properties.keywords = MARKING
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def register_report(fmt: ReportFormat, data: RiskRegisterData) -> Report:
    content = register_docx(data) if fmt is ReportFormat.DOCX else register_xlsx(data)
    return Report(title=register_title(data), filename=f"risk-register.{fmt.value}", content=content)
