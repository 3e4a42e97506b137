"""Plugin config sections: top-level YAML mappings that a plugin declares and validates.

Settings are read before plugins load (the allow-list is a setting), so a section is kept
raw in ``Settings.sections`` until ``validate_plugin_sections`` meets the plugins: each
section is validated against the model its plugin declared (``register_config_sections``),
and one that no plugin declares is a ``ConfigError``, as an unknown setting is.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from ordo.config.errors import ConfigError, config_error_from_validation, join_problems
from ordo.config.settings import Settings


def declared_sections(hook: Any) -> dict[str, type[BaseModel]]:
    """Every section model the plugins declare; a name declared twice is an error."""
    declared: dict[str, type[BaseModel]] = {}
    for mapping in hook.register_config_sections():
        for name, model in (mapping or {}).items():
            if name in declared or name in Settings.model_fields:
                raise ConfigError(f"config section {name!r} is declared twice")
            declared[name] = model
    return declared


def validate_plugin_sections(settings: Settings, hook: Any) -> dict[str, BaseModel]:
    """The file's plugin sections validated by their models, by name.

    Raises ``ConfigError`` naming every unknown section and every bad field path.
    """
    declared = declared_sections(hook)
    validated: dict[str, BaseModel] = {}
    problems: list[str] = []
    for name, raw in settings.sections.items():
        model = declared.get(name)
        if model is None:
            known = ", ".join(sorted(declared)) or "none"
            problems.append(
                f"{name}: unknown setting or plugin section (sections of installed plugins: "
                f"{known})"
            )
            continue
        try:
            validated[name] = model.model_validate(raw)
        except ValidationError as exc:
            error = config_error_from_validation(exc, prefix=(name,))
            problems.append(str(error).removeprefix("invalid configuration: "))
    if problems:
        raise ConfigError(join_problems(problems, None))
    return validated
