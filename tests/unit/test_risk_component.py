"""RiskDetectorComponent on real Rasa Message objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.risk.component import RiskDetectorComponent, text_to_assess
from bot.risk.decision import Thresholds
from bot.risk.detector import RiskDetector

COMPONENT_NAME = "bot.risk.component.RiskDetectorComponent"


class FixedScorer:
    """A stand-in for the trained risk scorer: a fixed probability per text (0.0 otherwise)."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.fixed = scores

    def score(self, text: str) -> float:
        return self.fixed.get(text.strip(), 0.0)


THRESHOLDS = Thresholds(ask=0.5, escalate=0.9, exercise_ask=0.8)
SCORES = {
    "i feel like i am fading and nobody notices": 0.6,
    "nothing matters, i sorted out who gets the cat": 0.95,
    "i'm not suicidal but nothing matters": 0.7,
    "i'm not suicidal but i feel like fading away": 0.95,
}


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> RiskDetectorComponent:
    lexicon = tmp_path_factory.mktemp("lexicon") / "no_lexicon.json"
    config = RiskDetectorComponent.get_default_config()
    return RiskDetectorComponent(config, RiskDetector(lexicon), FixedScorer(SCORES), THRESHOLDS)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def without_scorer(component: RiskDetectorComponent) -> RiskDetectorComponent:
    config = RiskDetectorComponent.get_default_config()
    return RiskDetectorComponent(config, component.detector, None, THRESHOLDS)


def diet_message(text: str, ranking: list[tuple[str, float]]) -> Message:
    """A message as DIETClassifier leaves it: intent plus ranking."""
    items = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message = Message(data={TEXT: text}, output_properties={TEXT})
    message.set(INTENT, items[0], add_to_output=True)
    message.set(INTENT_RANKING_KEY, items, add_to_output=True)
    return message


def names(message: Message) -> list[str]:
    return [item["name"] for item in message.get(INTENT_RANKING_KEY)]


def test_component_is_registered_under_its_config_name() -> None:
    registered = DefaultV1Recipe._from_registry(COMPONENT_NAME)
    assert registered.clazz is RiskDetectorComponent
    assert DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in registered.types
    assert registered.is_trainable is False


def test_rule_hit_overrides_the_intent(component: RiskDetectorComponent) -> None:
    message = diet_message("honestly i just want to die", [("mood_low", 0.8), ("risk", 0.1), ("greet", 0.1)])
    component.process([message])
    assert message.get(INTENT) == {"name": "risk", "confidence": 1.0}
    assert names(message) == ["risk", "mood_low", "greet"]
    risk = message.get("risk")
    assert risk["is_risk"] and risk["categories"] == ["passive_ideation"]
    assert "risk" in message.as_dict(only_output_properties=True)


def test_no_risk_leaves_the_intent_alone(component: RiskDetectorComponent) -> None:
    message = diet_message("can we do box breathing", [("exercise_breathing", 0.9), ("risk", 0.05)])
    component.process([message])
    assert message.get(INTENT)["name"] == "exercise_breathing"
    assert names(message) == ["exercise_breathing", "risk"]
    assert message.get("risk")["is_risk"] is False


@pytest.mark.parametrize(
    "text", ["I'm not suicidal, just stressed", "this exam is killing me", "my friend died by suicide years ago"]
)
def test_guarded_model_risk_is_demoted(component: RiskDetectorComponent, text: str) -> None:
    message = diet_message(text, [("risk", 0.7), ("mood_anxious", 0.2), ("mood_low", 0.1)])
    component.process([message])
    assert message.get(INTENT)["name"] == "mood_anxious"
    assert message.get(INTENT)["confidence"] == pytest.approx(2 / 3)
    assert names(message) == ["mood_anxious", "mood_low", "risk"]
    assert message.get(INTENT_RANKING_KEY)[-1] == {"name": "risk", "confidence": 0.7}
    assert message.get("risk")["is_risk"] is False
    assert message.get("risk")["guarded"]


def test_demotion_without_an_alternative_leaves_no_intent(component: RiskDetectorComponent) -> None:
    message = diet_message("i'm not suicidal", [("risk", 0.9)])
    component.process([message])
    assert message.get(INTENT) == {"name": None, "confidence": 0.0}


def test_a_score_above_the_ask_threshold_becomes_a_direct_check_with_a_scorer_hit(
    component: RiskDetectorComponent,
) -> None:
    text = "i feel like i am fading and nobody notices"
    message = diet_message(text, [("mood_low", 0.6), ("risk", 0.4)])
    component.process([message])
    # confidence 1.0 and the rest at 0.0: FallbackClassifier must not turn the question into nlu_fallback
    assert message.get(INTENT) == {"name": "risk_check", "confidence": 1.0}
    assert message.get("intent_ranking") == [{"name": "risk_check", "confidence": 1.0},
                                             {"name": "mood_low", "confidence": 0.0}]
    risk = message.get("risk")
    assert risk["is_risk"] is True and risk["severity"] == "moderate" and risk["score"] == 0.6
    assert risk["hits"] == [
        {
            "category": "unspecified",
            "severity": "moderate",
            "start": 0,
            "end": len(text),
            "text": text,
            "rule": "model:scorer",
        }
    ]


def test_diet_saying_risk_no_longer_decides_on_its_own(component: RiskDetectorComponent) -> None:
    message = diet_message("my back hurts from the new chair at work", [("risk", 0.8), ("mood_problem", 0.2)])
    component.process([message])
    assert message.get(INTENT) == {"name": "mood_problem", "confidence": 1.0}
    assert message.get("risk")["is_risk"] is False and message.get("risk")["score"] == 0.0


def test_a_very_high_score_escalates_and_is_graded_from_the_words(component: RiskDetectorComponent) -> None:
    message = diet_message("nothing matters, i sorted out who gets the cat", [("mood_low", 0.9)])
    component.process([message])
    assert message.get(INTENT) == {"name": "risk", "confidence": 1.0}
    hit = message.get("risk")["hits"][0]
    assert (hit["rule"], hit["category"]) == ("model:scorer", "unspecified")


def test_a_guard_demotes_the_score_one_step(component: RiskDetectorComponent) -> None:
    asked_before = diet_message("i'm not suicidal but nothing matters", [("mood_low", 0.9)])
    escalated_before = diet_message("i'm not suicidal but i feel like fading away", [("mood_low", 0.9)])
    component.process([asked_before, escalated_before])
    assert asked_before.get(INTENT)["name"] == "mood_low"
    assert escalated_before.get(INTENT)["name"] == "risk_check"
    assert escalated_before.get("risk")["guarded"]


def test_without_the_scorer_the_earlier_behaviour_stays(without_scorer: RiskDetectorComponent) -> None:
    text = "i feel like i am fading and nobody notices"
    message = diet_message(text, [("risk", 0.6), ("mood_low", 0.4)])
    without_scorer.process([message])
    assert message.get(INTENT) == {"name": "risk_check", "confidence": 0.6}
    assert message.get("risk")["hits"][0]["rule"] == "model:diet"
    assert message.get("risk")["score"] is None


def test_typed_intent_text_is_still_assessed(component: RiskDetectorComponent) -> None:
    text = '/deny{"note": "x"} i want to kill myself'
    message = diet_message(text, [("deny", 1.0)])
    component.process([message])
    assert message.get(INTENT)["name"] == "risk"
    hit = message.get("risk")["hits"][0]
    assert text[hit["start"] : hit["end"]] == "kill myself"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/greet", "      "),
        ("/deny@0.9 i want to die", "          i want to die"),
        ("hello /there", "hello /there"),
    ],
)
def test_typed_intent_prefix_is_blanked(text: str, expected: str) -> None:
    assert text_to_assess(text) == expected


def test_message_without_intent_or_text(component: RiskDetectorComponent) -> None:
    message = Message(data={})
    component.process([message])
    assert message.get("risk")["is_risk"] is False
    assert message.get(INTENT) is None


def test_lexicon_path_config_is_relative_to_the_repo(tmp_path: Path) -> None:
    component = RiskDetectorComponent.create(
        {"lexicon_path": "var/build/definitely_missing.json"},
        LocalModelStorage(tmp_path),
        Resource("r"),
        ExecutionContext(GraphSchema({})),
    )
    assert component.detector.lexicon_label == "curated"


def test_config_wires_the_component_between_diet_and_fallback() -> None:
    from rasa.shared.data import TrainingType

    config = {
        "recipe": "default.v1",
        "language": "en",
        "policies": [{"name": "RulePolicy"}],
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "DIETClassifier", "epochs": 1},
            {"name": COMPONENT_NAME},
            {"name": "FallbackClassifier", "threshold": 0.3},
        ],
    }
    schema = DefaultV1Recipe().graph_config_for_recipe(config, {}, TrainingType.NLU).predict_schema
    risk_node = next(name for name in schema.nodes if "RiskDetectorComponent" in name)
    fallback_node = next(name for name in schema.nodes if "FallbackClassifier" in name)
    assert schema.nodes[risk_node].uses is RiskDetectorComponent
    assert schema.nodes[risk_node].needs == {"messages": "run_DIETClassifier2"}
    assert schema.nodes[fallback_node].needs == {"messages": risk_node}


@pytest.mark.parametrize("text", ["ready", "my sleeve", "mint"])
def test_the_model_alone_is_not_trusted_on_one_or_two_words(component: RiskDetectorComponent, text: str) -> None:
    message = diet_message(text, [("risk", 0.99), ("mood_okay", 0.01)])
    component.process([message])
    assert message.get(INTENT)["name"] == "mood_okay"
    assert message.get("risk")["hits"] == []


def test_short_risk_phrases_are_still_caught_by_the_rules(component: RiskDetectorComponent) -> None:
    message = diet_message("kms", [("mood_low", 0.9)])
    component.process([message])
    assert message.get(INTENT)["name"] == "risk"


def test_an_unreadable_scorer_leaves_the_rules_running(tmp_path: Path) -> None:
    broken = tmp_path / "scorer.json"
    broken.write_text("{not json", encoding="utf-8")
    component = RiskDetectorComponent.create(
        {"lexicon_path": "var/build/definitely_missing.json", "scorer_path": str(broken)},
        LocalModelStorage(tmp_path),
        Resource("r"),
        ExecutionContext(GraphSchema({})),
    )
    assert component.scorer is None
    message = diet_message("honestly i just want to die", [("mood_low", 0.9)])
    component.process([message])
    assert message.get(INTENT)["name"] == "risk"
