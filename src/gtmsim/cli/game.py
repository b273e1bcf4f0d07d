"""`gtmsim game`: the classroom tournament from the command line (every instructor and team
action, so a game can be prepared, replayed and tested without a browser)."""

from __future__ import annotations

import math
from pathlib import Path

import click

from gtmsim.classroom.defaults import DEFAULT_HOST, GAME_PORT
from gtmsim.cli.group import console, errors
from gtmsim.cli.options import progress_bar, workers_option

GAME_DIR = click.argument("game_dir", type=click.Path(file_okay=False, path_type=Path))


@click.group()
def game() -> None:
    """Classroom tournament: student teams run rival firms in one market, round by round.

    \b
    A game, start to end:
      gtmsim game new duopoly --dir class-a --teams 6 --computer-rivals 2 --seed 7
      gtmsim game decisions class-a --team team-1 > plan.toml   # edit it
      gtmsim game submit class-a --team team-1 --decisions plan.toml
      gtmsim game close-round class-a        # teams that submitted nothing keep their plan
      gtmsim game scoreboard class-a
      gtmsim game export class-a             # CSV of every decision and result
      gtmsim game debrief class-a            # why each team won or lost (HTML pages)
      gtmsim game serve class-a --host 0.0.0.0   # the same in the browser, on the LAN
    """


@game.command("new")
@click.argument("market")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the game (created; it must not hold a game already).",
)
@click.option(
    "--teams",
    default="6",
    show_default=True,
    help="Number of student teams, or their names separated by commas (e.g. red,blue,green).",
)
@click.option(
    "--computer-rivals",
    type=click.IntRange(0, 7),
    default=2,
    show_default=True,
    help="Firms the computer runs with fixed levers, playing the market's other firms in turn "
    "(duopoly has one other firm: two computer rivals both play it, as rival and rival-2).",
)
@click.option(
    "--rounds", type=click.IntRange(1, 40), default=8, show_default=True, help="Rounds to play."
)
@click.option(
    "--round-weeks",
    type=click.IntRange(1, 52),
    default=13,
    show_default=True,
    help="Weeks each round runs (13: a quarter).",
)
@click.option(
    "--seed",
    type=click.IntRange(0),
    default=1,
    show_default=True,
    help="Seed of every random draw: the same seed and decisions replay the game exactly.",
)
@click.option(
    "--prospects",
    type=click.IntRange(100, 1_000_000),
    default=None,
    help="Market size (default: the market file's); each company is scaled with it.",
)
def new(
    market: str,
    folder: Path,
    teams: str,
    computer_rivals: int,
    rounds: int,
    round_weeks: int,
    seed: int,
    prospects: int | None,
) -> None:
    """Create a game from MARKET (a market file such as duopoly, or a scenario).

    Every team starts as the market's first firm (a fair start); computer rivals play its
    other firms. Prints the teams' join codes and the instructor's secret.
    """
    from gtmsim.classroom.game.game import Game

    team_spec: int | list[str]
    if teams.strip().isdigit():
        team_spec = int(teams)
    else:
        team_spec = [name.strip() for name in teams.split(",") if name.strip()]
    created = Game.new(
        folder, market, team_spec, computer_rivals, rounds, round_weeks, seed, prospects
    )
    setup = created.setup
    console.print(
        f"Created a game in {folder}: {plural(len(setup.teams), 'team')} and "
        f"{plural(len(setup.computers), 'computer rival')} "
        f"({', '.join(setup.computers) or 'none'}) in the {market} market, "
        f"{plural(setup.rounds, 'round')} of {setup.round_weeks} weeks, seed {setup.seed} (note "
        "it: the same seed and decisions replay the game exactly).",
        highlight=False,
        soft_wrap=True,
    )
    print_codes(created)
    console.print(
        f"Next: `gtmsim game decisions {folder} --team {setup.teams[0]}` shows a team's plan "
        "to edit; `gtmsim game submit` records it; `gtmsim game close-round` plays the round.",
        highlight=False,
    )


def print_codes(game_) -> None:
    for team, code in game_.store.codes().items():
        console.print(f"  team {team:<12} code {code}", highlight=False)
    console.print(f"  instructor secret {game_.store.meta('instructor_secret')}", highlight=False)


@game.command("codes")
@GAME_DIR
def codes(game_dir: Path) -> None:
    """Print the teams' join codes and the instructor's secret again."""
    from gtmsim.classroom.game.game import Game

    print_codes(Game(game_dir))


@game.command("decisions")
@GAME_DIR
@click.option("--team", required=True, help="The team's name.")
def decisions(game_dir: Path, team: str) -> None:
    """Print a team's decisions for the open round as a decisions file (TOML) to edit."""
    from gtmsim.classroom.game.game import Game
    from gtmsim.classroom.game.rules import Decisions

    played = Game(game_dir)
    current = played.submitted(team) or played.current_decisions(team)
    if played.open_round is None:
        lines = [f"# The game is over: {team}'s decisions in its last round."]
    else:
        lines = [f"# Decisions of {team} for round {played.open_round} (edit, then submit)."]
    for name, info in Decisions.model_fields.items():
        value = getattr(current, name)
        lines.append(f"# {info.description}")
        if name == "channel_mix":
            mix = ", ".join(f"{c} = {share!r}" for c, share in value.items())
            lines.append(f"channel_mix = {{ {mix} }}")
        elif isinstance(value, bool):
            lines.append(f"{name} = {str(value).lower()}")
        elif isinstance(value, str):
            lines.append(f'{name} = "{value}"')
        elif isinstance(value, float):
            lines.append(f"{name} = {value!r}")  # every digit: an unedited line changes nothing
        else:
            lines.append(f"{name} = {value}")
    click.echo("\n".join(lines))


@game.command("submit")
@GAME_DIR
@click.option("--team", required=True, help="The team's name.")
@click.option(
    "--decisions",
    "decisions_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="A decisions file (TOML); keys it does not set keep their values.",
)
def submit(game_dir: Path, team: str, decisions_file: Path) -> None:
    """Record a team's decisions for the open round. Submitting again before the round closes
    changes them again: keys a file does not set keep the values submitted before."""
    from gtmsim.classroom.game.game import Game

    played = Game(game_dir)
    recorded = played.submit_file(team, decisions_file)
    mix = ", ".join(f"{c} {100 * s:.0f}%" for c, s in recorded.normalised_mix().items())
    console.print(
        f"Recorded {team}'s decisions for round {played.open_round}: budget "
        f"{recorded.marketing_budget:,.0f}/year ({mix}), {recorded.reps} reps, price "
        f"{recorded.price:g}, goal {recorded.marketing_goal}, lead definition "
        f"{'agreed' if recorded.lead_definition_agreed else 'each its own'}, CRM "
        f"{'connected' if recorded.crm_connected else 'not connected'}, meetings "
        f"{recorded.meeting_cadence}, cross-skilling {recorded.cross_skilling:g}.",
        highlight=False,
        soft_wrap=True,
    )


@game.command("close-round")
@GAME_DIR
def close_round(game_dir: Path) -> None:
    """Play the open round: the market runs its weeks with every team's decisions."""
    from gtmsim.classroom.game.game import Game

    played = Game(game_dir)
    waiting = [t for t in played.setup.teams if t not in played.status()["submitted"]]
    round_ = played.close_round()
    kept = f" ({', '.join(waiting)} kept their decisions)" if waiting else ""
    console.print(f"Round {round_} of {played.setup.rounds} closed{kept}.", highlight=False)
    show_board(played)


@game.command("undo-round")
@GAME_DIR
def undo_round(game_dir: Path) -> None:
    """Forget the last closed round; teams may change their decisions and it is played again."""
    from gtmsim.classroom.game.game import Game

    round_ = Game(game_dir).undo_round()
    console.print(f"Round {round_} undone: it is open again.", highlight=False)


@game.command("status")
@GAME_DIR
def status(game_dir: Path) -> None:
    """Where the game stands: rounds played and who has submitted for the open round."""
    from gtmsim.classroom.game.game import Game

    state = Game(game_dir).status()
    if state["open_round"] is None:
        console.print(f"The game is over: {state['rounds']} rounds played.", highlight=False)
        return
    console.print(
        f"Round {state['open_round']} of {state['rounds']} is open "
        f"({plural(state['week'], 'week')} played).",
        highlight=False,
    )
    for team in state["teams"]:
        at = state["submitted"].get(team)
        shown = f"submitted {at[11:19]} UTC" if at else "not yet"
        console.print(f"  {team:<12} {shown}", highlight=False)


@game.command("scoreboard")
@GAME_DIR
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@click.option(
    "--weights",
    default=None,
    help="Set the score's weights and keep them, e.g. arr_share=40,profit=30,arr_growth=30 "
    "(keys: arr_share, customer_share, arr_growth, profit, nrr, cac_payback).",
)
def scoreboard(game_dir: Path, as_csv: bool, weights: str | None) -> None:
    """The scoreboard after the last closed round (0-100 per result, weighted)."""
    from gtmsim.classroom.game.game import Game
    from gtmsim.classroom.game.scores import parse_weights

    played = Game(game_dir)
    if weights is not None:
        played.set_weights(parse_weights(weights))
        if not as_csv:
            chosen = ", ".join(f"{k} {w:g}" for k, w in played.weights().items())
            console.print(f"Score weights set and kept for this game: {chosen}.", highlight=False)
    show_board(played, as_csv)


def show_board(played, as_csv: bool = False) -> None:
    from rich.table import Table

    from gtmsim.classroom.game.scores import MEASURES

    board = played.scoreboard()
    keys = list(MEASURES)
    if as_csv:  # a header and no rows before the first round closes
        import csv
        import sys

        writer = csv.writer(sys.stdout)
        writer.writerow(["rank", "firm", "computer", "score", *keys])
        for rank, row in enumerate(board, start=1):
            computer = row["firm"] in played.setup.computers
            values = [row["score"], *(row[k] for k in keys)]
            writer.writerow(
                [rank, row["firm"], int(computer), *("" if v != v else v for v in values)]
            )
        return
    if not board:
        console.print("No round has been closed yet: no scores.", highlight=False)
        return
    weights = played.weights()
    table = Table(
        title=f"After round {played.rounds_closed} (weights: "
        + ", ".join(f"{k} {w:g}" for k, w in weights.items())
        + ")"
    )
    table.caption = "* a computer rival. " + "; ".join(
        f"{MEASURES[k].short}: {MEASURES[k].label}" for k in keys
    )
    for column in ("#", "firm", "score", *(MEASURES[k].short for k in keys)):
        left = column == "firm"
        table.add_column(column, justify="left" if left else "right", no_wrap=left)
    for rank, row in enumerate(board, start=1):
        firm = row["firm"] + ("*" if row["firm"] in played.setup.computers else "")
        table.add_row(str(rank), firm, number(row["score"]), *(number(row[k]) for k in keys))
    console.print(table)


def number(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    if abs(value) >= 10_000:
        return f"{value / 1e6:.2f}M" if abs(value) >= 1e6 else f"{value / 1e3:.1f}k"
    return f"{value:.1f}"


@game.command("export")
@GAME_DIR
def export(game_dir: Path) -> None:
    """Write every decision, every firm's weekly KPIs and the scoreboards as CSV in
    GAME_DIR/export/."""
    from gtmsim.classroom.game.game import Game

    for path in Game(game_dir).export():
        console.print(f"wrote {path}", highlight=False)


@game.command("replay")
@GAME_DIR
def replay_command(game_dir: Path) -> None:
    """Replay the closed rounds from the seed and check every stored result is reproduced."""
    from gtmsim.classroom.game.game import Game

    played = Game(game_dir)
    if played.rounds_closed == 0:
        console.print("No round has been closed yet: nothing to replay.", highlight=False)
        return
    played.engine()  # raises if any result differs
    console.print(
        f"Replayed {played.rounds_closed} round{'s' if played.rounds_closed != 1 else ''} from seed {played.setup.seed}: every firm's "
        "weekly results are identical to the stored ones.",
        highlight=False,
    )


@game.command("serve")
@GAME_DIR
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="Address to listen on. The default serves this computer only; 0.0.0.0 lets the "
    "students' computers on the network join.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=GAME_PORT, show_default=True)
def serve(game_dir: Path, host: str, port: int) -> None:
    """Serve the game's pages: team pages (joined with a team code), the instructor's console
    and a projector view. Stop with Ctrl-C; serving again resumes the game exactly.
    """
    from gtmsim.classroom.game.game import Game
    from gtmsim.classroom.game.pages import serve as serve_pages
    from gtmsim.classroom.server import reachable_urls

    played = Game(game_dir)  # a missing or damaged game is reported before anything starts
    check_port(host, port)
    urls = [u.rstrip("/") for u in reachable_urls(host, port)] or [f"http://{host}:{port}"]
    secret = played.store.meta("instructor_secret")
    console.print(
        f"Serving the game in {game_dir} ("
        + (
            f"round {played.open_round} of {played.setup.rounds}"
            if played.open_round
            else "the game is over"
        )
        + f"). Students open {urls[0]}/ and enter their team code; the "
        f"projector shows {urls[0]}/projector; the instructor's console is "
        f"{urls[0]}/console/{secret} (keep it to yourself). Ctrl-C stops the server.",
        highlight=False,
    )
    print_codes(played)
    serve_pages(game_dir, host, port)


@game.command("debrief")
@GAME_DIR
@click.option(
    "--seeds",
    type=click.IntRange(3, 50),
    default=5,
    show_default=True,
    help="Runs of the market to measure on: the game's own seed and SEEDS - 1 more (at least "
    "3 for an interval; with few seeds the intervals are wide).",
)
@workers_option
def debrief_command(game_dir: Path, seeds: int, workers: int | None) -> None:
    """Why each team got its result: a page per team and a class page in GAME_DIR/debrief/.

    For each practice a team changed, the game is played again with that practice kept as the
    team started (everything else the same, same seeds): what the choice did in class and over
    further seeds, and how much of each team's rank was luck.
    """
    from gtmsim.classroom.game.debrief import debrief, write_debrief
    from gtmsim.classroom.game.game import Game
    from gtmsim.cli.options import chosen_dask
    from gtmsim.experiments.runner import default_workers

    played = Game(game_dir)
    if played.rounds_closed == 0:
        from gtmsim.classroom.game.errors import DecisionsError

        raise DecisionsError("no round has been closed yet: there is nothing to debrief.")
    with progress_bar(errors) as progress:
        task = progress.add_task("Replaying the game", total=None)
        results = debrief(
            played,
            seeds,
            chosen_dask() or workers or default_workers(),
            on_done=lambda: progress.advance(task),
            on_start=lambda total: progress.update(task, total=total),
        )
    for path in write_debrief(played, results, seeds):
        console.print(f"wrote {path}", highlight=False)
    console.print(
        f"Open {game_dir / 'debrief' / 'index.html'} for the class, and each team's page from it.",
        highlight=False,
    )


def check_port(host: str, port: int) -> None:
    """Refuse, in one paragraph, a port another program (or another game) already listens on."""
    import socket

    from gtmsim.classroom.game.errors import GameSetupError

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as err:
            raise GameSetupError(
                f"cannot serve on {host}:{port} ({err.strerror}): another program, perhaps "
                "another game or the dashboard, is using it. Choose another port with "
                f"--port (e.g. --port {port + 1}), or stop the other server."
            ) from None


def plural(count: int, noun: str) -> str:
    """``count`` with ``noun``, plural when it is not 1: 1 round, 2 rounds."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
