"""The game's pages, served on the classroom's network: a team page per team (by its join
code), the instructor's console (by its secret) and a projector view.

The pages are HTML rendered on the server (Jinja2 templates in ``templates/``) with a little
JavaScript: forms send JSON to the API below, and every page asks ``/api/state`` every two
seconds whether a round has closed, and reloads when one has. Charts are SVG drawn with
matplotlib once per round. Nothing is fetched from the internet.

Who sees what: a team page shows that team's decisions, costs and results, and of the rivals
only what a firm can know in life (market shares, share of voice, the scoreboard); the team's
code is its key, and every team request is checked against it. The console needs the
instructor's secret. The projector shows market shares and scores, no decisions.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from gtmsim.classroom.game import charts
from gtmsim.classroom.game.errors import GAME_ERRORS
from gtmsim.classroom.game.game import EXPORTS, Game, csv_text
from gtmsim.classroom.game.rules import Decisions
from gtmsim.classroom.game.scores import MEASURES, parse_weights, scoreboard

#: Seconds between a page's checks for a closed round.
POLL_SECONDS = 1.0
#: The KPIs a team sees for each round (key, label, how to show it).
TEAM_KPIS = (
    ("arr", "ARR", "money"),
    ("customers", "customers", "count"),
    ("market_share_arr", "ARR share %", "pct"),
    ("market_share_customers", "customer share %", "pct"),
    ("new_arr_round", "new ARR in the round", "money"),
    ("profit", "profit so far", "money"),
    ("mqls_round", "MQLs in the round", "count"),
    ("win_rate", "win rate", "ratio"),
    ("cac_payback_months", "CAC payback (months)", "one"),
)
#: What a firm can know of its rivals in life: outcomes, never their decisions.
PUBLIC_KPIS = (
    ("market_share_arr", "ARR share %"),
    ("market_share_customers", "customer share %"),
    ("share_of_voice", "share of voice %"),
)


def shown(value: float, how: str = "one") -> str:
    """A number as a page shows it (a dash when undefined)."""
    if value is None or not math.isfinite(value):
        return "-"
    if how == "money":
        for size, suffix in ((1e6, "M"), (1e3, "k")):
            if abs(value) >= size:
                return f"{value / size:.3g}{suffix}"
        return f"{value:.0f}"
    if how == "count":
        return f"{value:,.0f}"
    if how == "pct":
        return f"{value:.1f}"
    if how == "ratio":
        return f"{100 * value:.0f}%"
    return f"{value:.1f}"


class GamePages:
    """The served game: one :class:`Game` (its actions serialised by its lock) and the charts
    of the current round, drawn once."""

    def __init__(self, folder: Path) -> None:
        self.game = Game(folder)
        self.game.engine()  # replay the closed rounds now (and check them), not on a click
        self.secret = self.game.store.meta("instructor_secret")  # never changes
        self.templates = Environment(
            loader=PackageLoader("gtmsim.classroom.game", "templates"),
            autoescape=select_autoescape(),
        )
        self.templates.filters["shown"] = shown
        self._charts: dict[tuple, str] = {}
        self._charts_lock = threading.Lock()
        self._views: dict[tuple, dict[str, Any]] = {}

    # --- helpers ------------------------------------------------------------------------------

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(template).render(
            poll_seconds=POLL_SECONDS, state=self.state(), **context
        )
        return HTMLResponse(html, status_code=status)

    def state(self) -> dict[str, Any]:
        game = self.game
        return {
            "rounds": game.setup.rounds,
            "rounds_closed": game.rounds_closed,
            "open_round": game.open_round,
            "round_weeks": game.setup.round_weeks,
        }

    def chart(self, view: dict[str, Any], key: tuple, draw) -> Response:
        """A chart of ``view`` (drawn once per view and key)."""
        full_key = (view["key"], *key)
        with self._charts_lock:
            if full_key not in self._charts:
                if len(self._charts) > 200:
                    self._charts.clear()
                self._charts[full_key] = draw()
            text = self._charts[full_key]
        return Response(text, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    def team_of(self, request: Request) -> str | None:
        return self.game.team_of_code(request.path_params["code"])

    def is_instructor(self, request: Request) -> bool:
        wanted = request.path_params["secret"].encode()
        return secrets.compare_digest(wanted, self.secret.encode())

    def no_team(self) -> HTMLResponse:
        return self.page(
            "message.html",
            status=404,
            title="Unknown team code",
            message="No team has this code. Check the code your instructor gave your team, "
            "then join again from the start page.",
        )

    def view(self) -> dict[str, Any]:
        """What every page shows of the game as played now, read from the game file once per
        revision (a close or an undo, here or by another process) and set of weights: each
        firm's rows, its round ends, the scoreboard, and ``key``, which names all of it."""
        while True:
            revision = self.game.store.revision()
            weights = self.game.weights()
            key = (revision, json.dumps(weights, sort_keys=True))
            with self._charts_lock:
                found = self._views.get(key)
            if found is not None:
                return found
            rows = self.game.rows()
            board = scoreboard(rows, weights) if any(rows.values()) else []
            if self.game.store.revision() != revision:
                continue  # a round closed or was undone while reading: read again
            found = {"key": key, "rows": rows, "ends": self.round_ends(rows), "board": board}
            found["weights"] = weights
            with self._charts_lock:
                self._views = {key: found}
            return found

    def round_ends(self, all_rows) -> dict[str, list[dict[str, float]]]:
        """Each firm's KPIs at the end of each closed round, with the round's own totals."""
        weeks = self.game.setup.round_weeks
        ends: dict[str, list[dict[str, float]]] = {}
        for firm, rows in all_rows.items():
            ends[firm] = []
            for k in range(len(rows) // weeks):
                inside = rows[k * weeks : (k + 1) * weeks]
                end = dict(inside[-1])
                end["round"] = k + 1
                end["new_arr_round"] = sum(r["new_arr"] for r in inside)
                end["mqls_round"] = sum(r["mqls"] for r in inside)
                end["profit"] = end["cum_revenue"] - end["cum_cost"]
                ends[firm].append(end)
        return ends

    # --- public pages -------------------------------------------------------------------------

    async def home(self, request: Request) -> HTMLResponse:
        return self.page("home.html", title="Join the game")

    async def api_state(self, request: Request) -> JSONResponse:
        return JSONResponse(self.state())

    def projector(self, request: Request) -> HTMLResponse:
        return self.page(
            "projector.html", title="Market", board=self.board(), computers=self.computers
        )

    @property
    def computers(self) -> tuple[str, ...]:
        return self.game.setup.computers

    def board(self) -> list[dict[str, Any]]:
        return self.view()["board"]

    def share_svg(self, request: Request) -> Response:
        view = self.view()
        return self.chart(
            view, ("share",), lambda: charts.share_chart(view["rows"], self.computers)
        )

    def scores_svg(self, request: Request) -> Response:
        view = self.view()

        def draw() -> str:
            weeks = self.game.setup.round_weeks
            rows = view["rows"]
            scores: dict[str, list[float]] = {f: [] for f in rows}
            for r in range(1, len(next(iter(rows.values()))) // weeks + 1):
                upto = {firm: firm_rows[: r * weeks] for firm, firm_rows in rows.items()}
                for row in scoreboard(upto, view["weights"]):
                    scores[row["firm"]].append(row["score"])
            return charts.score_chart(scores, self.computers)

        return self.chart(view, ("scores",), draw)

    # --- a team's pages -----------------------------------------------------------------------

    def team_page(self, request: Request) -> HTMLResponse:
        team = self.team_of(request)
        if team is None:
            return self.no_team()
        game = self.game
        submitted = game.submitted(team)
        decisions = submitted or game.current_decisions(team)
        when = None
        if submitted is not None and game.open_round is not None:
            when = game.store.submissions(game.open_round)[team][1]
        ends = self.view()["ends"]
        public = [
            {"firm": firm, **{key: rows[-1][key] for key, _ in PUBLIC_KPIS}}
            for firm, rows in ends.items()
            if rows
        ]
        return self.page(
            "team.html",
            title=f"Team {team}",
            team=team,
            code=request.path_params["code"],
            decisions=decisions,
            fields=Decisions.model_fields,
            channels=list(game.start_decisions(team).channel_mix),
            rules=game.setup.rules,
            start=game.start_decisions(team),
            submitted_at=when,
            history=ends[team],
            team_kpis=TEAM_KPIS,
            public=public,
            public_kpis=PUBLIC_KPIS,
            board=self.board(),
            computers=self.computers,
        )

    async def team_action(self, request: Request, action) -> JSONResponse:
        """Run ``action(team, changes)`` for the team of the request's code with its JSON
        object (404 for an unknown code, 400 for a body that is not a JSON object)."""
        team = self.team_of(request)
        if team is None:
            return JSONResponse({"error": "unknown team code"}, status_code=404)
        changes = await json_object(request)
        if changes is None:
            return JSONResponse({"error": "send the decisions as a JSON object"}, 400)
        return await self.in_thread(lambda: action(team, changes))

    async def team_submit(self, request: Request) -> JSONResponse:
        return await self.team_action(request, self._submit)

    def _submit(self, team: str, changes: dict[str, Any]) -> JSONResponse:
        decisions, round_, at = self.game.record(team, changes, source="your plan")
        return JSONResponse({"round": round_, "submitted_at": at, **decisions.model_dump()})

    async def team_cost(self, request: Request) -> JSONResponse:
        return await self.team_action(request, self._cost)

    def _cost(self, team: str, changes: dict[str, Any]) -> JSONResponse:
        """What the plan with ``changes`` costs this round (marketing, sales team, one-off)."""
        game = self.game
        after = game.parse(team, changes, source="your plan")
        parts = game.plan_cost(team, after)
        return JSONResponse({**parts, "total": sum(parts.values())})

    def team_svg(self, request: Request) -> Response:
        team = self.team_of(request)
        if team is None:
            return Response(status_code=404)
        name = request.path_params["name"]
        view = self.view()
        rows = view["rows"]
        if name == "share":
            return self.chart(
                view,
                ("share", team),
                lambda: charts.share_chart(rows, self.computers, highlight=team),
            )
        if name == "arr":
            colour = charts.colours(list(rows), self.computers)[team]
            return self.chart(view, ("arr", team), lambda: charts.team_chart(rows[team], colour))
        return Response(status_code=404)

    # --- the instructor's console -------------------------------------------------------------

    def console(self, request: Request) -> HTMLResponse:
        if not self.is_instructor(request):
            return self.page(
                "message.html",
                status=403,
                title="Not the instructor's address",
                message="This console needs the instructor's secret, printed by `gtmsim game "
                "new` and `gtmsim game codes`.",
            )
        game = self.game
        return self.page(
            "console.html",
            title="Instructor console",
            secret=request.path_params["secret"],
            codes=game.store.codes(),
            game_status=game.status(),
            board=self.board(),
            computers=self.computers,
            weights=game.weights(),
            measures=MEASURES,
        )

    async def console_api(self, request: Request) -> JSONResponse:
        if not self.is_instructor(request):
            return JSONResponse({"error": "not the instructor's secret"}, status_code=403)
        return JSONResponse({**self.state(), **self.game.status()})

    async def console_action(self, request: Request) -> JSONResponse:
        if not self.is_instructor(request):
            return JSONResponse({"error": "not the instructor's secret"}, status_code=403)
        action = request.path_params["action"]
        body = await json_object(request) if action == "weights" else {}
        if body is None:
            return JSONResponse({"error": "send the weights as a JSON object"}, 400)
        game = self.game

        def act() -> JSONResponse:
            if action == "close":
                return JSONResponse({"closed": game.close_round(), **self.state()})
            if action == "undo":
                return JSONResponse({"undone": game.undo_round(), **self.state()})
            if action == "weights":
                text = ",".join(f"{k}={v}" for k, v in dict(body).items() if v not in ("", None))
                game.set_weights(parse_weights(text, source="weights"))
                return JSONResponse({"weights": game.weights()})
            return JSONResponse({"error": f"no action {action!r}"}, status_code=404)

        return await self.in_thread(act)

    def console_export(self, request: Request) -> Response:
        if not self.is_instructor(request):
            return Response(status_code=403)
        name = request.path_params["name"]
        if name not in EXPORTS:
            return Response(status_code=404)
        text = csv_text(self.game.export_rows(name))  # made for this request, in memory
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(text, media_type="text/csv", headers=disposition)

    # --- running actions ----------------------------------------------------------------------

    async def in_thread(self, action) -> JSONResponse:
        """Run a game action in a worker thread (closing a round takes a second or two); a
        game error becomes a 400 with its one-paragraph message."""
        from starlette.concurrency import run_in_threadpool

        try:
            return await run_in_threadpool(action)
        except GAME_ERRORS as err:
            return JSONResponse({"error": str(err)}, status_code=400)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self.home),
                Route("/api/state", self.api_state),
                Route("/projector", self.projector),
                Route("/chart/share.svg", self.share_svg),
                Route("/chart/scores.svg", self.scores_svg),
                Route("/team/{code}", self.team_page),
                Route("/team/{code}/chart/{name}.svg", self.team_svg),
                Route("/api/team/{code}/submit", self.team_submit, methods=["POST"]),
                Route("/api/team/{code}/cost", self.team_cost, methods=["POST"]),
                Route("/console/{secret}", self.console),
                Route("/console/{secret}/export/{name}", self.console_export),
                Route("/api/console/{secret}", self.console_api),
                Route("/api/console/{secret}/{action}", self.console_action, methods=["POST"]),
            ]
        )


async def json_object(request: Request) -> dict[str, Any] | None:
    """The request's JSON body if it is an object, else None (not JSON, or not an object)."""
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested past reason
        return None
    return body if isinstance(body, dict) else None


def serve(folder: Path, host: str, port: int) -> None:
    """Serve the game in ``folder`` until interrupted (Ctrl-C)."""
    import uvicorn

    uvicorn.run(GamePages(folder).app(), host=host, port=port, log_level="warning")
