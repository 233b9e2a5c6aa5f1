"""The register's 3×3 matrix: how likelihood and impact combine into one rating.

The rule is configurable (CSP_RISK_SCORES and CSP_RISK_BANDS): each level scores a number, the
rating's score is likelihood × impact, and bands map scores to ratings. The default is the
common 3×3 rule: Low = 1, Medium = 2, High = 3; a score of 1–2 is Low, 3–4 Medium, 6–9 High.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

LEVELS = ("Low", "Medium", "High")
DEFAULT_SCORES = "Low=1,Medium=2,High=3"
DEFAULT_BANDS = "Low=1-2,Medium=3-4,High=6-9"


class RatingRuleError(ValueError):
    """CSP_RISK_SCORES / CSP_RISK_BANDS do not make a rule that rates every cell of the matrix."""


def parse_level(text: str) -> str | None:
    wanted = text.strip().lower()
    for level in LEVELS:
        if level.lower() == wanted or level[0].lower() == wanted:
            return level
    return None


@dataclass(frozen=True)
class RatingRule:
    scores: tuple[tuple[str, int], ...]
    bands: tuple[tuple[str, int, int], ...]

    @classmethod
    def parse(cls, scores: str = DEFAULT_SCORES, bands: str = DEFAULT_BANDS) -> RatingRule:
        try:
            parsed_scores = {k.strip().title(): int(v) for k, v in (p.split("=") for p in scores.split(","))}
            parsed_bands = []
            for part in bands.split(","):
                name, span = part.split("=")
                low, _, high = span.partition("-")
                parsed_bands.append((name.strip().title(), int(low), int(high or low)))
        except ValueError:
            raise RatingRuleError(
                "write scores as Low=1,Medium=2,High=3 and bands as Low=1-2,Medium=3-4,High=6-9"
            ) from None
        if set(parsed_scores) != set(LEVELS):
            raise RatingRuleError("scores must give Low, Medium and High")
        if any(name not in LEVELS for name, _, _ in parsed_bands):
            raise RatingRuleError("bands must be named Low, Medium or High")
        rule = cls(tuple((level, parsed_scores[level]) for level in LEVELS), tuple(parsed_bands))
        for likelihood, impact in product(LEVELS, LEVELS):
            rule.rate(likelihood, impact)  # every cell of the matrix must land in a band
        return rule

    def score(self, likelihood: str, impact: str) -> int:
        values = dict(self.scores)
        return values[likelihood] * values[impact]

    def rate(self, likelihood: str, impact: str) -> str:
        score = self.score(likelihood, impact)
        for name, low, high in self.bands:
            if low <= score <= high:
                return name
        raise RatingRuleError(
            f"no band covers a score of {score} ({likelihood} likelihood × {impact} impact)"
        )

    def describe(self) -> str:
        scores = ", ".join(f"{level} = {value}" for level, value in self.scores)
        bands = ", ".join(
            f"{low}–{high} {name}" if low != high else f"{low} {name}" for name, low, high in self.bands
        )
        return f"Rating = likelihood × impact, scoring {scores}; a score of {bands}."


def rank(rating: str) -> int:
    return LEVELS.index(rating)
