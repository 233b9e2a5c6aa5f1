"""Spreadsheet and CSV cells that stay text: no formula injection.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets (OWASP, "CSV Injection":
https://owasp.org/www-community/attacks/CSV_Injection). User text (reasons, achievements, risk
descriptions) can start that way, so every text cell we export goes through here: in CSV it is
prefixed with an apostrophe, the prefix OWASP recommends; in xlsx it is written as a string (never
``<f>``) with the "quote prefix" style, which is how Excel itself marks text typed after an apostrophe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """A CSV value that no spreadsheet will evaluate: risky text gets a leading apostrophe."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def csv_safe_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    return [[csv_safe(v) for v in row] for row in rows]


def put(cell: Any, value: Any) -> None:
    """Write ``value`` into an openpyxl cell; text is always a string cell, never a formula."""
    cell.value = value
    if isinstance(value, date):  # a real date cell, shown the British way, still sorted as a date
        cell.number_format = "d mmm yyyy"
    elif isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        if is_formula_like(value):
            cell.quotePrefix = True
