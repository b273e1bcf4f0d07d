"""Life after the sale: the installed base, yearly renewals, churn, expansion and ARR.

Every customer holds a subscription whose yearly value (ARR, currency/year) starts at its deal
value. Once a year, in the week of its purchase anniversary, the contract renews or churns:
a customer of average fit leaves with its segment's ``churn_per_year`` (poorer fit raises the
odds, ``customers.churn_fit_effect``); one that stays has its contract value multiplied by a
log-normal factor with mean ``1 + expansion_per_year`` (spread ``customers.expansion_sd``), so
some expand and some contract. A company may start with customers (``installed_share`` per
segment), of ages spread over ``customers.installed_max_age_years``.

:class:`CustomerBase` keeps the books of recurring revenue: each week's new, expansion,
contraction and churned ARR (so ARR_t = ARR_{t-1} + new + expansion - contraction - churned),
and at each year's end the retention of the customers who were there a year before (net and
gross revenue retention, logo churn). Its random draws come from the ``customers`` stream, so a
company without an installed base, churn or expansion shares every other stream with one that
has them. A renewal's outcome (churn or stay, and the change in value) is drawn from a
counter-based generator keyed by the run, the customer and the renewal's number
(:func:`renewal_uniforms`), not from the stream in order: so on a common seed the same customer
meets the same luck at its n-th renewal in two scenarios, however many other customers either
has won (common random numbers, for paired comparisons).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from gtmsim.model.journey import LeadStage, Stage
from gtmsim.model.parameters.base import REFERENCE_LEVEL, WEEKS_PER_YEAR

if TYPE_CHECKING:
    from gtmsim.model.firm import Firm

YEAR = int(WEEKS_PER_YEAR)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
#: Mixed into the run's key for the draws of switching to a rival at renewal (their own
#: sequence, independent of the churn and expansion draws).
SWITCHING_KEY = 0x5DEECE66D


def renewal_uniforms(key: int, prospects: np.ndarray, renewal: np.ndarray, draw: int) -> np.ndarray:
    """Uniform numbers in (0, 1), one per (prospect, renewal number), for the ``draw``-th use
    (0: churn, 1: expansion): the SplitMix64 finalizer applied to a counter built from the
    run's ``key``, the prospect's index and the renewal's number. Deterministic in those
    inputs alone, so a customer's n-th renewal gets the same number in every scenario run on
    the same seed, whatever else happened in the run."""
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps modulo 2**64, as intended
        x = np.uint64(key) ^ (prospects.astype(np.uint64) * _GOLDEN)
        x = x + (renewal.astype(np.uint64) * np.uint64(2) + np.uint64(draw)) * _MIX2
        x ^= x >> np.uint64(30)
        x *= _MIX1
        x ^= x >> np.uint64(27)
        x *= _MIX2
        x ^= x >> np.uint64(31)
    return ((x >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


class CustomerBase:
    """The installed base and its recurring revenue.

    Attributes:
        arr: current ARR per prospect (currency/year; 0 for a non-customer), in the population.
        arr_by_week: total ARR at the end of each week (index 0: week 0, after the installed base).
        retention: the last completed year's cohort figures: ``nrr`` and ``grr`` (net and gross
            revenue retention, %) and ``logo_churn`` (% of its customers lost), NaN before the
            first year ends or when nobody was a customer at its start.
    """

    def __init__(self, firm: Firm) -> None:
        self.firm = firm
        self.params = firm.params.customers
        self.stream = firm.streams["customers"]
        #: the run's key for renewal outcomes (drawn first, so it does not depend on the base)
        self.key = int(self.stream.integers(0, 2**63))
        pop = firm.population
        segments = list(firm.params.market.segments.values())
        churn = np.array([s.churn_per_year for s in segments])
        #: odds of churning at renewal for a customer of average fit, by segment
        self.churn_odds = churn / (1.0 - churn)
        self.expansion = np.array([s.expansion_per_year for s in segments])
        # customers whose contract renews in each week of the year (indices; churned ones are
        # skipped when their week comes)
        self.renewals: list[list[np.ndarray]] = [[] for _ in range(YEAR)]
        #: renewals that fell due and customers who churned at them, by segment (counts)
        self.renewals_due = np.zeros(len(segments), dtype=np.int64)
        self.churned = np.zeros(len(segments), dtype=np.int64)
        self.arr_by_week: list[float] = []
        self.sales_new_arr_by_week: list[float] = []
        self.retention = {"nrr": float("nan"), "grr": float("nan"), "logo_churn": float("nan")}
        factor = self.params.installed_base_factor
        self.install([s.installed_share * factor for s in segments], firm.week)
        self.schedule(pop.drain_joined())
        self.cohort = self.snapshot()
        self.arr_by_week.append(float(pop.arr.sum()))

    def install(self, shares: list[float], week: int) -> None:
        """The customers at week 0: in each segment a share ``installed_share`` of its prospects,
        the better-fitting likelier (chance proportional to fit), aged uniformly up to
        ``installed_max_age_years``; they are aware and trust the product. In a market of
        several firms only prospects no firm has yet are drawn (firms install in turn)."""
        self.installed = 0
        if not any(shares):
            return
        pop = self.firm.population
        chosen = []
        for segment, share in enumerate(shares):
            if share <= 0:
                continue
            members = np.flatnonzero(pop.segment == segment)
            free = pop.buyers.owner[members] < 0  # not yet a customer of an earlier firm
            fit = pop.fit[members]
            mean_fit = fit[free].mean() if free.any() else 0.0
            # fit-weighted, or uniform where every fit is (numerically) zero
            weight = fit / mean_fit if mean_fit > 0 else np.ones(len(fit))
            chance = np.minimum(1.0, share * weight)
            # one number per member of the segment, taken or not, so this firm's draws do not
            # depend on the bases of the firms drawn before it
            drawn = self.stream.random(len(members)) < chance
            chosen.append(members[drawn & free])
        customers = np.sort(np.concatenate(chosen))
        self.installed = len(customers)  # customers at week 0
        # whole weeks, at least one: a customer bought in week 0 or later was won in the run
        max_age = max(1, round(self.params.installed_max_age_years * WEEKS_PER_YEAR))
        age = self.stream.integers(1, max_age + 1, size=len(customers))
        pop.awareness[customers] = 1.0
        pop.trust[customers] = 1.0
        pop.make_customers(customers, week - age)
        pop.update_stages()
        pop.newly_aware = pop.newly_trusting = 0  # week 0 is the starting point, not a flow

    def schedule(self, joined: np.ndarray) -> None:
        """Put new customers on the renewal calendar (the week of the year they bought in)."""
        if len(joined) == 0:
            return
        bought = self.firm.population.bought_week[joined]
        slot = bought % YEAR
        for week_of_year in np.unique(slot):
            self.renewals[int(week_of_year)].append(joined[slot == week_of_year])

    def renew_due(self) -> None:
        """End of the week, first part (then :meth:`book_week`; in a market every firm renews
        before any books its week, so a customer who switches is in its new firm's ARR the week
        it switches): put new customers on the renewal calendar, then renew or churn the contracts whose
        anniversary this is."""
        self.schedule(self.firm.population.drain_joined())
        self.renew(self.firm.week)

    def book_week(self) -> None:
        """Record ARR and the week's subscription revenue (ARR / 52), and close the year's
        retention cohort at year ends."""
        firm = self.firm
        pop, book, week = firm.population, firm.kpis, firm.week
        self.schedule(pop.drain_joined())  # customers won from a rival's renewal this week
        self.arr_by_week.append(float(pop.arr.sum()))
        book.record_revenue(self.arr / WEEKS_PER_YEAR)  # a week's share of every contract
        self.sales_new_arr_by_week.append(book.week["new_arr_sales"])
        if week % YEAR == 0:
            self.close_year()

    def renew(self, week: int) -> None:
        """Contracts bought in this week of an earlier year renew (expanding or contracting)
        or churn."""
        slot = self.renewals[week % YEAR]
        if not slot:
            return
        pop = self.firm.population
        listed = np.unique(np.concatenate(slot))
        # a customer who churned, or churned and bought again in another week of the year, is
        # no longer due here
        bought = pop.bought_week[listed]
        current = (pop.stage[listed] == Stage.CUSTOMER) & ((week - bought) % YEAR == 0)
        due = listed[current & (bought < week)]
        if len(due) == 0:
            slot[:] = [listed[current]]
            return
        segment = pop.segment[due]
        renewal = (week - pop.bought_week[due]) // YEAR  # 1 at the first anniversary
        odds = self.churn_odds[segment] * np.exp(
            self.params.churn_fit_effect * (REFERENCE_LEVEL - pop.fit[due])
        )
        odds *= self.firm.price_churn_odds  # what the firm's price does to churn (1 at list)
        leaves = renewal_uniforms(self.key, due, renewal, 0) < odds / (1.0 + odds)
        if self.firm.competing:  # a customer who stays may still leave for a rival it trusts
            to_rival = self.switching(due, renewal, ~leaves)
            leaves |= to_rival >= 0
        churned = due[leaves]
        self.renewals_due += np.bincount(segment, minlength=len(self.renewals_due))
        self.churned += np.bincount(segment[leaves], minlength=len(self.churned))
        stays = ~leaves
        renewed, segment = due[stays], segment[stays]
        sd = self.params.expansion_sd
        normal = ndtri(renewal_uniforms(self.key, renewed, renewal[stays], 1))
        factor = (1.0 + self.expansion[segment]) * np.exp(sd * normal - sd * sd / 2)
        before = pop.arr[renewed]
        if self.firm.price_changes:  # each contract moves to today's price at its renewal
            signed = pop.bought_week[renewed] + (renewal[stays] - 1) * YEAR
            factor = factor * (self.firm.price / self.firm.price_at(signed))
        change = before * (factor - 1.0)
        pop.arr[renewed] = before + change
        book = self.firm.kpis
        book.record_renewals(
            expansion=float(change[change > 0].sum()),
            contraction=float(-change[change < 0].sum()),
        )
        book.record_churn(len(churned), float(pop.arr[churned].sum()))
        self.churn(churned, week)
        if self.firm.competing:
            for index, rival in enumerate(self.firm.model.firms):
                gone = due[to_rival == index]
                if len(gone):
                    book.record_lost_to_rival(len(gone))
                    rival.win_from_rival(gone)
        # the calendar keeps only those still customers here (the churned have left it)
        slot[:] = [listed[current & (pop.stage[listed] == Stage.CUSTOMER)]]

    def switching(self, due: np.ndarray, renewal: np.ndarray, staying: np.ndarray) -> np.ndarray:
        """Which renewing customers leave for a rival: per customer the index of the firm it
        switches to, or -1. A customer who would stay switches with odds s / (1 + s), s summed
        over rivals of ``competition.switching_odds`` x its trust in the rival x (own price /
        rival's price)^price_win_elasticity; the rival is chosen in proportion (one number per
        customer and renewal, from the counter-based generator, so paired runs share it)."""
        firm = self.firm
        competition = firm.params.competition
        pulls = []
        for rival in firm.rivals:
            relative = (firm.price / rival.price) ** competition.price_win_elasticity
            pulls.append(
                (rival, competition.switching_odds * rival.population.trust[due] * relative)
            )
        total = np.sum([pull for _, pull in pulls], axis=0)
        # a key of its own: the churn draw of the next renewal uses the counter 2 * renewal
        draw = renewal_uniforms(self.key ^ SWITCHING_KEY, due, renewal, 0)
        to_rival = np.full(len(due), -1, dtype=np.int64)
        threshold = np.zeros(len(due))
        for rival, pull in pulls:
            threshold += pull / (1.0 + total)
            picked = staying & (to_rival < 0) & (draw < threshold)
            to_rival[picked] = rival.index
        return to_rival

    def churn(self, churned: np.ndarray, week: int) -> None:
        """Customers leave: no contract, no trust left, back with marketing after
        ``winback_weeks``."""
        if len(churned) == 0:
            return
        pop = self.firm.population
        pop.buyers.owner[churned] = -1
        pop.arr[churned] = 0.0
        pop.trust[churned] = 0.0
        aware = pop.awareness[churned] >= pop.params.aware_threshold
        pop.stage[churned] = np.where(aware, Stage.AWARE, Stage.UNAWARE)
        pop.lead_stage[churned] = LeadStage.NURTURE
        pop.nurture_until[churned] = week + self.params.winback_weeks

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """This week's customers and their ARR: the cohort whose retention a year from now is
        measured."""
        arr = self.firm.population.arr
        customers = np.flatnonzero(arr > 0)
        return customers, arr[customers].copy()

    def close_year(self) -> None:
        """A year since the cohort's snapshot: its retention, then the next cohort."""
        customers, then = self.cohort
        if len(customers) and then.sum() > 0:
            now = self.firm.population.arr[customers]
            start = then.sum()
            self.retention = {
                "nrr": 100.0 * now.sum() / start,
                "grr": 100.0 * np.minimum(now, then).sum() / start,
                "logo_churn": 100.0 * np.count_nonzero(now == 0) / len(customers),
            }
        else:
            self.retention = dict.fromkeys(self.retention, float("nan"))
        self.cohort = self.snapshot()

    @property
    def arr(self) -> float:
        """Total ARR now (currency/year)."""
        return self.arr_by_week[-1]

    def arr_growth_pct(self) -> float:
        """ARR now against ARR 52 weeks ago, as a % change (NaN before a year has passed or
        from a zero base)."""
        if len(self.arr_by_week) <= YEAR:
            return float("nan")
        base = self.arr_by_week[-1 - YEAR]
        return 100.0 * (self.arr_by_week[-1] / base - 1.0) if base > 0 else float("nan")

    def sales_new_arr_last_quarter(self) -> float:
        """New ARR won by sales over the last 13 weeks (currency/year)."""
        return float(sum(self.sales_new_arr_by_week[-13:]))
