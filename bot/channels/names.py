"""The names of Steady's channels, for code that must not load Rasa (the actions, the console, the
web server). The input channels register these names with Rasa (InputChannel.name()); the name a
person last wrote from is their tracker's latest input channel, and the usage log keeps it.
"""

from __future__ import annotations

TELEGRAM = "telegram"  # bot/channels/telegram/
WEBCHAT = "webchat"  # the website widget over socket.io: bot/channels/webchat.py
REST = "rest"  # Rasa's REST channel with Steady's checks: bot/channels/rest.py
CHAT_PAGE = "web"  # the chat page's JSON API (bot/web/server.py) says so in the REST message's metadata
CMDLINE = "cmdline"  # `rasa shell`

# Channels that only answer a request: nothing can reach the person there later (a counselor's
# message during a takeover, a reminder).
ANSWER_ONLY = (REST, CMDLINE)
