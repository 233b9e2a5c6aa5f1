"""The risk register's renderings: 3×3 matrix cells, the Slack grid, Markdown and the heat map PNG.

The seven risks are Appendix C of the Wycombe plan, typed in by hand; the rating rule is the default
(score = likelihood × impact with Low 1, Medium 2, High 3; 1–2 Low, 3–4 Medium, 6–9 High).
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from bot.documents.risk_register import (
    LEVELS,
    RiskSummary,
    heat_map_png,
    matrix_cells,
    matrix_text,
    ordered,
    risks_markdown,
)

_VALUE = {"Low": 1, "Medium": 2, "High": 3}
RULE = "Rating: likelihood × impact (Low 1, Medium 2, High 3); a score of 1–2 is Low, 3–4 Medium, 6–9 High."
TODAY = date(2018, 6, 1)
COORDINATOR = "Community Safety and Prevent Coordinator"
CSP_COORDINATOR = "Community Safety Partnership through the Community Safety and Prevent Coordinator"


def score_of(likelihood: str, impact: str) -> int:
    return _VALUE[likelihood] * _VALUE[impact]


def cell_rating(likelihood: str, impact: str) -> str:
    score = score_of(likelihood, impact)
    return "Low" if score <= 2 else "Medium" if score <= 4 else "High"


def risk(
    ref: str,
    description: str,
    likelihood: str,
    impact: str,
    owner: str,
    next_review: date | None = None,
    closed: bool = False,
) -> RiskSummary:
    return RiskSummary(
        ref=ref,
        description=description,
        likelihood=likelihood,
        impact=impact,
        rating=cell_rating(likelihood, impact),
        score=score_of(likelihood, impact),
        owner=owner,
        next_review=next_review,
        closed=closed,
    )


RISKS = [
    risk(
        "R1",
        "Staffing/ resources – key staff could change/ move on within all our partner agencies",
        "Medium",
        "Medium",
        "Individual Managers of each organisation",
        date(2018, 9, 1),
    ),
    risk(
        "R2",
        "Funding/ finance – The Partnership will no longer receive direct funding as all Community Safety "
        "funds will go to the Police and Crime Commissioner",
        "Medium",
        "Medium",
        CSP_COORDINATOR,
        date(2018, 3, 31),  # before TODAY: overdue
    ),
    risk(
        "R3",
        "Legislation changes – could change the partnership’s focus",
        "Medium",
        "Low",
        CSP_COORDINATOR,
        date(2018, 9, 1),
    ),
    risk(
        "R4",
        "Change of political leadership at District Council level – may have different priorities/ focus",
        "Low",
        "Low",
        COORDINATOR,
        date(2018, 9, 1),
    ),
    risk(
        "R5",
        "Change of government – may have different priorities/ focus",
        "Medium",
        "Medium",
        COORDINATOR,
        date(2018, 9, 1),
    ),
    risk(
        "R6",
        "Agency buy-in – organisations could change their priorities/ targets during the time of the "
        "partnership plan or lose resources/ staff/ funding that means they need to re-focus.",
        "Medium",
        "Medium",
        "Individual Managers of each organisation and Community Safety Partnership",
        None,
    ),
    risk(
        "R7",
        "A crime that was not originally a priority increases and needs to be addressed.",
        "Low",
        "Low",
        CSP_COORDINATOR,
        date(2018, 9, 1),
    ),
]
BY_REF = {r.ref: r for r in RISKS}


def crowded_register() -> list[RiskSummary]:
    """Twelve open risks in one cell (R1…R12, given out of order), one with a 300-character description."""
    long_text = ("Funding | staffing – " * 20)[:300]
    assert len(long_text) == 300
    risks = [
        risk(f"R{n}", long_text if n == 3 else f"Risk {n}", "High", "High", COORDINATOR, date(2018, 1, 1))
        for n in (12, 3, 10, 1, 2, 11, 4, 5, 9, 6, 7, 8)
    ]
    return [*risks, replace(BY_REF["R4"], ref="R13", closed=True)]


# ---------------------------------------------------------------------- matrix cells


def test_matrix_cells_places_the_seven_risks() -> None:
    cells = matrix_cells(RISKS)
    assert set(cells) == {(lk, im) for lk in LEVELS for im in LEVELS}
    assert cells[("Medium", "Medium")] == ["R1", "R2", "R5", "R6"]
    assert cells[("Medium", "Low")] == ["R3"]
    assert cells[("Low", "Low")] == ["R4", "R7"]
    assert sum(len(refs) for refs in cells.values()) == 7
    assert all(
        not refs
        for key, refs in cells.items()
        if key not in {("Medium", "Medium"), ("Medium", "Low"), ("Low", "Low")}
    )


def test_matrix_cells_natural_order_and_open_risks_only() -> None:
    cells = matrix_cells(crowded_register())
    assert cells[("High", "High")] == [f"R{n}" for n in range(1, 13)]  # R2 before R10; closed R13 left out
    assert cells[("Low", "Low")] == []


def test_matrix_cells_rejects_an_unknown_level() -> None:
    with pytest.raises(ValueError, match="R1: likelihood"):
        matrix_cells([replace(BY_REF["R1"], likelihood="Very high")])


# ---------------------------------------------------------------------- monospace grid


def _grid_rows(text: str) -> dict[str, list[list[str]]]:
    """Likelihood -> the lines of each of its three cells (the text between the bars)."""
    rows: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for line in text.splitlines():
        if line.lstrip().startswith("+"):
            current = None
            continue
        first = line.split(" ", 1)[0]
        if first in LEVELS and "|" in line:
            current = rows.setdefault(first, [[], [], []])
        if current is not None and "|" in line:
            for column, part in enumerate(line.split("|")[1:4]):
                current[column].append(part.strip())
    return rows


def test_matrix_text_rows_labels_and_width() -> None:
    text = matrix_text(RISKS, cell_rating)
    lines = text.splitlines()
    data_rows = [line.split(" ", 1)[0] for line in lines if line.split(" ", 1)[0] in LEVELS and "|" in line]
    assert data_rows == ["High", "Medium", "Low"]
    assert all(len(line) <= 60 for line in lines), max(lines, key=len)
    assert "Likelihood ↓" in text and "Impact →" in text
    assert "`" not in text
    header = next(line for line in lines if line.startswith(" ") and "Low" in line)
    assert header.index("Low") < header.index("Medium") < header.index("High")


def test_matrix_text_cells() -> None:
    rows = _grid_rows(matrix_text(RISKS, cell_rating))
    medium_medium = " ".join(rows["Medium"][1])
    assert medium_medium.startswith("[M]")
    assert all(ref in medium_medium.split() for ref in ("R1", "R2", "R5", "R6"))
    assert rows["Medium"][0] == ["[L] R3"]
    assert rows["Low"][0] == ["[L] R4 R7"]
    assert rows["High"] == [["[M] ·"], ["[H] ·"], ["[H] ·"]]
    assert [cells[2][0] for cells in (rows["Medium"], rows["Low"])] == ["[H] ·", "[M] ·"]


def test_matrix_text_wraps_a_crowded_cell() -> None:
    text = matrix_text(crowded_register(), cell_rating)
    assert all(len(line) <= 60 for line in text.splitlines())
    high_high = " ".join(_grid_rows(text)["High"][2]).split()
    assert high_high == ["[H]"] + [f"R{n}" for n in range(1, 13)]


# ---------------------------------------------------------------------- order


def test_ordered_by_score_then_rating_then_ref_closed_last() -> None:
    closed = replace(BY_REF["R1"], ref="R8", closed=True)
    refs = [r.ref for r in ordered([closed, *reversed(RISKS)])]
    assert refs == ["R1", "R2", "R5", "R6", "R3", "R4", "R7", "R8"]
    assert [r.ref for r in ordered(crowded_register())][:3] == ["R1", "R2", "R3"]
    assert ordered(crowded_register())[-1].ref == "R13"


# ---------------------------------------------------------------------- markdown


def test_risks_markdown() -> None:
    md = risks_markdown(
        RISKS, title="Wycombe CSP risk register", rule_text=RULE, today=TODAY, cell_rating=cell_rating
    )
    lines = md.splitlines()
    assert lines[0] == "# Wycombe CSP risk register"
    assert RULE in lines
    header = lines.index("| Likelihood \\ Impact | Low | Medium | High |")
    matrix = lines[header + 2 : header + 5]
    assert [row.split("|")[1].strip(" *") for row in matrix] == ["High", "Medium", "Low"]
    assert "R1, R2, R5, R6" in matrix[1].split("|")[3]
    assert "R3" in matrix[1].split("|")[2]
    assert "R4, R7" in matrix[2].split("|")[2]
    assert all(cell.strip().startswith("–") for cell in matrix[0].split("|")[2:5])

    listing = lines[lines.index("## Risks by rating") :]
    assert "| Ref | Rating (score) | Likelihood | Impact | Owner | Next review | Risk |" in listing
    rows = {line.split("|")[1].strip(): line for line in listing[3:] if line.startswith("| R")}
    assert list(rows) == ["R1", "R2", "R5", "R6", "R3", "R4", "R7"]
    assert "| Medium (4) |" in rows["R1"]
    assert "31 Mar 2018 (overdue)" in rows["R2"]
    assert "01 Sep 2018 |" in rows["R1"] and "overdue" not in rows["R1"]
    assert "| – |" in rows["R6"]  # no review date
    assert BY_REF["R6"].description in rows["R6"]  # in full


def test_risks_markdown_escapes_bars_and_keeps_long_descriptions() -> None:
    risks = crowded_register()
    md = risks_markdown(risks, title="Crowded", rule_text=RULE, today=TODAY, cell_rating=cell_rating)
    long_text = next(r.description for r in risks if r.ref == "R3")
    assert long_text.replace("|", "\\|") in md
    row = next(line for line in md.splitlines() if line.startswith("| R13 |"))
    assert "closed" in row and "overdue" not in row  # closed risks are not chased
    assert md.splitlines()[-1].startswith("| R13 |")


# ---------------------------------------------------------------------- heat map


def _png(risks: list[RiskSummary]) -> bytes:
    return heat_map_png(
        risks, title="Wycombe CSP risk register", rule_text=RULE, cell_rating=cell_rating, today=TODAY
    )


def _fill_at(image: Any, likelihood: str, impact: str) -> Any:
    """The median colour of a patch around the centre of a cell (text pixels are the minority)."""
    import numpy as np

    # the grid is where the coloured pixels are: found from the picture rather than the layout
    rgb = image[..., :3]
    coloured = np.argwhere(np.abs(rgb - rgb.mean(axis=2, keepdims=True)).max(axis=2) > 0.08)
    top, left = coloured.min(axis=0)
    bottom, right = coloured.max(axis=0)
    x = left + (right - left) * (LEVELS.index(impact) + 0.5) / 3
    y = bottom - (bottom - top) * (LEVELS.index(likelihood) + 0.5) / 3
    patch = rgb[int(y) - 25 : int(y) + 25, int(x) - 25 : int(x) + 25]
    return np.median(patch.reshape(-1, 3), axis=0)


def test_heat_map_png_is_a_stable_png_of_the_right_size() -> None:
    from matplotlib.image import imread

    png = _png(RISKS)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png == _png(list(RISKS))  # byte for byte
    assert b"Software" not in png and b"tIME" not in png
    image = imread(io.BytesIO(png), format="png")
    height, width = image.shape[:2]
    assert abs(width - 900) <= 10 and abs(height - 700) <= 10


def test_heat_map_png_colours_cells_by_rating() -> None:
    from matplotlib.image import imread

    image = imread(io.BytesIO(_png(RISKS)), format="png")
    red, green, amber = (
        _fill_at(image, *cell) for cell in (("High", "High"), ("Low", "Low"), ("Medium", "Medium"))
    )
    assert red[0] > 0.6 and red[0] > red[1] + 0.3 and red[0] > red[2] + 0.3  # High: red
    assert green[1] > green[0] + 0.1 and green[1] > 0.7  # Low: green
    assert amber[0] > 0.8 and 0.45 < amber[1] < 0.75 and amber[2] < 0.2  # Medium: amber

    def grey(c: Any) -> float:
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    assert grey(green) > grey(amber) > grey(red)  # not colour alone: lightness falls as the rating rises
    assert all(abs(a - b) < 0.02 for a, b in zip(_fill_at(image, "High", "Medium"), red, strict=True))
    assert all(abs(a - b) < 0.02 for a, b in zip(_fill_at(image, "Medium", "Low"), green, strict=True))


def test_heat_map_png_differs_when_a_risk_moves() -> None:
    moved = [replace(r, likelihood="High", impact="High") if r.ref == "R3" else r for r in RISKS]
    assert _png(moved) != _png(RISKS)
    closed = [replace(r, closed=True) if r.ref == "R3" else r for r in RISKS]
    assert _png(closed) != _png(RISKS)


def test_crowded_cell_long_description_and_empty_register_render() -> None:
    from matplotlib.image import imread

    for risks in (crowded_register(), []):
        png = _png(risks)
        assert imread(io.BytesIO(png), format="png").shape[:2] == (700, 900)
        assert matrix_text(risks, cell_rating)
        md = risks_markdown(risks, title="T", rule_text=RULE, today=TODAY, cell_rating=cell_rating)
        assert md.startswith("# T\n")
    empty = risks_markdown([], title="T", rule_text=RULE, today=TODAY, cell_rating=cell_rating)
    assert "_No risks in the register._" in empty
