"""A game's file: one SQLite database (``game.sqlite``) in the game's folder.

It holds what the game is played from (its setup), the teams with their join codes, the
instructor's secret, the decisions teams submitted for the open round, and for every closed
round the decisions it was played with and every firm's weekly KPIs. Each write is one
transaction, so a game killed at any moment is either before or after a closed round, never
half-way; a server restarted on the file replays the closed rounds from the seed and checks
that it gets the stored results to the last digit.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gtmsim.classroom.game.engine import GameSetup
from gtmsim.classroom.game.errors import GameFileError
from gtmsim.classroom.game.rules import Decisions, GameRules
from gtmsim.model.market_scenario import MarketScenario

#: The game file in a game folder.
GAME_FILE = "game.sqlite"
#: Version of the file's layout.
FORMAT = 1
#: Letters of team codes: no 0/O, 1/I/L, so a code read off a projector is typed right.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

SCHEMA = """
CREATE TABLE game (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE teams (
    name TEXT PRIMARY KEY, position INTEGER NOT NULL, code TEXT UNIQUE, computer INTEGER NOT NULL
);
CREATE TABLE submissions (
    round INTEGER NOT NULL, team TEXT NOT NULL, decisions TEXT NOT NULL,
    submitted_at TEXT NOT NULL, PRIMARY KEY (round, team)
);
CREATE TABLE rounds (round INTEGER PRIMARY KEY, closed_at TEXT NOT NULL, decisions TEXT NOT NULL);
CREATE TABLE weeks (
    round INTEGER NOT NULL, firm TEXT NOT NULL, week INTEGER NOT NULL, kpis TEXT NOT NULL,
    PRIMARY KEY (firm, week)
);
"""


def now() -> str:
    """The time, for the record (UTC, ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_code() -> str:
    """A team's join code: 6 letters and digits that read unambiguously."""
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(6))


class GameStore:
    """The game file of folder ``folder`` (opened with :meth:`create` or :meth:`open`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.folder = path.parent

    # --- creating and opening ---------------------------------------------------------------

    @classmethod
    def create(cls, folder: Path, setup: GameSetup, source: str) -> GameStore:
        """A new game file in ``folder`` (made if missing; refused if it holds a game)."""
        path = folder / GAME_FILE
        if path.exists():
            raise GameFileError(
                f"{folder} already holds a game ({GAME_FILE}). Choose another --dir, or delete "
                "the folder to start over."
            )
        if folder.exists() and not folder.is_dir():
            raise GameFileError(f"{folder} is a file, not a folder: choose a folder for --dir.")
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{GAME_FILE}.partial"
        partial.unlink(missing_ok=True)
        with closing(sqlite3.connect(partial)) as db, db:
            db.executescript(SCHEMA)
            meta = {
                "format": FORMAT,
                "source": source,
                "created": now(),
                "instructor_secret": secrets.token_urlsafe(12),
                "market": setup.market.model_dump(mode="json"),
                "teams": list(setup.teams),
                "computers": list(setup.computers),
                "rounds": setup.rounds,
                "round_weeks": setup.round_weeks,
                "seed": setup.seed,
                "rules": setup.rules.model_dump(mode="json"),
                "weights": None,
                "revision": 0,
            }
            db.executemany(
                "INSERT INTO game VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
            )
            codes: set[str] = set()
            for position, name in enumerate((*setup.teams, *setup.computers)):
                computer = name in setup.computers
                code = None
                while not computer and (code is None or code in codes):
                    code = new_code()
                codes.add(code or "")
                db.execute(
                    "INSERT INTO teams VALUES (?, ?, ?, ?)", (name, position, code, int(computer))
                )
        partial.replace(path)  # the game exists complete or not at all
        return cls(path)

    @classmethod
    def open(cls, folder: Path) -> GameStore:
        """The game in ``folder``; a one-paragraph error if there is none or it is unreadable."""
        path = folder / GAME_FILE
        if not path.is_file():
            raise GameFileError(
                f"{folder} holds no game ({GAME_FILE} not found). Create one with `gtmsim game "
                f"new MARKET --dir {folder}`, or give the folder of an existing game."
            )
        store = cls(path)
        try:
            version = store.meta("format")
        except (sqlite3.DatabaseError, KeyError, json.JSONDecodeError):
            raise GameFileError(
                f"{path} is not a gtmsim game file (unreadable or damaged). Restore it from a "
                "copy, or create a new game in another folder."
            ) from None
        if version != FORMAT:
            raise GameFileError(
                f"{path} is a game file of format {version}; this gtmsim reads format {FORMAT}. "
                "Use the gtmsim version that created it."
            )
        return store

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction (committed on success, rolled back on error); a
        ``write`` transaction takes the file's write lock at once (BEGIN IMMEDIATE), so what it
        reads cannot change before it writes, whatever other process uses the file."""
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            if write:
                db.execute("BEGIN IMMEDIATE")
            yield db

    # --- reading ------------------------------------------------------------------------------

    def meta(self, key: str) -> Any:
        """A value of the game's setup table."""
        with self.connect() as db:
            row = db.execute("SELECT value FROM game WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return json.loads(row[0])

    def setup(self) -> GameSetup:
        """What the game is played from."""
        with self.connect() as db:
            meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM game")}
        return GameSetup(
            market=MarketScenario.model_validate(meta["market"]),
            teams=tuple(meta["teams"]),
            computers=tuple(meta["computers"]),
            rounds=meta["rounds"],
            round_weeks=meta["round_weeks"],
            seed=meta["seed"],
            rules=GameRules.model_validate(meta["rules"]),
        )

    def codes(self) -> dict[str, str]:
        """Each team's join code, by team name."""
        with self.connect() as db:
            rows = db.execute("SELECT name, code FROM teams WHERE computer = 0 ORDER BY position")
            return dict(rows.fetchall())

    def revision(self) -> int:
        """How many times rounds were closed or undone: what the played game is, for caches
        (another process, e.g. `gtmsim game undo-round` beside the server, moves it too)."""
        try:
            return int(self.meta("revision"))
        except KeyError:  # pragma: no cover - every game file is made with one
            return 0

    def rounds_closed(self) -> int:
        """Rounds played so far."""
        with self.connect() as db:
            return db.execute("SELECT COUNT(*) FROM rounds").fetchone()[0]

    def played(self) -> list[dict[str, Decisions]]:
        """The decisions each closed round was played with (by team), in order."""
        with self.connect() as db:
            rows = db.execute("SELECT decisions FROM rounds ORDER BY round").fetchall()
        return [
            {team: Decisions.model_validate(d) for team, d in json.loads(text).items()}
            for (text,) in rows
        ]

    def submissions(self, round_: int) -> dict[str, tuple[Decisions, str]]:
        """Decisions submitted for ``round_`` (by team) and when."""
        with self.connect() as db:
            rows = db.execute(
                "SELECT team, decisions, submitted_at FROM submissions WHERE round = ?", (round_,)
            ).fetchall()
        return {team: (Decisions.model_validate_json(d), at) for team, d, at in rows}

    def weeks(self, firm: str | None = None) -> list[tuple[int, str, int, dict[str, float]]]:
        """Stored weekly KPIs as (round, firm, week, kpis), by firm then week."""
        query = "SELECT round, firm, week, kpis FROM weeks"
        args: tuple = ()
        if firm is not None:
            query, args = query + " WHERE firm = ?", (firm,)
        with self.connect() as db:
            rows = db.execute(query + " ORDER BY firm, week", args).fetchall()
        return [(r, f, w, json.loads(k)) for r, f, w, k in rows]

    # --- writing ------------------------------------------------------------------------------

    def submit(self, team: str, decisions: Decisions, rounds: int) -> tuple[int, str]:
        """Record ``team``'s decisions for the open round (a later submission replaces it);
        returns the round and the time recorded. Raises GameFileError when all ``rounds`` are
        played."""
        with self.connect(write=True) as db:
            round_ = db.execute("SELECT COUNT(*) FROM rounds").fetchone()[0] + 1
            if round_ > rounds:
                raise GameFileError(f"the game is over: all {rounds} rounds are played.")
            at = now()
            db.execute(
                "INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?)",
                (round_, team, decisions.model_dump_json(), at),
            )
        return round_, at

    def close_round(
        self,
        round_: int,
        decisions: dict[str, Decisions],
        rows: dict[str, list[dict[str, float]]],
    ) -> None:
        """Record a played round: the decisions it ran with and every firm's weekly KPIs (one
        transaction: all of it or none)."""
        payload = {team: d.model_dump(mode="json") for team, d in decisions.items()}
        with self.connect(write=True) as db:
            closed = db.execute("SELECT COUNT(*) FROM rounds").fetchone()[0]
            if closed != round_ - 1:
                raise GameFileError(
                    f"round {round_} cannot be recorded: {closed} rounds are closed in "
                    f"{self.path} (another window or command closed or undid a round meanwhile). "
                    "Reload the page and look again before closing."
                )
            db.execute("INSERT INTO rounds VALUES (?, ?, ?)", (round_, now(), json.dumps(payload)))
            db.executemany(
                "INSERT INTO weeks VALUES (?, ?, ?, ?)",
                [
                    (round_, firm, int(row["week"]), json.dumps(row, default=lambda x: x.item()))
                    for firm, firm_rows in rows.items()
                    for row in firm_rows
                ],
            )
            bump(db)

    def undo_round(self, round_: int) -> None:
        """Forget closed round ``round_`` (the last): its results and the decisions it ran
        with; what teams submitted for it stays, to be changed or played again."""
        with self.connect(write=True) as db:
            closed = db.execute("SELECT COUNT(*) FROM rounds").fetchone()[0]
            if closed != round_:
                raise GameFileError(
                    f"round {round_} is not the last closed round ({closed} are closed): another "
                    "window or command changed the game meanwhile. Reload and look again."
                )
            db.execute("DELETE FROM weeks WHERE round = ?", (round_,))
            db.execute("DELETE FROM rounds WHERE round = ?", (round_,))
            bump(db)

    def set_meta(self, key: str, value: Any) -> None:
        """Set a value of the game's setup table (e.g. the scoreboard's weights)."""
        with self.connect() as db:
            db.execute("INSERT OR REPLACE INTO game VALUES (?, ?)", (key, json.dumps(value)))


def bump(db: sqlite3.Connection) -> None:
    """Move the game's revision on, in the transaction that changes what was played."""
    db.execute(
        "UPDATE game SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'revision'"
    )
