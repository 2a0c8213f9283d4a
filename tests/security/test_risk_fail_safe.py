"""Finding 6 in the risk component: it never fails the NLU graph; half an emoji does not hide risk;
a detector that breaks flags the message for review instead of dropping it."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT

from bot.risk.component import REVIEW_RULE, RiskDetectorComponent
from tests.unit.test_risk_component import component, diet_message  # noqa: F401 - the fixture

HALF_AN_EMOJI = "\ud83d"


def test_risk_with_half_an_emoji_is_still_found(component: RiskDetectorComponent) -> None:  # noqa: F811
    message = diet_message("I want to kill myself tonight " + HALF_AN_EMOJI, [("mood_low", 0.9), ("risk", 0.1)])
    component.process([message])
    assert message.get(INTENT)["name"] == "risk"
    assert message.get("risk")["is_risk"]


def test_a_broken_detector_flags_the_message_for_review_instead_of_failing(
    component: RiskDetectorComponent, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    def broken(_text: str) -> None:
        raise ValueError("[E123] something inside spaCy")

    monkeypatch.setattr(component.detector, "assess", broken)
    message = diet_message("i had a rough day", [("mood_low", 0.9), ("risk", 0.1)])
    component.process([message])
    assert message.get(INTENT)["name"] == "risk"
    assert [hit["rule"] for hit in message.get("risk")["hits"]] == [REVIEW_RULE]


@pytest.mark.asyncio
async def test_when_handling_a_widget_message_fails_the_person_gets_a_useful_reply() -> None:
    from tests.unit.test_webchat_channel import MENU, SENDER, channel_with_offer

    channel = await channel_with_offer(MENU)
    replies: list[str] = []

    async def reply(_sid: str, text: str) -> None:
        replies.append(text)

    async def failing(_message: object) -> None:
        raise ValueError("[E123] something inside spaCy")

    channel._reply = reply  # type: ignore[method-assign]
    await channel.handle_message(SENDER, {"message": "i want to kill myself tonight"}, failing)
    assert replies and "emergency number" in replies[0]


@pytest.mark.asyncio
async def test_when_handling_a_rest_message_fails_the_reply_says_so() -> None:
    from types import SimpleNamespace

    from rasa.core.channels.channel import UserMessage

    from bot.channels.rest import RestInput

    async def failing(_message: UserMessage) -> None:
        raise ValueError("[E123] something inside spaCy")

    blueprint = RestInput().blueprint(failing)
    receive = next(route.handler for route in blueprint._future_routes if route.uri == "/webhook")
    request = SimpleNamespace(json={"sender": "738201945", "message": "i want to die"},
                              app=SimpleNamespace(ctx=SimpleNamespace()))
    reply = await receive(request)
    assert reply.status == 200 and b"emergency number" in reply.body


@pytest.mark.asyncio
async def test_a_widget_message_sent_just_before_the_tab_closes_is_still_handled() -> None:
    """Found by the fuzz test: the room could not be entered for a closed socket, and the message
    (a risk message too) was dropped."""
    from tests.unit.test_webchat_channel import MENU, SENDER, Collected, channel_with_offer

    channel = await channel_with_offer(MENU)
    channel.session_persistence = True

    async def closed(*_args: object, **_kwargs: object) -> None:
        raise KeyError("sid is not connected")

    channel.sio.enter_room = closed  # type: ignore[method-assign]
    collected = Collected()
    session_id = "0123456789abcdef" * 4
    await channel.handle_message(SENDER, {"message": "i want to end my life", "session_id": session_id}, collected)
    assert [message.text for message in collected.messages] == ["i want to end my life"]
