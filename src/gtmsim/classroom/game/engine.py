"""The market of a game, played round by round, and replayed from its seed.

A game's market (:func:`game_market`) has one firm per team, all starting alike as the source
market's first firm (a fair start), then the computer rivals, which play the source's other
firms in turn and never change their levers. :class:`GameEngine` holds the running
:class:`~gtmsim.model.growth.GrowthModel`: before each round it turns every team's
:class:`~gtmsim.classroom.game.rules.Decisions` into lever changes (some at once, some after a
delay, with their one-off costs booked as sales cost), then runs the round's weeks. Everything
is drawn from the game's seed, so playing the same decisions again gives the same results to
the last digit (:func:`replay`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gtmsim.classroom.game.errors import GameSetupError
from gtmsim.classroom.game.rules import Decisions, GameRules, same
from gtmsim.model.firm import Firm
from gtmsim.model.growth import GrowthModel
from gtmsim.model.market_scenario import MAX_FIRMS, MarketScenario, resized_unit
from gtmsim.model.parameters.base import WEEKS_PER_YEAR
from gtmsim.model.scenario import Scenario

#: A team's name: what it is called in tables, files and URLs.
TEAM_NAME = re.compile(r"^[a-z][a-z0-9-]{0,23}$")


@dataclass(frozen=True)
class GameSetup:
    """Everything a game is played from: its market (teams' firms first), seed and rules.

    Attributes:
        market: the game's market; its first ``len(teams)`` firms are the teams'.
        teams: team names, in firm order.
        computers: the computer rivals' names, in firm order after the teams.
        rounds: rounds to play.
        round_weeks: weeks each round runs (weeks).
        seed: the seed every random draw of the game comes from.
        rules: costs and delays of decisions.
    """

    market: MarketScenario
    teams: tuple[str, ...]
    computers: tuple[str, ...]
    rounds: int
    round_weeks: int
    seed: int
    rules: GameRules = field(default_factory=GameRules)

    @property
    def weeks(self) -> int:
        """Weeks the whole game runs."""
        return self.rounds * self.round_weeks


def team_names(teams: int | list[str]) -> list[str]:
    """``teams`` as names: ``team-1`` ... for a number, or the names given (checked)."""
    names = [f"team-{i + 1}" for i in range(teams)] if isinstance(teams, int) else list(teams)
    for name in names:
        if not TEAM_NAME.match(name):
            raise GameSetupError(
                f"team name {name!r} is not allowed: use 1 to 24 lower-case letters, digits or "
                "'-', starting with a letter (e.g. 'blue' or 'team-3')."
            )
    if len(set(names)) != len(names):
        raise GameSetupError(f"team names must differ; given: {', '.join(names)}.")
    return names


def game_market(
    source: MarketScenario,
    teams: list[str],
    computer_rivals: int,
    rounds: int,
    round_weeks: int,
    prospects: int | None = None,
) -> tuple[MarketScenario, tuple[str, ...]]:
    """The game's market and its computer rivals' names.

    Every team's firm is the source's first firm, without any scheduled budget cut, headcount
    cut or reorganisation (a team's levers are its decisions); computer rival ``k`` plays the source's
    firm ``1 + k`` modulo its other firms (a one-firm source: the same firm), named after it
    (``rival``, then ``rival-2``, ...).
    ``prospects`` resizes the market, each company with it. The game runs ``rounds x
    round_weeks`` weeks.
    """
    if len(teams) < 1:
        raise GameSetupError("a game needs at least one team (--teams 1 or more).")
    if computer_rivals < 0:
        raise GameSetupError(f"--computer-rivals must be 0 or more, not {computer_rivals}.")
    if len(teams) + computer_rivals > MAX_FIRMS:
        raise GameSetupError(
            f"{len(teams)} teams and {computer_rivals} computer rivals make "
            f"{len(teams) + computer_rivals} firms, but a market holds at most {MAX_FIRMS}: "
            "use fewer teams (students can share a team) or fewer computer rivals."
        )
    if not 1 <= rounds <= 40 or not 1 <= round_weeks <= 52:
        raise GameSetupError(
            f"--rounds {rounds} --round-weeks {round_weeks}: a game has 1 to 40 rounds of 1 to "
            "52 weeks (e.g. --rounds 8 --round-weeks 13: two years by quarters)."
        )
    if prospects is not None:
        source = resized_unit(source, prospects)
    names = list(source.firms)
    first = source.firms[names[0]]
    others = names[1:] or names[:1]
    # a team's levers are its decisions: no scheduled cut or reorganisation overrides them
    first = first.model_copy(
        update={
            "marketing": first.marketing.model_copy(update={"budget_cut_week": None}),
            "sales": first.sales.model_copy(update={"headcount_cut_week": None}),
            "reorganise": None,
        }
    )
    firms: dict[str, Scenario] = {team: first for team in teams}
    computers: list[str] = []
    for k in range(computer_rivals):
        plays = others[k % len(others)]
        name, copy = plays, 1
        while name in firms:  # a second computer playing the same firm, or a team's name
            copy += 1
            name = f"{plays}-{copy}"
        firms[name] = source.firms[plays]
        computers.append(name)
    weeks = rounds * round_weeks
    firms = {
        name: scenario.model_copy(
            update={"simulation": scenario.simulation.model_copy(update={"weeks": weeks})}
        )
        for name, scenario in firms.items()
    }
    market = MarketScenario(
        name=source.name, description=f"A classroom game in the {source.name} market.", firms=firms
    )
    return market, tuple(computers)


@dataclass
class FirmLevers:
    """What a team's firm runs with now: its last decisions, and the levers that are live
    (a CRM project or a training may still be under way)."""

    decisions: Decisions
    crm_live: bool
    skilling_live: float
    #: changes decided but not live yet: (week from which they apply, lever, value)
    pending: list[tuple[int, str, object]] = field(default_factory=list)


class GameEngine:
    """A game's market, run round by round.

    Attributes:
        setup: what the game is played from.
        model: the running market.
        levers: each firm's decisions and live levers, by firm name.
        rounds_played: rounds run so far.
    """

    def __init__(self, setup: GameSetup) -> None:
        self.setup = setup
        self.model = GrowthModel(setup.market, seed=setup.seed)
        self.firms: dict[str, Firm] = {firm.name: firm for firm in self.model.firms}
        self.levers: dict[str, FirmLevers] = {}
        for name, scenario in setup.market.firms.items():
            start = Decisions.of(scenario, setup.rules)
            self.levers[name] = FirmLevers(start, start.crm_connected, start.cross_skilling)
        #: each firm's territories' share of its starting team (for spreading a headcount)
        self.territory_weights = {
            name: dict(scenario.sales.territories) for name, scenario in setup.market.firms.items()
        }
        self.rounds_played = 0

    @property
    def week(self) -> int:
        """Weeks played."""
        return self.model.week

    def decisions(self, team: str) -> Decisions:
        """The decisions ``team`` runs with now."""
        return self.levers[team].decisions

    def play_round(self, decisions: dict[str, Decisions]) -> dict[str, list[dict[str, float]]]:
        """Apply each team's ``decisions`` (teams not named keep theirs), run the round's
        weeks, and return every firm's weekly KPI rows of the round (by firm name)."""
        if self.rounds_played >= self.setup.rounds:
            raise GameSetupError(f"the game is over: all {self.setup.rounds} rounds are played.")
        start = self.week
        for team in self.setup.teams:
            if team in decisions:
                self.decide(team, decisions[team], start + 1)
        for week in range(start + 1, start + 1 + self.setup.round_weeks):
            for name, levers in self.levers.items():
                due = [change for change in levers.pending if change[0] <= week]
                if due:
                    levers.pending = [change for change in levers.pending if change[0] > week]
                    for _, lever, value in due:
                        if lever == "skilling_live":  # a training ends: its level is reached
                            value = max(levers.skilling_live, value)
                        setattr(levers, lever, value)
                    self.apply_organisation(name)
            self.model.step()
        self.rounds_played += 1
        return {name: firm.rows[start:] for name, firm in self.firms.items()}

    def decide(self, team: str, new: Decisions, week: int) -> None:
        """Turn ``team``'s new decisions into lever changes from ``week`` on (one-off costs are
        charged now and booked in that week)."""
        firm, levers, rules = self.firms[team], self.levers[team], self.setup.rules
        old = levers.decisions
        rep_cost = firm.params.sales.annual_cost_per_rep
        if not same("channel_mix", new, old):  # a new plan: marketing starts from it
            mix = new.normalised_mix()
            shares = [mix.get(channel, 0.0) for channel in firm.marketing.channel_names]
            firm.marketing.replan(new.marketing_budget, shares)
        elif new.marketing_budget != old.marketing_budget:  # the split, retargeted, stays
            firm.marketing.replan(new.marketing_budget)
        if new.reps != old.reps:
            hired, let_go = firm.team.set_headcount(self.spread(team, new.reps), week)
            firm.charge(hired * rules.hiring_fee_share * rep_cost)
            firm.charge(let_go * rules.severance_weeks * rep_cost / WEEKS_PER_YEAR)
        if new.price != old.price:
            firm.reprice(new.price, week)
        # the CRM: connecting is a project (paid when decided, live later; one under way is
        # not restarted); unplugging it is immediate and drops a project under way
        others = [change for change in levers.pending if change[1] != "crm_live"]
        underway = len(others) < len(levers.pending)
        if not new.crm_connected:
            levers.pending, levers.crm_live = others, False
        elif not levers.crm_live and not underway:
            firm.charge(rules.crm_cost_per_rep * new.reps)
            levers.pending.append((week + rules.crm_weeks, "crm_live", True))
        # cross-skilling: more is a training (the increment paid when decided, live when that
        # training ends; trainings under way keep their dates); less is immediate
        others = [change for change in levers.pending if change[1] != "skilling_live"]
        training = [change for change in levers.pending if change[1] == "skilling_live"]
        target = new.cross_skilling
        if target <= levers.skilling_live:
            levers.pending, levers.skilling_live = others, target
        else:
            planned = max([level for _, _, level in training], default=levers.skilling_live)
            kept = [(ready, lever, min(level, target)) for ready, lever, level in training]
            if target > planned:
                firm.charge((target - planned) * new.reps * rules.training_cost_per_rep)
                kept.append((week + rules.training_weeks, "skilling_live", target))
            levers.pending = [*others, *kept]
        levers.decisions = new
        self.apply_organisation(team)

    def headcount_change(self, team: str, reps: int) -> tuple[int, int]:
        """(Openings posted, reps let go) if ``team`` now asked for ``reps`` (see
        :meth:`decide`), without changing anything."""
        return self.firms[team].team.headcount_change(self.spread(team, reps))

    def spread(self, team: str, reps: int) -> dict[int, int]:
        """Each territory's headcount (by segment index) for a team of ``reps``, moved from
        today's (employed, less those let go, plus openings) only in the direction of the
        change: a hire goes where the team is furthest below its starting proportions, a cut
        comes from where it is furthest above them. So asking for more never lays anyone off."""
        firm = self.firms[team]
        segments = list(self.setup.market.firms[team].market.segments)
        weights = {segments.index(name): w for name, w in self.territory_weights[team].items()}
        if sum(weights.values()) == 0:  # a firm that started with no reps spreads evenly
            weights = dict.fromkeys(range(len(segments)), 1)
        total = sum(weights.values())
        counts = {s: firm.team.headcount(s) for s in range(len(segments))}
        exact = {s: reps * weights.get(s, 0) / total for s in counts}
        change = reps - sum(counts.values())
        for _ in range(abs(change)):
            if change > 0:
                s = max(counts, key=lambda k: (exact[k] - counts[k], -k))
                counts[s] += 1
            else:
                s = max(
                    (k for k in counts if counts[k] > 0), key=lambda k: (counts[k] - exact[k], -k)
                )
                counts[s] -= 1
        return counts

    def apply_organisation(self, name: str) -> None:
        """Set the firm's organisation levers to its decisions and live levers."""
        levers, rules = self.levers[name], self.setup.rules
        organisation = self.firms[name].organisation
        update: dict[str, object] = {
            "marketing_goal": levers.decisions.marketing_goal,
            "lead_definition_agreed": levers.decisions.lead_definition_agreed,
            "meeting_cadence": levers.decisions.meeting_cadence,
            "cross_skilling": levers.skilling_live,
        }
        connected = organisation.params.handoff_delay_hours <= rules.connected_delay_hours
        if levers.crm_live != connected:
            update["handoff_delay_hours"] = (
                rules.connected_delay_hours if levers.crm_live else rules.manual_delay_hours
            )
            update["handoff_leakage"] = (
                rules.connected_leakage if levers.crm_live else rules.manual_leakage
            )
        if any(getattr(organisation.params, key) != value for key, value in update.items()):
            organisation.params = organisation.params.model_copy(update=update)


def replay(setup: GameSetup, played: list[dict[str, Decisions]]) -> GameEngine:
    """A game engine after playing ``played`` (each round's decisions, by team) from the seed."""
    engine = GameEngine(setup)
    for decisions in played:
        engine.play_round(decisions)
    return engine
