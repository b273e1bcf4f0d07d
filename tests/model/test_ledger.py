"""The KPI book-keeping, :mod:`gtmsim.model.ledger`.

Tested: :func:`ratio` is NaN for a zero denominator; :class:`KpiBook` adds each reported
event to the right counters, weekly and cumulative, ``start_week`` resets only the weekly
ones, and ``record_spend`` keeps this week's and the cumulative spend per channel; and
:func:`weekly_row` of a real model after 40 weeks: its columns are the weekly KPIs plus
``spend_<channel>``, its stage counts add up to the market, every ``cum_*`` column is the
running sum of its weekly column in the DataCollector's table, the ratios (CAC, cost per
MQL, win rate, ...) are those of the running sums, and the stock columns (customers, open
opportunities, pipeline, queue, ever aware or trusting) match the population.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from gtmsim.model import GrowthModel, load_scenario
from gtmsim.model.journey import LeadStage, Stage
from gtmsim.model.kpis import WEEKLY
from gtmsim.model.ledger import KpiBook, ratio, weekly_row
from gtmsim.model.parameters.base import WEEKS_PER_YEAR
from gtmsim.model.scenario import with_levers

WEEKS = 40
PROSPECTS = 4_000
_STAGES = ("unaware", "aware", "trusting", "customers")  # the Stage order


def test_ratio_is_nan_for_a_zero_denominator() -> None:
    assert ratio(3, 4) == 0.75
    assert ratio(0, 5) == 0.0
    assert ratio(-2.0, 0.5) == -4.0
    for numerator in (1.0, 0.0, -1.0):
        assert math.isnan(ratio(numerator, 0))
        assert math.isnan(ratio(numerator, 0.0))


def test_book_starts_at_zero() -> None:
    book = KpiBook(3)
    assert set(book.week) == set(book.total) == set(KpiBook.WEEKLY)
    assert set(KpiBook.REPORTED) < set(KpiBook.WEEKLY)
    assert all(v == 0 for v in (*book.week.values(), *book.total.values()))
    np.testing.assert_array_equal(book.spend_by_channel, np.zeros(3))
    np.testing.assert_array_equal(book.cumulative_spend_by_channel, np.zeros(3))
    assert book.contacts == 0 and book.contact_hours_total == 0 and book.cycle_weeks_total == 0


# (what is reported, the counters it moves and by how much)
_RECORDS: list[tuple[str, Callable[[KpiBook], object], dict[str, float]]] = [
    ("sales cost", lambda b: b.record_sales_cost(250.0), {"sales_cost": 250.0}),
    ("exposures", lambda b: b.record_exposures(40, 3), {"exposures": 40, "engagements": 3}),
    ("leads", lambda b: b.record_leads(7, 2), {"inquiries": 7, "mqls": 2}),
    ("leaked", lambda b: b.record_leaked(4), {"leads_leaked": 4}),
    ("rejected", lambda b: b.record_rejected(5), {"leads_rejected": 5}),
    ("ignored", lambda b: b.record_ignored(), {"leads_ignored": 1}),
    ("ignored 6", lambda b: b.record_ignored(6), {"leads_ignored": 6}),
    ("sql", lambda b: b.record_sql(), {"sqls": 1}),
    ("opportunity", lambda b: b.record_opportunity(), {"opportunities": 1}),
    (
        "win",
        lambda b: b.record_win(9_000.0, 6),
        {"wins": 1, "new_arr": 9_000.0, "new_arr_sales": 9_000.0},
    ),
    (
        "self-serve",
        lambda b: b.record_self_serve(np.array([100.0, 250.0, 50.0])),
        {"self_serve": 3, "new_arr": 400.0},
    ),
    ("revenue", lambda b: b.record_revenue(1_000.0), {"revenue": 1_000.0}),
    (
        "renewals",
        lambda b: b.record_renewals(expansion=120.0, contraction=30.0),
        {"expansion_arr": 120.0, "contraction_arr": 30.0},
    ),
    (
        "churn",
        lambda b: b.record_churn(2, 700.0),
        {"churned_customers": 2, "churned_arr": 700.0},
    ),
    ("no self-serve", lambda b: b.record_self_serve(np.array([])), {}),
    ("loss", lambda b: b.record_loss(), {"losses": 1}),
    (
        "won from rival",
        lambda b: b.record_won_from_rival(2, 5_000.0),
        {"won_from_rivals": 2, "new_arr": 5_000.0},
    ),
    ("lost to rival", lambda b: b.record_lost_to_rival(), {"lost_to_rivals": 1}),
    ("contact", lambda b: b.record_contact(30.0, True), {}),
    ("spend", lambda b: b.record_spend(np.array([10.0, 20.0])), {"marketing_spend": 30.0}),
]


@pytest.mark.parametrize(("what", "record", "moves"), _RECORDS, ids=[r[0] for r in _RECORDS])
def test_each_record_moves_its_counters_only(
    what: str, record: Callable[[KpiBook], object], moves: dict[str, float]
) -> None:
    book = KpiBook(2)
    record(book)
    record(book)  # twice: the counters add up
    for key in KpiBook.WEEKLY:
        assert book.week[key] == 2 * moves.get(key, 0.0), (what, key)
        assert book.total[key] == 2 * moves.get(key, 0.0), (what, key)


def test_win_and_contact_side_totals() -> None:
    book = KpiBook(1)
    book.record_win(1_000.0, 6)
    book.record_win(3_000.0, 10)
    assert book.cycle_weeks_total == 16
    book.record_contact(30.0, True)
    book.record_contact(12.5, False)
    book.record_contact(0.05, True)  # 3 minutes
    assert book.contacts == 3 and book.contact_hours_total == 42.55
    # bands: 0-5 min, ..., 2-24 h (index 5), 1-2 days (index 6)
    assert book.contacts_by_delay.tolist() == [1, 0, 0, 0, 0, 1, 1, 0, 0]
    assert book.sqls_by_delay.tolist() == [1, 0, 0, 0, 0, 0, 1, 0, 0]
    book.start_week()  # these are cumulative
    assert book.cycle_weeks_total == 16 and book.contacts == 3


def test_start_week_resets_weekly_counters_and_totals_keep_counting() -> None:
    book = KpiBook(2)
    book.record_leads(5, 2)
    book.record_win(100.0, 3)
    book.start_week()
    assert all(v == 0 for v in book.week.values())
    assert book.total["inquiries"] == 5 and book.total["mqls"] == 2
    assert book.total["wins"] == 1 and book.total["new_arr"] == 100.0
    book.record_leads(3, 1)
    assert book.week["inquiries"] == 3 and book.week["mqls"] == 1
    assert book.total["inquiries"] == 8 and book.total["mqls"] == 3
    assert book.week["wins"] == 0 and book.total["wins"] == 1


def test_record_spend_keeps_this_week_and_cumulative_spend_by_channel() -> None:
    book = KpiBook(3)
    spend = np.array([100.0, 50.0, 0.0])
    book.record_spend(spend)
    spend[0] = 999.0  # the book keeps a copy, not the caller's array
    np.testing.assert_array_equal(book.spend_by_channel, [100.0, 50.0, 0.0])
    book.start_week()
    book.record_spend(np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(book.spend_by_channel, [10.0, 20.0, 30.0])
    np.testing.assert_array_equal(book.cumulative_spend_by_channel, [110.0, 70.0, 30.0])
    assert book.week["marketing_spend"] == 60.0
    assert book.total["marketing_spend"] == 210.0


# --- weekly_row of a real model ---------------------------------------------------------------


Run = tuple[GrowthModel, pd.DataFrame, pd.DataFrame, int, int]


@pytest.fixture(scope="module")
def run() -> Run:
    """A small model run for 40 weeks with self-serve purchases switched on and reps short of
    time (so leads wait in queues): the model, its weekly table, the stocks recounted from the
    population after each week, and how many prospects were aware and trusting at week 0."""
    levers = {
        "market.prospects": PROSPECTS,
        "marketing.direct_adoption_per_year": 0.05,
        "sales.selling_hours_per_week": 2.0,
        "sales.attrition_per_year": 0.0,  # a constant team: sales cost is one number
    }
    scenario = with_levers(load_scenario("separate"), levers)
    model = GrowthModel(scenario, seed=3)
    pop = model.population
    ever_aware = int(pop.ever_aware.sum())
    ever_trusting = int(pop.ever_trusting.sum())
    stocks = []
    for _ in range(WEEKS):
        model.step()
        open_deals = pop.lead_stage == LeadStage.OPPORTUNITY
        stocks.append(
            {
                "open_opportunities": int(open_deals.sum()),
                "pipeline_value": float(pop.deal_value[open_deals].sum()),
                "queued_leads": int(np.sum(pop.lead_stage == LeadStage.QUEUED)),
                **dict(zip(_STAGES, np.bincount(pop.stage, minlength=len(Stage)), strict=True)),
            }
        )
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    # The checks below are only meaningful if every kind of event happened.
    for column in ("wins", "self_serve", "losses", "sqls", "mqls", "opportunities"):
        assert frame[column].sum() > 0, column
    return model, frame, pd.DataFrame(stocks), ever_aware, ever_trusting


def _channels(model: GrowthModel) -> list[str]:
    return [f"spend_{name}" for name in model.marketing.channel_names]


def _same(a: float, b: float) -> bool:
    """Equal, counting NaN as equal to NaN (an undefined ratio)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def _ratio(numerator: pd.Series, denominator: pd.Series) -> np.ndarray:
    """Element-wise :func:`ratio`: NaN where the denominator is 0."""
    num, den = numerator.to_numpy(float), denominator.to_numpy(float)
    return np.divide(num, den, out=np.full(len(num), np.nan), where=den != 0)


def test_row_columns_are_the_weekly_kpis_and_channel_spend(run: Run) -> None:
    model, frame, _, _, _ = run
    row = weekly_row(model.firm)
    expected = [*WEEKLY, *_channels(model)]
    assert set(row) == set(expected) and len(row) == len(expected)
    assert list(frame.columns) == expected


def test_row_is_the_last_collected_row_and_recomputing_it_changes_nothing(run: Run) -> None:
    model, frame, _, _, _ = run
    row = weekly_row(model.firm)
    again = weekly_row(model.firm)
    last = frame.iloc[-1]
    for key, value in row.items():
        assert _same(value, again[key]) and _same(value, model.kpi_row[key]), key
        assert _same(value, last[key]), key
    assert row["week"] == WEEKS
    np.testing.assert_array_equal(frame["week"], np.arange(1, WEEKS + 1))


def test_stage_counts_add_up_to_the_market(run: Run) -> None:
    _, frame, stocks, _, _ = run
    stages = frame[list(_STAGES)]
    assert (stages.sum(axis=1) == PROSPECTS).all()
    pd.testing.assert_frame_equal(stages, stocks[list(_STAGES)], check_dtype=False)
    np.testing.assert_allclose(frame["awareness_pct"], 100 * (1 - frame["unaware"] / PROSPECTS))
    np.testing.assert_allclose(
        frame["trusting_pct"], 100 * (frame["trusting"] + frame["customers"]) / PROSPECTS
    )


def test_cumulative_columns_are_running_sums_of_the_weekly_columns(run: Run) -> None:
    _, frame, _, _, _ = run
    for cum, weekly in [
        ("cum_revenue", "revenue"),
        ("cum_wins", "wins"),
        ("cum_mqls", "mqls"),
        ("cum_sqls", "sqls"),
        ("cum_opportunities", "opportunities"),
    ]:
        np.testing.assert_allclose(frame[cum], frame[weekly].cumsum(), rtol=1e-12, err_msg=cum)
    cost = (frame["marketing_spend"] + frame["sales_cost"]).cumsum()
    np.testing.assert_allclose(frame["cum_cost"], cost, rtol=1e-12)
    # Customers are the installed base plus won deals and self-serve purchases, minus churn.
    model = run[0]
    joined = frame["cum_wins"] + (frame["self_serve"] - frame["churned_customers"]).cumsum()
    np.testing.assert_array_equal(frame["customers"], model.customers.installed + joined)
    # revenue is recognised weekly from the contracts in force: ARR / 52
    np.testing.assert_allclose(frame["revenue"], frame["arr"] / WEEKS_PER_YEAR, rtol=1e-12)


def test_ratios_are_those_of_the_running_sums(run: Run) -> None:
    model, frame, _, _, _ = run
    cum = frame.cumsum()
    bought = frame["cum_wins"] + cum["self_serve"]  # won by sales or self-serve
    expected = {
        "cac": _ratio(frame["cum_cost"], bought),
        "cost_per_lead": _ratio(cum["marketing_spend"], frame["cum_mqls"]),
        "win_rate": _ratio(frame["cum_wins"], frame["cum_wins"] + cum["losses"]),
        "mql_to_sql": _ratio(frame["cum_sqls"], frame["cum_mqls"]),
        "lead_to_customer": _ratio(frame["cum_wins"], frame["cum_mqls"]),
        "avg_deal_size": _ratio(cum["new_arr"], bought),
    }
    for name, values in expected.items():
        np.testing.assert_allclose(frame[name], values, rtol=1e-12, err_msg=name)
    # Self-serve customers count in CAC: it differs from cost per sales win.
    last = frame.iloc[-1]
    assert last["cac"] < last["cum_cost"] / last["cum_wins"]
    # The rest are read from the book's side totals and this week's counters.
    book, row = model.kpis, weekly_row(model.firm)
    assert row["sales_cycle_weeks"] == book.cycle_weeks_total / book.total["wins"]
    assert row["response_hours"] == book.contact_hours_total / book.contacts
    assert row["engagement_rate"] == book.week["engagements"] / book.week["exposures"]
    assert 0 < row["engagement_rate"] < 1


def test_spend_columns_split_the_weekly_budget(run: Run) -> None:
    model, frame, _, _, _ = run
    spend = frame[_channels(model)]
    budget = model.params.marketing.annual_budget / WEEKS_PER_YEAR
    np.testing.assert_allclose(spend.sum(axis=1), frame["marketing_spend"], rtol=1e-12)
    np.testing.assert_allclose(frame["marketing_spend"], budget, rtol=1e-12)
    np.testing.assert_allclose(spend.sum(), model.kpis.cumulative_spend_by_channel, rtol=1e-12)
    reps = sum(model.params.sales.territories.values())
    cost = reps * model.params.sales.annual_cost_per_rep / WEEKS_PER_YEAR
    np.testing.assert_allclose(frame["sales_cost"], cost, rtol=1e-12)


def test_stock_columns_match_the_population(run: Run) -> None:
    model, frame, stocks, ever_aware, ever_trusting = run
    for column in ("open_opportunities", "queued_leads"):
        np.testing.assert_array_equal(frame[column], stocks[column], err_msg=column)
        assert frame[column].max() > 0, column  # not trivially 0
    np.testing.assert_allclose(frame["pipeline_value"], stocks["pipeline_value"], rtol=1e-12)
    # newly_* are flows: week 0's stock plus the weekly flows is the stock now.
    pop = model.population
    assert ever_aware + frame["newly_aware"].sum() == pop.ever_aware.sum()
    assert ever_trusting + frame["newly_trusting"].sum() == pop.ever_trusting.sum()
    assert frame["newly_aware"].sum() > 0 and frame["newly_trusting"].sum() > 0
