"""What Steady's own NLU components share: no training, and each message handled on its own.

A subclass says how it is built from its config.yml entry (`from_config`) and what it does to one
message (`process_message`); Rasa's create/load and the loop over a batch live here once.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.training_data.message import Message


class PerMessageComponent(GraphComponent, IntentClassifier):
    """An untrained intent component that changes each message alone (register subclasses with
    DefaultV1Recipe.register(..., is_trainable=False))."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PerMessageComponent:
        return cls.from_config(config)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PerMessageComponent:
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.process_message(message)
        return messages

    def process_message(self, message: Message) -> None:
        raise NotImplementedError
