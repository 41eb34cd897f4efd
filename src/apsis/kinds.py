"""The registry of kinds: every program, schedule, condition and action type.

A *family* (programs, schedules, conditions, actions) maps `type:` names to *kind*
classes. Built-in kinds register under short names with the same decorator an
extension would use; any importable subclass of the family's base may also be
named by its dotted class path (SPEC §12).

A kind is a frozen pydantic model. Parsing one turns every pydantic complaint into a
SpecError located by key path, so a job file's error says where and why in one line.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from .errors import SpecError, SpecErrors


class Kind(BaseModel):
    """Base of every program, schedule, condition and action type."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    type_name: ClassVar[str] = ""

    def to_jso(self) -> dict[str, Any]:
        """JSON form, as the API shows it and as a run stores it."""
        return {"type": self.type_name, **self.model_dump(mode="json", exclude_none=True)}


K = TypeVar("K", bound=Kind)


def _describe(value: Any) -> str:
    return type(value).__name__ if value is not None else "null"


def spec_errors(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[SpecError]:
    """One SpecError per pydantic error, with a message written for job authors."""
    result = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        kind, ctx = err["type"], err.get("ctx", {})
        if kind == "extra_forbidden":
            reason = "unknown key"
        elif kind == "missing":
            reason = "missing required key"
        elif kind in ("value_error", "assertion_error"):
            reason = str(ctx.get("error", err["msg"]))
        elif kind == "literal_error":
            reason = f"{err['input']!r} is not one of {ctx.get('expected')}"
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            expected = kind.removesuffix("_type").removesuffix("_parsing").replace("_", " ")
            reason = f"expected {expected}, got {_describe(err['input'])} {err['input']!r}"
        else:
            reason = err["msg"][0].lower() + err["msg"][1:]
        result.append(SpecError(reason, (*prefix, *loc)))
    return result


def validate(cls: type[K], data: Any, context: Mapping[str, Any] | None = None) -> K:
    """Validate `data` as `cls`; raise SpecErrors naming every bad key."""
    try:
        return cls.model_validate(data, context=dict(context or {}))
    except ValidationError as exc:
        raise SpecErrors(spec_errors(exc)) from None


class Family(Generic[K]):
    """The kinds of one family, looked up by `type:` name or dotted class path."""

    def __init__(self, noun: str, base: type[K]) -> None:
        self.noun = noun
        self.base = base
        self._kinds: dict[str, type[K]] = {}

    def register(self, *names: str) -> Callable[[type[K]], type[K]]:
        """Class decorator: make `cls` available under `names` (the first is canonical)."""

        def decorate(cls: type[K]) -> type[K]:
            cls.type_name = names[0]
            for name in names:
                self._kinds[name] = cls
            return cls

        return decorate

    @property
    def names(self) -> list[str]:
        """The short names, for messages; dotted aliases are reachable but not listed."""
        return sorted(name for name in self._kinds if "." not in name)

    def resolve(self, name: Any) -> type[K]:
        if not isinstance(name, str) or not name:
            raise SpecError(f"{name!r} is not a {self.noun} type", ("type",))
        if name in self._kinds:
            return self._kinds[name]
        if "." not in name:
            close = difflib.get_close_matches(name, self._kinds, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SpecError(f"unknown {self.noun} type {name!r}{hint}", ("type",))
        return self._import(name)

    def _import(self, path: str) -> type[K]:
        module_name, _, attr = path.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError, ValueError) as exc:
            raise SpecError(f"cannot import {self.noun} type {path!r}: {exc}", ("type",)) from None
        # The base and abstract classes are importable subclasses too, but not kinds.
        if not (isinstance(cls, type) and issubclass(cls, self.base)) or (
            cls is self.base or inspect.isabstract(cls)
        ):
            raise SpecError(f"{path!r} is not a {self.noun} type", ("type",))
        if "type_name" not in vars(cls):
            # Not registered: its JSON names it by path, not by a registered parent's name.
            cls.type_name = path
        return cls

    def parse(self, data: Any, context: Mapping[str, Any] | None = None) -> K:
        """A kind from its mapping form: `{type: NAME, ...keys}`."""
        if not isinstance(data, Mapping):
            raise SpecError(f"expected a mapping with a 'type' key, got {_describe(data)}")
        if "type" not in data:
            raise SpecError(f"missing required key 'type' (one of {', '.join(self.names)})")
        cls = self.resolve(data["type"])
        fields = {k: v for k, v in data.items() if k != "type"}
        return validate(cls, fields, context)


def _args_to_strings(value: Any) -> Any:
    """Args are always strings; YAML's `count: 3` means the string '3'."""
    if not isinstance(value, Mapping):
        return value
    result = {}
    for key, val in value.items():
        if isinstance(val, Mapping | list) or val is None:
            raise ValueError(f"arg {key!r} must be a string, got {_describe(val)}")
        result[str(key)] = str(val).lower() if isinstance(val, bool) else str(val)
    return result


Args = Annotated[dict[str, str], BeforeValidator(_args_to_strings)]
"""A mapping of param name to string value."""
