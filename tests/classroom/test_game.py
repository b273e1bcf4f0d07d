"""The classroom tournament's game: rounds, decisions with costs and delays, the game file,
replay from the seed, undo, scores and export (the real model throughout, in a small market)."""

from __future__ import annotations

import csv
import sqlite3

import numpy as np
import pytest

from gtmsim.classroom.game.engine import GameEngine
from gtmsim.classroom.game.errors import DecisionsError, GameFileError, GameSetupError
from gtmsim.classroom.game.game import Game, dumps
from gtmsim.classroom.game.scores import parse_weights, scoreboard
from gtmsim.classroom.game.store import GAME_FILE
from gtmsim.model.parameters.base import WEEKS_PER_YEAR

#: A small market (each company scaled to it: 3 reps, a fifth of the budget) keeps a round of
#: four firms at a tenth of a second.
PROSPECTS = 4_000


def new_game(folder, **kwargs) -> Game:
    settings = dict(teams=3, computer_rivals=1, rounds=3, round_weeks=6, seed=11)
    settings.update(kwargs)
    return Game.new(folder, "duopoly", **{"prospects": PROSPECTS, **settings})


def test_a_game_is_played_round_by_round_and_teams_keep_their_last_decisions(tmp_path):
    game = new_game(tmp_path / "g")
    assert game.setup.teams == ("team-1", "team-2", "team-3")
    assert game.setup.computers == ("rival",)
    assert game.open_round == 1
    game.submit("team-1", {"price": 0.9, "reps": 5})
    game.submit("team-1", {"marketing_goal": "revenue"})  # a second submission adds to the first
    assert game.status()["submitted"].keys() == {"team-1"}
    assert game.close_round() == 1
    played = game.current_decisions("team-1")
    assert (played.price, played.reps, played.marketing_goal) == (0.9, 5, "revenue")
    assert game.current_decisions("team-2") == game.start_decisions("team-2")
    assert game.close_round() == 2  # nobody submitted: everyone keeps what they ran with
    assert game.current_decisions("team-1") == played
    rows = game.rows()
    assert all(len(r) == 12 for r in rows.values())  # two rounds of 6 weeks, every firm
    assert [row["week"] for row in rows["rival"]] == list(range(1, 13))
    game.close_round()
    assert game.open_round is None
    with pytest.raises(DecisionsError, match="game is over"):
        game.close_round()
    with pytest.raises(DecisionsError, match="game is over"):
        game.submit("team-2", {"price": 1.1})


def test_replaying_the_decisions_from_the_seed_reproduces_every_result(tmp_path):
    """The game's state is its decisions: a fresh process (a new Game on the file) replays
    them and checks the stored results digit for digit; undoing a round and playing it again
    with the same decisions gives the same results."""
    game = new_game(tmp_path / "g")
    game.submit("team-2", {"crm_connected": True, "cross_skilling": 0.5})
    game.close_round()
    events_only = {"ads": 0, "content": 0, "social": 0, "seo_sem": 0, "events": 1.0}
    game.submit("team-3", {"marketing_budget": 400_000, "channel_mix": events_only})
    game.close_round()
    stored = {firm: dumps(rows) for firm, rows in game.rows().items()}
    reopened = Game(tmp_path / "g")
    engine = reopened.engine()  # raises if the replay differs from the file
    assert {firm: dumps(f.rows) for firm, f in engine.firms.items()} == stored
    reopened.undo_round()
    assert reopened.rounds_closed == 1
    assert reopened.submitted("team-3") is not None  # the undone round's submission stays
    reopened.close_round()
    assert {firm: dumps(rows) for firm, rows in reopened.rows().items()} == stored


def test_the_same_decisions_on_another_seed_give_other_results(tmp_path):
    a = new_game(tmp_path / "a", seed=1)
    b = new_game(tmp_path / "b", seed=2)
    a.close_round()
    b.close_round()
    assert dumps(a.rows()["team-1"]) != dumps(b.rows()["team-1"])
    # every team starts alike, and with no decisions their books differ only by chance
    assert a.start_decisions("team-1") == a.start_decisions("team-3")


def test_a_connected_crm_is_paid_at_once_and_goes_live_after_its_project(tmp_path):
    game = new_game(tmp_path / "g", round_weeks=4)
    rules = game.setup.rules
    reps = game.start_decisions("team-1").reps
    game.submit("team-1", {"crm_connected": True})
    game.close_round()
    engine = game.engine()
    firm = engine.firms["team-1"]
    assert firm.organisation.params.handoff_delay_hours == rules.manual_delay_hours  # week 4
    rows = game.rows()
    # the project is booked as sales cost in the round's first week, and nothing else differs
    # between the teams' costs (same team, same budget)
    extra = rows["team-1"][0]["sales_cost"] - rows["team-2"][0]["sales_cost"]
    assert extra == pytest.approx(rules.crm_cost_per_rep * reps)
    assert rows["team-1"][1]["sales_cost"] == rows["team-2"][1]["sales_cost"]
    game.close_round()  # weeks 5-8: live from week 1 + crm_weeks = 9
    assert game.engine().firms["team-1"].organisation.params.handoff_delay_hours == (
        rules.manual_delay_hours
    )
    game.close_round()  # weeks 9-12
    params = game.engine().firms["team-1"].organisation.params
    assert (params.handoff_delay_hours, params.handoff_leakage) == (
        rules.connected_delay_hours,
        rules.connected_leakage,
    )


def test_hiring_posts_openings_paid_a_fee_and_filled_after_the_hiring_time(tmp_path):
    game = new_game(tmp_path / "g", round_weeks=13, rounds=2)
    start = game.start_decisions("team-1").reps
    game.submit("team-1", {"reps": start + 2})
    game.submit("team-2", {"reps": start - 1})
    game.close_round()
    engine = game.engine()
    sales = engine.setup.market.firms["team-1"].sales
    rows = game.rows()
    fee = 2 * game.setup.rules.hiring_fee_share * sales.annual_cost_per_rep
    severance = game.setup.rules.severance_weeks * sales.annual_cost_per_rep / WEEKS_PER_YEAR
    base = rows["team-3"][0]["sales_cost"]
    assert rows["team-1"][0]["sales_cost"] == pytest.approx(base + fee)
    # one rep fewer from week 1 (its pay saved), plus its severance
    assert rows["team-2"][0]["sales_cost"] == pytest.approx(
        base - sales.annual_cost_per_rep / WEEKS_PER_YEAR + severance
    )
    assert len(engine.firms["team-2"].reps) == start - 1
    # the two openings posted for week 1 are filled when backfill_weeks (12) have passed
    firm = engine.firms["team-1"]
    assert sales.backfill_weeks == 12
    assert sum(rep.hired_week == 13 for rep in firm.reps) >= 2
    assert all(opening_start > 13 for opening_start, _ in firm.team.openings)


def test_a_price_change_reprices_new_contracts_and_each_contract_at_its_renewal(tmp_path):
    """Game ``cut`` plays team-1 at price 0.8 from week 1; game ``list`` the same seed at list
    price. Every installed customer renews once in the first year with the same expansion draw
    in both games (counter-based renewal draws), so one kept in both pays 0.8 times as much."""
    # the market file's own size (20,000 prospects, 10 reps a firm): enough wins in a year
    cut = new_game(tmp_path / "cut", round_weeks=26, rounds=2, prospects=None)
    same = new_game(tmp_path / "list", round_weeks=26, rounds=2, prospects=None)
    cut.submit("team-1", {"price": 0.8})
    for game in (cut, same):
        game.close_round()
        game.close_round()
    firm = cut.engine().firms["team-1"]
    assert firm.price == 0.8
    assert list(firm.price_at(np.array([-10, 0, 1, 30]))) == [1.0, 1.0, 0.8, 0.8]
    pop, before = firm.population, same.engine().firms["team-1"].population
    new = pop.bought_week >= 1  # signed in the game, not renewed yet
    assert new.sum() >= 5
    assert (pop.arr[new] == pop.deal_value[new] * 0.8).all()
    kept = (pop.bought_week < 1) & (pop.arr > 0) & (before.arr > 0)
    assert kept.sum() >= 20
    np.testing.assert_allclose(pop.arr[kept], 0.8 * before.arr[kept], rtol=1e-12)


def test_cross_skilling_is_paid_when_decided_and_pays_off_after_training(tmp_path):
    game = new_game(tmp_path / "g", round_weeks=4)
    rules = game.setup.rules
    reps = game.start_decisions("team-1").reps
    game.submit("team-1", {"cross_skilling": 0.5})
    game.close_round()
    rows = game.rows()
    extra = rows["team-1"][0]["sales_cost"] - rows["team-2"][0]["sales_cost"]
    assert extra == pytest.approx(0.5 * reps * rules.training_cost_per_rep)
    assert game.engine().firms["team-1"].organisation.params.cross_skilling == 0
    game.close_round()  # live from week 1 + training_weeks = 7
    assert game.engine().firms["team-1"].organisation.params.cross_skilling == 0.5
    # lowering it is immediate and free
    game.submit("team-1", {"cross_skilling": 0.0})
    game.close_round()
    assert game.engine().firms["team-1"].organisation.params.cross_skilling == 0.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"budget": 1}, "unknown decision 'budget'"),
        ({"price": 5}, "outside this game's range 0.5 to 2"),
        ({"price": "cheap"}, "price = 'cheap'"),
        ({"reps": -1}, "reps = -1"),
        ({"reps": 1000}, "above this game's limit"),
        ({"marketing_budget": 1e12}, "above this game's limit"),
        ({"channel_mix": {"radio": 1}}, "'radio', which is not one of the firm's channels"),
        (
            {"channel_mix": dict.fromkeys(("ads", "content", "social", "seo_sem", "events"), 0)},
            "gives every channel 0",
        ),
        ({"meeting_cadence": "daily"}, "meeting_cadence = 'daily'"),
        ({"crm_connected": "yes"}, "crm_connected = 'yes'"),
    ],
)
def test_bad_decisions_are_refused_with_the_key_and_what_is_allowed(tmp_path, changes, message):
    game = new_game(tmp_path / "g")
    with pytest.raises(DecisionsError, match=message.replace("(", r"\(")):
        game.submit("team-1", changes, source="plan.toml")
    assert game.submitted("team-1") is None


def test_teams_and_folders_are_checked(tmp_path):
    game = new_game(tmp_path / "g")
    with pytest.raises(DecisionsError, match=r"no team 'team-9'.*team-1, team-2, team-3"):
        game.submit("team-9", {"price": 1})
    with pytest.raises(DecisionsError, match="is not valid TOML"):
        (tmp_path / "bad.toml").write_text("price = = 1")
        game.submit_file("team-1", tmp_path / "bad.toml")
    with pytest.raises(GameFileError, match="already holds a game"):
        new_game(tmp_path / "g")
    with pytest.raises(GameFileError, match="holds no game"):
        Game(tmp_path / "elsewhere")
    with pytest.raises(GameSetupError, match="at most 8"):
        new_game(tmp_path / "h", teams=7, computer_rivals=2)
    with pytest.raises(GameSetupError, match="team name 'Red Team'"):
        new_game(tmp_path / "i", teams=["Red Team"])
    assert not (tmp_path / "h").exists() and not (tmp_path / "i").exists()
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / GAME_FILE).write_text("not a database")
    with pytest.raises(GameFileError, match="not a gtmsim game file"):
        Game(tmp_path / "junk")


def test_a_changed_game_file_is_detected_on_replay(tmp_path):
    game = new_game(tmp_path / "g")
    game.close_round()
    with sqlite3.connect(tmp_path / "g" / GAME_FILE) as db:
        db.execute("UPDATE weeks SET kpis = replace(kpis, '\"week\": 3', '\"week\": 3.0')")
    with pytest.raises(GameFileError, match="does not give the stored results"):
        Game(tmp_path / "g").engine()


def test_scores_weigh_results_scaled_across_firms():
    rows = {
        "a": [{"arr": 100, "market_share_arr": 60, "market_share_customers": 50,
               "cum_revenue": 10, "cum_cost": 4, "nrr": float("nan"), "cac_payback_months": 10}],
        "b": [{"arr": 100, "market_share_arr": 40, "market_share_customers": 50,
               "cum_revenue": 10, "cum_cost": 2, "nrr": float("nan"), "cac_payback_months": 20}],
    }  # fmt: skip
    board = scoreboard(rows, {"arr_share": 3, "profit": 1, "nrr": 5})
    # a: share best (100) and profit worst (0) -> 75; b: 0 and 100 -> 25; NRR unknown: left out
    assert [(r["firm"], r["score"]) for r in board] == [("a", 75.0), ("b", 25.0)]
    assert scoreboard(rows, {"cac_payback": 1})[0]["firm"] == "a"  # lower payback is better
    assert parse_weights("arr_share=40, profit=30") == {"arr_share": 40.0, "profit": 30.0}
    for bad in ("arr=1", "profit=-1", "profit=0", "profit"):
        with pytest.raises(ValueError, match="--weights"):
            parse_weights(bad)


def test_export_writes_decisions_results_and_scoreboards_inside_the_game_folder(tmp_path):
    game = new_game(tmp_path / "g")
    game.submit("team-1", {"price": 1.2})
    game.close_round()
    game.close_round()
    game.set_weights({"customer_share": 1})
    paths = game.export()
    assert all(p.parent == tmp_path / "g" / "export" for p in paths)
    with (tmp_path / "g" / "export" / "decisions.csv").open() as handle:
        decisions = list(csv.DictReader(handle))
    assert len(decisions) == 2 * 3 and decisions[0]["price"] == "1.2"
    with (tmp_path / "g" / "export" / "results.csv").open() as handle:
        results = list(csv.DictReader(handle))
    assert len(results) == 12 * 4
    with (tmp_path / "g" / "export" / "scoreboard.csv").open() as handle:
        board = list(csv.DictReader(handle))
    assert [row["round"] for row in board] == ["1"] * 4 + ["2"] * 4
    best = max(board[4:], key=lambda row: float(row["customer_share"]))
    assert best["rank"] == "1"  # the weights the instructor set are used


def test_the_engine_alone_runs_a_round_of_eight_firms(tmp_path):
    game = new_game(tmp_path / "g", teams=6, computer_rivals=2)
    engine = GameEngine(game.setup)
    rows = engine.play_round({})
    assert len(rows) == 8 and game.setup.computers == ("rival", "rival-2")
    shares = sum(r[-1]["market_share_customers"] for r in rows.values())
    assert shares == pytest.approx(100.0)


# --- what a review found -------------------------------------------------------------------


def test_a_game_changed_by_another_process_is_replayed_again(tmp_path):
    """The server's Game keeps its market in memory; `gtmsim game undo-round` and a new close
    from the command line change the file behind it. The next close must replay, not go on
    from the stale market (the file's revision moves with every close and undo)."""
    server = new_game(tmp_path / "g")
    server.close_round()
    server.close_round()
    cli = Game(tmp_path / "g")
    cli.undo_round()
    cli.submit("team-1", {"price": 0.6})
    cli.close_round()
    server.close_round()  # round 3, by the server
    assert Game(tmp_path / "g").engine().firms["team-1"].price == 0.6  # replays and checks
    with pytest.raises(GameFileError, match="cannot be recorded"):
        stale = Game(tmp_path / "g")
        stale.store.close_round(2, {}, {})  # a close that lost the race is refused, not a 500


def test_a_mix_typed_as_percents_is_the_same_mix(tmp_path):
    """A team page sends what it shows (percents); that is no change of the mix: the results
    equal a game where the mix was never sent, and the debrief does not list it."""
    from gtmsim.classroom.game.debrief import changed_practices

    percents = {"ads": 30, "content": 20, "social": 15, "seo_sem": 20, "events": 15}
    a, b = new_game(tmp_path / "a"), new_game(tmp_path / "b")
    a.submit("team-1", {"price": 0.9})
    b.submit("team-1", {"price": 0.9, "channel_mix": percents})
    a.close_round()
    b.close_round()
    assert dumps(a.rows()["team-1"]) == dumps(b.rows()["team-1"])
    start = b.start_decisions("team-1")
    assert changed_practices(b.store.played(), "team-1", start) == ["price"]
    assert b.current_decisions("team-1").channel_mix == pytest.approx(start.channel_mix)


def test_more_cross_skilling_during_a_training_keeps_the_training_under_way(tmp_path):
    game = new_game(tmp_path / "g", round_weeks=4, rounds=3)
    reps, cost = game.start_decisions("team-1").reps, game.setup.rules.training_cost_per_rep
    game.submit("team-1", {"cross_skilling": 0.5})  # week 1: ready in week 7
    game.close_round()
    game.submit("team-1", {"cross_skilling": 0.6})  # week 5: the extra 0.1 ready in week 11
    game.close_round()  # weeks 5-8
    assert game.engine().firms["team-1"].organisation.params.cross_skilling == 0.5
    game.close_round()  # weeks 9-12
    assert game.engine().firms["team-1"].organisation.params.cross_skilling == 0.6
    rows = game.rows()
    extra = rows["team-1"][4]["sales_cost"] - rows["team-2"][4]["sales_cost"]
    assert extra == pytest.approx(0.1 * reps * cost)  # only the increment is paid


def test_work_handed_back_by_reps_let_go_is_booked_in_a_week(tmp_path):
    game = new_game(tmp_path / "g", round_weeks=8, rounds=2)
    game.close_round()
    game.submit("team-1", {"reps": 0})
    game.close_round()
    firm = game.engine().firms["team-1"]
    assert firm.reps == []
    for key in ("sqls_dropped", "deals_dropped"):
        assert sum(row[key] for row in firm.rows) == firm.kpis.total[key]


def test_asking_for_more_reps_never_lays_one_off(tmp_path):
    game = new_game(tmp_path / "g")
    engine = game.engine()
    engine.territory_weights["team-1"] = {"smb": 1, "mid_market": 3, "enterprise": 3}
    now = {s: len(r) for s, r in engine.firms["team-1"].reps_by_segment.items()}
    for total in range(sum(now.values()), sum(now.values()) + 6):
        spread = engine.spread("team-1", total)
        assert sum(spread.values()) == total
        assert all(spread[s] >= now.get(s, 0) for s in spread)


def test_a_teams_levers_are_its_own_decisions(tmp_path):
    """A source scenario's scheduled budget cut is not imposed on the teams."""
    game = Game.new(tmp_path / "g", "budget-cut", teams=2, computer_rivals=0, prospects=2_000)
    assert game.setup.market.firms["team-1"].marketing.budget_cut_week is None
    with pytest.raises(DecisionsError, match="reps = True"):
        game.submit("team-1", {"reps": True})


def test_exports_written_at_once_do_not_collide(tmp_path):
    import threading

    game = new_game(tmp_path / "g")
    game.close_round()
    failures: list[BaseException] = []

    def export() -> None:
        try:
            Game(tmp_path / "g").export()
        except BaseException as err:
            failures.append(err)

    threads = [threading.Thread(target=export) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(p.name for p in (tmp_path / "g" / "export").iterdir()) == [
        "decisions.csv",
        "results.csv",
        "scoreboard.csv",
    ]


def test_a_partial_channel_mix_is_refused_and_a_typo_gets_a_suggestion(tmp_path):
    """Found by trying the CLI as a teacher: {ads = 1} silently set every other channel to 0."""
    game = new_game(tmp_path / "g")
    with pytest.raises(DecisionsError, match="names ads but not content, social, seo_sem, events"):
        game.submit("team-1", {"channel_mix": {"ads": 1}})
    with pytest.raises(DecisionsError, match="Did you mean 'price'"):
        game.submit("team-1", {"prcie": 0.9})
    with pytest.raises(DecisionsError, match=r"price = '0\.9'"):
        game.submit("team-1", {"price": "0.9"})  # a quoted number is text, as reps = 12.5 is
    with pytest.raises(ValueError, match="given twice"):
        parse_weights("arr_share=40,arr_share=60")


@pytest.mark.parametrize("change", [0, -1, -3, +1])
def test_the_plan_cost_foretells_the_one_off_fees_the_engine_charges(tmp_path, change):
    """After a hire whose openings are not yet filled (they fill in week 13; rounds of 4
    weeks), the plan's one-off cost of a new headcount equals what the engine charges when it
    is decided: a cut withdraws unfilled openings first, with no severance (the plan used to
    charge severance for every rep fewer)."""
    game = new_game(tmp_path / "g", round_weeks=4, rounds=3)
    start = game.start_decisions("team-1").reps
    game.submit("team-1", {"reps": start + 2})
    game.close_round()
    plan = game.parse("team-1", {"reps": start + change}, source="test")
    one_off = game.plan_cost("team-1", plan)["one_off"]
    engine = game.engine()
    firm = engine.firms["team-1"]
    charged_before = firm.charges
    engine.decide("team-1", plan, engine.week + 1)
    assert one_off == pytest.approx(firm.charges - charged_before)
    if change == 0:  # back to the start: the two openings are withdrawn, nobody is let go
        assert one_off == 0.0
