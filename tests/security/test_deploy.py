"""Findings 4 and 11: the image holds only what runs and runs unprivileged; the shipped nginx
configuration parses and passes the Host the console's same-origin check needs.

Docker and nginx are not needed: the files are parsed here (CI runs this), so a broken or unsafe
layout fails before anyone deploys it."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from bot.config import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
NEVER_IN_AN_IMAGE = ("var", ".venv", ".git", "tests", ".env")


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) per instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_image_copies_only_what_runs() -> None:
    sources = [src for op, args in dockerfile() if op in ("COPY", "ADD") for src in args.split()[:-1]]
    assert sources, "the Dockerfile copies nothing?"
    for source in sources:
        name = source.rstrip("/").split("/")[0]
        assert name not in (".", "*", *NEVER_IN_AN_IMAGE), f"COPY {source} would bake {name} into the image"


def test_the_image_runs_as_an_unprivileged_user() -> None:
    instructions = dockerfile()
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    last_user = max(i for i, (op, _) in enumerate(instructions) if op == "USER")
    assert all(op != "USER" for op, _ in instructions[last_user + 1:])


def test_the_build_context_leaves_out_keys_database_logs_and_the_virtualenv() -> None:
    ignored = {line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()}
    for entry in ("var", ".venv", ".git", "models/*.tar.gz", ".env"):
        assert entry in ignored, f".dockerignore should list {entry}"


def test_every_compose_service_built_from_the_image_trusts_only_the_proxys_fixed_address() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    proxy = compose["services"]["nginx"]["networks"]["default"]["ipv4_address"]
    assert compose["x-steady"]["environment"]["STEADY_TRUSTED_PROXIES"] == proxy


# -- nginx.conf, parsed


@dataclass
class Block:
    name: str
    args: list[str]
    directives: list[tuple[str, list[str]]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def values(self, name: str) -> list[list[str]]:
        return [args for directive, args in self.directives if directive == name]


def parse_nginx(text: str) -> Block:
    """nginx's grammar: directives end in ';', blocks in braces; '#' comments; quoted strings."""
    tokens = re.findall(r'"[^"]*"|\'[^\']*\'|[{};]|[^\s{};#]+|#[^\n]*', text)
    root, stack, words = Block("main", []), [], []
    current = root
    for token in tokens:
        if token.startswith("#"):
            continue
        if token == ";":
            assert words, "an empty directive"
            current.directives.append((words[0], words[1:]))
            words = []
        elif token == "{":
            assert words, "a block without a name"
            block = Block(words[0], words[1:])
            current.blocks.append(block)
            stack.append(current)
            current, words = block, []
        elif token == "}":
            assert not words, f"directive {words} is missing its ';'"
            assert stack, "a '}' too many"
            current = stack.pop()
        else:
            words.append(token.strip("'\""))
    assert not stack and not words, "unclosed block or directive at the end"
    return root


def locations(root: Block) -> list[tuple[Block, Block]]:
    return [(server, location) for server in root.blocks if server.name == "server"
            for location in server.blocks if location.name == "location"]


def test_nginx_conf_parses() -> None:
    root = parse_nginx((DEPLOY / "nginx.conf").read_text())
    assert [block.name for block in root.blocks].count("server") == 2


def test_the_console_and_chat_page_get_the_host_the_browser_used() -> None:
    root = parse_nginx((DEPLOY / "nginx.conf").read_text())
    for _server, location in locations(root):
        upstream = location.values("proxy_pass")
        if upstream and upstream[0][0].startswith(("http://console", "http://web")):
            headers = {args[0].lower(): args[1] for args in location.values("proxy_set_header")}
            assert headers.get("host") == "$http_host", f"{upstream[0][0]}: same-origin checks need Host with port"
            assert headers.get("x-forwarded-for") == "$remote_addr", "one address, set by nginx, not appended"


def test_nginx_hides_its_version_and_caps_bodies() -> None:
    root = parse_nginx((DEPLOY / "nginx.conf").read_text())
    for server in (block for block in root.blocks if block.name == "server"):
        assert ["off"] in server.values("server_tokens")


def test_rasas_own_api_and_rest_channel_are_not_exposed() -> None:
    root = parse_nginx((DEPLOY / "nginx.conf").read_text())
    closed = {location.args[-1] for _, location in locations(root) if ["404"] in location.values("return")}
    assert {"/webhooks/", "/conversations/"} <= closed


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed here; the parse above still ran")
def test_nginx_itself_accepts_the_configuration(tmp_path: Path) -> None:
    main = tmp_path / "nginx.conf"
    text = (DEPLOY / "nginx.conf").read_text().replace("server rasa1:5005;", "server 127.0.0.1:9;")
    text = text.replace("server rasa2:5005;", "server 127.0.0.1:9;").replace("http://web:8000", "http://127.0.0.1:9")
    text = text.replace("http://console:8080", "http://127.0.0.1:9")
    main.write_text(f"events {{}}\nhttp {{\n{text}\n}}\n")
    subprocess.run(["nginx", "-t", "-c", str(main), "-p", str(tmp_path)], check=True, capture_output=True)
