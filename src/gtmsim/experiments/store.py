"""A sweep's results on disk, safe against any interruption: an SQLite run index and summary
table in ``DIR/sweep.sqlite``, weekly series in Parquet files under ``DIR/series/``.

Each run is keyed by (scenario digest, seed): the resolved parameters of its design point and
its replicate seed, so a run is stored once whatever the design point's number. A finished run
is committed at once, in one transaction: its row in ``runs`` (status ``done``, or ``failed``
with the error), its KPI summary, and its weekly series staged as Arrow IPC bytes. Staged series
are moved into one Parquet file per batch of runs (written to a temporary name and renamed, then
registered and unstaged in one transaction), so the folder holds few files however many runs.
A crash at any point leaves a consistent store: an unregistered Parquet file is deleted and
rewritten from the staged rows when the store is next opened. The parent holds no results in
memory: each arrives, is committed and is dropped.

Readers: :meth:`SweepStore.summaries` (pandas), :meth:`SweepStore.export` (CSV or Parquet that
pandas, polars and DuckDB read directly). The SQLite file itself opens in DuckDB
(``INSTALL sqlite; ATTACH 'sweep.sqlite'``) and any SQLite client.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from gtmsim.model.kpis import SUMMARY

FORMAT_VERSION = 1
DATABASE = "sweep.sqlite"
SERIES = "series"
#: Runs whose weekly series are gathered into one Parquet file.
SERIES_BATCH = 200
# Arrow's own thread pools stay unused (use_threads=False, nthreads=1): the parent forks worker
# processes, and forking a process whose native threads hold locks can deadlock the children.

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    point INTEGER PRIMARY KEY, digest TEXT NOT NULL, settings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    digest TEXT NOT NULL, seed INTEGER NOT NULL,
    replicate INTEGER NOT NULL, status TEXT NOT NULL, error TEXT,
    seconds REAL, finished TEXT NOT NULL, PRIMARY KEY (digest, seed));
CREATE TABLE IF NOT EXISTS summaries (
    digest TEXT NOT NULL, seed INTEGER NOT NULL,
    replicate INTEGER NOT NULL, {", ".join(f'"{k}" REAL' for k in SUMMARY)},
    PRIMARY KEY (digest, seed));
CREATE TABLE IF NOT EXISTS staged_series (
    digest TEXT NOT NULL, seed INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (digest, seed));
CREATE TABLE IF NOT EXISTS series_files (name TEXT PRIMARY KEY, runs INTEGER NOT NULL);
"""


class StoreError(Exception):
    """A results folder that is not, or not the same, sweep."""


@dataclass(frozen=True)
class RunResult:
    """What a worker sends back for one run: small tables, or the error it raised."""

    digest: str
    seed: int
    replicate: int
    summary: dict[str, float] | None
    series: bytes | None  # the weekly KPI table as Arrow IPC bytes
    error: str | None
    seconds: float


class SweepStore:
    """The results folder of one sweep (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / DATABASE
        self.connection: sqlite3.Connection | None = None

    # --- opening ------------------------------------------------------------------------

    @classmethod
    def check_folder(cls, folder: Path, sweep_digest: str) -> None:
        """StoreError, before anything is made, if ``folder`` cannot hold this sweep: a file,
        a non-empty folder that holds no sweep, a folder holding another sweep, or a path
        that cannot be created."""
        store = cls(folder)
        if folder.exists() and not folder.is_dir():
            raise StoreError(f"{folder}: exists and is not a folder; choose another --out.")
        if folder.is_dir() and any(folder.iterdir()) and not store.path.is_file():
            raise StoreError(
                f"{folder}: the folder is not empty and holds no sweep ({DATABASE}); choose "
                "another --out, or an empty or new folder."
            )
        if store.path.is_file():
            store._connect()
            stored = store.meta("sweep_digest")
            store.close()
            if stored is not None and stored != sweep_digest:
                raise StoreError(
                    f"{folder}: holds a different sweep (another base scenario, factors, "
                    f"design, weeks or root seed; see {folder / 'sweep.toml'}). Adding seeds "
                    "extends a sweep; anything else needs another --out."
                )
            return
        parent = next((p for p in folder.absolute().parents if p.exists()), None)
        if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK):
            raise StoreError(
                f"{folder}: cannot be created ({parent} is not a folder you can write to); "
                "give --out a folder you can write to."
            )

    @classmethod
    def create_or_open(cls, folder: Path, sweep_digest: str, spec_toml: str) -> SweepStore:
        """Open the store of this sweep in ``folder``, creating it if the folder is new or
        empty; StoreError if the folder holds something else, or another sweep. ``spec_toml``
        is written as ``sweep.toml``."""
        cls.check_folder(folder, sweep_digest)
        store = cls(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(
                f"{folder}: cannot be created ({err.strerror or err}); give --out a folder you "
                "can write to."
            ) from None
        store._connect()
        if store.meta("sweep_digest") is None:
            with store._transaction() as db:
                db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [
                        ("format_version", str(FORMAT_VERSION)),
                        ("sweep_digest", sweep_digest),
                        ("created", datetime.now(UTC).isoformat(timespec="seconds")),
                    ],
                )
        (folder / "sweep.toml").write_text(spec_toml, encoding="utf-8")
        store.recover()
        return store

    @classmethod
    def open_existing(cls, folder: Path) -> SweepStore:
        """Open a sweep's folder to read it; StoreError naming the folder if it holds none."""
        store = cls(folder)
        if not store.path.is_file():
            raise StoreError(
                f"{folder}: no sweep here ({DATABASE} is missing). Give the folder a `gtmsim "
                "sweep` wrote (its --out, printed when it started)."
            )
        store._connect()
        if store.meta("format_version") != str(FORMAT_VERSION):
            raise StoreError(
                f"{folder}: a sweep store of format {store.meta('format_version')}, this gtmsim "
                f"reads format {FORMAT_VERSION}; run the sweep again into a new folder."
            )
        return store

    def _connect(self) -> None:
        try:
            self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=NORMAL")
            self.connection.executescript(_SCHEMA)
        except sqlite3.DatabaseError as err:
            raise StoreError(
                f"{self.path}: not a readable sweep store ({err}); move it away and run the "
                "sweep again into a new folder."
            ) from None

    def _transaction(self):
        db = self.connection
        assert db is not None

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN IMMEDIATE")
                return db

            def __exit__(self_inner, kind, value, tb):
                db.execute("COMMIT" if kind is None else "ROLLBACK")
                return False

        return _Tx()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def meta(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # --- writing ------------------------------------------------------------------------

    def register_points(self, digests: list[str], settings: list[dict]) -> None:
        """Record each design point's scenario digest and settings (idempotent)."""
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO points VALUES (?, ?, ?)",
                [
                    (i, d, json.dumps(s, sort_keys=True))
                    for i, (d, s) in enumerate(zip(digests, settings, strict=True))
                ],
            )

    def done(self) -> set[tuple[str, int]]:
        """(digest, seed) of every run stored as done."""
        rows = self.connection.execute("SELECT digest, seed FROM runs WHERE status = 'done'")
        return {(d, s) for d, s in rows}

    def record(self, result: RunResult) -> None:
        """Commit one run at once: index row, summary and staged series, or its error."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        status = "failed" if result.error is not None else "done"
        key = (result.digest, result.seed)
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*key, result.replicate, status, result.error, result.seconds, now),
            )
            if result.summary is not None:
                columns = ", ".join(f'"{k}"' for k in SUMMARY)
                marks = ", ".join("?" for _ in range(3 + len(SUMMARY)))
                db.execute(
                    f"INSERT OR REPLACE INTO summaries (digest, seed, replicate, {columns}) "
                    f"VALUES ({marks})",
                    (*key, result.replicate, *(result.summary.get(k) for k in SUMMARY)),
                )
            if result.series is not None:
                db.execute(
                    "INSERT OR REPLACE INTO staged_series VALUES (?, ?, ?)", (*key, result.series)
                )
        if self.staged() >= SERIES_BATCH:
            self.flush_series()

    def staged(self) -> int:
        return self.connection.execute("SELECT COUNT(*) FROM staged_series").fetchone()[0]

    def flush_series(self) -> None:
        """Move the staged weekly series into one new Parquet file (atomic: temporary name,
        rename, then register and unstage in one transaction)."""
        rows = self.connection.execute(
            "SELECT digest, seed, data FROM staged_series ORDER BY digest, seed"
        ).fetchall()
        if not rows:
            return
        table = pa.concat_tables([ipc.open_stream(data).read_all() for _, _, data in rows])
        directory = self.folder / SERIES
        directory.mkdir(exist_ok=True)
        name = f"part-{time.time_ns()}.parquet"
        temporary = directory / f".{name}.tmp"
        pq.write_table(table, temporary)
        temporary.rename(directory / name)
        with self._transaction() as db:
            db.execute("INSERT INTO series_files VALUES (?, ?)", (name, len(rows)))
            db.executemany(
                "DELETE FROM staged_series WHERE digest = ? AND seed = ?",
                [(d, s) for d, s, _ in rows],
            )

    def recover(self) -> None:
        """After a crash: drop Parquet files no transaction registered (their runs are still
        staged) and temporary files, then flush what is staged."""
        directory = self.folder / SERIES
        if directory.is_dir():
            registered = {n for (n,) in self.connection.execute("SELECT name FROM series_files")}
            for path in directory.iterdir():
                if path.name not in registered:
                    path.unlink()
        self.flush_series()

    # --- reading ------------------------------------------------------------------------

    def points(self) -> pd.DataFrame:
        rows = self.connection.execute("SELECT point, digest, settings FROM points ORDER BY point")
        records = [{"point": p, "digest": d, **json.loads(s)} for p, d, s in rows]
        return pd.DataFrame(records)

    def runs(self) -> pd.DataFrame:
        """One row per design point and replicate that has run: status, error, seconds."""
        frame = pd.read_sql_query("SELECT * FROM runs", self.connection)
        frame = self.points()[["point", "digest"]].merge(frame, on="digest", how="inner")
        frame = frame.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)
        front = ["point", "replicate", "seed"]
        return frame[front + [c for c in frame.columns if c not in front]]

    def summaries(self) -> pd.DataFrame:
        """One row per design point and replicate done: point, replicate, seed, the point's
        factor settings, every summary KPI; sorted by point then replicate (the same whatever
        ran them, in any order). Points with identical settings share their runs."""
        frame = pd.read_sql_query("SELECT * FROM summaries", self.connection)
        points = self.points()
        factors = [c for c in points.columns if c not in ("point", "digest")]
        frame = points.merge(frame, on="digest", how="inner")
        frame = frame.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)
        frame[list(SUMMARY)] = frame[list(SUMMARY)].astype(float)  # NULL (undefined) -> NaN
        front = ["point", "replicate", "seed", *factors]
        return frame[front + [c for c in frame.columns if c not in front and c != "digest"]]

    def series(self) -> pd.DataFrame:
        """Every done run's weekly KPIs, one block per design point and replicate, sorted by
        point, replicate and week."""
        self.flush_series()
        directory = self.folder / SERIES
        names = [n for (n,) in self.connection.execute("SELECT name FROM series_files")]
        if not names:
            return pd.DataFrame()
        frame = pa.concat_tables(
            [pq.read_table(directory / n, use_threads=False) for n in names]
        ).to_pandas(use_threads=False)
        index = pd.read_sql_query("SELECT digest, seed, replicate FROM runs", self.connection)
        frame = frame.merge(index, on=["digest", "seed"], how="inner")
        frame = self.points()[["point", "digest"]].merge(frame, on="digest", how="inner")
        frame = frame.sort_values(["point", "replicate", "week"], kind="stable")
        front = ["point", "replicate", "seed", "week"]
        rest = [c for c in frame.columns if c not in [*front, "digest", "scenario"]]
        return frame[front + rest].reset_index(drop=True)

    def export(self, fmt: str = "csv") -> list[Path]:
        """Write runs, summaries and weekly series as ``fmt`` (csv or parquet) files into
        ``DIR/export/``; sorted, so the same sweep gives the same bytes however it ran."""
        out = self.folder / "export"
        out.mkdir(exist_ok=True)
        tables = {
            "summary": self.summaries(),
            "series": self.series(),
            "runs": self.runs().drop(columns=["digest", "seconds", "finished"]),
        }
        paths = []
        for name, frame in tables.items():
            path = out / f"{name}.{fmt}"
            if fmt == "csv":
                frame.to_csv(path, index=False)
            else:
                pq.write_table(pa.Table.from_pandas(frame, preserve_index=False, nthreads=1), path)
            paths.append(path)
        return paths


def series_bytes(frame: pd.DataFrame, digest: str) -> bytes:
    """A run's weekly KPI table, keyed by digest, as an uncompressed Arrow IPC stream (~75 KB
    for 104 weeks): it decodes without copying, so moving staged runs into a Parquet file costs
    the parent about 0.25 ms a run (Parquet bytes cost 4.5 ms)."""
    frame = frame.copy()
    frame.insert(0, "digest", digest)
    table = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
    sink = pa.BufferOutputStream()
    options = ipc.IpcWriteOptions(use_threads=False)
    with ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


class RunCache:
    """Summaries of finished runs in ``DIR/runs.sqlite``, keyed by the scenario's digest, the
    weeks and the seed, committed batch by batch: a long procedure made of many batches (a
    calibration) that is interrupted and started again over the same folder reuses every run
    it finished. A run depends only on its scenario, weeks and seed, so a reused summary is the
    one a new run would give (numbers round-trip exactly through JSON)."""

    FILE = "runs.sqlite"

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / self.FILE
        try:
            self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute(
                "CREATE TABLE IF NOT EXISTS runs (key TEXT NOT NULL, seed INTEGER NOT NULL, "
                "summary TEXT NOT NULL, PRIMARY KEY (key, seed))"
            )
        except sqlite3.DatabaseError as err:
            raise StoreError(
                f"{self.path}: not a readable run cache ({err}); delete it (it only saves time) "
                "and run again."
            ) from None

    @staticmethod
    def key(digest: str, weeks: int) -> str:
        return f"{digest}:{weeks}"

    def get(self, key: str, seeds: list[int]) -> dict[int, dict]:
        """The stored summaries of ``seeds`` under ``key`` (only those present)."""
        marks = ", ".join("?" for _ in seeds)
        rows = self.connection.execute(
            f"SELECT seed, summary FROM runs WHERE key = ? AND seed IN ({marks})", (key, *seeds)
        )
        return {seed: json.loads(summary) for seed, summary in rows}

    def put(self, key: str, summaries: dict[int, dict]) -> None:
        """Store summaries (seed -> row) under ``key`` in one transaction."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            self.connection.executemany(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?)",
                [(key, seed, json.dumps(row)) for seed, row in summaries.items()],
            )
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()
