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
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

import jinja2
import jinja2.nodes
from pydantic import BaseModel, GetCoreSchemaHandler, ValidationError, ValidationInfo
from pydantic_core import core_schema

from .calendars.base import Calendar, as_date
from .errors import BindError
from .kinds import spec_errors
from .timespec import (
    format_daytime,
    format_time,
    local_to_utc,
    parse_daytime,
    parse_time,
    parse_tz,
)

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


@functools.lru_cache(maxsize=16384)
def _parse(text: str) -> jinja2.nodes.Template | str:
    """The template's syntax tree, or the reason it is not a valid template.

    Loading checks every template of every job; parsing is several times cheaper
    than compiling, which waits until a run is bound.
    """
    try:
        tree = _ENV.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return f"template syntax error: {exc.message} in {text!r}"
    for node in tree.find_all(jinja2.nodes.Filter):
        if node.name not in _ENV.filters:
            return f"template syntax error: no filter named {node.name!r} in {text!r}"
    return tree


def check_syntax(text: str) -> None:
    """Raise ValueError if `text` is not a valid template."""
    tree = _parse(text)
    if isinstance(tree, str):
        raise ValueError(tree)


@functools.lru_cache(maxsize=16384)
def template_names(text: str) -> frozenset[str]:
    """The names a template reads without defining them, so a loader can check them.

    ValueError if `text` is not a valid template.
    """
    tree = _parse(text)
    if isinstance(tree, str):
        raise ValueError(tree)
    read: set[str] = set()
    defined: set[str] = set()
    for node in tree.find_all(jinja2.nodes.Name):
        (read if node.ctx == "load" else defined).add(node.name)
    return frozenset(read - defined)


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
KeyPath = tuple[str | int, ...]
Visit = Callable[[KeyPath, str], str]


def map_templates(model: BaseModel, visit: Visit, path: KeyPath = ()) -> dict[str, Any]:
    """The model's data with each string of a `Templated` field replaced by
    `visit(key path, text)`; keys as the file writes them (`if`, not `condition`)."""
    data: dict[str, Any] = {}
    # The class attribute, not `model_fields`, which pydantic computes on each access.
    for name, info in type(model).__pydantic_fields__.items():
        templated = any(isinstance(m, Templated) for m in info.metadata)
        key = info.alias or name
        data[key] = _map_value(getattr(model, name), templated, visit, (*path, key))
    return data


def _map_value(value: Any, templated: bool, visit: Visit, path: KeyPath) -> Any:
    if isinstance(value, BaseModel):
        return map_templates(value, visit, path)
    if isinstance(value, list | tuple):
        return [_map_value(item, templated, visit, (*path, i)) for i, item in enumerate(value)]
    if templated and isinstance(value, Mapping):
        return {k: _map_value(v, templated, visit, (*path, k)) for k, v in value.items()}
    if templated and isinstance(value, str):
        return visit(path, value)
    return value


def templates(model: BaseModel) -> list[tuple[KeyPath, str]]:
    """(key path, text) of every template in a model's templated fields."""
    found: list[tuple[KeyPath, str]] = []

    def collect(path: KeyPath, text: str) -> str:
        if is_template(text):
            found.append((path, text))
        return text

    map_templates(model, collect)
    return found


def bind_model(model: M, names: Mapping[str, Any]) -> M:
    """A copy of `model` with every `Templated` field rendered and parsed.

    Raises BindError located at the key path of the field that failed. A model with
    no templates is returned as it is: its values were all parsed when it was loaded.
    """
    rendered = False

    def render_at(path: KeyPath, text: str) -> str:
        nonlocal rendered
        if not is_template(text):
            return text
        rendered = True
        try:
            return render(text, names)
        except BindError as exc:
            raise exc.within(*path) from None

    data = map_templates(model, render_at)
    if not rendered:
        return model
    try:
        return type(model).model_validate(data, context={"bound": True})
    except ValidationError as exc:
        first = spec_errors(exc)[0]
        raise BindError(first.reason, first.path) from None


# --- the helpers available in templates -------------------------------------------


def _days(value: Any) -> timedelta:
    """A day count as templates write it: an int, or an arg (a string) holding one."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"{value!r} is not a number of days")
    return timedelta(days=int(value))


class Date(date):
    """A calendar date that adds and subtracts days as integers, as job templates expect.

    `Date(date) + 1` is the next day, `Date(a) - Date(b)` a number of days, and a
    Date renders as ISO 8601, so `{{ Date(date) - 1 }}` is `2026-11-20`.
    """

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
        return Date(date.__add__(self, _days(days)))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, date):
            return date.__sub__(self, Date(other)).days
        return Date(date.__sub__(self, _days(other)))

    def __reduce__(self) -> tuple[type[Date], tuple[int, int, int]]:
        # date's own form passes packed bytes to the constructor, which this one
        # does not take; without this, copy.deepcopy and pickle of a Date fail.
        return (Date, (self.year, self.month, self.day))

    def __str__(self) -> str:
        return self.isoformat()

    @property
    def weekday_name(self) -> str:
        return self.strftime("%a")


class Time(datetime):
    """An instant, rendered as the `time` arg is (`2026-11-21T16:00:00Z`).

    A plain datetime would render as `2026-11-21 16:00:00+00:00`, with a space that
    splits a shell command. Adding or subtracting a number moves by seconds; the
    difference of two Times is seconds.
    """

    def __new__(cls, value: Any, *args: Any, **kwargs: Any) -> Time:
        if args or kwargs:  # datetime's own constructor form, used by its methods
            return super().__new__(cls, value, *args, **kwargs)
        return cls._of(parse_time(value))

    @classmethod
    def _of(cls, moment: datetime) -> Time:
        # Keeps the zone: tzinfo.fromutc() adds timedeltas to a local reading, so
        # arithmetic must not move a Time back to UTC.
        return cls(*moment.timetuple()[:6], moment.microsecond, moment.tzinfo, fold=moment.fold)

    def __add__(self, seconds: Any) -> Time:
        delta = seconds if isinstance(seconds, timedelta) else timedelta(seconds=float(seconds))
        return Time._of(datetime.__add__(self, delta))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, datetime):
            return datetime.__sub__(self, parse_time(other)).total_seconds()
        delta = other if isinstance(other, timedelta) else timedelta(seconds=float(other))
        return Time._of(datetime.__sub__(self, delta))

    def __str__(self) -> str:
        return format_time(self)


class LocalTime(NamedTuple):
    """A date and daytime in some time zone, as `to_local` returns them."""

    date: Date
    daytime: time

    def __str__(self) -> str:
        return f"{self.date}T{format_daytime(self.daytime)}"


def from_local(local: Any, tz_or_daytime: Any, tz: Any = None) -> Time:
    """The instant of a local date and daytime: `from_local((d, t), tz)` or `(d, t, tz)`.

    A daytime that a DST change skips or repeats follows the same rule as schedules
    (SPEC §5): the first valid instant after a gap, the first of two occurrences.
    """
    if tz is None:
        if not (isinstance(local, tuple | list) and len(local) == 2):
            raise ValueError(f"from_local({local!r}, tz): expected a (date, daytime) pair")
        day, daytime = local
        zone = parse_tz(tz_or_daytime)
    else:
        day, daytime, zone = local, tz_or_daytime, parse_tz(tz)
    return Time(local_to_utc(datetime.combine(Date(day), parse_daytime(daytime)), zone))


def to_local(instant: Any, tz: Any) -> LocalTime:
    """The date and daytime that `instant` is in time zone `tz`."""
    local = parse_time(instant).astimezone(parse_tz(tz))
    return LocalTime(Date(local.date()), local.time())


def Daytime(value: Any) -> time:
    """A time of day, from `HH:MM[:SS]` (the helper's name is the one templates use)."""
    return parse_daytime(value)


def TimeZone(value: Any) -> ZoneInfo:
    """A time zone from its IANA name (the helper's name is the one templates use)."""
    return parse_tz(value)


class TemplateCalendar:
    """A calendar as templates see it: dates in and out may be text, results are Dates.

    Calendars return plain dates, which cannot take `- 1`; templates write
    `get_calendar('Mon-Fri').before(date) - 1`, so every result here is a Date.
    """

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.name = calendar.name

    def contains(self, day: Any) -> bool:
        return self.calendar.contains(as_date(day))

    def __contains__(self, day: Any) -> bool:
        return self.contains(day)

    def before(self, day: Any) -> Date:
        return Date(self.calendar.before(day))

    def after(self, day: Any) -> Date:
        return Date(self.calendar.after(day))

    def prev(self, day: Any) -> Date:
        return Date(self.calendar.prev(day))

    def next(self, day: Any) -> Date:
        return Date(self.calendar.next(day))

    def shift(self, day: Any, count: int | str) -> Date:
        return Date(self.calendar.shift(day, count))

    def __str__(self) -> str:
        return self.name


def template_calendar(calendar: Calendar | TemplateCalendar) -> TemplateCalendar:
    """`calendar` as templates see it; one already wrapped is returned as it is."""
    return calendar if isinstance(calendar, TemplateCalendar) else TemplateCalendar(calendar)


def bind_names(
    args: Mapping[str, str],
    *,
    job_id: str,
    run_id: str | None,
    get_calendar: Callable[[str], Any],
) -> dict[str, Any]:
    """Everything a template may name when binding one run.

    `get_calendar` is usually a CalendarLookup's `get`; what it returns reaches
    templates through `template_calendar`, so that their dates do arithmetic.
    """
    return {
        "Date": Date,
        "Daytime": Daytime,
        "Time": Time,
        "TimeZone": TimeZone,
        "from_local": from_local,
        "to_local": to_local,
        "format": format,
        "get_calendar": lambda name: template_calendar(get_calendar(name)),
        **args,
        "run_id": run_id,
        "job_id": job_id,
    }
