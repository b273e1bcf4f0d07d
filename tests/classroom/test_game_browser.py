"""The classroom game end to end: its server, in a real browser (Debian's chromium, headless,
driven by Playwright), on loopback only.

An instructor's console and three team pages play two rounds: each team submits from its page,
the console sees who submitted and closes the round, every page reloads with the new results
and the scoreboard. A team page cannot read or submit another team's decisions. The server is
then killed and restarted between rounds, and the game goes on exactly as if it had not been.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request

import pytest
from game_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    get_json,
    new_game,
    post_json,
    served,
)

from gtmsim.classroom.game.game import Game, dumps

UI_TIMEOUT_MS = 30_000
#: What each team decides in round 1 (a price no team starts with, so it can be searched for).
PLANS = {
    "team-1": {"price": "0.85", "crm_connected": True},
    "team-2": {"price": "1.35", "meeting_cadence": "weekly"},
    "team-3": {"price": "1.15", "marketing_goal": "revenue"},
}


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            "Debian's chromium is missing: scripts/test.sh installs it (apt-get install chromium)"
        )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def local_only(page, outside: list[str]) -> None:
    """Record any request that leaves 127.0.0.1."""
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(("http://127.0.0.1", "data:", "about:"))
            else outside.append(request.url)
        ),
    )


def fill_plan(page, plan: dict[str, object]) -> None:
    for name, value in plan.items():
        field = page.locator(f"[name={name}]")
        if value is True:
            field.check()
        elif isinstance(value, str) and name in ("meeting_cadence", "marketing_goal"):
            field.select_option(value)
        else:
            field.fill(str(value))


def test_an_instructor_and_three_teams_play_two_rounds(tmp_path, browser):
    game = new_game(tmp_path / "game")
    codes = game.store.codes()
    secret = game.store.meta("instructor_secret")
    outside: list[str] = []
    with served(tmp_path / "game", tmp_path) as (base, _):
        console = browser.new_page(viewport={"width": 1280, "height": 720})
        local_only(console, outside)
        console.goto(f"{base}/console/{secret}")
        teams = {}
        for team, code in codes.items():
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            local_only(page, outside)
            page.goto(f"{base}/")  # a student joins with the code from the start page
            page.fill("#code", code.lower())
            page.click("button[type=submit]")
            page.wait_for_selector("text=Your decisions for round 1", timeout=UI_TIMEOUT_MS)
            teams[team] = page

        # round 1: every team submits from its page; the console sees each submission
        for team, page in teams.items():
            fill_plan(page, PLANS[team])
            page.wait_for_function(
                "document.getElementById('cost-total').textContent !== '-'", timeout=UI_TIMEOUT_MS
            )
            page.click("#submit")
            page.wait_for_selector("#message .ok", timeout=UI_TIMEOUT_MS)
        for team in teams:
            console.wait_for_selector(
                f"#submitted-{team} .ok", timeout=UI_TIMEOUT_MS
            )  # the console's own refresh
        console.click("#close")
        for page in teams.values():  # each page reloads itself with the round's results
            page.wait_for_selector("text=Your decisions for round 2", timeout=UI_TIMEOUT_MS)
            assert page.locator("#history tr").count() == 10  # header + 9 KPIs
            assert page.locator("#scoreboard tr").count() == 1 + 4  # 3 teams + the computer
        assert Game(tmp_path / "game").current_decisions("team-2").price == 1.35

        # a team page cannot read another team's decisions ...
        page_1 = teams["team-1"]
        shown = page_1.inner_text("body") + " ".join(
            page_1.eval_on_selector_all("input, select", "fields => fields.map(f => f.value)")
        )
        assert "1.35" not in shown and "1.15" not in shown  # team-2's and team-3's prices
        assert "0.85" in shown  # its own
        # ... nor submit for it: a made-up code is refused, and the real code is the only key
        refused = page_1.evaluate(
            """async () => (await fetch('/api/team/NOTEAM/submit', {method: 'POST',
                 headers: {'Content-Type': 'application/json'}, body: '{"price": 2}'})).status"""
        )
        assert refused == 404
        status, _ = post_json(f"{base}/api/team/{codes['team-1']}/submit", {"team": "team-2"})
        assert status == 400  # 'team' is not a decision: nobody can name another team
        assert page_1.evaluate("fetch('/console/wrong').then(r => r.status)") == 403

        # round 2: one team changes its plan, the others keep theirs
        page_3 = teams["team-3"]
        fill_plan(page_3, {"reps": 2})
        page_3.click("#submit")
        page_3.wait_for_selector("#message .ok", timeout=UI_TIMEOUT_MS)
        console.wait_for_selector("#submitted-team-3 .ok", timeout=UI_TIMEOUT_MS)
        console.click("#close")
        for page in teams.values():
            page.wait_for_selector("text=Your decisions for round 3", timeout=UI_TIMEOUT_MS)
            assert page.locator("#history tr").first.locator("th").count() == 3  # rounds 1, 2
        console.wait_for_selector("text=Close round 3", timeout=UI_TIMEOUT_MS)
        assert console.locator("#scoreboard tr").count() == 5
        projector = browser.new_page(viewport={"width": 1920, "height": 1080})
        local_only(projector, outside)
        projector.goto(f"{base}/projector")
        assert projector.locator("img[src^='/chart/share.svg']").evaluate("i => i.naturalWidth") > 0
        assert "1.35" not in projector.inner_text("body")  # no decisions on the projector
    assert outside == []
    decisions = Game(tmp_path / "game").store.played()
    assert decisions[1]["team-3"].reps == 2 and decisions[1]["team-2"].price == 1.35


def test_a_killed_server_resumes_the_game_exactly(tmp_path):
    """Play round 1 through the server, kill it (SIGKILL) between rounds, restart it, play
    round 2: every result equals a game played the same way without the interruption."""
    game = new_game(tmp_path / "game", seed=9)
    codes, secret = game.store.codes(), game.store.meta("instructor_secret")
    with served(tmp_path / "game", tmp_path) as (base, process):
        assert post_json(f"{base}/api/team/{codes['team-1']}/submit", {"price": 0.8})[0] == 200
        assert post_json(f"{base}/api/console/{secret}/close", {})[0] == 200
        assert post_json(f"{base}/api/team/{codes['team-2']}/submit", {"reps": 1})[0] == 200
        os.kill(process.pid, signal.SIGKILL)  # between rounds, with a submission pending
        process.wait(timeout=10)
    with served(tmp_path / "game", tmp_path) as (base, _):
        state = get_json(f"{base}/api/state")
        assert (state["rounds_closed"], state["open_round"]) == (1, 2)
        status = get_json(f"{base}/api/console/{secret}")
        assert list(status["submitted"]) == ["team-2"]  # the pending submission survived
        assert post_json(f"{base}/api/console/{secret}/close", {})[0] == 200

    straight = new_game(tmp_path / "straight", seed=9)
    straight.submit("team-1", {"price": 0.8})
    straight.close_round()
    straight.submit("team-2", {"reps": 1})
    straight.close_round()
    resumed = Game(tmp_path / "game")
    assert {f: dumps(r) for f, r in resumed.rows().items()} == {
        f: dumps(r) for f, r in straight.rows().items()
    }
    assert json.dumps(resumed.scoreboard()) == json.dumps(straight.scoreboard())


def test_plan_costs_and_errors_come_from_the_server(tmp_path):
    game = new_game(tmp_path / "game")
    code = game.store.codes()["team-1"]
    with served(tmp_path / "game", tmp_path) as (base, _):
        start = time.monotonic()
        status, cost = post_json(f"{base}/api/team/{code}/cost", {"crm_connected": True})
        assert status == 200 and time.monotonic() - start < 30
        reps = game.start_decisions("team-1").reps
        assert cost["one_off"] == pytest.approx(game.setup.rules.crm_cost_per_rep * reps)
        assert cost["total"] == pytest.approx(
            sum(cost[k] for k in ("marketing", "sales_team", "one_off"))
        )
        status, error = post_json(f"{base}/api/team/{code}/submit", {"price": 9})
        assert status == 400 and "outside this game's range" in error["error"]
        for body in (b"not json", b"[1, 2]", b"\xff"):  # a broken request gets a 400, no trace
            request = urllib.request.Request(f"{base}/api/team/{code}/submit", data=body)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == 400
        assert game.submitted("team-1") is None
