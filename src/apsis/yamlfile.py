"""Reading the YAML of job, config and calendar files safely, with positions in errors.

Two departures from PyYAML's safe loader, both so that no mistake passes silently:

- two equal keys in a mapping are an error (the stock loader keeps the last, so a
  second `schedule:` would quietly replace the first);
- timestamps stay text: the stock loader turns `2026-13-01` into a bare "month must
  be in 1..12" naming neither file nor key, while our own parsers say both;
- only `true` and `false` are booleans, as in YAML 1.2: YAML 1.1 also reads `on`,
  `off`, `yes` and `no` as booleans, which turns `retry: {on: [failure]}` into a
  key `True`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import SpecError

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Base):  # type: ignore[valid-type, misc]
    pass


_DROPPED_TAGS = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            line = key_node.start_mark.line + 1
            raise SpecError(f"line {line}: duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str) -> Any:
    """The document in `text`; SpecError with line and column if it is not valid YAML."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = exc.problem or exc.context or "invalid"
        raise SpecError(f"{where}not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}") from None


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SpecError("not UTF-8 text") from None
    return parse_yaml(text)
