"""What every `apsis` command shares: the session (service URL, client, printer),
failures, and the arguments several commands take."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

import click

from .client import ApiError, Client
from .output import FORMATS, Printer


class Failure(click.ClickException):
    """Ends the command: detail lines, then `error: message`, on stderr; exit 1."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = list(details)

    def show(self, file: Any = None) -> None:
        for line in self.details:
            click.echo(line, err=True)
        click.echo(f"error: {self.message}", err=True)


def failure(exc: ApiError) -> Failure:
    return Failure(str(exc), exc.errors if len(exc.errors) > 1 else ())


class Session:
    """What every command gets: the service's URL, a client made when first needed,
    and the printer."""

    def __init__(self, ctx: click.Context, url: str) -> None:
        self.url = url
        self.out = Printer()
        self._ctx = ctx
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = Client(self.url)
            self._ctx.call_on_close(self._client.close)
        return self._client


pass_session = click.make_pass_decorator(Session)


def format_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format; json and yaml print the API's own shapes.",
    )(func)


def run_ids_callback(ctx: click.Context, param: click.Parameter, values: Any) -> Any:
    """`12` means `r12`."""

    def fix(value: str) -> str:
        return f"r{value}" if value.isdigit() else value

    return tuple(map(fix, values)) if isinstance(values, tuple) else fix(values)


def parse_arg(what: str, parse: Callable[[str], str], text: str) -> str:
    try:
        return parse(text)
    except ValueError as exc:
        raise Failure(f"{what}: {exc}") from None


def parse_args(pairs: Iterable[str]) -> dict[str, str]:
    args = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not name:
            raise Failure(f"{pair!r} is not NAME=VALUE")
        args[name] = value
    return args


RUN_IDS = click.argument(
    "run_ids", metavar="RUN...", nargs=-1, required=True, callback=run_ids_callback
)
RUN_ID = click.argument("run_id", metavar="RUN", callback=run_ids_callback)


def exit_by(success: bool) -> NoReturn:
    raise click.exceptions.Exit(0 if success else 1)
