"""Command-line options shared by several gtmsim commands."""

from __future__ import annotations

import click

workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes [default: all CPUs].",
)


def prospects_option(default: int, minimum: int):
    """``--n``: the market size (prospects) for commands that size their own runs."""
    return click.option(
        "--n",
        "prospects",
        type=click.IntRange(min=minimum),
        default=default,
        show_default=True,
        help="Market size (prospects).",
    )
