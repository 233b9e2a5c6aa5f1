"""The guard measured on the labelled set in tests/data (issue 13): at least 98% of the lines with personal
data refused and at most 2% of the clean lines, on the part used while tuning and on the part kept aside.
``python bench/privacy_bench.py --rates`` prints the same figures and lists the misses."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.privacy import find_personal_data, mask_personal_data

DATA = Path(__file__).resolve().parent / "data"
PARTS = {"tuning": DATA / "privacy_tuning.tsv", "heldout": DATA / "privacy_heldout.tsv"}


def _read(path: Path) -> list[tuple[bool, str]]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        assert label in {"P", "C"} and text.strip(), f"{path.name}: {line!r}"
        lines.append((label == "P", text))
    return lines


def test_the_set_is_large_enough_and_half_personal() -> None:
    parts = {name: _read(path) for name, path in PARTS.items()}
    every = [line for lines in parts.values() for line in lines]
    assert len(every) >= 400 and len(parts["heldout"]) >= 100
    assert sum(personal for personal, _ in every) >= len(every) / 2
    assert len({text for _, text in every}) == len(every), "a line appears twice"


@pytest.mark.parametrize("part", sorted(PARTS))
def test_recall_and_false_refusals_meet_their_targets(part: str) -> None:
    lines = _read(PARTS[part])
    personal = [text for is_personal, text in lines if is_personal]
    clean = [text for is_personal, text in lines if not is_personal]
    missed = [text for text in personal if not find_personal_data(text)]
    refused = [text for text in clean if find_personal_data(text)]
    assert len(missed) <= 0.02 * len(personal), f"recall below 98%: missed {missed}"
    assert len(refused) <= 0.02 * len(clean), f"false refusals above 2%: {refused}"


@pytest.mark.parametrize("part", sorted(PARTS))
def test_every_refused_line_has_a_masked_rendering_that_passes(part: str) -> None:
    for is_personal, text in _read(PARTS[part]):
        if is_personal and find_personal_data(text):
            masked = mask_personal_data(text)
            assert masked and not find_personal_data(masked), text
