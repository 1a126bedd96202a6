"""The top-level command group, and the one place errors become one-line messages."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from batchlabel import validation
from batchlabel.cli.context import AppContext, default_actor
from batchlabel.cli.remedies import explain
from batchlabel.errors import BatchlabelError
from batchlabel.labels.data import DEFAULT_RESOLVER


class BatchlabelGroup(click.Group):
    """A click group that prints every error as one sentence and never a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.Abort:
            _fail("Stopped; nothing half-done was saved.", 1)
        except click.ClickException as error:
            _fail(_click_message(error), error.exit_code)
        except BatchlabelError as error:
            _fail(explain(error), error.exit_code)
        except UnicodeEncodeError:  # bytes from the shell that are not UTF-8, met on the way out
            _fail("Some text given is not valid UTF-8; type it again or check the scanner.", 2)
        except KeyboardInterrupt:
            _fail("Stopped; nothing half-done was saved.", 130)
        except BrokenPipeError:
            sys.exit(1)
        except OSError as error:
            _fail(f"{error.strerror or error}: {error.filename or ''}".rstrip(": ") + ".", 1)


def _click_message(error: click.ClickException) -> str:
    message = error.format_message()
    if isinstance(error, click.UsageError) and error.ctx is not None:
        message += f" See '{error.ctx.command_path} --help'."
    return message


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {validation.shown(message)}", err=True)
    sys.exit(code)


@click.group(cls=BatchlabelGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    envvar="BATCHLABEL_DB",
    default="batchlabel.db",
    show_default=True,
    help="Where the records are: a SQLite file, or a PostgreSQL database shared by several "
    "machines (postgresql://USER@HOST/DB).",
)
@click.option("--user", envvar="BATCHLABEL_USER", help="Who is working (default: the login name).")
@click.option(
    "--station", envvar="BATCHLABEL_STATION", help="Which bench or machine (default: host name)."
)
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="BATCHLABEL_TEMPLATES",
    help="An extra folder of label templates.",
)
@click.option(
    "--resolver",
    envvar="BATCHLABEL_RESOLVER",
    default=DEFAULT_RESOLVER,
    show_default=True,
    help="Where label QR codes point: your Digital Link resolver, e.g. https://id.example.com.",
)
@click.version_option(package_name="batchlabel")
@click.pass_context
def cli(
    ctx: click.Context,
    db_path: str,
    user: str | None,
    station: str | None,
    templates_dir: Path | None,
    resolver: str,
) -> None:
    """batchlabel: lot codes, serials, labels, printing and scanning for small-batch makers."""
    app = AppContext(
        db=db_path,
        actor=default_actor(user, station),
        templates_dir=templates_dir,
        resolver=resolver,
    )
    ctx.obj = app
    ctx.call_on_close(app.close)
