"""Command-line tasks: flask --app rcbingo COMMAND."""

import json

import click
from flask import Flask

from . import demo
from .org.service import RosterError, load_roster


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(load_roster_command)


@click.command("seed-demo")
def seed_demo():
    """Load the demo organization: units, workgroups, roster and a month of cards."""
    created = demo.seed()
    click.echo("Demo data loaded: " + ", ".join(f"{n} new {what}" for what, n in created.items()))


@click.command("load-roster")
@click.argument("file", type=click.File(encoding="utf-8"))
def load_roster_command(file):
    """Create or update units, workgroups and staff from a JSON FILE (see rcbingo/demo.json)."""
    try:
        created = load_roster(json.load(file))
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{file.name} is not valid JSON: {error}") from error
    except RosterError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{file.name} was not loaded: {len(error.problems)} problem(s).") from error
    click.echo("Roster loaded: " + ", ".join(f"{n} new {what}" for what, n in created.items()))
