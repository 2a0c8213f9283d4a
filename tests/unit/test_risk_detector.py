"""Behaviour of the risk detector: normalisation, guards, categories, severity, spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.risk import CATEGORIES, RiskAssessment, RiskDetector, RiskHit, severity_rank
from bot.risk.normalize import Normalizer
from bot.risk.pipeline import vocabulary

CASES = yaml.safe_load((Path(__file__).parent / "risk_detector_cases.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> RiskDetector:
    """Curated rules only, whatever is in var/build."""
    return RiskDetector(tmp_path_factory.mktemp("lexicon") / "absent.json")


@pytest.fixture(scope="module")
def normalize() -> Normalizer:
    return Normalizer(vocabulary())


# ----------------------------------------------------------------------------- normalisation
@pytest.mark.parametrize(("raw", "expected"), CASES["normalisation"])
def test_normalisation(normalize: Normalizer, raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize("raw", ["I’m sooooo done with lifeeee", "KMS RN!!", "s u i c i d e", "a\u00a0b"])
def test_normalised_characters_map_back_into_the_original(normalize: Normalizer, raw: str) -> None:
    result = normalize(raw)
    assert len(result.starts) == len(result.ends) == len(result.text)
    assert all(0 <= start < end <= len(raw) for start, end in zip(result.starts, result.ends, strict=True))
    assert result.original_span(0, len(result.text)) == (0, len(raw))


# ------------------------------------------------------------------------------- categories
@pytest.mark.parametrize(("text", "category", "min_severity"), CASES["each_category"])
def test_each_category(detector: RiskDetector, text: str, category: str, min_severity: str) -> None:
    result = detector.assess(text)
    assert category in result.categories
    assert severity_rank(result.severity) >= severity_rank(min_severity)


@pytest.mark.parametrize("text", CASES["indirect_phrasing_is_caught"])
def test_indirect_phrasing_is_caught(detector: RiskDetector, text: str) -> None:
    assert detector.assess(text).is_risk


@pytest.mark.parametrize(("text", "category"), CASES["kys_is_harm_to_others_unless_it_is_said_to_the_person"])
def test_kys_is_harm_to_others_unless_it_is_said_to_the_person(
    detector: RiskDetector, text: str, category: str
) -> None:
    assert detector.assess(text).categories == (category,)


# ----------------------------------------------------------------------------------- guards
@pytest.mark.parametrize("text", CASES["negation_does_not_fire"])
def test_negation_does_not_fire(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk
    assert any(reason.startswith("negation:") for reason in result.guarded)


@pytest.mark.parametrize("text", CASES["hedges_and_double_negation_still_fire"])
def test_hedges_and_double_negation_still_fire(detector: RiskDetector, text: str) -> None:
    assert detector.assess(text).is_risk


@pytest.mark.parametrize("text", CASES["idioms_and_hyperbole_do_not_fire"])
def test_idioms_and_hyperbole_do_not_fire(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk
    assert result.guarded


def test_idiom_guard_names_the_idiom(detector: RiskDetector) -> None:
    assert "idiom:killing me" in detector.assess("this exam is killing me").guarded


@pytest.mark.parametrize("text", CASES["third_party_is_support_not_an_alarm"])
def test_third_party_is_support_not_an_alarm(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk
    assert any(reason.startswith("third_party:") for reason in result.guarded)


def test_own_wish_after_a_death_is_an_alarm(detector: RiskDetector) -> None:
    result = detector.assess("since my friend died I want to die too")
    assert result.categories == ("passive_ideation",)


def test_history_is_guarded(detector: RiskDetector) -> None:
    result = detector.assess("i used to want to die when i was a teen")
    assert not result.is_risk
    assert any(reason.startswith("historical:") for reason in result.guarded)


# --------------------------------------------------------------------------------- severity
@pytest.mark.parametrize(("text", "severity"), CASES["severity_grading"])
def test_severity_grading(detector: RiskDetector, text: str, severity: str) -> None:
    assert detector.assess(text).severity == severity


def test_severity_scale_is_ordered() -> None:
    assert [severity_rank(s) for s in ("low", "moderate", "high", "imminent")] == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        severity_rank("extreme")


# ------------------------------------------------------------------------------------ spans
@pytest.mark.parametrize(("text", "expected"), CASES["spans_point_into_the_original_text"])
def test_spans_point_into_the_original_text(detector: RiskDetector, text: str, expected: str) -> None:
    hits = detector.assess(text).hits
    assert [hit.text for hit in hits] == [expected]
    assert all(text[hit.start : hit.end] == hit.text for hit in hits)


# ------------------------------------------------------------------------------- odd input
@pytest.mark.parametrize("text", ["", "   ", "😭😭😭", "🙂", "\n\t", "?!?!", "/", "'" * 50])
def test_empty_or_symbol_input_is_no_risk(detector: RiskDetector, text: str) -> None:
    assert detector.assess(text) == RiskAssessment(lexicon=detector.lexicon_label)


def test_none_is_no_risk(detector: RiskDetector) -> None:
    assert not detector.assess(None).is_risk  # type: ignore[arg-type]


def test_very_long_input(detector: RiskDetector) -> None:
    filler = "today was long and the bus was late. " * 280
    text = filler + "i want to die"
    assert len(text) > 10_000
    hits = detector.assess(text).hits
    assert [hit.text for hit in hits] == ["want to die"]
    assert text[hits[0].start : hits[0].end] == "want to die"
    assert not detector.assess("a" * 10_000).is_risk


# ---------------------------------------------------------------------------- result types
def test_assessment_summarises_its_hits() -> None:
    hits = (
        RiskHit("passive_ideation", "low", 0, 4, "want", "r1"),
        RiskHit("plan_intent", "imminent", 5, 9, "plan", "r2"),
        RiskHit("passive_ideation", "moderate", 10, 12, "xy", "r3"),
    )
    result = RiskAssessment(hits, ("negation:x",))
    assert result.is_risk
    assert result.severity == "imminent"
    assert result.categories == ("passive_ideation", "plan_intent")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["hits"][1] == {
        "category": "plan_intent",
        "severity": "imminent",
        "start": 5,
        "end": 9,
        "text": "plan",
        "rule": "r2",
    }
    assert data["guarded"] == ["negation:x"] and data["is_risk"] is True


def test_no_hits_means_no_risk() -> None:
    result = RiskAssessment()
    assert (result.is_risk, result.severity, result.categories) == (False, None, ())


def test_every_hit_uses_a_known_category_and_severity(detector: RiskDetector) -> None:
    texts = [
        "i want to die and i'm going to kill myself tonight, he hits me, i cut myself",
        "i want to stab him",
        "kys",
    ]
    for text in texts:
        for hit in detector.assess(text).hits:
            assert hit.category in CATEGORIES
            severity_rank(hit.severity)


def test_default_lexicon_path_is_optional() -> None:
    assert RiskDetector(Path("/nonexistent/srl.json")).lexicon_label == "curated"


# ------------------------------------------------------------------- review: missed risk
@pytest.mark.parametrize(("text", "category", "min_severity"), CASES["review_missed_risk_escalates"])
def test_review_missed_risk_escalates(detector: RiskDetector, text: str, category: str, min_severity: str) -> None:
    result = detector.assess(text)
    assert category in result.categories, (result.categories, result.guarded)
    assert severity_rank(result.severity) >= severity_rank(min_severity)


@pytest.mark.parametrize("text", CASES["review_false_alarms_do_not_escalate"])
def test_review_false_alarms_do_not_escalate(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk, [(hit.rule, hit.text) for hit in result.hits]


@pytest.mark.parametrize(
    "earnest", ["and im not joking", "no joke", "for real", "i'm serious", "i mean it", "i'm not even kidding"]
)
def test_saying_it_is_no_joke_cancels_the_hyperbole_guard(detector: RiskDetector, earnest: str) -> None:
    assert not detector.assess("i could kill my brother").is_risk
    assert "harm_to_others" in detector.assess(f"i could kill my brother {earnest}").categories


@pytest.mark.parametrize(
    "text", ["this exam is killing me, not joking", "i'd kill for a coffee for real", "i'm gonna kill my sister lol"]
)
def test_no_joke_does_not_cancel_idioms_or_a_plain_joke(detector: RiskDetector, text: str) -> None:
    assert not detector.assess(text).is_risk


def test_an_adult_hurt_by_someone_else_is_support_talk_unless_it_is_happening_now(detector: RiskDetector) -> None:
    result = detector.assess("my friend's boyfriend hits her")
    assert not result.is_risk
    assert any(reason.startswith("third_party:") for reason in result.guarded)
    assert detector.assess("her boyfriend is hitting her right now").categories == ("abuse_danger",)


def test_a_child_hurt_in_the_past_is_support_talk(detector: RiskDetector) -> None:
    result = detector.assess("my little sister was abused years ago")
    assert not result.is_risk
    assert any(reason.startswith("historical:") for reason in result.guarded)


def test_the_person_own_past_abuse_still_counts(detector: RiskDetector) -> None:
    result = detector.assess("my dad used to hit me when i was a kid")
    assert result.categories == ("abuse_danger",)
    assert result.severity == "low"


@pytest.mark.parametrize("text", CASES["being_hit_still_escalates"])
def test_being_hit_still_escalates(detector: RiskDetector, text: str) -> None:
    assert "abuse_danger" in detector.assess(text).categories


def test_hit_about_feelings_is_reported_as_an_idiom(detector: RiskDetector) -> None:
    guarded = detector.assess("losing my grandad is really hitting me").guarded
    assert any(reason.startswith("idiom:") for reason in guarded)


@pytest.mark.parametrize("text", CASES["accident_words_do_not_hide_deliberate_self_harm"])
def test_accident_words_do_not_hide_deliberate_self_harm(detector: RiskDetector, text: str) -> None:
    assert "self_harm" in detector.assess(text).categories


@pytest.mark.parametrize(("raw", "expected"), CASES["my_self_harm_is_not_myself"])
def test_my_self_harm_is_not_myself(normalize: Normalizer, raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


# ------------------------------------------------- issue 12: the most dangerous kinds, by rule
@pytest.mark.parametrize(("text", "category"), CASES["dangerous_kinds_escalate"])
def test_dangerous_kinds_escalate(detector: RiskDetector, text: str, category: str) -> None:
    result = detector.assess(text)
    assert category in result.categories, ([(hit.rule, hit.text) for hit in result.hits], result.guarded)


@pytest.mark.parametrize("text", CASES["dangerous_kinds_done_or_at_hand_grade_imminent"])
def test_dangerous_kinds_done_or_at_hand_grade_imminent(detector: RiskDetector, text: str) -> None:
    assert detector.assess(text).severity == "imminent"


@pytest.mark.parametrize("text", CASES["dangerous_kind_rules_leave_everyday_words_alone"])
def test_dangerous_kind_rules_leave_everyday_words_alone(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk, [(hit.rule, hit.text) for hit in result.hits]
