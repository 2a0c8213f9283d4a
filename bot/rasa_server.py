"""Starts one Rasa server in this process, with the API token kept off the command line.

    python -m bot.rasa_server --model models/steady.tar.gz --endpoints endpoints.yml \
        --credentials credentials.yml --interface 127.0.0.1 --port 5005 --enable-api

The arguments are those of `rasa run`, except `--auth-token`, which is refused: the token comes from
STEADY_RASA_API_TOKEN or the owner-only file var/secrets/rasa_api.token (bot.config.rasa_api_token),
so `ps` never shows it. Five changes to Rasa 3.6 and its web server, installed here and nowhere else:

- The HTTP API takes the token only as `Authorization: Bearer <token>`, compared in constant time;
  Rasa's `?token=` query parameter (which lands in URLs and access logs) is refused.
- Action server responses are checked against Rasa's own schema by a validator built once, instead of
  `jsonschema.validate`, which re-checks the schema against its metaschema on every response (about
  45 % of the server's time under load). The verdicts and the error raised are the same.
- Reading an event (`Event.from_parameters`, for every event of a tracker on every message) finds
  its class by name through a walk of every Event subclass; here the class found is remembered per
  name. The class found is the same.
- Requests to the action server (the whole tracker, on every custom action) are serialised with ujson
  instead of the standard library's json, which took 18 % of the event loop under load (py-spy,
  2026-12-02). The JSON read back is the same; whatever ujson refuses goes to json.dumps as before.
- Websocket messages are never lost when a close or the end of the connection comes right behind
  them, as when the widget sends and closes at once (bot/sanic_websocket.py).
"""

from __future__ import annotations

import hmac
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from inspect import isawaitable
from typing import Any

import ujson

from bot import config, sanic_websocket

AUTH_SCHEME = "Bearer "


def token_matches(header: str | None, token: str) -> bool:
    """True when an Authorization header carries exactly this bearer token (constant-time compare)."""
    if not token or not header or not header.startswith(AUTH_SCHEME):
        return False
    return hmac.compare_digest(header[len(AUTH_SCHEME) :].strip().encode(), token.encode())


def bearer_auth(_app: Any, token: str | None = None) -> Callable[[Callable], Callable]:
    """Stands in for rasa.server.requires_auth: every API route needs the bearer token."""
    from rasa.server import ErrorResponse

    def decorator(handler: Callable) -> Callable:
        @wraps(handler)
        async def decorated(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not token_matches(request.headers.get("Authorization"), token or ""):
                raise ErrorResponse(HTTPStatus.UNAUTHORIZED, "NotAuthenticated", "User is not authenticated.")
            result = handler(request, *args, **kwargs)
            return await result if isawaitable(result) else result

        return decorated

    return decorator


def compiled_action_validator() -> Callable[[Any, dict[str, Any]], bool]:
    """RemoteAction._validate_action_result with the schema checked and compiled once."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def validate_action_result(_action: Any, result: dict[str, Any]) -> bool:
        error: ValidationError | None = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action "
            f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error

    return validate_action_result


def remembered_event_classes() -> Callable[..., Any]:
    """Event.resolve_by_type remembering each class it found (misses and defaults go to Rasa's own)."""
    from rasa.shared.core.events import Event

    stock, found = Event.resolve_by_type, {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        if type_name in found:
            return found[type_name]
        event_class = stock(type_name, default)
        if event_class is not None and getattr(event_class, "type_name", None) == type_name:
            found[type_name] = event_class
        return event_class

    return resolve_by_type


def fast_json_dumps(value: Any) -> str:
    """json.dumps's JSON for a request body, written by ujson; json.dumps for whatever ujson refuses."""
    try:
        return ujson.dumps(value, ensure_ascii=False, escape_forward_slashes=False)
    except (TypeError, ValueError, OverflowError):
        return json.dumps(value)


def fast_json_sessions() -> Callable[[Any], Any]:
    """EndpointConfig.session with request bodies serialised by fast_json_dumps."""
    import aiohttp
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT

    def session(endpoint: Any) -> aiohttp.ClientSession:
        basic = endpoint.basic_auth
        auth = aiohttp.BasicAuth(basic["username"], basic["password"]) if basic else None
        return aiohttp.ClientSession(headers=endpoint.headers, auth=auth, json_serialize=fast_json_dumps,
                                     timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT))

    return session


def install() -> None:
    """Apply the five changes in this process (before the server app is created)."""
    import rasa.server
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event
    from rasa.utils.endpoints import EndpointConfig

    rasa.server.requires_auth = bearer_auth
    RemoteAction._validate_action_result = compiled_action_validator()  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(remembered_event_classes())  # type: ignore[method-assign]
    EndpointConfig.session = fast_json_sessions()  # type: ignore[method-assign]
    sanic_websocket.install()


def parse(argv: list[str]) -> Any:
    from rasa.__main__ import create_argument_parser

    if any(word == "--auth-token" or word.startswith("--auth-token=") for word in argv):
        raise SystemExit("Pass the API token in STEADY_RASA_API_TOKEN (or var/secrets/), never on the command line.")
    args = create_argument_parser().parse_args(["run", *argv])
    args.auth_token = config.rasa_api_token() if args.enable_api else None
    return args


def main(argv: list[str] | None = None) -> None:
    """What `python -m rasa run` does (rasa/__main__.py), with the token from the settings."""
    import rasa.telemetry
    import rasa.utils.tensorflow.environment as tf_env
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.io import configure_colored_logging
    from rasa.utils.log_utils import configure_structlog

    args = parse(sys.argv[1:] if argv is None else argv)
    configure_logging_and_warnings(
        args.loglevel, args.logging_config_file, warn_only_once=True, filter_repeated_logs=True
    )
    tf_env.setup_tf_environment()
    sys.path.insert(1, os.getcwd())  # custom components and stores (bot.*) are found from the repository
    configure_colored_logging(args.loglevel)
    rasa.telemetry.initialize_telemetry()
    configure_structlog(args.loglevel)
    install()
    args.func(args)


if __name__ == "__main__":
    main()
