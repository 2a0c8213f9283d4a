"""Whether anyone is alerted (issue 11, point 3): `make run` warns, the console shows it."""

from __future__ import annotations

from types import SimpleNamespace

from bot import run
from bot.console.server import jinja_environment
from bot.escalation import status
from tests.support.steady_env import SteadyPaths, write_oncall

ONCALL = {"primary": [{"name": "Ana", "webhook_url": "https://hooks.example.org/a"}]}


def console_page() -> str:
    counselor = SimpleNamespace(csrf_token="t", username="ana", role="counselor", is_supervisor=False)
    return jinja_environment().get_template("base.html").render(counselor=counselor)


def test_make_run_and_the_console_warn_when_nobody_will_be_alerted(steady_env: SteadyPaths) -> None:
    [warning] = run.startup_warnings()
    assert "Nobody will be alerted" in warning and "no on-call contacts" in warning
    assert "Nobody will be alerted" in console_page()


def test_a_configured_file_with_the_notifier_down_still_warns(steady_env: SteadyPaths) -> None:
    write_oncall(steady_env.oncall_file, ONCALL)
    assert "is not running" in run.startup_warnings()[0]
    assert "is not running" in console_page()


def test_no_warning_once_contacts_are_configured_and_the_notifier_beats(steady_env: SteadyPaths) -> None:
    write_oncall(steady_env.oncall_file, ONCALL)
    status.beat()
    assert run.startup_warnings() == []
    assert "Nobody will be alerted" not in console_page()
