"""The ``gtmsim`` command group and the consoles every command prints to.

Commands import what they need when they run, so `gtmsim --help` answers at once instead of
loading the model, pandas, scipy and matplotlib first.
"""

from __future__ import annotations

import sys

import click
from rich.console import Console

from gtmsim.outputs.terminal import shown

#: Results and tables (stdout).
console = Console()
#: Progress bars, warnings and errors (stderr).
errors = Console(stderr=True)


class FriendlyGroup(click.Group):
    """Turns our own input errors into one short paragraph instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise  # --help, usage errors, Ctrl-C: click's own handling
        except Exception as err:
            from gtmsim.classroom.game.errors import GAME_ERRORS
            from gtmsim.experiments.executors import ExecutorError
            from gtmsim.experiments.store import StoreError
            from gtmsim.model.scenario_files import ScenarioError  # late: --help stays instant
            from gtmsim.outputs.results import ResultsError

            known = (ScenarioError, ResultsError, StoreError, ExecutorError, *GAME_ERRORS)
            if not isinstance(err, known):
                raise
            errors.print(f"[bold red]Error:[/] {shown(err)}", highlight=False, soft_wrap=True)
            sys.exit(2)


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gtmsim")
def main() -> None:
    """gtmsim: simulate how marketing, sales and the way they work together grow a market.

    Start with `gtmsim scenarios`, then `gtmsim run separate integrated`.
    """
