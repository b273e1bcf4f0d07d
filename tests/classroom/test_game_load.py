"""A class at once, on loopback: 30 team pages (six teams of five students) open in Debian's
chromium, all submit, the instructor closes the round, and every page must show the new
results within 10 s of the close. The market is a full-size game (the duopoly file's 20,000
prospects, six teams and two computer rivals, a quarter a round). The server's memory is
printed (and recorded in docs/performance.md)."""

from __future__ import annotations

import os
import time

import pytest
from game_server import CHROMIUM, CHROMIUM_ARGS, new_game, post_json, rss_mb, served

PAGES_PER_TEAM = 5
#: Each student's page is in front on their own computer: stop chromium from slowing the
#: timers of the 29 pages it considers in the background (the pages' polling).
FOREGROUND = [
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
#: The acceptance bound: every page shows the new round within this many seconds of the close.
SHOW_WITHIN_S = 10.0


@pytest.mark.load
def test_thirty_team_pages_see_a_closed_round_within_ten_seconds(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: scripts/test.sh installs it")
    game = new_game(tmp_path / "game", teams=6, computer_rivals=2, round_weeks=13, prospects=None)
    codes, secret = game.store.codes(), game.store.meta("instructor_secret")
    with served(tmp_path / "game", tmp_path) as (base, process), sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FOREGROUND)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        pages = []
        for team, code in codes.items():
            for _ in range(PAGES_PER_TEAM):
                page = context.new_page()
                page.goto(f"{base}/team/{code}")
                pages.append((team, page))
        for _team, page in pages:  # every student presses submit (the last one counts)
            page.fill("[name=price]", "0.95")
            page.click("#submit")
        for _, page in pages:
            page.wait_for_selector("#message .ok", timeout=60_000)
        status, _ = post_json(f"{base}/api/console/{secret}/close", {})
        assert status == 200
        closed = time.time()
        loaded = []  # when each page finished loading the new round (epoch seconds)
        for _, page in pages:
            page.wait_for_selector("text=Your decisions for round 2", timeout=60_000)
            page.wait_for_function(
                "[...document.images].every(i => i.complete && i.naturalWidth > 0)",
                timeout=60_000,
            )
            loaded.append(
                page.evaluate(
                    "performance.timeOrigin"
                    " + performance.getEntriesByType('navigation')[0].loadEventEnd"
                )
                / 1000
            )
        shown_after = max(loaded) - closed
        now, peak = rss_mb(process.pid)
        browser.close()
    print(
        f"\n30 team pages: all showed round 1's results {shown_after:.1f} s after the close; "
        f"server memory {now:.0f} MiB now, {peak:.0f} MiB at peak"
    )
    assert shown_after <= SHOW_WITHIN_S
    assert all(d.price == 0.95 for d in game.store.played()[0].values())
