"""`gtmsim validate`, `scenarios` and `reference`: scenario files and what they may set."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gtmsim.cli.group import console, errors
from gtmsim.outputs.terminal import shown


@click.command()
@click.argument("files", nargs=-1, required=True)
def validate(files: tuple[str, ...]) -> None:
    """Check scenario or market FILES and explain every mistake (exit status 2 if any is wrong)."""
    from gtmsim.model.market_files import load_market
    from gtmsim.model.scenario_files import ScenarioError

    bad = 0
    for name in files:
        try:
            market = load_market(name)
        except ScenarioError as err:
            bad += 1
            errors.print(
                f"[bold red]{shown(name or repr(name))}: invalid[/]\n{shown(str(err))}\n",
                highlight=False,
                soft_wrap=True,
            )
            continue
        what = "scenario" if len(market.firms) == 1 else "market"
        firms = "" if len(market.firms) == 1 else f", firms {', '.join(market.firms)}"
        console.print(
            f"[green]{shown(name)}: ok[/] ({what} '{shown(market.name)}'{shown(firms)}, "
            f"sha256 {market.digest()[:12]})"
        )
    if bad:
        sys.exit(2)


@click.command("scenarios")
def list_scenarios() -> None:
    """List the shipped scenarios and markets with their purpose."""
    from gtmsim.model.scenario_files import purpose, shipped_markets, shipped_scenarios

    for name, path in shipped_scenarios().items():
        line = f"[bold]{shown(name):<16}[/] {shown(purpose(path))}"
        console.print(line, highlight=False, soft_wrap=True)
    markets = shipped_markets()
    if markets:
        console.print("\n[bold]Markets[/] (several firms in one market):")
        for name, path in markets.items():
            line = f"[bold]{shown(name):<16}[/] {shown(purpose(path))}"
            console.print(line, highlight=False, soft_wrap=True)
    console.print("\nRun one with `gtmsim run NAME`; copy one and change it to make your own.")


@click.command()
@click.option(
    "--readme",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Instead of printing, regenerate the reference section of this README in place.",
)
@click.option(
    "--kpis",
    is_flag=True,
    help="Print the KPI glossary instead: every KPI, its unit and what it measures.",
)
def reference(readme: Path | None, kpis: bool) -> None:
    """Print the scenario parameter reference (Markdown): every key, unit, default, range."""
    from gtmsim.model.reference import kpi_glossary, scenario_reference, update_readme
    from gtmsim.outputs.results import write_atomic

    if kpis:
        click.echo(kpi_glossary(), nl=False)
        return
    if readme is None:
        click.echo(scenario_reference(), nl=False)
        return
    write_atomic(readme, update_readme(readme.read_text(encoding="utf-8")))
    console.print(f"Updated the scenario reference in {readme}")
