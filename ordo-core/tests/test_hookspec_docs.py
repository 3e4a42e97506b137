"""Every hookspec has a heading with its exact signature in docs/plugin_hooks.md."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from ordo import hookspecs

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugin_hooks.md"
HEADING = re.compile(r"^## `(?P<name>\w+)\((?P<rest>.*)`$")


def spec_signatures() -> dict[str, str]:
    """Hook name -> ``name(params) -> return`` as written in hookspecs.py."""
    specs = {}
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(fn, "ordo_spec"):
            # Annotations are strings (postponed evaluation); drop their quotes.
            specs[name] = name + str(inspect.signature(fn)).replace("'", "")
    return specs


def documented_signatures() -> dict[str, str]:
    found = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = HEADING.match(line)
        if match:
            found[match["name"]] = line.removeprefix("## `").removesuffix("`")
    return found


def test_there_are_hookspecs_to_document() -> None:
    assert {"register_adapters", "check_order", "audit_event"} <= set(spec_signatures())


def test_every_hookspec_is_documented_with_its_exact_signature() -> None:
    specs, docs = spec_signatures(), documented_signatures()
    missing = sorted(set(specs) - set(docs))
    assert not missing, f"hooks without a heading in {DOC.name}: {missing}"
    differing = {n: (docs[n], s) for n, s in specs.items() if docs[n] != s}
    assert not differing, f"documented signature differs from the spec: {differing}"


def test_no_heading_documents_a_hook_that_does_not_exist() -> None:
    stale = sorted(set(documented_signatures()) - set(spec_signatures()))
    assert not stale, f"{DOC.name} documents hooks that are not specs: {stale}"


def test_every_hook_section_says_when_and_what() -> None:
    sections = re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]
    for section in sections:
        assert "**When:**" in section, section.splitlines()[0]
        assert "**Return" in section or "**What to do:**" in section, section.splitlines()[0]
