"""The shape every adapter package shares, checked from its source files.

Knowing one Ordo adapter should teach a contributor all of them, so each package has the
same modules with the same jobs:

- ``adapter.py``: the ``BrokerAdapter[<Settings>]`` subclass;
- ``client.py``: HTTP only, raises ``BrokerError``s (never builds domain models);
- ``errors.py``: broker codes -> the error taxonomy, as module-level tables;
- ``login.py``: the login steps;
- ``instruments.py``: the instrument master;
- ``mapping.py``: pure ``*_from_broker`` / ``*_to_broker`` conversions, no I/O;
- ``settings.py``: the settings model, on ``HttpSettings`` (timeouts) for HTTP brokers;
- ``fake/``: a package faking the broker's API, runnable as ``python -m <package>.fake``;
- ``testing.py``: the compliance harness;
- ``py.typed``.

The runtime modules (everything but ``testing.py`` and ``fake/``) never import
``ordo_testing`` or the fake: a server installs an adapter without the author's kit.

A paper broker with no HTTP API (``talks_http=False``) needs no client, errors, mapping or
fake.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HTTP_ONLY_MODULES = ("client.py", "errors.py", "mapping.py")
COMMON_MODULES = ("adapter.py", "login.py", "instruments.py", "settings.py", "testing.py")
FAKE_FILES = ("fake/__init__.py", "fake/__main__.py")
TEST_ONLY = ("testing.py", "fake")
IO_MODULES = frozenset({"httpx", "asyncio", "aiohttp", "requests", "socket", "urllib.request"})
"""What a pure mapping module must not import."""


@dataclass(frozen=True)
class LayoutProblem:
    """One way a package departs from the shared layout."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def package_dir(package: str) -> Path:
    """The source folder of an installed (or workspace) package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"{package!r} is not an importable package")
    return Path(next(iter(spec.submodule_search_locations)))


def check_adapter_layout(
    root: Path, package: str, *, talks_http: bool = True
) -> list[LayoutProblem]:
    """Every departure of the package at ``root`` (import name ``package``) from the shared
    layout; an empty list when it has none."""
    problems: list[LayoutProblem] = []
    required = COMMON_MODULES + (HTTP_ONLY_MODULES + FAKE_FILES if talks_http else ())
    for name in (*required, "py.typed"):
        if not (root / name).is_file():
            problems.append(LayoutProblem(name, "missing"))
    if (root / "fake.py").exists():
        problems.append(LayoutProblem("fake.py", "the fake is a package: fake/__init__.py"))
    for path in _runtime_modules(root):
        problems.extend(_runtime_imports(root, path, package))
    if (root / "mapping.py").is_file():
        problems.extend(_mapping_is_pure(root, package))
    if (root / "client.py").is_file():
        problems.extend(_client_is_http_only(root, package))
    if (root / "errors.py").is_file():
        problems.extend(_errors_are_tables(root))
    if talks_http and (root / "settings.py").is_file():
        problems.extend(_settings_on_http_base(root))
    if (root / "adapter.py").is_file():
        problems.extend(_adapter_is_generic(root))
    return problems


def _runtime_modules(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in TEST_ONLY or relative.name in TEST_ONLY:
            continue
        yield path


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported(root: Path, path: Path, package: str) -> Iterator[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    relative = path.relative_to(root).with_suffix("")
    parts = [package, *relative.parts]
    if parts[-1] == "__init__":
        parts.pop()
    here = parts[:-1] if path.name != "__init__.py" else parts
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def _is_under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _runtime_imports(root: Path, path: Path, package: str) -> Iterator[LayoutProblem]:
    where = str(path.relative_to(root))
    for name in _imported(root, path, package):
        if _is_under(name, "ordo_testing"):
            yield LayoutProblem(where, f"a runtime module imports the author's kit ({name})")
        elif _is_under(name, f"{package}.fake") or _is_under(name, f"{package}.testing"):
            yield LayoutProblem(where, f"a runtime module imports test support ({name})")


def _mapping_is_pure(root: Path, package: str) -> Iterator[LayoutProblem]:
    path = root / "mapping.py"
    for name in set(_imported(root, path, package)):
        if any(_is_under(name, io) for io in IO_MODULES) or any(
            _is_under(name, f"{package}.{module}") for module in ("client", "login", "adapter")
        ):
            yield LayoutProblem("mapping.py", f"mapping must be pure but imports {name}")
    tree = _parse(path)
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    if any(isinstance(n, ast.AsyncFunctionDef) for n in tree.body):
        yield LayoutProblem("mapping.py", "mapping must be pure: no async functions")
    if not any(name.endswith("_from_broker") for name in functions):
        yield LayoutProblem("mapping.py", "no *_from_broker function")


def _client_is_http_only(root: Path, package: str) -> Iterator[LayoutProblem]:
    for name in set(_imported(root, root / "client.py", package)):
        if any(
            _is_under(name, f"{package}.{module}") for module in ("mapping", "adapter", "login")
        ):
            yield LayoutProblem("client.py", f"the client is HTTP only but imports {name}")


def _errors_are_tables(root: Path) -> Iterator[LayoutProblem]:
    tables = (ast.Dict, ast.Tuple, ast.DictComp)
    for node in _parse(root / "errors.py").body:
        if not isinstance(node, ast.Assign | ast.AnnAssign):
            continue
        names = _assigned_names(node)
        if any(name.isupper() for name in names) and isinstance(node.value, tables):
            return
    yield LayoutProblem("errors.py", "no module-level table of broker codes (UPPER_CASE dict)")


def _base_names(node: ast.ClassDef) -> Iterator[str]:
    for base in node.bases:
        if isinstance(base, ast.Subscript):
            base = base.value
        if isinstance(base, ast.Name):
            yield base.id
        elif isinstance(base, ast.Attribute):
            yield base.attr


def _settings_on_http_base(root: Path) -> Iterator[LayoutProblem]:
    classes = [n for n in _parse(root / "settings.py").body if isinstance(n, ast.ClassDef)]
    if not any("HttpSettings" in _base_names(c) for c in classes):
        yield LayoutProblem("settings.py", "the settings model does not derive from HttpSettings")


def _adapter_is_generic(root: Path) -> Iterator[LayoutProblem]:
    tree = _parse(root / "adapter.py")
    adapters = [
        node
        for node in tree.body
        if isinstance(node, ast.ClassDef) and "BrokerAdapter" in _base_names(node)
    ]
    if not adapters:
        yield LayoutProblem("adapter.py", "no BrokerAdapter subclass")
    for node in adapters:
        if not any(
            isinstance(b, ast.Subscript) and isinstance(b.value, ast.Name | ast.Attribute)
            for b in node.bases
        ):
            yield LayoutProblem("adapter.py", f"{node.name} must be BrokerAdapter[<Settings>]")
        for statement in node.body:
            names = _assigned_names(statement)
            if "rate_limits" in names:
                yield LayoutProblem(
                    "adapter.py",
                    f"{node.name} sets rate_limits: declare declared_rate_limits "
                    "or override rate_limits_for(settings)",
                )
    for call in ast.walk(tree):
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "setattr"
        ):
            yield LayoutProblem("adapter.py", "setattr in the adapter module")
        if isinstance(call, ast.Attribute) and call.attr == "__dict__":
            yield LayoutProblem("adapter.py", "__dict__ access in the adapter module")


def _assigned_names(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return {statement.target.id}
    if isinstance(statement, ast.Assign):
        return {t.id for t in statement.targets if isinstance(t, ast.Name)}
    return set()


def assert_adapter_layout(package: str, *, talks_http: bool = True) -> None:
    """Fail with every problem listed when the installed ``package`` departs from the
    shared layout; for an adapter's own test suite."""
    problems = check_adapter_layout(package_dir(package), package, talks_http=talks_http)
    assert not problems, "adapter layout:\n" + "\n".join(f"  {p}" for p in problems)
