"""Screenshots of the classroom game's pages for docs/game/ (team page, console, projector at
1280x720 and 1920x1080), taken in Debian's chromium from a game played three rounds.

Usage::

    .venv/bin/python scripts/game_screenshots.py [--out docs/game]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "classroom"))

from game_server import CHROMIUM, CHROMIUM_ARGS, new_game, served  # noqa: E402

#: Three rounds of a class: each team tries something different.
ROUNDS = [
    {
        "team-1": {"crm_connected": True, "marketing_goal": "revenue"},
        "team-2": {"price": 0.85},
        "team-3": {"marketing_budget": 1_500_000},
        "team-4": {"meeting_cadence": "weekly", "lead_definition_agreed": True},
    },
    {"team-1": {"cross_skilling": 0.5}, "team-2": {"reps": 13}, "team-5": {"price": 1.2}},
    {"team-3": {"channel_mix": {"ads": 0, "content": 2, "social": 0, "seo_sem": 2, "events": 1}}},
]
SIZES = ((1280, 720), (1920, 1080))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "game")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        game = new_game(
            home / "game", teams=6, computer_rivals=2, rounds=8, round_weeks=13, prospects=None
        )
        for decisions in ROUNDS:
            for team, changes in decisions.items():
                game.submit(team, changes)
            game.close_round()
        game.submit("team-1", {"reps": 12})
        game.submit("team-4", {"price": 0.95})
        code, secret = game.store.codes()["team-1"], game.store.meta("instructor_secret")
        with served(home / "game", home) as (base, _), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for width, height in SIZES:
                page = browser.new_page(viewport={"width": width, "height": height})
                for name, url in (
                    ("team", f"/team/{code}"),
                    ("console", f"/console/{secret}"),
                    ("projector", "/projector"),
                ):
                    page.goto(base + url)
                    page.wait_for_function(
                        "[...document.images].every(i => i.complete && i.naturalWidth > 0)"
                    )
                    page.wait_for_timeout(1500)  # the plan's cost and the console's refresh
                    path = out / f"{name}-{width}x{height}.png"
                    page.screenshot(path=path)
                    print(f"wrote {path}")
            browser.close()


if __name__ == "__main__":
    main()
