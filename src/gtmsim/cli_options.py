"""Command-line options shared by several gtmsim commands."""

from __future__ import annotations

import click

workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes [default: all CPUs].",
)
