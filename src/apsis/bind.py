"""Binding: rendering a job's templated fields for one run (SPEC §3.3).

Every string a kind marks `Templated` is a Jinja2 template, rendered with the run's
args, `run_id`, `job_id` and the date helpers below. Undefined names are errors,
never empty strings. A templated field that also has a type (a duration, say) holds
its raw text until bound, then is parsed like a literal value would have been.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

import jinja2
from pydantic import BaseModel, GetCoreSchemaHandler, ValidationInfo
from pydantic_core import core_schema

from .errors import BindError, SpecErrors
from .kinds import validate
from .timespec import parse_daytime, parse_time, parse_tz

_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
)
_ENV.filters["shquote"] = lambda value: shlex.quote(str(value))


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text or "{#" in text


@functools.lru_cache(maxsize=4096)
def _compile(text: str) -> jinja2.Template:
    return _ENV.from_string(text)


def check_syntax(text: str) -> None:
    """Raise ValueError if `text` is not a valid template."""
    try:
        _compile(text)
    except jinja2.TemplateSyntaxError as exc:
        raise ValueError(f"template syntax error: {exc.message} in {text!r}") from None


def render(text: str, names: Mapping[str, Any]) -> str:
    """Render one template; raise BindError with the reason on any failure."""
    if not is_template(text):
        return text
    try:
        return _compile(text).render(names)
    except jinja2.UndefinedError as exc:
        raise BindError(f"{exc.message} in {text!r}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise BindError(f"template syntax error: {exc.message} in {text!r}") from None
    except Exception as exc:  # a helper raised: the user's template is at fault
        raise BindError(f"cannot render {text!r}: {exc}") from None


@dataclass(frozen=True)
class Templated:
    """Marks a field as templated; `parse` turns the rendered text into its value.

    Before binding, a value with template syntax is kept as text (its syntax checked);
    a plain value is parsed at once, so `duration: 10 min` fails at load, not at run.
    """

    parse: Callable[[Any], Any] | None = None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_wrap_validator_function(self._validate, handler(source))

    def _validate(
        self, value: Any, handler: core_schema.ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        bound = bool(info.context and info.context.get("bound"))
        if not bound:
            for text in _strings(value):
                if is_template(text):
                    check_syntax(text)
            if isinstance(value, str) and is_template(value):
                return value
        if self.parse is not None and value is not None:
            value = self.parse(value)
        return handler(value)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, Mapping):
        return [v for v in value.values() if isinstance(v, str)]
    return []


M = TypeVar("M", bound=BaseModel)


def bind_model(model: M, names: Mapping[str, Any]) -> M:
    """A copy of `model` with every `Templated` field rendered and parsed.

    Raises BindError located at the key path of the field that failed.
    """
    data: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        templated = any(isinstance(m, Templated) for m in info.metadata)
        try:
            data[name] = _bind_value(value, templated, names)
        except BindError as exc:
            raise exc.within(name) from None
    try:
        return validate(type(model), data, context={"bound": True})
    except SpecErrors as exc:
        first = exc.errors[0]
        raise BindError(first.reason, first.path) from None


def _bind_value(value: Any, templated: bool, names: Mapping[str, Any]) -> Any:
    if isinstance(value, BaseModel):
        return bind_model(value, names)
    if isinstance(value, list | tuple):
        items = []
        for i, item in enumerate(value):
            try:
                items.append(_bind_value(item, templated, names))
            except BindError as exc:
                raise exc.within(i) from None
        return items
    if not templated:
        return value
    if isinstance(value, str):
        return render(value, names)
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            try:
                result[key] = render(item, names) if isinstance(item, str) else item
            except BindError as exc:
                raise exc.within(key) from None
        return result
    return value


# --- the helpers available in templates -------------------------------------------


class Date(date):
    """A calendar date that adds and subtracts days as integers, as job templates expect."""

    def __new__(cls, value: Any, month: int | None = None, day: int | None = None) -> Date:
        if month is not None and day is not None:
            return super().__new__(cls, int(value), month, day)
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return super().__new__(cls, value.year, value.month, value.day)
        if isinstance(value, str):
            try:
                parsed = date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"{value!r} is not a date") from None
            return super().__new__(cls, parsed.year, parsed.month, parsed.day)
        raise ValueError(f"{value!r} is not a date")

    def __add__(self, days: Any) -> Date:
        delta = days if isinstance(days, timedelta) else timedelta(days=int(days))
        return Date(date.__add__(self, delta))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, date):
            return date.__sub__(self, other).days
        delta = other if isinstance(other, timedelta) else timedelta(days=int(other))
        return Date(date.__sub__(self, delta))

    def __str__(self) -> str:
        return self.isoformat()

    @property
    def weekday_name(self) -> str:
        return self.strftime("%a")


class LocalTime(NamedTuple):
    date: Date
    daytime: time

    def __str__(self) -> str:
        return f"{self.date}T{self.daytime.isoformat()}"


def from_local(
    local: Any, tz_or_daytime: Any, tz: Any = None
) -> datetime:
    """The UTC instant of a local date and daytime: `from_local((d, t), tz)` or `(d, t, tz)`."""
    if tz is None:
        day, daytime = local
        zone = parse_tz(tz_or_daytime)
    else:
        day, daytime, zone = local, tz_or_daytime, parse_tz(tz)
    naive = datetime.combine(Date(day), parse_daytime(daytime))
    return naive.replace(tzinfo=zone).astimezone(UTC)


def to_local(instant: Any, tz: Any) -> LocalTime:
    local = parse_time(instant).astimezone(parse_tz(tz))
    return LocalTime(Date(local.date()), local.time())


def Daytime(value: Any) -> time:  # noqa: N802 - template helper named as users write it
    return parse_daytime(value)


def Time(value: Any) -> datetime:  # noqa: N802 - template helper named as users write it
    return parse_time(value)


def TimeZone(value: Any) -> ZoneInfo:  # noqa: N802 - template helper named as users write it
    return parse_tz(value)


def bind_names(
    args: Mapping[str, str],
    *,
    job_id: str,
    run_id: str | None,
    get_calendar: Callable[[str], Any],
) -> dict[str, Any]:
    """Everything a template may name when binding one run."""
    return {
        "Date": Date,
        "Daytime": Daytime,
        "Time": Time,
        "TimeZone": TimeZone,
        "from_local": from_local,
        "to_local": to_local,
        "format": format,
        "get_calendar": get_calendar,
        **args,
        "run_id": run_id,
        "job_id": job_id,
    }
