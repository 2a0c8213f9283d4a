"""Reusable stand-ins for outside services, served for real on 127.0.0.1 (random ports).

telegram_api     FakeTelegramApi: the Telegram Bot API, good enough for python-telegram-bot 22
webhook_receiver WebhookReceiver: records HTTP POSTs, can answer errors on demand
smtp             SmtpServer: an aiosmtpd server (optional STARTTLS and login) + a test certificate
steady_env       isolate_steady(): a fresh database / var dir / on-call path for one test
"""
