"""The risk register as a 3×3 matrix: a monospace grid for Slack, Markdown, and a heat map PNG.

Pure rendering from :class:`RiskSummary` values to text or bytes; the caller works out each risk's
rating with the partnership's rule and passes ``cell_rating`` (likelihood, impact -> rating) so that
the matrix shows the same rule. Only open risks go in the matrix; closed ones stay in the list, last.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from bot.services.risks import Risk

if TYPE_CHECKING:
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

Level = Literal["Low", "Medium", "High"]
LEVELS: tuple[str, ...] = ("Low", "Medium", "High")

_RANK = {level: n for n, level in enumerate(LEVELS)}
_EMPTY_TEXT = "·"
_EMPTY_MD = "–"


@dataclass(frozen=True)
class RiskSummary:
    ref: str  # "R2"
    description: str  # the plan's text (may be long)
    likelihood: str  # Low/Medium/High
    impact: str
    rating: str  # Low/Medium/High from the rule
    score: int
    owner: str
    next_review: date | None
    closed: bool = False


def summarise(risk: Risk) -> RiskSummary:
    return RiskSummary(
        ref=risk.ref,
        description=risk.description,
        likelihood=risk.likelihood,
        impact=risk.impact,
        rating=risk.rating,
        score=risk.score,
        owner=risk.owner,
        next_review=risk.next_review,
        closed=risk.closed,
    )


def natural_key(ref: str) -> tuple[tuple[str | int, ...], str]:
    """R2 before R10: digit runs compare as numbers (they always sit at odd positions of the split)."""
    parts = re.split(r"(\d+)", ref.casefold())
    return tuple(int(p) if n % 2 else p for n, p in enumerate(parts)), ref


def _check_level(risk: RiskSummary, field: str, value: str) -> None:
    if value not in _RANK:
        raise ValueError(f"{risk.ref}: {field} must be one of {', '.join(LEVELS)}, not {value!r}")


def matrix_cells(risks: Sequence[RiskSummary]) -> dict[tuple[str, str], list[str]]:
    """(likelihood, impact) -> refs of the open risks in that cell, in natural order; all nine cells present."""
    cells: dict[tuple[str, str], list[str]] = {(lk, im): [] for lk in LEVELS for im in LEVELS}
    for risk in risks:
        _check_level(risk, "likelihood", risk.likelihood)
        _check_level(risk, "impact", risk.impact)
        if not risk.closed:
            cells[(risk.likelihood, risk.impact)].append(risk.ref)
    for refs in cells.values():
        refs.sort(key=natural_key)
    return cells


def ordered(risks: Sequence[RiskSummary]) -> list[RiskSummary]:
    """Open risks by score (highest first), then rating (highest first), then natural ref order; closed last."""
    return sorted(risks, key=lambda r: (r.closed, -r.score, -_RANK.get(r.rating, -1), natural_key(r.ref)))


# ---------------------------------------------------------------------- monospace grid

_LABEL_W = 7  # "Medium" and a space
_CELL_W = 16  # between the bars: one space, then the content
_TAG_W = 4  # "[M] "


def _tag(rating: str) -> str:
    return f"[{(rating.strip()[:1] or '?').upper()}]"


def _cell_lines(refs: Sequence[str], rating: str) -> list[str]:
    width = _CELL_W - 1 - _TAG_W
    wrapped = textwrap.wrap(
        " ".join(refs) or _EMPTY_TEXT, width, break_long_words=True, break_on_hyphens=False
    )
    return [f"{_tag(rating)} {wrapped[0]}"] + [" " * _TAG_W + line for line in wrapped[1:]]


def matrix_text(risks: Sequence[RiskSummary], cell_rating: Callable[[str, str], str]) -> str:
    """The 3×3 matrix as a monospace grid for a Slack code block (no backticks; every line ≤ 60 characters).

    Rows are likelihood High, Medium, Low (top to bottom); columns impact Low, Medium, High. Each cell
    shows the one-letter rating of the cell and the refs of the open risks in it, e.g. ``[M] R1 R2``.
    """
    cells = matrix_cells(risks)
    grid_w = 1 + len(LEVELS) * (_CELL_W + 1)
    impact_at = _LABEL_W + (grid_w - len("Impact →")) // 2
    border = " " * _LABEL_W + "+" + ("-" * _CELL_W + "+") * len(LEVELS)
    lines = [
        "Likelihood ↓".ljust(impact_at) + "Impact →",
        " " * (_LABEL_W + 1) + "".join(level.center(_CELL_W) + " " for level in LEVELS),
        border,
    ]
    for likelihood in reversed(LEVELS):
        row = [_cell_lines(cells[(likelihood, impact)], cell_rating(likelihood, impact)) for impact in LEVELS]
        for n in range(max(len(cell) for cell in row)):
            label = likelihood if n == 0 else ""
            parts = [(" " + (cell[n] if n < len(cell) else "")).ljust(_CELL_W) for cell in row]
            lines.append(label.ljust(_LABEL_W) + "|" + "|".join(parts) + "|")
        lines.append(border)
    return "\n".join(line.rstrip() for line in lines)


# ---------------------------------------------------------------------- markdown


def _md_cell(value: str) -> str:
    return " ".join(value.split()).replace("|", "\\|")


def _review(risk: RiskSummary, today: date) -> str:
    if risk.next_review is None:
        return _EMPTY_MD
    overdue = not risk.closed and risk.next_review < today
    return f"{risk.next_review:%d %b %Y}" + (" (overdue)" if overdue else "")


def risks_markdown(
    risks: Sequence[RiskSummary],
    *,
    title: str,
    rule_text: str,
    today: date,
    cell_rating: Callable[[str, str], str],
) -> str:
    """The matrix as a Markdown table (each cell: its refs or "–", and the cell's rating), then every risk."""
    cells = matrix_cells(risks)
    lines = [f"# {title}", "", rule_text, ""]
    lines += ["| Likelihood \\ Impact | " + " | ".join(LEVELS) + " |", "|---" * (len(LEVELS) + 1) + "|"]
    for likelihood in reversed(LEVELS):
        row = [
            f"{', '.join(cells[(likelihood, impact)]) or _EMPTY_MD} ({_md_cell(cell_rating(likelihood, impact))})"
            for impact in LEVELS
        ]
        lines.append(f"| **{likelihood}** | " + " | ".join(row) + " |")
    lines += ["", "## Risks by rating", ""]
    columns = ("Ref", "Rating (score)", "Likelihood", "Impact", "Owner", "Next review", "Risk")
    if not risks:
        lines.append("_No risks in the register._")
    else:
        lines += ["| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
        for risk in ordered(risks):
            rating = f"{risk.rating} ({risk.score})" + (" · closed" if risk.closed else "")
            values = [risk.ref, rating, risk.likelihood, risk.impact, risk.owner, _review(risk, today)]
            values.append(risk.description)
            lines.append("| " + " | ".join(_md_cell(v) or _EMPTY_MD for v in values) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- heat map

_WIDTH_IN, _HEIGHT_IN, _DPI = 9.0, 7.0, 100
_FONT = "DejaVu Sans"  # ships with matplotlib, so the output does not depend on the machine's fonts
# Light bluish green, amber, dark red: the hues stay apart for red-green colour blindness and the
# lightness falls from Low to High, so the cells also differ in greyscale; the rating word is written too.
_FILL = {"Low": "#A8DDB5", "Medium": "#E69F00", "High": "#C0392B"}
_UNKNOWN_FILL = "#D9D9D9"
_OVERDUE_MARK = "*"


def _ink(fill: str) -> str:
    """Near-black or white, whichever reads better on ``fill`` (WCAG relative luminance)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(fill[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#1A1A1A" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#FFFFFF"


def _fit_refs(
    refs: Sequence[str], renderer: RendererAgg, box_w: float, box_h: float
) -> tuple[str, FontProperties]:
    """Wrap ``refs`` into lines and pick the largest font size (18 pt down to 6 pt) that fits the box (pixels)."""
    from matplotlib.font_manager import FontProperties

    size = 18.0
    while True:
        prop = FontProperties(family=_FONT, weight="bold", size=size)

        def width(text: str, prop: FontProperties = prop) -> float:
            return renderer.get_text_width_height_descent(text, prop, ismath=False)[0]

        lines: list[str] = []
        for ref in refs:
            if lines and width(f"{lines[-1]}  {ref}") <= box_w:
                lines[-1] = f"{lines[-1]}  {ref}"
            else:
                lines.append(ref)
        line_h = size * 1.25 * _DPI / 72
        fits = len(lines) * line_h <= box_h and all(width(line) <= box_w for line in lines)
        if fits or size <= 6:
            return "\n".join(lines), prop
        size -= 1


def heat_map_png(
    risks: Sequence[RiskSummary],
    *,
    title: str,
    rule_text: str,
    cell_rating: Callable[[str, str], str],
    today: date,
) -> bytes:
    """The 3×3 matrix as a heat map (about 900×700 px): cells coloured by rating, refs of open risks inside.

    Uses matplotlib's object-oriented API with the Agg canvas (no pyplot, no display, no global state)
    and writes no timestamp or software version, so the same input gives the same bytes.
    A ref marked ``*`` has its review overdue on ``today``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    cells = matrix_cells(risks)
    overdue = {r.ref for r in risks if not r.closed and r.next_review is not None and r.next_review < today}

    figure = Figure(figsize=(_WIDTH_IN, _HEIGHT_IN), dpi=_DPI, facecolor="white")
    canvas = FigureCanvasAgg(figure)
    renderer = canvas.get_renderer()
    left, bottom, width, height = 0.15, 0.17, 0.80, 0.67
    ax = figure.add_axes((left, bottom, width, height))
    cell_w_px = width * _WIDTH_IN * _DPI / len(LEVELS)
    cell_h_px = height * _HEIGHT_IN * _DPI / len(LEVELS)

    for y, likelihood in enumerate(LEVELS):
        for x, impact in enumerate(LEVELS):
            rating = cell_rating(likelihood, impact)
            fill = _FILL.get(rating, _UNKNOWN_FILL)
            ink = _ink(fill)
            cell = Rectangle((x, y), 1, 1, facecolor=fill, edgecolor="white", linewidth=4)
            ax.add_patch(cell)
            ax.text(
                x + 0.04, y + 0.95, rating, ha="left", va="top", color=ink, fontsize=10,
                fontfamily=_FONT, fontstyle="italic", clip_on=True,
            ).set_clip_path(cell)  # fmt: skip
            refs = [ref + (_OVERDUE_MARK if ref in overdue else "") for ref in cells[(likelihood, impact)]]
            if refs:
                text, prop = _fit_refs(refs, renderer, cell_w_px * 0.86, cell_h_px * 0.68)
                ax.text(
                    x + 0.5, y + 0.45, text, ha="center", va="center", ma="center", color=ink,
                    fontproperties=prop, linespacing=1.25, clip_on=True,
                ).set_clip_path(cell)  # fmt: skip

    ax.set_xlim(0, len(LEVELS))
    ax.set_ylim(0, len(LEVELS))
    centres = [n + 0.5 for n in range(len(LEVELS))]
    ax.set_xticks(centres, LEVELS, fontsize=12, fontfamily=_FONT)
    ax.set_yticks(centres, LEVELS, fontsize=12, fontfamily=_FONT)
    ax.tick_params(length=0, pad=8)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("Impact", fontsize=13, fontweight="bold", fontfamily=_FONT, labelpad=8)
    ax.set_ylabel("Likelihood", fontsize=13, fontweight="bold", fontfamily=_FONT, labelpad=10)

    figure.text(
        0.5, 0.975, textwrap.fill(title, 70), ha="center", va="top", fontsize=16, fontweight="bold",
        fontfamily=_FONT,
    )  # fmt: skip
    rule = rule_text.strip()
    if rule and not rule.endswith((".", "!", "?")):
        rule += "."
    caption = f"{rule} Open risks as at {today.day} {today:%B %Y}.".strip()
    if overdue:
        caption += f" {_OVERDUE_MARK} review overdue."
    figure.text(
        0.5, 0.02, textwrap.fill(caption, 120), ha="center", va="bottom", fontsize=9, color="#333333",
        fontfamily=_FONT, linespacing=1.3,
    )  # fmt: skip

    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_DPI, facecolor="white", metadata={"Software": None})
    return out.getvalue()
