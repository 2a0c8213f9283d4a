"""What typed Telegram text becomes for Rasa, the country guess, and when the channel is off."""

from __future__ import annotations

import logging

import pytest

from bot.channels.telegram.channel import TelegramInput, settings_from
from bot.channels.telegram.incoming import command_name, country_guess, text_for_rasa


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("/start", "/greet"),
        ("/start abc123", "/greet"),
        ("/Start@steady_bot", "/greet"),
        ("/help", "/show_menu"),
        ("/stop", "/stop"),
        ("  /stop  ", "/stop"),
    ],
)
def test_the_channels_own_commands_are_translated(typed: str, sent: str) -> None:
    assert text_for_rasa(typed) == sent


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("/deny", "deny"),
        ("/goodbye", "goodbye"),
        ("//restart", "restart"),
        (" / / greet", "greet"),
        ('/request_exercise{"exercise": "breathing"}', 'request_exercise{"exercise": "breathing"}'),
        ("/stopping now", "stopping now"),
        ("i feel awful", "i feel awful"),
        ("a/b", "a/b"),
    ],
)
def test_typed_text_never_reaches_rasa_with_a_leading_slash(typed: str, sent: str) -> None:
    assert text_for_rasa(typed) == sent
    assert not text_for_rasa(typed).startswith("/")


def test_a_bare_slash_asks_for_the_menu() -> None:
    assert text_for_rasa("/") == "/show_menu"
    assert text_for_rasa(" // ") == "/show_menu"


def test_command_names() -> None:
    assert command_name("/forget") == "forget"
    assert command_name("/FORGET@steady_bot please") == "forget"
    assert command_name("forget") is None
    assert command_name("/") is None
    assert command_name("") is None


@pytest.mark.parametrize(
    ("language_code", "country"),
    [
        ("en-GB", "GB"),
        ("en-us", "US"),
        ("pt_BR", "BR"),
        ("de", "DE"),
        ("DE", "DE"),
        ("nb", "NO"),
        ("en", None),
        ("es", None),
        ("fr", None),
        ("es-419", None),
        ("zh-hans", None),
        ("", None),
        (None, None),
    ],
)
def test_language_code_gives_a_first_guess_of_the_country(language_code: str | None, country: str | None) -> None:
    assert country_guess(language_code) == country


# ---------------------------------------------------------------- settings


CREDENTIALS = {
    "token_env": "STEADY_TEST_TG_TOKEN",
    "webhook_url_env": "STEADY_TEST_TG_URL",
    "secret_token_env": "STEADY_TEST_TG_SECRET",
}


def test_without_a_token_the_channel_is_inactive_with_one_info_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.channels.telegram.channel")
    channel = TelegramInput.from_credentials(CREDENTIALS)
    assert channel.settings is None
    assert channel.get_output_channel() is None
    records = [record for record in caplog.records if record.name == "bot.channels.telegram.channel"]
    assert [(record.levelname, record.getMessage()) for record in records] == [
        ("INFO", "Telegram channel inactive: STEADY_TEST_TG_TOKEN is not set.")
    ]


def test_a_token_without_a_public_url_means_long_polling() -> None:
    settings = settings_from(CREDENTIALS, {"STEADY_TEST_TG_TOKEN": "123:abc"})
    assert settings is not None and settings.mode == "polling"
    assert settings.base_url == "https://api.telegram.org/bot"


def test_a_public_url_means_webhook_with_a_secret_even_when_none_is_set() -> None:
    env = {"STEADY_TEST_TG_TOKEN": "123:abc", "STEADY_TEST_TG_URL": "https://steady.example/webhooks/telegram/webhook"}
    settings = settings_from(CREDENTIALS, env)
    assert settings is not None and settings.mode == "webhook"
    assert len(settings.secret_token) >= 32 and "123:abc" not in settings.secret_token
    assert settings_from(CREDENTIALS, env) == settings, "the derived secret is stable"
    other = settings_from(CREDENTIALS, {**env, "STEADY_TEST_TG_TOKEN": "456:def"})
    assert other is not None and other.secret_token != settings.secret_token


def test_a_secret_telegram_would_refuse_turns_the_channel_off(caplog: pytest.LogCaptureFixture) -> None:
    env = {"STEADY_TEST_TG_TOKEN": "123:abc", "STEADY_TEST_TG_SECRET": "has spaces!"}
    assert settings_from(CREDENTIALS, env) is None
    assert "STEADY_TEST_TG_SECRET" in caplog.text and "has spaces" not in caplog.text
