"""The debrief: why each team got its result, and which decisions mattered most in the class.

For every team and every practice it changed during the game (its budget and channel mix, its
team size, its price, the goal, the lead definition, the CRM, the meetings, cross-skilling),
the whole game is played again with that one practice kept as the team started, everything else
as it was: the same decisions of every other team and the same seeds (a paired counterfactual,
one practice at a time, as ``gtmsim explain`` does for scenarios). The difference is what the
practice did for the team. It is measured on the game's own seed (what happened in class) and
on further seeds (whether it holds, or was luck), with a 95% interval over the seeds. The same
decisions on the further seeds also show how much of a team's rank was luck.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gtmsim.classroom.game.engine import GameSetup, replay
from gtmsim.classroom.game.game import Game, write_csv
from gtmsim.classroom.game.rules import Decisions, same
from gtmsim.classroom.game.scores import scoreboard

#: The practices a team decides, and the decisions that make each.
PRACTICES: dict[str, tuple[str, ...]] = {
    "marketing budget and mix": ("marketing_budget", "channel_mix"),
    "sales team size": ("reps",),
    "price": ("price",),
    "shared revenue goal": ("marketing_goal",),
    "agreed lead definition": ("lead_definition_agreed",),
    "connected CRM": ("crm_connected",),
    "joint meetings": ("meeting_cadence",),
    "cross-skilling": ("cross_skilling",),
}
#: What a practice's effect is measured on (key of a scoreboard row, label, unit).
EFFECTS = (
    ("score", "score", "points"),
    ("arr_share", "ARR share", "points"),
    ("profit", "profit", "currency"),
)
#: Where ``debrief`` writes, inside the game folder.
DEBRIEF_DIR = "debrief"
#: Seeds of the debrief by default: the game's own and four more.
DEFAULT_SEEDS = 5


def changed_practices(played: list[dict[str, Decisions]], team: str, start: Decisions) -> list[str]:
    """The practices ``team`` moved away from its start in some round, in PRACTICES order."""
    return [
        practice
        for practice, keys in PRACTICES.items()
        if any(not same(k, r[team], start) for r in played for k in keys)
    ]


def without(
    played: list[dict[str, Decisions]], team: str, practice: str, start: Decisions
) -> list[dict[str, Decisions]]:
    """``played`` with ``team``'s ``practice`` kept at its start in every round."""
    reset = {key: getattr(start, key) for key in PRACTICES[practice]}
    return [
        {t: d.model_copy(update=reset) if t == team else d for t, d in decisions.items()}
        for decisions in played
    ]


@dataclass(frozen=True)
class World:
    """One replay of the game: its decisions and seed."""

    setup: GameSetup
    played: list[dict[str, Decisions]]
    seed: int
    weights: dict[str, float]


def play_world(world: World) -> dict[str, dict[str, float]]:
    """The scoreboard at the end of ``world`` (a top-level function, for worker processes):
    each firm's score and results."""
    engine = replay(dataclasses.replace(world.setup, seed=world.seed), world.played)
    rows = {name: firm.rows for name, firm in engine.firms.items()}
    return {row["firm"]: row for row in scoreboard(rows, world.weights)}


@dataclass
class Effect:
    """What one practice did for one team: actual minus counterfactual, per measure."""

    team: str
    practice: str
    in_game: dict[str, float]  # on the game's seed
    mean: dict[str, float]  # over the seeds
    half_width: dict[str, float]  # 95% interval of the mean, +-


@dataclass
class TeamDebrief:
    """One team's debrief."""

    team: str
    rank: int
    score: float
    decisions: list[Decisions]
    changed: list[str]
    effects: list[Effect] = field(default_factory=list)
    luck_scores: list[float] = field(default_factory=list)  # same decisions, further seeds
    luck_ranks: list[int] = field(default_factory=list)


def interval(values: list[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95% t interval (nan with one value)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, math.nan
    from scipy.stats import t

    return mean, float(
        t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    )


def debrief(
    game: Game,
    seeds: int = DEFAULT_SEEDS,
    workers: int | Any = 1,
    on_done: Callable[[], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> list[TeamDebrief]:
    """Every team's debrief over the game's closed rounds, on the game's seed and
    ``seeds - 1`` more (paired: every world of one seed shares its random numbers)."""
    from gtmsim.classroom.game.errors import DecisionsError
    from gtmsim.experiments.runner import map_tasks

    played = game.store.played()
    if not played:
        raise DecisionsError("no round has been closed yet: there is nothing to debrief.")
    setup, weights = game.setup, game.weights()
    seed_list = [setup.seed + k for k in range(max(1, seeds))]
    starts = {team: game.start_decisions(team) for team in setup.teams}
    changed = {team: changed_practices(played, team, starts[team]) for team in setup.teams}
    tasks: dict[tuple[str, str, int], World] = {}
    for seed in seed_list:
        tasks[("", "", seed)] = World(setup, played, seed, weights)
        for team in setup.teams:
            for practice in changed[team]:
                cf = without(played, team, practice, starts[team])
                tasks[(team, practice, seed)] = World(setup, cf, seed, weights)
    if on_start:
        on_start(len(tasks))
    results = map_tasks(play_world, tasks, workers, on_done)
    actual = {seed: results[("", "", seed)] for seed in seed_list}
    board = game.scoreboard()
    ranks = {row["firm"]: i for i, row in enumerate(board, start=1)}
    debriefs = []
    for team in setup.teams:
        entry = TeamDebrief(
            team,
            ranks[team],
            next(r["score"] for r in board if r["firm"] == team),
            [r[team] for r in played],
            changed[team],
        )
        for practice in changed[team]:
            diffs = {
                key: [
                    actual[s][team][key] - results[(team, practice, s)][team][key]
                    for s in seed_list
                ]
                for key, _, _ in EFFECTS
            }
            stats = {key: interval(values) for key, values in diffs.items()}
            entry.effects.append(
                Effect(
                    team,
                    practice,
                    {key: values[0] for key, values in diffs.items()},
                    {key: stats[key][0] for key in stats},
                    {key: stats[key][1] for key in stats},
                )
            )
        entry.effects.sort(key=lambda e: -abs(e.in_game["score"]))
        for seed in seed_list[1:]:
            order = sorted(actual[seed].values(), key=lambda r: -r["score"])
            entry.luck_scores.append(actual[seed][team]["score"])
            entry.luck_ranks.append(1 + [r["firm"] for r in order].index(team))
        debriefs.append(entry)
    return debriefs


def class_ranking(debriefs: list[TeamDebrief]) -> list[dict[str, Any]]:
    """Which practices mattered most across the class: per practice, the teams that changed
    it and the mean effect on their score (in the game and over the seeds), largest first."""
    by_practice: dict[str, list[Effect]] = {}
    for entry in debriefs:
        for effect in entry.effects:
            by_practice.setdefault(effect.practice, []).append(effect)
    ranking = []
    for practice, effects in by_practice.items():
        ranking.append(
            {
                "practice": practice,
                "teams": [e.team for e in effects],
                "in_game": statistics.fmean(e.in_game["score"] for e in effects),
                "mean": statistics.fmean(e.mean["score"] for e in effects),
                "best": max(effects, key=lambda e: e.mean["score"]),
                "worst": min(effects, key=lambda e: e.mean["score"]),
            }
        )
    ranking.sort(key=lambda row: -abs(row["mean"]))
    return ranking


def write_debrief(game: Game, debriefs: list[TeamDebrief], seeds: int) -> list[Path]:
    """The class page (``index.html``), a page per team and ``effects.csv`` in the game
    folder's ``debrief/``; returns their paths."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    from gtmsim.classroom.game.pages import shown

    out = game.folder / DEBRIEF_DIR
    out.mkdir(exist_ok=True)
    env = Environment(
        loader=PackageLoader("gtmsim.classroom.game", "templates"), autoescape=select_autoescape()
    )
    env.filters["shown"] = shown
    context = {
        "setup": game.setup,
        "board": game.scoreboard(),
        "weights": game.weights(),
        "seeds": seeds,
        "effects_measured": EFFECTS,
        "practices": PRACTICES,
        "rounds": game.rounds_closed,
        "computers": game.setup.computers,
        "state": {"rounds_closed": game.rounds_closed},
    }
    written = []
    for entry in debriefs:
        path = out / f"{entry.team}.html"
        html = env.get_template("debrief_team.html").render(entry=entry, **context)
        written.append(write_text(path, html))
    html = env.get_template("debrief_class.html").render(
        debriefs=debriefs, ranking=class_ranking(debriefs), **context
    )
    written.append(write_text(out / "index.html", html))
    rows = [
        {
            "team": e.team,
            "practice": e.practice,
            **{f"{k}_in_game": e.in_game[k] for k, _, _ in EFFECTS},
            **{f"{k}_mean": e.mean[k] for k, _, _ in EFFECTS},
            **{f"{k}_half_width_95": e.half_width[k] for k, _, _ in EFFECTS},
        }
        for entry in debriefs
        for e in entry.effects
    ]
    written.append(write_csv(out / "effects.csv", rows))
    return written


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` whole (a partial file, then renamed)."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path
