"""The market: prospects, their buyer's journey, and word of mouth between them.

Prospects are :class:`Prospect` agents (``mesa.Agent``) living in the model's agent set.
Their state is kept in :class:`Population` arrays, one entry per prospect, so that
marketing and word of mouth can act on the whole market in one numpy pass while sales
reps still act on individual ``Prospect`` agents (whose attributes read and write
those arrays).
"""

from __future__ import annotations

import numpy as np

from gtmsim.model.journey import LeadStage, Stage
from gtmsim.model.network import build_ties
from gtmsim.model.parameters.base import WEEKS_PER_YEAR
from gtmsim.model.parameters.market import MarketParams


def bass_week_probability(p: float, q: float, share: float) -> float:
    """Chance that a non-adopter adopts within one week when the adopter share ``share``
    follows the Bass equation dF/dt = (p + q F)(1 - F) over the week (p, q per year): the
    equation's exact solution from ``share`` after 1/52 year, (F1 - F0) / (1 - F0). Holding F
    at its start-of-week value instead lags fast diffusion (over 1 pp at q = 2 a year)."""
    if share >= 1.0:
        return 0.0
    step = 1.0 / WEEKS_PER_YEAR
    if p <= 0.0:  # logistic growth from the current share (none from zero)
        grown = share * np.exp(q * step)
        after = grown / (1.0 - share + grown)
    else:
        k = (1.0 - share) / (1.0 + q / p * share)
        decay = np.exp(-(p + q) * step)
        after = (1.0 - k * decay) / (1.0 + q / p * k * decay)
    return float(min(1.0, max(0.0, (after - share) / (1.0 - share))))


class Buyers:
    """What every firm in the market shares about each prospect (index = prospect number):
    ``segment`` (int), ``deal_value`` (currency/year at list price), ``fit`` (0-1), the
    word-of-mouth network ``ties``, and ``owner``: the index of the firm whose customer it is
    (-1: nobody's). Built from the ``population`` stream in a fixed order, so every scenario
    run on a seed has the same market."""

    def __init__(self, params: MarketParams, rng: np.random.Generator) -> None:
        n = params.prospects
        self.params = params
        self.n = n
        self.segment_names = list(params.segments)
        segs = list(params.segments.values())
        shares = np.array([s.share for s in segs])
        self.segment = rng.choice(len(segs), size=n, p=shares / shares.sum()).astype(np.int16)
        median = np.array([s.median_deal_value for s in segs])[self.segment]
        sigma = np.array([s.deal_value_sigma for s in segs])[self.segment]
        self.deal_value = median * np.exp(sigma * rng.standard_normal(n))
        fit_mean = np.array([s.fit_mean for s in segs])[self.segment]
        conc = np.array([s.fit_concentration for s in segs])[self.segment]
        self.fit = rng.beta(fit_mean * conc, (1 - fit_mean) * conc)
        self.owner = np.full(n, -1, dtype=np.int8)
        self.ties = None  # built after the first firm's starting awareness (the draw order)

    def connect(self, rng: np.random.Generator) -> None:
        """Build the word-of-mouth network (by column: word of mouth reads only the columns
        of prospects who talk)."""
        p = self.params
        self.ties = build_ties(self.segment, p.ties_per_prospect, p.same_segment_ties, rng)


class Population:
    """One firm's view of the market: per-prospect state as numpy arrays (index = prospect
    number), over the :class:`Buyers` every firm shares.

    Arrays: ``segment``, ``deal_value``, ``fit`` and ``ties`` (the buyers'), ``awareness``
    and ``trust`` of this firm (levels 0-1, float32), ``stage`` (:class:`Stage`; CUSTOMER
    means this firm's customer, a rival's customer has the stage its awareness and trust of
    this firm give), ``lead_stage`` (:class:`LeadStage`, in this firm's lead process),
    ``nurture_until`` (week a nurtured lead may re-qualify), ``reinforced`` (touched this
    week, so no decay), ``lead_channel`` (channel index that produced the current lead, -1 for
    word of mouth), ``lead_score`` (0-1), ``bought_week`` and ``arr`` (this firm's contracts).

    Args:
        buyers: the market's shared state.
        firm: this firm's index (``buyers.owner`` holds it for its customers).
        price: this firm's price multiplier (a contract is worth deal value x price).
        price_odds: what its price does to a buyer's odds of choosing it (price^-elasticity).
        rng: the stream its starting awareness is drawn from.
    """

    def __init__(
        self, buyers: Buyers, firm: int, price: float, price_odds: float, rng: np.random.Generator
    ) -> None:
        params = buyers.params
        n = buyers.n
        self.buyers = buyers
        self.firm = firm
        self.price = price
        self.price_odds = price_odds
        self.params = params
        self.n = n
        self.segment_names = buyers.segment_names
        self.segment, self.deal_value, self.fit = buyers.segment, buyers.deal_value, buyers.fit
        aware = rng.random(n) < params.initial_aware_share
        # awareness and trust as float32: the whole-market passes (word of mouth, decay) move
        # half the bytes of float64, and seven significant digits are ample for a 0-1 level
        self.awareness = np.where(
            aware, params.aware_threshold + (1 - params.aware_threshold) * rng.random(n), 0.0
        ).astype(np.float32)
        self.trust = np.zeros(n, dtype=np.float32)
        self.stage = np.zeros(n, dtype=np.int8)
        self.lead_stage = np.zeros(n, dtype=np.int8)
        self.nurture_until = np.zeros(n, dtype=np.int32)
        self.reinforced = np.zeros(n, dtype=bool)
        self.marketed = np.zeros(n, dtype=bool)  # reached by a marketing channel this week
        self.lead_channel = np.full(n, -1, dtype=np.int8)
        self.lead_score = np.zeros(n)
        self.bought_week = np.full(n, -1, dtype=np.int32)  # for a customer: week of purchase
        self.arr = np.zeros(n)  # a customer's contract value now (currency/year), else 0
        self.joined: list[np.ndarray] = []  # customers made since drain_joined last ran
        self.ever_aware = np.zeros(n, dtype=bool)
        self.ever_trusting = np.zeros(n, dtype=bool)
        self.newly_aware = 0
        self.newly_trusting = 0

    @property
    def ties(self):
        """The market's word-of-mouth network (row-normalised, by column)."""
        return self.buyers.ties

    def start(self) -> None:
        """Week 0: stages from the starting awareness (a starting point, not a flow)."""
        self.update_stages()
        self.newly_aware = self.newly_trusting = 0

    def update_stages(self) -> None:
        """Derive each prospect's journey stage from its awareness and trust levels."""
        p = self.params
        customer = self.stage == Stage.CUSTOMER
        aware = self.awareness >= p.aware_threshold
        trusting = aware & (self.trust >= p.trust_threshold)
        stage = aware.view(np.int8) + trusting.view(np.int8)
        stage[customer] = Stage.CUSTOMER
        self.stage = stage
        reached = aware | customer  # stage >= AWARE, without another pass over the stages
        self.newly_aware = int(np.count_nonzero(reached & ~self.ever_aware))
        self.ever_aware |= reached
        aware_or_more = int(np.count_nonzero(reached))
        reached = trusting | customer  # stage >= TRUSTING
        self.newly_trusting = int(np.count_nonzero(reached & ~self.ever_trusting))
        self.ever_trusting |= reached
        trusting_or_more = int(np.count_nonzero(reached))
        customers = int(np.count_nonzero(customer))
        #: prospects in each :class:`Stage` as of this update (what :meth:`stage_counts` counts)
        self.counts = np.array(
            [
                self.n - aware_or_more,
                aware_or_more - trusting_or_more,
                trusting_or_more - customers,
                customers,
            ]
        )

    def stage_counts(self) -> np.ndarray:
        """Number of prospects in each :class:`Stage` now (length-4 array summing to n)."""
        return np.array([np.count_nonzero(self.stage == stage) for stage in Stage])

    def spread_word_of_mouth(self, rng: np.random.Generator) -> np.ndarray:
        """One week of word of mouth: customers and trusting prospects talk to their ties.

        A prospect's conversation hazard is ``word_of_mouth_rate`` times the weighted share of
        its ties that are customers (weight 1) or trusting (weight ``trusting_voice``);
        a conversation lifts awareness and trust. Returns who had a conversation.
        """
        p = self.params
        if p.word_of_mouth_rate <= 0:
            return np.empty(0, dtype=np.int64)
        # who speaks, and how loud: customers 1, trusting prospects ``trusting_voice``
        speakers = np.flatnonzero(
            self.stage >= (Stage.TRUSTING if p.trusting_voice > 0 else Stage.CUSTOMER)
        )
        voice = np.where(self.stage[speakers] == Stage.CUSTOMER, 1.0, p.trusting_voice)
        influence = self.contact_share_of(speakers, voice)
        # nonzero of a bool array is several times faster than of floats; then the few
        # listeners' stages instead of the whole market's
        listeners = np.flatnonzero(influence > 0)
        listeners = listeners[self.stage[listeners] != Stage.CUSTOMER]
        hazard = p.word_of_mouth_rate * influence[listeners]
        talked = listeners[rng.random(len(listeners)) < -np.expm1(-hazard)]
        awareness = self.awareness[talked]  # read each array once (gathers dominate here)
        awareness += p.word_of_mouth_awareness_lift * (1 - awareness)
        self.awareness[talked] = awareness
        trust = self.trust[talked]
        self.trust[talked] = trust + p.word_of_mouth_trust_lift * awareness * (1 - trust)
        self.reinforced[talked] = True
        return talked

    def contact_share(self, values: np.ndarray) -> np.ndarray:
        """Per prospect, the mean of ``values`` over its contacts: its social ties, or the whole
        market when word of mouth is well mixed."""
        if self.params.word_of_mouth_mixing == "well_mixed":
            return np.full(self.n, values.mean())
        speakers = np.flatnonzero(values)
        return self.ties[:, speakers] @ values[speakers]

    def contact_share_of(self, speakers: np.ndarray, voice: np.ndarray) -> np.ndarray:
        """:meth:`contact_share` of values that are ``voice`` at the indices ``speakers``
        (ascending) and 0 elsewhere, without building the market-sized array of values."""
        if self.params.word_of_mouth_mixing == "well_mixed":
            values = np.zeros(self.n)
            values[speakers] = voice
            return self.contact_share(values)
        return self.ties[:, speakers] @ voice

    def adopt_directly(
        self, innovation_per_year: float, rng: np.random.Generator, week: int
    ) -> np.ndarray:
        """Bass-style purchases without a sales contact; returns the new customers' indices.

        Only aware prospects buy on their own. An aware non-customer's yearly hazard is
        ``p * m + q * F``: p = ``innovation_per_year`` acts through marketing (m = 1 if a
        channel reached the prospect this week, else 0: no budget, no self-serve), q =
        ``imitation_per_year`` and F the share of customers among its contacts. In a well-mixed
        market where every candidate shares one hazard, a week's probability solves the Bass
        equation over the week (:func:`bass_week_probability`: F moves during the week, as in
        the closed form); otherwise it is ``1 - exp(-hazard / 52)`` with F held at its value at
        the start of the week. Leads in the sales pipeline (on their way to sales, queued, SQL or an open
        deal) buy through their rep, if at all, so they are not candidates: otherwise a deal
        could be won from a customer. In a market of several firms F is the share of this firm's
        customers, a rival's customers are not candidates, and the hazard is multiplied by what
        the firm's price does to a buyer's odds (``price_odds``, 1 at list price).
        """
        q = self.params.imitation_per_year * self.price_odds
        innovation_per_year *= self.price_odds
        if innovation_per_year <= 0 and q <= 0:
            return np.empty(0, dtype=np.int64)
        customer = self.stage == Stage.CUSTOMER
        in_pipeline = (self.lead_stage >= LeadStage.HANDOFF) & (
            self.lead_stage <= LeadStage.OPPORTUNITY
        )
        free = self.buyers.owner < 0  # nobody's customer
        open_ = np.flatnonzero(free & ~in_pipeline & (self.stage >= Stage.AWARE))
        influence = innovation_per_year * self.marketed[open_]
        if self.params.word_of_mouth_mixing == "well_mixed" and np.all(influence == influence[:1]):
            # one hazard for every candidate (Bass's well-mixed market): one binomial draw, with
            # the week's probability from the Bass equation solved over the week
            p = float(influence[0]) if len(open_) else 0.0
            chance = bass_week_probability(p, q, float(customer.mean()))
            k = int(rng.binomial(len(open_), chance))
            adopters = np.sort(rng.choice(open_, size=k, replace=False))
        else:
            if self.params.word_of_mouth_mixing == "well_mixed":
                share = np.full(len(open_), customer.mean())
            else:
                share = self.contact_share(customer.astype(float))[open_]
            hazard = influence + q * share
            adopters = open_[rng.random(len(open_)) < -np.expm1(-hazard / WEEKS_PER_YEAR)]
        self.make_customers(adopters, week)
        return adopters

    def make_customers(self, prospects: np.ndarray | int, week: int | np.ndarray) -> None:
        """``prospects`` buy in ``week`` (a won deal, a self-serve purchase, or the installed
        base with a week per customer): each holds a contract worth its deal value x this
        firm's price a year."""
        self.buyers.owner[prospects] = self.firm
        self.stage[prospects] = Stage.CUSTOMER
        self.lead_stage[prospects] = LeadStage.WON
        self.bought_week[prospects] = week
        self.arr[prospects] = self.deal_value[prospects] * self.price
        self.joined.append(np.atleast_1d(prospects))

    def drain_joined(self) -> np.ndarray:
        """The customers made since the last call (indices), for the renewal calendar."""
        joined = np.concatenate(self.joined) if self.joined else np.empty(0, dtype=np.int64)
        self.joined = []
        return joined

    def decay(self) -> None:
        """Awareness and trust of prospects not reinforced this week fade a little."""
        p = self.params
        if p.awareness_decay_per_year <= 0 and p.trust_decay_per_year <= 0:
            self.reinforced[:] = False
            return
        # One pass over the market with a factor per prospect (1 for those who keep their
        # levels, exact): faster than a masked multiply, or than fading everyone and putting
        # back the kept levels by index.
        keep = self.reinforced | (self.stage == Stage.CUSTOMER)
        one = np.float32(1.0)  # float32 factors keep the pass in float32
        self.awareness *= np.where(keep, one, np.float32(1 - p.awareness_decay_per_week))
        self.trust *= np.where(keep, one, np.float32(1 - p.trust_decay_per_week))
        self.reinforced[:] = False
