"""RiskDetector: curated rules (+ optionally the Suicide Risk Lexicon) over normalised text.

How one message is assessed:
1. normalise (bot/risk/normalize.py), keeping a map back to the original characters;
2. tokenise and lemmatise with spacy.blank("en") + lookup lemmatizer;
3. find candidates: curated rules (bot/risk/rules.yml, read by rules.py) and, when built, lexicon phrases;
4. find guard phrases (idioms, third-party deaths) and drop candidates they overlap;
5. check each remaining candidate against the guards in bot/risk/guards.py (negation,
   subject, history, feelings, accident, hyperbole, topic, gaming, reported questions);
   abuse of somebody else counts only when a child is involved or it is happening now,
   and not when it is history;
6. grade survivors (bot/risk/severity.py) and resolve overlaps: a plan beats active ideation
   beats passive ideation on the same words; a rule that "absorbs" swallows hits inside it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.risk import guards
from bot.risk.lexicon_store import DEFAULT_LEXICON_PATH, LexiconEntry, load_lexicon
from bot.risk.model import RiskAssessment, RiskHit, severity_rank
from bot.risk.normalize import Normalized, Normalizer
from bot.risk.patterns import compile_pattern
from bot.risk.pipeline import load_pipeline, vocabulary
from bot.risk.rules import GUARDS, RULES, Guard, Rule
from bot.risk.severity import grade

logger = logging.getLogger(__name__)

LADDER = ("passive_ideation", "active_ideation", "plan_intent")
MAX_CHARS = 20_000  # longer input is assessed in its first MAX_CHARS characters only
_SKIP = "skip"


@dataclass(frozen=True)
class _Found:
    rule: Rule
    start: int  # token offsets in the normalised doc
    end: int
    severity: str

    def overlaps(self, other: _Found) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: _Found) -> bool:
        return self.start <= other.start and other.end <= self.end


class RiskDetector:
    """Finds risk language in one chat message. Load once; assess() is cheap.

    lexicon_path: the built Suicide Risk Lexicon file (python -m bot.risk.lexicon build);
    None means var/build/srl_lexicon.json. A missing file means curated rules only.
    constructs: for evaluation only - which lexicon constructs to use (None: those the build
    marked as enabled).
    """

    def __init__(self, lexicon_path: Path | None = None, *,
                 constructs: Iterable[str] | None = None) -> None:
        self.nlp = load_pipeline()
        self.normalizer = Normalizer(vocabulary())
        self.rules: dict[str, Rule] = {rule.id: rule for rule in RULES}
        self.guards: dict[str, Guard] = {guard.id: guard for guard in GUARDS}
        self.rule_matcher = self._matcher((rule.id, rule.patterns) for rule in RULES)
        self.guard_matcher = self._matcher((guard.id, guard.patterns) for guard in GUARDS)
        self.phrase_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.lexicon_label = "curated"
        self._load_lexicon(lexicon_path or DEFAULT_LEXICON_PATH, constructs)

    def _matcher(self, entries: Iterable[tuple[str, tuple[str, ...]]]) -> Matcher:
        matcher = Matcher(self.nlp.vocab)
        for name, patterns in entries:
            compiled = [spec for pattern in patterns for spec in compile_pattern(pattern)]
            matcher.add(name, compiled)
        return matcher

    def _load_lexicon(self, path: Path, constructs: Iterable[str] | None) -> None:
        entries = load_lexicon(path, constructs)
        if not entries:
            why = "no construct enabled in" if path.is_file() else "no lexicon built at"
            logger.info("risk detector: curated rules only (%s %s)", why, path)
            return
        phrases = 0
        for entry in entries:
            self._add_lexicon_entry(entry)
            phrases += len(entry.phrases)
        names = ", ".join(entry.construct for entry in entries)
        self.lexicon_label = f"curated+srl({names})"
        logger.info("risk detector: curated rules + Suicide Risk Lexicon from %s "
                    "(%d phrases; constructs: %s)", path, phrases, names)

    def _add_lexicon_entry(self, entry: LexiconEntry) -> None:
        rule = Rule(f"srl:{entry.construct}", entry.category, entry.severity, (),
                    subject="self", catch_all=True, accident=entry.category == "self_harm")
        self.rules[rule.id] = rule
        docs = [self.nlp.make_doc(self.normalizer(phrase).text) for phrase in entry.phrases]
        self.phrase_matcher.add(rule.id, [doc for doc in docs if len(doc)])

    # ------------------------------------------------------------------ assessment
    def assess(self, text: str) -> RiskAssessment:
        """Assess one message. Never raises for odd input (None, empty, emoji, very long)."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        text = text[:MAX_CHARS]
        if not text.strip():
            return RiskAssessment(lexicon=self.lexicon_label)
        norm = self.normalizer(text)
        doc = self.nlp(norm.text)
        guarded: list[str] = []
        guard_spans = self._guard_spans(doc)
        found: list[_Found] = []
        for rule, span in self._candidates(doc):
            reason = self._why_not(rule, doc, span, guard_spans)
            if reason == _SKIP:
                continue
            if reason:
                guarded.append(reason)
                continue
            found.append(self._grade(rule, doc, span))
        guarded += [reason for span, reason in guard_spans if self._reports(span, reason)]
        kept = _resolve_overlaps(found)
        hits = tuple(self._to_hit(item, doc, norm, text) for item in kept)
        return RiskAssessment(hits, tuple(dict.fromkeys(guarded)), self.lexicon_label)

    def _candidates(self, doc: Doc) -> list[tuple[Rule, Span]]:
        by_rule: dict[str, list[Span]] = {}
        for match_id, start, end in list(self.rule_matcher(doc)) + list(self.phrase_matcher(doc)):
            rule_id = self.nlp.vocab.strings[match_id]
            by_rule.setdefault(rule_id, []).append(doc[start:end])
        return [(self.rules[rule_id], span)
                for rule_id, spans in by_rule.items() for span in filter_spans(spans)]

    def _guard_spans(self, doc: Doc) -> list[tuple[Span, str]]:
        by_guard: dict[str, list[Span]] = {}
        for match_id, start, end in self.guard_matcher(doc):
            by_guard.setdefault(self.nlp.vocab.strings[match_id], []).append(doc[start:end])
        spans: list[tuple[Span, str]] = []
        for guard_id, matches in by_guard.items():
            guard = self.guards[guard_id]
            spans += self._checked_guard_spans(guard, doc, filter_spans(matches))
        return spans

    @staticmethod
    def _checked_guard_spans(guard: Guard, doc: Doc, matches: list[Span]) -> list[tuple[Span, str]]:
        spans: list[tuple[Span, str]] = []
        for span in matches:
            if guard.requires and not re.search(guard.requires, doc.text):
                continue
            if guard.subject == "other" and guards.subject_of(doc, span)[0] not in (
                    "other", "child"):
                continue
            spans.append((span, f"{guard.kind}:{span.text}"))
        return spans

    @staticmethod
    def _reports(span: Span, reason: str) -> bool:
        """Guard phrases are reported when they contain a word that looks like risk."""
        return bool(re.search(r"kill|die|dy|dead|death|murder|suicid|harm|life|cut|hurt|hit|"
                              r"overdos|shoot|laugh", span.text))

    def _why_not(self, rule: Rule, doc: Doc, span: Span,
                 guard_spans: list[tuple[Span, str]]) -> str | None:
        """Why this candidate is not risk: a guard reason, _SKIP (silently), or None."""
        if not self._fits(rule, doc, span):
            return _SKIP
        if rule.excludes:
            excluded = re.search(rule.excludes, doc.text)
            if excluded:
                return f"context:{excluded.group(0)}"
        for guard_span, reason in guard_spans:
            if guard_span.start < span.end and span.start < guard_span.end:
                return reason
        reason = guards.negation(doc, span) or guards.asked_if(doc, span)
        if reason:
            return reason
        subject, who = guards.subject_of(doc, span)
        reason = self._subject_reason(rule, doc, span, subject)
        if reason:
            return reason
        return self._context_reason(rule, doc, span, subject)

    @staticmethod
    def _fits(rule: Rule, doc: Doc, span: Span) -> bool:
        following = doc[span.end].lower_ if span.end < len(doc) else None
        if following is not None and following in rule.next_blocked:
            return False
        if (rule.next_allowed is not None and following is not None
                and not doc[span.end].is_punct and following not in rule.next_allowed):
            return False
        before = {token.lemma_ for token in doc[max(0, span.start - 3):span.start]}
        if before & set(rule.not_after):
            return False
        return not (rule.requires and not re.search(rule.requires, doc.text))

    @staticmethod
    def _subject_reason(rule: Rule, doc: Doc, span: Span, subject: str | None) -> str | None:
        if rule.subject == "self" and subject in ("other", "child"):
            return f"third_party:{span.text}"
        if rule.subject in ("self_or_child", "other_to_other") and subject == "other":
            return guards.someone_else_at_risk(doc, span)
        if rule.subject == "other" and subject not in ("other", "child"):
            return _SKIP
        if rule.subject == "other_to_other":
            return _SKIP  # the person or a child does it: not abuse of somebody else
        return None

    @staticmethod
    def _context_reason(rule: Rule, doc: Doc, span: Span, subject: str | None) -> str | None:
        about_someone_else = rule.subject == "other_to_other" or (
            rule.subject == "self_or_child" and subject in ("other", "child"))
        if rule.category != "abuse_danger" or about_someone_else:
            reason = guards.historical(doc, span)
            if reason:
                return reason
        if rule.category == "abuse_danger":
            reason = guards.feelings(doc, span) or guards.game_insults(doc, span)
            if reason:
                return reason
        if rule.accident:
            reason = guards.accident(doc, span)
            if reason:
                return reason
        if rule.hyperbole:
            reason = guards.hyperbole(doc, span)
            if reason:
                return reason
        if rule.catch_all:
            reason = guards.topic(doc, span, subject)
            if reason:
                return reason
        if rule.category == "harm_to_others":
            return guards.gaming(doc, span)
        return None

    def _grade(self, rule: Rule, doc: Doc, span: Span) -> _Found:
        historical = rule.category == "abuse_danger" and guards.historical(doc, span) is not None
        severity = grade(rule.category, rule.severity, doc.text, rule.behaviour, historical)
        return _Found(rule, span.start, span.end, severity)

    @staticmethod
    def _to_hit(item: _Found, doc: Doc, norm: Normalized, original: str) -> RiskHit:
        start = item.start
        if start > 0 and not doc[start - 1].whitespace_ and (
                doc[start].lower_ == "n't" or doc[start].text.startswith("'")):
            start -= 1  # "don't", "i'm": report the whole word, not "n't"
        first, last = doc[start], doc[item.end - 1]
        start, end = norm.original_span(first.idx, last.idx + len(last.text))
        return RiskHit(item.rule.category, item.severity, start, end, original[start:end],
                       item.rule.id)


def _resolve_overlaps(found: list[_Found]) -> list[_Found]:
    """Drop hits that a better hit on the same words makes redundant."""
    absorbed = [item for item in found
                if any(other.rule.absorbs and other is not item and other.contains(item)
                       for other in found)]
    remaining = [item for item in found if item not in absorbed]
    kept: list[_Found] = []
    for item in sorted(remaining, key=_strength, reverse=True):
        if not any(_redundant(item, better) for better in kept):
            kept.append(item)
    return sorted(kept, key=lambda item: (item.start, item.end))


def _strength(item: _Found) -> tuple[int, int, int]:
    ladder = LADDER.index(item.rule.category) if item.rule.category in LADDER else 0
    return (ladder, severity_rank(item.severity), item.end - item.start)


def _redundant(item: _Found, better: _Found) -> bool:
    if not item.overlaps(better):
        return False
    if item.rule.category == better.rule.category:
        return True
    return item.rule.category in LADDER and better.rule.category in LADDER
