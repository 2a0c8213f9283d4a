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

COMPONENT_NAME = "bot.risk.component.RiskDetectorComponent"


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> RiskDetectorComponent:
    storage_dir = tmp_path_factory.mktemp("model_storage")
    config = {**RiskDetectorComponent.get_default_config(), "lexicon_path": str(storage_dir / "no_lexicon.json")}
    return RiskDetectorComponent.create(
        config,
        LocalModelStorage(storage_dir),
        Resource("risk_detector"),
        ExecutionContext(GraphSchema({}), "test-model"),
    )


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


def test_unguarded_model_risk_becomes_a_direct_check_with_a_model_hit(component: RiskDetectorComponent) -> None:
    text = "i feel like i am fading and nobody notices"
    message = diet_message(text, [("risk", 0.6), ("mood_low", 0.4)])
    component.process([message])
    assert message.get(INTENT) == {"name": "risk_check", "confidence": 0.6}
    assert [item["name"] for item in message.get("intent_ranking")] == ["risk_check", "mood_low"]
    risk = message.get("risk")
    assert risk["is_risk"] is True and risk["severity"] == "moderate"
    assert risk["hits"] == [
        {
            "category": "unspecified",
            "severity": "moderate",
            "start": 0,
            "end": len(text),
            "text": text,
            "rule": "model:diet",
        }
    ]


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
