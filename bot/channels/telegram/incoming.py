"""Pure parts of the Telegram channel on the way in: commands, typed slashes, a first country guess.

Rasa treats any text starting with "/" as a forced intent ("/deny" becomes the intent deny), so
typed text never reaches Rasa with a leading slash unless it is a command this channel maps itself.
Button presses are not typed text: they carry the payloads the assistant offered, unchanged.
"""

from __future__ import annotations

import re

from bot.channels.inbound import typed_text
from bot.wording import say

# Telegram commands the channel translates for Rasa; /forget is handled by the channel itself.
RASA_COMMANDS = {"start": "/greet", "help": "/show_menu", "stop": "/stop"}
FORGET_COMMAND = "forget"
# The command menu beside the message box, described in bot/content/telegram.yml.
BOT_COMMANDS = [(name, say("telegram", "commands", name)) for name in ("start", "help", "stop", "forget")]

# Languages spoken mostly in one country: a plain language code is a fair first guess for them.
# Languages spread over many countries (en, es, pt, fr, ar, zh, ru, ...) give no guess.
COUNTRY_OF_LANGUAGE = {
    "bg": "BG",
    "cs": "CZ",
    "da": "DK",
    "de": "DE",
    "el": "GR",
    "et": "EE",
    "fi": "FI",
    "he": "IL",
    "hr": "HR",
    "hu": "HU",
    "is": "IS",
    "it": "IT",
    "ja": "JP",
    "ko": "KR",
    "lt": "LT",
    "lv": "LV",
    "nb": "NO",
    "nl": "NL",
    "nn": "NO",
    "no": "NO",
    "pl": "PL",
    "ro": "RO",
    "sk": "SK",
    "sl": "SI",
    "sv": "SE",
    "th": "TH",
    "tr": "TR",
    "uk": "UA",
    "vi": "VN",
}
_REGION = re.compile(r"^[A-Za-z]{2,3}[-_]([A-Za-z]{2})$")


def command_name(text: str) -> str | None:
    """'/start', '/Start@steady_bot payload' -> 'start'; None when the text is not a command."""
    words = text.strip().split(maxsplit=1)
    if not words or not words[0].startswith("/") or len(words[0]) < 2:
        return None
    return words[0][1:].split("@", 1)[0].lower() or None


def text_for_rasa(text: str) -> str:
    """What typed text becomes for Rasa: mapped commands translated, other leading slashes removed."""
    name = command_name(text)
    if name in RASA_COMMANDS:
        return RASA_COMMANDS[name]
    cleaned = typed_text(text)  # bot/channels/inbound.py, as in every channel
    return cleaned or RASA_COMMANDS["help"]


def country_guess(language_code: str | None) -> str | None:
    """Telegram's language_code as a first guess of the country: 'en-GB' -> GB, 'de' -> DE, 'en' -> None."""
    code = (language_code or "").strip()
    region = _REGION.match(code)
    if region:
        return region.group(1).upper()
    return COUNTRY_OF_LANGUAGE.get(code.lower())
