"""Command-line tasks: flask --app rcbingo COMMAND.

Text from the command line or a file is normalised like text from a form (`clean_text`) before it is stored or
screened; a password is read as typed (rcbingo/text.py's SECRET_FIELDS)."""

import json
import sys

import click
from flask import Flask

from . import demo
from .org import accounts
from .org.rules import PASSWORD_MIN, password_problem
from .org.service import RosterError, load_roster, staff_names
from .privacy.screen import screen
from .web import clean_json, clean_secret, clean_text


def register(app: Flask) -> None:
    for command in (seed_demo, load_roster_command, create_admin, phi_scan, display_link, newsletter_draft,
                    newsletter_export, survey_score, backup_command, restore_command):
        app.cli.add_command(command)


@click.command("seed-demo")
@click.option("--with-accounts", is_flag=True,
              help=f"Also create demo sign-ins (password {demo.DEMO_PASSWORD!r}): never on a real server.")
def seed_demo(with_accounts):
    """Load the demo organization: units, workgroups, roster and a month of cards."""
    created = demo.seed(with_accounts=with_accounts)
    click.echo("Demo data loaded: " + ", ".join(f"{n} new {what}" for what, n in created.items()))
    if with_accounts:
        emails = ", ".join(email for email, *_ in demo.DEMO_ACCOUNTS)
        click.echo(f"Demo sign-ins: {emails}; password: {demo.DEMO_PASSWORD}")


@click.command("load-roster")
@click.argument("file", type=click.File(encoding="utf-8"))
def load_roster_command(file):
    """Create or update units, workgroups and staff from a JSON FILE (see rcbingo/demo.json)."""
    try:
        created = load_roster(clean_json(json.load(file)))
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{file.name} is not valid JSON: {error}") from error
    except RosterError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{file.name} was not loaded: {len(error.problems)} problem(s).") from error
    click.echo("Roster loaded: " + ", ".join(f"{n} new {what}" for what, n in created.items()))


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="The name shown for the account (default: the email's first part).")
def create_admin(email, name):
    """Create an administrator account; the password is asked for (or read from standard input)."""
    email, name = clean_text(email), clean_text(name)
    if accounts.account_by_email(email):
        raise click.ClickException(f"An account for {email} already exists.")
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    password = clean_secret(password)  # as the sign-in form will read it
    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(problem % {"min": PASSWORD_MIN})
    account = accounts.create_account(email, name or email.split("@")[0], password, is_admin=True)
    click.echo(f"Administrator {account.email} created. Sign in at /sign-in.")


@click.command("phi-scan")
def phi_scan():
    """Screen stories for patient information: one story per line in, one JSON object per line out."""
    names = staff_names()
    for line in sys.stdin:
        found = screen(clean_text(line.rstrip("\r\n")), names)  # (offsets: of the text as it would be stored)
        click.echo(json.dumps({"flagged": bool(found), "findings": [
            {"kind": f.kind, "start": f.start, "end": f.end, "text": f.text} for f in found]}))


@click.command("display-link")
@click.argument("unit")
@click.option("--name", default="Wall display", help="What the screen is called on the displays page.")
@click.option("--base-url", default=None, help="The app's address as screens reach it (default: the BASE_URL setting).")
def display_link(unit, name, base_url):
    """Print a new wall display link for UNIT (its key or name), for scripted setups."""
    from .board.service import create_display
    from .links import absolute_url
    from .org.service import unit_by_key_or_name

    found = unit_by_key_or_name(unit)
    if found is None:
        raise click.ClickException(f"No unit called {unit!r}.")
    _display, token = create_display(found, clean_text(name))
    click.echo(absolute_url("board.wall", token=token, base_url=base_url))


@click.command("newsletter-draft")
@click.argument("unit")
@click.argument("month")
def newsletter_draft(unit, month):
    """Build (or refresh) the draft newsletter of UNIT (key, name, or "all") for MONTH (YYYY-MM); prints its id."""
    from datetime import date

    from .newsletter.service import draft
    from .org.service import unit_by_key_or_name

    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
        date(year + number // 12, number % 12 + 1, 1)  # (the month after it, where the issue's stories end)
    except ValueError as error:
        raise click.ClickException(f"{month!r} is not a month: write it as YYYY-MM.") from error
    found = None if unit == "all" else unit_by_key_or_name(unit)
    if unit != "all" and found is None:
        raise click.ClickException(f"No unit called {unit!r}.")
    issue = draft(found, first)
    if issue.published_at is not None:
        click.echo(f"{issue.id}\t(already published; make a correction in the app to change it)", err=False)
    else:
        click.echo(issue.id)


@click.command("newsletter-export")
@click.argument("issue_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["html", "pdf"]), default="html", show_default=True)
@click.option("--size", type=click.Choice(["a4", "letter"]), default="a4", show_default=True, help="PDF page size.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True, help="The file to write.")
def newsletter_export(issue_id, fmt, size, out):
    """Write newsletter issue ISSUE_ID to a file, as self-contained HTML or as a PDF."""
    from .extensions import db
    from .newsletter.models import Issue
    from .newsletter.service import render, render_pdf

    issue = db.session.get(Issue, issue_id)
    if issue is None:
        raise click.ClickException(f"There is no newsletter issue {issue_id}.")
    if fmt == "pdf":
        with open(out, "wb") as handle:
            handle.write(render_pdf(issue, size, in_process=True))
    else:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(render(issue))
    click.echo(out)


@click.command("survey-score")
@click.argument("file", type=click.File(encoding="utf-8-sig"))
@click.option("--min-respondents", type=int, default=None,
              help="Withhold figures resting on fewer respondents (default: the SURVEY_MIN_RESPONDENTS setting, "
                   "never below 3).")
def survey_score(file, min_respondents):
    """Print the RC figures of a survey CSV file as JSON, storing nothing."""
    from flask import current_app

    from .survey.csvfile import HeaderError, score_csv

    minimum = min_respondents if min_respondents is not None else current_app.config["SURVEY_MIN_RESPONDENTS"]
    try:
        figures = score_csv(file.read(), minimum)
    except HeaderError as error:
        raise click.ClickException(str(error)) from error
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(figures, indent=2, ensure_ascii=False))


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def backup_command(file):
    """Back up the whole database to FILE while the app runs (SQLite online backup, or pg_dump)."""
    from .backup import BackupError, backup

    try:
        kind = backup(file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up the {kind} database to {file}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm that the database's current contents are to be replaced.")
def restore_command(file, yes):
    """Replace the database's contents with the backup in FILE. Stop the app servers first."""
    from .backup import BackupError, restore

    if not yes:
        raise click.ClickException("Restoring replaces everything in the database: add --yes to confirm.")
    try:
        restore(file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored the database from {file}")
