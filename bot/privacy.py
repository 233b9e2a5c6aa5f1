"""The personal-data guard: refuse text that looks like case data before it is stored or echoed.

A Community Safety Partnership's Slack log holds aggregates ("12 ABCs issued Q2"), never cases. UK GDPR
Art. 9/10, the Sexual Offences (Amendment) Act 1992 and CYPA 1933 s.49 all forbid putting a victim's, child's
or suspect's identifying details into a general chat workspace (``docs/csp-domain.md`` §5). This module spots
the common shapes of such details so that a service can refuse the text and ask for an aggregate instead.

Design rules:

* Precision matters as much as recall. Refusing "Section 35 dispersal notices issued in the HP11 area" or
  "IOM = Integrated Offender Management" is a defect, so every rule is anchored on a shape that aggregate
  reporting does not produce: a checksum, a full postcode, a cue word such as "DOB" or "case ref".
* Findings never carry the matched text. A description is fixed wording per kind, so an error message or a
  log line built from it cannot leak what it refused.
* Checks stay linear and fast on long messages. No pattern nests unbounded repetition, and every pattern
  starts with a literal or a small character set (word cues are found with ``str.find`` on a folded copy),
  so the regex engine only tries a match where one could begin.

Pure Python: no Slack, no database.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "REWRITE_HINT",
    "PersonalDataError",
    "PersonalDataFinding",
    "PersonalDataKind",
    "contains_personal_data",
    "ensure_no_personal_data",
    "find_personal_data",
]


class PersonalDataKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    POSTCODE = "postcode"
    DATE_OF_BIRTH = "date_of_birth"
    NHS_NUMBER = "nhs_number"
    CASE_REFERENCE = "case_reference"
    NAMED_PERSON = "named_person"


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


_DIGIT: Final = re.compile(r"[0-9]")
_YEAR: Final = re.compile(r"(?:19|20)[0-9]{2}")
_FINANCIAL_YEAR: Final = re.compile(r"((?:19|20)[0-9]{2})[/\-]((?:19|20)?[0-9]{2})")


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

_EMAIL: Final = re.compile(
    r"@(?<=[\w.%+\-]@)[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
# "jane.smith [at] example [dot] org": the usual way round a naive filter. Matched in the folded text from
# the "[at]", then the local part in front of it is checked.
_EMAIL_SPELT_OUT: Final = re.compile(
    r"[\[(][ \t]*at[ \t]*[\])][ \t]*[a-z0-9\-]{1,63}"
    r"(?:[ \t]*[\[(][ \t]*dot[ \t]*[\])][ \t]*|\.)[a-z]{2,24}(?![a-z0-9\-])"
)
_EMAIL_LOCAL_PART_END: Final = re.compile(r"[a-z0-9_.%+\-][ \t]*\Z")


def _has_email(text: _Text) -> bool:
    if "@" in text.raw and _EMAIL.search(text.raw):
        return True
    folded = text.folded
    if "at" not in folded:
        return False
    for match in _EMAIL_SPELT_OUT.finditer(folded):
        if _EMAIL_LOCAL_PART_END.search(folded, max(0, match.start() - 8), match.start()):
            return True
    return False


# ----------------------------------------------------------------------------------------------------------
# UK phone numbers: mobiles (07…) and geographic landlines (01…, 02…), national or +44 / 0044 form, with
# the usual spaces, hyphens, dots and brackets. 03/08/09 numbers are organisations' lines (council contact
# centres, the 0808 domestic abuse helpline) and may be shared freely, so they are not personal data here.

_PHONE: Final = re.compile(
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
_NON_DIGITS: Final = re.compile(r"[^0-9]+")


def _is_uk_personal_number(number: str) -> bool:
    digits = _NON_DIGITS.sub("", number)
    # Real numbers are written in at most four groups; "01 02 03 04 05 06" is a list.
    if len(_NON_DIGITS.findall(number)) > 3:
        return False
    if digits[0] in "27":
        return len(digits) == 10
    return len(digits) in (9, 10)  # 01…: a few areas still have nine-digit numbers


def _has_phone(text: _Text) -> bool:
    raw = text.raw
    position = 0
    while (match := _PHONE.search(raw, position)) is not None:
        start = match.start()
        if (raw[start] == "(" or _is_token_boundary(raw, start, "+")) and _is_uk_personal_number(
            match.group("number")
        ):
            return True
        position = start + 1
    return False


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
_POSTCODE_FROM_DISTRICT: Final = re.compile(
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


def _has_postcode(text: _Text) -> bool:
    raw = text.raw
    position = 0
    while (match := _POSTCODE_FROM_DISTRICT.search(raw, position)) is not None:
        position = match.start() + 1
        if _postcode_area_before(raw, match.start()) not in _POSTCODE_AREAS:
            continue
        # "B1 2nd floor", "M4 5th junction": a lower-case ordinal is not an inward code.
        if match.group("inward")[1:] in _ORDINAL_SUFFIXES:
            continue
        return True
    return False


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
    re.compile(
        rf"(?P<d>{_ONE_OR_TWO_DIGITS})[ \t]?(?P<sep>[/.\-])[ \t]?(?P<m>[0-9]{{1,2}})[ \t]?(?P=sep)[ \t]?"
        r"(?:[0-9]{4}|[0-9]{2})(?![0-9])"
    ),
    # 2009-03-12
    re.compile(
        r"(?:19|20)(?<![0-9]..)[0-9]{2}(?P<sep>[/.\-])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?![0-9])"
    ),
    # 12 March 2009, 12th of March 2009, 12-Mar-09
    re.compile(
        rf"(?P<d>{_ONE_OR_TWO_DIGITS}){_DAY_SUFFIX}(?:[ \t]+of)?[ \t\-]+{_MONTH}\.?[ \t,\-]+"
        r"(?:[0-9]{4}|['?]?[0-9]{2})(?![0-9])"
    ),
    # March 12, 2009
    re.compile(rf"{_MONTH}\.?[ \t]+(?P<d>[0-9]{{1,2}}){_DAY_SUFFIX},?[ \t]+[0-9]{{4}}(?![0-9])"),
)
# March 2009, 03/2009: accepted after an explicit cue ("DOB 03/2009") but not after "born".
_MONTH_YEARS: Final = (
    re.compile(rf"{_MONTH}\.?[ \t,]+(?:19|20)[0-9]{{2}}(?![0-9])"),
    re.compile(rf"(?P<m>{_ONE_OR_TWO_DIGITS})[/.\-](?:19|20)[0-9]{{2}}(?![0-9])"),
)
_DOB_CUE_STEMS: Final = ("dob", "d.o.b", "date", "birth", "born")
_DOB_CUE: Final = re.compile(
    r"(?:d\.?o\.?b\.?|date[ \t]+of[ \t]+birth|birth[ \t]?date|(?P<born>born))(?![a-z])"
)
# A full stop ends the search window only where it ends a sentence, not inside "12.03.09" or "12 Mar. 2009".
_SENTENCE_END: Final = re.compile(r"[!?\n]|\.(?=[ \t]*(?:$|[A-Z\n]))")
_WORD: Final = re.compile(r"[a-z]+")
_DATE_JUST_BEFORE_CUE: Final = re.compile(r"[ \t]?\(?")
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


def _has_date_of_birth(text: _Text) -> bool:
    folded = text.folded
    cues = sorted({position for stem in _DOB_CUE_STEMS for position in _word_starts(folded, stem)})
    if not cues:
        return False
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
                return True
        if explicit:  # "12/03/2009 (DOB)"
            index = bisect_left(starts, position - _DOB_WINDOW)
            while index < len(dates) and dates[index].start < position:
                span = dates[index]
                index += 1
                if span.full and _DATE_JUST_BEFORE_CUE.fullmatch(folded, span.end, position):
                    return True
    return False


# ----------------------------------------------------------------------------------------------------------
# NHS numbers: ten digits, optionally grouped 3-3-4, whose tenth digit is the modulus-11 check digit.
# About one random ten-digit number in eleven passes the check, which is why only valid ones are flagged.

_NHS: Final = re.compile(
    r"[0-9](?<![0-9][0-9])(?<![0-9][.,/\-][0-9])[0-9]{2}[ \-]?[0-9]{3}[ \-]?[0-9]{4}(?![0-9])(?![.,/\-][0-9])"
)
_NHS_WEIGHTS: Final = tuple(range(10, 1, -1))


def _nhs_check_digit_ok(digits: str) -> bool:
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], _NHS_WEIGHTS, strict=True))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(digits[9])


def _has_nhs_number(text: _Text) -> bool:
    return any(_nhs_check_digit_ok(_NON_DIGITS.sub("", match.group())) for match in _NHS.finditer(text.raw))


# ----------------------------------------------------------------------------------------------------------
# Police and case references. Some shapes are distinctive on their own: a crime number "43/12345/18" or
# "CR/12345/19", a case file URN "43AB1234567", a PNC ID "18/123456A", a CRO number "123456/18A". Anything
# else needs a cue such as "case ref", "crime no", "MARAC ref" or "CRN" before a token containing digits.
# "DHR", "MARAC", "Section 35", "2017/18" and action codes like "P1.3" carry no cue and pass.

_REFERENCE_FROM_DIGIT: Final = re.compile(
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
_REFERENCE_AFTER_LETTERS: Final = re.compile(r"/[0-9]{5,8}/[0-9]{2,4}(?![\w/])")
_REFERENCE_CUE_STEMS: Final = (
    "case", "crime", "marac", "dhr", "mappa", "incident", "occurrence", "log", "niche", "custody", "ref",
    "crn", "urn", "pnc", "cro",
)  # fmt: skip
_REFERENCE_CUE: Final = re.compile(
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
_LETTER: Final = re.compile(r"[a-z]")
_FIVE_DIGITS: Final = re.compile(r"[0-9]{5}")


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


def _has_case_reference(text: _Text) -> bool:
    raw, folded = text.raw, text.folded
    for match in _REFERENCE_FROM_DIGIT.finditer(raw):
        middle, year = match.group("crn_middle"), match.group("crn_year")
        if middle is None or not _is_year_or_financial_year(f"{middle}/{year}"):
            return True
    if any(
        2 <= _uppercase_prefix_length(raw, match.start()) <= 4
        for match in _REFERENCE_AFTER_LETTERS.finditer(raw)
    ):
        return True
    for stem in _REFERENCE_CUE_STEMS:
        for position in _word_starts(folded, stem):
            match = _REFERENCE_CUE.match(folded, position)
            if match is not None and _looks_like_identifier(
                match.group("token"), acronym_cue=match.group("acronym") is not None
            ):
                return True
    return False


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
_NOT_NAMES: Final = _SERVICE_WORDS | _FUNCTION_WORDS | _DEMOGRAPHIC_WORDS | _LOCAL_PROPER_NOUNS
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


_ROLE_STEMS: Final = (
    "victim", "suspect", "perp", "offender", "witness", "child", "complainant", "defendant", "survivor",
    "nominal", "accused",
)  # fmt: skip
_ROLE_WORD: Final = re.compile(
    r"(?:victims?|suspects?|perp(?:etrator)?s?|offenders?|witness(?:es)?|child(?:ren)?|complainants?"
    r"|defendants?|survivors?|nominals?|accused)(?![a-z])"
)
# What may sit between a role word and the name: "victim Jane", "victim: Jane", "victim - Jane",
# "victim is Jane", "victim named Jane", "victim's name is Jane". Matched in the folded text, where "?"
# stands for any non-ASCII character such as an en dash or a curly apostrophe.
_ROLE_CONNECTOR: Final = re.compile(
    r"(?:['?]s[ \t]+name)?"
    r"(?:[ \t]*:[ \t]*|[ \t]+[-?][ \t]*|[-?][ \t]+|[ \t]+)"
    r"(?:(?:is|was|named|called|known[ \t]+as|aka|name)[ \t]*[:\-?]?[ \t]+){0,2}"
)
_TITLE: Final = re.compile(r"(?:Mrs?|Ms|Miss|Mx|Dr)\.?[ \t]+")

_UPPER: Final = "A-ZÀ-ÖØ-Þ"
_LOWER: Final = "a-zß-öø-ÿ"
# Jane, O'Brien, McDonald, Smith-Jones, Zoë
_NAME_WORD_PATTERN: Final = (
    rf"(?:[{_UPPER}]['’])?[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?(?:-[{_UPPER}][{_LOWER}]+)?"
    rf"(?![{_UPPER}{_LOWER}0-9])"
)
_NAME_WORD: Final = re.compile(_NAME_WORD_PATTERN)
_SURNAME_IN_CAPITALS: Final = re.compile(r"[A-Z]{2,}(?![A-Za-z0-9])")
_NEXT_NAME_WORD: Final = re.compile(rf"[ \t]+(?P<word>{_NAME_WORD_PATTERN}|[A-Z]{{2,}}(?![A-Za-z0-9]))")
# "J. Bloggs", "J Bloggs", "J.P. Smith", "J SMITH": initials, then a surname.
_INITIALS_AND_SURNAME: Final = re.compile(
    rf"(?:[A-Z](?:\.[ \t]*|[ \t]+)){{1,2}}(?P<surname>{_NAME_WORD_PATTERN}|[A-Z]{{2,}}(?![A-Za-z0-9]))"
)


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


def _surname_starts_at(raw: str, position: int) -> bool:
    """After a title almost any capitalised word is a surname: "Mrs Smith", "Mr J. Smith", "Dr SMITH"."""
    initials = _INITIALS_AND_SURNAME.match(raw, position)
    if initials is not None:
        surname = initials.group("surname")
    else:
        word = _NAME_WORD.match(raw, position) or _SURNAME_IN_CAPITALS.match(raw, position)
        if word is None:
            return False
        surname = word.group()
    return surname.casefold() not in _FUNCTION_WORDS


def _has_named_person(text: _Text) -> bool:
    raw, folded = text.raw, text.folded
    for stem in _ROLE_STEMS:
        for position in _word_starts(folded, stem):
            role = _ROLE_WORD.match(folded, position)
            if role is None:
                continue
            connector = _ROLE_CONNECTOR.match(folded, role.end())
            if connector is not None and _name_starts_at(raw, connector.end()):
                return True
    for title in _TITLE.finditer(raw):
        if _is_token_boundary(raw, title.start()) and _surname_starts_at(raw, title.end()):
            return True
    return False


# ----------------------------------------------------------------------------------------------------------

_DETECTORS: Final[tuple[tuple[PersonalDataKind, Callable[[_Text], bool], bool], ...]] = (
    # kind, detector, whether it needs a digit somewhere in the text
    (PersonalDataKind.EMAIL, _has_email, False),
    (PersonalDataKind.PHONE, _has_phone, True),
    (PersonalDataKind.POSTCODE, _has_postcode, True),
    (PersonalDataKind.DATE_OF_BIRTH, _has_date_of_birth, True),
    (PersonalDataKind.NHS_NUMBER, _has_nhs_number, True),
    (PersonalDataKind.CASE_REFERENCE, _has_case_reference, True),
    (PersonalDataKind.NAMED_PERSON, _has_named_person, False),
)


def find_personal_data(text: str) -> list[PersonalDataFinding]:
    """One finding per kind of personal data ``text`` seems to contain, in :class:`PersonalDataKind` order."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, not {type(text).__name__}")
    if not text:
        return []
    subject = _Text(text)
    return [
        _FINDINGS[kind]
        for kind, detector, needs_digit in _DETECTORS
        if (subject.has_digit or not needs_digit) and detector(subject)
    ]


def contains_personal_data(text: str) -> bool:
    return bool(find_personal_data(text))


class PersonalDataError(ValueError):
    """Raised for text that looks like it contains personal data. Its message names kinds, never the text."""

    findings: list[PersonalDataFinding]

    def __init__(self, findings: Iterable[PersonalDataFinding]) -> None:
        self.findings = list(findings)
        descriptions = ", ".join(finding.description for finding in self.findings) or "nothing specific"
        super().__init__(f"This looks like it contains personal data: {descriptions}.")

    def __reduce__(self) -> tuple[type[PersonalDataError], tuple[list[PersonalDataFinding]]]:
        return (type(self), (self.findings,))


def ensure_no_personal_data(text: str) -> None:
    """Raise :class:`PersonalDataError` if ``text`` seems to contain personal data."""
    findings = find_personal_data(text)
    if findings:
        raise PersonalDataError(findings)
