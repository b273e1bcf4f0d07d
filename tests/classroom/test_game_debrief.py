"""The debrief: counterfactual replays of the game with one practice of one team undone."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from game_server import new_game

from gtmsim.classroom.game.debrief import (
    World,
    changed_practices,
    class_ranking,
    debrief,
    play_world,
    without,
    write_debrief,
)
from gtmsim.cli import main


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """A game of 3 teams and a computer over 3 rounds: team-1 connects its CRM and later cuts
    its price, team-2 meets weekly, team-3 changes nothing."""
    game = new_game(tmp_path_factory.mktemp("debrief") / "g")
    game.submit("team-1", {"crm_connected": True})
    game.submit("team-2", {"meeting_cadence": "weekly"})
    game.close_round()
    game.submit("team-1", {"price": 0.9})
    game.close_round()
    game.close_round()
    return game


def test_the_practices_each_team_changed_are_found(played):
    history = played.store.played()
    start = played.start_decisions("team-1")
    assert changed_practices(history, "team-1", start) == ["price", "connected CRM"]
    assert changed_practices(history, "team-2", start) == ["joint meetings"]
    assert changed_practices(history, "team-3", start) == []
    undone = without(history, "team-1", "price", start)
    assert [r["team-1"].price for r in undone] == [1.0, 1.0, 1.0]
    assert all(r["team-1"].crm_connected for r in undone)  # the other practice stays
    assert [r["team-2"] for r in undone] == [r["team-2"] for r in history]


def test_a_counterfactual_is_the_game_played_without_that_choice(played, tmp_path):
    """Undoing team-1's price cut gives exactly the game in which team-1 never cut it."""
    history = played.store.played()
    start = played.start_decisions("team-1")
    weights = played.weights()
    undone = play_world(World(played.setup, without(history, "team-1", "price", start), 5, weights))
    other = new_game(tmp_path / "other")  # the same game, team-1 never touching its price
    other.submit("team-1", {"crm_connected": True})
    other.submit("team-2", {"meeting_cadence": "weekly"})
    other.close_round()
    other.close_round()
    other.close_round()
    assert json.dumps(undone) == json.dumps({r["firm"]: r for r in other.scoreboard()})


def test_the_debrief_measures_each_change_on_the_game_and_further_seeds(played):
    debriefs = debrief(played, seeds=3)
    by_team = {d.team: d for d in debriefs}
    board = {row["firm"]: row for row in played.scoreboard()}
    assert by_team["team-1"].score == board["team-1"]["score"]
    assert {e.practice for e in by_team["team-1"].effects} == {"price", "connected CRM"}
    assert by_team["team-3"].effects == [] and len(by_team["team-3"].luck_scores) == 2
    price = next(e for e in by_team["team-1"].effects if e.practice == "price")
    undone = play_world(
        World(
            played.setup,
            without(played.store.played(), "team-1", "price", played.start_decisions("team-1")),
            played.setup.seed,
            played.weights(),
        )
    )
    # in the game: the class's result minus the counterfactual on the game's own seed
    assert (
        price.in_game["arr_share"] == board["team-1"]["arr_share"] - undone["team-1"]["arr_share"]
    )
    assert price.half_width["score"] > 0  # three seeds: an interval
    ranking = class_ranking(debriefs)
    assert {row["practice"] for row in ranking} == {"price", "connected CRM", "joint meetings"}
    assert [abs(r["mean"]) for r in ranking] == sorted(
        (abs(r["mean"]) for r in ranking), reverse=True
    )
    paths = write_debrief(played, debriefs, 3)
    assert {p.name for p in paths} == {
        "team-1.html",
        "team-2.html",
        "team-3.html",
        "index.html",
        "effects.csv",
    }
    assert all(p.parent == played.folder / "debrief" for p in paths)
    assert "connected CRM" in (played.folder / "debrief" / "team-1.html").read_text()


def test_debrief_from_the_command_line(tmp_path):
    game = new_game(tmp_path / "g", rounds=1)
    game.submit("team-1", {"reps": 5})
    game.close_round()
    result = CliRunner().invoke(
        main, ["game", "debrief", str(tmp_path / "g"), "--seeds", "3", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g" / "debrief" / "index.html").is_file()
    new_game(tmp_path / "e")
    refused = CliRunner().invoke(main, ["game", "debrief", str(tmp_path / "e")])
    assert refused.exit_code == 2 and "nothing to debrief" in refused.output
