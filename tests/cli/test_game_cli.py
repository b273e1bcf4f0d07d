"""`gtmsim game`: every instructor and team action from the command line, and the one-paragraph
errors for what a user can get wrong."""

from __future__ import annotations

import csv
import io
import tomllib

import pytest
from click.testing import CliRunner

from gtmsim.cli import main


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_game_from_the_command_line(tmp_path):
    folder = tmp_path / "class-a"
    made = invoke(
        "game", "new", "duopoly", "--dir", folder, "--teams", "red,blue", "--computer-rivals",
        "1", "--rounds", "2", "--round-weeks", "5", "--seed", "3", "--prospects", "3000",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "team red" in made.output and "instructor secret" in made.output
    shown = invoke("game", "decisions", folder, "--team", "red")
    assert shown.exit_code == 0
    plan = tomllib.loads(shown.output)  # the printed plan is a valid decisions file
    assert plan["price"] == 1 and plan["crm_connected"] is False
    edited = shown.output.replace("price = 1.0\n", "price = 0.85\n")
    (tmp_path / "plan.toml").write_text(edited)
    sent = invoke("game", "submit", folder, "--team", "red", "--decisions", tmp_path / "plan.toml")
    assert sent.exit_code == 0 and "price 0.85" in sent.output
    status = invoke("game", "status", folder)
    assert "Round 1 of 2 is open" in status.output and "not yet" in status.output
    closed = invoke("game", "close-round", folder)
    assert closed.exit_code == 0 and "Round 1 of 2 closed (blue kept" in closed.output
    board = invoke("game", "scoreboard", folder, "--csv", "--weights", "customer_share=1")
    rows = list(csv.DictReader(io.StringIO(board.output)))
    assert {row["firm"] for row in rows} == {"red", "blue", "rival"}
    assert float(rows[0]["customer_share"]) == max(float(r["customer_share"]) for r in rows)
    assert invoke("game", "undo-round", folder).output.startswith("Round 1 undone")
    assert invoke("game", "close-round", folder).exit_code == 0
    replayed = " ".join(invoke("game", "replay", folder).output.split())
    assert "Replayed 1 round from seed 3" in replayed and "identical to the stored" in replayed
    assert invoke("game", "close-round", folder).exit_code == 0
    assert "The game is over" in invoke("game", "status", folder).output
    exported = invoke("game", "export", folder)
    assert exported.exit_code == 0 and (folder / "export" / "results.csv").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "duopoly", "--dir", "{g}", "--teams", "7"], "at most 8"),
        (["new", "nowhere", "--dir", "{tmp}/new"], "nowhere"),
        (["new", "duopoly", "--dir", "{g}"], "already holds a game"),
        (["status", "{tmp}/none"], "holds no game"),
        (["submit", "{g}", "--team", "green", "--decisions", "{tmp}/p.toml"], "no team 'green'"),
        (["submit", "{g}", "--team", "red", "--decisions", "{tmp}/missing.toml"], "no such"),
        (["submit", "{g}", "--team", "red", "--decisions", "{tmp}/p.toml"], "unknown decision"),
        (["scoreboard", "{g}", "--weights", "luck=1"], "Known keys"),
        (["undo-round", "{g}"], "nothing to undo"),
        (["debrief", "{g}"], "nothing to debrief"),
    ],
)
def test_mistakes_get_one_paragraph_and_status_2(tmp_path, args, message):
    game = tmp_path / "g"
    assert invoke("game", "new", "duopoly", "--dir", game, "--teams", "red,blue",
                  "--prospects", "1000").exit_code == 0  # fmt: skip
    (tmp_path / "p.toml").write_text("discount = 0.1\n")
    result = invoke("game", *(a.format(g=game, tmp=tmp_path) for a in args))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and message in " ".join(result.output.split())


def test_serving_on_a_port_in_use_is_refused_in_one_paragraph(tmp_path):
    import socket

    assert (
        invoke("game", "new", "duopoly", "--dir", tmp_path / "g", "--prospects", "1000").exit_code
        == 0
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("game", "serve", tmp_path / "g", "--port", str(port))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"cannot serve on 127.0.0.1:{port}" in " ".join(result.output.split())


def test_outputs_read_well_at_80_columns(tmp_path):
    folder = tmp_path / "g"
    made = invoke("game", "new", "duopoly", "--dir", folder, "--teams", "2", "--computer-rivals",
                  "1", "--rounds", "1", "--prospects", "1000")  # fmt: skip
    assert "2 teams and 1 computer rival (rival)" in " ".join(made.output.split())
    empty = invoke("game", "scoreboard", folder, "--csv")
    assert empty.output.splitlines() == [
        "rank,firm,computer,score,arr_share,customer_share,arr_growth,profit,nrr,cac_payback"
    ]
    assert "0 weeks played" in invoke("game", "status", folder).output
    assert "nothing to replay" in invoke("game", "replay", folder).output
    invoke("game", "close-round", folder)
    board = invoke("game", "scoreboard", folder).output
    assert "rival*" in board and "(cpu)" not in board
    assert all(len(line) <= 80 for line in board.splitlines())
    assert "\u2026" not in board  # no heading cut short with an ellipsis
    assert "The game is over" in invoke("game", "decisions", folder, "--team", "team-1").output
