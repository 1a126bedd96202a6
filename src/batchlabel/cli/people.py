"""People who sign in to the station: user add, list, disable, enable, password."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from batchlabel.cli.app import cli
from batchlabel.cli.context import AppContext, console, emit_json, marked, pass_app
from batchlabel.errors import InputError
from batchlabel.models import Role
from batchlabel.services.people import add_person, change_password


@cli.group()
def user() -> None:
    """People who sign in to the station (batchlabel serve): packers, QA and admins."""


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InputError("No password arrived on standard input.")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InputError("Type the password at a terminal, or pipe one line with --password-stdin.")
    typed: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return typed


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="packer: print and record steps; qa: also checks and status; admin: also printers and people.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password as one line from stdin.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def user_add(app: AppContext, name: str, role: str, password_stdin: bool, as_json: bool) -> None:
    """Add a person who signs in to the station as NAME."""
    added = add_person(app.store, name, role, _password(password_stdin), app.actor)
    if as_json:
        emit_json({"name": added.name, "role": added.role, "active": added.active})
    else:
        console.print(marked("Added [bold]{}[/] ({}).", added.name, added.role))


@user.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def user_list(app: AppContext, as_json: bool) -> None:
    """Everyone who can sign in, with their role."""
    people = app.store.users()
    if as_json:
        emit_json(
            [
                {"name": u.name, "role": u.role, "active": u.active, "created_at": u.created_at}
                for u in people
            ]
        )
        return
    table = Table("Name", "Role", "Active", "Added")
    for u in people:
        table.add_row(u.name, u.role, "yes" if u.active else "no", u.created_at[:10])
    console.print(table)


@user.command("disable")
@click.argument("name")
@pass_app
def user_disable(app: AppContext, name: str) -> None:
    """Stop NAME from signing in; they are signed out everywhere at once."""
    app.store.set_user_active(app.store.user(name), False, app.actor)
    console.print(marked("[bold]{}[/] can no longer sign in.", name))


@user.command("enable")
@click.argument("name")
@pass_app
def user_enable(app: AppContext, name: str) -> None:
    """Let NAME sign in again."""
    app.store.set_user_active(app.store.user(name), True, app.actor)
    console.print(marked("[bold]{}[/] can sign in again.", name))


@user.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password as one line from stdin.")
@pass_app
def user_password(app: AppContext, name: str, password_stdin: bool) -> None:
    """Give NAME a new password; their open sign-ins end."""
    change_password(app.store, name, _password(password_stdin), app.actor)
    console.print(marked("New password set for [bold]{}[/].", name))
