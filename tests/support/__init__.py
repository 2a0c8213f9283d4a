"""Helpers the test suites share: stand-ins for outside services, served for real on 127.0.0.1
(random ports), and ways to set Steady up for a test.

loopback          what they share: a free port on 127.0.0.1, start()/stop() or `async with`
telegram_api      FakeTelegramApi: the Telegram Bot API, good enough for python-telegram-bot 22
webhook_receiver  WebhookReceiver: records HTTP POSTs, can answer errors on demand
smtp              SmtpServer: an aiosmtpd server (optional STARTTLS and login) + a test certificate
fake_rasa         FakeRasa: Rasa behind the chat page, recording what reaches it
steady_env        isolate_steady(): a fresh database / var dir / on-call path for one test
trackers          real rasa_sdk Trackers for action tests, and running an action
servers           Steady's real servers on loopback for one test module (needs the trained model)
telegram_harness  Steady's Rasa server with the Telegram channel against FakeTelegramApi
console           rows for console tests: conversations, escalations, usage, accounts
"""
