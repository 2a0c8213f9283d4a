"""Result types of the risk detector: categories, severities, hits and assessments."""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES: tuple[str, ...] = (
    "passive_ideation",
    "active_ideation",
    "plan_intent",
    "self_harm",
    "harm_to_others",
    "abuse_danger",
)
# A hit that only the NLU model (DIETClassifier) saw; no rule says which category it is.
MODEL_CATEGORY = "unspecified"
MODEL_RULE = "model:diet"
# A hit that only the risk scorer (bot/risk/scorer.py) saw.
SCORER_RULE = "model:scorer"

SEVERITIES: tuple[str, ...] = ("low", "moderate", "high", "imminent")


def severity_rank(severity: str) -> int:
    """Position of a severity on the ordered scale: low=0 < moderate=1 < high=2 < imminent=3.

    Raises ValueError for an unknown severity id.
    """
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise ValueError(f"unknown severity {severity!r}; expected one of {SEVERITIES}") from None


def max_severity(severities: list[str]) -> str | None:
    """The most severe of the given severities, or None for an empty list."""
    if not severities:
        return None
    return max(severities, key=severity_rank)


@dataclass(frozen=True)
class RiskHit:
    """One piece of risk language: what it is, how severe, where it is and which rule saw it.

    start/end are character offsets into the ORIGINAL message text; text == original[start:end].
    """

    category: str
    severity: str
    start: int
    end: int
    text: str
    rule: str

    def to_dict(self) -> dict:
        return {
            "category": self.category,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "rule": self.rule,
        }


@dataclass(frozen=True)
class RiskAssessment:
    """Everything the detector found in one message.

    hits: risk language that counts. guarded: why candidate matches were suppressed, as
    "<reason>:<matched text>", e.g. "negation:suicidal", "idiom:killing me",
    "third_party:died by suicide". score: the risk scorer's probability (bot/risk/scorer.py).
    """

    hits: tuple[RiskHit, ...] = ()
    guarded: tuple[str, ...] = ()
    lexicon: str = "curated"
    score: float | None = None  # the risk scorer's probability; None when it did not run

    @property
    def is_risk(self) -> bool:
        return bool(self.hits)

    @property
    def severity(self) -> str | None:
        return max_severity([hit.severity for hit in self.hits])

    @property
    def categories(self) -> tuple[str, ...]:
        seen: list[str] = []
        for hit in self.hits:
            if hit.category not in seen:
                seen.append(hit.category)
        return tuple(seen)

    @property
    def was_guarded(self) -> bool:
        return bool(self.guarded)

    def to_dict(self) -> dict:
        """JSON-serialisable form, as stored in Rasa's parse_data under "risk"."""
        return {
            "is_risk": self.is_risk,
            "severity": self.severity,
            "categories": list(self.categories),
            "hits": [hit.to_dict() for hit in self.hits],
            "guarded": list(self.guarded),
            "lexicon": self.lexicon,
            "score": None if self.score is None else round(self.score, 4),
        }
