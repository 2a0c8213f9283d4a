"""Steady on Telegram, a Rasa input channel (credentials.yml: `bot.channels.telegram.channel.TelegramInput`).

A pure core that never touches the network, unit-tested directly: `incoming.py` (commands, typed
slashes, a first country guess) and `render.py` (keyboards, button data, long-text splitting,
breathing frames). Around it the effectful shell: `channel.py` (settings, polling or webhook, sending)
and `pacer.py` (the breathing pacer as one message edited in the background).
"""
