"""CLI failures that render themselves with an exit code."""

from __future__ import annotations

import click


class CliError(click.ClickException):
    """A failure the user can fix; printed without a traceback, exit code 2."""

    exit_code = 2
