"""Telegram in webhook mode, end to end: the secret-token check, bad updates, and a normal turn.

The real Rasa server and action server run from the project's files; the loopback stand-in of the
Bot API POSTs updates to Rasa's /webhooks/telegram/webhook as Telegram would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.channels.telegram.channel import BUTTON_EXPIRED, EDITED, ONLY_TEXT, PRIVATE_ONLY
from tests.support.servers import private_steady_env
from tests.support.telegram_harness import (
    Person,
    TelegramSteady,
    http_post,
    raise_for_log_token,
    start_telegram_steady,
)

pytestmark = pytest.mark.integration

SECRET = "steady-test_Secret-0123456789"
PHOTO = [{"file_id": "ph1", "file_unique_id": "u-ph1", "width": 90, "height": 90, "file_size": 1200}]
STICKER = {
    "file_id": "st1",
    "file_unique_id": "u-st1",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "emoji": "🙂",
}
VOICE = {"file_id": "vo1", "file_unique_id": "u-vo1", "duration": 3, "mime_type": "audio/ogg"}


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramSteady]:
    var_dir = tmp_path_factory.mktemp("telegram-webhook")
    with private_steady_env(var_dir) as env:
        servers = start_telegram_steady(var_dir, env, "webhook", secret=SECRET)
        yield servers
        servers.stop()
        servers.telegram.close()


def user_turns(steady: TelegramSteady, chat_id: int) -> list[dict[str, Any]]:
    return [event for event in steady.tracker(chat_id).get("events") or [] if event.get("event") == "user"]


def an_update(chat_id: int, text: str = "hello") -> bytes:
    message = {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "Sam"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Sam"},
        "text": text,
    }
    return json.dumps({"update_id": 900_000 + chat_id, "message": message}).encode()


def test_the_webhook_is_registered_with_its_secret(steady: TelegramSteady) -> None:
    webhook = steady.telegram.call(lambda: steady.telegram.api.webhook)
    assert webhook.url == steady.webhook_url
    assert webhook.secret_token == SECRET
    assert set(webhook.allowed_updates) == {"message", "edited_message", "callback_query"}


def test_a_turn_through_the_webhook(steady: TelegramSteady) -> None:
    person = Person(steady, 6001)
    queued, statuses = person.deliver({"message": person.message(text="/start")})
    assert statuses == [200]
    assert steady.turn_done(6001, queued["update_id"]), "Rasa answered before the webhook replied"
    assert "automated assistant" in person.texts()[0]


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET[:-1] + "X", SECRET + "X"])
def test_a_wrong_or_missing_secret_token_gets_403_and_reaches_nobody(
    steady: TelegramSteady, secret: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    assert http_post(steady.webhook_url, an_update(6002, "i want to talk"), headers) == 403
    assert user_turns(steady, 6002) == []
    assert steady.telegram.sent_to(6002) == []


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2]", b'"hello"', b"\xff\xfe", b'{"message": {"text": 1}}'])
def test_a_malformed_body_gets_400_and_the_server_carries_on(steady: TelegramSteady, body: bytes) -> None:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert http_post(steady.webhook_url, body, headers) == 400
    assert http_post(steady.webhook_url, an_update(6003), headers) == 200


@pytest.mark.parametrize(
    ("content", "chat_id"),
    [({"sticker": STICKER}, 6101), ({"photo": PHOTO}, 6102), ({"voice": VOICE}, 6103)],
)
def test_stickers_photos_and_voice_notes_get_a_kind_reply(
    steady: TelegramSteady, content: dict[str, Any], chat_id: int
) -> None:
    person = Person(steady, chat_id)
    replies = person.say_expecting(content)
    assert [reply["text"] for reply in replies] == [ONLY_TEXT]
    assert user_turns(steady, chat_id) == [], "nothing went to Rasa"


def test_a_photo_caption_is_read_like_a_message(steady: TelegramSteady) -> None:
    person = Person(steady, 6104)
    person.turn({"message": person.message(photo=PHOTO, caption="/deny hi there")})
    assert [turn["text"] for turn in user_turns(steady, 6104)] == ["deny hi there"]


def test_an_edited_message_gets_a_kind_reply(steady: TelegramSteady) -> None:
    person = Person(steady, 6105)
    edited = {**person.message(text="i feel awful"), "edit_date": 1_700_000_100}
    person.deliver({"edited_message": edited})
    assert person.texts() == [EDITED]
    assert user_turns(steady, 6105) == []


@pytest.mark.parametrize(("chat_id", "chat_type"), [(-4001, "group"), (-1004002, "supergroup")])
def test_group_chats_are_declined_politely(steady: TelegramSteady, chat_id: int, chat_type: str) -> None:
    person = Person(steady, chat_id, chat_type=chat_type)
    replies = person.say_expecting({"text": "/start"})
    assert [reply["text"] for reply in replies] == [PRIVATE_ONLY]
    assert user_turns(steady, chat_id) == []


def test_a_button_the_message_never_offered_is_answered_kindly(steady: TelegramSteady) -> None:
    person = Person(steady, 6106)
    person.say("hello")
    newest = person.sent()[-1]
    forged = steady.telegram.call(
        lambda: steady.telegram.api.queue_callback_query(6106, "p/restart", message_id=newest["message_id"])
    )
    steady.telegram.call(steady.telegram.api.deliver_webhook_updates)
    assert person.texts()[-1] == BUTTON_EXPIRED
    assert all(turn.get("message_id") != f"telegram-{forged['update_id']}" for turn in user_turns(steady, 6106))
    answered = steady.telegram.call(lambda: steady.telegram.api.answered_callback_queries)
    assert any(query["callback_query_id"] == forged["callback_query"]["id"] for query in answered)


def test_the_bot_token_is_never_logged(steady: TelegramSteady) -> None:
    raise_for_log_token(steady)
    assert "Telegram channel running (webhook mode)." in steady.rasa_log()
