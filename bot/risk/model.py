"""Result types of the risk detector: categories, severities, hits and assessments.

This is the one home of the severity scale (SEVERITIES, severity_rank) and of the risk result that
travels between processes: the NLU component stores RiskAssessment.to_dict() in Rasa's parse_data
under "risk"; the actions, the crisis router and the console read it back with
RiskAssessment.from_dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
# Where the NLU component puts RiskAssessment.to_dict() in a message's parse data.
RISK_KEY = "risk"
# The NLU model alone suspecting risk counts as moderate (so does a hit stored without a known severity).
MODEL_SEVERITY = "moderate"

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

    @classmethod
    def from_dict(cls, data: Any) -> RiskHit:
        """A hit as stored by to_dict (in parse_data, or as an escalation's span); missing or
        unusable fields get neutral values: unspecified, moderate, offsets 0, no text."""
        data = data if isinstance(data, dict) else {}
        severity = data.get("severity")
        return cls(
            str(data.get("category") or MODEL_CATEGORY),
            severity if severity in SEVERITIES else MODEL_SEVERITY,
            _offset(data.get("start")),
            _offset(data.get("end")),
            str(data.get("text") or ""),
            str(data.get("rule") or ""),
        )

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

    @classmethod
    def from_dict(cls, data: Any) -> RiskAssessment:
        """The assessment stored by to_dict (Rasa's parse_data["risk"]); no risk for anything else."""
        if not isinstance(data, dict):
            return cls()
        hits = tuple(RiskHit.from_dict(hit) for hit in data.get("hits") or [] if isinstance(hit, dict))
        guarded = tuple(str(reason) for reason in data.get("guarded") or [])
        score = data.get("score")
        return cls(hits, guarded, str(data.get("lexicon") or "curated"),
                   float(score) if isinstance(score, int | float) else None)

    @classmethod
    def of_message(cls, parse_data: Any) -> RiskAssessment:
        """The assessment on a message: its parse data, or a tracker's latest_message."""
        return cls.from_dict(parse_data.get(RISK_KEY) if isinstance(parse_data, dict) else None)

    def to_dict(self) -> dict:
        """JSON-serialisable form, as stored in Rasa's parse_data under RISK_KEY."""
        return {
            "is_risk": self.is_risk,
            "severity": self.severity,
            "categories": list(self.categories),
            "hits": [hit.to_dict() for hit in self.hits],
            "guarded": list(self.guarded),
            "lexicon": self.lexicon,
            "score": None if self.score is None else round(self.score, 4),
        }


def _offset(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
