"""What every command shares: loading the settings, opening the services with their errors mapped to
``CliError`` (exit status 2), parsing dates and conf, asking for confirmation, logging to stderr.

Heavy imports stay inside the functions so ``headwater version`` starts fast.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from headwater.cli.errors import CliError

if TYPE_CHECKING:
    import datetime as dt

    from headwater.config import Settings
    from headwater.services.context import ServiceContext

_LOG_HANDLER: logging.Handler | None = None


def log_to_stderr() -> None:
    """Send task and headwater logs (INFO and up) to stderr; stdout stays for results."""
    global _LOG_HANDLER  # noqa: PLW0603 - one handler per process, replaced on each command
    root = logging.getLogger()
    if _LOG_HANDLER is not None:
        root.removeHandler(_LOG_HANDLER)
    _LOG_HANDLER = logging.StreamHandler(sys.stderr)
    _LOG_HANDLER.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
    root.addHandler(_LOG_HANDLER)
    root.setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter is not the user's business


def load_settings() -> Settings:
    """The settings of ``$HEADWATER_HOME`` and the environment; a bad setting ends the command."""
    from headwater.config import Settings

    try:
        return Settings.load()
    except ValueError as err:
        raise CliError(str(err)) from None


@contextmanager
def user_errors() -> Iterator[None]:
    """Every error headwater raises on purpose (the services' NotFound, Conflict, InvalidRequest,
    Unavailable and the rest) ends the command with its message and exit status 2, no traceback."""
    from headwater.errors import HeadwaterError

    try:
        yield
    except HeadwaterError as err:
        raise CliError(str(err)) from None


@contextmanager
def services(settings: Settings | None = None, *, xcom: bool = True) -> Iterator[ServiceContext]:
    """The services over the store of ``settings`` (loaded when not given), with their errors mapped."""
    from headwater.services.context import opened

    with user_errors(), opened(settings or load_settings(), xcom=xcom) as ctx:
        yield ctx


def parse_datetime(value: str | None, option: str) -> dt.datetime | None:
    """An ISO 8601 date or datetime (a date is midnight UTC); None stays None."""
    if value is None:
        return None
    import pendulum

    try:
        parsed = pendulum.parse(value)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise CliError(
            f"{option} {value!r} is not an ISO 8601 date or datetime (e.g. 2024-01-01T00:00:00+00:00)."
        ) from None
    if not isinstance(parsed, pendulum.DateTime):
        parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day, tz="UTC")  # type: ignore[union-attr]
    return parsed


def required_datetime(value: str, option: str) -> dt.datetime:
    """A required option's ISO 8601 date or datetime."""
    parsed = parse_datetime(value, option)
    if parsed is None:  # only None parses to None; click passes a required option's text
        raise CliError(f"{option} is required.")
    return parsed


def parse_conf(value: str | None, option: str = "--conf") -> dict[str, Any]:
    """A run conf given as a JSON object; none is ``{}``."""
    if value is None:
        return {}
    try:
        conf = json.loads(value)
    except json.JSONDecodeError as err:
        raise CliError(f"{option} is not valid JSON ({err.msg} at position {err.pos}): {value!r}") from None
    if not isinstance(conf, dict):
        raise CliError(f"{option} must be a JSON object such as '{{\"key\": 1}}'; got {type(conf).__name__}.")
    return conf


def comma_list(value: str | None) -> list[str]:
    """``a,b, c`` as ``["a", "b", "c"]``; none is empty."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def confirmed(question: str) -> bool:
    """Ask on the terminal; no answer (no terminal) is a no, so nothing is changed."""
    try:
        return click.confirm(question, err=True)
    except click.Abort:
        return False
