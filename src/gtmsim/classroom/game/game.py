"""A game folder and what the instructor and the teams do with it.

Every action of the tournament is a method of :class:`Game`, so the command line, the pages
and the tests all do the same thing: create a game from a market, submit a team's decisions,
close a round (the market runs its weeks), undo the last round, read the scoreboard and export
everything. The game's state is its file (:mod:`gtmsim.classroom.game.store`); the running
market is rebuilt from it by replaying the closed rounds from the seed (checked against the
stored results) whenever it is needed and not already in memory.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import os
import tempfile
import threading
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gtmsim.classroom.game.engine import GameEngine, GameSetup, game_market, replay, team_names
from gtmsim.classroom.game.errors import DecisionsError, GameFileError
from gtmsim.classroom.game.rules import Decisions, GameRules, plan_cost
from gtmsim.classroom.game.scores import DEFAULT_WEIGHTS, MEASURES, scoreboard
from gtmsim.classroom.game.store import GameStore
from gtmsim.experiments.plan import load_unit
from gtmsim.model.market_scenario import as_market

#: Where ``export`` writes, inside the game folder.
EXPORT_DIR = "export"
#: The exports, by file name (:meth:`Game.export_rows`).
EXPORTS = ("decisions.csv", "results.csv", "scoreboard.csv")


class Game:
    """The game in ``folder``: its file, setup and (rebuilt on demand) running market."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.store = GameStore.open(self.folder)
        self.setup: GameSetup = self.store.setup()
        self._engine: GameEngine | None = None
        self._engine_revision = -1  # the file's revision the engine was replayed for
        self._lock = threading.RLock()  # one action at a time (the server's threads)

    # --- creating -----------------------------------------------------------------------------

    @classmethod
    def new(
        cls,
        folder: Path,
        market: str,
        teams: int | list[str] = 6,
        computer_rivals: int = 2,
        rounds: int = 8,
        round_weeks: int = 13,
        seed: int = 1,
        prospects: int | None = None,
        rules: GameRules | None = None,
    ) -> Game:
        """Create a game in ``folder`` from a market file or scenario (name or path)."""
        source = as_market(load_unit(market))
        names = team_names(teams)
        game_market_, computers = game_market(
            source, names, computer_rivals, rounds, round_weeks, prospects
        )
        setup = GameSetup(
            game_market_, tuple(names), computers, rounds, round_weeks, seed, rules or GameRules()
        )
        GameStore.create(Path(folder), setup, source=market)
        return cls(folder)

    # --- reading ------------------------------------------------------------------------------

    @property
    def rounds_closed(self) -> int:
        return self.store.rounds_closed()

    @property
    def open_round(self) -> int | None:
        """The round teams submit for now (1-based), or None when the game is over."""
        closed = self.rounds_closed
        return closed + 1 if closed < self.setup.rounds else None

    def start_decisions(self, firm: str) -> Decisions:
        """The decisions a firm starts the game with (its scenario's levers)."""
        return Decisions.of(self.setup.market.firms[firm], self.setup.rules)

    def current_decisions(self, team: str) -> Decisions:
        """What ``team`` runs with now: its decisions of the last closed round, else its start."""
        self.check_team(team)
        for played in reversed(self.store.played()):
            if team in played:
                return played[team]
        return self.start_decisions(team)

    def plan_cost(self, team: str, after: Decisions) -> dict[str, float]:
        """What ``after`` would cost ``team`` over the open round (currency; see
        :func:`gtmsim.classroom.game.rules.plan_cost`), with the hires and lay-offs its team as
        it stands would get: a cut withdraws unfilled openings first, which costs no
        severance, as the engine charges it."""
        before = self.current_decisions(team)
        headcount = (0, 0)
        if after.reps != before.reps:
            headcount = self.engine().headcount_change(team, after.reps)
        rep_cost = self.setup.market.firms[team].sales.annual_cost_per_rep
        return plan_cost(
            before, after, rep_cost, self.setup.round_weeks, self.setup.rules, headcount
        )

    def submitted(self, team: str) -> Decisions | None:
        """What ``team`` submitted for the open round, if anything."""
        round_ = self.open_round
        if round_ is None:
            return None
        entry = self.store.submissions(round_).get(team)
        return entry[0] if entry else None

    def check_team(self, team: str) -> None:
        if team not in self.setup.teams:
            raise DecisionsError(
                f"there is no team {team!r} in this game; its teams are: "
                f"{', '.join(self.setup.teams)}."
            )

    def team_of_code(self, code: str) -> str | None:
        """The team whose join code is ``code`` (case and spaces ignored), or None."""
        wanted = code.strip().upper()
        return next((t for t, c in self.store.codes().items() if c == wanted), None)

    def weights(self) -> dict[str, float]:
        """The scoreboard's weights (the instructor's, else the defaults)."""
        return self.store.meta("weights") or dict(DEFAULT_WEIGHTS)

    def rows(self) -> dict[str, list[dict[str, float]]]:
        """Every firm's stored weekly KPI rows (teams, then computer rivals)."""
        rows: dict[str, list[dict[str, float]]] = {f: [] for f in self.setup.market.firms}
        for _, firm, _, kpis in self.store.weeks():
            rows[firm].append(kpis)
        return rows

    def scoreboard(self, weights: dict[str, float] | None = None, after_round: int | None = None):
        """The scoreboard after ``after_round`` (default: the last closed), best first; empty
        before the first round closes."""
        after = self.rounds_closed if after_round is None else after_round
        if after < 1:
            return []
        last_week = after * self.setup.round_weeks
        rows = {firm: r[:last_week] for firm, r in self.rows().items()}
        return scoreboard(rows, weights or self.weights())

    def status(self) -> dict[str, Any]:
        """Where the game stands: rounds, week, who has submitted for the open round."""
        round_ = self.open_round
        submitted = self.store.submissions(round_) if round_ else {}
        return {
            "rounds": self.setup.rounds,
            "round_weeks": self.setup.round_weeks,
            "rounds_closed": self.rounds_closed,
            "open_round": round_,
            "week": self.rounds_closed * self.setup.round_weeks,
            "teams": list(self.setup.teams),
            "computers": list(self.setup.computers),
            "submitted": {team: submitted[team][1] for team in submitted},
        }

    # --- the teams' actions -------------------------------------------------------------------

    def parse(self, team: str, changes: dict[str, Any], source: str) -> Decisions:
        """``team``'s decisions with ``changes`` applied to what it runs with (or submitted),
        checked against the game's rules; a one-paragraph error names the key and the fix."""
        self.check_team(team)
        base = self.submitted(team) or self.current_decisions(team)
        allowed = list(Decisions.model_fields)
        unknown = [key for key in changes if key not in allowed]
        if unknown:
            close = difflib.get_close_matches(unknown[0], allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise DecisionsError(
                f"{source}: unknown decision {unknown[0]!r}.{hint} A decisions file sets any of: "
                f"{', '.join(allowed)} (e.g. price = 0.9); the others keep their values."
            )
        data = {**base.model_dump(), **changes}
        try:
            decisions = Decisions.model_validate(data)
            if "channel_mix" in changes:
                decisions = self.canonical_mix(team, decisions, source)
        except ValidationError as err:
            first = err.errors()[0]
            key = ".".join(str(x) for x in first["loc"])
            field = Decisions.model_fields.get(str(first["loc"][0]))
            meaning = f" {key}: {field.description}" if field and field.description else ""
            raise DecisionsError(
                f"{source}: {key} = {first.get('input')!r}: {first['msg'].lower()}.{meaning}"
            ) from None
        self.check_bounds(team, decisions, source)
        return decisions

    def canonical_mix(self, team: str, decisions: Decisions, source: str) -> Decisions:
        """``decisions`` with its channel mix as shares of every channel of the firm, in the
        firm's order, summing to 1 (a mix typed as percents or weights is the same mix)."""
        channels = list(self.start_decisions(team).channel_mix)
        given = decisions.channel_mix
        unknown = [name for name in given if name not in channels]
        if unknown:
            raise DecisionsError(
                f"{source}: channel_mix has {unknown[0]!r}, which is not one of the firm's "
                f"channels: {', '.join(channels)}."
            )
        missing = [name for name in channels if name not in given]
        if missing:
            raise DecisionsError(
                f"{source}: channel_mix names {', '.join(given) or 'no channel'} but not "
                f"{', '.join(missing)}: give every channel its share (relative weights, e.g. "
                "ads = 40, content = 30, social = 0, ...; 0 leaves a channel out)."
            )
        for name, share in given.items():
            if not math.isfinite(share) or share < 0:
                raise DecisionsError(f"{source}: channel_mix.{name} = {share}: must be >= 0.")
        total = sum(given.values())
        if total <= 0:
            raise DecisionsError(
                f"{source}: channel_mix gives every channel 0: give at least one channel a "
                "share (shares are relative, e.g. ads = 2, content = 1)."
            )
        mix = {name: given.get(name, 0.0) / total for name in channels}
        return decisions.model_copy(update={"channel_mix": mix})

    def check_bounds(self, team: str, decisions: Decisions, source: str) -> None:
        """The game's limits: budget, team size and price ranges (a channel mix is checked
        where it is read, :meth:`canonical_mix`)."""
        rules, start = self.setup.rules, self.start_decisions(team)
        most_budget = rules.max_budget_multiple * max(start.marketing_budget, 1.0)
        if decisions.marketing_budget > most_budget:
            raise DecisionsError(
                f"{source}: marketing_budget = {decisions.marketing_budget:,.0f} is above this "
                f"game's limit of {most_budget:,.0f} a year ({rules.max_budget_multiple:g} "
                "times the starting budget)."
            )
        most_reps = math.floor(rules.max_reps_multiple * max(start.reps, 1))
        if decisions.reps > most_reps:
            raise DecisionsError(
                f"{source}: reps = {decisions.reps} is above this game's limit of {most_reps} "
                f"({rules.max_reps_multiple:g} times the starting team)."
            )
        if not rules.min_price <= decisions.price <= rules.max_price:
            raise DecisionsError(
                f"{source}: price = {decisions.price:g} is outside this game's range "
                f"{rules.min_price:g} to {rules.max_price:g} (1 = list price)."
            )

    def submit(self, team: str, changes: dict[str, Any], source: str = "decisions") -> Decisions:
        """Record ``team``'s decisions for the open round (any levers not given keep their
        values); returns the full decisions recorded."""
        return self.record(team, changes, source)[0]

    def record(
        self, team: str, changes: dict[str, Any], source: str = "decisions"
    ) -> tuple[Decisions, int, str]:
        """:meth:`submit`, returning also the round it is for and the time it was recorded
        (read in the same transaction, so a round closed meanwhile cannot mislabel it)."""
        with self._lock:
            if self.open_round is None:
                raise DecisionsError(
                    f"the game is over: all {self.setup.rounds} rounds are played."
                )
            decisions = self.parse(team, changes, source)
            round_, at = self.store.submit(team, decisions, self.setup.rounds)
            return decisions, round_, at

    def submit_file(self, team: str, path: Path) -> Decisions:
        """:meth:`submit` the decisions in a TOML file."""
        path = Path(path)
        try:
            changes = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DecisionsError(f"{path}: no such decisions file.") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise DecisionsError(
                f"{path} is not valid TOML ({err}). A decisions file holds lines like "
                "'price = 0.9' and 'reps = 12'; see `gtmsim game decisions GAME_DIR --team NAME`."
            ) from None
        return self.submit(team, changes, source=str(path))

    # --- the instructor's actions -------------------------------------------------------------

    def engine(self) -> GameEngine:
        """The running market after the closed rounds (replayed from the seed if not in memory,
        and checked against the stored results)."""
        with self._lock:
            revision = self.store.revision()
            closed = self.rounds_closed
            if (
                self._engine is None
                or self._engine_revision != revision
                or self._engine.rounds_played != closed
            ):
                engine = replay(self.setup, self.store.played())
                stored = self.rows()
                for firm, f in engine.firms.items():
                    if dumps(f.rows) != dumps(stored[firm]):
                        raise GameFileError(
                            f"{self.store.path}: replaying the {closed} closed rounds from the "
                            f"seed does not give the stored results of {firm}. The file was "
                            "changed, or was made by another gtmsim version; play it with that "
                            "version."
                        )
                self._engine, self._engine_revision = engine, revision
            return self._engine

    def close_round(self) -> int:
        """Play the open round with every team's decisions (submitted, else its last) and
        record it; returns the round's number."""
        with self._lock:
            round_ = self.open_round
            if round_ is None:
                raise DecisionsError(
                    f"the game is over: all {self.setup.rounds} rounds are played."
                )
            engine = self.engine()
            submitted = self.store.submissions(round_)
            decisions = {
                team: submitted[team][0] if team in submitted else engine.decisions(team)
                for team in self.setup.teams
            }
            try:
                rows = engine.play_round(decisions)
                self.store.close_round(round_, decisions, rows)
            except BaseException:
                self._engine = None  # the model may be part-way through the round
                raise
            self._engine_revision = self.store.revision()
            return round_

    def undo_round(self) -> int:
        """Forget the last closed round (teams may change their decisions and it is played
        again); returns its number."""
        with self._lock:
            closed = self.rounds_closed
            if closed == 0:
                raise DecisionsError("no round has been closed yet: there is nothing to undo.")
            self.store.undo_round(closed)
            self._engine = None
            return closed

    def set_weights(self, weights: dict[str, float]) -> None:
        """Set the scoreboard's weights (keys of :data:`~gtmsim.classroom.game.scores.MEASURES`)."""
        self.store.set_meta("weights", weights)

    def export_rows(self, name: str) -> list[dict[str, Any]]:
        """The rows of export ``name``: ``decisions.csv`` (every team's decisions in every
        closed round, the mix as one column per channel), ``results.csv`` (every firm's weekly
        KPIs) or ``scoreboard.csv`` (the scoreboard after each round)."""
        played = self.store.played()
        if name == "decisions.csv":
            channels = list(self.start_decisions(self.setup.teams[0]).channel_mix)
            rows = []
            for round_, decisions in enumerate(played, start=1):
                for team, d in decisions.items():
                    row = {"round": round_, "team": team, **d.model_dump(exclude={"channel_mix"})}
                    mix = d.normalised_mix()
                    row.update({f"mix_{c}": mix.get(c, 0.0) for c in channels})
                    rows.append(row)
            return rows
        if name == "results.csv":
            return [{"round": r, "firm": f, **kpis} for r, f, _, kpis in self.store.weeks()]
        if name == "scoreboard.csv":
            return [
                {"round": r, "rank": rank, **row}
                for r in range(1, len(played) + 1)
                for rank, row in enumerate(self.scoreboard(after_round=r), start=1)
            ]
        raise KeyError(name)

    def export(self) -> list[Path]:
        """Write every export (:data:`EXPORTS`) as CSV in the game folder's ``export/`` (each
        written whole under a name of its own, then moved into place); returns their paths."""
        out = self.folder / EXPORT_DIR
        out.mkdir(exist_ok=True)
        return [write_csv(out / name, self.export_rows(name)) for name in EXPORTS]


def dumps(rows: list[dict[str, float]]) -> str:
    """Rows as JSON text (exact: floats keep every digit), for comparing results."""
    return json.dumps(rows, default=lambda x: x.item())


def csv_text(rows: list[dict[str, Any]]) -> str:
    """``rows`` as CSV text (a header from the first row's keys; empty for no rows)."""
    out = io.StringIO()
    rows = [
        {k: "" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in rows
    ]  # an undefined value (NRR before a year) is an empty cell, not 'nan'
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write ``rows`` to ``path`` whole: a temporary file of its own beside it (so two writers
    never share one), then renamed over it."""
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(csv_text(rows))
    os.chmod(handle.name, 0o644)  # readable like any file written here (not the temp's 0600)
    Path(handle.name).replace(path)
    return path


__all__ = ["MEASURES", "Decisions", "DecisionsError", "Game", "GameFileError"]
