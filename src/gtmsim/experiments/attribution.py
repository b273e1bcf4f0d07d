"""Attribution of revenue: what naive rules credit, and what each contributor really adds.

Two views of the same runs, side by side:

**Heuristic attribution** (what marketing dashboards report) reads each customer's touch
history (:mod:`gtmsim.model.touches`) up to and including the week it bought and splits its deal
value over the sources that touched it:

- *first touch*: all to the source(s) of the earliest week;
- *last touch*: all to the source(s) of the latest week (at or before the purchase week);
- *linear*: equally over every touch;
- *time decay*: in proportion to ``2 ** -(age / half_life)``, ``age`` = purchase week - touch
  week, ``half_life`` in weeks (default 4).

A *touch* is one source reaching one prospect in one week: repeated (prospect, week, source)
rows count once, because the week is the model's time step. Ties in a week (several sources
in the earliest or latest week) share the credit equally. Customers without any touch are
credited to ``"none"``. These are pure functions of two tables (touches; customers with
prospect, bought_week, deal_value), so they can be checked by hand.

**True incremental contribution** (what the company would lose without it) comes from
counterfactual runs on common random numbers: the scenario is run again on the same seeds
with one contributor removed, and its contribution is revenue(base) - revenue(without),
averaged over seeds, with the 90% interval (5th-95th percentile) of the paired differences.
A channel is removed by setting its budget share to 0 and cutting ``annual_budget`` by the
channel's spend, so the other channels keep their planned spend (their shares are
renormalised); sales is removed by setting every territory to 0 reps. Optionally, Shapley
values split revenue across the contributors (channels + sales) by exact enumeration of all
subsets, which costs ``2 ** contributors`` runs per seed.

Word of mouth is endogenous: it is caused by customers and trusting prospects, who were made
by marketing and sales. It is not removed in any counterfactual, so its revenue is credited to
whatever caused it. A removed channel no longer draws exposures from the marketing random
stream, so every later marketing draw differs (and, with other leads, the sales draws): the
pairing is exact for the market and its network but only approximate after that, and
contributions carry noise even for a channel that does nothing (``tests/test_attribution.py``
measures it).

What the shipped ``separate`` scenario shows (10,000 prospects, 104 weeks; share of mean
revenue; counterfactual over 20 seeds, ``gtmsim attribute separate --seeds 20``, Shapley over
the default 5 seeds, ``gtmsim attribute separate --shapley``)::

    source           first  last  linear  decay  counterfactual  Shapley (5 seeds)
    marketing (all)   99.3   3.6   50.4   18.5   100             59.5 [53, 64]
    sales              0.7  96.4   49.0   81.2   100             40.5 [36, 47]
    each channel     5-27    <=1   3-14   2-6    20-53           4-18

Yes: naive last-touch attribution under-credits marketing badly. It gives all marketing
channels together 3.6% of revenue (each channel 1% or less), because a rep touches every deal
in the week it closes; yet without marketing there is no revenue at all (no leads for sales
to call), and removing any single channel loses 20% (events, ads) to 53% (content) of revenue
on average (each mean positive, 1.9 to 6.8 standard errors from 0; single seeds vary widely
because revenue is heavy-tailed). Marketing and sales are complements, so each one's
counterfactual is 100% and they do not add up; Shapley values split the shared revenue about
60% to marketing and 40% to sales, 16 times last touch's credit to marketing. First touch errs
the other way (99% to marketing, under 1% to sales, which is just as necessary). The numbers
move with the model's parameters and version; ``docs/validation.md`` has the details.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from rich.table import Table

from gtmsim.experiments.comparison import INTERVAL
from gtmsim.experiments.runner import map_tasks
from gtmsim.model.growth import GrowthModel
from gtmsim.model.scenario import Scenario, with_levers
from gtmsim.outputs.plots.attribution import plot_attribution
from gtmsim.outputs.plots.outcomes import save_figure
from gtmsim.outputs.results import write_atomic

#: Heuristic rules, in the order they are reported.
RULES = ("first_touch", "last_touch", "linear", "time_decay")
#: Credit for customers that no source touched.
NONE = "none"
#: The sales contributor and touch source.
SALES = "sales"
#: Word of mouth: a touch source, never removed (endogenous).
WORD_OF_MOUTH = "word_of_mouth"
#: The row that sums the marketing channels.
MARKETING = "marketing (all)"
#: Default half-life of the time-decay rule, in weeks.
HALF_LIFE_WEEKS = 4.0
#: Shapley enumeration refuses to plan more runs than this unless told otherwise.
SHAPLEY_MAX_RUNS = 600

NOTE = (
    "Word of mouth is endogenous: it is not removed in any counterfactual, so its revenue is "
    "credited to what caused it (the marketing and sales that made the talking customers). "
    "Counterfactual contributions do not add up to 100%: marketing and sales are complements "
    "(each is necessary), so removing either loses most of the revenue; Shapley values split "
    "that shared revenue and do add up to 100%."
)


# --- heuristic attribution (pure functions of two tables) -------------------------------------


def customers_table(population) -> pd.DataFrame:
    """Customers of a finished run: prospect, bought_week, deal_value (from a Population)."""
    index = np.flatnonzero(population.bought_week >= 0)
    return pd.DataFrame(
        {
            "prospect": index,
            "bought_week": population.bought_week[index],
            "deal_value": population.deal_value[index],
        }
    )


def _sources(touches: pd.DataFrame) -> list[str]:
    """Source names in reporting order: a categorical's categories, else first appearance."""
    column = touches["source"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(s) for s in column.cat.categories]
    return [str(s) for s in pd.unique(column)]


def journeys(touches: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Customers' touches at or before their purchase week, one row per (prospect, week, source),
    with the customer's bought_week and deal_value."""
    distinct = touches[["prospect", "week", "source"]].drop_duplicates()
    distinct = distinct.astype({"source": str})
    merged = distinct.merge(customers[["prospect", "bought_week", "deal_value"]], on="prospect")
    return merged.loc[merged["week"] <= merged["bought_week"]].reset_index(drop=True)


def _credit(
    touches: pd.DataFrame,
    customers: pd.DataFrame,
    weight: Callable[[pd.DataFrame], pd.Series],
    name: str,
) -> pd.Series:
    """Revenue per source when each customer's deal value is split by ``weight`` (per touch,
    summing to 1 per customer); untouched customers' revenue goes to ``"none"``."""
    rows = journeys(touches, customers)
    credit = (rows["deal_value"] * weight(rows)).groupby(rows["source"]).sum()
    untouched = ~customers["prospect"].isin(rows["prospect"])
    out = pd.Series(0.0, index=[*_sources(touches), NONE], name=name)
    out.loc[credit.index] = credit.to_numpy()
    out[NONE] = float(customers.loc[untouched, "deal_value"].sum())
    return out


def _equal_split(mask: pd.Series, prospect: pd.Series) -> pd.Series:
    """1/k for each of the k selected touches of a prospect, 0 for the others."""
    count = mask.groupby(prospect).transform("sum")
    return mask / count


def first_touch(touches: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """All of a customer's revenue to the source(s) of its earliest touch week (ties split)."""

    def weight(rows: pd.DataFrame) -> pd.Series:
        first = rows.groupby("prospect")["week"].transform("min")
        return _equal_split(rows["week"] == first, rows["prospect"])

    return _credit(touches, customers, weight, "first_touch")


def last_touch(touches: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """All of a customer's revenue to the source(s) of its latest touch week at or before the
    purchase (ties split)."""

    def weight(rows: pd.DataFrame) -> pd.Series:
        last = rows.groupby("prospect")["week"].transform("max")
        return _equal_split(rows["week"] == last, rows["prospect"])

    return _credit(touches, customers, weight, "last_touch")


def linear(touches: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """A customer's revenue split equally over its touches."""

    def weight(rows: pd.DataFrame) -> pd.Series:
        return 1.0 / rows.groupby("prospect")["week"].transform("size")

    return _credit(touches, customers, weight, "linear")


def time_decay(
    touches: pd.DataFrame, customers: pd.DataFrame, half_life: float = HALF_LIFE_WEEKS
) -> pd.Series:
    """A customer's revenue split in proportion to ``2 ** -(age / half_life)`` per touch, where
    age = purchase week - touch week (a touch in the purchase week has weight 1)."""
    if half_life <= 0:
        raise ValueError(f"half_life must be positive (weeks), got {half_life}")

    def weight(rows: pd.DataFrame) -> pd.Series:
        raw = np.exp2(-(rows["bought_week"] - rows["week"]) / half_life)
        return raw / raw.groupby(rows["prospect"]).transform("sum")

    return _credit(touches, customers, weight, "time_decay")


def heuristic_attribution(
    touches: pd.DataFrame, customers: pd.DataFrame, half_life: float = HALF_LIFE_WEEKS
) -> pd.DataFrame:
    """Revenue per source (rows, plus ``"none"``) under every rule (columns, :data:`RULES`)."""
    return pd.concat(
        [
            first_touch(touches, customers),
            last_touch(touches, customers),
            linear(touches, customers),
            time_decay(touches, customers, half_life),
        ],
        axis=1,
    )


# --- counterfactual scenarios -----------------------------------------------------------------


def contributors(scenario: Scenario) -> list[str]:
    """What can be removed: channels with a budget share > 0 and, if it has reps, sales."""
    channels = [name for name, c in scenario.marketing.channels.items() if c.share > 0]
    has_sales = sum(scenario.sales.territories.values()) > 0
    return [*channels, SALES] if has_sales else channels


def without(scenario: Scenario, removed: Iterable[str]) -> Scenario:
    """``scenario`` with the contributors in ``removed`` taken out.

    A channel goes by setting its budget share to 0 and cutting ``annual_budget`` by its
    spend (budget x share), so the remaining channels keep their planned spend; their shares
    are renormalised. Removing every channel leaves a budget of 0. Sales goes by setting every
    territory to 0 reps. Word of mouth cannot be removed (it is endogenous).
    """
    removed = set(removed)
    if WORD_OF_MOUTH in removed:
        raise ValueError("word of mouth is endogenous and cannot be removed")
    channels = scenario.marketing.channels
    unknown = removed - set(channels) - {SALES}
    if unknown:
        raise ValueError(f"cannot remove {sorted(unknown)}: contributors are {[*channels, SALES]}")
    data = scenario.model_dump()
    gone = sum(channels[c].share for c in removed if c in channels)
    if gone > 0:
        # the remaining channels' spend, budget x share, is unchanged: budget' = budget x kept
        # and share' = share / kept, with kept the remaining channels' total share
        kept = sum(c.share for name, c in channels.items() if name not in removed)
        marketing = data["marketing"]
        if kept <= 0:
            marketing["annual_budget"] = 0.0  # shares stay as they were; nothing is spent
        else:
            marketing["annual_budget"] *= kept
            for name, channel in marketing["channels"].items():
                channel["share"] = 0.0 if name in removed else channel["share"] / kept
    if SALES in removed:
        data["sales"]["territories"] = dict.fromkeys(data["sales"]["territories"], 0)
    if removed:
        data["name"] = f"{scenario.name}-without-{'-'.join(sorted(removed))}"
    return Scenario.model_validate(data)


# --- Shapley values ---------------------------------------------------------------------------


def shapley_values(
    players: Sequence[str], value: Mapping[frozenset[str], float | np.ndarray]
) -> dict[str, float | np.ndarray]:
    """Exact Shapley values of ``players`` for the game ``value`` (coalition -> worth).

    ``value`` must hold every subset of ``players`` (as frozensets), including the empty
    one. Worths may be arrays (one per seed): the values are then per seed too.
    """
    n = len(players)
    weights = [math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)]
    out: dict[str, float | np.ndarray] = {}
    for player in players:
        others = [p for p in players if p != player]
        total: float | np.ndarray = 0.0
        for k in range(n):
            for coalition in combinations(others, k):
                base = frozenset(coalition)
                total = total + weights[k] * (value[base | {player}] - value[base])
        out[player] = total
    return out


# --- running it -------------------------------------------------------------------------------


def planned_removals(players: Sequence[str], shapley: bool) -> list[frozenset[str]]:
    """The sets of contributors removed in the runs needed: none (the base run), each one
    alone, every channel at once (marketing as a whole) and, for Shapley values, every subset."""
    channels = [p for p in players if p != SALES]
    plan = [frozenset(), *(frozenset({p}) for p in players)]
    if len(channels) > 1:
        plan.append(frozenset(channels))
    if shapley:
        everyone = frozenset(players)
        plan += [
            everyone - frozenset(kept)
            for k in range(len(players) + 1)
            for kept in combinations(players, k)
        ]
    return list(dict.fromkeys(plan))  # unique, in order


def planned_runs(scenario: Scenario, seeds: int, shapley: bool) -> int:
    """How many model runs :func:`attribute` needs for ``seeds`` seeds."""
    return len(planned_removals(contributors(scenario), shapley)) * seeds


def _run_task(task: tuple[str, int, int, float, bool]) -> tuple[float, pd.DataFrame | None]:
    """One run: its revenue and, if it records touches, its heuristic attribution."""
    scenario_json, seed, weeks, half_life, record = task
    scenario = Scenario.model_validate_json(scenario_json)
    model = GrowthModel(scenario, seed=seed)
    model.run(weeks)
    revenue = float(model.kpi_row["cum_revenue"])
    if not record:
        return revenue, None
    credits = heuristic_attribution(
        model.touches.table(), customers_table(model.population), half_life
    )
    return revenue, credits


@dataclass
class Attribution:
    """Heuristic credits and counterfactual revenue of one scenario over common seeds."""

    scenario: str
    prospects: int
    weeks: int
    seeds: list[int]
    half_life: float
    players: list[str]
    #: removed contributors -> revenue per seed (same order as ``seeds``)
    revenue: dict[frozenset[str], np.ndarray]
    #: one row per (seed, source): revenue under each rule (columns :data:`RULES`)
    credits: pd.DataFrame
    shapley: bool = False
    sources: list[str] = field(default_factory=list)

    @property
    def channels(self) -> list[str]:
        return [p for p in self.players if p != SALES]

    @property
    def base(self) -> np.ndarray:
        """Revenue of the base scenario per seed."""
        return self.revenue[frozenset()]

    def contribution(self, removed: Iterable[str]) -> np.ndarray:
        """Per seed: revenue(base) - revenue(without ``removed``) (paired on the seed)."""
        return self.base - self.revenue[frozenset(removed)]

    def shapley_per_seed(self) -> dict[str, np.ndarray]:
        """Shapley values per seed of the contributors (revenue with only that coalition)."""
        everyone = frozenset(self.players)
        worth = {
            frozenset(kept): self.revenue[everyone - frozenset(kept)]
            for k in range(len(self.players) + 1)
            for kept in combinations(self.players, k)
        }
        return shapley_values(self.players, worth)

    def per_seed(self) -> dict[tuple[str, str], np.ndarray]:
        """(source, method) -> value per seed, currency; methods are :data:`RULES`,
        ``counterfactual`` and (if computed) ``shapley``."""
        out: dict[tuple[str, str], np.ndarray] = {}
        credits = self.credits.set_index(["seed", "source"])
        for source in [*self.sources, NONE]:
            for rule in RULES:
                out[source, rule] = np.array(
                    [credits.loc[(seed, source), rule] for seed in self.seeds]
                )
        channel_sources = [s for s in self.sources if s not in (WORD_OF_MOUTH, SALES)]
        for rule in RULES:
            out[MARKETING, rule] = sum(out[c, rule] for c in channel_sources)
        for player in self.players:
            out[player, "counterfactual"] = self.contribution([player])
        if self.channels:
            out[MARKETING, "counterfactual"] = self.contribution(self.channels)
        if self.shapley:
            values = self.shapley_per_seed()
            for player in self.players:
                out[player, "shapley"] = np.asarray(values[player])
            if self.channels:
                out[MARKETING, "shapley"] = sum(np.asarray(values[c]) for c in self.channels)
        return out

    def table(self) -> pd.DataFrame:
        """Tidy result: one row per (source, method).

        ``revenue`` is the mean over seeds (currency) and ``low``/``high`` its 90% interval
        (5th-95th percentile over seeds; for counterfactual and Shapley values, of the paired
        per-seed values). ``share_pct`` is the mean as a share of mean base revenue (%), and
        ``low_pct``/``high_pct`` the 90% interval of the per-seed shares (each seed's value as a
        share of that seed's base revenue; seeds without revenue are left out).
        """
        base = self.base
        has_revenue = base > 0
        rows = []
        for (source, method), values in self.per_seed().items():
            low, high = np.percentile(values, INTERVAL)
            row = {
                "source": source,
                "method": method,
                "revenue": float(np.mean(values)),
                "low": float(low),
                "high": float(high),
                "share_pct": float("nan"),
                "low_pct": float("nan"),
                "high_pct": float("nan"),
            }
            if has_revenue.any():
                shares = 100.0 * values[has_revenue] / base[has_revenue]
                share_low, share_high = np.percentile(shares, INTERVAL)
                row |= {
                    "share_pct": 100.0 * float(np.mean(values)) / float(base.mean()),
                    "low_pct": float(share_low),
                    "high_pct": float(share_high),
                }
            rows.append(row)
        table = pd.DataFrame(rows)
        order = {s: i for i, s in enumerate([*self.sources, NONE, MARKETING])}
        methods = {m: i for i, m in enumerate([*RULES, "counterfactual", "shapley"])}
        table = table.sort_values(
            ["source", "method"],
            key=lambda col: col.map(order if col.name == "source" else methods),
        )
        return table.reset_index(drop=True)

    def runs(self) -> pd.DataFrame:
        """Every run: seed, removed contributors ('' for the base), revenue."""
        return pd.DataFrame(
            [
                {"seed": seed, "removed": "+".join(sorted(removed)), "revenue": float(value)}
                for removed, values in self.revenue.items()
                for seed, value in zip(self.seeds, values, strict=True)
            ]
        )

    def sizes(self) -> str:
        """The run sizes in words, for output."""
        return (
            f"{self.scenario}: {self.prospects:,} prospects, {self.weeks} weeks, "
            f"{len(self.seeds)} seeds, {len(self.revenue) * len(self.seeds)} runs, "
            f"time-decay half-life {self.half_life:g} weeks"
        )


def attribute(
    scenario: Scenario,
    seeds: Sequence[int],
    weeks: int | None = None,
    half_life: float = HALF_LIFE_WEEKS,
    shapley: bool = False,
    workers: int = 1,
    on_done: Callable[[], None] | None = None,
    max_runs: int = SHAPLEY_MAX_RUNS,
) -> Attribution:
    """Heuristic attribution on the base runs and counterfactual contributions (and, with
    ``shapley``, Shapley values) from runs on the same ``seeds``.

    Raises ValueError if Shapley enumeration would need more than ``max_runs`` runs.
    """
    weeks = weeks or scenario.simulation.weeks
    players = contributors(scenario)
    removals = planned_removals(players, shapley)
    total = len(removals) * len(seeds)
    if shapley and total > max_runs:
        raise ValueError(
            f"Shapley values for {len(players)} contributors need 2^{len(players)} x "
            f"{len(seeds)} seeds = {total} runs, more than the limit of {max_runs}; use fewer "
            f"seeds or channels, or raise the limit."
        )
    base = with_levers(scenario, {"simulation.record_touches": True})
    tasks = {}
    for removed in removals:
        variant = without(base, removed)
        if removed:  # counterfactuals need revenue only; recording touches changes no draw
            variant = with_levers(variant, {"simulation.record_touches": False})
        for j, seed in enumerate(seeds):
            tasks[removed, j] = (variant.model_dump_json(), seed, weeks, half_life, not removed)
    results = map_tasks(_run_task, tasks, workers, on_done)
    revenue = {
        removed: np.array([results[removed, j][0] for j in range(len(seeds))])
        for removed in removals
    }
    frames = []
    for j, seed in enumerate(seeds):
        credits = results[frozenset(), j][1]
        frames.append(credits.rename_axis("source").reset_index().assign(seed=seed))
    credits = pd.concat(frames, ignore_index=True)[["seed", "source", *RULES]]
    sources = [*scenario.marketing.channels, WORD_OF_MOUTH, SALES]
    return Attribution(
        scenario=scenario.name,
        prospects=scenario.market.prospects,
        weeks=weeks,
        seeds=list(seeds),
        half_life=half_life,
        players=players,
        revenue=revenue,
        credits=credits,
        shapley=shapley,
        sources=sources,
    )


# --- output -----------------------------------------------------------------------------------


def sized(scenario: Scenario, prospects: int | None) -> Scenario:
    """``scenario`` with ``prospects`` prospects (unchanged if None)."""
    return scenario if prospects is None else with_levers(scenario, {"market.prospects": prospects})


def _cell(row: dict | None, interval: bool) -> str:
    if row is None or np.isnan(row["share_pct"]):
        return "-"
    text = f"{row['share_pct']:.1f}"
    if interval:
        text += f" [{row['low_pct']:.0f}, {row['high_pct']:.0f}]"
    return text


def attribution_table(result: Attribution) -> Table:
    """Side by side, per source: its share of revenue (%) under each heuristic rule, its
    counterfactual contribution and (if computed) its Shapley value, with 90% intervals."""
    table = result.table()
    cells = {(r["source"], r["method"]): r for r in table.to_dict("records")}
    methods = [*RULES, "counterfactual", *(["shapley"] if result.shapley else [])]
    labels = {
        "first_touch": "first touch",
        "last_touch": "last touch",
        "linear": "linear",
        "time_decay": f"time decay ({result.half_life:g} wk)",
        "counterfactual": "counterfactual [90%]",
        "shapley": "Shapley [90%]",
    }
    out = Table(
        title=f"Share of revenue credited to each source (% of mean revenue {result.base.mean():,.0f})",
        caption=(
            f"{result.sizes()}. Each value is a share of mean revenue; [90%] is the 5th-95th "
            "percentile over seeds of the paired per-seed share."
        ),
    )
    out.add_column("source")
    for method in methods:
        out.add_column(labels[method], justify="right")
    sources = [*result.sources, NONE, MARKETING]
    for source in sources:
        none_row = cells.get((NONE, "linear"))
        if source == NONE and (none_row is None or not none_row["revenue"]):
            continue  # no customer without touches
        row = [
            _cell(cells.get((source, method)), method in ("counterfactual", "shapley"))
            for method in methods
        ]
        label = source.replace("_", " ")
        if source == WORD_OF_MOUTH:
            label += " (endogenous)"
        out.add_row(label, *row, end_section=source in (NONE, SALES))
    return out


def write_attribution(result: Attribution, out_dir: Path) -> list[Path]:
    """Save ``attribution.csv`` (the tidy table), ``runs.csv`` (every run's revenue) and
    ``attribution.png`` (grouped bars) to ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = result.table().assign(scenario=result.scenario)
    paths = [out_dir / "attribution.csv", out_dir / "runs.csv"]
    write_atomic(paths[0], table.to_csv(index=False, float_format="%.10g"))
    write_atomic(paths[1], result.runs().to_csv(index=False, float_format="%.10g"))
    title = f"Attribution of revenue: {result.sizes()}"
    paths.append(save_figure(plot_attribution(table, title), out_dir / "attribution.png"))
    return paths
