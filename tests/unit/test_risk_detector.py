"""Behaviour of the risk detector: normalisation, guards, categories, severity, spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.risk import CATEGORIES, RiskAssessment, RiskDetector, RiskHit, severity_rank
from bot.risk.normalize import Normalizer
from bot.risk.pipeline import vocabulary


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> RiskDetector:
    """Curated rules only, whatever is in var/build."""
    return RiskDetector(tmp_path_factory.mktemp("lexicon") / "absent.json")


@pytest.fixture(scope="module")
def normalize() -> Normalizer:
    return Normalizer(vocabulary())


# ----------------------------------------------------------------------------- normalisation
@pytest.mark.parametrize(("raw", "expected"), [
    ("I’m SO tired", "i'm so tired"),
    ("sooooo done", "so done"),
    ("goooood night", "good night"),
    ("need some sleep, too", "need some sleep, too"),
    ("i want to dieeee", "i want to die"),
    ("kiiiill myself", "kill myself"),
    ("kms rn", "kill myself right now"),
    ("kys", "kill yourself"),
    ("gonna ctb", "going to kill myself"),
    ("i want to unalive myself", "i want to kill myself"),
    ("i want to unalive", "i want to kill myself"),
    ("thinking about sewerslide", "thinking about suicide"),
    ("su1c1de", "suicide"),
    ("s*icide thoughts", "suicide thoughts"),
    ("$uicidal", "suicidal"),
    ("s u i c i d e", "suicide"),
    ("im not ok", "i'm not ok"),
    ("wanna off myself", "want to off myself"),
    ("dont think ill be around", "don't think i'll be around"),
])
def test_normalisation(normalize: Normalizer, raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize("raw", ["I’m sooooo done with lifeeee", "KMS RN!!", "s u i c i d e", "a\u00a0b"])
def test_normalised_characters_map_back_into_the_original(normalize: Normalizer, raw: str) -> None:
    result = normalize(raw)
    assert len(result.starts) == len(result.ends) == len(result.text)
    assert all(0 <= start < end <= len(raw) for start, end in zip(result.starts, result.ends, strict=True))
    assert result.original_span(0, len(result.text)) == (0, len(raw))


# ------------------------------------------------------------------------------- categories
@pytest.mark.parametrize(("text", "category", "min_severity"), [
    ("i wish i was never born", "passive_ideation", "low"),
    ("no one would miss me if i was gone", "passive_ideation", "low"),
    ("i want to kill myself", "active_ideation", "moderate"),
    ("been having suicidal thoughts", "active_ideation", "moderate"),
    ("i'm going to end my life", "plan_intent", "high"),
    ("i wrote a goodbye note for my mum", "plan_intent", "high"),
    ("i've been cutting myself", "self_harm", "moderate"),
    ("i want to hurt my brother", "harm_to_others", "moderate"),
    ("my stepdad hits me", "abuse_danger", "moderate"),
    ("someone keeps following me", "abuse_danger", "moderate"),
    ("my dad hurts my little sister", "abuse_danger", "moderate"),
])
def test_each_category(detector: RiskDetector, text: str, category: str, min_severity: str) -> None:
    result = detector.assess(text)
    assert category in result.categories
    assert severity_rank(result.severity) >= severity_rank(min_severity)


@pytest.mark.parametrize("text", [
    "everyone would be better off without me",
    "I've been giving my things away",
    "I wrote goodbye letters",
    "I don't want to wake up tomorrow",
    "what's the point of going on",
    "I won't be a burden much longer",
    "I just want it all to stop forever",
])
def test_indirect_phrasing_is_caught(detector: RiskDetector, text: str) -> None:
    assert detector.assess(text).is_risk


@pytest.mark.parametrize(("text", "category"), [
    ("kys", "harm_to_others"),
    ("they keep telling me to kys", "abuse_danger"),
])
def test_kys_is_harm_to_others_unless_it_is_said_to_the_person(
        detector: RiskDetector, text: str, category: str) -> None:
    assert detector.assess(text).categories == (category,)


# ----------------------------------------------------------------------------------- guards
@pytest.mark.parametrize("text", [
    "I'm not suicidal, just stressed",
    "i would never kill myself",
    "i don't have any thoughts of hurting myself",
    "no thoughts of self harm at all",
    "suicidal? no, not at all",
    "nobody is hurting me at home",
])
def test_negation_does_not_fire(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk
    assert any(reason.startswith("negation:") for reason in result.guarded)


@pytest.mark.parametrize("text", [
    "I never said I wasn't going to hurt myself",
    "not gonna lie i want to die",
    "i can't stop thinking about killing myself",
    "i'm not sure i want to live anymore",
    "im not ok i want to end things",
])
def test_hedges_and_double_negation_still_fire(detector: RiskDetector, text: str) -> None:
    assert detector.assess(text).is_risk


@pytest.mark.parametrize("text", [
    "this exam is killing me",
    "I could murder a pizza",
    "dying laughing at this",
    "my feet are killing me",
    "I'd kill for a coffee",
    "you're killing it",
    "he's drop dead gorgeous",
    "i cut myself shaving",
    "i'm gonna kill my sister lol",
    "i killed him in fortnite",
])
def test_idioms_and_hyperbole_do_not_fire(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk
    assert result.guarded


def test_idiom_guard_names_the_idiom(detector: RiskDetector) -> None:
    assert "idiom:killing me" in detector.assess("this exam is killing me").guarded


@pytest.mark.parametrize("text", [
    "my friend died by suicide years ago",
    "my uncle took his own life in 2010",
    "my cousin killed himself",
    "she says she wants to die",
])
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
@pytest.mark.parametrize(("text", "severity"), [
    ("i want to die", "low"),
    ("i want to die right now", "moderate"),
    ("i want to kill myself", "moderate"),
    ("i want to kill myself tonight", "high"),
    ("i've been giving my things away", "high"),
    ("i tried to kill myself last week", "high"),
    ("i'm going to kill myself tonight", "imminent"),
    ("I have the pills here", "imminent"),
    ("I'm on the bridge", "imminent"),
    ("i just took all my pills", "imminent"),
    ("i cut myself", "moderate"),
    ("i'm cutting right now", "high"),
    ("he threatened to kill me", "high"),
])
def test_severity_grading(detector: RiskDetector, text: str, severity: str) -> None:
    assert detector.assess(text).severity == severity


def test_severity_scale_is_ordered() -> None:
    assert [severity_rank(s) for s in ("low", "moderate", "high", "imminent")] == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        severity_rank("extreme")


# ------------------------------------------------------------------------------------ spans
@pytest.mark.parametrize(("text", "expected"), [
    ("ok so… I WANT TO KILL MYSELF", "KILL MYSELF"),
    ("I’m sooooo done with lifeeee", "done with lifeeee"),
    ("honestly kms", "kms"),
    ("the s*icide thoughts again", "s*icide"),
    ("I don’t want to wake up", "don’t want to wake up"),
])
def test_spans_point_into_the_original_text(detector: RiskDetector, text: str, expected: str) -> None:
    hits = detector.assess(text).hits
    assert [hit.text for hit in hits] == [expected]
    assert all(text[hit.start:hit.end] == hit.text for hit in hits)


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
    assert text[hits[0].start:hits[0].end] == "want to die"
    assert not detector.assess("a" * 10_000).is_risk


# ---------------------------------------------------------------------------- result types
def test_assessment_summarises_its_hits() -> None:
    hits = (RiskHit("passive_ideation", "low", 0, 4, "want", "r1"),
            RiskHit("plan_intent", "imminent", 5, 9, "plan", "r2"),
            RiskHit("passive_ideation", "moderate", 10, 12, "xy", "r3"))
    result = RiskAssessment(hits, ("negation:x",))
    assert result.is_risk
    assert result.severity == "imminent"
    assert result.categories == ("passive_ideation", "plan_intent")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["hits"][1] == {"category": "plan_intent", "severity": "imminent", "start": 5,
                               "end": 9, "text": "plan", "rule": "r2"}
    assert data["guarded"] == ["negation:x"] and data["is_risk"] is True


def test_no_hits_means_no_risk() -> None:
    result = RiskAssessment()
    assert (result.is_risk, result.severity, result.categories) == (False, None, ())


def test_every_hit_uses_a_known_category_and_severity(detector: RiskDetector) -> None:
    texts = ["i want to die and i'm going to kill myself tonight, he hits me, i cut myself",
             "i want to stab him", "kys"]
    for text in texts:
        for hit in detector.assess(text).hits:
            assert hit.category in CATEGORIES
            severity_rank(hit.severity)


def test_default_lexicon_path_is_optional() -> None:
    assert RiskDetector(Path("/nonexistent/srl.json")).lexicon_label == "curated"
