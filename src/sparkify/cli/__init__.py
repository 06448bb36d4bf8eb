"""The ``sparkify`` command line: parse flags, load settings, make one library call, render.

Errors: every :class:`~sparkify.errors.SparkifyError` becomes one line on stderr (plus a hint)
and its documented exit code; ``--debug`` prints the traceback before that line and changes
nothing else.
"""

from __future__ import annotations

import signal
import sys
import traceback
from typing import NoReturn

import click
from rich.text import Text

from sparkify.cli import diagram, history, infra, query, report
from sparkify.cli.interrupt import interrupted, on_sigint
from sparkify.cli.options import FullHelpGroup
from sparkify.cli.pipeline import check, create_tables, etl, run
from sparkify.cli.render import stderr
from sparkify.cli.tools import generate, sql
from sparkify.errors import ExitCode, SparkifyError
from sparkify.version import __version__


@click.group(
    cls=FullHelpGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="sparkify")
def cli() -> None:
    """Turn Sparkify's JSON activity logs and song catalogue into a star-schema warehouse on
    DuckDB (default), PostgreSQL or Redshift.

    \b
    Quick start (no cloud, no setup):
      sparkify run                       # generated demo data -> ./sparkify.duckdb
      sparkify run --source data/        # your log_data/ and song_data/
      sparkify check                     # data-quality checks
    """


# Commands named like their modules are reached through the module, so that
# ``sparkify.cli.query`` (say) stays the module and is not shadowed by its command.
for command in (
    run,
    etl,
    create_tables,
    check,
    query.query,
    history.history,
    generate,
    sql,
    diagram.diagram,
    report.report,
    infra.infra,
):
    cli.add_command(command)


#: The hint of an error that brings none of its own (an engine's message passed on).
_DEFAULT_HINTS = {
    ExitCode.QUERY: "Nothing of this run was committed. If the statement is your own (sparkify "
    "query), fix it; otherwise run again with --debug and report the traceback.",
}


def _fail(error: SparkifyError) -> NoReturn:
    message = " ".join(error.message.split())  # an engine's message may span lines
    hint = error.hint or _DEFAULT_HINTS.get(error.exit_code)
    stderr.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)
    if hint:
        stderr.print(Text.assemble("  ", ("hint:", "dim"), " ", hint), soft_wrap=True)
    sys.exit(int(error.exit_code))


def _traceback(debug: bool) -> None:
    if debug:
        traceback.print_exc(file=sys.stderr)
        sys.stderr.flush()


def _stop_interrupted(debug: bool) -> NoReturn:
    _traceback(debug)
    stderr.print("interrupted: nothing was committed.")
    sys.exit(int(ExitCode.INTERRUPTED))


def main() -> None:
    """Entry point of the ``sparkify`` console script."""
    debug = "--debug" in sys.argv[1:]
    signal.signal(signal.SIGINT, on_sigint)
    try:
        cli.main(standalone_mode=False)
    except SparkifyError as e:
        if interrupted():  # a driver reported the interruption as its own error
            _stop_interrupted(debug)
        _traceback(debug)
        _fail(e)
    except (click.exceptions.Abort, KeyboardInterrupt):
        _stop_interrupted(debug)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except Exception:
        if interrupted():  # e.g. DuckDB's "Query interrupted", raised as a bare RuntimeError
            _stop_interrupted(debug)
        raise
    sys.exit(0)
