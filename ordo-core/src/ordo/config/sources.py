"""Where settings come from besides init arguments: the YAML file (with ``{env: NAME}`` and
``{file: PATH}`` secret references) and the ``ORDO_*`` environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource

from ordo.config.errors import ConfigError, format_loc

CONFIG_ENV = "ORDO_CONFIG"
ENV_PREFIX = "ORDO_"
NESTED_DELIMITER = "__"
SECTIONS_FIELD = "sections"
"""The ``Settings`` field holding plugin config sections (top-level mappings of the file)."""
# Fields whose env form is not JSON; their validators parse the raw string.
_RAW_ENV_FIELDS = frozenset({"api_tokens"})


@dataclass(frozen=True)
class YamlChoice:
    """Which YAML file the next ``Settings()`` reads: an explicit path, none at all, or
    (``use_env``) the one ``ORDO_CONFIG`` names."""

    path: Path | None = None
    use_env: bool = True

    def resolve(self) -> Path | None:
        if self.path is not None:
            return self.path
        if self.use_env:
            named = os.environ.get(CONFIG_ENV, "").strip()
            return Path(named).expanduser() if named else None
        return None


# Scoped per call by ``load_settings``/``demo_settings`` (set, build, reset): a context
# variable rather than a module global so concurrent loads cannot see each other's file.
yaml_choice: ContextVar[YamlChoice | None] = ContextVar("ordo_yaml_choice", default=None)


def read_yaml(path: Path) -> dict[str, Any]:
    """The YAML mapping at ``path`` with secret references resolved."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_problem(exc, path)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: the top level must be a mapping of settings")
    resolved = resolve_references(data, base_dir=path.parent, source=path)
    assert isinstance(resolved, dict)
    return resolved


def _yaml_problem(exc: yaml.YAMLError, path: Path) -> str:
    # str(exc) quotes the offending line, which may hold a secret: report position only.
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "invalid YAML"
    if mark is not None:
        return (
            f"config file {path}: YAML syntax error at line {mark.line + 1}, "
            f"column {mark.column + 1}: {problem}"
        )
    return f"config file {path}: YAML syntax error: {problem}"


def _reference(value: Any) -> tuple[str, Any] | None:
    if isinstance(value, Mapping) and len(value) == 1:
        ((kind, target),) = value.items()
        if kind in ("env", "file"):
            return str(kind), target
    return None


def resolve_references(
    value: Any,
    *,
    base_dir: Path,
    source: Path | None = None,
    loc: tuple[int | str, ...] = (),
) -> Any:
    """Replace every ``{env: NAME}`` by that variable's value and every ``{file: PATH}`` by
    the file's stripped content (a relative PATH is relative to ``base_dir``)."""
    where = f" (config file {source})" if source else ""
    ref = _reference(value)
    if ref is not None:
        kind, target = ref
        if not isinstance(target, str) or not target.strip():
            raise ConfigError(f"{format_loc(loc)}: '{kind}' must name a {kind}{where}")
        if kind == "env":
            env_value = os.environ.get(target)
            if env_value is None or env_value == "":
                raise ConfigError(
                    f"{format_loc(loc)}: environment variable {target} is not set{where}"
                )
            return env_value
        file_path = Path(target).expanduser()
        if not file_path.is_absolute():
            file_path = base_dir / file_path
        try:
            return file_path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{format_loc(loc)}: cannot read secret file {file_path}: "
                f"{exc.strerror or exc}{where}"
            ) from None
    if isinstance(value, Mapping):
        return {
            k: resolve_references(v, base_dir=base_dir, source=source, loc=(*loc, str(k)))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            resolve_references(v, base_dir=base_dir, source=source, loc=(*loc, i))
            for i, v in enumerate(value)
        ]
    return value


class YamlSource(PydanticBaseSettingsSource):
    """The YAML file chosen by ``yaml_choice``; below the environment in priority."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path = (yaml_choice.get() or YamlChoice()).resolve()
        self.path = path
        self.data: dict[str, Any] = read_yaml(path) if path is not None else {}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        # Unknown top-level keys holding a mapping are plugin sections, validated once the
        # plugins are loaded (``validate_plugin_sections``: a section no plugin declares is
        # an error there). Other unknown keys are passed on so ``extra="forbid"`` reports
        # them now.
        fields = self.settings_cls.model_fields
        data = {k: v for k, v in self.data.items() if k in fields or not isinstance(v, dict)}
        sections = {k: v for k, v in self.data.items() if k not in fields and isinstance(v, dict)}
        if sections:
            data[SECTIONS_FIELD] = sections
        return data


class EnvSource(EnvSettingsSource):
    """``ORDO_*`` variables; ``api_tokens`` keeps its ``name:token,...`` form."""

    def prepare_field_value(
        self, field_name: str, field: FieldInfo, value: Any, value_is_complex: bool
    ) -> Any:
        if field_name in _RAW_ENV_FIELDS and isinstance(value, str):
            return value
        return super().prepare_field_value(field_name, field, value, value_is_complex)


def env_var_for(loc: tuple[int | str, ...]) -> str | None:
    """The ``ORDO_*`` variable that set the value at ``loc``, if one is set."""
    names = [str(p) for p in loc if isinstance(p, str)]
    # Variable names match case-insensitively, as pydantic-settings reads them.
    present = {key.upper(): key for key in os.environ}
    for depth in range(len(names), 0, -1):
        name = ENV_PREFIX + NESTED_DELIMITER.join(names[:depth]).upper()
        if name in present:
            return present[name]
    return None
