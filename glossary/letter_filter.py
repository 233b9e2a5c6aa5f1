"""A cheap and sound pre-filter for edit-distance scans: which strings can be within k edits of a query.

An edit moves few letters: an insertion or a deletion adds or drops one, a substitution swaps one for
another, a transposition changes none. So when the OSA (or any Damerau–Levenshtein) distance between a
query q and a name n is at most k, counting letters with repetition,

    P = Σ max(0, q_c − n_c) ≤ k   (letters the query has beyond the name's),
    N = Σ max(0, n_c − q_c) ≤ k   (letters the name has beyond the query's),
    P − N = len(q) − len(n)       (exactly, as every character is counted in some class).

A signature keeps, for each class of character, whether a string has it at least once and at least
twice: 29 classes (a–z, digits, space, anything else) × 2 levels = 58 bits. Then popcount(q & ~n) ≤ P and
popcount(n & ~q) ≤ N, and with the exact length difference d = len(q) − len(n):

    popcount(q & ~n) ≤ k + min(d, 0)   and   popcount(n & ~q) ≤ k − max(d, 0).

Merging characters into one class only weakens the bounds, so they stay sound: no string within k edits
is ever dropped, and most of the query's length are, without being scored.

Pure Python, no numpy (its import alone would add 13 MB to a worker and 0.1 s to a first typo): the
strings of one length are held "bit-sliced", one integer a signature bit with a bit a string, so a query
tests thousands of strings with a few hundred integer operations.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from string import ascii_lowercase, digits
from typing import Any

#: a–z, then digits, space, and every other character
_CLASSES = 29
_SIGNATURE_BITS = 2 * _CLASSES
_OTHER = 1 << 28


class _ClassBits(dict[str, int]):
    """A character's bit: its letter's, or the one of digits, of space, or of anything else."""

    def __missing__(self, ch: str) -> int:
        return _OTHER


_BIT = _ClassBits({ch: 1 << i for i, ch in enumerate(ascii_lowercase)})
_BIT.update(dict.fromkeys(digits, 1 << 26))
_BIT[" "] = 1 << 27


def _levels(text: str) -> tuple[int, int]:
    """The classes ``text`` has at least once, and at least twice."""
    if text.isascii() and text.isalpha() and text.islower() and len(set(text)) == len(text):
        return sum(map(_BIT.__getitem__, text)), 0  # a–z, none twice (most acronyms): one bit each
    once = twice = 0
    for ch in text:
        bit = _BIT[ch]
        twice |= once & bit
        once |= bit
    return once, twice


def signature(text: str) -> int:
    """The 58-bit signature of a string: bit c if it has class c, bit 29 + c if it has it twice."""
    once, twice = _levels(text)
    return once | twice << _CLASSES


def signatures(texts: Iterable[str]) -> list[int]:
    """``signature`` of many strings, a name's words looked at once each however many names share them."""
    words: dict[str, tuple[int, int]] = {}
    space = _BIT[" "]
    result = []
    for text in texts:
        if " " not in text:
            once, twice = _levels(text)
        else:
            once = twice = 0
            for word in text.split(" "):
                levels = words.get(word)
                if levels is None:
                    levels = words[word] = _levels(word)
                twice |= levels[1] | (once & levels[0])
                once |= levels[0]
            spaces = text.count(" ")
            once |= space
            if spaces > 1:
                twice |= space
        result.append(once | twice << _CLASSES)
    return result


def _at_most(planes: Iterable[int], most: int, lanes: int) -> int:
    """The lanes (bits of ``lanes``) set in at most ``most`` of the planes: counters, bit-sliced."""
    # reached[j]: the lanes set in j or more of the planes so far (reached[0] is every lane)
    reached = [lanes] + [0] * (most + 1)
    for plane in planes:
        for j in range(most + 1, 0, -1):
            reached[j] |= reached[j - 1] & plane
    return lanes & ~reached[most + 1]


#: a length with fewer strings than this is checked string by string: a sliced test costs as much as 60
_SLICED_MIN = 64


class _Group:
    """The strings of one length: their positions, and (when many) signature bit b of string i at bit i
    of planes[b]."""

    __slots__ = ("lanes", "planes", "positions")

    def __init__(self, positions: array[int], sigs: Sequence[int]) -> None:
        self.positions = positions
        self.lanes = (1 << len(positions)) - 1
        self.planes: list[int] = []
        if len(positions) >= _SLICED_MIN:
            # transpose: each signature as bits, last string first, so string i is bit i of each column
            table = "".join(format(sigs[p], f"0{_SIGNATURE_BITS}b") for p in reversed(positions))
            self.planes = [
                int(table[_SIGNATURE_BITS - 1 - b :: _SIGNATURE_BITS], 2) for b in range(_SIGNATURE_BITS)
            ]

    def near(self, wanted: int, query_bits: list[int], lacking_most: int, extra_most: int) -> list[int]:
        """Positions of the strings lacking at most ``lacking_most`` of the query's bits (``wanted``, whose
        bits are ``query_bits``) and having at most ``extra_most`` bits it has not, in position order."""
        planes, lanes = self.planes, self.lanes
        lacking = _at_most((lanes & ~planes[b] for b in query_bits), lacking_most, lanes)
        if not lacking:
            return []
        extra = _at_most(
            (planes[b] & lacking for b in range(_SIGNATURE_BITS) if planes[b] and not wanted >> b & 1),
            extra_most,
            lacking,
        )
        if not extra:
            return []
        bits = format(extra, "b")[::-1]  # character i is string i
        found: list[int] = []
        i = bits.find("1")
        while i >= 0:
            found.append(self.positions[i])
            i = bits.find("1", i + 1)
        return found


class LetterFilter:
    """Signatures of a fixed list of strings (by position), and which of them may be near a query."""

    def __init__(self, texts: Sequence[str]) -> None:
        # machine integers, not Python ones: a tenth of the memory at 100,000 names
        self._signatures = array("Q", signatures(texts))
        self._lengths = array("I", map(len, texts))
        by_length: dict[int, array[int]] = {}
        for position, length in enumerate(self._lengths):
            group = by_length.get(length)
            if group is None:
                group = by_length[length] = array("I")
            group.append(position)
        self._groups = {
            length: _Group(positions, self._signatures) for length, positions in by_length.items()
        }

    def __len__(self) -> int:
        return len(self._lengths)

    def state(self) -> dict[str, Any]:
        """The filter as plain values for a saved index (``glossary.snapshot``); ``from_state`` reverses it."""
        return {
            "signatures": self._signatures.tobytes(),
            "lengths": self._lengths.tobytes(),
            "groups": {
                length: (group.positions.tobytes(), group.lanes, group.planes)
                for length, group in self._groups.items()
            },
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> LetterFilter:
        letters = cls.__new__(cls)
        letters._signatures = array("Q", state["signatures"])
        letters._lengths = array("I", state["lengths"])
        letters._groups = {}
        for length, (positions, lanes, planes) in state["groups"].items():
            group = _Group.__new__(_Group)
            group.positions, group.lanes, group.planes = array("I", positions), lanes, planes
            letters._groups[length] = group
        return letters

    def scan(self, query: str, limit: int) -> list[int]:
        """Positions of the strings that may be within ``limit`` edits of ``query``, by length and then
        position (the order of a scan of the lengths from shortest to longest): none within is left out."""
        wanted = signature(query)
        query_bits = [b for b in range(_SIGNATURE_BITS) if wanted >> b & 1]
        found: list[int] = []
        for length in range(max(0, len(query) - limit), len(query) + limit + 1):
            group = self._groups.get(length)
            if group is None:
                continue
            longer_by = len(query) - length
            lacking_most, extra_most = limit + min(longer_by, 0), limit - max(longer_by, 0)
            if group.planes:
                found += group.near(wanted, query_bits, lacking_most, extra_most)
            else:
                sigs = self._signatures
                found += [
                    p
                    for p in group.positions
                    if (wanted & ~sigs[p]).bit_count() <= lacking_most
                    and (sigs[p] & ~wanted).bit_count() <= extra_most
                ]
        return found

    def keep(self, query: str, limit: int, positions: Iterable[int]) -> list[int]:
        """Of ``positions``, those whose strings may be within ``limit`` edits of ``query``, in order."""
        wanted = signature(query)
        size = len(query)
        # (the most query bits a string may lack, the most bits it may have beyond) by its length
        bounds = {
            size - longer_by: (limit + min(longer_by, 0), limit - max(longer_by, 0))
            for longer_by in range(-limit, limit + 1)
        }
        sigs, lengths = self._signatures, self._lengths
        kept = []
        for position in positions:
            bound = bounds.get(lengths[position])
            if bound is not None:
                sig = sigs[position]
                if (wanted & ~sig).bit_count() <= bound[0] and (sig & ~wanted).bit_count() <= bound[1]:
                    kept.append(position)
        return kept
