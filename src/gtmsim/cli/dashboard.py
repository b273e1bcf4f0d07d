"""`gtmsim dashboard`: the classroom dashboard, served for a projector."""

from __future__ import annotations

import sys

import click

from gtmsim.classroom.defaults import CLASSROOM_PROSPECTS, COMPARE_WITH, DEFAULT_HOST, DEFAULT_PORT
from gtmsim.cli.group import console, errors


@click.command()
@click.argument("scenario", default="separate")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to serve on.",
)
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="Address to listen on. The default serves this computer only; 0.0.0.0 lets other "
    "computers on the network (students) open the page.",
)
@click.option(
    "--compare",
    type=click.Choice(COMPARE_WITH),
    default="off",
    show_default=True,
    help="Start with a side-by-side run: the same company organised like this scenario.",
)
@click.option(
    "--prospects",
    type=click.IntRange(100, 20_000),
    default=CLASSROOM_PROSPECTS,
    show_default=True,
    help="Market size; the budget and reps shrink with it.",
)
def dashboard(scenario: str, port: int, host: str, compare: str, prospects: int) -> None:
    """Run SCENARIO live in the browser, for a class (default: separate).

    Serves a page with the levers a class argues about (budget, channel mix, reps, goals,
    lead definition, CRM, meetings, seed), step/play/reset, live charts and a side-by-side
    mode. It needs no internet access. Stop it with Ctrl-C.

    \b
    Examples:
      gtmsim dashboard                          # then open http://127.0.0.1:8765/
      gtmsim dashboard separate --compare integrated
      gtmsim dashboard my-plan.toml --port 8080
    """
    from gtmsim.classroom import server
    from gtmsim.model.scenario_files import find_scenario, load_scenario

    path = find_scenario(scenario).resolve()
    load_scenario(path)  # stop here, with the usual explanation, if the file is wrong
    try:
        server.check_installed()
    except server.DashboardUnavailable as err:
        raise click.ClickException(str(err)) from None
    console.print(
        f"gtmsim dashboard: open [bold]{server.url(host, port)}[/] in a browser (Ctrl-C stops it)",
        highlight=False,
    )
    if server.is_open_to_network(host):
        urls = server.reachable_urls(host, port)
        where = (
            "students open " + " or ".join(urls)
            if urls
            else "students open http://<this computer's address>:" + str(port) + "/ (`ip addr` "
            "shows the address)"
        )
        errors.print(
            f"[yellow]Warning:[/] --host {host} opens the dashboard to every computer that can "
            f"reach this one, with no password: anyone there can move the levers. On the "
            f"network, {where}. Use the default --host 127.0.0.1 to keep it on this computer.",
            highlight=False,
            soft_wrap=True,
        )
    sys.exit(server.serve(path, prospects, compare, host, port))
