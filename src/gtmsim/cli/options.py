"""Command-line options shared by several gtmsim commands."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from gtmsim.experiments.defaults import MAX_PROSPECTS, MAX_SEEDS, MAX_WEEKS


def progress_bar(console: Console, *, remaining: bool = True, transient: bool = False) -> Progress:
    """The progress bar every long command shows on ``console`` (stderr): a spinner, what runs, a bar,
    done/total, time elapsed and (``remaining``) the estimated time left. A ``transient`` bar
    disappears when done, for commands whose output follows on the same screen."""
    columns = [
        SpinnerColumn(),  # turns while a long run is being built, so nothing looks frozen
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    if remaining:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=console, transient=transient)


def workers_that_fit(scenarios, runs: int, weeks: int, workers: int | None, what: str):
    """Check, before any folder is made or run started, that ``runs`` runs of ``scenarios`` fit
    in memory (the CLI's error handler turns a CapacityError into its message); returns where
    to run them: the worker processes to use (``workers`` or all CPUs, fewer if that is what
    fits, said on stderr), or the Dask executor ``--dask`` asked for (then only the parent's
    share, the results, is checked here)."""
    from gtmsim.cli.group import errors
    from gtmsim.experiments.capacity import plan_memory
    from gtmsim.experiments.runner import default_workers

    dask = chosen_dask()
    plan = plan_memory(scenarios, runs, weeks, 1 if dask else workers or default_workers(), what)
    if dask:
        dask.connect()  # an unreachable scheduler fails here, before any folder is made
        return dask
    if plan.note:
        errors.print(plan.note, highlight=False)
    return plan.workers


def chosen_dask():
    """The DaskExecutor of this command's --dask option, or None (no option, or no command)."""
    context = click.get_current_context(silent=True)
    address = context.meta.get(DASK_KEY) if context else None
    if not address:
        return None
    from gtmsim.experiments.executors import DaskExecutor

    return DaskExecutor(address)


DASK_KEY = "gtmsim.dask"


def _remember_dask(context: click.Context, _param: click.Parameter, value: str | None):
    context.meta[DASK_KEY] = value
    return value


def workers_option(command):
    """--workers N (local worker processes) and --dask ADDRESS (run on a Dask cluster instead);
    the address is read by :func:`workers_that_fit` and :func:`chosen_dask`."""
    command = click.option(
        "--dask",
        metavar="ADDRESS",
        default=None,
        expose_value=False,
        callback=_remember_dask,
        help="Run on Dask instead of local processes: local:N (a LocalCluster of N worker "
        "processes) or tcp://HOST:PORT (a running `dask scheduler`; README, 'Sweeps on a "
        "cluster').",
    )(command)
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Worker processes [default: all CPUs].",
    )(command)


def prospects_option(default: int, minimum: int):
    """``--n``: the market size (prospects) for commands that size their own runs."""
    return click.option(
        "--n",
        "prospects",
        type=click.IntRange(min=minimum, max=MAX_PROSPECTS),
        default=default,
        show_default=True,
        help="Market size (prospects).",
    )


def out_option(what: str):
    """``--out``: the folder a command writes ``what`` into (created if missing), and
    ``--overwrite``: replace earlier results there instead of refusing."""

    def decorate(command):
        command = click.option(
            "--overwrite",
            is_flag=True,
            help="Replace the results of an earlier run in --out (without it, such a folder is "
            "refused, so old figures never sit beside new data).",
        )(command)
        return click.option(
            "--out", type=click.Path(file_okay=False, path_type=Path), help=f"Folder for {what}."
        )(command)

    return decorate


def run_options(default_seeds: str):
    """The options shared by `run` and `compare`."""

    def decorate(command):
        for option in reversed(
            [
                click.option(
                    "--seeds",
                    type=click.IntRange(min=1, max=MAX_SEEDS),
                    help=f"Replicate runs per scenario [default: {default_seeds}].",
                ),
                click.option(
                    "--weeks",
                    type=click.IntRange(min=1, max=MAX_WEEKS),
                    help="Weeks to simulate [default: the scenario's simulation.weeks, 104].",
                ),
                out_option("the results [default: results/<names>-<time>]"),
                workers_option,
                click.option(
                    "--base-seed",
                    type=click.IntRange(min=0),
                    default=None,
                    help="Root seed [default: the first scenario's simulation.base_seed].",
                ),
            ]
        ):
            command = option(command)
        return command

    return decorate


def parse_pairs(items: tuple[str, ...], what: str, option: str) -> dict[str, str]:
    """``key=value`` strings to a dict, with an error that shows the expected form."""
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise click.BadParameter(f"{item!r}: expected {what}", param_hint=option)
        if key in pairs:
            raise click.BadParameter(f"{key} is given twice; give it once", param_hint=option)
        pairs[key] = value
    return pairs


figure_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf"]),
    default="png",
    show_default=True,
    help="Image format of the figures.",
)


def parse_ranges(items: tuple[str, ...], option: str) -> dict[str, tuple[float, float]]:
    """``KEY=LOW:HIGH`` strings to {key: (low, high)}, an error naming ``option`` otherwise."""
    ranges = {}
    for key, value in parse_pairs(
        items, "KEY=LOW:HIGH, e.g. organisation.cross_skilling=0:1", option
    ).items():
        try:
            low, high = (float(v) for v in value.split(":"))
        except ValueError:
            raise click.BadParameter(
                f"{key}={value}: bounds are LOW:HIGH, two numbers", param_hint=option
            ) from None
        ranges[key] = (low, high)
    return ranges
