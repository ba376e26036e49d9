"""The ``headwater`` command: the root group and one group (or command) per noun, each in its module.

Commands parse, call the services (``headwater.services``) and print what ``headwater.cli.output``
renders. Heavy imports stay inside the commands so ``headwater version`` starts fast.
"""

from __future__ import annotations

import click

from headwater import __version__
from headwater.cli.celery import celery
from headwater.cli.dags import dags
from headwater.cli.db import db
from headwater.cli.jobs import jobs
from headwater.cli.pools import pools
from headwater.cli.scheduler import scheduler, standalone
from headwater.cli.tasks import tasks


@click.group()
def main() -> None:
    """headwater: run Airflow-style DAGs with Airflow's semantics."""


@main.command()
def version() -> None:
    """Print headwater's version."""
    click.echo(__version__)


for _command in (dags, tasks, pools, db, scheduler, standalone, celery, jobs):
    main.add_command(_command)
