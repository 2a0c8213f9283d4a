"""Rasa input channels of Steady, each registered in credentials.yml: rest.py (Rasa's REST channel with
Steady's checks), webchat.py (the widget's socket.io channel) and telegram/ (Telegram). inbound.py holds
the rules every channel, and the chat page, apply to a message before Rasa sees it; names.py their
names, for code that must not load Rasa."""
