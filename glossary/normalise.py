"""Text normalisation shared by the index and the queries.

Both sides go through the same functions, so "M.A.R.A.C", "MARACs", "marac?"
and "Marac's" all meet "MARAC" in one dictionary probe.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Punctuation that separates words (hyphens, slashes, dashes) becomes a space;
# dots vanish so "M.A.R.A.C" reads as "marac"; "&" reads as "and".
_SEPARATORS = '-_/\\–—‐‑‒―|+:;,()[]{}"“”«»!?*~^=<>#@%$'
_TRANSLATE = str.maketrans(
    {
        **{ch: " " for ch in _SEPARATORS},
        ".": "",
        "’": "'",
        "‘": "'",
        "`": "'",
        "&": " and ",
    }
)
_POSSESSIVE = re.compile(r"(?<=\w)'s\b|(?<=s)'(?=\s|$)")
_STRAY_QUOTES = re.compile(r"'")

# "what does MARAC stand for?", "what's a PCSO", "define hate crime", "meaning of CSE"
_WRAPPERS = [
    re.compile(p)
    for p in (
        r"^(?:what|wat|wot)\s+(?:does|do|did)\s+(?:an?\s+|the\s+)?(?P<q>.+?)\s+(?:stand\s+for|mean|means)$",
        r"^(?:what|wat|wot)\s+(?:is|are)\s+(?:an?\s+|the\s+)?(?P<q>.+?)\s+(?:stand\s+for|short\s+for)$",
        r"^(?:what\s+is\s+meant\s+by|what\s+do\s+(?:we|you)\s+mean\s+by)\s+(?:an?\s+|the\s+)?(?P<q>.+)$",
        # "what's" has already lost its "'s" to the possessive rule, so the verb is optional
        r"^(?:what|wat|wot|who)(?:\s+is|\s+are|\s+was|\s+were)?\s+(?:an?\s+|the\s+)?(?P<q>.+)$",
        r"^(?:define|definition\s+of|meaning\s+of|explain|expand|lookup|look\s+up)\s+(?:an?\s+|the\s+)?(?P<q>.+)$",
        r"^(?:tell\s+me\s+about|info\s+on|information\s+on)\s+(?:an?\s+|the\s+)?(?P<q>.+)$",
    )
]
_EDGE_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "our",
        "your",
        "their",
        "my",
        "about",
        "for",
        "of",
        "on",
        "in",
        "is",
        "are",
        "please",
        "pls",
        "plz",
        "re",
        "regarding",
    ]
)


def fold(text: str) -> str:
    """Case- and punctuation-fold ``text`` into space-separated lower-case words."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.translate(_TRANSLATE).casefold()
    if "'" in text:
        text = _STRAY_QUOTES.sub("", _POSSESSIVE.sub("", text))
    return " ".join(text.split())


@lru_cache(maxsize=1 << 16)  # a glossary's vocabulary is small and repeats endlessly
def singular_word(word: str) -> str:
    """A deliberately simple English singular: enough for MARACs, crimes, authorities.

    Applied to both the index and the query, so it only needs to be consistent,
    not correct ("CAMHS" and "camhs" both become "camh" and still meet).
    """
    if len(word) < 4 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def singular(folded: str) -> str:
    if "s " not in folded and not folded.endswith("s"):
        return folded  # no word ends in "s": the common case, and a cheap one
    return " ".join(singular_word(w) for w in folded.split())


def compact(folded: str) -> str:
    """Space-free form, so "anti social", "anti-social" and "antisocial" meet."""
    return folded.replace(" ", "")


def strip_question(text: str) -> str:
    """Remove question wrappers and edge filler words from a folded query."""
    text = fold(text)
    for pattern in _WRAPPERS:
        match = pattern.match(text)
        if match:
            text = match.group("q")
            break
    words = text.split()
    # filler at the edges goes ("the MARAC please"), but never the last word: THE or ON may be a key
    while len(words) > 1 and words[0] in _EDGE_STOPWORDS:
        words.pop(0)
    while len(words) > 1 and words[-1] in _EDGE_STOPWORDS:
        words.pop()
    return " ".join(words)


_ACRONYM_PLURAL = re.compile(r"\b([A-Z][A-Z0-9&]+)(?:'s|’s|s)(?=\W|$)")


def drop_acronym_plurals(text: str) -> str:
    """ "CEs", "MKs", "PCSO's" → "CE", "MK", "PCSO": read from the original capitals, which folding loses."""
    return _ACRONYM_PLURAL.sub(r"\1", text)


def forms(folded: str) -> tuple[str, str, str]:
    """The three probe forms of a folded string: as is, singular, and compact singular."""
    sing = singular(folded)
    return folded, sing, compact(sing)
