"""Rasa input channels of Steady (Telegram: bot.channels.telegram.channel.TelegramInput)."""
