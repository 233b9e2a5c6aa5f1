"""A cheap and sound pre-filter for edit-distance scans: which strings can be within k edits of a query.

An edit moves few letters: an insertion or a deletion adds or drops one, a substitution swaps one for
another, a transposition changes none. So when the OSA (or any Damerau–Levenshtein) distance between a
query q and a name n is at most k, counting letters with repetition,

    P = Σ max(0, q_c − n_c) ≤ k   (letters the query has beyond the name's),
    N = Σ max(0, n_c − q_c) ≤ k   (letters the name has beyond the query's),
    P − N = len(q) − len(n)       (exactly, as every character is counted in some class).

A signature keeps, for each class of character, whether a string has it at least once and at least
twice: 29 classes (a–z, digits, space, anything else) × 2 levels = 58 bits of a 64-bit integer. Then
popcount(q & ~n) ≤ P and popcount(n & ~q) ≤ N, and with the exact length difference the four bounds
below drop most names of the query's length without scoring them; none that could be within k edits.
Merging characters into one class only weakens the bounds, so they stay sound.

numpy is imported here only, and this module only on the first scan: an exact hit never pays for it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

#: a–z, then digits, space, and every other character
_CLASSES = 29
_DIGIT, _SPACE, _OTHER = 26, 27, 28
#: strings whose counts are gathered at once: bounds the temporary count matrix (4,096 × 29 integers)
_CHUNK = 4_096


def _class_table() -> npt.NDArray[np.int64]:
    table = np.full(128, _OTHER, dtype=np.int64)
    table[ord("a") : ord("z") + 1] = np.arange(26)
    table[ord("0") : ord("9") + 1] = _DIGIT
    table[ord(" ")] = _SPACE
    return table


_ASCII_CLASS = _class_table()
_CLASS_OF = {chr(code): int(cls) for code, cls in enumerate(_ASCII_CLASS)}

if hasattr(np, "bitwise_count"):  # numpy 2

    def _popcount(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.int16]:
        return np.bitwise_count(values).astype(np.int16)

else:  # pragma: no cover - numpy 1: count the bits of each byte from a table
    _BYTE_BITS = np.array([bin(b).count("1") for b in range(256)], dtype=np.int16)

    def _popcount(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.int16]:
        as_bytes = np.ascontiguousarray(values).view(np.uint8).reshape(-1, 8)
        return _BYTE_BITS[as_bytes].sum(axis=1, dtype=np.int16)


def signature(text: str) -> int:
    """The signature of one string (a query), as the arrays hold them."""
    counts = [0] * _CLASSES
    for ch in text:
        counts[_CLASS_OF.get(ch, _OTHER)] += 1
    bits = 0
    for cls, count in enumerate(counts):
        if count:
            bits |= 1 << cls
            if count > 1:
                bits |= 1 << (_CLASSES + cls)
    return bits


def signatures(texts: Sequence[str]) -> npt.NDArray[np.uint64]:
    """The signatures of many strings at once: vectorised, about a microsecond a string or less."""
    result = np.zeros(len(texts), dtype=np.uint64)
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start : start + _CHUNK]
        lengths = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
        # one code point a character, whatever the text (lone surrogates included)
        codes = np.frombuffer("".join(chunk).encode("utf-32-le", "surrogatepass"), dtype="<u4")
        classes = np.where(codes < 128, _ASCII_CLASS[np.minimum(codes, 127)], _OTHER)
        owner = np.repeat(np.arange(len(chunk)), lengths)
        counts = np.bincount(owner * _CLASSES + classes, minlength=len(chunk) * _CLASSES)
        counts = counts.reshape(len(chunk), _CLASSES)
        bits = np.zeros((len(chunk), 64), dtype=bool)
        bits[:, :_CLASSES] = counts >= 1
        bits[:, _CLASSES : 2 * _CLASSES] = counts >= 2
        result[start : start + len(chunk)] = np.packbits(bits, axis=1, bitorder="little").view("<u8")[:, 0]
    return result


class LetterFilter:
    """Signatures and lengths of a fixed list of strings (by position), and which may be near a query."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._signatures = signatures(texts)
        self._lengths = np.fromiter(map(len, texts), dtype=np.int32, count=len(texts))
        #: positions sorted by length, ties in position order: a length window is one slice
        self._by_length = np.argsort(self._lengths, kind="stable").astype(np.int32)
        self._sorted_lengths = self._lengths[self._by_length]

    def __len__(self) -> int:
        return len(self._lengths)

    def window(self, length: int, limit: int) -> npt.NDArray[np.int32]:
        """Positions of the strings ``limit`` or fewer characters longer or shorter than ``length``,
        by length and then position (the order of a scan of lengths from shortest to longest)."""
        lo, hi = np.searchsorted(self._sorted_lengths, (length - limit, length + limit + 1))
        return self._by_length[lo:hi]

    def near(
        self, query: str, limit: int, positions: npt.NDArray[np.int32] | Sequence[int] | None = None
    ) -> list[int]:
        """Of ``positions`` (default all, in order), those whose strings may be within ``limit`` edits
        of ``query``, in the order given: no string within ``limit`` edits is ever left out."""
        if positions is None:
            sigs, lengths = self._signatures, self._lengths
        else:
            positions = np.asarray(positions, dtype=np.int32)
            sigs, lengths = self._signatures[positions], self._lengths[positions]
        wanted = np.uint64(signature(query))
        beyond_name = _popcount(wanted & ~sigs)  # ≤ P
        beyond_query = _popcount(sigs & ~wanted)  # ≤ N
        longer_by = len(query) - lengths  # = P − N
        keep = (beyond_name <= limit + np.minimum(longer_by, 0)) & (
            beyond_query <= limit - np.maximum(longer_by, 0)
        )
        kept = np.flatnonzero(keep)
        if positions is not None:
            kept = positions[kept]
        return kept.tolist()  # type: ignore[no-any-return]
