"""The risk scorer, the decision that combines it with the rules, and severity from the words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.risk.dataset import Row
from bot.risk.decision import ANSWER, ASK, ESCALATE, NONE, Thresholds, decide, decide_in_exercise
from bot.risk.detector import RiskDetector
from bot.risk.model import RiskAssessment, RiskHit
from bot.risk.scorer import RiskScorer, build_if_stale, new_pipeline, normalised
from bot.risk.severity import grade_words

TINY = [
    Row("i want to die", "risk"), Row("i wanna kill myself tonight", "risk"), Row("took all my pills", "risk"),
    Row("nobody would miss me if i was gone", "risk"), Row("i have the rope ready", "risk"),
    Row("my cat knocked over my coffee", "safe"), Row("exams are killing me lol", "safe"),
    Row("screen, keyboard, window", "safe"), Row("i walked the dog and felt better", "safe"),
    Row("my landlord wont fix the heating", "safe"),
]
THRESHOLDS = Thresholds(ask=0.5, escalate=0.9, exercise_ask=0.8)


def test_plain_python_scores_match_scikit_learn_and_survive_a_save(tmp_path: Path) -> None:
    pipeline = new_pipeline()
    pipeline.fit([row.text for row in TINY], [int(row.is_risk) for row in TINY])
    scorer = RiskScorer.from_pipeline(pipeline, {"note": "tiny"})
    texts = ["I’m going to   take the pills", "coffee, window", "", "Ω unseen ngrams only"]
    expected = pipeline.predict_proba(texts)[:, 1]
    assert scorer.scores(texts) == pytest.approx(list(expected), abs=1e-9)
    scorer.save(tmp_path / "scorer.json")
    loaded = RiskScorer.load(tmp_path / "scorer.json")
    assert loaded.card == {"note": "tiny"}
    assert loaded.scores(texts) == pytest.approx(list(expected), abs=1e-6)


@pytest.mark.parametrize(
    ("text", "seen"),
    [("A want tae kill masel", "i want to kill myself"), ("kms rn", "kill myself right now"),
     ("I’m  thinkin’ about it", "i'm thinking about it")],
)
def test_the_ngrams_see_the_text_respelt_as_the_rules_see_it(text: str, seen: str) -> None:
    assert normalised(text) == seen


def assessment(risk: bool = False, guarded: bool = False) -> RiskAssessment:
    hits = (RiskHit("passive_ideation", "low", 0, 4, "x", "r"),) if risk else ()
    return RiskAssessment(hits, ("negation:suicidal",) if guarded else ())


@pytest.mark.parametrize(
    ("risk", "guarded", "score", "expected"),
    [
        (True, False, 0.0, ESCALATE),  # the rules fire: escalate whatever the score
        (True, False, None, ESCALATE),
        (False, False, 0.95, ESCALATE),
        (False, False, 0.6, ASK),
        (False, False, 0.4, NONE),
        (False, True, 0.95, ASK),  # a guard demotes one step
        (False, True, 0.6, NONE),
        (False, False, None, NONE),  # no scorer: only the rules
    ],
)
def test_the_decision_table(risk: bool, guarded: bool, score: float | None, expected: str) -> None:
    assert decide(assessment(risk, guarded), score, THRESHOLDS) == expected


def test_an_imminent_cue_in_the_words_asks_from_a_lower_score() -> None:
    thresholds = Thresholds(ask=0.5, escalate=0.9, exercise_ask=0.8, imminent_ask=0.3)
    assert decide(assessment(), 0.4, thresholds, imminent_words=True) == ASK
    assert decide(assessment(), 0.4, thresholds, imminent_words=False) == NONE
    assert decide(assessment(), 0.2, thresholds, imminent_words=True) == NONE


def test_in_an_exercise_only_a_very_high_score_asks() -> None:
    assert decide_in_exercise(ASK, 0.7, THRESHOLDS) == ANSWER
    assert decide_in_exercise(ASK, 0.85, THRESHOLDS) == ASK
    assert decide_in_exercise(ESCALATE, 0.1, THRESHOLDS) == ESCALATE
    assert decide_in_exercise(NONE, 0.1, THRESHOLDS) == NONE


def test_in_an_exercise_an_imminent_cue_asks_from_its_own_lower_score() -> None:
    thresholds = Thresholds(ask=0.5, escalate=0.9, exercise_ask=0.8, imminent_ask=0.3, exercise_imminent_ask=0.6)
    assert decide_in_exercise(ASK, 0.65, thresholds, imminent_words=True) == ASK
    assert decide_in_exercise(ASK, 0.65, thresholds, imminent_words=False) == ANSWER
    assert decide_in_exercise(ASK, 0.5, thresholds, imminent_words=True) == ANSWER


def test_the_exercise_imminent_threshold_defaults_to_the_exercise_one(tmp_path: Path) -> None:
    path = tmp_path / "thresholds.yml"
    path.write_text("ask: 0.5\nescalate: 0.9\nexercise_ask: 0.8\nimminent_ask: 0.3\n")
    assert Thresholds.load(path).exercise_imminent_ask == 0.8


@pytest.mark.parametrize(
    "text",
    [
        "i have the pills in front of me",
        "took the whole packet an hour ago",
        "i swallowed all my tablets",
        "i cut my arm really deep and its bleeding",
        "it wont stop bleeding",
        "friday after school, thats when",
        "goodbye everyone, thank you for everything",
        "wrote letters for my family last night",
        "gave away my dog and all my stuff",
    ],
)
def test_imminent_cues_in_the_words(text: str) -> None:
    assert grade_words(text) == "imminent"


@pytest.mark.parametrize("text", ["i feel like fading away", "nothing matters much", "bye for now, talk later"])
def test_no_imminent_cue_is_moderate(text: str) -> None:
    assert grade_words(text) == "moderate"


@pytest.fixture(scope="module")
def trained() -> RiskScorer:
    build_if_stale()
    return RiskScorer.load()


def test_pills_in_front_of_me_is_imminent_by_the_rules() -> None:
    result = RiskDetector().assess("i have the pills in front of me")
    assert result.is_risk and result.severity == "imminent"


@pytest.mark.parametrize(
    "text", ["screen, keyboard, coffee cup, sticky notes, window", "my hoodie, the desk, my phone, cold floor"]
)
def test_a_grounding_list_during_grounding_is_not_asked_about(trained: RiskScorer, text: str) -> None:
    thresholds = Thresholds.load()
    decision = decide(RiskDetector().assess(text), trained.score(text), thresholds)
    assert decide_in_exercise(decision, trained.score(text), thresholds) not in (ASK, ESCALATE)
