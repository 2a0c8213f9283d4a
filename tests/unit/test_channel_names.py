"""Channel names: one module, without Rasa, naming what the input channels register with Rasa."""

from __future__ import annotations

import subprocess
import sys

from rasa.core.channels.console import CmdlineInput

from bot.channels import names
from bot.channels.rest import RestInput
from bot.channels.telegram.channel import TelegramInput
from bot.channels.webchat import WebchatInput
from bot.config import REPO_ROOT


def test_the_input_channels_register_the_names_the_rest_of_steady_uses() -> None:
    registered = (TelegramInput.name(), WebchatInput.name(), RestInput.name(), CmdlineInput.name())
    assert registered == (names.TELEGRAM, names.WEBCHAT, names.REST, names.CMDLINE)


def test_the_names_load_without_rasa() -> None:
    script = "import sys, bot.channels.names; print(sorted({m.split('.')[0] for m in sys.modules} & {'rasa', 'sanic'}))"
    loaded = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
