"""Plain-words questions, as people type them to the bot in a DM, after @csp-bot, or in the Home search box.

"what does MARAC stand for?", "what is a cpn", "IDVA?", "define hate crime", "search exploitation":
each becomes the call the slash command would make (``/csp acronym MARAC``, ``/csp cpn``,
``/csp define hate crime``, ``/csp search exploitation``). Anything that is not a question (a
greeting, thanks, a long remark) is ``CHAT``, answered with a short help line and never looked up,
so it is never counted as a glossary gap either. Pure functions; never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from glossary.model import EntryKind
from handlers.parsing import CHANNEL_MENTION, USER_MENTION, from_slack, strip_control

#: longer than this without a question's shape is a remark, not a look-up ("/csp" reads at most 200 words)
MAX_BARE_WORDS = 6


class Ask(StrEnum):
    LOOKUP = "lookup"
    SEARCH = "search"
    EXPLAIN = "explain"
    CHAT = "chat"


@dataclass(frozen=True)
class Question:
    ask: Ask
    #: what to look up, search for or explain, in the asker's own case ("IDVA", "hate crime")
    text: str = ""
    prefer: EntryKind | None = None


_ARTICLE = r"(?:(?:an?|the|our|your)\s+)?"
_TERM = r"(?P<q>.+?)"
# (pattern, what it asks, preferred kind), tried in order on the whole message, case-insensitively
_SHAPES: tuple[tuple[re.Pattern[str], Ask, EntryKind | None], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE | re.DOTALL), ask, prefer)
    for pattern, ask, prefer in (
        (rf"^(?:search|find|search\s+for|look\s+for)\s+{_TERM}$", Ask.SEARCH, None),
        (
            rf"^(?:what(?:'s|’s|\s+is|s)?\s+)?(?:the\s+)?(?:definition|meaning)\s+of\s+{_ARTICLE}{_TERM}$",
            Ask.LOOKUP,
            EntryKind.TERM,
        ),
        (rf"^(?:define|def|definition)\s+{_ARTICLE}{_TERM}$", Ask.LOOKUP, EntryKind.TERM),
        (rf"^(?:acronym|acro|abbr|expand)\s+{_TERM}$", Ask.LOOKUP, EntryKind.ACRONYM),
        (
            rf"^(?:what|wat|wot)\s+(?:does|do|did)\s+{_ARTICLE}{_TERM}\s+(?:stand\s+for|mean|means)$",
            Ask.LOOKUP,
            None,
        ),
        (
            rf"^(?:what|wat|wot)(?:'s|’s|\s+is|\s+are|s)\s+{_ARTICLE}{_TERM}\s+(?:short\s+for|an?\s+acronym\s+for|stand\s+for)$",
            Ask.LOOKUP,
            EntryKind.ACRONYM,
        ),
        (
            rf"^(?:what\s+is\s+meant\s+by|what\s+do\s+(?:we|you|they)\s+mean\s+by|tell\s+me\s+about)\s+{_ARTICLE}{_TERM}$",
            Ask.LOOKUP,
            None,
        ),
        (
            rf"^(?:what|wat|wot|who)(?:'s|’s|\s+is|\s+are|\s+was|\s+were|s|'re|’re)\s+{_ARTICLE}{_TERM}$",
            Ask.LOOKUP,
            None,
        ),
        (rf"^(?:explain|look\s+up|lookup)\s+{_TERM}$", Ask.EXPLAIN, None),
    )
)
#: what people say to a bot that asks nothing of the glossary
_CHAT_WORDS = frozenset((
    "hi", "hello", "hey", "hiya", "morning", "afternoon", "evening", "good", "thanks", "thank", "you",
    "ta", "cheers", "ok", "okay", "great", "cool", "nice", "yes", "no", "yep", "nope", "bye", "goodbye",
    "please", "help", "hmm", "ah", "oh", "lol", "test", "testing", "there", "all", "csp", "bot", "csp-bot",
    "again", "much", "very", "many", "lovely", "brilliant", "perfect", "sure", "fine", "got", "it",
    "that's", "thats"
))  # fmt: skip
#: a question with nothing to ask about ("what is", "define", "search", "what is a")
_EMPTY_WORDS = frozenset((
    "what", "whats", "what's", "who", "is", "are", "does", "do", "mean", "means", "stand", "for", "define",
    "definition", "meaning", "of", "search", "find", "explain", "acronym", "look", "up", "lookup", "a",
    "an", "the"
))  # fmt: skip
_EDGE_PUNCTUATION = " \t\n?!.,;:¿¡\"'“”‘’()[]"
#: politeness around a question, dropped word by word (a regex here was quadratic in "please please …")
_POLITE = frozenset(("please", "pls", "plz"))
_LEADS = (("can", "you", "tell", "me"), ("could", "you", "tell", "me"), ("do", "you", "know"))


def clean_message(text: str) -> str:
    """What someone typed to the bot, without mentions (addressing, not the question; a user ID is
    never looked up or counted as a gap) and with Slack's escaping undone."""
    text = from_slack(text)
    text = USER_MENTION.sub(" ", CHANNEL_MENTION.sub(" ", text))
    return " ".join(strip_control(text).replace("\u00a0", " ").split())


def _strip_edges(text: str) -> str:
    """Without the punctuation and politeness at either end; linear in the length of the text."""
    words = text.split()
    bare = [w.strip(_EDGE_PUNCTUATION).casefold() for w in words]
    start, end = 0, len(words)
    moved = True
    while moved:
        moved = False
        while start < end and (bare[start] in _POLITE or not bare[start]):
            start, moved = start + 1, True
        for lead in _LEADS:
            if tuple(bare[start : start + len(lead)]) == lead and start + len(lead) <= end:
                start, moved = start + len(lead), True
        while end > start and (bare[end - 1] in _POLITE or not bare[end - 1]):
            end, moved = end - 1, True
    return " ".join(words[start:end]).strip(_EDGE_PUNCTUATION)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’-]+", text.casefold())


def parse_question(message: str) -> Question:
    """The look-up, search or explanation a message asks for, or ``CHAT`` when it asks none."""
    text = _strip_edges(clean_message(message))
    if not text:
        return Question(Ask.CHAT)
    for pattern, ask, prefer in _SHAPES:
        match = pattern.match(text)
        if match:
            term = _strip_edges(match.group("q"))
            if not term or all(w in _EMPTY_WORDS for w in _words(term)):
                return Question(Ask.CHAT)
            if ask is Ask.EXPLAIN and len(term.split()) <= 3:
                ask = Ask.LOOKUP  # "explain MARAC" asks what MARAC is; a sentence is explained
            return Question(ask, term, prefer)
    words = _words(text)
    if not words or all(w in _CHAT_WORDS or w in _EMPTY_WORDS for w in words):
        return Question(Ask.CHAT)
    if len(text.split()) > MAX_BARE_WORDS:
        return Question(Ask.CHAT)
    return Question(Ask.LOOKUP, text)
