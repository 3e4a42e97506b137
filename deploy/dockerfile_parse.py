"""The parts of the Dockerfile that ``deploy/check.py`` runs the image's install step and
entrypoint by: its instructions, the runtime stage's ENV, ENTRYPOINT and HEALTHCHECK, and the
header's ``# Run:`` line. Pure text parsing, standard library only."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined, comments dropped."""
    joined = re.sub(
        r"\\\n\s*",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def runtime_stage(text: str) -> list[tuple[str, str]]:
    instructions = dockerfile_instructions(text)
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def image_env(stage: list[tuple[str, str]], prefix: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in stage:
        if word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value.replace("/opt/ordo", str(prefix)).replace(
                    "$PATH", os.environ.get("PATH", "")
                )
    return env


def exec_form(stage: list[tuple[str, str]], word: str) -> list[str]:
    (rest,) = [r for w, r in stage if w == word]
    if word == "HEALTHCHECK":
        rest = rest[rest.index("CMD") + 3 :].strip()
    value = json.loads(rest)
    assert isinstance(value, list)
    return [str(v) for v in value]


def header_run_line(text: str) -> tuple[dict[str, str], list[str]]:
    """The ``-e`` variables and the arguments after the image name in the header's run line."""
    (line,) = [ln for ln in text.splitlines() if ln.startswith("# Run:")]
    words = shlex.split(line.removeprefix("# Run:"))
    if words[:2] != ["docker", "run"]:
        raise ValueError(f"the Dockerfile's run line does not start with docker run: {line}")
    env: dict[str, str] = {}
    i = 2
    while i < len(words) and words[i].startswith("-"):
        if words[i] == "-e":
            key, _, value = words[i + 1].partition("=")
            env[key] = value
        i += 1 if words[i] == "--rm" else 2
    return env, words[i + 1 :]
