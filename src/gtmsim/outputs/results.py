"""Results folders on disk: manifest.json, timeseries.csv and summary.csv, written atomically.

Layout (see ``results/README.md``)::

    <out>/manifest.json   resolved scenarios, seeds, versions, scenario hashes, format version
    <out>/timeseries.csv  one row per (scenario, seed, week)
    <out>/summary.csv     one row per (scenario, seed)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gtmsim.model.kpis import SUMMARY, WEEKLY

#: Largest magnitude a results cell may hold (see check_table).
MAX_MAGNITUDE = 1e100
FORMAT_VERSION = 3  # 2: sqls_dropped, deals_dropped columns; 3: recurring revenue (ARR, retention)
#: CSV float format: 12 significant digits, so files are identical across runs and platforms.
FLOAT_FORMAT = "%.12g"


#: Suffix of the temporary files :func:`atomic_path` writes before renaming them into place.
TMP_SUFFIX = ".gtmsim-tmp"
#: What `gtmsim run` and `compare` (and `plot`, `report`) write into a results folder.
RUN_PRODUCTS = (
    "manifest.json",
    "timeseries.csv",
    "summary.csv",
    "report.md",
    "report.html",
    "figures",
)


def default_mode() -> int:
    """Permissions of a new file under the user's umask (e.g. 0o644 under umask 022)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class ResultsError(Exception):
    """A results folder is missing, incomplete or unreadable; the message says how to fix it."""


@contextmanager
def atomic_path(path: Path, mode: int | None = None) -> Iterator[Path]:
    """A temporary file next to ``path`` to write into; it replaces ``path`` when the block
    ends, or is removed if the block fails, so readers never see half a file. Its permissions
    are ``mode``, by default those the user's umask gives a new file (as for any file the user
    makes, so a handed-out results folder is readable as the user intends). A temporary file
    left by a killed process is removed by the next :func:`prepare_out_dir` on the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    os.close(fd)
    os.chmod(tmp, default_mode() if mode is None else mode)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str, mode: int | None = None) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path, mode) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


def safe_name(name: str, limit: int = 60) -> str:
    """``name`` as a safe folder-name part: letters, digits, '.', '_' and '-' only (anything else
    becomes '-'), no leading dots or dashes, at most ``limit`` characters; "scenario" if nothing
    is left. A scenario called ``../../etc`` or ``[bold]`` cannot write outside the results
    folder or confuse a terminal."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")[:limit].strip(".-")
    return cleaned or "scenario"


def prepare_out_dir(folder: Path, products: tuple[str, ...], overwrite: bool = False) -> bool:
    """Make sure ``folder`` can take a command's ``products`` (file or folder names) before any
    work starts. Creates the folder if needed and checks that files can be written there;
    refuses, unless ``overwrite``, a folder that already holds any of the products (an older
    run's report or figures must never sit beside new data), and with ``overwrite`` removes
    them first. Temporary files a killed write left behind are removed. Returns whether the
    folder was created (so a caller that ends up writing nothing can remove it again)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ResultsError(f"{folder}: is a file, not a folder. Give --out a folder name.")
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".gtmsim-check-"):
            pass
    except OSError as err:
        raise ResultsError(
            f"{folder}: cannot write results here ({err.strerror or err}). Give --out a folder "
            "you can write to; nothing was run."
        ) from None
    remove_stale_temporaries(folder)
    present = [name for name in products if (folder / name).exists()]
    if present and not overwrite:
        raise ResultsError(
            f"{folder}: already holds results of an earlier run ({', '.join(present)}). Give "
            "another --out (or none: each run gets a new folder under results/), or add "
            "--overwrite to replace them; nothing was run."
        )
    for name in present:
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    return created


def remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files a killed write left in ``folder`` (and its figures/)."""
    for stale in [*folder.glob(f".*{TMP_SUFFIX}"), *folder.glob(f"*/.*{TMP_SUFFIX}")]:
        stale.unlink(missing_ok=True)


def default_out_dir(names: list[str], root: Path = Path("results")) -> Path:
    """``results/<name>[-vs-<name>...]-<yyyymmdd-hhmmss>`` (names made safe, :func:`safe_name`),
    made unique if it already exists."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = root / f"{'-vs-'.join(safe_name(n) for n in names)}-{stamp}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def write_results(
    out_dir: Path, timeseries: pd.DataFrame, summary: pd.DataFrame, manifest: dict[str, Any]
) -> Path:
    """Write a results folder: the weekly table, the per-run summary and the manifest (what
    the folder holds and how it was made, e.g. :meth:`gtmsim.experiments.runner.Batch.manifest`),
    to which the results format version is added. Returns the folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(
        out_dir / "timeseries.csv", timeseries.to_csv(index=False, float_format=FLOAT_FORMAT)
    )
    write_atomic(out_dir / "summary.csv", summary.to_csv(index=False, float_format=FLOAT_FORMAT))
    record = {"format_version": FORMAT_VERSION, **manifest}
    write_atomic(out_dir / "manifest.json", json.dumps(record, indent=2) + "\n")
    return out_dir


def read_results(folder: Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Read a results folder: (manifest, timeseries, summary). Raises ResultsError with a fix."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(
            f"{folder}: no such results folder. Give a folder written by `gtmsim run` or "
            f"`gtmsim compare` (they are under results/ by default)."
        )
    missing = [
        n for n in ("manifest.json", "timeseries.csv", "summary.csv") if not (folder / n).is_file()
    ]
    if missing:
        raise ResultsError(
            f"{folder}: this results folder is incomplete, {', '.join(missing)} missing. "
            f"It may be from an interrupted run; run the scenarios again to recreate it."
        )
    try:
        meta = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsError(
            f"{folder / 'manifest.json'}: not valid JSON ({err}); re-run to recreate it."
        ) from None
    found = meta.get("format_version") if isinstance(meta, dict) else None
    if found != FORMAT_VERSION:
        raise ResultsError(
            f"{folder}: results format version {found!r}, but this gtmsim (format {FORMAT_VERSION}) "
            f"reads only its own format. Re-run the scenarios with this version, or use the gtmsim "
            f"version named in manifest.json ({meta.get('versions', {}).get('gtmsim', 'unknown') if isinstance(meta, dict) else 'unknown'})."
        )
    check_manifest(folder, meta)
    tables = []
    for name in ("timeseries.csv", "summary.csv"):
        path = folder / name
        raw = path.read_bytes()
        if raw and not raw.endswith(b"\n"):
            raise ResultsError(
                f"{path}: the file ends in the middle of a line, so it was cut off (a copy or "
                "write that did not finish). Re-run the scenarios to recreate the folder."
            )
        try:
            tables.append(pd.read_csv(path))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            raise ResultsError(
                f"{path}: this CSV file cannot be read ({err}); re-run to recreate it."
            ) from None
    timeseries, summary = tables
    check_table(folder / "timeseries.csv", timeseries, ("scenario", "seed", "week", *WEEKLY[1:]))
    check_table(folder / "summary.csv", summary, ("scenario", "seed", "weeks", *SUMMARY))
    check_runs(folder, meta, timeseries, summary)
    return meta, timeseries, summary


def check_manifest(folder: Path, meta: dict[str, Any]) -> None:
    """The manifest names its scenarios, seeds and weeks in the expected form."""
    path = folder / "manifest.json"
    problems = []
    scenarios = meta.get("scenarios")
    if not isinstance(scenarios, list) or not scenarios:
        problems.append("no list of scenarios")
    elif not all(isinstance(s, dict) and isinstance(s.get("name"), str) for s in scenarios):
        problems.append("a scenario without a name")
    elif not all(isinstance(s.get("parameters"), dict) for s in scenarios):
        problems.append("a scenario without its parameters")
    seeds = meta.get("seeds")
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) for s in seeds):
        problems.append("no list of whole-number seeds")
    if not isinstance(meta.get("weeks"), int) or meta["weeks"] < 1:
        problems.append("no number of weeks")
    if not isinstance(meta.get("versions"), dict):
        problems.append("no package versions")
    if not isinstance(meta.get("complete", True), bool):
        problems.append("a 'complete' that is neither true nor false")
    if problems:
        raise ResultsError(
            f"{path}: the manifest has {', '.join(problems)}, so the results cannot be matched "
            "to what was run. It was edited or written by something else than gtmsim; re-run "
            "the scenarios to recreate the folder."
        )


def check_table(path: Path, table: pd.DataFrame, required: tuple[str, ...]) -> None:
    """A results table has rows, every column it needs, and numbers where numbers belong."""
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ResultsError(
            f"{path}: column{'s' * (len(missing) > 1)} {', '.join(missing)} missing, so this "
            "is not a results table of this gtmsim version (or it was edited). Re-run the "
            "scenarios to recreate it."
        )
    if table.empty:
        raise ResultsError(
            f"{path}: the table has a header but no rows (no run finished). Re-run the "
            "scenarios to recreate the folder."
        )
    numeric = [c for c in required if c != "scenario"]
    bad = [c for c in numeric if not pd.api.types.is_numeric_dtype(table[c])]
    if bad:
        column = bad[0]
        values = pd.to_numeric(table[column], errors="coerce")
        row = int(values.isna().to_numpy().nonzero()[0][0]) if values.isna().any() else 0
        raise ResultsError(
            f"{path}: column {column} holds {table[column].iloc[row]!r} on data row {row + 1}, "
            "which is not a number. The file was edited or damaged; re-run the scenarios to "
            "recreate it."
        )
    numbers = table[numeric].to_numpy(dtype=float)
    # An undefined KPI is an empty cell (NaN); no KPI is infinite, nor anywhere near 1e100
    # (the parameters' bounds keep every run's money and counts below ~1e30).
    implausible = np.argwhere(np.abs(np.nan_to_num(numbers)) > MAX_MAGNITUDE)
    if len(implausible):
        row, col = implausible[0]
        column = numeric[col]
        raise ResultsError(
            f"{path}: column {column} holds '{table[column].iloc[row]}' on data row {row + 1}; "
            "gtmsim never writes an infinite number or one beyond 1e100, so the file was "
            "edited or damaged. Re-run the scenarios to recreate it."
        )


def check_runs(
    folder: Path, meta: dict[str, Any], timeseries: pd.DataFrame, summary: pd.DataFrame
) -> None:
    """The tables hold exactly the runs the manifest names: each (scenario, seed) of the
    summary has its weeks 1..weeks in the weekly table, nothing else is there, and a complete
    folder has every scenario on every seed."""
    names = [s["name"] for s in meta["scenarios"]]
    seeds, weeks = meta["seeds"], meta["weeks"]
    runs = set(zip(summary["scenario"], summary["seed"], strict=True))
    weekly = timeseries.groupby(["scenario", "seed"])["week"].agg(["count", "min", "max"])
    problems = []
    stray = sorted(r for r in runs | set(weekly.index) if r[0] not in names or r[1] not in seeds)
    if stray:
        problems.append(
            f"runs the manifest does not name (e.g. {stray[0][0]} on seed {stray[0][1]})"
        )
    if meta.get("complete", True):
        absent = [(n, s) for n in names for s in seeds if (n, s) not in runs]
        if absent:
            problems.append(
                f"{len(absent)} of {len(names) * len(seeds)} runs missing from summary.csv "
                f"(e.g. {absent[0][0]} on seed {absent[0][1]})"
            )
    for run in sorted(runs):
        if run not in weekly.index:
            problems.append(f"no weekly rows for {run[0]} on seed {run[1]}")
            break
        count, first, last = weekly.loc[run]
        if (count, first, last) != (weeks, 1, weeks):
            problems.append(
                f"{run[0]} on seed {run[1]} has {count} weekly rows (weeks {first}-{last}), "
                f"not weeks 1-{weeks}"
            )
            break
    if problems:
        raise ResultsError(
            f"{folder}: the results do not match manifest.json: {'; '.join(problems)}. Files "
            "from different runs were mixed, or one was cut short; re-run the scenarios to "
            "recreate the folder."
        )
