"""The file formats reports come in, and a built report ready to write or upload."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.errors import InvalidInput


class ReportFormat(StrEnum):
    MD = "md"
    CSV = "csv"
    DOCX = "docx"
    XLSX = "xlsx"
    PNG = "png"
    PDF = "pdf"


ACHIEVEMENT_FORMATS = (ReportFormat.MD, ReportFormat.CSV, ReportFormat.DOCX)
ACTION_FORMATS = (ReportFormat.MD, ReportFormat.CSV, ReportFormat.XLSX)
RISK_FORMATS = (ReportFormat.PNG, ReportFormat.MD, ReportFormat.DOCX, ReportFormat.XLSX)
BOARD_FORMATS = (ReportFormat.DOCX, ReportFormat.PDF)


@dataclass(frozen=True)
class Report:
    title: str
    filename: str
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")


def parse_format(value: str, allowed: tuple[ReportFormat, ...]) -> ReportFormat:
    try:
        fmt = ReportFormat(value.strip().lower().lstrip("."))
    except ValueError:
        fmt = None
    if fmt not in allowed:
        raise InvalidInput(f"`{value[:10]}` is not a format for this report.", f"Use {', '.join(allowed)}.")
    return fmt
