"""The personal-data guard: refuse text that looks like case data before it is stored or echoed.

A Community Safety Partnership's Slack log holds aggregates ("12 ABCs issued Q2"), never cases. UK GDPR
Art. 9/10, the Sexual Offences (Amendment) Act 1992 and CYPA 1933 s.49 all forbid putting a victim's, child's
or suspect's identifying details into a general chat workspace (``docs/csp-domain.md`` §5). This module spots
the common shapes of such details so that a service can refuse the text and ask for an aggregate instead.

Design rules:

* Precision matters as much as recall. Refusing "Section 35 dispersal notices issued in the HP11 area" or
  "IOM = Integrated Offender Management" is a defect, so every rule is anchored on a shape that aggregate
  reporting does not produce: a checksum, a full postcode, a cue word such as "DOB" or "case ref", a house
  number before a street type, a given name from a lexicon followed by a surname (``bot/data/names``).
  Issue 13's labelled set (``tests/data``, ``bench/privacy_bench.py``) measures both rates.
* Say where. Each detector yields the spans it matched, so :func:`mask_personal_data` can show the sentence
  with those parts replaced by their kind ("Visited [a family] at [an address], High Wycombe"); the masked
  text is checked again before it is offered.
* Findings never carry the matched text. A description is fixed wording per kind, so an error message or a
  log line built from it cannot leak what it refused.
* Checks stay linear and fast on long messages. No pattern nests unbounded repetition, and every pattern
  starts with a literal or a small character set (word cues are found with ``str.find`` on a folded copy),
  so the regex engine only tries a match where one could begin.

Pure Python: no Slack, no database.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from importlib import resources
from typing import Any, Final, cast

__all__ = [
    "REWRITE_HINT",
    "PersonalDataError",
    "PersonalDataFinding",
    "PersonalDataKind",
    "contains_personal_data",
    "ensure_no_personal_data",
    "find_personal_data",
    "mask_personal_data",
    "screened",
]


class _LazyPattern:
    """A regular expression compiled when it is first used, not when the module is imported: compiling the
    guard's ~60 patterns was most of a `csp-bot ask`'s import of this module, and a short query without a
    digit needs few of them. Once compiled, the methods are the compiled pattern's own (nothing added to a
    call); two threads using one at once at worst compile it twice."""

    _METHODS: Final = ("search", "match", "fullmatch", "finditer", "findall", "sub")
    __slots__ = ("_flags", "_source", *_METHODS)

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source = source
        self._flags = flags
        for name in self._METHODS:
            setattr(self, name, partial(self._first_use, name))

    def _first_use(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        compiled = re.compile(self._source, self._flags)
        for name in self._METHODS:
            setattr(self, name, getattr(compiled, name))
        return getattr(compiled, method)(*args, **kwargs)


def _lazy_re(source: str, flags: int = 0) -> re.Pattern[str]:
    return cast("re.Pattern[str]", _LazyPattern(source, flags))


class PersonalDataKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    POSTCODE = "postcode"
    ADDRESS = "address"
    DATE_OF_BIRTH = "date_of_birth"
    NHS_NUMBER = "nhs_number"
    NI_NUMBER = "ni_number"
    CASE_REFERENCE = "case_reference"
    VEHICLE = "vehicle"
    NAMED_PERSON = "named_person"
    FAMILY = "family"
    DESCRIBED_PERSON = "described_person"


@dataclass(frozen=True)
class PersonalDataFinding:
    """One kind of personal data seen in a text. ``description`` is fixed wording, never the matched text."""

    kind: PersonalDataKind
    description: str


REWRITE_HINT: Final[str] = (
    "Please leave out names, contact details, dates of birth and reference numbers and log it as an "
    'aggregate, e.g. "3 victims supported through MARAC this quarter".'
)

_DESCRIPTIONS: Final[dict[PersonalDataKind, str]] = {
    PersonalDataKind.EMAIL: "an email address",
    PersonalDataKind.PHONE: "a UK phone number",
    PersonalDataKind.POSTCODE: "a full UK postcode (an address at property level)",
    PersonalDataKind.DATE_OF_BIRTH: "a date of birth",
    PersonalDataKind.NHS_NUMBER: "an NHS number",
    PersonalDataKind.CASE_REFERENCE: "a police or case reference number",
    PersonalDataKind.NAMED_PERSON: "a person's name",
    PersonalDataKind.ADDRESS: "a street address",
    PersonalDataKind.NI_NUMBER: "a National Insurance number",
    PersonalDataKind.VEHICLE: "a vehicle registration",
    PersonalDataKind.FAMILY: "a family's name",
    PersonalDataKind.DESCRIBED_PERSON: "a person described by sex and age",
}

# What each kind becomes in a masked rendering ("Visited [a family] at [an address], High Wycombe").
_MASKS: Final[dict[PersonalDataKind, str]] = {
    PersonalDataKind.EMAIL: "[an email address]",
    PersonalDataKind.PHONE: "[a phone number]",
    PersonalDataKind.POSTCODE: "[a postcode]",
    PersonalDataKind.ADDRESS: "[an address]",
    PersonalDataKind.DATE_OF_BIRTH: "[a date of birth]",
    PersonalDataKind.NHS_NUMBER: "[an NHS number]",
    PersonalDataKind.NI_NUMBER: "[an NI number]",
    PersonalDataKind.CASE_REFERENCE: "[a reference number]",
    PersonalDataKind.VEHICLE: "[a vehicle]",
    PersonalDataKind.NAMED_PERSON: "[a name]",
    PersonalDataKind.FAMILY: "[a family]",
    PersonalDataKind.DESCRIBED_PERSON: "[a person]",
}

_FINDINGS: Final[dict[PersonalDataKind, PersonalDataFinding]] = {
    kind: PersonalDataFinding(kind, description) for kind, description in _DESCRIPTIONS.items()
}


# ----------------------------------------------------------------------------------------------------------
# The text under test, in two aligned forms.

# Zero-width characters and soft hyphens inside a number or a name are the cheapest way round a filter.
_INVISIBLE: Final = ("\u00ad", "\u180e", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")


class _Text:
    """``raw``: the text with look-alikes folded (NFKC turns "０７７００" into "07700") and invisible characters
    removed. ``folded``: the same text lower-cased, ASCII only, every other character replaced by "?". The
    two have the same length, so a position found in one is valid in the other: word cues are searched in
    ``folded`` with fast case-sensitive patterns, and capitalisation is read from ``raw``."""

    __slots__ = ("folded", "has_digit", "raw")

    def __init__(self, text: str) -> None:
        if not text.isascii():
            if not unicodedata.is_normalized("NFKC", text):
                text = unicodedata.normalize("NFKC", text)
            for character in _INVISIBLE:
                if character in text:
                    text = text.replace(character, "")
        self.raw = text
        self.folded = text.encode("ascii", "replace").lower().decode("ascii")
        self.has_digit = _DIGIT.search(text) is not None


_Span = tuple[int, int]  # start and end of a piece of personal data in ``_Text.raw``


def _tokens(text: str) -> tuple[str, ...]:
    """The whitespace-separated words of a word list written as a block of text."""
    return tuple(text.split())


def _starts_word(folded: str, position: int) -> bool:
    return position == 0 or not folded[position - 1].isalnum()


def _word_starts(folded: str, stem: str) -> Iterator[int]:
    """Every position where ``stem`` begins a word of ``folded`` (a fast C search, then a boundary check)."""
    position = folded.find(stem)
    while position != -1:
        if _starts_word(folded, position):
            yield position
        position = folded.find(stem, position + 1)


def _is_token_boundary(raw: str, position: int, extra: str = "") -> bool:
    """True at the start of the text or after a character that cannot be part of a word (or of ``extra``)."""
    if position == 0:
        return True
    before = raw[position - 1]
    return not (before.isalnum() or before == "_" or before in extra)


_DIGIT: Final = _lazy_re(r"[0-9]")
_YEAR: Final = _lazy_re(r"(?:19|20)[0-9]{2}")
_FINANCIAL_YEAR: Final = _lazy_re(r"((?:19|20)[0-9]{2})[/\-]((?:19|20)?[0-9]{2})")


def _is_year_or_financial_year(token: str) -> bool:
    """'2018', '2017/18', '2017-2018': periods, not identifiers."""
    if _YEAR.fullmatch(token):
        return True
    match = _FINANCIAL_YEAR.fullmatch(token)
    if match is None:
        return False
    start, end = int(match.group(1)), int(match.group(2))
    return end % 100 == (start + 1) % 100


# ----------------------------------------------------------------------------------------------------------
# E-mail addresses, found from their "@".

_EMAIL: Final = _lazy_re(
    r"@(?<=[\w.%+\-]@)[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
# "jane.smith [at] example [dot] org": the usual way round a naive filter. Matched in the folded text from
# the "[at]", then the local part in front of it is checked.
_EMAIL_SPELT_OUT: Final = _lazy_re(
    r"[\[(][ \t]*at[ \t]*[\])][ \t]*[a-z0-9\-]{1,63}"
    r"(?:[ \t]*[\[(][ \t]*dot[ \t]*[\])][ \t]*|\.)[a-z]{2,24}(?![a-z0-9\-])"
)
_EMAIL_LOCAL_PART_END: Final = _lazy_re(r"[a-z0-9_.%+\-][ \t]*\Z")
# "jane dot smith at gmail dot com", "emma.lewis at outlook dot com": a local part, "at", a domain with at
# least one "dot" spelt out or a known mail provider.
_EMAIL_WORDS_DOMAIN: Final = _lazy_re(
    r"at[ \t]+(?P<domain>[a-z0-9\-]{2,40})(?P<rest>(?:(?:[ \t]+dot[ \t]+|\.)[a-z]{2,10}){1,3})(?![a-z0-9])"
)
_MAIL_PROVIDERS: Final = frozenset(
    _tokens("gmail googlemail hotmail outlook live yahoo btinternet icloud aol sky virginmedia protonmail")
)
_EMAIL_LOCAL_WORD: Final = _lazy_re(r"(?:[a-z0-9_%+\-]+(?:\.|[ \t]+dot[ \t]+))*[a-z0-9_%+\-]+[ \t]+\Z")


_EMAIL_LOCAL_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.%+-")


def _back_over(text: str, position: int, characters: frozenset[str], limit: int = 64) -> int:
    """Where the run of ``characters`` that ends at ``position`` begins (looking back at most ``limit``)."""
    start = position
    while start > 0 and position - start < limit and text[start - 1] in characters:
        start -= 1
    return start


def _email_spans(text: _Text) -> Iterator[_Span]:
    raw, folded = text.raw, text.folded
    if "@" in raw:
        for match in _EMAIL.finditer(raw):
            yield _back_over(raw, match.start(), _EMAIL_LOCAL_CHARS), match.end()
    if "at" not in folded:
        return
    for match in _EMAIL_SPELT_OUT.finditer(folded):
        if _EMAIL_LOCAL_PART_END.search(folded, max(0, match.start() - 8), match.start()):
            local_end = match.start()
            while local_end > 0 and folded[local_end - 1] in " \t":
                local_end -= 1
            yield _back_over(folded, local_end, _EMAIL_LOCAL_CHARS), match.end()
    # "jane dot smith at gmail dot com": words for the punctuation, without brackets
    for position in _word_starts(folded, "at "):
        domain = _EMAIL_WORDS_DOMAIN.match(folded, position)
        if domain is None or not (
            " dot " in domain.group("rest") or domain.group("domain") in _MAIL_PROVIDERS
        ):
            continue
        local = _EMAIL_LOCAL_WORD.search(folded, max(0, position - 64), position)
        if local is not None and local.group().split()[0] not in _FUNCTION_WORDS:
            yield local.start(), domain.end()


# ----------------------------------------------------------------------------------------------------------
# UK phone numbers: mobiles (07…) and geographic landlines (01…, 02…), national or +44 / 0044 form, with
# the usual spaces, hyphens, dots and brackets. 03/08/09 numbers are organisations' lines (council contact
# centres, the 0808 domestic abuse helpline) and may be shared freely, so they are not personal data here.

_PHONE: Final = _lazy_re(
    r"""
    (?:
        \+[ \t]?44\)?[ \t\-]?(?:\([ \t]?0[ \t]?\)[ \t]?|0[ \t]?)?   # +44, (+44), +44 (0), +44 0
      | 0044[ \t\-]?(?:\([ \t]?0[ \t]?\)[ \t]?|0[ \t]?)?            # 0044
      | \(0                                                          # (01494) 421000
      | 0                                                            # 07700 900123
    )
    (?P<number>[127](?:[ \t\-.)]{0,2}[0-9]){8,9})
    (?![0-9])
    """,
    re.VERBOSE,
)
_NON_DIGITS: Final = _lazy_re(r"[^0-9]+")


def _is_uk_personal_number(number: str) -> bool:
    digits = _NON_DIGITS.sub("", number)
    # Real numbers are written in at most four groups; "01 02 03 04 05 06" is a list.
    if len(_NON_DIGITS.findall(number)) > 3:
        return False
    if digits[0] in "27":
        return len(digits) == 10
    return len(digits) in (9, 10)  # 01…: a few areas still have nine-digit numbers


def _phone_spans(text: _Text) -> Iterator[_Span]:
    raw = text.raw
    position = 0
    while (match := _PHONE.search(raw, position)) is not None:
        start = match.start()
        if (raw[start] == "(" or _is_token_boundary(raw, start, "+")) and _is_uk_personal_number(
            match.group("number")
        ):
            yield start, match.end()
            position = match.end()
        else:
            position = start + 1


# ----------------------------------------------------------------------------------------------------------
# Full UK postcodes, found from the district digit ("HP11 2BH": the "1" after "HP"). Only real postcode
# areas count, and the inward code must use the letters Royal Mail allows, so "Q2 3rd" is no postcode. An
# outward code alone ("HP11", "the HP13 area") is a district of thousands of households and passes.

_POSTCODE_AREAS: Final = frozenset(
    _tokens(
        """
        AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY
        E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN
        LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP
        SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE
        """
    )
)
_POSTCODE_FROM_DISTRICT: Final = _lazy_re(
    r"[0-9][A-Za-z0-9]?[ \t]{0,2}(?P<inward>[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})(?![A-Za-z0-9])"
)
_ORDINAL_SUFFIXES: Final = frozenset({"st", "nd", "rd", "th"})


def _postcode_area_before(raw: str, position: int) -> str | None:
    """The one or two letters that stand as a word right before ``position``, upper-cased."""
    start = position
    while start > 0 and position - start < 3 and raw[start - 1].isascii() and raw[start - 1].isalpha():
        start -= 1
    if not 1 <= position - start <= 2 or not _is_token_boundary(raw, start):
        return None
    return raw[start:position].upper()


def _postcode_spans(text: _Text) -> Iterator[_Span]:
    raw = text.raw
    position = 0
    while (match := _POSTCODE_FROM_DISTRICT.search(raw, position)) is not None:
        position = match.start() + 1
        area = _postcode_area_before(raw, match.start())
        if area not in _POSTCODE_AREAS:
            continue
        # "B1 2nd floor", "M4 5th junction": a lower-case ordinal is not an inward code.
        if match.group("inward")[1:] in _ORDINAL_SUFFIXES:
            continue
        yield match.start() - len(area), match.end()
        position = match.end()


# ----------------------------------------------------------------------------------------------------------
# Dates of birth: a birth cue ("DOB", "D.O.B.", "date of birth", "born") followed within a few words by a
# date. A date without a cue ("event held on 12/03/2018") and an age ("aged 14") pass. "born" only counts
# with a full date: "the scheme was born in March 2018" is a figure of speech; "DOB 03/2009" is not.
# Matched in the folded text, so every pattern here is lower-case.

_MONTH: Final = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])"
)
_DAY_SUFFIX: Final = r"(?:st|nd|rd|th)?"
# Each pattern starts with a digit or a month so the regex engine can skip ahead; the look-behinds that
# keep "112/03/2009" out sit after that first character.
_ONE_OR_TWO_DIGITS: Final = r"[0-9](?<![0-9]{2})(?<![0-9][/.\-][0-9])[0-9]?"
_FULL_DATES: Final = (
    # 12/03/2009, 12-03-09, 12.03.2009
    _lazy_re(
        rf"(?P<d>{_ONE_OR_TWO_DIGITS})[ \t]?(?P<sep>[/.\-])[ \t]?(?P<m>[0-9]{{1,2}})[ \t]?(?P=sep)[ \t]?"
        r"(?:[0-9]{4}|[0-9]{2})(?![0-9])"
    ),
    # 2009-03-12
    _lazy_re(
        r"(?:19|20)(?<![0-9]..)[0-9]{2}(?P<sep>[/.\-])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?![0-9])"
    ),
    # 12 March 2009, 12th of March 2009, 12-Mar-09
    _lazy_re(
        rf"(?P<d>{_ONE_OR_TWO_DIGITS}){_DAY_SUFFIX}(?:[ \t]+of)?[ \t\-]+{_MONTH}\.?[ \t,\-]+"
        r"(?:[0-9]{4}|['?]?[0-9]{2})(?![0-9])"
    ),
    # March 12, 2009
    _lazy_re(rf"{_MONTH}\.?[ \t]+(?P<d>[0-9]{{1,2}}){_DAY_SUFFIX},?[ \t]+[0-9]{{4}}(?![0-9])"),
)
# March 2009, 03/2009: accepted after an explicit cue ("DOB 03/2009") but not after "born".
_MONTH_YEARS: Final = (
    _lazy_re(rf"{_MONTH}\.?[ \t,]+(?:19|20)[0-9]{{2}}(?![0-9])"),
    _lazy_re(rf"(?P<m>{_ONE_OR_TWO_DIGITS})[/.\-](?:19|20)[0-9]{{2}}(?![0-9])"),
)
_DOB_CUE_STEMS: Final = ("dob", "d.o.b", "date", "birth", "born")
_DOB_CUE: Final = _lazy_re(
    r"(?:d\.?o\.?b\.?|date[ \t]+of[ \t]+birth|birth[ \t]?date|(?P<born>born))(?![a-z])"
)
# A full stop ends the search window only where it ends a sentence, not inside "12.03.09" or "12 Mar. 2009".
_SENTENCE_END: Final = _lazy_re(r"[!?\n]|\.(?=[ \t]*(?:$|[A-Z\n]))")
_WORD: Final = _lazy_re(r"[a-z]+")
_DATE_JUST_BEFORE_CUE: Final = _lazy_re(r"[ \t]?\(?")
_DOB_MAX_WORDS_BETWEEN: Final = 4
_DOB_WINDOW: Final = 60


@dataclass(frozen=True, slots=True)
class _DateSpan:
    start: int
    end: int
    full: bool  # day, month and year; False for month and year only


def _date_is_valid(match: re.Match[str]) -> bool:
    groups = match.groupdict()
    day, month = groups.get("d"), groups.get("m")
    if match.re is _FULL_DATES[0] and day is not None and month is not None:
        # dd/mm/yy, or mm/dd/yy from someone used to US forms
        a, b = int(day), int(month)
        return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)
    if month is not None and not 1 <= int(month) <= 12:
        return False
    return day is None or 1 <= int(day) <= 31


def _date_spans(folded: str) -> list[_DateSpan]:
    spans = [
        _DateSpan(match.start(), match.end(), full)
        for patterns, full in ((_FULL_DATES, True), (_MONTH_YEARS, False))
        for pattern in patterns
        for match in pattern.finditer(folded)
        if _date_is_valid(match)
    ]
    spans.sort(key=lambda span: span.start)
    return spans


def _date_of_birth_spans(text: _Text) -> Iterator[_Span]:
    folded = text.folded
    cues = sorted({position for stem in _DOB_CUE_STEMS for position in _word_starts(folded, stem)})
    if not cues:
        return
    dates = _date_spans(folded)
    starts = [span.start for span in dates]
    for position in cues:
        cue = _DOB_CUE.match(folded, position)
        if cue is None:
            continue
        explicit = cue.group("born") is None
        index = bisect_left(starts, cue.end())
        while index < len(dates) and dates[index].start <= cue.end() + _DOB_WINDOW:
            span = dates[index]
            index += 1
            if not (span.full or explicit):
                continue
            # endpos one past the date's start, so that "approx. 12 March" is not read as a sentence end
            if _SENTENCE_END.search(text.raw, cue.end(), span.start + 1):
                break
            if len(_WORD.findall(folded, cue.end(), span.start)) <= _DOB_MAX_WORDS_BETWEEN:
                yield span.start, span.end
                break
        if explicit:  # "12/03/2009 (DOB)"
            index = bisect_left(starts, position - _DOB_WINDOW)
            while index < len(dates) and dates[index].start < position:
                span = dates[index]
                index += 1
                if span.full and _DATE_JUST_BEFORE_CUE.fullmatch(folded, span.end, position):
                    yield span.start, span.end


# ----------------------------------------------------------------------------------------------------------
# NHS numbers: ten digits, optionally grouped 3-3-4, whose tenth digit is the modulus-11 check digit.
# About one random ten-digit number in eleven passes the check, which is why only valid ones are flagged.

_NHS: Final = _lazy_re(
    r"[0-9](?<![0-9][0-9])(?<![0-9][.,/\-][0-9])[0-9]{2}[ \-]?[0-9]{3}[ \-]?[0-9]{4}(?![0-9])(?![.,/\-][0-9])"
)
_NHS_WEIGHTS: Final = tuple(range(10, 1, -1))


def _nhs_check_digit_ok(digits: str) -> bool:
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], _NHS_WEIGHTS, strict=True))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(digits[9])


def _nhs_number_spans(text: _Text) -> Iterator[_Span]:
    for match in _NHS.finditer(text.raw):
        if _nhs_check_digit_ok(_NON_DIGITS.sub("", match.group())):
            yield match.start(), match.end()


# ----------------------------------------------------------------------------------------------------------
# Police and case references. Some shapes are distinctive on their own: a crime number "43/12345/18" or
# "CR/12345/19", a case file URN "43AB1234567", a PNC ID "18/123456A", a CRO number "123456/18A". Anything
# else needs a cue such as "case ref", "crime no", "MARAC ref" or "CRN" before a token containing digits.
# "DHR", "MARAC", "Section 35", "2017/18" and action codes like "P1.3" carry no cue and pass.

_REFERENCE_FROM_DIGIT: Final = _lazy_re(
    r"""
    [0-9](?<![\w/][0-9])
    (?:
        [0-9]/(?P<crn_middle>[0-9]{4,7})/(?P<crn_year>[0-9]{2})    # crime number 43/12345/18
      | [0-9][A-Z]{2}[0-9]{7}                                      # case file URN 43AB1234567
      | [0-9]/[0-9]{4,7}[A-Z]                                      # PNC ID 18/123456A
      | [0-9]{4,5}/[0-9]{2}[A-Z]                                   # CRO number 123456/18A
    )
    (?![\w/])
    """,
    re.VERBOSE,
)
# The "/12345/19" of "CR/12345/19"; the letters in front are checked separately.
_REFERENCE_AFTER_LETTERS: Final = _lazy_re(r"/[0-9]{5,8}/[0-9]{2,4}(?![\w/])")
_REFERENCE_CUE_STEMS: Final = (
    "case", "crime", "marac", "dhr", "mappa", "incident", "occurrence", "log", "niche", "custody", "ref",
    "crn", "urn", "pnc", "cro",
)  # fmt: skip
_REFERENCE_CUE: Final = _lazy_re(
    r"""
    (?:
        (?:case|crime|marac|dhr|mappa|incident|occurrence|log|referral|niche|custody|ref|reference)
        \.?[ \t]*(?:ref(?:erence)?|no|num(?:ber)?|id)(?![a-z])\.?
        (?:[ \t]*(?:no|num(?:ber)?)(?![a-z])\.?)?                   # crime reference number
      | (?:case|crime|marac|dhr|incident|referral)[ \t]*\#
      | (?P<acronym>crn|urn|pnc(?:[ \t]*id)?|cro)(?![a-z])
    )
    [ \t]*(?:[:#=\-?][ \t]*|(?:is|was)[ \t]+)?
    (?P<token>[a-z0-9][a-z0-9/\-]{0,30})
    (?![a-z0-9/%])
    """,
    re.VERBOSE,
)
_LETTER: Final = _lazy_re(r"[a-z]")
_FIVE_DIGITS: Final = _lazy_re(r"[0-9]{5}")


def _looks_like_identifier(token: str, *, acronym_cue: bool) -> bool:
    if not _DIGIT.search(token) or _is_year_or_financial_year(token):
        return False
    if not acronym_cue:
        return True
    # "CRN", "URN", "PNC" and "CRO" also appear in ordinary sentences ("PNC 35 checks"), so after them only an
    # ID-shaped token counts: one with a slash, letters and digits mixed, or a long run of digits.
    return "/" in token or _LETTER.search(token) is not None or _FIVE_DIGITS.search(token) is not None


def _uppercase_prefix_length(raw: str, position: int) -> int:
    start = position
    while start > 0 and position - start <= 4 and "A" <= raw[start - 1] <= "Z":
        start -= 1
    return position - start if _is_token_boundary(raw, start, "/") else 0


def _case_reference_spans(text: _Text) -> Iterator[_Span]:
    raw, folded = text.raw, text.folded
    for match in _REFERENCE_FROM_DIGIT.finditer(raw):
        middle, year = match.group("crn_middle"), match.group("crn_year")
        if middle is None or not _is_year_or_financial_year(f"{middle}/{year}"):
            yield match.start(), match.end()
    for match in _REFERENCE_AFTER_LETTERS.finditer(raw):
        prefix = _uppercase_prefix_length(raw, match.start())
        if 2 <= prefix <= 4:
            yield match.start() - prefix, match.end()
    for stem in _REFERENCE_CUE_STEMS:
        for position in _word_starts(folded, stem):
            match = _REFERENCE_CUE.match(folded, position)
            if match is not None and _looks_like_identifier(
                match.group("token"), acronym_cue=match.group("acronym") is not None
            ):
                yield match.start("token"), match.end("token")


# ----------------------------------------------------------------------------------------------------------
# Named people: a role word ("victim", "suspect", "child" …) followed by a capitalised name, or a title
# ("Mrs", "Dr" …) followed by a surname.
#
# The partnership's own vocabulary puts capitalised nouns after exactly these role words: "Victim Support",
# "Integrated Offender Management", "Child Sexual Exploitation", "Witness Care Unit", "Suspect Interview".
# A capitalised word cannot tell a name from a service, so the lists below hold the words that follow role
# words in service, team, scheme, legislation and statistics names, in Title Case headings and in demographic
# breakdowns ("Victims: White British 72%"). A candidate whose first word is listed is not a name; nor is a
# two-word candidate whose second word is ("Rahab Project", "Hotel Watch"), unless that word is also a common
# surname ("Jane White"). When a legitimate phrase is refused, add its word here; never add given names
# ("Grace", "Christian" and months go in _AMBIGUOUS_FIRST_NAMES instead).


def _words(text: str) -> frozenset[str]:
    return frozenset(word.casefold() for word in _tokens(text))


# Nouns and adjectives of services, teams, schemes, legislation, roles, places and statistics labels.
_SERVICE_WORDS: Final = _words(
    """
    Management Manager Managers Managing Support Supported Supporting Supporter Service Services
    Exploitation Exploited Protection Protected Protecting Care Carer Carers Caring Unit Units Team Teams
    Panel Panels Scheme Schemes Programme Programmes Program Programs Order Orders Hub Hubs Board Boards
    Group Groups Safeguarding Safeguard Abuse Abused Mental Health Healthcare Sexual Sexually Criminal
    Criminals Code Codes Contract Contracts Champion Champions Advocate Advocates Advocacy Liaison Officer
    Officers Centre Centres Center Strategy Strategies Strategic Plan Plans Planning Act Acts Review Reviews
    Commissioner Commissioners Commission Commissioning Commissioned Committee Council Councils Police
    Policing Partnership Partnerships Partner Partners Network Networks Forum Forums Fora Agency Agencies
    Authority Authorities Department Directorate Trust Trusts Foundation Project Projects Initiative
    Initiatives Pathway Pathways Framework Policy Policies Protocol Protocols Procedure Procedures Guidance
    Guide Standard Standards Assessment Assessments Audit Audits Survey Surveys Meeting Meetings Conference
    Conferences Statement Statements Interview Interviews Interviewing Information Intelligence Referral
    Referrals Pack Packs Toolkit Kits Training Awareness Fund Funding Funded Grants Charter Pledge Register
    Registers Database System Systems Portal Helpline Helplines Hotline Line Lines Contact Contacts
    Rehabilitation Behaviour Behaviours Behavioural Engagement Intervention Interventions Diversion
    Prevention Prevent Pursue Protect Prepare Response Responses Recovery Resilience Welfare Wellbeing
    Development Education Educational Learning Housing Accommodation Justice Court Courts Crown Magistrates
    Tribunal Probation Prison Prisons Custody Bail Licence License Sentence Sentencing Disclosure Notice
    Notices Injunction Injunctions Warrant Charge Charges Case Cases Caseload Cohort Cohorts Profile
    Profiles Profiling Data Rate Rates Number Numbers Figure Figures Statistics Stats Outcome Outcomes
    Impact Personal Voice Voices Right Rights Entitlement Entitlements Lead Leads Coordinator Coordinators
    Coordination Navigator Navigators Worker Workers Practitioner Practitioners Specialist Specialists
    Director Directors Representative Representatives Volunteer Volunteers Volunteering Mentor Mentors
    Mentoring Friendly Focused Focussed Centred Led Based Involvement Participation Safety Safe Safer
    Security Secure Risk Risks Harm Harms Vulnerability Vulnerable Missing Looked Need Needs Poverty Benefit
    Benefits Maintenance Trafficking Trafficked Slavery Domestic Violence Violent Homicide Death Deaths
    Overview Crime Crimes Offending Offence Offences Offense Offenses Arrest Arrests Arrested Identification
    Identity Journey Journeys Experience Experiences Satisfaction Feedback Consultation App Online Offline
    Digital Cyber Fraud Scam Scams Hate Knife Knives Weapon Weapons Drug Drugs Alcohol Substance Misuse Gang
    Gangs Organised Modern Genital Mutilation Honour Forced Marriage Stalking Harassment Coercive Control
    Controlling Trauma Informed Counselling Therapy Therapeutic Refuge Refuges Shelter Sanctuary Outreach
    Clinic Surgery Hospital Ambulance Fire Rescue Emergency Tasking Problem Solving Action Actions Task Force
    Forces Operation Operations Op Watch Alert Alerts Aware Campaign Campaigns Report Reports Reporting
    Reported Record Records Recording Recorded Complaint Complaints Census Count Counts Appeal Appeals
    Hearing Hearings Trial Trials Evidence Special Measures Intermediary Intermediaries Status Advice Access
    Request Requests Privacy Consent Sharing Agreement Agreements Confidentiality Public Private Sensitive
    Official Restricted Offender Offenders Victim Victims Witness Witnesses Child Children Suspect Suspects
    Perpetrator Perpetrators Defendant Defendants Complainant Complainants Survivor Survivors Nominal
    Nominals Family Families Parent Parents Parenting Guardian Guardians Adult Adults Youth Youths Young
    Juvenile Juveniles Teenager Teenagers Teen Teens Boy Boys Girl Girls Men Women Male Males Female Females
    Man Woman People Person Persons Individual Individuals Resident Residents Community Communities
    Neighbourhood Neighbourhoods Neighbour Neighbours Local National Regional County District Borough City
    Town Village Area Areas Ward Wards Street Streets Road Roads Estate Estates School Schools College
    Colleges University Academy Nursery Hotel Hotels Business Businesses Employer Employers Retail Shop
    Shops Pub Pubs Licensed Licensing Taxi Taxis Transport Rail Bus Station Stations Repeat Repeated New
    Existing Previous Current Average Mean Median Total Totals Increase Increased Decrease Decreased Level
    Levels High Medium Low Summary Key Main General Overall Final Anti Acceptable Integrated Prolific
    Priority Priorities Multi Joint Combined Enhanced Independent Statutory Voluntary Mandatory Early Help
    Intensive Targeted Universal Complex Serious Significant Major Minor Critical Urgent Immediate Inspector
    Sergeant Constable Detective Superintendent Chief Head Deputy Assistant Senior Junior Chair Vice Member
    Members Councillor Councillors Mayor Minister Secretary Clerk Judge Magistrate Solicitor Barrister
    Prosecutor Prosecution Defence Legal Lawyer Clinical Medical Nurse Nurses Doctor Doctors Paediatric
    Paediatrician Midwife Midwives Visitor Visitors Social Teacher Teachers Headteacher Pupil Pupils Student
    Students Staff Employee Employees Colleague Colleagues Friend Friends Relative Relatives Sibling
    Siblings Brother Brothers Sister Sisters Mother Mothers Father Fathers Son Sons Daughter Daughters Baby
    Babies Infant Infants Toddler Toddlers Kid Kids Household Households Home Homes Homeless Homelessness
    House Houses Property Properties Premises Flat Flats Room Rooms Hostel Hostels Tenancy Tenant Tenants
    Landlord Landlords Association Associations Society Societies Charity Charities Organisation
    Organisations Organization Organizations Company Companies Institute Office Offices Ministry Government
    Parliament Section Sections Part Parts Schedule Regulation Regulations Rule Rules Law Laws Legislation
    Bills Template Form Forms Appendix Annex Chapter Page Pages Table Tables Chart Charts Graph Map Maps
    Dashboard Dashboards Tracker Log Logs List Lists Minutes Agenda Item Items Paper Papers Briefing
    Briefings Bulletin Newsletter Email Emails Letter Letters Phone Phones Call Calls Text Texts Message
    Messages Post Posts Website Web Media Internet Mobile Mobiles Device Devices Camera Cameras Image Images
    Photo Photos Video Videos Footage Material Materials Literature Leaflet Leaflets Poster Posters Card
    Cards Sticker Stickers Resource Resources Tool Tools Equipment Budget Budgets Cost Costs Money Cash
    Finance Finances Savings Income Value Cadet Cadets Advisory Cop Cops Dementia Channel Desistance
    Deradicalisation Radicalisation Extremism Extremist Terrorism Counter Terrorist Practice Hotelwatch
    Pubwatch Shopwatch Storenet Barnahus Place Places Centres Week Weeks Day Days Month Months Year Years
    Quarter Quarters Term Terms Holiday Holidays Half Christmas Easter Ramadan Eid Diwali Halloween Monday
    Tuesday Wednesday Thursday Friday Saturday Sunday Weekend Weekday Today Tomorrow Yesterday Morning
    Afternoon Evening Night Nightsafe
    """
)
# Grammar words, numbers and stock words that start a clause, in Title Case headings or after "Victims:".
_FUNCTION_WORDS: Final = _words(
    """
    The A An This That These Those And Or But Nor Of In On At To For From With Without By As Into Onto
    Through Throughout Within Across Upon Via Vs Versus Not Is Are Was Were Be Been Being Has Have Had Do
    Does Did Can Could Shall Should Would Might Must Who Whom Whose Which What When Where Why How If Then
    Than So Also Only Just Even Still Yet Now Here There Their Them They He She It Its His Her Hers Him We
    Us Our You Your Me My Mine Yes No None Nil Unknown Known Other Others Aged Age Ages Under Over Above
    Below Between Around About Approximately Approx Per Percent Very Non Pre Post Please Thanks Thank Update
    Updated Updates Note Notes See Re Fw Fwd Next Last First Second Third Fourth Fifth One Two Three Four
    Five Six Seven Eight Nine Ten Eleven Twelve Dozen Hundred Hundreds Thousand Thousands Million Several
    Multiple Various Numerous Few Many Most More Less Fewer All Any Some Each Every Both Either Neither Such
    Same Own Another Whole Up Down Out Off Back
    """
)
# Demographic words that head breakdowns ("Victims: White British 72%, Asian 18%").
_DEMOGRAPHIC_WORDS: Final = _words(
    """
    British English Scottish Welsh Irish European Eastern Western African Caribbean Asian White Black Mixed
    Ethnic Ethnicity Minority Pakistani Indian Bangladeshi Chinese Polish Romanian Albanian Vietnamese
    Eritrean Sudanese Syrian Afghan Iranian Iraqi Kurdish Gypsy Traveller Travellers Muslim Jewish Sikh
    Hindu Buddhist Lesbian Gay Bisexual Transgender Trans Disabled Disability Disabilities Older Elderly
    Deaf Blind Autistic Physical Emotional Financial Economic Psychological Verbal
    """
)
# Places and organisations of the partnership's area and its usual partners.
_LOCAL_PROPER_NOUNS: Final = _words(
    """
    Thames Valley Wycombe Marlow Buckinghamshire Bucks Chiltern Chilterns Risborough Princes Hughenden
    Cressex Aylesbury Keynes Oxford Oxfordshire Berkshire Reading Slough London England Wales UK Britain
    Rahab Hestia Unseen Barnardo Barnardos Samaritans Childline Crimestoppers Respect Mind Relate SafeLives
    Fearless Salvation Army Catch Aid St Saint Kingdom United Red Cross Citizens Bureau Turning Point Change
    Grow Live Choice Choices Lighthouse Rainbow
    """
)
# More words of public-sector names, found refused in Title Case names such as "Survivor Surveillance
# Cross" and "Perpetrator Nuisance Case" (a role word, an ordinary word, a word that is also a surname).
# None is in the name lexicons.
_PUBLIC_SECTOR_WORDS: Final = _words(
    """
    Accountability Active Adolescent Alliance Allocation Antisocial Application Approved Assets Assistance
    Assurance Asylum Breach Capability Caution Circle Citizen Civil Closure Cohesion Collaborative Command
    Compliance Conditional Confidential Crisis Damage Deprivation Designated Detention Dispersal Employment
    Enforcement Environmental Equality Exclusion Governance Improvement Inspection Investigation Mediation
    Monitoring Mutual Nuisance Observatory Operational Parish Patrol Peer Penalty Performance Persistent
    Primary Provider Quality Rapid Reform Reoffending Restorative Rough Rural Scrutiny Sleeping Space
    Stronger Supervision Surveillance Threat Trading Treatment Urban Warden Work
    """
)
_NOT_NAMES: Final = (
    _SERVICE_WORDS | _FUNCTION_WORDS | _DEMOGRAPHIC_WORDS | _LOCAL_PROPER_NOUNS | _PUBLIC_SECTOR_WORDS
)
# Listed words that are also common surnames: as the second word they still make a name ("Jane White").
_SURNAMES_ALSO_LISTED: Final = _words(
    """
    Black Cash Child Constable Cross Crown Day England English Friend Guard Head House Irish Judge Law London
    Major Marlow Mayor Money Nurse Oxford Page Parent Reading Sergeant Street Wales Ward Welsh White Young
    """
)
# Words that are also given names ("May Jones", "Will Smith") but after a role word are more often months,
# seasons or ordinary words ("victims supported May to June", "the Victims Bill", "Victims Grant Scheme"):
# they count as a first name only when a surname follows.
_AMBIGUOUS_FIRST_NAMES: Final = _words(
    """
    January February March April May June July August September October November December Jan Feb Mar Apr
    Jun Jul Aug Sep Sept Oct Nov Dec Spring Summer Autumn Winter Will Bill Grant Christian Roma Grace Hope
    Faith Joy Dawn Rose Holly Ivy Crystal Amber Ruby Pearl Iris Sky Star Angel Chase Hunter Kit
    """
)


# ----------------------------------------------------------------------------------------------------------
# Name lexicons (bot/data/names, with their sources and licences). A capitalised word cannot tell a name from
# a service, a place or a heading; a lexicon can, for the names people in England mostly have. A word that
# is both a given name and an ordinary word ("Grace", "Will", "Lane") counts only with a surname after it.


def _load_names(filename: str) -> frozenset[str]:
    text = resources.files("bot").joinpath("data", "names", filename).read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


_GIVEN_NAMES: Final = _load_names("given_names.txt")
_SURNAMES: Final = _load_names("surnames.txt")
_COMMON_WORD_GIVEN_NAMES: Final = _words(
    """
    Lane Dale Glen Drew Ray Max Guy Pat Rob Sue Dean Earl Gene Art Bob Frank Mark Jack Penny Sandy Rusty Buck
    Cliff Rock Stone River Forest Reed Rowan Ash Hazel Olive Violet Poppy Daisy Willow Saffron Eden Jordan
    Chelsea Florence Victoria India Paris Sydney Austin Lincoln Devon Kent Georgia Carolina Virginia Madison
    Brooklyn Trinity Unity Destiny Harmony Precious Blessing Patience Constance Prudence Major King Prince
    Duke Royal Rich Miles Norman Carol Heather Jade April Autumn Summer Misty Stormy Sunny Page Baker Hall
    Harper Mason Tanner Taylor Carter Cooper Porter Parker Fletcher Archer Hunter Ward Wade Chance Cash Price
    Sterling Marshall Bishop Dean Deacon Pastor Abbey Chapel Church Lowe Young Long Short Bell Best Lee Ben
    """
)
# May Jones, Will Smith: a given name only when a surname follows.
_AMBIGUOUS_GIVEN_NAMES: Final = (
    _AMBIGUOUS_FIRST_NAMES | _COMMON_WORD_GIVEN_NAMES | (_GIVEN_NAMES & _NOT_NAMES)
) & (_GIVEN_NAMES | _AMBIGUOUS_FIRST_NAMES)
_STRONG_GIVEN_NAMES: Final = _GIVEN_NAMES - _AMBIGUOUS_GIVEN_NAMES
_MONTHS_AND_SEASONS: Final = _words(
    """
    January February March April May June July August September October November December Jan Feb Mar Apr
    Jun Jul Aug Sep Sept Oct Nov Dec Spring Summer Autumn Winter
    """
)
# What a place, a building or a thing named after a person is called: "the Jane Austen Lecture Theatre",
# "John Hampden Grammar School", "Stephen Lawrence Day", "the Jo Cox Foundation", "Albert Street".
_NAMED_AFTER_WORDS: Final = _words(
    """
    Room Rooms Theatre Lecture Hall Halls Building Buildings Centre Center House School Academy College
    University Grammar Library Court Foundation Trust Fund Award Awards Day Prize Memorial Park Gardens Road
    Street Way Avenue Close Lane Drive Wing Suite Clinic Hospital Hospice Institute Stadium Arena Pavilion
    Field Fields Law Laws Act Scheme Programme Project Report Review Inquiry Rule Principle Test Syndrome
    Gallery Museum Bridge Tower Estate Lodge Crescent Place Square Terrace Row Walk Mews Rise Grove Parade
    Green Common Heath Marsh End Bottom Vale Wood Woods Hill Cross Gate Way Lecture Ward Unit Primary Junior
    Infant Infants Nursery Medical Surgery Practice Church Chapel Mosque Temple Gurdwara Synagogue Chambers
    Arms Inn Tavern Bar Club Society Lectures Fellowship Scholarship Medal Cup Trophy Stand Lodge Shield
    Building Recreation Ground Playing Memorial Statue Bequest Charity Appeal Line Station Airport Centre
    """
)
# "Sir William Ramsay School", "Queen Elizabeth II", "St John Ambulance": not someone in a case.
_HONORIFICS_BEFORE: Final = _words(
    """
    Sir Dame Lord Lady King Queen Prince Princess Duke Duchess Earl Saint St Pope Archbishop Bishop Reverend
    Rev Canon Father Fr
    """
)
# A public office holder signing or presenting ("Karen Smith, Chief Executive"; "Cllr Jane Smith"): the
# partnership's own officials, named in their role, are not case data.
_OFFICE_WORDS: Final = _words(
    """
    Chief Chair Chairman Chairwoman Chairperson Head Director Leader Councillor Councillors Cllr Cabinet Mayor
    Commissioner Manager Officer Inspector Insp Superintendent Supt Sergeant Sgt Constable Deputy Assistant
    Portfolio MP Minister Secretary Clerk Coordinator Lead Executive Principal Headteacher Governor PCC
    Commander Chairs Team Member Vice President Trustee CEO
    """
)
_STREET_TYPES: Final = (
    "road|rd|street|st|avenue|ave|lane|ln|close|way|drive|dr|crescent|cres|gardens|gdns|court|ct|place|pl"
    "|terrace|hill|grove|walk|mews|rise|view|parade|square|sq|row|green|end|park|vale|gate|wharf|yard"
    "|meadow|meadows|fields|croft|chase|approach|boulevard|circus|dell|glade|hollow|orchard|path|ridge"
    "|side|spur|wynd|bank|common|heath"
)
_NAMED_BUILDING_TYPES: Final = (
    "house|court|lodge|tower|towers|mansions|apartments|heights|point|buildings|block|hall|villas|cottages"
    "|cottage|flats|chambers|place|gardens|walk|rise|view|close"
)
_RELATIVE_WORDS: Final = _words(
    """
    mum mother dad father son daughter partner boyfriend girlfriend husband wife ex brother sister nan
    grandmother grandfather grandad grandma auntie aunt uncle cousin stepdad stepmum baby kids children child
    friend carer family house home flat
    """
)

# ----------------------------------------------------------------------------------------------------------
# Named people. Four cues: a role word ("victim", "suspect", "pupil" …), a contact verb ("met", "visited",
# "rang" …), a title ("Mrs", "Dr" …) or an age; and one pattern without a cue, a lexicon given name followed
# by a surname ("Jane Doe attended"). Role cues work in any case and across punctuation ("the victim, Jane
# Smith"; "VICTIM JANE SMITH"); after a role word a capitalised word that is not in the lexicon counts only
# when the connector says it is a name ("victim: Zoë", "the victim is Zoë"), so "Victim Penalty" passes.

_ROLE_STEMS: Final = (
    "victim", "suspect", "perp", "offender", "witness", "child", "complainant", "defendant", "survivor",
    "nominal", "accused", "pupil", "caller", "misper", "young person", "mum", "dad", "mother", "father",
    "son", "daughter", "girl", "boy", "parent", "resident", "tenant", "neighbour", "youth", "teen",
    "brother", "sister", "partner", "boyfriend", "girlfriend", "husband", "wife", "student", "client",
    "person", "man", "woman", "patient", "applicant", "claimant", "driver", "missing", "arrested",
)  # fmt: skip
_ROLE_WORD: Final = _lazy_re(
    r"(?:victims?|suspects?|perp(?:etrator)?s?|offenders?|witness(?:es)?|child(?:ren)?|complainants?"
    r"|defendants?|survivors?|nominals?|accused|pupils?|callers?|mispers?|young[ \t]+persons?|mum|dad"
    r"|mother|father|sons?|daughters?|girls?|boys?|parents?|residents?|tenants?|neighbours?|youths?"
    r"|teen(?:ager)?s?|brothers?|sisters?|partners?|ex-partners?|boyfriend|girlfriend|husband|wife"
    r"|students?|clients?|person|man|woman|patients?|applicants?|claimants?|driver|missing|arrested"
    r"|met(?:[ \t]+with)?|visited|spoke[ \t]+(?:to|with)|speaking[ \t]+(?:to|with)|rang|phoned|called"
    r"|contacted|emailed|texted|saw|interviewed|cautioned|charged|referred|supporting|supported|helped"
    r"|advised|told|warned|arrest[ \t]+of|referral[ \t]+for|referral[ \t]+of)(?![a-z])"
)
# Contact verbs: "met Sarah", "visited Chloe", "rang Sam Taylor". Found from their first letters.
_VERB_STEMS: Final = (
    "met", "visited", "spoke", "speaking", "rang", "phoned", "called", "contacted", "emailed", "texted", "saw",
    "interviewed", "cautioned", "charged", "referred", "supporting", "supported", "helped", "advised", "told",
    "warned", "arrest", "referral",
)  # fmt: skip
# What may sit between a role word and the name: "victim Jane", "victim: Jane", "victim - Jane", "the
# victim, Jane", "victim (Jane", "victim is Jane", "victim named Jane", "victim's name is Jane". Matched in the
# folded text, where "?" stands for any non-ASCII character such as an en dash or a curly apostrophe. The
# group "explicit" is set when the connector itself says a name follows.
_ROLE_CONNECTOR: Final = _lazy_re(
    r"(?P<name_word>['?]s[ \t]+name)?"
    r"(?:(?P<colon>[ \t]*[:\-?][ \t]*)|[ \t]*[,;(][ \t]*|[ \t]+)"
    r"(?P<said>(?:(?:is|was|named|called|known[ \t]+as|aka|name)[ \t]*[:\-?]?[ \t]+){1,2})?"
)
_TITLE: Final = _lazy_re(r"(?:Mrs?|Ms|Miss|Mx|Dr)\.?[ \t]+")

_UPPER: Final = "A-ZÀ-ÖØ-Þ"
_LOWER: Final = "a-zß-öø-ÿ"
# Jane, O'Brien, McDonald, Smith-Jones, Zoë
_NAME_WORD_PATTERN: Final = (
    rf"(?:[{_UPPER}]['’])?[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?(?:-[{_UPPER}][{_LOWER}]+)?"
    rf"(?![{_UPPER}{_LOWER}0-9])"
)
_NAME_WORD: Final = _lazy_re(_NAME_WORD_PATTERN)
_SURNAME_IN_CAPITALS: Final = _lazy_re(r"[A-Z]{2,}(?![A-Za-z0-9])")
_NEXT_NAME_WORD: Final = _lazy_re(rf"[ \t]+(?P<word>{_NAME_WORD_PATTERN}|[A-Z]{{2,}}(?![A-Za-z0-9]))")
# "J. Bloggs", "J Bloggs", "J.P. Smith", "J SMITH": initials, then a surname.
_INITIALS_AND_SURNAME: Final = _lazy_re(
    rf"(?:[A-Z](?:\.[ \t]*|[ \t]+)){{1,2}}(?P<surname>{_NAME_WORD_PATTERN}|[A-Z]{{2,}}(?![A-Za-z0-9]))"
)
_LOWER_INITIAL_AND_SURNAME: Final = _lazy_re(r"[a-z]\.[ \t]*(?P<surname>[a-z][a-z'\-]+)(?![a-z])")
# Any word in any case, in the folded text: "jane", "o'brien", "smith-jones".
_ANY_WORD: Final = _lazy_re(r"[a-z](?:[a-z]|['?\-](?=[a-z]))*(?![a-z0-9])")
_NEXT_ANY_WORD: Final = _lazy_re(r"[ \t]+(?P<word>[a-z](?:[a-z]|['?\-](?=[a-z]))*)(?![a-z0-9])")
_CAPITALISED_WORD: Final = _lazy_re(rf"[{_UPPER}](?:[{_LOWER}]+|[{_UPPER}]+)")
# An age right after a name or a person word: "Chloe, 14", "Liam (14)", "Warren Jenkins aged 41",
# "Ryan Lee 17 yrs", "Man, 60s,". A range or a count ("aged 14-17", "girls, 12 to 15", "14%") is no age.
_AGE_AFTER: Final = _lazy_re(
    r"(?:[ \t]*,[ \t]*(?:aged?[ \t]+)?|[ \t]*\([ \t]*(?:aged?[ \t]+)?|[ \t]+aged?[ \t]+|[ \t]+(?=[0-9]{1,2}[ \t]*(?:yrs?|years|yo)))"
    r"(?P<age>[0-9]{1,2}s?)(?:[ \t]*(?:yrs?|years?(?:[ \t]+old)?|yo|y/o))?"
    r"(?![0-9%/:.,]?[0-9])(?![ \t]*(?:-|to|and|or|\+|%|x)[ \t]*[0-9])(?![ \t]*(?:hours|hrs|mins|days|weeks|months|am|pm|times|of|per|percent))"
    # a threshold in a rule is no one's age: "a person aged 12 or over", "anyone aged 18 and above"
    r"(?![ \t]*(?:or|and)[ \t]+(?:over|above|under|below|older|younger|more|less)(?![a-z]))"
)
_AGED_NAME: Final = _lazy_re(r"aged?[ \t]+[0-9]{1,2}[ \t]*,[ \t]*")


def _can_be_surname(word: str) -> bool:
    folded = word.casefold()
    return folded not in _NOT_NAMES or folded in _SURNAMES_ALSO_LISTED


def _name_starts_at(raw: str, position: int) -> bool:
    """Whether a person's name (one or two capitalised words, or initials and a surname) starts here."""
    first = _NAME_WORD.match(raw, position)
    if first is not None:
        word = first.group().casefold()
        if word in _NOT_NAMES:
            return False
        following = _NEXT_NAME_WORD.match(raw, first.end())
        if following is not None:
            # "Rahab Project", "Hotel Watch": a proper noun heading a descriptor, not a forename and surname.
            return _can_be_surname(following.group("word"))
        return word not in _AMBIGUOUS_FIRST_NAMES
    # A lone capital ("Child A", "Victim X") is the anonymising convention of published reviews and passes.
    initials = _INITIALS_AND_SURNAME.match(raw, position)
    return initials is not None and _can_be_surname(initials.group("surname"))


def _name_end(raw: str, position: int) -> int:
    """The end of the name starting at ``position``: its first word and a following capitalised word."""
    first = _NAME_WORD.match(raw, position) or _INITIALS_AND_SURNAME.match(raw, position)
    if first is None:
        return position
    following = _NEXT_NAME_WORD.match(raw, first.end())
    if following is not None and _can_be_surname(following.group("word")):
        return following.end()
    return first.end()


def _surname_span_at(raw: str, position: int) -> _Span | None:
    """After a title almost any capitalised word is a surname: "Mrs Smith", "Mr J. Smith", "Dr SMITH"."""
    initials = _INITIALS_AND_SURNAME.match(raw, position)
    match = initials or _NAME_WORD.match(raw, position) or _SURNAME_IN_CAPITALS.match(raw, position)
    if match is None:
        return None
    surname = initials.group("surname") if initials is not None else match.group()
    return None if surname.casefold() in _FUNCTION_WORDS else (position, match.end())


def _lexicon_name_at(text: _Text, position: int) -> _Span | None:
    """A name in any case at ``position``: a given name from the lexicon (an ambiguous one only with a surname
    after it), with the surname if there is one. Works on the folded text, so "JANE SMITH" and "jane smith"
    are found as well as "Jane Smith"."""
    folded = text.folded
    first = _ANY_WORD.match(folded, position)
    if first is None:
        return None
    word = first.group()
    following = _NEXT_ANY_WORD.match(folded, first.end())
    surname = following is not None and following.group("word") in _SURNAMES
    if word in _STRONG_GIVEN_NAMES:
        return (position, following.end() if surname and following is not None else first.end())
    if surname and following is not None and word in _AMBIGUOUS_GIVEN_NAMES:
        return position, following.end()  # "victim May Jones"
    return None


def _role_cue_spans(text: _Text) -> Iterator[_Span]:
    raw, folded = text.raw, text.folded
    for stem in _CUE_STEMS:
        if stem not in folded:  # most stems are in no given text: skip them without a generator each
            continue
        for position in _word_starts(folded, stem):
            role = _ROLE_WORD.match(folded, position)
            if role is None:
                continue
            connector = _ROLE_CONNECTOR.match(folded, role.end())
            if connector is None:
                continue
            start = connector.end()
            found = _lexicon_name_at(text, start)
            if found is not None:
                yield found
                continue
            lower_initial = _LOWER_INITIAL_AND_SURNAME.match(folded, start)
            if lower_initial is not None and lower_initial.group("surname") in _SURNAMES:
                yield start, lower_initial.end()
                continue
            explicit = any(connector.group(group) for group in ("name_word", "colon", "said"))
            is_role = not _VERB_STEMS_SET.intersection(role.group().split()[:1])
            if is_role and explicit and _name_starts_at(raw, start):
                yield start, _name_end(raw, start)
                continue
            initials = _INITIALS_AND_SURNAME.match(raw, start)
            if is_role and initials is not None and _can_be_surname(initials.group("surname")):
                yield start, initials.end()
                continue
            # "victim Zbigniew Kowalski": a capitalised pair whose second word is a known surname
            first = _NAME_WORD.match(raw, start)
            if is_role and first is not None and first.group().casefold() not in _NOT_NAMES:
                following = _NEXT_NAME_WORD.match(raw, first.end())
                if following is not None and following.group("word").casefold() in _SURNAMES:
                    yield start, following.end()


_VERB_STEMS_SET: Final = frozenset(_VERB_STEMS)
_CUE_STEMS: Final = _ROLE_STEMS + _VERB_STEMS


def _title_spans(text: _Text) -> Iterator[_Span]:
    raw = text.raw
    for title in _TITLE.finditer(raw):
        if _is_token_boundary(raw, title.start()):
            found = _surname_span_at(raw, title.end())
            if found is not None:
                yield title.start(), found[1]


def _word_before(raw: str, position: int) -> str:
    """The word that ends just before ``position`` (after spaces), casefolded; "" if none."""
    end = position
    while end > 0 and raw[end - 1] in " \t":
        end -= 1
    start = end
    while start > 0 and (raw[start - 1].isalpha() or raw[start - 1] in ".'’"):
        start -= 1
    return raw[start:end].strip(".").casefold()


_AFTER_NAME_OFFICE: Final = _lazy_re(r"[ \t]*(?:,|\n|\r\n|[ \t]-|–|\()[ \t\n]*(?P<word>[A-Za-z]+)")


def _in_office(raw: str, start: int, end: int) -> bool:
    """ "Karen Smith, Chief Executive", "Cllr Jane Smith", "Elaine Jones\nChair of the partnership"."""
    if _word_before(raw, start) in _OFFICE_WORDS:
        return True
    after = _AFTER_NAME_OFFICE.match(raw, end)
    return after is not None and after.group("word").casefold() in _OFFICE_WORDS


# Charities, shops and days named after someone that partnerships work with or mention ("Sue Ryder shop",
# "Marie Curie nurses", "John Lewis staff"): a person's name, but not someone in a case.
_NAMED_ORGANISATIONS: Final = frozenset(
    (
        "john lewis", "marie curie", "sue ryder", "harvey nichols", "ted baker", "jack petchey",
        "ronald mcdonald", "anne frank", "stephen lawrence", "jo cox", "suzy lamplugh", "lucy faithfull",
        "martin luther", "florence nightingale", "william wilberforce", "amy winehouse", "harry potter",
        "henry moore", "laura ashley", "ben sherman", "tommy hilfiger", "calvin klein", "michael kors",
    )
)  # fmt: skip


def _named_after(raw: str, start: int, end: int) -> bool:
    """ "the Jane Austen Lecture Theatre", "Sir William Ramsay School", "Queen Elizabeth II", "Marie Curie"."""
    if _word_before(raw, start) in _HONORIFICS_BEFORE:
        return True
    if " ".join(raw[start:end].casefold().split()) in _NAMED_ORGANISATIONS:
        return True
    position = end
    for _ in range(2):  # "Stephen Lawrence Day", "Martin Luther King Day"
        following = _NEXT_NAME_WORD.match(raw, position)
        if following is None:
            return False
        word = following.group("word")
        if word.casefold() in _NAMED_AFTER_WORDS or word in {"II", "III", "IV", "VI", "VII", "VIII"}:
            return True
        position = following.end()
    return False


def _follows_capitalised_given_name(raw: str, position: int) -> bool:
    end = position
    while end > 0 and raw[end - 1] in " \t":
        end -= 1
    if end == position:
        return False
    start = end
    while start > 0 and raw[start - 1].isalpha():
        start -= 1
    return start < end and raw[start].isupper() and raw[start:end].casefold() in _GIVEN_NAMES


# Every given name in the lexicons is ASCII letters, so a bare name can only start at a word (a run of letters)
# that is one: a text with no such word is passed over in one scan (most of a glossary's texts).
_FIRST_NAME_WORDS: Final = _GIVEN_NAMES | _AMBIGUOUS_FIRST_NAMES
_FIRST_NAMES_ARE_ASCII_WORDS: Final = all(name.isascii() and name.isalpha() for name in _FIRST_NAME_WORDS)
_ASCII_LETTERS: Final = _lazy_re(r"[a-z]+")
_ASCII_LETTERS_ANY_CASE: Final = _lazy_re(r"[A-Za-z]+")
_LATIN_LETTERS: Final = _lazy_re(rf"[{_UPPER}{_LOWER}]+")


def _may_hold_given_name(raw: str) -> bool:
    """Whether a word of ``raw`` is a given name of the lexicons: the words the name patterns can match are
    runs of Latin letters (casefolded: "Roß" is "ross") or of ASCII letters ("JANÉ" holds "JAN")."""
    if not _FIRST_NAMES_ARE_ASCII_WORDS:
        return True
    if raw.isascii():
        words = set(_ASCII_LETTERS.findall(raw.lower()))
    else:  # runs taken from the text itself: lower() can turn a character after one into ASCII ("İ")
        words = {word.lower() for word in _ASCII_LETTERS_ANY_CASE.findall(raw)}
        words.update(word.casefold() for word in _LATIN_LETTERS.findall(raw))
    return not _FIRST_NAME_WORDS.isdisjoint(words)


def _bare_name_spans(text: _Text) -> Iterator[_Span]:
    """A given name and a surname with no cue: "Jane Doe attended", "Met Sarah Jones", "JANE SMITH"."""
    if _may_hold_given_name(text.raw):
        yield from _bare_name_pairs(text)


def _bare_name_pairs(text: _Text) -> Iterator[_Span]:
    raw = text.raw
    for match in _CAPITALISED_WORD.finditer(raw):
        start = match.start()
        if not _is_token_boundary(raw, start):
            continue
        first = _NAME_WORD.match(raw, start) or _SURNAME_IN_CAPITALS.match(raw, start)
        if first is None:
            continue
        word = first.group().casefold()
        if word not in _GIVEN_NAMES and word not in _AMBIGUOUS_FIRST_NAMES:
            continue
        if _follows_capitalised_given_name(raw, start):
            continue  # "Stephen Lawrence Day": the pair was judged from "Stephen"
        following = _NEXT_NAME_WORD.match(raw, first.end())
        if following is None:
            continue
        second = following.group("word")
        second_folded = second.casefold()
        capitals = first.group().isupper() or second.isupper()
        if second_folded in _NAMED_AFTER_WORDS and (
            second_folded not in _SURNAMES or word not in _STRONG_GIVEN_NAMES
        ):
            continue
        if second_folded in {"street", "road", "lane", "avenue", "close", "way", "drive", "park", "house"}:
            continue
        if word in _STRONG_GIVEN_NAMES and not capitals:
            is_name = second_folded in _SURNAMES or second_folded not in _NOT_NAMES
        else:
            is_name = second_folded in _SURNAMES and (word in _GIVEN_NAMES or not capitals)
        if (
            not is_name
            or _named_after(raw, start, following.end())
            or _in_office(raw, start, following.end())
        ):
            continue
        yield start, following.end()
    # all lower case: "jane smith 34 victim". Both words must be in the lexicons, the first unambiguous.
    for match in _LOWER_PAIR.finditer(raw):
        first_word, second_word = match.group("first"), match.group("second")
        if (
            first_word in _STRONG_GIVEN_NAMES
            and second_word in _SURNAMES
            and second_word not in _NOT_NAMES
            and _is_token_boundary(raw, match.start())
        ):
            yield match.start(), match.end("second")


# The second word in a look-ahead, so that each word is tried as a first name ("the jane smith").
_LOWER_PAIR: Final = _lazy_re(r"(?P<first>[a-z]{2,})(?=[ \t]+(?P<second>[a-z]{2,})(?![a-z0-9]))")


def _age_spans(text: _Text) -> Iterator[_Span]:
    """A given name with an age: "Chloe, 14", "Liam (14)", "Jane Smith, 34", "aged 15, Callum"."""
    raw, folded = text.raw, text.folded
    if not text.has_digit:
        return
    for match in _CAPITALISED_WORD.finditer(raw):
        start = match.start()
        word = match.group().casefold()
        if word not in _GIVEN_NAMES or word in _MONTHS_AND_SEASONS or not _is_token_boundary(raw, start):
            continue
        end = match.end()
        following = _NEXT_NAME_WORD.match(raw, end)
        if following is not None and _can_be_surname(following.group("word")):
            end = following.end()
        age = _AGE_AFTER.match(folded, end)
        if age is not None:
            yield start, age.end()
    for match in _AGED_NAME.finditer(folded):
        if _starts_word(folded, match.start()):
            name = _NAME_WORD.match(raw, match.end())
            if name is not None and name.group().casefold() in _GIVEN_NAMES:
                yield match.start(), name.end()


def _named_person_spans(text: _Text) -> Iterator[_Span]:
    yield from _role_cue_spans(text)
    yield from _title_spans(text)
    yield from _bare_name_spans(text)
    yield from _age_spans(text)
    yield from _possessive_spans(text)


def _possessive_spans(text: _Text) -> Iterator[_Span]:
    """ "Amy's mum", "Kelly's partner": a given name and a relative."""
    raw = text.raw
    if "'" not in raw and "’" not in raw:
        return
    for match in _POSSESSIVE_SIMPLE.finditer(raw):
        name = match.group("name").casefold()
        if (
            name in _STRONG_GIVEN_NAMES
            and match.group("relative") in _RELATIVE_WORDS
            and _is_token_boundary(raw, match.start())
        ):
            yield match.start(), match.end("name")


_POSSESSIVE_SIMPLE: Final = _lazy_re(rf"(?P<name>[{_UPPER}][{_LOWER}]+)['’]s[ \t]+(?P<relative>[a-z]+)")


# ----------------------------------------------------------------------------------------------------------
# Families: "the Smith family", "the Khan household", "Met the Williams family". The word before "family"
# is a known surname, or any capitalised word after "the" that is not the partnership's vocabulary ("the
# Troubled Families programme" passes).

_FAMILY_STEMS: Final = ("family", "famil", "household", "clan")
_NOT_FAMILY_NAMES: Final = _words(
    """
    Troubled Royal Foster Host Adoptive Whole Extended Nuclear Blended Birth Same Early First Wider Immediate
    Affected Vulnerable Every Each Their Your Our His Her Its One Two Three Four Five Six Seven Eight Nine Ten
    Several Many Some Other Local Single Large Young Poor Working Traveller Gypsy Roma Refugee Asylum Military
    Armed Service Supported Stronger Safer Healthy Happy Families Strong
    """
)


_THE_PLURAL_SURNAME: Final = _lazy_re(r"[Tt]he[ \t]+(?P<name>[A-Z][a-z]+)s(?:'|’|(?![A-Za-z]))")
# Plurals of everyday nouns that are also surnames: before "of" they name a thing, not a family.
_PLURAL_NOUNS: Final = _words(
    """
    Powers Courts Rights Lords Friends Houses Brothers Sisters Sons Parks Fields Hills Woods Wells Halls
    Kings Bells Rivers Stones Banks Marks Gates Lanes Rhodes Knights Masters Chambers
    """
)
_OF_NEXT: Final = _lazy_re(r"[ \t]+of[ \t]")


# Surnames that are also everyday words, so that in lower case they are read as words.
_PLAIN_WORD_SURNAMES: Final = _words(
    """
    Young Brown White Black Green Gray Grey Long Little Small Good Rich Poor Wise Hill Wood King Hall Bell Best
    Strong Sharp Swift Rose Wells Little Lamb Fox Bird Baker Cook Mason Hunter Carter Parker Fisher Turner
    Walker Miller Dean Price Ward Day May Law Love Hope Foster Holiday Christmas English French
    """
)


def _family_spans(text: _Text) -> Iterator[_Span]:
    raw, folded = text.raw, text.folded
    # "the Wilsons' son", "the Smiths": a family by its surname in the plural
    for match in _THE_PLURAL_SURNAME.finditer(raw):
        name = match.group("name").casefold()
        if name + "s" in _PLURAL_NOUNS and _OF_NEXT.match(raw, match.end()):
            continue  # "the Powers of Criminal Courts (Sentencing) Act", "the Friends of Rye Park"
        if name in _SURNAMES and name not in _NOT_NAMES and _is_token_boundary(raw, match.start()):
            yield match.start(), match.end()
    if not any(stem in folded for stem in _FAMILY_STEMS):
        return
    for keyword in ("family", "families", "household", "households", "clan"):
        for position in _word_starts(folded, keyword):
            before = position - 1
            if before < 1 or folded[before] not in " \t":
                continue
            word_start = before
            while word_start > 0 and (folded[word_start - 1].isalpha() or folded[word_start - 1] in "'?-"):
                word_start -= 1
            name = folded[word_start:before]
            if not name or name in _NOT_FAMILY_NAMES or (name in _NOT_NAMES and name not in _SURNAMES):
                continue
            capitalised = raw[word_start].isupper()
            preceded_by_the = folded[max(0, word_start - 4) : word_start] == "the "
            if capitalised:  # "the Smith family", "the Okoro household", "visited Okoro family"
                # A service word that is also a surname ("Case Family Practice", "Ward Family Hub") is
                # capitalised as a heading is: a family only with "the" or a contact verb before it.
                is_family = (
                    (name in _SURNAMES and name not in _NOT_NAMES)
                    or preceded_by_the
                    or (
                        name not in _GIVEN_NAMES
                        and _word_before(raw, word_start) in {"met", "visited", "with"}
                    )
                )
            else:  # "the smith family"; not "the young family"
                is_family = name in _SURNAMES and name not in _NOT_NAMES and name not in _PLAIN_WORD_SURNAMES
            if not is_family:
                continue
            start = word_start - 4 if preceded_by_the else word_start
            end = position + len(keyword)
            if folded.startswith(keyword, position) and folded[end : end + 1].isalpha():
                continue
            yield start, end


# ----------------------------------------------------------------------------------------------------------
# Addresses without a postcode: a house number and a street ("22 Desborough Road", "Flat 3, 45 Totteridge
# Road", "33a Carrington Road") or a flat in a named block ("Flat 2 Kingsmead House"). A street named on its
# own ("Castle Street") is shared by hundreds of homes and passes, and so does a count before a plural
# ("12 primary schools", "20 Safer Streets").

_HOUSE_NUMBER_STREET: Final = _lazy_re(
    r"[0-9](?<![A-Za-z0-9/.£$#\-][0-9])[0-9]{0,3}[A-Za-z]?,?[ \t]+"
    r"(?:(?:[A-Z][A-Za-z'’\-]+|[a-z][a-z'’\-]+)[ \t]+){0,3}"
    rf"(?:[A-Z][A-Za-z'’\-]+|[a-z][a-z'’\-]+)[ \t]+(?i:{_STREET_TYPES})\.?(?![A-Za-z0-9])"
)
_NAMED_FLAT: Final = _lazy_re(
    r"(?i:flat|apartment|apt|unit|room)[ \t]*[0-9]{1,4}[a-z]?,?[ \t]+"
    r"(?:[A-Z][A-Za-z'’\-]+[ \t]+){1,3}"
    rf"(?i:{_NAMED_BUILDING_TYPES})(?![A-Za-z0-9])"
)
_FLAT_PREFIX: Final = _lazy_re(r"(?i:flat|apartment|apt)[ \t]*[0-9]{1,4}[a-z]?,?[ \t]*\Z")


# "from 2 The Pastures": a house number and a street named with "The", after a word of place.
_HOUSE_NUMBER_THE: Final = _lazy_re(
    r"[0-9](?<![A-Za-z0-9/.£$#\-][0-9])[0-9]{0,3}[A-Za-z]?,?[ \t]+The[ \t]+(?P<street>[A-Z][a-z]+)"
)
_PLACE_PREPOSITIONS: Final = frozenset(
    {"at", "from", "to", "of", "in", "on", "visited", "address", "outside"}
)


def _address_spans(text: _Text) -> Iterator[_Span]:
    raw = text.raw
    for match in _HOUSE_NUMBER_THE.finditer(raw):
        street = match.group("street").casefold()
        if street not in _NOT_NAMES and _word_before(raw, match.start()) in _PLACE_PREPOSITIONS:
            yield match.start(), match.end()
    for match in _HOUSE_NUMBER_STREET.finditer(raw):
        words = match.group().split()
        number = words[0].rstrip(",")
        if _YEAR.fullmatch(number) or int("".join(c for c in number if c in "0123456789") or "0") == 0:
            continue
        street_words = words[1:-1]
        # lower-case words only count when the whole address is lower case ("22 desborough road")
        if any(word[0].islower() for word in street_words) and not all(
            word[0].islower() for word in street_words
        ):
            continue
        if all(word.casefold().strip("'’") in _NOT_NAMES | _FUNCTION_WORDS for word in street_words):
            continue
        if (
            street_words
            and street_words[0][0].islower()
            and _word_before(raw, match.start())
            not in {"at", "to", "from", "of", "on", "in", "visited", "address", "lives", "living"}
        ):
            continue
        start = match.start()
        prefix = _FLAT_PREFIX.search(raw, max(0, start - 16), start)
        yield (prefix.start() if prefix is not None else start), match.end()
    for match in _NAMED_FLAT.finditer(raw):
        if _is_token_boundary(raw, match.start()):
            yield match.start(), match.end()


# ----------------------------------------------------------------------------------------------------------
# A person described by sex and age: "Victim (female, 34)", "(F, 19)", "Male, 45,", "Woman aged 34",
# "Girl, 12, at …", "Man (aged 55)". Plurals and ranges are statistics and pass ("girls aged 12 to 15",
# "men aged over 50", "young people aged 14-17").

_SEX_AGE_IN_BRACKETS: Final = _lazy_re(
    r"\([ \t]*(?:aged?[ \t]+)?(?:(?:male|female|m|f|boy|girl|man|woman)[ \t]*[,/ ][ \t]*(?:aged?[ \t]+)?[0-9]{1,2}s?"
    r"|[0-9]{1,2}s?[ \t]*(?:yrs?|years?|yo)?[ \t]*[,/ ][ \t]*(?:male|female|m|f|boy|girl))"
    r"[ \t]*(?:yrs?|years?(?:[ \t]+old)?|yo)?[ \t]*\)"
)
_PERSON_WORD: Final = _lazy_re(
    r"(?:male|female|man|woman|boy|girl|lady|gentleman|child|baby|toddler|teenager|teen|youth|juvenile"
    r"|mother|father|mum|dad|son|daughter|victim|suspect|offender|pensioner|adult|resident|tenant"
    r"|neighbour|partner|student|pupil|person|misper|perpetrator|witness|complainant)(?![a-z])"
)
_PERSON_STEMS: Final = (
    "male", "female", "man", "woman", "boy", "girl", "lady", "gentleman", "child", "baby", "toddler", "teen",
    "youth", "juvenile", "mother", "father", "mum", "dad", "son", "daughter", "victim", "suspect", "offender",
    "pensioner", "adult", "resident", "tenant", "neighbour", "partner", "student", "pupil", "person",
    "misper", "perpetrator", "witness", "complainant",
)  # fmt: skip


# "a 15-year-old", "15 yr old boy": one person's age. "14-year-olds" (a plural) is a statistic.
_YEAR_OLD: Final = _lazy_re(r"[0-9](?<![0-9]{2})[0-9]?[ \t\-]?(?:years?|yrs?|yo)[ \t\-]old(?![a-z])(?!s)")


def _described_person_spans(text: _Text) -> Iterator[_Span]:
    folded = text.folded
    if not text.has_digit:
        return
    for match in _YEAR_OLD.finditer(folded):
        if _starts_word(folded, match.start()):
            yield match.start(), match.end()
    if "(" in folded:
        for match in _SEX_AGE_IN_BRACKETS.finditer(folded):
            yield match.start(), match.end()
    for stem in _PERSON_STEMS:
        for position in _word_starts(folded, stem):
            word = _PERSON_WORD.match(folded, position)
            if word is None:
                continue
            age = _AGE_AFTER.match(folded, word.end())
            if age is not None:
                yield position, age.end()


# ----------------------------------------------------------------------------------------------------------
# UK vehicle registrations: the current format "AB12 CDE" anywhere in capitals, in any case after a cue
# ("reg", "vehicle", "car" …); the older prefix and suffix formats ("A123 BCD", "ABC 123D") after a cue.

_VRM_CURRENT: Final = (
    r"[A-HJ-PR-Y][A-HJ-PR-Y](?:0[2-9]|1[0-9]|2[0-9]|5[1-9]|6[0-9]|7[0-9])[ \t]?[A-HJ-PR-Z]{3}"
)
_VRM: Final = _lazy_re(rf"(?<![A-Za-z0-9]){_VRM_CURRENT}(?![A-Za-z0-9])")
_VRM_ANY_CASE: Final = _lazy_re(
    rf"(?<![A-Za-z0-9])(?i:{_VRM_CURRENT}|[A-HJ-PR-Y][0-9]{{1,3}}[ \t]?[A-HJ-PR-Z]{{3}}"
    r"|[A-HJ-PR-Z]{3}[ \t]?[0-9]{1,3}[A-HJ-NP-Y])(?![A-Za-z0-9])"
)
_VRM_CUE: Final = _lazy_re(
    r"(?:reg(?:istration)?(?:[ \t]*(?:no|number|mark))?|vrm|vehicle|veh|car|van|plates?|motorbike|moped"
    r"|index)(?![a-z])\.?[ \t]*[:#\-]?[ \t]*"
)
_VRM_CUE_STEMS: Final = ("reg", "vrm", "vehicle", "veh", "car", "van", "plate", "motorbike", "moped", "index")
_NOT_THIRD_GROUP: Final = frozenset(
    {
        "AND",
        "THE",
        "FOR",
        "WAS",
        "ARE",
        "NOT",
        "BUT",
        "HAD",
        "HAS",
        "OUR",
        "ALL",
        "NEW",
        "TWO",
        "SIX",
        "TEN",
        "ONE",
    }
)


def _vehicle_spans(text: _Text) -> Iterator[_Span]:
    raw, folded = text.raw, text.folded
    for match in _VRM.finditer(raw):
        if match.group()[-3:] not in _NOT_THIRD_GROUP:
            yield match.start(), match.end()
    for stem in _VRM_CUE_STEMS:
        for position in _word_starts(folded, stem):
            cue = _VRM_CUE.match(folded, position)
            if cue is not None:
                plate = _VRM_ANY_CASE.match(raw, cue.end())
                if plate is not None:
                    yield plate.start(), plate.end()


# ----------------------------------------------------------------------------------------------------------
# National Insurance numbers: two letters, six digits and a final A-D, spaced or not ("QQ 12 34 56 C").

_NI_NUMBER: Final = _lazy_re(
    r"(?<![A-Za-z0-9])(?i:[a-z]{2}[ \t]?[0-9]{2}[ \t]?[0-9]{2}[ \t]?[0-9]{2}[ \t]?[a-d])(?![A-Za-z0-9])"
)


def _ni_number_spans(text: _Text) -> Iterator[_Span]:
    for match in _NI_NUMBER.finditer(text.raw):
        yield match.start(), match.end()


# ----------------------------------------------------------------------------------------------------------
# Incident (CAD) and custody numbers: "CAD 1234", "cad number 1023", "CAD #2231", "Custody no. 43CU123456",
# "custody record 43-CU-98765". "CAD system" and "custody suite" have no number and pass; so do years.

_INCIDENT_NUMBER: Final = _lazy_re(
    r"(?P<cue>cad|custody|storm|incident|log|occurrence|job)"
    r"(?:[ \t]*(?P<marker>number|num|no|reference|ref|record|id|log|#)(?![a-z]))?\.?[ \t]*[:#\-]?[ \t]*"
    r"(?P<token>[a-z0-9][a-z0-9/\-]{2,24})(?![a-z0-9/%])"
)
_INCIDENT_STEMS: Final = ("cad", "custody", "storm", "incident", "log", "occurrence", "job")


def _incident_number_spans(text: _Text) -> Iterator[_Span]:
    folded = text.folded
    for stem in _INCIDENT_STEMS:
        for position in _word_starts(folded, stem):
            match = _INCIDENT_NUMBER.match(folded, position)
            if match is None:
                continue
            token = match.group("token")
            digits = sum(character.isdigit() for character in token)
            if digits == 0 or _is_year_or_financial_year(token) or "%" in token:
                continue
            if match.group("cue") not in {"cad", "custody"} and match.group("marker") is None:
                continue
            if digits < 3 and match.group("marker") is None:
                continue
            yield match.start("token"), match.end("token")


# ----------------------------------------------------------------------------------------------------------

_Detector = Callable[[_Text], Iterator[_Span]]
_DETECTORS: Final[tuple[tuple[PersonalDataKind, _Detector, bool], ...]] = (
    # kind, detector, whether it needs a digit somewhere in the text
    (PersonalDataKind.EMAIL, _email_spans, False),
    (PersonalDataKind.PHONE, _phone_spans, True),
    (PersonalDataKind.POSTCODE, _postcode_spans, True),
    (PersonalDataKind.ADDRESS, _address_spans, True),
    (PersonalDataKind.DATE_OF_BIRTH, _date_of_birth_spans, True),
    (PersonalDataKind.NHS_NUMBER, _nhs_number_spans, True),
    (PersonalDataKind.NI_NUMBER, _ni_number_spans, True),
    (PersonalDataKind.CASE_REFERENCE, _case_reference_spans, True),
    (PersonalDataKind.CASE_REFERENCE, _incident_number_spans, True),
    (PersonalDataKind.VEHICLE, _vehicle_spans, True),
    (PersonalDataKind.NAMED_PERSON, _named_person_spans, False),
    (PersonalDataKind.FAMILY, _family_spans, False),
    (PersonalDataKind.DESCRIBED_PERSON, _described_person_spans, True),
)


@dataclass(frozen=True, slots=True)
class _Found:
    kind: PersonalDataKind
    start: int
    end: int


def _find(subject: _Text) -> list[_Found]:
    found = [
        _Found(kind, start, end)
        for kind, detector, needs_digit in _DETECTORS
        if subject.has_digit or not needs_digit
        for start, end in detector(subject)
        if end > start
    ]
    found.sort(key=lambda item: (item.start, -item.end))
    return found


class _CleanTexts:
    """Short texts the guard passed, remembered (least recently used first out) so a query asked again
    is not checked again. Only clean texts are kept: nothing the guard refused stays in memory."""

    MAX_TEXTS = 2048
    MAX_CHARS = 200

    def __init__(self) -> None:
        self._texts: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, text: str) -> bool:
        if text not in self._texts:
            return False
        with self._lock:
            if text in self._texts:
                self._texts.move_to_end(text)
        return True

    def add(self, text: str) -> None:
        if len(text) > self.MAX_CHARS:
            return
        with self._lock:
            self._texts[text] = None
            if len(self._texts) > self.MAX_TEXTS:
                self._texts.popitem(last=False)


_CLEAN = _CleanTexts()


def find_personal_data(text: str) -> list[PersonalDataFinding]:
    """One finding per kind of personal data ``text`` seems to contain, in :class:`PersonalDataKind` order."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, not {type(text).__name__}")
    if not text:
        return []
    kinds = {item.kind for item in _find(_Text(text))}
    return [_FINDINGS[kind] for kind in PersonalDataKind if kind in kinds]


def _checked(text: str) -> list[PersonalDataFinding]:
    """``find_personal_data`` for the checks a request makes, remembering the short texts that pass
    (a look-up asked again is not checked again)."""
    if text in _CLEAN:
        return []
    findings = find_personal_data(text)
    if not findings:
        _CLEAN.add(text)
    return findings


def _masked(subject: _Text, found: list[_Found]) -> str:
    raw = subject.raw
    parts: list[str] = []
    position = 0
    for item in found:  # sorted by start, longest first
        if item.end <= position:
            continue
        start = max(item.start, position)
        parts.append(raw[position:start])
        parts.append(_MASKS[item.kind])
        position = item.end
    parts.append(raw[position:])
    return "".join(parts)


def mask_personal_data(text: str) -> str:
    """``text`` with each piece of personal data replaced by what it is: "Visited [a family] at [an address],
    High Wycombe". Only parts the guard saw are masked, so the result is checked again (and masked again
    where masking uncovered another shape); what is returned passes :func:`find_personal_data`, or is ""
    when no masking makes it pass."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, not {type(text).__name__}")
    subject = _Text(text)
    for _ in range(3):
        found = _find(subject)
        if not found:
            return subject.raw
        subject = _Text(_masked(subject, found))
    return "" if _find(subject) else subject.raw


WITHHELD: Final[str] = "[withheld: it looked like personal data]"


def screened(text: str | None) -> str | None:
    """Text fit to quote in a message others see: unchanged when it passes the guard, masked when it does
    not (rows written before a rule existed, or by the plan import), withheld when masking is not enough."""
    if not text or not find_personal_data(text):
        return text
    return mask_personal_data(text) or WITHHELD


def contains_personal_data(text: str) -> bool:
    return bool(_checked(text))


class PersonalDataError(ValueError):
    """Raised for text that looks like it contains personal data. Its message names kinds, never the text.
    ``masked`` is the text with the personal parts replaced by their kind (it passes the guard), or "" when
    there is none to offer."""

    findings: list[PersonalDataFinding]
    masked: str

    def __init__(self, findings: Iterable[PersonalDataFinding], masked: str = "") -> None:
        self.findings = list(findings)
        self.masked = masked
        descriptions = ", ".join(finding.description for finding in self.findings) or "nothing specific"
        super().__init__(f"This looks like it contains personal data: {descriptions}.")

    def __reduce__(self) -> tuple[type[PersonalDataError], tuple[list[PersonalDataFinding], str]]:
        return (type(self), (self.findings, self.masked))


def ensure_no_personal_data(text: str) -> None:
    """Raise :class:`PersonalDataError` if ``text`` seems to contain personal data."""
    findings = _checked(text)
    if findings:
        raise PersonalDataError(findings, mask_personal_data(text))
