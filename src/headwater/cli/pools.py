"""``headwater pools``: named limits on how many task slots run at once."""

from __future__ import annotations

import click

from headwater.cli import output
from headwater.cli.common import services


@click.group()
def pools() -> None:
    """Pools: named limits on how many task slots run at once."""


@pools.command("set")
@click.argument("name")
@click.argument("slots", type=int)
@click.argument("description", required=False)
def set_pool(name: str, slots: int, description: str | None) -> None:
    """Create pool NAME with SLOTS slots, or resize it."""
    from headwater.services import pools as service

    with services() as ctx:
        pool = service.set_pool(ctx, name=name, slots=slots, description=description)
    click.echo(f"Pool {pool.name} has {pool.slots} slots.")


@pools.command("list")
@output.output_option
def list_pools(fmt: str) -> None:
    """Every pool with its slots."""
    from headwater.services import pools as service

    with services() as ctx:
        found = service.list_pools(ctx)
    click.echo(output.render([output.fields(p, ("pool", "slots", "description"), pool="name") for p in found], fmt))


@pools.command("delete")
@click.argument("name")
def delete_pool(name: str) -> None:
    """Delete pool NAME (``default_pool`` stays)."""
    from headwater.services import pools as service

    with services() as ctx:
        service.delete_pool(ctx, name=name)
    click.echo(f"Pool {name} deleted.")
